#include "opennap/agent/agent.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <new>

#include "agent_impl.h"
#include "opennap/soh/message.h"

namespace opennap::agent {

Agent::Agent(AgentConfig config, std::shared_ptr<const Clock> clock)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(clock))) {}
Agent::~Agent() = default;

const AgentConfig& Agent::config() const noexcept {
    return impl_->config;
}
const Clock& Agent::clock() const noexcept {
    return *impl_->clock;
}

void Agent::set_wake(std::function<void()> wake) {
    std::lock_guard lock(impl_->mu);
    impl_->wake = std::move(wake);
}

// ---- registry ----------------------------------------------------------------------------------

namespace {

Status register_component(Agent::Impl& im, std::map<NapComponentId, Component>& reg,
                          std::size_t max, const Caller& c,
                          const NapComponentRegistrationInfo& info, const char* what) {
    if (c.kind != Caller::Kind::Admin)
        return hr::E_ACCESSDENIED;
    if (!info.is_valid())
        return hr::E_INVALIDARG;
    ReportChanges report(im);
    std::lock_guard lock(im.mu);
    if (reg.contains(info.id)) {
        OPENNAP_AGENT_LOG(warn, "register {} {}: id already registered", what, hex_id(info.id));
        return hr::NAP_E_CONFLICTING_ID;
    }
    if (reg.size() >= max) {
        OPENNAP_AGENT_LOG(warn, "register {} {}: limit of {} reached", what, hex_id(info.id), max);
        return hr::E_OUTOFMEMORY;
    }
    try {
        if (im.alloc_fails("registry"))
            throw std::bad_alloc();
        Component comp{info, true};
        comp.info.registration_date = im.clock->now();
        const auto kind = &reg == &im.shas ? ComponentKind::Sha : ComponentKind::Ec;
        Change change = ComponentRegistered{kind, comp.info, true};
        reg.emplace(info.id, std::move(comp));
        if (kind == ComponentKind::Sha)
            im.sha_dyn.erase(info.id);  // nothing of an earlier SHA with this id
        record(im, std::move(change));
    } catch (const std::bad_alloc&) {
        return hr::E_OUTOFMEMORY;
    }
    OPENNAP_AGENT_LOG(info, "registered {} {} \"{}\"", what, hex_id(info.id),
                      utf16_to_utf8(info.friendly_name));
    return hr::S_OK;
}

Status unregister_component(Agent::Impl& im, std::map<NapComponentId, Component>& reg,
                            const std::map<NapComponentId, Binding>& bindings, const Caller& c,
                            NapComponentId id, const char* what) {
    if (c.kind != Caller::Kind::Admin)
        return hr::E_ACCESSDENIED;
    ReportChanges report(im);
    std::lock_guard lock(im.mu);
    if (!reg.contains(id))
        return hr::NAP_E_ID_NOT_FOUND;
    if (bindings.contains(id)) {
        OPENNAP_AGENT_LOG(warn, "unregister {} {}: still bound", what, hex_id(id));
        return hr::NAP_E_STILL_BOUND;
    }
    reg.erase(id);
    // One change: the store drops what it keeps for the component (an SHA's cache and state, an
    // EC's certificate subscription) with it, as the callers below do here.
    record(im,
           ComponentUnregistered{&reg == &im.shas ? ComponentKind::Sha : ComponentKind::Ec, id});
    OPENNAP_AGENT_LOG(info, "unregistered {} {}", what, hex_id(id));
    return hr::S_OK;
}

}  // namespace

Status Agent::register_sha(const Caller& c, const NapComponentRegistrationInfo& info) {
    return register_component(*impl_, impl_->shas, impl_->config.max_registered_shas, c, info,
                              "SHA");
}
Status Agent::register_ec(const Caller& c, const NapComponentRegistrationInfo& info) {
    return register_component(*impl_, impl_->ecs, impl_->config.max_registered_ecs, c, info, "EC");
}
Status Agent::unregister_sha(const Caller& c, SystemHealthEntityId id) {
    const Status s = unregister_component(*impl_, impl_->shas, impl_->sha_bindings, c, id, "SHA");
    if (s == hr::S_OK) {
        std::lock_guard lock(impl_->mu);
        impl_->sha_dyn.erase(id);
    }
    return s;
}
Status Agent::unregister_ec(const Caller& c, EnforcementEntityId id) {
    const Status s = unregister_component(*impl_, impl_->ecs, impl_->ec_bindings, c, id, "EC");
    if (s == hr::S_OK) {
        std::lock_guard lock(impl_->mu);
        impl_->cert_subscribers.erase(id);  // its relying-party subscription goes with it
    }
    return s;
}

