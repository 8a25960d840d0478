// INapClientManagement(2) (nap-api.md §12.1-12.2) as a small handle over the agent.
#pragma once

#include <memory>
#include <vector>

#include "opennap/agent/agent.h"

namespace opennap::agent {

class ClientManagement {
  public:
    explicit ClientManagement(std::shared_ptr<AgentApi> agent, Caller caller = Caller::admin())
        : agent_(std::move(agent)), caller_(caller) {}

    [[nodiscard]] NapClientInfo client_info() const { return agent_->client_info(); }
    [[nodiscard]] SystemIsolation system_isolation_info() const {
        return agent_->system_isolation();
    }
    Status register_system_health_agent(const NapComponentRegistrationInfo& info) {
        return agent_->register_sha(caller_, info);
    }
    Status unregister_system_health_agent(SystemHealthEntityId id) {
        return agent_->unregister_sha(caller_, id);
    }
    Status register_enforcement_client(const NapComponentRegistrationInfo& info) {
        return agent_->register_ec(caller_, info);
    }
    Status unregister_enforcement_client(EnforcementEntityId id) {
        return agent_->unregister_ec(caller_, id);
    }
    Status set_system_health_agent_enabled(SystemHealthEntityId id, bool enabled) {
        return agent_->set_sha_enabled(caller_, id, enabled);
    }
    Status set_enforcement_client_enabled(EnforcementEntityId id, bool enabled) {
        return agent_->set_ec_enabled(caller_, id, enabled);
    }
    [[nodiscard]] Result<std::vector<NapComponentRegistrationInfo>>
    registered_system_health_agents() const {
        return agent_->registered_shas();
    }
    [[nodiscard]] Result<std::vector<NapComponentRegistrationInfo>> registered_enforcement_clients()
        const {
        return agent_->registered_ecs();
    }

  private:
    std::shared_ptr<AgentApi> agent_;
    Caller caller_;
};

}  // namespace opennap::agent
