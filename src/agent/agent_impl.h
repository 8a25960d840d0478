// Internal state of the agent core. Not a public header.
#pragma once

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "opennap/agent/agent.h"
#include "opennap/soh/message.h"

namespace opennap::agent {

struct Component {
    NapComponentRegistrationInfo info;
    bool enabled = true;
};

struct Binding {
    BindingToken token = 0;
    NapComponentId id = 0;
    bool closing = false;
    int in_flight = 0;
    std::uint64_t connections_created = 0;
    std::size_t live_connections = 0;
    std::shared_ptr<EnforcementClientCallback> ec;
    std::shared_ptr<HealthAgentCallback> sha;
};

struct ConnState {
    ConnectionKey key = 0;
    EnforcementEntityId ec = 0;
    BindingToken owner = 0;
    bool down = false;  // owner unbound or connection reported down: excluded from the state
    std::optional<ConnectionId> connection_id;
    ProtocolMaxSize max_size = defaultProtocolMaxSize;
    std::uint8_t flags = 0;
    std::optional<CorrelationId> correlation_id;
    std::optional<NetworkSoH> request;
    std::optional<NetworkSoH> response;
    std::optional<IsolationInfoEx> isolation;
    PrivateData agent_private;
    PrivateData enforcer_private;
    std::vector<SystemHealthEntityId> installed_shvs;
    bool outstanding = false;
    bool ever_requested = false;
    bool probation_expired = false;
    // Per SHA in the last request: its SoH, and whether it still awaits a response (a bound SHA
    // in the outstanding request). Sorted by SHA id.
    struct ShaSlot {
        SystemHealthEntityId id = 0;
        bool awaiting = false;
        SoHPtr soh;
    };
    std::vector<ShaSlot> last_sohs;
    FileTime last_exchange{};
};

struct ShaDynamic {
    SystemHealthAgentState state;
    SoHPtr cache;
    bool polling = false;
    FileTime next_poll{};
};

class Agent::Impl {
  public:
    Impl(AgentConfig c, std::shared_ptr<const Clock> k)
        : config(std::move(c)), clock(std::move(k)), observer(config.observer) {}

    AgentConfig config;
    std::shared_ptr<const Clock> clock;

    mutable std::mutex mu;
    std::condition_variable idle;  // a binding's in-flight count dropped

    std::map<SystemHealthEntityId, Component> shas;
    std::map<EnforcementEntityId, Component> ecs;
    std::map<NapComponentId, Binding> sha_bindings;
    std::map<NapComponentId, Binding> ec_bindings;
    std::unordered_map<ConnectionKey, ConnState> conns;
    std::map<std::pair<EnforcementEntityId, ConnectionId>, ConnectionKey> conn_ids;
    std::map<SystemHealthEntityId, ShaDynamic> sha_dyn;
    SystemIsolation system;
    FileTime last_correlation{};

    bool soh_change_pending = false;
    std::map<EnforcementEntityId, FileTime> ec_retry_due;
    std::map<EnforcementEntityId, FileTime> ec_refresh_due;  // next GetConnections
    std::map<std::pair<std::uint64_t, NapNotifyType>, std::shared_ptr<NotificationSink>> sinks;
    std::function<void()> wake;
    // Certificate relying parties (cert_relying_party.cc): EC id -> subscriber name.
    std::map<EnforcementEntityId, std::u16string> cert_subscribers;

    // Persistence (persistence.cc; docs/agent.md, "Persistence hooks"). Changes are queued in
    // `outbox` under mu (with `queued` counting them) and handed to the observer, in order, by
    // report_changes() with mu released; observer_mu serializes the hand-over.
    std::shared_ptr<StateObserver> observer;
    std::vector<Change> outbox;               // mu
    std::atomic<std::uint64_t> queued{0};     // written under mu
    std::atomic<std::uint64_t> delivered{0};  // written under observer_mu
    std::mutex observer_mu;
    // The system isolation state of the previous run (restore()), reported until a connection
    // of this run gets a decision; and whether its probation end has been acted on.
    std::optional<SystemIsolation> restored_system;
    bool restored_probation_expired = false;

    std::size_t live_connections = 0;     // connections not down
    std::size_t unknown_connections = 0;  // live connections without a decision
    std::set<ConnectionKey> known;        // live connections with a decision
    ConnectionKey next_key = 1;
    BindingToken next_token = 1;

