// The napagent client library: the agent API (AgentApi) over the daemon's Unix socket, so that
// an enforcement client, a health agent or a management tool in its own process programs against
// exactly the interface it would use in process (the handles of opennap/agent and the
// Windows-shaped face take a std::shared_ptr<AgentApi>).
//
// Recovery (docs/ipc.md, "Recovery"): while the daemon is down every call returns
// RPC_E_DISCONNECTED. A background thread reconnects with back-off; once the daemon answers
// again, every binding is re-Initialized with the same id and callback, every live connection
// is created again (with the ConnectionId and the other values its EC had set), and each EC's
// NotifySoHChange callback is called so that it runs its exchanges again. Binding tokens and
// connection keys handed to the program stay the same throughout.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "opennap/agent/agent_api.h"

namespace opennap::client {

struct RemoteOptions {
    std::filesystem::path socket_path = "/run/opennap/agent.sock";
    std::string client_name = "opennap-client";
    // Reconnection back-off: doubles from min to max while the daemon is unreachable.
    std::chrono::milliseconds reconnect_min{20};
    std::chrono::milliseconds reconnect_max{1000};
    // A call with no answer after this long fails with HRESULT_FROM_WIN32(ERROR_TIMEOUT).
    std::chrono::milliseconds call_timeout{30000};
    // Threads that run the program's callbacks (so a callback may call the agent).
    unsigned callback_threads = 4;
};

class RemoteAgent final : public agent::AgentApi, public std::enable_shared_from_this<RemoteAgent> {
  public:
    // Never fails: if the daemon is not there yet, calls return RPC_E_DISCONNECTED until it is.
    static std::shared_ptr<RemoteAgent> connect(RemoteOptions options);
    ~RemoteAgent() override;
    RemoteAgent(const RemoteAgent&) = delete;
    RemoteAgent& operator=(const RemoteAgent&) = delete;

    // True while a daemon connection is up (and re-binding after a reconnect has finished).
    [[nodiscard]] bool connected() const;
    // Waits until connected() or the timeout passes.
    bool wait_connected(std::chrono::milliseconds timeout) const;
    // How many times the connection was (re-)established; tests use it to see a recovery.
    [[nodiscard]] std::uint64_t generation() const;
    // The role the daemon gave this process ("administrator", "no role", ...).
    [[nodiscard]] std::string role() const;

    // Management extras not in AgentApi (napctl).
    agent::Status set_trace_level(NapTracingLevel level);
    // The SSoH the agent would send now (Agent::preview_soh_request); any client may ask.
    agent::Result<NetworkSoH> preview_soh();

    // ---- AgentApi ----
    agent::Status register_sha(const agent::Caller& c,
                               const NapComponentRegistrationInfo& info) override;
    agent::Status unregister_sha(const agent::Caller& c, SystemHealthEntityId id) override;
    agent::Status register_ec(const agent::Caller& c,
                              const NapComponentRegistrationInfo& info) override;
    agent::Status unregister_ec(const agent::Caller& c, EnforcementEntityId id) override;
    agent::Status set_sha_enabled(const agent::Caller& c, SystemHealthEntityId id,
                                  bool enabled) override;
    agent::Status set_ec_enabled(const agent::Caller& c, EnforcementEntityId id,
                                 bool enabled) override;
    [[nodiscard]] agent::Result<std::vector<NapComponentRegistrationInfo>> registered_shas()
        const override;
    [[nodiscard]] agent::Result<std::vector<NapComponentRegistrationInfo>> registered_ecs()
        const override;
    [[nodiscard]] agent::NapClientInfo client_info() const override;
    [[nodiscard]] agent::SystemIsolation system_isolation() const override;
    [[nodiscard]] std::vector<agent::ShaStatus> sha_status() const override;
    [[nodiscard]] std::vector<agent::EcStatus> ec_status() const override;

    agent::Result<agent::BindingToken> bind_ec(
        EnforcementEntityId id,
        std::shared_ptr<agent::EnforcementClientCallback> callback) override;
    agent::Status unbind_ec(const agent::Caller& c) override;
    agent::Result<agent::ConnectionKey> create_connection(const agent::Caller& c) override;
    agent::Result<bool> get_soh_request(const agent::Caller& c, agent::ConnectionKey key) override;
    agent::Status process_soh_response(const agent::Caller& c, agent::ConnectionKey key) override;
    agent::Status notify_connection_state_down(const agent::Caller& c,
                                               agent::ConnectionKey key) override;
    agent::Status notify_soh_change_failure(const agent::Caller& c) override;
    void release_connection(agent::ConnectionKey key) noexcept override;

