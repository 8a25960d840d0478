// The idiomatic RAII handles over the core, and the SHA request object.
#include "opennap/agent/client_management.h"
#include "opennap/agent/enforcement_client.h"
#include "opennap/agent/health_agent.h"
#include "opennap/agent/sha_request.h"

namespace opennap::agent {

// ---- ShaRequest
// ----------------------------------------------------------------------------------

Status ShaRequest::set_soh_request(SoH soh, bool cache_soh_for_later_use) {
    if (!soh.is_valid() || soh.attributes.empty() || soh.attributes.front().value.size() != 4) {
        return hr::E_INVALIDARG;
    }
    // An SoH that names another SHA would take that SHA's place in the SSoH and in the cache.
    if (load_be32(soh.attributes.front().value.data()) != sha_)
        return hr::E_INVALIDARG;
    new_soh_ = std::move(soh);
    cache_flag_ = cache_soh_for_later_use;
    return hr::S_OK;
}

Result<SoH> ShaRequest::soh_request() const {
    if (new_soh_)
        return *new_soh_;
    if (cached_)
        return SoH(*cached_);
    return fail(hr::NAP_E_NO_CACHED_SOH);
}

Result<SoH> ShaRequest::soh_response() const {
    if (!response_)
        return fail(hr::NAP_E_NOT_PENDING);
    return *response_;
}

// ---- EnforcementClientBinding
// ----------------------------------------------------------------------

Result<EnforcementClientBinding> EnforcementClientBinding::initialize(
    std::shared_ptr<AgentApi> agent, EnforcementEntityId id,
    std::shared_ptr<EnforcementClientCallback> callback) {
    if (!agent)
        return fail(hr::E_POINTER);
    auto token = agent->bind_ec(id, std::move(callback));
    if (!token)
        return fail(token.error());
    return EnforcementClientBinding(std::move(agent),
                                    Caller{Caller::Kind::EnforcementClient, id, *token});
}

EnforcementClientBinding::EnforcementClientBinding(EnforcementClientBinding&& o) noexcept
    : agent_(std::move(o.agent_)), caller_(o.caller_) {}

EnforcementClientBinding& EnforcementClientBinding::operator=(
    EnforcementClientBinding&& o) noexcept {
    if (this != &o) {
        (void)uninitialize();
        agent_ = std::move(o.agent_);
        caller_ = o.caller_;
    }
    return *this;
}

EnforcementClientBinding::~EnforcementClientBinding() {
    (void)uninitialize();
}

Status EnforcementClientBinding::uninitialize() {
    if (!agent_)
        return hr::NAP_E_NOT_INITIALIZED;
    const Status s = agent_->unbind_ec(caller_);
    agent_.reset();
    return s;
}

Result<std::shared_ptr<Connection>> EnforcementClientBinding::create_connection() {
    if (!agent_)
        return fail(hr::NAP_E_NOT_INITIALIZED);
    auto key = agent_->create_connection(caller_);
    if (!key)
        return fail(key.error());
    return std::make_shared<Connection>(agent_, *key, caller_);
}

Result<bool> EnforcementClientBinding::get_soh_request(Connection& connection) {
    if (!agent_)
        return fail(hr::NAP_E_NOT_INITIALIZED);
    return agent_->get_soh_request(caller_, connection.key());
}

Status EnforcementClientBinding::process_soh_response(Connection& connection) {
    if (!agent_)
        return hr::NAP_E_NOT_INITIALIZED;
    return agent_->process_soh_response(caller_, connection.key());
}

Status EnforcementClientBinding::notify_connection_state_down(Connection& connection) {
    if (!agent_)
        return hr::NAP_E_NOT_INITIALIZED;
    return agent_->notify_connection_state_down(caller_, connection.key());
}

Status EnforcementClientBinding::notify_soh_change_failure() {
    if (!agent_)
        return hr::NAP_E_NOT_INITIALIZED;
    return agent_->notify_soh_change_failure(caller_);
}

// ---- HealthAgentBinding
// ------------------------------------------------------------------------------

Result<HealthAgentBinding> HealthAgentBinding::initialize(
    std::shared_ptr<AgentApi> agent, SystemHealthEntityId id,
    std::shared_ptr<HealthAgentCallback> callback) {
    if (!agent)
        return fail(hr::E_POINTER);
    auto token = agent->bind_sha(id, std::move(callback));
    if (!token)
        return fail(token.error());
    return HealthAgentBinding(std::move(agent), Caller{Caller::Kind::HealthAgent, id, *token});
}

HealthAgentBinding::HealthAgentBinding(HealthAgentBinding&& o) noexcept
    : agent_(std::move(o.agent_)), caller_(o.caller_) {}

HealthAgentBinding& HealthAgentBinding::operator=(HealthAgentBinding&& o) noexcept {
    if (this != &o) {
        (void)uninitialize();
        agent_ = std::move(o.agent_);
        caller_ = o.caller_;
    }
    return *this;
}

HealthAgentBinding::~HealthAgentBinding() {
    (void)uninitialize();
}

Status HealthAgentBinding::uninitialize() {
    if (!agent_)
        return hr::NAP_E_NOT_INITIALIZED;
    const Status s = agent_->unbind_sha(caller_);
    agent_.reset();
    return s;
}

Status HealthAgentBinding::notify_soh_change() {
    if (!agent_)
        return hr::NAP_E_NOT_INITIALIZED;
    return agent_->notify_soh_change(caller_);
}

Result<SystemIsolation> HealthAgentBinding::system_isolation_info() const {
    if (!agent_)
        return fail(hr::NAP_E_NOT_INITIALIZED);
    return agent_->get_system_isolation_info(caller_);
}

Status HealthAgentBinding::flush_cache() {
    if (!agent_)
        return hr::NAP_E_NOT_INITIALIZED;
    return agent_->flush_cache(caller_);
}

}  // namespace opennap::agent
