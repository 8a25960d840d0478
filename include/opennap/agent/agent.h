// The NAP agent core (nap-api.md §13): component registry, bindings, connections, the SoH cache,
// SSoH building, SoH response processing and the system isolation state.
//
// No I/O and no threads of its own: it is driven by calls (from ECs, SHAs, management) and by
// run_pending(), which the host calls when wake() says there is work or a timer is due; time
// comes from an injected Clock. Every entry point takes the Caller so that the ownership and
// who-sets-what rules of nap-api.md §10.3 are enforced here, once. Thread-safe; callbacks into
// ECs and SHAs are made without holding the agent's lock, so they may call back in.
//
// The idiomatic handles (EnforcementClientBinding, Connection, HealthAgentBinding,
// ClientManagement) and the Windows-shaped face are thin layers over this class. Behaviour chosen
// where the NAP documentation is silent is written down in docs/agent.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "opennap/agent/agent_api.h"
#include "opennap/agent/callbacks.h"
#include "opennap/agent/caller.h"
#include "opennap/agent/clock.h"
#include "opennap/agent/persistence.h"
#include "opennap/agent/result.h"
#include "opennap/core/nap_structs.h"
#include "opennap/soh/system_soh.h"

namespace opennap::agent {

struct MachineFacts {
    soh::MachineInventory inventory{};
    std::string machine_name = "localhost";  // sent followed by one NUL
    std::uint8_t product_type = 1;           // workstation
};

struct AgentConfig {
    // Quotas (E_OUTOFMEMORY when reached). Defaults are the NapTypes.h maxima.
    std::size_t max_connections_per_ec = maxConnectionCountPerEnforcer;
    std::size_t max_connections_total = maxConnectionCountPerEnforcer * maxEnforcerCount;
    std::size_t max_registered_shas = maxSystemHealthEntityCount;
    std::size_t max_registered_ecs = maxEnforcerCount;
    // After an EC calls NotifySoHChangeFailure, the agent calls NotifySoHChange again this much
    // later; and while an SHA's fix-up is in progress, GetFixupInfo is polled this often.
    std::chrono::milliseconds soh_change_retry_interval{std::chrono::seconds(30)};
    std::chrono::milliseconds fixup_poll_interval{std::chrono::seconds(5)};
    // Every bound EC is asked for its connections (GetConnections) this often; a connection the
    // EC no longer lists as up is taken down. 0 disables the reconciliation.
    std::chrono::milliseconds connections_refresh_interval{std::chrono::seconds(60)};
    MachineFacts machine{};
    // Test hook: called before each allocation-bearing mutation with a site name; returning true
    // simulates std::bad_alloc there (the operation must then fail with E_OUTOFMEMORY and leave no
    // partial state). Sites: "binding", "connection", "connection-id", "registry", "cache".
    std::function<bool(std::string_view site)> fail_allocation;
    // Receives every change of the persisted state (persistence.h; docs/agent.md, "Persistence
    // hooks"). Null: nothing is reported.
    std::shared_ptr<StateObserver> observer;
};

class Agent final : public AgentApi, public std::enable_shared_from_this<Agent> {
  public:
    Agent(AgentConfig config, std::shared_ptr<const Clock> clock);
    ~Agent();
    Agent(const Agent&) = delete;
    Agent& operator=(const Agent&) = delete;

    // ---- management (INapClientManagement(2), plus enable/disable) ----------------------------
    Status register_sha(const Caller& c, const NapComponentRegistrationInfo& info) override;
    Status unregister_sha(const Caller& c, SystemHealthEntityId id) override;
    Status register_ec(const Caller& c, const NapComponentRegistrationInfo& info) override;
    Status unregister_ec(const Caller& c, EnforcementEntityId id) override;
    Status set_sha_enabled(const Caller& c, SystemHealthEntityId id, bool enabled) override;
    Status set_ec_enabled(const Caller& c, EnforcementEntityId id, bool enabled) override;
    [[nodiscard]] Result<std::vector<NapComponentRegistrationInfo>> registered_shas()
        const override;
    [[nodiscard]] Result<std::vector<NapComponentRegistrationInfo>> registered_ecs() const override;
    [[nodiscard]] NapClientInfo client_info() const override;
    [[nodiscard]] SystemIsolation system_isolation() const override;
    [[nodiscard]] std::vector<ShaStatus> sha_status() const override;
    [[nodiscard]] std::vector<EcStatus> ec_status() const override;
    // The SSoH the agent would send now (`napctl soh show`): each enabled SHA's cached SoH, or a
    // system-generated one; correlation id {nil GUID, now}. No SHA callbacks, no state changes.
    [[nodiscard]] Result<NetworkSoH> preview_soh_request() const;

