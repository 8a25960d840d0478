// The NAP server behind the Windows-shaped server objects, and the class registry that stands in
// for COM's registration of in-process servers (DllRegisterServer / DllGetClassObject):
// INapServerManagement::RegisterSystemHealthValidator names the SHV by CLSID, and the server
// creates (and re-creates) it through this registry. OpenNAP-specific; see docs/shv.md.
#pragma once

#include <functional>
#include <memory>

#include "NapSystemHealthValidator.h"
#include "napwindef.h"
#include "opennap/server/shv_host.h"

namespace opennap::win {

// The process-wide SHV host, created on first use with default ShvHostOptions.
[[nodiscard]] std::shared_ptr<server::ShvHost> default_shv_host();
// Replaces it for objects created from now on (nullptr: back to the lazily created default).
void set_default_shv_host(std::shared_ptr<server::ShvHost> host);

// Creates CLSID_NapServerManagement / CLSID_NapServerInfo over `host`, or an object of a
// registered class. E_POINTER, E_INVALIDARG (no host), REGDB_E_CLASSNOTREG, E_NOINTERFACE,
// E_OUTOFMEMORY.
HRESULT create_server_instance(std::shared_ptr<server::ShvHost> host, REFCLSID rclsid, REFIID riid,
                               void** ppv) noexcept;

// Creates an object of a registered class and returns its `riid` interface (one reference).
using ClassFactory = std::function<HRESULT(REFIID riid, void** ppv)>;
// Registers (or replaces) a class. E_INVALIDARG: GUID_NULL, an OpenNAP system class, or an
// empty factory.
HRESULT register_shv_class(REFCLSID clsid, ClassFactory factory) noexcept;
// S_OK, or REGDB_E_CLASSNOTREG when it was not registered.
HRESULT unregister_shv_class(REFCLSID clsid) noexcept;
[[nodiscard]] bool is_registered_shv_class(REFCLSID clsid) noexcept;

// The C++ host's view of a Windows-face SHV object (AddRef'd; Released with the adapter). Each
// Validate gets a new INapSystemHealthValidationRequest2 and INapServerCallback over the C++
// request and callback. nullptr for a null pointer.
[[nodiscard]] std::shared_ptr<server::SystemHealthValidator> adapt_validator(
    INapSystemHealthValidator* validator);
// A factory creating the class's object (NapCreateInstance) and adapting it; a failure HRESULT
// of the creation (REGDB_E_CLASSNOTREG, E_NOINTERFACE, ...) is the factory's error.
[[nodiscard]] server::ValidatorFactory validator_factory(REFCLSID clsid);

}  // namespace opennap::win
