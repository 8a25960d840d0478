// An EC's connection object (INapEnforcementClientConnection(2), nap-api.md §10.3) as an RAII
// handle: calls go to the agent core with the owning binding as the caller; when the last handle
// goes away the agent forgets the connection (as if it went down).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "opennap/agent/agent.h"

namespace opennap::agent {

class Connection {
  public:
    Connection(std::shared_ptr<AgentApi> agent, ConnectionKey key, Caller owner)
        : agent_(std::move(agent)), key_(key), owner_(owner) {}
    ~Connection() {
        if (agent_)
            agent_->release_connection(key_);
    }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    [[nodiscard]] ConnectionKey key() const noexcept { return key_; }
    [[nodiscard]] const Caller& owner() const noexcept { return owner_; }

    Status initialize(EnforcementEntityId id) { return agent_->conn_initialize(owner_, key_, id); }
    Status set_max_size(ProtocolMaxSize size) {
        return agent_->conn_set_max_size(owner_, key_, size);
    }
    [[nodiscard]] Result<ProtocolMaxSize> max_size() const {
        return agent_->conn_get_max_size(owner_, key_);
    }
    // Agent-only: an EC gets E_ACCESSDENIED (kept so that the full documented surface exists).
    Status set_flags(std::uint8_t flags) { return agent_->conn_set_flags(owner_, key_, flags); }
    [[nodiscard]] Result<std::uint8_t> flags() const {
        return agent_->conn_get_flags(owner_, key_);
    }
    Status set_connection_id(const ConnectionId& id) {
        return agent_->conn_set_connection_id(owner_, key_, &id);
    }
    [[nodiscard]] Result<ConnectionId> connection_id() const {
        return agent_->conn_get_connection_id(owner_, key_);
    }
    [[nodiscard]] Result<CorrelationId> correlation_id() const {
        return agent_->conn_get_correlation_id(owner_, key_);
    }
    [[nodiscard]] Result<std::u16string> string_correlation_id() const {
        auto id = correlation_id();
        if (!id)
            return fail(id.error());
        return utf8_to_utf16(id->to_string());
    }
    Status set_correlation_id(const CorrelationId& id) {
        return agent_->conn_set_correlation_id(owner_, key_, id);
    }
    Status set_soh_request(const NetworkSoH& soh) {
        return agent_->conn_set_soh_request(owner_, key_, &soh);
    }
    [[nodiscard]] Result<NetworkSoH> soh_request() const {
        return agent_->conn_get_soh_request(owner_, key_);
    }
    Status set_soh_response(const NetworkSoH& soh) {
        return agent_->conn_set_soh_response(owner_, key_, &soh);
    }
    [[nodiscard]] Result<NetworkSoH> soh_response() const {
        return agent_->conn_get_soh_response(owner_, key_);
    }
    Status set_isolation_info(const IsolationInfo& info) {
        return agent_->conn_set_isolation_info(owner_, key_, &info);
    }
    [[nodiscard]] Result<IsolationInfo> isolation_info() const {
        return agent_->conn_get_isolation_info(owner_, key_);
    }
    Status set_isolation_info_ex(const IsolationInfoEx& info) {
        return agent_->conn_set_isolation_info_ex(owner_, key_, &info);
    }
    [[nodiscard]] Result<IsolationInfoEx> isolation_info_ex() const {
        return agent_->conn_get_isolation_info_ex(owner_, key_);
    }
    Status set_private_data(const PrivateData& d) {
        return agent_->conn_set_private_data(owner_, key_, &d);
    }
    [[nodiscard]] Result<PrivateData> private_data() const {
        return agent_->conn_get_private_data(owner_, key_);
    }
    Status set_enforcer_private_data(const PrivateData& d) {
        return agent_->conn_set_enforcer_private_data(owner_, key_, &d);
    }
    [[nodiscard]] Result<PrivateData> enforcer_private_data() const {
        return agent_->conn_get_enforcer_private_data(owner_, key_);
    }
    Status set_installed_shvs(const std::vector<SystemHealthEntityId>& ids) {
        return agent_->conn_set_installed_shvs(owner_, key_, ids);
    }
    [[nodiscard]] Result<std::vector<SystemHealthEntityId>> installed_shvs() const {
        return agent_->conn_get_installed_shvs(owner_, key_);
    }

  private:
    std::shared_ptr<AgentApi> agent_;
    ConnectionKey key_;
    Caller owner_;
};

}  // namespace opennap::agent
