// Persistence hooks of the agent core (persistence.h; docs/agent.md, "Persistence hooks"): the
// change queue handed to the StateObserver, restore() and persisted_state().
#include "opennap/agent/persistence.h"

#include <algorithm>
#include <new>
#include <set>

#include "agent_impl.h"

namespace opennap::agent {

StateObserver::~StateObserver() = default;

// ---- the change queue --------------------------------------------------------------------------

void record(Agent::Impl& im, Change change) noexcept {
    if (!im.observer)
        return;
    try {
        im.outbox.push_back(std::move(change));
    } catch (const std::bad_alloc&) {
        // The state in memory is authoritative; the store misses this change until the next
        // change of the same thing.
        OPENNAP_AGENT_LOG(err, "out of memory: a change of the persisted state is not reported");
        return;
    }
    im.queued.fetch_add(1, std::memory_order_release);
}

// Why the observer is called this way: a store's write takes ~50-100 us, and holding the agent's
// mutex for it would stall every other thread's agent calls (and callbacks that call back in).
// So the changes are queued under mu and handed over here without it. observer_mu keeps the
// hand-over in order: whoever holds it takes everything queued so far (in the order it was
// queued, under mu) and delivers it before releasing it. A thread that finds changes queued but
// not delivered waits for observer_mu, so an agent call that changed something returns only
// once its change has been delivered -- by itself or by the thread that took it. Calls that
// change nothing pay two atomic loads.
void report_changes(Agent::Impl& im) noexcept {
    if (!im.observer)
        return;
    if (im.queued.load(std::memory_order_acquire) <= im.delivered.load(std::memory_order_acquire))
        return;
    std::lock_guard olock(im.observer_mu);
    std::vector<Change> batch;
    std::uint64_t upto = 0;
    {
        std::lock_guard lock(im.mu);
        batch.swap(im.outbox);
        upto = im.queued.load(std::memory_order_relaxed);
    }
    for (const Change& c : batch) {
        try {
            im.observer->changed(c);
        } catch (...) {
            OPENNAP_AGENT_LOG(err, "the state observer threw on {}", to_string(c));
        }
    }
    im.delivered.store(upto, std::memory_order_release);
}

// ---- Change helpers ----------------------------------------------------------------------------

namespace {

const char* kind_name(ComponentKind k) {
    return k == ComponentKind::Sha ? "SHA" : "EC";
}

template <typename T>
void sorted_upsert(std::vector<T>& v, NapComponentId id, T value) {
    auto it = std::lower_bound(v.begin(), v.end(), id,
                               [](const T& e, NapComponentId i) { return e.info.id < i; });
    if (it != v.end() && it->info.id == id) {
        *it = std::move(value);
    } else {
        v.insert(it, std::move(value));
    }
}

template <typename T>
T* find_component(std::vector<T>& v, NapComponentId id) {
    auto it = std::lower_bound(v.begin(), v.end(), id,
                               [](const T& e, NapComponentId i) { return e.info.id < i; });
    return it != v.end() && it->info.id == id ? &*it : nullptr;
}

}  // namespace

std::string to_string(const Change& c) {
    struct V {
        std::string operator()(const ComponentRegistered& x) const {
            return std::string("ComponentRegistered ") + kind_name(x.kind) + " " +
                   hex_id(x.info.id);
        }
        std::string operator()(const ComponentUnregistered& x) const {
            return std::string("ComponentUnregistered ") + kind_name(x.kind) + " " + hex_id(x.id);
        }
        std::string operator()(const ComponentEnabled& x) const {
            return std::string("ComponentEnabled ") + kind_name(x.kind) + " " + hex_id(x.id) +
                   (x.enabled ? " enabled" : " disabled");
        }
        std::string operator()(const ShaCacheChanged& x) const {
            return "ShaCacheChanged " + hex_id(x.id) +
                   (x.soh ? " (" + std::to_string(x.soh->attributes.size()) + " attributes)"
                          : std::string(" flushed"));
        }
        std::string operator()(const ShaStateChanged& x) const {
            return "ShaStateChanged " + hex_id(x.state.id);
        }
        std::string operator()(const CertSubscriptionChanged& x) const {
            return "CertSubscriptionChanged " + hex_id(x.id) +
                   (x.subscriber ? " \"" + utf16_to_utf8(*x.subscriber) + "\""
                                 : std::string(" unsubscribed"));
        }
        std::string operator()(const SystemIsolationChanged& x) const {
            return "SystemIsolationChanged " +
                   std::string(to_string(x.system.info.isolation_state)) +
                   (x.system.unknown_connections ? " (unknown connections)" : "");
        }
    };
    return std::visit(V{}, c);
}

void apply(PersistedState& s, const Change& c) {
    struct V {
        PersistedState& s;
        void operator()(const ComponentRegistered& x) const {
            if (x.kind == ComponentKind::Sha) {
                PersistedSha p{x.info, x.enabled, std::nullopt, {}};
                p.state.id = x.info.id;
                sorted_upsert(s.shas, x.info.id, std::move(p));
            } else {
                sorted_upsert(s.ecs, x.info.id, PersistedEc{x.info, x.enabled, std::nullopt});
            }
        }
        void operator()(const ComponentUnregistered& x) const {
            if (x.kind == ComponentKind::Sha) {
                std::erase_if(s.shas, [&](const PersistedSha& p) { return p.info.id == x.id; });
            } else {
                std::erase_if(s.ecs, [&](const PersistedEc& p) { return p.info.id == x.id; });
            }
        }
        void operator()(const ComponentEnabled& x) const {
            if (x.kind == ComponentKind::Sha) {
                if (auto* p = find_component(s.shas, x.id))
                    p->enabled = x.enabled;
            } else if (auto* p = find_component(s.ecs, x.id)) {
                p->enabled = x.enabled;
            }
        }
        void operator()(const ShaCacheChanged& x) const {
            if (auto* p = find_component(s.shas, x.id)) {
                if (x.soh) {
                    p->cached_soh = *x.soh;
                } else {
                    p->cached_soh.reset();
                }
            }
        }
        void operator()(const ShaStateChanged& x) const {
            if (auto* p = find_component(s.shas, x.state.id))
                p->state = x.state;
        }
        void operator()(const CertSubscriptionChanged& x) const {
            if (auto* p = find_component(s.ecs, x.id))
                p->cert_subscriber = x.subscriber;
        }
        void operator()(const SystemIsolationChanged& x) const { s.system = x.system; }
    };
    std::visit(V{s}, c);
}

// ---- restore / persisted_state -----------------------------------------------------------------

namespace {

// Why `state` cannot be restored, or empty.
std::string check_restorable(const PersistedState& state, const AgentConfig& config) {
    if (state.shas.size() > config.max_registered_shas) {
        return std::to_string(state.shas.size()) + " SHAs, more than the limit of " +
               std::to_string(config.max_registered_shas);
    }
    if (state.ecs.size() > config.max_registered_ecs) {
        return std::to_string(state.ecs.size()) + " ECs, more than the limit of " +
               std::to_string(config.max_registered_ecs);
    }
    std::set<NapComponentId> seen;
    for (const PersistedSha& s : state.shas) {
        if (!seen.insert(s.info.id).second)
            return "SHA " + hex_id(s.info.id) + " appears twice";
        if (!s.info.is_valid())
            return "SHA " + hex_id(s.info.id) + ": invalid registration info";
        if (s.cached_soh && (s.cached_soh->attributes.empty() || !s.cached_soh->is_valid()))
            return "SHA " + hex_id(s.info.id) + ": invalid cached SoH";
        if (!s.state.is_valid() || (s.state.id != 0 && s.state.id != s.info.id))
            return "SHA " + hex_id(s.info.id) + ": invalid state";
    }
    seen.clear();
    for (const PersistedEc& e : state.ecs) {
        if (!seen.insert(e.info.id).second)
            return "EC " + hex_id(e.info.id) + " appears twice";
        if (!e.info.is_valid())
            return "EC " + hex_id(e.info.id) + ": invalid registration info";
    }
    if (!state.system.info.is_valid())
        return "invalid system isolation state";
    return {};
}

}  // namespace

Status Agent::restore(const PersistedState& state) {
    Impl& im = *impl_;
    if (const std::string why = check_restorable(state, im.config); !why.empty()) {
        OPENNAP_AGENT_LOG(err, "state not restored: {}", why);
        return hr::E_INVALIDARG;
    }
    try {
        // Built aside, then swapped in: all or nothing.
        std::map<SystemHealthEntityId, Component> shas;
        std::map<EnforcementEntityId, Component> ecs;
        std::map<SystemHealthEntityId, ShaDynamic> dyn;
        std::map<EnforcementEntityId, std::u16string> subscribers;
        for (const PersistedSha& s : state.shas) {
            shas.emplace(s.info.id, Component{s.info, s.enabled});
            ShaDynamic d;
            d.state = s.state;
            d.state.id = s.info.id;
            if (s.cached_soh)
                d.cache = std::make_shared<const SoH>(*s.cached_soh);
            dyn.emplace(s.info.id, std::move(d));
        }
        for (const PersistedEc& e : state.ecs) {
            ecs.emplace(e.info.id, Component{e.info, e.enabled});
            if (e.cert_subscriber)
                subscribers.emplace(e.info.id, *e.cert_subscriber);
        }
        std::lock_guard lock(im.mu);
        if (!im.shas.empty() || !im.ecs.empty() || !im.sha_bindings.empty() ||
            !im.ec_bindings.empty() || !im.conns.empty()) {
            OPENNAP_AGENT_LOG(err, "state not restored: the agent is already in use");
            return hr::ERROR_ALREADY_INITIALIZED;
        }
        im.shas.swap(shas);
        im.ecs.swap(ecs);
        im.sha_dyn.swap(dyn);
        im.cert_subscribers.swap(subscribers);
        // The previous run's decision stands, marked as not coming from a live connection
        // (unknown_connections), until a connection of this run gets one (docs/agent.md).
        if (state.system != SystemIsolation{}) {
            im.restored_system = state.system;
            im.restored_probation_expired = false;
            im.system = SystemIsolation{state.system.info, true};
        }
        OPENNAP_AGENT_LOG(debug, "restored {} SHAs, {} ECs, system state {}", im.shas.size(),
                          im.ecs.size(), to_string(im.system.info.isolation_state));
    } catch (const std::bad_alloc&) {
        return hr::E_OUTOFMEMORY;
    }
    Pending p;
    p.wake = true;  // a restored probation end is a timer
    deliver(im, std::move(p));
    return hr::S_OK;
}

PersistedState Agent::persisted_state() const {
    const Impl& im = *impl_;
    std::lock_guard lock(im.mu);
    PersistedState out;
    out.shas.reserve(im.shas.size());
    for (const auto& [id, comp] : im.shas) {
        PersistedSha s{comp.info, comp.enabled, std::nullopt, {}};
        s.state.id = id;
        if (auto d = im.sha_dyn.find(id); d != im.sha_dyn.end()) {
            s.state = d->second.state;
            s.state.id = id;
            if (d->second.cache)
                s.cached_soh = *d->second.cache;
        }
        out.shas.push_back(std::move(s));
    }
    out.ecs.reserve(im.ecs.size());
    for (const auto& [id, comp] : im.ecs) {
        PersistedEc e{comp.info, comp.enabled, std::nullopt};
        if (auto s = im.cert_subscribers.find(id); s != im.cert_subscribers.end())
            e.cert_subscriber = s->second;
        out.ecs.push_back(std::move(e));
    }
    out.system = im.system;
    return out;
}

}  // namespace opennap::agent