Status Agent::set_sha_enabled(const Caller& c, SystemHealthEntityId id, bool enabled) {
    if (c.kind != Caller::Kind::Admin)
        return hr::E_ACCESSDENIED;
    ReportChanges report(*impl_);
    std::lock_guard lock(impl_->mu);
    auto it = impl_->shas.find(id);
    if (it == impl_->shas.end())
        return hr::NAP_E_ID_NOT_FOUND;
    if (it->second.enabled != enabled)
        record(*impl_, ComponentEnabled{ComponentKind::Sha, id, enabled});
    it->second.enabled = enabled;
    OPENNAP_AGENT_LOG(info, "SHA {} {}", hex_id(id), enabled ? "enabled" : "disabled");
    return hr::S_OK;
}
Status Agent::set_ec_enabled(const Caller& c, EnforcementEntityId id, bool enabled) {
    if (c.kind != Caller::Kind::Admin)
        return hr::E_ACCESSDENIED;
    ReportChanges report(*impl_);
    std::lock_guard lock(impl_->mu);
    auto it = impl_->ecs.find(id);
    if (it == impl_->ecs.end())
        return hr::NAP_E_ID_NOT_FOUND;
    if (it->second.enabled != enabled)
        record(*impl_, ComponentEnabled{ComponentKind::Ec, id, enabled});
    it->second.enabled = enabled;
    OPENNAP_AGENT_LOG(info, "EC {} {}", hex_id(id), enabled ? "enabled" : "disabled");
    return hr::S_OK;
}

namespace {
std::vector<NapComponentRegistrationInfo> infos(const std::map<NapComponentId, Component>& m) {
    std::vector<NapComponentRegistrationInfo> out;
    out.reserve(m.size());
    for (const auto& [id, comp] : m)
        out.push_back(comp.info);
    return out;
}
}  // namespace

Result<std::vector<NapComponentRegistrationInfo>> Agent::registered_shas() const {
    std::lock_guard lock(impl_->mu);
    return infos(impl_->shas);
}
Result<std::vector<NapComponentRegistrationInfo>> Agent::registered_ecs() const {
    std::lock_guard lock(impl_->mu);
    return infos(impl_->ecs);
}

NapClientInfo Agent::client_info() const {
    return NapClientInfo{true, u"OpenNAP agent", u"Network Access Protection agent for Linux",
                         u"1.0"};
}

SystemIsolation Agent::system_isolation() const {
    std::lock_guard lock(impl_->mu);
    return impl_->system;
}

std::vector<ShaStatus> Agent::sha_status() const {
    std::lock_guard lock(impl_->mu);
    std::vector<ShaStatus> out;
    for (const auto& [id, comp] : impl_->shas) {
        ShaStatus s{comp.info, comp.enabled, impl_->sha_bindings.contains(id), false, {}};
        s.state.id = id;
        if (auto d = impl_->sha_dyn.find(id); d != impl_->sha_dyn.end()) {
            s.has_cached_soh = d->second.cache != nullptr;
            s.state = d->second.state;
        }
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<EcStatus> Agent::ec_status() const {
    std::lock_guard lock(impl_->mu);
    std::vector<EcStatus> out;
    for (const auto& [id, comp] : impl_->ecs) {
        EcStatus s{comp.info, comp.enabled, impl_->ec_bindings.contains(id), {}};
        for (const auto& [key, conn] : impl_->conns) {
            if (conn.ec != id || conn.down)
                continue;
            s.connections.push_back(ConnectionStatus{key, conn.ec, conn.connection_id,
                                                     conn.correlation_id, conn.isolation,
                                                     conn.outstanding, conn.last_exchange});
        }
        std::sort(s.connections.begin(), s.connections.end(),
                  [](const auto& a, const auto& b) { return a.key < b.key; });
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace opennap::agent
