// The agent's API as an interface: what enforcement clients, health agents and management
// tools call. Two implementations: Agent (the in-process core, agent.h) and RemoteAgent (the
// napagent client library, opennap/ipc/remote_agent.h). The idiomatic handles
// (EnforcementClientBinding, Connection, HealthAgentBinding, ClientManagement) and the
// Windows-shaped face hold a std::shared_ptr<AgentApi>, so a program does not change when it moves
// from in-process to out-of-process.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "opennap/agent/callbacks.h"
#include "opennap/agent/caller.h"
#include "opennap/agent/result.h"
#include "opennap/core/nap_structs.h"

namespace opennap::agent {

// Key of a connection object inside the agent (stable while the connection exists).
using ConnectionKey = std::uint64_t;

// What the SSoH says about this machine (MS-Machine-Inventory(-Ex), MS-MachineName).
// Receives process-level notifications (InitializeNapAgentNotifier's event, as an interface;
// the fd-based implementation lives at the I/O edge).
class NotificationSink {
  public:
    virtual ~NotificationSink() = default;
    virtual void notify(NapNotifyType type) = 0;
};

struct SystemIsolation {
    IsolationInfoEx info;
    bool unknown_connections = false;
    friend bool operator==(const SystemIsolation&, const SystemIsolation&) = default;
};

struct NapClientInfo {
    bool nap_enabled = true;
    std::u16string client_name;
    std::u16string client_description;
    std::u16string protocol_version;
};

// Snapshots for status tools (napctl status) and tests.
struct ShaStatus {
    NapComponentRegistrationInfo info;
    bool enabled = true;
    bool bound = false;
    bool has_cached_soh = false;
    SystemHealthAgentState state;
};
struct ConnectionStatus {
    ConnectionKey key = 0;
    EnforcementEntityId ec = 0;
    std::optional<ConnectionId> connection_id;
    std::optional<CorrelationId> correlation_id;
    std::optional<IsolationInfoEx> isolation;  // nullopt = unknown (no response processed)
    bool request_outstanding = false;
    FileTime last_exchange{};
};
struct EcStatus {
    NapComponentRegistrationInfo info;
    bool enabled = true;
    bool bound = false;
    std::vector<ConnectionStatus> connections;
};

class AgentApi {
  public:
    virtual ~AgentApi() = default;

    // ---- management (INapClientManagement(2), plus enable/disable) ----------------------------
    virtual Status register_sha(const Caller& c, const NapComponentRegistrationInfo& info) = 0;
    virtual Status unregister_sha(const Caller& c, SystemHealthEntityId id) = 0;
    virtual Status register_ec(const Caller& c, const NapComponentRegistrationInfo& info) = 0;
    virtual Status unregister_ec(const Caller& c, EnforcementEntityId id) = 0;
    virtual Status set_sha_enabled(const Caller& c, SystemHealthEntityId id, bool enabled) = 0;
    virtual Status set_ec_enabled(const Caller& c, EnforcementEntityId id, bool enabled) = 0;
    [[nodiscard]] virtual Result<std::vector<NapComponentRegistrationInfo>> registered_shas()
        const = 0;
    [[nodiscard]] virtual Result<std::vector<NapComponentRegistrationInfo>> registered_ecs()
        const = 0;
    [[nodiscard]] virtual NapClientInfo client_info() const = 0;
    [[nodiscard]] virtual SystemIsolation system_isolation() const = 0;
    [[nodiscard]] virtual std::vector<ShaStatus> sha_status() const = 0;
    [[nodiscard]] virtual std::vector<EcStatus> ec_status() const = 0;

    // ---- EC binding (INapEnforcementClientBinding) ---------------------------------------------
    // Returns the new binding's token. NAP_E_NOT_REGISTERED, NAP_E_ENTITY_DISABLED,
    // HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED), E_POINTER (null callback).
    virtual Result<BindingToken> bind_ec(EnforcementEntityId id,
                                         std::shared_ptr<EnforcementClientCallback> callback) = 0;
    // Waits for the binding's calls in flight (other than the calling thread's own).
    virtual Status unbind_ec(const Caller& c) = 0;
    virtual Result<ConnectionKey> create_connection(const Caller& c) = 0;
    // Sets the new SoH request on the connection; the value is retriggerHint.
    virtual Result<bool> get_soh_request(const Caller& c, ConnectionKey key) = 0;
    virtual Status process_soh_response(const Caller& c, ConnectionKey key) = 0;
    virtual Status notify_connection_state_down(const Caller& c, ConnectionKey key) = 0;
    virtual Status notify_soh_change_failure(const Caller& c) = 0;
    // The last handle of a connection went away (RAII): free it, as if it went down.
    virtual void release_connection(ConnectionKey key) noexcept = 0;