    // ---- EC binding (INapEnforcementClientBinding) ---------------------------------------------
    // Returns the new binding's token. NAP_E_NOT_REGISTERED, NAP_E_ENTITY_DISABLED,
    // HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED), E_POINTER (null callback).
    Result<BindingToken> bind_ec(EnforcementEntityId id,
                                 std::shared_ptr<EnforcementClientCallback> callback) override;
    // Waits for the binding's calls in flight (other than the calling thread's own).
    Status unbind_ec(const Caller& c) override;
    Result<ConnectionKey> create_connection(const Caller& c) override;
    // Sets the new SoH request on the connection; the value is retriggerHint.
    Result<bool> get_soh_request(const Caller& c, ConnectionKey key) override;
    Status process_soh_response(const Caller& c, ConnectionKey key) override;
    Status notify_connection_state_down(const Caller& c, ConnectionKey key) override;
    Status notify_soh_change_failure(const Caller& c) override;
    // The last handle of a connection went away (RAII): free it, as if it went down.
    void release_connection(ConnectionKey key) noexcept override;

    // ---- the connection object (INapEnforcementClientConnection(2)) ----------------------------
    Status conn_initialize(const Caller& c, ConnectionKey key, EnforcementEntityId id) override;
    Status conn_set_max_size(const Caller& c, ConnectionKey key, ProtocolMaxSize size) override;
    Result<ProtocolMaxSize> conn_get_max_size(const Caller& c, ConnectionKey key) const override;
    Status conn_set_flags(const Caller& c, ConnectionKey key, std::uint8_t flags) override;
    Result<std::uint8_t> conn_get_flags(const Caller& c, ConnectionKey key) const override;
    Status conn_set_connection_id(const Caller& c, ConnectionKey key,
                                  const ConnectionId* id) override;
    Result<ConnectionId> conn_get_connection_id(const Caller& c, ConnectionKey key) const override;
    Result<CorrelationId> conn_get_correlation_id(const Caller& c,
                                                  ConnectionKey key) const override;
    Status conn_set_correlation_id(const Caller& c, ConnectionKey key,
                                   const CorrelationId& id) override;
    Status conn_set_soh_request(const Caller& c, ConnectionKey key,
                                const NetworkSoH* request) override;
    Result<NetworkSoH> conn_get_soh_request(const Caller& c, ConnectionKey key) const override;
    Status conn_set_soh_response(const Caller& c, ConnectionKey key,
                                 const NetworkSoH* response) override;
    Result<NetworkSoH> conn_get_soh_response(const Caller& c, ConnectionKey key) const override;
    Status conn_set_isolation_info(const Caller& c, ConnectionKey key,
                                   const IsolationInfo* info) override;
    Result<IsolationInfo> conn_get_isolation_info(const Caller& c,
                                                  ConnectionKey key) const override;
    Status conn_set_isolation_info_ex(const Caller& c, ConnectionKey key,
                                      const IsolationInfoEx* info) override;
    Result<IsolationInfoEx> conn_get_isolation_info_ex(const Caller& c,
                                                       ConnectionKey key) const override;
    Status conn_set_private_data(const Caller& c, ConnectionKey key,
                                 const PrivateData* data) override;
    Result<PrivateData> conn_get_private_data(const Caller& c, ConnectionKey key) const override;
    Status conn_set_enforcer_private_data(const Caller& c, ConnectionKey key,
                                          const PrivateData* data) override;
    Result<PrivateData> conn_get_enforcer_private_data(const Caller& c,
                                                       ConnectionKey key) const override;
    Status conn_set_installed_shvs(const Caller& c, ConnectionKey key,
                                   const std::vector<SystemHealthEntityId>& ids) override;
    Result<std::vector<SystemHealthEntityId>> conn_get_installed_shvs(
        const Caller& c, ConnectionKey key) const override;

