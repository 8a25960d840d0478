// INapComponentInfo (nap-api.md §12.4), implemented BY a component (SHA, SHV, optionally an EC)
// and called by the NAP system to get static, localized administrative information: message ids
// that the component turns into localized strings. Every method may fail with an HRESULT.
// The Windows-shaped INapComponentInfo (NapCommon.h) is adapted both ways by
// opennap/win/component_adapters.h.
#pragma once

#include <cstdint>
#include <string>

#include "opennap/agent/result.h"
#include "opennap/core/nap_types.h"

namespace opennap::agent {

class ComponentInfo {
  public:
    virtual ~ComponentInfo() = default;

    // GetFriendlyName / GetDescription / GetVendorName / GetVersion: resource (message) ids.
    virtual Result<MessageId> friendly_name() = 0;
    virtual Result<MessageId> description() = 0;
    virtual Result<MessageId> vendor_name() = 0;
    virtual Result<MessageId> version() = 0;

    // GetIcon: the file holding the icon and the icon's resource id.
    struct Icon {
        std::u16string dll_file_path;
        std::uint32_t resource_id = 0;
        friend bool operator==(const Icon&, const Icon&) = default;
    };
    virtual Result<Icon> icon() = 0;

    // ConvertErrorCodeToMessageId: maps an HRESULT of the NAP system to a message id.
    virtual Result<MessageId> convert_error_code_to_message_id(HResult error_code) = 0;

    // GetLocalizedString: the text of a message id (at most maxStringLength characters).
    virtual Result<std::u16string> localized_string(MessageId id) = 0;

  protected:
    ComponentInfo() = default;
    ComponentInfo(const ComponentInfo&) = default;
    ComponentInfo& operator=(const ComponentInfo&) = default;
};

}  // namespace opennap::agent
