// INapServerInfo (nap-api.md §14.5) as a small handle over the SHV host: static information for
// management clients. Every method is a read and is allowed to every handle.
#pragma once

#include <memory>
#include <vector>

#include "opennap/server/shv_host.h"

namespace opennap::server {

class ServerInfo {
  public:
    explicit ServerInfo(std::shared_ptr<const ShvHost> host) : host_(std::move(host)) {}

    // GetNapServerInfo: name, description, protocol version (ShvHostOptions::info).
    [[nodiscard]] NapServerInfo nap_server_info() const { return host_->server_info(); }
    // GetRegisteredSystemHealthValidators: registration info and validator CLSID of each.
    [[nodiscard]] std::vector<RegisteredValidator> registered_system_health_validators() const {
        return host_->registered_validators();
    }
    // GetFailureCategoryMappings: NAP_E_ID_NOT_FOUND for an id that is not registered.
    [[nodiscard]] Result<FailureCategoryMapping> failure_category_mappings(
        SystemHealthEntityId id) const {
        return host_->failure_category_mapping(id);
    }

  private:
    std::shared_ptr<const ShvHost> host_;
};

}  // namespace opennap::server
