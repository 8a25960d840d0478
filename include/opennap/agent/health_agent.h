// A system health agent's binding (INapSystemHealthAgentBinding(2), nap-api.md §11.1-11.2) as an
// RAII handle.
#pragma once

#include <memory>

#include "opennap/agent/agent.h"

namespace opennap::agent {

class HealthAgentBinding {
  public:
    // NAP_E_NOT_REGISTERED, NAP_E_ENTITY_DISABLED, HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED).
    // Initializing does not trigger an exchange: call notify_soh_change().
    static Result<HealthAgentBinding> initialize(std::shared_ptr<AgentApi> agent,
                                                 SystemHealthEntityId id,
                                                 std::shared_ptr<HealthAgentCallback> callback);

    HealthAgentBinding(HealthAgentBinding&& other) noexcept;
    HealthAgentBinding& operator=(HealthAgentBinding&& other) noexcept;
    HealthAgentBinding(const HealthAgentBinding&) = delete;
    HealthAgentBinding& operator=(const HealthAgentBinding&) = delete;
    ~HealthAgentBinding();

    Status uninitialize();
    Status notify_soh_change();
    [[nodiscard]] Result<SystemIsolation> system_isolation_info() const;
    Status flush_cache();

    [[nodiscard]] const Caller& caller() const noexcept { return caller_; }
    [[nodiscard]] bool bound() const noexcept { return agent_ != nullptr; }

  private:
    HealthAgentBinding(std::shared_ptr<AgentApi> agent, Caller caller)
        : agent_(std::move(agent)), caller_(caller) {}
    std::shared_ptr<AgentApi> agent_;
    Caller caller_;
};

}  // namespace opennap::agent
