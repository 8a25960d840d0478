// What of the agent core survives a restart, and how the core reports changes to it
// (docs/agent.md, "Persistence hooks"). The core does no I/O: a host that keeps the state (the
// napagent daemon's SqliteStore, include/opennap/agentd/store.h) implements StateObserver, gives
// it to the agent in AgentConfig::observer, and feeds what it loaded back with Agent::restore()
// before serving.
//
// Kept: the component registry (registration info with its date, the enabled flag, an EC's
// health-certificate subscription), per registered SHA its cached SoH and its
// SystemHealthAgentState, and the last system isolation state. Not kept: bindings, connections,
// notification subscribers, timers (they belong to processes that reconnect).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "opennap/agent/agent_api.h"
#include "opennap/agent/sha_request.h"
#include "opennap/core/nap_structs.h"

namespace opennap::agent {

enum class ComponentKind : std::uint8_t { Sha, Ec };

// ---- the persisted state -----------------------------------------------------------------------

struct PersistedSha {
    NapComponentRegistrationInfo info;  // registration_date as the agent set it
    bool enabled = true;
    std::optional<SoH> cached_soh;  // the SHA's cached SoH, if it has one
    SystemHealthAgentState state;   // state.id == info.id
    friend bool operator==(const PersistedSha&, const PersistedSha&) = default;
};

struct PersistedEc {
    NapComponentRegistrationInfo info;
    bool enabled = true;
    // INapCertRelyingParty: the subscriber name, if the EC is subscribed (docs/agent.md).
    std::optional<std::u16string> cert_subscriber;
    friend bool operator==(const PersistedEc&, const PersistedEc&) = default;
};

struct PersistedState {
    std::vector<PersistedSha> shas;  // sorted by id, ids unique
    std::vector<PersistedEc> ecs;    // sorted by id, ids unique
    // The last system isolation state the agent reported (a fresh agent's: not restricted).
    SystemIsolation system;
    friend bool operator==(const PersistedState&, const PersistedState&) = default;
};

// ---- changes -----------------------------------------------------------------------------------
// Each agent operation that changes persisted state produces exactly one Change per thing it
// changed, and only when the value really differs from the one before.

// A component was registered (info.registration_date set by the agent; enabled is true).
struct ComponentRegistered {
    ComponentKind kind = ComponentKind::Sha;
    NapComponentRegistrationInfo info;
    bool enabled = true;
    friend bool operator==(const ComponentRegistered&, const ComponentRegistered&) = default;
};

// A component was unregistered. Everything kept for it goes with it, in the same change: an
// SHA's cached SoH and state, an EC's certificate subscription.
struct ComponentUnregistered {
    ComponentKind kind = ComponentKind::Sha;
    NapComponentId id = 0;
    friend bool operator==(const ComponentUnregistered&, const ComponentUnregistered&) = default;
};

// A component was enabled or disabled (only when the flag changed).
struct ComponentEnabled {
    ComponentKind kind = ComponentKind::Sha;
    NapComponentId id = 0;
    bool enabled = true;
    friend bool operator==(const ComponentEnabled&, const ComponentEnabled&) = default;
};

// A registered SHA's cached SoH changed: a new SoH cached (contents differ from the old one), or
// the cache flushed (`soh` null). The SoH is shared with the agent's cache, never copied.
struct ShaCacheChanged {
    SystemHealthEntityId id = 0;
    SoHPtr soh;
    // Compares the SoHs' contents, not the pointers.
    friend bool operator==(const ShaCacheChanged& a, const ShaCacheChanged& b) {
        if (a.id != b.id || (a.soh == nullptr) != (b.soh == nullptr))
            return false;
        return a.soh == nullptr || *a.soh == *b.soh;
    }
};

// A registered SHA's SystemHealthAgentState changed (state.id is the SHA).
struct ShaStateChanged {
    SystemHealthAgentState state;
    friend bool operator==(const ShaStateChanged&, const ShaStateChanged&) = default;
};

// An EC's health-certificate subscription was made (subscriber set), renamed, or dropped
// (nullopt) by UnsubscribeCertByGroup.
struct CertSubscriptionChanged {
    EnforcementEntityId id = 0;
    std::optional<std::u16string> subscriber;
    friend bool operator==(const CertSubscriptionChanged&,
                           const CertSubscriptionChanged&) = default;
};

// The system isolation state the agent reports changed (any field, unknown_connections too).
struct SystemIsolationChanged {
    SystemIsolation system;
    friend bool operator==(const SystemIsolationChanged&, const SystemIsolationChanged&) = default;
};

using Change =
    std::variant<ComponentRegistered, ComponentUnregistered, ComponentEnabled, ShaCacheChanged,
                 ShaStateChanged, CertSubscriptionChanged, SystemIsolationChanged>;

// "ComponentRegistered SHA 0x00013701", ... for logs and test failures.
[[nodiscard]] std::string to_string(const Change& c);

// Applies `c` to `s` as a store must (the in-memory model of a store: tests compare the agent's
// persisted_state() with the changes it reported applied to the state it started from).
// A change for an unknown id is ignored (ComponentRegistered of a known id replaces it).
void apply(PersistedState& s, const Change& c);

// Receives the agent's changes (docs/agent.md, "Persistence hooks"):
// * one call per change, so that the receiver can commit each atomically;
// * calls are serialized (never two at once for one agent) and in the order the changes were
//   made; they are made without the agent's lock held, from the thread of the agent call that
//   made the change (or of another agent call that was waiting to report its own);
// * an agent call that changed persistent state returns only after its change has been handed
//   to changed(): with a store that commits in changed(), a change a client was told about is
//   on disk;
// * changed() must not call the agent's mutating entry points (reading, e.g. sha_status(), is
//   fine) and must not throw; a failure to store is the receiver's to log: the agent's state in
//   memory stays authoritative.
class StateObserver {
  public:
    virtual ~StateObserver();
    virtual void changed(const Change& change) = 0;
};

}  // namespace opennap::agent