    // ---- the connection object (INapEnforcementClientConnection(2)) ----------------------------
    virtual Status conn_initialize(const Caller& c, ConnectionKey key, EnforcementEntityId id) = 0;
    virtual Status conn_set_max_size(const Caller& c, ConnectionKey key, ProtocolMaxSize size) = 0;
    virtual Result<ProtocolMaxSize> conn_get_max_size(const Caller& c, ConnectionKey key) const = 0;
    virtual Status conn_set_flags(const Caller& c, ConnectionKey key, std::uint8_t flags) = 0;
    virtual Result<std::uint8_t> conn_get_flags(const Caller& c, ConnectionKey key) const = 0;
    virtual Status conn_set_connection_id(const Caller& c, ConnectionKey key,
                                          const ConnectionId* id) = 0;
    virtual Result<ConnectionId> conn_get_connection_id(const Caller& c,
                                                        ConnectionKey key) const = 0;
    virtual Result<CorrelationId> conn_get_correlation_id(const Caller& c,
                                                          ConnectionKey key) const = 0;
    virtual Status conn_set_correlation_id(const Caller& c, ConnectionKey key,
                                           const CorrelationId& id) = 0;
    virtual Status conn_set_soh_request(const Caller& c, ConnectionKey key,
                                        const NetworkSoH* request) = 0;
    virtual Result<NetworkSoH> conn_get_soh_request(const Caller& c, ConnectionKey key) const = 0;
    virtual Status conn_set_soh_response(const Caller& c, ConnectionKey key,
                                         const NetworkSoH* response) = 0;
    virtual Result<NetworkSoH> conn_get_soh_response(const Caller& c, ConnectionKey key) const = 0;
    virtual Status conn_set_isolation_info(const Caller& c, ConnectionKey key,
                                           const IsolationInfo* info) = 0;
    virtual Result<IsolationInfo> conn_get_isolation_info(const Caller& c,
                                                          ConnectionKey key) const = 0;
    virtual Status conn_set_isolation_info_ex(const Caller& c, ConnectionKey key,
                                              const IsolationInfoEx* info) = 0;
    virtual Result<IsolationInfoEx> conn_get_isolation_info_ex(const Caller& c,
                                                               ConnectionKey key) const = 0;
    virtual Status conn_set_private_data(const Caller& c, ConnectionKey key,
                                         const PrivateData* data) = 0;
    virtual Result<PrivateData> conn_get_private_data(const Caller& c, ConnectionKey key) const = 0;
    virtual Status conn_set_enforcer_private_data(const Caller& c, ConnectionKey key,
                                                  const PrivateData* data) = 0;
    virtual Result<PrivateData> conn_get_enforcer_private_data(const Caller& c,
                                                               ConnectionKey key) const = 0;
    virtual Status conn_set_installed_shvs(const Caller& c, ConnectionKey key,
                                           const std::vector<SystemHealthEntityId>& ids) = 0;
    virtual Result<std::vector<SystemHealthEntityId>> conn_get_installed_shvs(
        const Caller& c, ConnectionKey key) const = 0;

    // ---- SHA binding (INapSystemHealthAgentBinding(2)) -----------------------------------------
    virtual Result<BindingToken> bind_sha(SystemHealthEntityId id,
                                          std::shared_ptr<HealthAgentCallback> callback) = 0;
    virtual Status unbind_sha(const Caller& c) = 0;
    // Returns at once; the change is processed by run_pending().
    virtual Status notify_soh_change(const Caller& c) = 0;
    virtual Result<SystemIsolation> get_system_isolation_info(const Caller& c) const = 0;
    virtual Status flush_cache(const Caller& c) = 0;

    // InitializeNapAgentNotifier / UninitializeNapAgentNotifier for one subscriber.
    // HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED) if `subscriber` already has `type`;
    // E_INVALIDARG for napNotifyTypeUnknown or a null sink.
    virtual Status subscribe(std::uint64_t subscriber, NapNotifyType type,
                             std::shared_ptr<NotificationSink> sink) = 0;
    virtual void unsubscribe(std::uint64_t subscriber, NapNotifyType type) noexcept = 0;

    // ---- certificate relying parties (INapCertRelyingParty, nap-api.md §12.3) ------------------
    // Subscription bookkeeping only: OpenNAP has no health certificates from an HCS yet, so the
    // value (certExists) is always false. Callers: Admin, or an EC through its own live binding
    // (for its own id). `reserved_present` mirrors the VARIANT* that must be NULL. See
    // docs/agent.md, "Certificate relying parties".
    // E_INVALIDARG (reserved present), E_ACCESSDENIED, NAP_E_NOT_REGISTERED (id is not an EC
    // registered with ComponentTypeEnforcementClientRp). Subscribing twice is S_OK.
    virtual Result<bool> subscribe_cert_by_group(const Caller& c, EnforcementEntityId id,
                                                 std::u16string_view subscriber_name,
                                                 bool reserved_present = false) = 0;
    // As subscribe, plus HRESULT_FROM_WIN32(ERROR_NOT_FOUND) when `id` is not subscribed.
    virtual Status unsubscribe_cert_by_group(const Caller& c, EnforcementEntityId id,
                                             bool reserved_present = false) = 0;
    // The subscribed ECs, by id. Admin or any EC through a live binding; else E_ACCESSDENIED.
    [[nodiscard]] virtual Result<std::vector<EnforcementEntityId>> subscribed_relying_parties(
        const Caller& c) const = 0;
};

}  // namespace opennap::agent