    // ---- SHA binding (INapSystemHealthAgentBinding(2)) -----------------------------------------
    Result<BindingToken> bind_sha(SystemHealthEntityId id,
                                  std::shared_ptr<HealthAgentCallback> callback) override;
    Status unbind_sha(const Caller& c) override;
    // Returns at once; the change is processed by run_pending().
    Status notify_soh_change(const Caller& c) override;
    Result<SystemIsolation> get_system_isolation_info(const Caller& c) const override;
    Status flush_cache(const Caller& c) override;

    // ---- driving
    // --------------------------------------------------------------------------------- Processes
    // queued SoH changes, NotifySoHChange retries, fix-up polls and probation expiry that are due
    // at clock->now(). Returns when the next timer is due (nullopt: none).
    std::optional<FileTime> run_pending();
    // Set by the host: called (without locks held) whenever run_pending() has new work.
    void set_wake(std::function<void()> wake);
    // InitializeNapAgentNotifier / UninitializeNapAgentNotifier for one subscriber.
    // HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED) if `subscriber` already has `type`;
    // E_INVALIDARG for napNotifyTypeUnknown or a null sink.
    Status subscribe(std::uint64_t subscriber, NapNotifyType type,
                     std::shared_ptr<NotificationSink> sink) override;
    void unsubscribe(std::uint64_t subscriber, NapNotifyType type) noexcept override;

    // ---- certificate relying parties (INapCertRelyingParty, nap-api.md §12.3) ------------------
    // Subscription bookkeeping only: OpenNAP has no health certificates from an HCS yet, so the
    // value (certExists) is always false. Callers: Admin, or an EC through its own live binding
    // (for its own id). `reserved_present` mirrors the VARIANT* that must be NULL. See
    // docs/agent.md, "Certificate relying parties".
    // E_INVALIDARG (reserved present), E_ACCESSDENIED, NAP_E_NOT_REGISTERED (id is not an EC
    // registered with ComponentTypeEnforcementClientRp). Subscribing twice is S_OK.
    Result<bool> subscribe_cert_by_group(const Caller& c, EnforcementEntityId id,
                                         std::u16string_view subscriber_name,
                                         bool reserved_present = false) override;
    // As subscribe, plus HRESULT_FROM_WIN32(ERROR_NOT_FOUND) when `id` is not subscribed.
    Status unsubscribe_cert_by_group(const Caller& c, EnforcementEntityId id,
                                     bool reserved_present = false) override;
    // The subscribed ECs, by id. Admin or any EC through a live binding; else E_ACCESSDENIED.
    [[nodiscard]] Result<std::vector<EnforcementEntityId>> subscribed_relying_parties(
        const Caller& c) const override;

    // ---- hooks for hosts whose callbacks answer later (the napagent daemon) -------------------
    // The component behind binding `c` is gone (its process died, or stopped answering): the
    // agent does what a callback returning RPC_S_SERVER_UNAVAILABLE makes it do (an SHA is
    // unbound and its cached SoH flushed; an EC is unbound and its connections go down). No-op
    // when that binding is no longer live.
    void binding_lost(const Caller& c);
    // An SHA's answer to a ProcessSoHResponse callback that returned before the SHA had run (the
    // daemon's proxy returns S_OK at once): its status and what GetFixupInfo returned after it.
    // Ignored when binding `c` is no longer live.
    void sha_response_outcome(const Caller& c, Status process_status,
                              const Result<FixupInfo>& fixup);

    // ---- persistence (persistence.h; docs/agent.md, "Persistence hooks") ----------------------
    // Loads the state a host kept (before serving: the agent must have nothing registered, else
    // HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED)). All or nothing: E_INVALIDARG, with nothing
    // loaded, when the state breaks a rule (duplicate id, invalid info, SoH or state, more
    // components than the quotas). The observer is not called. The restored system isolation
    // state is reported until a connection of this run gets a decision (docs/agent.md).
    Status restore(const PersistedState& state);
    // What a store would hold now (the system part is what the agent reports now).
    [[nodiscard]] PersistedState persisted_state() const;

    // Connections not down, all ECs (what max_connections_total counts).
    [[nodiscard]] std::size_t live_connection_count() const;

    [[nodiscard]] const AgentConfig& config() const noexcept;
    [[nodiscard]] const Clock& clock() const noexcept;

    class Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace opennap::agent