    // ---- helpers (mu held) ----
    bool alloc_fails(std::string_view site) const {
        return config.fail_allocation && config.fail_allocation(site);
    }
    Binding* live_binding(std::map<NapComponentId, Binding>& m, const Caller& c) {
        auto it = m.find(c.id);
        if (it == m.end() || it->second.token != c.binding || it->second.closing)
            return nullptr;
        return &it->second;
    }
    Binding* ec_binding(const Caller& c) {
        return c.kind == Caller::Kind::EnforcementClient ? live_binding(ec_bindings, c) : nullptr;
    }
    Binding* sha_binding(const Caller& c) {
        return c.kind == Caller::Kind::HealthAgent ? live_binding(sha_bindings, c) : nullptr;
    }
    std::optional<FileTime> next_due() const;
};

// ---- shared helpers ----------------------------------------------------------------------------

spdlog::logger& agent_log();

// Logs through the agent's logger; the arguments (connection tags, formatted ids) are only
// evaluated when the level is enabled.
#define OPENNAP_AGENT_LOG(lvl, ...)                                      \
    do {                                                                 \
        ::spdlog::logger& agent_logger_ = ::opennap::agent::agent_log(); \
        if (agent_logger_.should_log(::spdlog::level::lvl)) {            \
            agent_logger_.log(::spdlog::level::lvl, __VA_ARGS__);        \
        }                                                                \
    } while (0)

// "conn <guid|unset> corr <guid@time|none>": carried by every log line about a connection.
inline std::string tag(const ConnState& c) {
    std::string s = "conn ";
    s += c.connection_id ? c.connection_id->to_string() : std::string("unset");
    s += " corr ";
    s += c.correlation_id ? c.correlation_id->to_string() : std::string("none");
    return s;
}

inline std::string hex_id(std::uint32_t id) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08X", id);
    return buf;
}

// Keeps a binding's in-flight count while a call on its binding or callback interface runs.
// Construct with mu held; release() / the destructor take mu themselves (mu must not be held).
class CallGuard {
  public:
    CallGuard() = default;
    CallGuard(Agent::Impl& impl, Binding& b);
    CallGuard(CallGuard&& o) noexcept
        : impl_(std::exchange(o.impl_, nullptr)), token_(o.token_), id_(o.id_), ec_(o.ec_) {}
    CallGuard& operator=(CallGuard&& o) noexcept {
        if (this != &o) {
            release();
            impl_ = std::exchange(o.impl_, nullptr);
            token_ = o.token_;
            id_ = o.id_;
            ec_ = o.ec_;
        }
        return *this;
    }
    CallGuard(const CallGuard&) = delete;
    ~CallGuard() { release(); }
    void release();

  private:
    Agent::Impl* impl_ = nullptr;
    BindingToken token_ = 0;
    NapComponentId id_ = 0;
    bool ec_ = false;
};

// Calls to make once mu is released.
struct Pending {
    struct ShaCall {
        CallGuard guard;
        std::shared_ptr<HealthAgentCallback> cb;
        SystemHealthEntityId id = 0;
    };
    std::vector<ShaCall> state_change;
    std::vector<std::pair<ShaCall, CorrelationId>> orphans;
    std::vector<std::pair<std::shared_ptr<NotificationSink>, NapNotifyType>> sinks;
    bool wake = false;
};

// mu held: set or clear a connection's decision, keeping `known` / `unknown_connections` true.
void set_isolation(Agent::Impl& im, ConnState& c, std::optional<IsolationInfoEx> info);
// mu held: recompute the system isolation state; on a change queue the SHA and sink
// notifications.
void recompute_system(Agent::Impl& im, Pending& p);
// mu held: queue NotifyOrphanedSoHRequest for the SHAs of an outstanding request.
void orphan_request(Agent::Impl& im, ConnState& c, Pending& p);
// mu held: a connection goes down (reported, released, or its binding went away).
void connection_down(Agent::Impl& im, ConnState& c, Pending& p);
// mu held: the component returned RPC_S_SERVER_UNAVAILABLE: unbind it at once.
void drop_ec_binding(Agent::Impl& im, EnforcementEntityId id, Pending& p);
void drop_sha_binding(Agent::Impl& im, SystemHealthEntityId id);
// What the agent does with an SHA's ProcessSoHResponse status and the GetFixupInfo after it.
void apply_sha_outcome(Agent::Impl& im, SystemHealthEntityId id, Status s,
                       const std::optional<Result<FixupInfo>>& fix);
// mu NOT held: make the queued calls (reporting queued changes first).
void deliver(Agent::Impl& im, Pending&& p);

// ---- the SSoH's pieces (exchange.cc; preview.cc builds the same request read-only) ----

// The SoH the agent sends for an SHA that cannot answer: System-Health-ID, Failure-Category and
// Error-Codes (nap-api.md §11.3).
SoH system_generated(SystemHealthEntityId id, FailureCategory category, HResult error);
// mu held: the system part of the SSoH (mode sub-header and the MS attributes) for `corr`, naming
// the SHAs whose SoH the agent generated.
soh::Message build_system_part(const Agent::Impl& im, const CorrelationId& corr,
                               const std::vector<SystemHealthEntityId>& generated);

// ---- persistence (persistence.cc) ----

// mu held: queue a change of the persisted state for the observer (no-op without one).
void record(Agent::Impl& im, Change change) noexcept;
// mu NOT held: hand every queued change to the observer, in order; returns once the changes
// queued before the call have been handed over (by this thread or another).
void report_changes(Agent::Impl& im) noexcept;
// Calls report_changes() when it goes out of scope: declare it before any lock in a public entry
// point that may change persisted state, so it runs once the lock is released.
class ReportChanges {
  public:
    explicit ReportChanges(Agent::Impl& im) noexcept : im_(im) {}
    ReportChanges(const ReportChanges&) = delete;
    ReportChanges& operator=(const ReportChanges&) = delete;
    ~ReportChanges() { report_changes(im_); }

  private:
    Agent::Impl& im_;
};

}  // namespace opennap::agent
