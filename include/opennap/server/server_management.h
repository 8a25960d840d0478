// INapServerManagement (nap-api.md §14.4) as a small handle over the SHV host. A read-only handle
// (for status tools) refuses every change with E_ACCESSDENIED.
#pragma once

#include <memory>

#include "opennap/server/shv_host.h"

namespace opennap::server {

enum class Access : std::uint8_t { ReadWrite, ReadOnly };

class ServerManagement {
  public:
    explicit ServerManagement(std::shared_ptr<ShvHost> host, Access access = Access::ReadWrite)
        : host_(std::move(host)), access_(access) {}

    // RegisterSystemHealthValidator: see ShvHost::register_validator; E_ACCESSDENIED (read-only).
    Status register_system_health_validator(ValidatorRegistration registration) {
        if (access_ != Access::ReadWrite)
            return hr::E_ACCESSDENIED;
        return host_->register_validator(std::move(registration));
    }
    // UnregisterSystemHealthValidator: NAP_E_ID_NOT_FOUND; E_ACCESSDENIED (read-only).
    Status unregister_system_health_validator(SystemHealthEntityId id) {
        if (access_ != Access::ReadWrite)
            return hr::E_ACCESSDENIED;
        return host_->unregister_validator(id);
    }
    // SetFailureCategoryMappings: NAP_E_ID_NOT_FOUND; E_ACCESSDENIED (read-only).
    Status set_failure_category_mappings(SystemHealthEntityId id,
                                         const FailureCategoryMapping& mapping) {
        if (access_ != Access::ReadWrite)
            return hr::E_ACCESSDENIED;
        return host_->set_failure_category_mapping(id, mapping);
    }

    [[nodiscard]] Access access() const noexcept { return access_; }

  private:
    std::shared_ptr<ShvHost> host_;
    Access access_;
};

}  // namespace opennap::server