    agent::Status conn_initialize(const agent::Caller& c, agent::ConnectionKey key,
                                  EnforcementEntityId id) override;
    agent::Status conn_set_max_size(const agent::Caller& c, agent::ConnectionKey key,
                                    ProtocolMaxSize size) override;
    agent::Result<ProtocolMaxSize> conn_get_max_size(const agent::Caller& c,
                                                     agent::ConnectionKey key) const override;
    agent::Status conn_set_flags(const agent::Caller& c, agent::ConnectionKey key,
                                 std::uint8_t flags) override;
    agent::Result<std::uint8_t> conn_get_flags(const agent::Caller& c,
                                               agent::ConnectionKey key) const override;
    agent::Status conn_set_connection_id(const agent::Caller& c, agent::ConnectionKey key,
                                         const ConnectionId* id) override;
    agent::Result<ConnectionId> conn_get_connection_id(const agent::Caller& c,
                                                       agent::ConnectionKey key) const override;
    agent::Result<CorrelationId> conn_get_correlation_id(const agent::Caller& c,
                                                         agent::ConnectionKey key) const override;
    agent::Status conn_set_correlation_id(const agent::Caller& c, agent::ConnectionKey key,
                                          const CorrelationId& id) override;
    agent::Status conn_set_soh_request(const agent::Caller& c, agent::ConnectionKey key,
                                       const NetworkSoH* request) override;
    agent::Result<NetworkSoH> conn_get_soh_request(const agent::Caller& c,
                                                   agent::ConnectionKey key) const override;
    agent::Status conn_set_soh_response(const agent::Caller& c, agent::ConnectionKey key,
                                        const NetworkSoH* response) override;
    agent::Result<NetworkSoH> conn_get_soh_response(const agent::Caller& c,
                                                    agent::ConnectionKey key) const override;
    agent::Status conn_set_isolation_info(const agent::Caller& c, agent::ConnectionKey key,
                                          const IsolationInfo* info) override;
    agent::Result<IsolationInfo> conn_get_isolation_info(const agent::Caller& c,
                                                         agent::ConnectionKey key) const override;
    agent::Status conn_set_isolation_info_ex(const agent::Caller& c, agent::ConnectionKey key,
                                             const IsolationInfoEx* info) override;
    agent::Result<IsolationInfoEx> conn_get_isolation_info_ex(
        const agent::Caller& c, agent::ConnectionKey key) const override;
    agent::Status conn_set_private_data(const agent::Caller& c, agent::ConnectionKey key,
                                        const PrivateData* data) override;
    agent::Result<PrivateData> conn_get_private_data(const agent::Caller& c,
                                                     agent::ConnectionKey key) const override;
    agent::Status conn_set_enforcer_private_data(const agent::Caller& c, agent::ConnectionKey key,
                                                 const PrivateData* data) override;
    agent::Result<PrivateData> conn_get_enforcer_private_data(
        const agent::Caller& c, agent::ConnectionKey key) const override;
    agent::Status conn_set_installed_shvs(const agent::Caller& c, agent::ConnectionKey key,
                                          const std::vector<SystemHealthEntityId>& ids) override;
    agent::Result<std::vector<SystemHealthEntityId>> conn_get_installed_shvs(
        const agent::Caller& c, agent::ConnectionKey key) const override;

    agent::Result<agent::BindingToken> bind_sha(
        SystemHealthEntityId id, std::shared_ptr<agent::HealthAgentCallback> callback) override;
    agent::Status unbind_sha(const agent::Caller& c) override;
    agent::Status notify_soh_change(const agent::Caller& c) override;
    agent::Result<agent::SystemIsolation> get_system_isolation_info(
        const agent::Caller& c) const override;
    agent::Status flush_cache(const agent::Caller& c) override;

    agent::Status subscribe(std::uint64_t subscriber, NapNotifyType type,
                            std::shared_ptr<agent::NotificationSink> sink) override;
    void unsubscribe(std::uint64_t subscriber, NapNotifyType type) noexcept override;

    agent::Result<bool> subscribe_cert_by_group(const agent::Caller& c, EnforcementEntityId id,
                                                std::u16string_view subscriber_name,
                                                bool reserved_present = false) override;
    agent::Status unsubscribe_cert_by_group(const agent::Caller& c, EnforcementEntityId id,
                                            bool reserved_present = false) override;
    [[nodiscard]] agent::Result<std::vector<EnforcementEntityId>> subscribed_relying_parties(
        const agent::Caller& c) const override;

    class Impl;

  private:
    explicit RemoteAgent(RemoteOptions options);
    std::unique_ptr<Impl> impl_;
};

}  // namespace opennap::client
