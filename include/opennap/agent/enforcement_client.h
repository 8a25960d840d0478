// An enforcement client's binding to the agent (INapEnforcementClientBinding, nap-api.md §10.1)
// as an RAII handle: initialize() binds, the destructor (or uninitialize()) unbinds.
#pragma once

#include <memory>

#include "opennap/agent/agent.h"
#include "opennap/agent/connection.h"

namespace opennap::agent {

class EnforcementClientBinding {
  public:
    // NAP_E_NOT_REGISTERED, NAP_E_ENTITY_DISABLED, HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED).
    static Result<EnforcementClientBinding> initialize(
        std::shared_ptr<AgentApi> agent, EnforcementEntityId id,
        std::shared_ptr<EnforcementClientCallback> callback);

    EnforcementClientBinding(EnforcementClientBinding&& other) noexcept;
    EnforcementClientBinding& operator=(EnforcementClientBinding&& other) noexcept;
    EnforcementClientBinding(const EnforcementClientBinding&) = delete;
    EnforcementClientBinding& operator=(const EnforcementClientBinding&) = delete;
    ~EnforcementClientBinding();

    Status uninitialize();
    Result<std::shared_ptr<Connection>> create_connection();
    // The SoH request is set on the connection; the value is retriggerHint.
    Result<bool> get_soh_request(Connection& connection);
    Status process_soh_response(Connection& connection);
    Status notify_connection_state_down(Connection& connection);
    Status notify_soh_change_failure();

    [[nodiscard]] const Caller& caller() const noexcept { return caller_; }
    [[nodiscard]] bool bound() const noexcept { return agent_ != nullptr; }

  private:
    EnforcementClientBinding(std::shared_ptr<AgentApi> agent, Caller caller)
        : agent_(std::move(agent)), caller_(caller) {}
    std::shared_ptr<AgentApi> agent_;
    Caller caller_;
};

}  // namespace opennap::agent
