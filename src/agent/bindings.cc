// Bindings, connection lifetime, the system isolation state, notifications and timers.
#include <new>

#include "agent_impl.h"
#include "opennap/agent/connection.h"

namespace opennap::agent {

namespace {
thread_local std::vector<BindingToken> t_active;  // bindings this thread is inside a call of
}

spdlog::logger& agent_log() {
    static const std::shared_ptr<spdlog::logger> logger = [] {
        if (auto l = spdlog::get("opennap.agent"))
            return l;
        auto l = spdlog::default_logger()->clone("opennap.agent");
        spdlog::register_logger(l);
        return l;
    }();
    return *logger;
}

CallGuard::CallGuard(Agent::Impl& impl, Binding& b)
    : impl_(&impl), token_(b.token), id_(b.id), ec_(b.ec != nullptr) {
    ++b.in_flight;
    t_active.push_back(token_);
}

void CallGuard::release() {
    if (impl_ == nullptr)
        return;
    {
        std::lock_guard lock(impl_->mu);
        auto& m = ec_ ? impl_->ec_bindings : impl_->sha_bindings;
        auto it = m.find(id_);
        if (it != m.end() && it->second.token == token_)
            --it->second.in_flight;
    }
    auto pos = std::find(t_active.rbegin(), t_active.rend(), token_);
    if (pos != t_active.rend())
        t_active.erase(std::next(pos).base());
    impl_->idle.notify_all();
    impl_ = nullptr;
}

// ---- system isolation
// ----------------------------------------------------------------------------

void set_isolation(Agent::Impl& im, ConnState& c, std::optional<IsolationInfoEx> info) {
    if (!c.down) {
        if (c.isolation && !info) {
            im.known.erase(c.key);
            ++im.unknown_connections;
        } else if (!c.isolation && info) {
            im.known.insert(c.key);
            --im.unknown_connections;
        }
    }
    c.isolation = std::move(info);
}

void recompute_system(Agent::Impl& im, Pending& p) {
    SystemIsolation next;  // defaults: not restricted, no data, no probation, no URL
    next.unknown_connections = im.unknown_connections > 0;
    const ConnState* decisive = nullptr;
    for (ConnectionKey key : im.known) {
        const ConnState& c = im.conns.at(key);
        const auto sev = static_cast<std::uint32_t>(c.isolation->isolation_state);
        if (decisive == nullptr) {
            decisive = &c;
            continue;
        }
        const auto best = static_cast<std::uint32_t>(decisive->isolation->isolation_state);
        if (sev > best ||
            (sev == best && c.isolation->isolation_state == IsolationState::InProbation &&
             c.isolation->prob_end_time < decisive->isolation->prob_end_time)) {
            decisive = &c;
        }
    }
    if (decisive != nullptr) {
        next.info = *decisive->isolation;
        if (next.info.isolation_state != IsolationState::InProbation) {
            next.info.prob_end_time = FileTime{};
        }
        im.restored_system.reset();  // a connection of this run decided: the restored state ends
    } else if (im.restored_system) {
        // The previous run's state (restore()) stands, with no live connection behind it.
        next.info = im.restored_system->info;
        next.unknown_connections = true;
    }
    if (next == im.system)
        return;
    const bool state_or_probation_changed =
        next.info.isolation_state != im.system.info.isolation_state ||
        next.info.prob_end_time != im.system.info.prob_end_time ||
        next.info.extended_isolation_state != im.system.info.extended_isolation_state ||
        next.info.failure_url != im.system.info.failure_url;
    record(im, SystemIsolationChanged{next});
    if (!state_or_probation_changed) {
        // Only unknownConnections moved (every new connection does that until its first
        // decision): not worth an info line per connection.
        OPENNAP_AGENT_LOG(debug, "system isolation state {}, unknown connections {}",
                          to_string(next.info.isolation_state), next.unknown_connections);
        im.system = next;
        return;
    }
    OPENNAP_AGENT_LOG(
        info, "system isolation state {} -> {} (probation end {}, unknown connections {})",
        to_string(im.system.info.isolation_state), to_string(next.info.isolation_state),
        next.info.prob_end_time.to_string(), next.unknown_connections);
    im.system = next;
    for (auto& [id, b] : im.sha_bindings) {
        if (b.closing)
            continue;
        p.state_change.push_back(Pending::ShaCall{CallGuard(im, b), b.sha, id});
    }
    for (const auto& [key, sink] : im.sinks) {
        if (key.second == NapNotifyType::QuarState)
            p.sinks.emplace_back(sink, key.second);
    }
}

void orphan_request(Agent::Impl& im, ConnState& c, Pending& p) {
    if (!c.outstanding || !c.correlation_id)
        return;
    std::size_t notified = 0;
    for (ConnState::ShaSlot& slot : c.last_sohs) {
        if (!slot.awaiting)
            continue;
        slot.awaiting = false;
        auto it = im.sha_bindings.find(slot.id);
        if (it == im.sha_bindings.end() || it->second.closing)
            continue;
        p.orphans.emplace_back(Pending::ShaCall{CallGuard(im, it->second), it->second.sha, slot.id},
                               *c.correlation_id);
        ++notified;
    }
    if (notified > 0) {
        OPENNAP_AGENT_LOG(info, "{}: SoH request orphaned: {} SHA(s) got no response", tag(c),
                          notified);
    }
    c.outstanding = false;
}

void connection_down(Agent::Impl& im, ConnState& c, Pending& p) {
    if (c.down)
        return;
    orphan_request(im, c, p);
    if (c.connection_id)
        im.conn_ids.erase({c.ec, *c.connection_id});
    c.down = true;
    --im.live_connections;
    if (c.isolation) {
        im.known.erase(c.key);
    } else {
        --im.unknown_connections;
    }
    if (auto b = im.ec_bindings.find(c.ec);
        b != im.ec_bindings.end() && b->second.token == c.owner) {
        --b->second.live_connections;
    }
    OPENNAP_AGENT_LOG(info, "{}: connection down (EC {})", tag(c), hex_id(c.ec));
    recompute_system(im, p);
}

void drop_ec_binding(Agent::Impl& im, EnforcementEntityId id, Pending& p) {
    auto it = im.ec_bindings.find(id);
    if (it == im.ec_bindings.end())
        return;
    const BindingToken token = it->second.token;
    im.ec_bindings.erase(it);
    im.ec_retry_due.erase(id);
    im.ec_refresh_due.erase(id);
    for (auto& [key, c] : im.conns) {
        if (c.owner == token)
            connection_down(im, c, p);
    }
    OPENNAP_AGENT_LOG(warn, "EC {} unbound: its callback reported the server unavailable",
                      hex_id(id));
}

void drop_sha_binding(Agent::Impl& im, SystemHealthEntityId id) {
    im.sha_bindings.erase(id);
    if (auto d = im.sha_dyn.find(id); d != im.sha_dyn.end()) {
        if (d->second.cache)
            record(im, ShaCacheChanged{id, nullptr});
        d->second.cache.reset();
        d->second.polling = false;
    }
    OPENNAP_AGENT_LOG(warn,
                      "SHA {} unbound and its cached SoH flushed: its callback reported the "
                      "server unavailable",
                      hex_id(id));
}

void deliver(Agent::Impl& im, Pending&& p) {
    report_changes(im);  // what the calls below tell about is stored first
    for (auto& [call, corr] : p.orphans) {
        const Status s = call.cb->notify_orphaned_soh_request(corr);
        if (is_server_unavailable(s)) {
            std::lock_guard lock(im.mu);
            drop_sha_binding(im, call.id);
        }
        call.guard.release();
    }
    for (auto& call : p.state_change) {
        const Status s = call.cb->notify_system_isolation_state_change();
        if (is_server_unavailable(s)) {
            std::lock_guard lock(im.mu);
            drop_sha_binding(im, call.id);
        }
        call.guard.release();
    }
    for (auto& [sink, type] : p.sinks)
        sink->notify(type);
    report_changes(im);  // a binding dropped above flushed its cache
    if (p.wake) {
        std::function<void()> w;
        {
            std::lock_guard lock(im.mu);
            w = im.wake;
        }
        if (w)
            w();
    }
}

// ---- bindings
// ------------------------------------------------------------------------------------

namespace {

Result<BindingToken> bind_component(Agent::Impl& im, std::map<NapComponentId, Component>& reg,
                                    std::map<NapComponentId, Binding>& bindings, NapComponentId id,
                                    std::shared_ptr<EnforcementClientCallback> ec,
                                    std::shared_ptr<HealthAgentCallback> sha, const char* what) {
    if (!ec && !sha)
        return fail(hr::E_POINTER);
    std::lock_guard lock(im.mu);
    auto it = reg.find(id);
    if (it == reg.end()) {
        OPENNAP_AGENT_LOG(warn, "{} {} attempted to initialize but is not registered", what,
                          hex_id(id));
        return fail(hr::NAP_E_NOT_REGISTERED);
    }
    if (!it->second.enabled) {
        OPENNAP_AGENT_LOG(warn, "{} {} attempted to initialize but is disabled", what, hex_id(id));
        return fail(hr::NAP_E_ENTITY_DISABLED);
    }
    if (bindings.contains(id)) {
        OPENNAP_AGENT_LOG(warn, "{} {} attempted to initialize but is already initialized", what,
                          hex_id(id));
        return fail(hr::ERROR_ALREADY_INITIALIZED);
    }
    BindingToken token = 0;
    try {
        if (im.alloc_fails("binding"))
            throw std::bad_alloc();
        Binding b;
        b.token = im.next_token;
        b.id = id;
        b.ec = std::move(ec);
        b.sha = std::move(sha);
        token = bindings.emplace(id, std::move(b)).first->second.token;
        ++im.next_token;
    } catch (const std::bad_alloc&) {
        OPENNAP_AGENT_LOG(err, "{} {} could not be bound: out of memory", what, hex_id(id));
        return fail(hr::E_OUTOFMEMORY);
    }
    OPENNAP_AGENT_LOG(info, "{} {} bound", what, hex_id(id));
    return token;
}

// Marks the binding closing, waits for its calls in flight (other than this thread's own), and
// removes it.
Status unbind_component(Agent::Impl& im, std::map<NapComponentId, Binding>& bindings,
                        const Caller& c, Caller::Kind kind, Pending& p, const char* what) {
    std::unique_lock lock(im.mu);
    if (c.kind != kind)
        return hr::E_ACCESSDENIED;
    auto it = bindings.find(c.id);
    if (it == bindings.end() || it->second.token != c.binding || it->second.closing) {
        return hr::NAP_E_NOT_INITIALIZED;
    }
    it->second.closing = true;
    const BindingToken token = c.binding;
    const auto own = [token] {
        return static_cast<int>(std::count(t_active.begin(), t_active.end(), token));
    };
    im.idle.wait(lock, [&] {
        auto i = bindings.find(c.id);
        return i == bindings.end() || i->second.token != token || i->second.in_flight <= own();
    });
    bindings.erase(c.id);
    if (kind == Caller::Kind::EnforcementClient) {
        im.ec_retry_due.erase(c.id);
        im.ec_refresh_due.erase(c.id);
        for (auto& [key, conn] : im.conns) {
            if (conn.owner == token)
                connection_down(im, conn, p);
        }
    } else if (auto d = im.sha_dyn.find(c.id); d != im.sha_dyn.end()) {
        d->second.polling = false;
    }
    OPENNAP_AGENT_LOG(info, "{} {} unbound", what, hex_id(c.id));
    return hr::S_OK;
}

}  // namespace

Result<BindingToken> Agent::bind_ec(EnforcementEntityId id,
                                    std::shared_ptr<EnforcementClientCallback> callback) {
    auto token = bind_component(*impl_, impl_->ecs, impl_->ec_bindings, id, std::move(callback),
                                nullptr, "EC");
    if (token && impl_->config.connections_refresh_interval.count() > 0) {
        std::lock_guard lock(impl_->mu);
        impl_->ec_refresh_due[id] =
            FileTime{impl_->clock->now().ticks + ticks(impl_->config.connections_refresh_interval)};
    }
    return token;
}

Result<BindingToken> Agent::bind_sha(SystemHealthEntityId id,
                                     std::shared_ptr<HealthAgentCallback> callback) {
    return bind_component(*impl_, impl_->shas, impl_->sha_bindings, id, nullptr,
                          std::move(callback), "SHA");
}

Status Agent::unbind_ec(const Caller& c) {
    Pending p;
    const Status s =
        unbind_component(*impl_, impl_->ec_bindings, c, Caller::Kind::EnforcementClient, p, "EC");
    deliver(*impl_, std::move(p));
    return s;
}

Status Agent::unbind_sha(const Caller& c) {
    Pending p;
    const Status s =
        unbind_component(*impl_, impl_->sha_bindings, c, Caller::Kind::HealthAgent, p, "SHA");
    deliver(*impl_, std::move(p));
    return s;
}

void Agent::binding_lost(const Caller& c) {
    Pending p;
    {
        std::lock_guard lock(impl_->mu);
        if (Binding* b = impl_->ec_binding(c); b != nullptr) {
            OPENNAP_AGENT_LOG(warn, "EC {}: its process is gone; unbinding it", hex_id(c.id));
            drop_ec_binding(*impl_, c.id, p);
        } else if (Binding* sb = impl_->sha_binding(c); sb != nullptr) {
            OPENNAP_AGENT_LOG(warn, "SHA {}: its process is gone; unbinding it", hex_id(c.id));
            drop_sha_binding(*impl_, c.id);
        }
    }
    deliver(*impl_, std::move(p));
}

// ---- connection lifetime
// ---------------------------------------------------------------------------

Result<ConnectionKey> Agent::create_connection(const Caller& c) {
    Pending p;
    ConnectionKey key = 0;
    {
        std::lock_guard lock(impl_->mu);
        if (c.kind != Caller::Kind::EnforcementClient)
            return fail(hr::E_ACCESSDENIED);
        Binding* b = impl_->ec_binding(c);
        if (b == nullptr)
            return fail(hr::NAP_E_NOT_INITIALIZED);
        const std::size_t mine = b->live_connections;
        const std::size_t live = impl_->live_connections;
        if (mine >= impl_->config.max_connections_per_ec ||
            live >= impl_->config.max_connections_total) {
            OPENNAP_AGENT_LOG(warn, "EC {}: connection quota reached ({} of this EC, {} in all)",
                              hex_id(c.id), mine, live);
            return fail(hr::E_OUTOFMEMORY);
        }
        try {
            if (impl_->alloc_fails("connection"))
                throw std::bad_alloc();
            ConnState conn;
            conn.key = impl_->next_key;
            conn.ec = c.id;
            conn.owner = c.binding;
            impl_->conns.emplace(conn.key, std::move(conn));
        } catch (const std::bad_alloc&) {
            return fail(hr::E_OUTOFMEMORY);
        }
        ++b->connections_created;
        ++b->live_connections;
        ++impl_->live_connections;
        ++impl_->unknown_connections;
        key = impl_->next_key++;
        recompute_system(*impl_, p);  // a new connection is in an unknown state
    }
    deliver(*impl_, std::move(p));
    return key;
}

std::size_t Agent::live_connection_count() const {
    std::lock_guard lock(impl_->mu);
    return impl_->live_connections;
}

void Agent::release_connection(ConnectionKey key) noexcept {
    Pending p;
    {
        std::lock_guard lock(impl_->mu);
        auto it = impl_->conns.find(key);
        if (it == impl_->conns.end())
            return;
        connection_down(*impl_, it->second, p);
        impl_->conns.erase(it);
        recompute_system(*impl_, p);
    }
    deliver(*impl_, std::move(p));
}

Status Agent::notify_connection_state_down(const Caller& c, ConnectionKey key) {
    Pending p;
    {
        std::lock_guard lock(impl_->mu);
        if (c.kind != Caller::Kind::EnforcementClient)
            return hr::E_ACCESSDENIED;
        if (impl_->ec_binding(c) == nullptr)
            return hr::NAP_E_NOT_INITIALIZED;
        auto it = impl_->conns.find(key);
        if (it == impl_->conns.end())
            return hr::E_INVALIDARG;
        if (it->second.owner != c.binding)
            return hr::E_ACCESSDENIED;
        connection_down(*impl_, it->second, p);
    }
    deliver(*impl_, std::move(p));
    return hr::S_OK;
}

// ---- SoH change propagation, timers -------------------------------------------------------------

Status Agent::notify_soh_change(const Caller& c) {
    {
        std::lock_guard lock(impl_->mu);
        if (c.kind != Caller::Kind::HealthAgent)
            return hr::E_ACCESSDENIED;
        if (impl_->sha_binding(c) == nullptr)
            return hr::NAP_E_NOT_INITIALIZED;
        impl_->soh_change_pending = true;
        OPENNAP_AGENT_LOG(info, "SHA {} reported an SoH change", hex_id(c.id));
    }
    Pending p;
    p.wake = true;
    deliver(*impl_, std::move(p));
    return hr::S_OK;
}

Status Agent::notify_soh_change_failure(const Caller& c) {
    {
        std::lock_guard lock(impl_->mu);
        if (c.kind != Caller::Kind::EnforcementClient)
            return hr::E_ACCESSDENIED;
        if (impl_->ec_binding(c) == nullptr)
            return hr::NAP_E_NOT_INITIALIZED;
        const FileTime due{impl_->clock->now().ticks +
                           ticks(impl_->config.soh_change_retry_interval)};
        impl_->ec_retry_due[c.id] = due;
        OPENNAP_AGENT_LOG(info, "EC {} could not process an SoH change; retrying at {}",
                          hex_id(c.id), due.to_string());
    }
    Pending p;
    p.wake = true;
    deliver(*impl_, std::move(p));
    return hr::S_OK;
}

Status Agent::flush_cache(const Caller& c) {
    ReportChanges report(*impl_);
    std::lock_guard lock(impl_->mu);
    if (c.kind != Caller::Kind::HealthAgent)
        return hr::E_ACCESSDENIED;
    if (impl_->sha_binding(c) == nullptr)
        return hr::NAP_E_NOT_INITIALIZED;
    if (auto d = impl_->sha_dyn.find(c.id); d != impl_->sha_dyn.end() && d->second.cache) {
        record(*impl_, ShaCacheChanged{c.id, nullptr});
        d->second.cache.reset();
    }
    OPENNAP_AGENT_LOG(info, "SHA {} flushed its cached SoH", hex_id(c.id));
    return hr::S_OK;
}

Result<SystemIsolation> Agent::get_system_isolation_info(const Caller& c) const {
    std::lock_guard lock(impl_->mu);
    // INapSystemHealthAgentBinding: SHAs only (management reads system_isolation()).
    if (c.kind != Caller::Kind::HealthAgent)
        return fail(hr::E_ACCESSDENIED);
    if (impl_->sha_binding(c) == nullptr)
        return fail(hr::NAP_E_NOT_INITIALIZED);
    return impl_->system;
}

Status Agent::subscribe(std::uint64_t subscriber, NapNotifyType type,
                        std::shared_ptr<NotificationSink> sink) {
    if (!sink || (type != NapNotifyType::ServiceState && type != NapNotifyType::QuarState)) {
        return hr::E_INVALIDARG;
    }
    std::lock_guard lock(impl_->mu);
    auto [it, inserted] = impl_->sinks.emplace(std::pair{subscriber, type}, std::move(sink));
    (void)it;
    return inserted ? hr::S_OK : hr::ERROR_ALREADY_INITIALIZED;
}

void Agent::unsubscribe(std::uint64_t subscriber, NapNotifyType type) noexcept {
    std::lock_guard lock(impl_->mu);
    impl_->sinks.erase({subscriber, type});
}

std::optional<FileTime> Agent::Impl::next_due() const {
    std::optional<FileTime> due;
    auto consider = [&due](FileTime t) {
        if (!due || t < *due)
            due = t;
    };
    for (const auto& [id, t] : ec_retry_due)
        consider(t);
    for (const auto& [id, t] : ec_refresh_due) {
        if (ec_bindings.contains(id))
            consider(t);
    }
    for (const auto& [id, d] : sha_dyn) {
        if (d.polling)
            consider(d.next_poll);
    }
    for (const auto& [key, c] : conns) {
        if (!c.down && c.isolation && c.isolation->isolation_state == IsolationState::InProbation &&
            !c.probation_expired) {
            consider(c.isolation->prob_end_time);
        }
    }
    if (restored_system && restored_system->info.isolation_state == IsolationState::InProbation &&
        !restored_probation_expired) {
        consider(restored_system->info.prob_end_time);
    }
    return due;
}

std::optional<FileTime> Agent::run_pending() {
    struct EcCall {
        CallGuard guard;
        std::shared_ptr<EnforcementClientCallback> cb;
        EnforcementEntityId id;
    };
    std::vector<EcCall> notify;
    std::vector<EcCall> refresh;
    std::vector<BindingToken> refresh_tokens;
    std::vector<Pending::ShaCall> polls;
    ReportChanges report(*impl_);
    {
        std::lock_guard lock(impl_->mu);
        const FileTime now = impl_->clock->now();
        std::set<EnforcementEntityId> targets;
        for (auto it = impl_->ec_retry_due.begin(); it != impl_->ec_retry_due.end();) {
            if (it->second <= now) {
                targets.insert(it->first);
                it = impl_->ec_retry_due.erase(it);
            } else {
                ++it;
            }
        }
        // Probation expiry: the connection's next GetSoHRequest reports retriggerHint, and the
        // ECs are told to re-run the exchange (docs/agent.md).
        for (auto& [key, c] : impl_->conns) {
            if (!c.down && c.isolation &&
                c.isolation->isolation_state == IsolationState::InProbation &&
                !c.probation_expired && c.isolation->prob_end_time <= now) {
                c.probation_expired = true;
                impl_->soh_change_pending = true;
                OPENNAP_AGENT_LOG(info, "{}: probation ended at {}", tag(c),
                                  c.isolation->prob_end_time.to_string());
            }
        }
        // The same for the probation of a restored system state (docs/agent.md, "Restore").
        if (auto& r = impl_->restored_system;
            r && r->info.isolation_state == IsolationState::InProbation &&
            !impl_->restored_probation_expired && r->info.prob_end_time <= now) {
            impl_->restored_probation_expired = true;
            impl_->soh_change_pending = true;
            OPENNAP_AGENT_LOG(info, "restored system state: probation ended at {}",
                              r->info.prob_end_time.to_string());
        }
        if (impl_->soh_change_pending) {
            impl_->soh_change_pending = false;
            for (const auto& [id, b] : impl_->ec_bindings)
                targets.insert(id);
        }
        for (auto& [id, due] : impl_->ec_refresh_due) {
            auto it = impl_->ec_bindings.find(id);
            if (due > now || it == impl_->ec_bindings.end() || it->second.closing)
                continue;
            due = FileTime{now.ticks + ticks(impl_->config.connections_refresh_interval)};
            refresh.push_back(EcCall{CallGuard(*impl_, it->second), it->second.ec, id});
            refresh_tokens.push_back(it->second.token);
        }
        for (EnforcementEntityId id : targets) {
            auto it = impl_->ec_bindings.find(id);
            if (it == impl_->ec_bindings.end() || it->second.closing)
                continue;
            notify.push_back(EcCall{CallGuard(*impl_, it->second), it->second.ec, id});
        }
        for (auto& [id, d] : impl_->sha_dyn) {
            if (!d.polling || now < d.next_poll)
                continue;
            auto it = impl_->sha_bindings.find(id);
            if (it == impl_->sha_bindings.end() || it->second.closing) {
                d.polling = false;
                continue;
            }
            d.next_poll = FileTime{now.ticks + ticks(impl_->config.fixup_poll_interval)};
            polls.push_back(Pending::ShaCall{CallGuard(*impl_, it->second), it->second.sha, id});
        }
    }
    for (auto& call : notify) {
        const Status s = call.cb->notify_soh_change();
        call.guard.release();
        if (is_server_unavailable(s)) {
            Pending p;
            {
                std::lock_guard lock(impl_->mu);
                drop_ec_binding(*impl_, call.id, p);
            }
            deliver(*impl_, std::move(p));
        }
    }
    for (std::size_t i = 0; i < refresh.size(); ++i) {
        // GetConnections: the EC's connections that are up. Any other live connection of this
        // binding is taken down (the EC lost track of it, e.g. after a crash of its worker).
        auto listed = refresh[i].cb->get_connections();
        refresh[i].guard.release();
        Pending p;
        {
            std::lock_guard lock(impl_->mu);
            if (!listed) {
                if (is_server_unavailable(listed.error()))
                    drop_ec_binding(*impl_, refresh[i].id, p);
            } else {
                std::set<ConnectionKey> up;
                for (const auto& conn : *listed) {
                    if (conn && conn->owner().binding == refresh_tokens[i])
                        up.insert(conn->key());
                }
                for (auto& [key, conn] : impl_->conns) {
                    if (conn.owner == refresh_tokens[i] && !conn.down && !up.contains(key)) {
                        OPENNAP_AGENT_LOG(warn, "{}: EC {} no longer lists the connection as up",
                                          tag(conn), hex_id(refresh[i].id));
                        connection_down(*impl_, conn, p);
                    }
                }
            }
        }
        deliver(*impl_, std::move(p));
        // `listed` (and any last handle in it) is released here, without the lock.
    }
    for (auto& call : polls) {
        auto info = call.cb->get_fixup_info();
        call.guard.release();
        std::lock_guard lock(impl_->mu);
        auto d = impl_->sha_dyn.find(call.id);
        if (d == impl_->sha_dyn.end())
            continue;
        if (!info) {
            if (is_server_unavailable(info.error()))
                drop_sha_binding(*impl_, call.id);
            continue;
        }
        const bool was_in_progress = d->second.state.fixup_info.state == FixupState::InProgress;
        if (d->second.state.fixup_info != *info && impl_->shas.contains(call.id)) {
            d->second.state.fixup_info = *info;
            d->second.state.id = call.id;
            record(*impl_, ShaStateChanged{d->second.state});
        }
        d->second.state.fixup_info = *info;
        if (info->state != FixupState::InProgress) {
            d->second.polling = false;
            OPENNAP_AGENT_LOG(info, "SHA {} fix-up finished: {}", hex_id(call.id),
                              to_string(info->state));
            // A successful fix-up is a health change (nap-api.md §10.2 remark).
            if (was_in_progress && info->state == FixupState::Success) {
                impl_->soh_change_pending = true;
            }
        }
    }
    std::lock_guard lock(impl_->mu);
    if (impl_->soh_change_pending)
        return impl_->clock->now();
    return impl_->next_due();
}

}  // namespace opennap::agent
