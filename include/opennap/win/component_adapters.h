// Adapters between the C++ component interfaces (opennap/agent/component_info.h,
// component_config.h) and the Windows-shaped ones (NapCommon.h), both ways:
//  * wrap_*: a Windows-face COM object over a C++ implementation, so a C++ SHV can be handed to
//    Windows-style management code;
//  * adapt_*: a C++ implementation over a Windows-face object, so the NAP server can drive a
//    Windows-style SHV. The adapter AddRefs the object and Releases it when destroyed.
// Memory rules (nap-api.md §2.1): [out] buffers are CoTaskMemAlloc'd by the callee and freed by
// the caller; byte counts are UINT16, so blobs over 65535 bytes are E_INVALIDARG.
#pragma once

#include <memory>

#include "NapCommon.h"
#include "opennap/agent/component_config.h"
#include "opennap/agent/component_info.h"

namespace opennap::win {

// A COM object answering IID_IUnknown, IID_INapComponentConfig, 2 and 3 over `config`.
// E_POINTER (ppv NULL), E_INVALIDARG (config null), E_NOINTERFACE, E_OUTOFMEMORY.
HRESULT wrap_component_config(std::shared_ptr<agent::ComponentConfig3> config, REFIID riid,
                              void** ppv) noexcept;
// A COM object answering IID_IUnknown and IID_INapComponentInfo over `info`.
HRESULT wrap_component_info(std::shared_ptr<agent::ComponentInfo> info, REFIID riid,
                            void** ppv) noexcept;

// C++ views of Windows-face objects (nullptr for a null pointer).
[[nodiscard]] std::shared_ptr<agent::ComponentConfig3> adapt_component_config(
    INapComponentConfig3* config);
[[nodiscard]] std::shared_ptr<agent::ComponentInfo> adapt_component_info(INapComponentInfo* info);

}  // namespace opennap::win
