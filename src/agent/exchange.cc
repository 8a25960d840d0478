// The SoH exchange of a connection: building the SSoH (Binding::GetSoHRequest, nap-api.md §13.3)
// and processing the SSoHR (Binding::ProcessSoHResponse, §13.4).
#include <new>

#include "agent_impl.h"
#include "opennap/agent/soh_response.h"
#include "opennap/soh/attributes.h"
#include "opennap/soh/message.h"

namespace opennap::agent {

namespace {

SoHPtr generated_soh(SystemHealthEntityId id, FailureCategory category, HResult error) {
    return std::make_shared<const SoH>(system_generated(id, category, error));
}

// Appends an SHA's SoH to an encoded message body as its SoHReportEntry (System-Health-ID TLV,
// then its attributes); the caller patches the message lengths.
void append_entry(std::vector<std::uint8_t>& out, const SoH& soh) {
    for (const SoHAttribute& a : soh.attributes)
        soh::append_tlv(out, a.type, a.value);
}

SoH from_entry(const soh::EntryView& e) {
    SoH soh;
    const auto id = soh::attr::make_system_health_id(e.id);
    soh.attributes.push_back({id.type, id.value});
    for (const soh::TlvView& t : e.attributes) {
        soh.attributes.push_back(
            {t.type, std::vector<std::uint8_t>(t.value.begin(), t.value.end())});
    }
    return soh;
}

struct ShaPlan {
    SystemHealthEntityId id = 0;
    std::string name;
    CallGuard guard;                          // only when bound
    std::shared_ptr<HealthAgentCallback> cb;  // only when bound
    SoHPtr cached;
    SoHPtr previous;  // this connection's last SoH from this SHA
    // results
    SoHPtr soh;
    bool generated = false;
    bool update_cache = false;
    bool drop = false;
    bool changed = true;
};

}  // namespace

SoH system_generated(SystemHealthEntityId id, FailureCategory category, HResult error) {
    SoH soh;
    const auto a = soh::attr::make_system_health_id(id);
    soh.attributes.push_back({a.type, a.value});
    const auto f = soh::attr::make_failure_category(static_cast<std::uint8_t>(category));
    soh.attributes.push_back({f.type, f.value});
    const std::uint32_t code = error.bits();
    const auto e = soh::attr::make_error_codes(std::span<const std::uint32_t>(&code, 1));
    soh.attributes.push_back({e.type, e.value});
    return soh;
}

soh::Message build_system_part(const Agent::Impl& im, const CorrelationId& corr,
                               const std::vector<SystemHealthEntityId>& generated) {
    soh::Message m;
    m.mode = soh::ModeSubHeader{};
    m.mode->correlation_id = corr.to_bytes();
    m.mode->intent = soh::kIntentRequest;
    auto& sys = m.system.items;
    sys.emplace_back(soh::PacketInfo{soh::kPacketInfoRequest});
    sys.emplace_back(im.config.machine.inventory);
    sys.emplace_back(soh::MachineName{im.config.machine.machine_name + std::string(1, '\0')});
    sys.emplace_back(soh::MsCorrelationId{corr.to_bytes()});
    const auto& st = im.system.info;
    std::string url = utf16_to_utf8(st.failure_url);
    url.push_back('\0');
    sys.emplace_back(soh::QuarantineState{
        soh::quarantine_flags::make(static_cast<std::uint8_t>(st.isolation_state),
                                    static_cast<std::uint8_t>(st.extended_isolation_state)),
        st.isolation_state == IsolationState::InProbation ? st.prob_end_time
                                                          : FileTime{FileTime::kNone},
        url});
    if (!generated.empty())
        sys.emplace_back(soh::SystemGeneratedIds{generated});
    sys.emplace_back(
        soh::MachineInventoryEx{soh::kInventoryExReserved, im.config.machine.product_type});
    return m;
}

Result<bool> Agent::get_soh_request(const Caller& c, ConnectionKey key) {
    auto& im = *impl_;
    ReportChanges report(im);
    Pending pending;
    std::vector<ShaPlan> plans;
    CorrelationId corr;
    CallGuard ec_guard;
    {
        std::lock_guard lock(im.mu);
        if (c.kind != Caller::Kind::EnforcementClient)
            return fail(hr::E_ACCESSDENIED);
        Binding* b = im.ec_binding(c);
        if (b == nullptr)
            return fail(hr::NAP_E_NOT_INITIALIZED);
        auto it = im.conns.find(key);
        if (it == im.conns.end() || it->second.down)
            return fail(hr::E_INVALIDARG);
        ConnState& conn = it->second;
        if (conn.owner != c.binding)
            return fail(hr::E_ACCESSDENIED);
        if (!conn.connection_id) {
            OPENNAP_AGENT_LOG(warn, "{}: GetSoHRequest before SetConnectionId (EC {})", tag(conn),
                              hex_id(c.id));
            return fail(hr::NAP_E_NOT_INITIALIZED);
        }
        ec_guard = CallGuard(im, *b);
        // The outstanding request (if any) is orphaned only once the new one is built: if it
        // cannot be (NAP_E_MAXSIZE_TOO_SMALL), the old one stays the connection's request.
        FileTime now = im.clock->now();
        if (now <= im.last_correlation)
            now = FileTime{im.last_correlation.ticks + 1};
        im.last_correlation = now;
        corr = CorrelationId{*conn.connection_id, now};
        for (const auto& [id, comp] : im.shas) {
            if (!comp.enabled)
                continue;
            ShaPlan plan;
            plan.id = id;
            plan.name = utf16_to_utf8(comp.info.friendly_name);
            if (auto d = im.sha_dyn.find(id); d != im.sha_dyn.end())
                plan.cached = d->second.cache;
            for (const auto& slot : conn.last_sohs) {
                if (slot.id == id)
                    plan.previous = slot.soh;
            }
            if (auto bi = im.sha_bindings.find(id);
                bi != im.sha_bindings.end() && !bi->second.closing) {
                plan.guard = CallGuard(im, bi->second);
                plan.cb = bi->second.sha;
            }
            plans.push_back(std::move(plan));
        }
    }
    deliver(im, std::move(pending));

    // Ask each SHA (no lock held: an SHA may call back in).
    for (ShaPlan& p : plans) {
        if (p.cb) {
            ShaRequest req(corr, p.cached, p.id);
            const Status s = p.cb->get_soh_request(req);
            if (is_server_unavailable(s)) {
                p.drop = true;
                p.soh = generated_soh(p.id, FailureCategory::ClientComponent,
                                      hr::NAP_E_NOT_INITIALIZED);
                p.generated = true;
            } else if (s.failed()) {
                p.soh = std::make_shared<const SoH>(
                    system_generated(p.id, FailureCategory::ClientComponent, s));
                p.generated = true;
            } else if (auto fresh = req.take_new_soh()) {
                p.update_cache = req.cache_flag();
                p.soh = std::make_shared<const SoH>(std::move(*fresh));
            } else if (p.cached) {
                p.soh = p.cached;
            } else {
                p.soh =
                    generated_soh(p.id, FailureCategory::ClientComponent, hr::NAP_E_NO_CACHED_SOH);
                p.generated = true;
            }
        } else if (p.cached) {
            p.soh = p.cached;  // unbound at boot: the cache is what it is for
        } else {
            p.soh =
                generated_soh(p.id, FailureCategory::ClientComponent, hr::NAP_E_NOT_INITIALIZED);
            p.generated = true;
        }
        if (p.previous == p.soh) {
            p.changed = false;  // the very same (cached) SoH
        } else if (p.previous) {
            bool equal = false;
            Result<bool> cmp = fail(hr::E_NOTIMPL);
            if (p.cb && !p.drop)
                cmp = p.cb->compare_soh_requests(*p.previous, *p.soh);
            if (!cmp && is_server_unavailable(cmp.error()))
                p.drop = true;  // as for every other callback: the SHA is gone
            equal = cmp ? *cmp : (*p.previous == *p.soh);
            p.changed = !equal;
        }
        p.guard.release();
    }

    std::unique_lock lock(im.mu);
    auto it = im.conns.find(key);
    if (it == im.conns.end() || it->second.down)
        return fail(hr::E_INVALIDARG);
    ConnState& conn = it->second;
    for (ShaPlan& p : plans) {
        if (p.drop)
            drop_sha_binding(im, p.id);
        if (p.update_cache && !p.drop && im.shas.contains(p.id)) {  // a dropped SHA stays flushed
            try {
                if (im.alloc_fails("cache"))
                    throw std::bad_alloc();
                SoHPtr& cache = im.sha_dyn[p.id].cache;
                // Only a new SoH is a change (an SHA re-setting the same one writes nothing).
                if (!cache || *cache != *p.soh)
                    record(im, ShaCacheChanged{p.id, p.soh});
                cache = p.soh;
            } catch (const std::bad_alloc&) {
                OPENNAP_AGENT_LOG(warn, "{}: SoH of SHA {} not cached: out of memory", tag(conn),
                                  hex_id(p.id));
            }
        }
    }
    std::vector<SystemHealthEntityId> generated;
    for (const ShaPlan& p : plans) {
        if (p.generated)
            generated.push_back(p.id);
    }
    soh::Message msg = build_system_part(im, corr, generated);
    auto base = soh::encode(msg);
    if (!base || base->size() > conn.max_size) {
        OPENNAP_AGENT_LOG(err,
                          "{}: SoH request could not be created: the connection's maximum size "
                          "{} is too small for the system SoH ({} bytes)",
                          tag(conn), conn.max_size, base ? base->size() : 0);
        return fail(hr::NAP_E_MAXSIZE_TOO_SMALL);
    }
    std::vector<std::uint8_t> bytes = std::move(*base);
    std::vector<ConnState::ShaSlot> sohs;
    sohs.reserve(plans.size());
    bool changed = conn.last_sohs.empty();
    std::string left_out;
    std::size_t entries = 0;
    for (ShaPlan& p : plans) {
        std::size_t n = 0;
        for (const SoHAttribute& a : p.soh->attributes)
            n += soh::kTlvHeaderSize + a.value.size();
        if (bytes.size() + n > conn.max_size || entries >= maxSystemHealthEntityCount) {
            left_out += (left_out.empty() ? "" : ", ") + p.name + " (" + hex_id(p.id) + ")";
            continue;
        }
        append_entry(bytes, *p.soh);
        ++entries;
        changed = changed || p.changed;
        sohs.push_back(ConnState::ShaSlot{p.id, p.cb && !p.drop, std::move(p.soh)});
    }
    if (!left_out.empty()) {
        OPENNAP_AGENT_LOG(warn,
                          "{}: SoH request could not include these system health agents "
                          "(maximum size {}): {}",
                          tag(conn), conn.max_size, left_out);
    }
    changed = changed || sohs.size() != conn.last_sohs.size();
    // Patch the outer and inner lengths for the appended entries (bytes.size() <= max_size
    // <= 0xFFFF, checked above).
    store_be16(bytes.data() + 2, static_cast<std::uint16_t>(bytes.size() - 4));
    store_be16(bytes.data() + 10,
               static_cast<std::uint16_t>(bytes.size() - soh::kMessageHeaderSize));

    Pending replaced;
    orphan_request(im, conn, replaced);
    const bool retrigger = changed || conn.probation_expired;
    conn.probation_expired = false;
    conn.correlation_id = corr;
    conn.request = NetworkSoH{std::move(bytes)};
    conn.response.reset();
    conn.flags = freshSoHRequest;
    conn.outstanding = true;
    conn.ever_requested = true;
    conn.last_sohs = std::move(sohs);
    OPENNAP_AGENT_LOG(info, "{}: SoH request built, {} bytes, {} SHA entries, retriggerHint {}",
                      tag(conn), conn.request->data.size(), entries, retrigger);
    lock.unlock();
    deliver(im, std::move(replaced));
    return retrigger;
}

Status Agent::process_soh_response(const Caller& c, ConnectionKey key) {
    auto& im = *impl_;
    ReportChanges report(im);
    Pending pending;
    struct Dispatch {
        SystemHealthEntityId id;
        CallGuard guard;
        std::shared_ptr<HealthAgentCallback> cb;
        SoH response;
        std::uint8_t flags;
    };
    std::vector<Dispatch> dispatch;
    CorrelationId corr;
    CallGuard ec_guard;
    {
        std::lock_guard lock(im.mu);
        if (c.kind != Caller::Kind::EnforcementClient)
            return hr::E_ACCESSDENIED;
        Binding* b = im.ec_binding(c);
        if (b == nullptr)
            return hr::NAP_E_NOT_INITIALIZED;
        if (b->connections_created == 0)
            return hr::E_INVALIDARG;
        auto it = im.conns.find(key);
        if (it == im.conns.end() || it->second.down)
            return hr::E_INVALIDARG;
        ConnState& conn = it->second;
        if (conn.owner != c.binding)
            return hr::E_ACCESSDENIED;
        if (!conn.response)
            return hr::E_INVALIDARG;  // SetSoHResponse first
        if (!conn.ever_requested || !conn.correlation_id)
            return hr::NAP_E_NOT_PENDING;
        ec_guard = CallGuard(im, *b);
        corr = *conn.correlation_id;
        const auto& bytes = conn.response->data;
        if (bytes.empty()) {
            // A zero-sized response is valid: the server did not evaluate health. The connection
            // stays unknown and the SHAs' requests are orphaned (docs/agent.md).
            OPENNAP_AGENT_LOG(info, "{}: empty SoH response: no health evaluation", tag(conn));
            orphan_request(im, conn, pending);
            set_isolation(im, conn, std::nullopt);
            conn.last_exchange = im.clock->now();
            recompute_system(im, pending);
        } else {
            auto view = soh::decode(bytes, {.expect = soh::Direction::Response});
            if (!view) {
                OPENNAP_AGENT_LOG(warn, "{}: invalid SoH response dropped: {}", tag(conn),
                                  view.error().message());
                return hr::NAP_E_INVALID_PACKET;
            }
            std::string why;
            auto decision = evaluate_soh_response(*view, corr, &why);
            if (!decision) {
                OPENNAP_AGENT_LOG(warn, "{}: {}", tag(conn), why);
                return decision.error();
            }
            const IsolationInfoEx& info = *decision->isolation;
            const bool fixup_allowed = decision->fixup_allowed;

            std::set<SystemHealthEntityId> answered;
            for (const soh::EntryView& e : view->entries) {
                answered.insert(e.id);
                if (!im.shas.contains(e.id)) {
                    OPENNAP_AGENT_LOG(info, "{}: response for SHA {} that is not installed ignored",
                                      tag(conn), hex_id(e.id));
                    continue;
                }
                auto& dyn = im.sha_dyn[e.id];
                bool changed = dyn.state.id != e.id;
                dyn.state.id = e.id;
                bool compliant = true;
                if (auto t = e.find(soh::tlv_type::kComplianceResultCodes)) {
                    // Compared in place: the same codes again (the usual case) allocate nothing.
                    auto& have = dyn.state.sha_result_codes;
                    std::size_t n = 0;
                    if (auto codes = soh::attr::compliance_result_codes(*t)) {
                        for (std::size_t i = 0; i < codes->size(); ++i, ++n) {
                            const HResult code(codes->u32(i));
                            if (code.failed())
                                compliant = false;
                            if (i < have.size() && have[i] == code)
                                continue;
                            changed = true;
                            if (i < have.size()) {
                                have[i] = code;
                            } else {
                                have.push_back(code);
                            }
                        }
                    }
                    if (have.size() != n) {
                        have.resize(n);
                        changed = true;
                    }
                }
                FailureCategory category = FailureCategory::None;
                if (auto t = e.find(soh::tlv_type::kFailureCategory)) {
                    if (auto fc = soh::attr::failure_category(*t)) {
                        category = static_cast<FailureCategory>(*fc);
                        if (*fc != 0)
                            compliant = false;
                    }
                }
                changed = changed || dyn.state.failure_category != category;
                dyn.state.failure_category = category;
                if (changed)
                    record(im, ShaStateChanged{dyn.state});
                auto bi = im.sha_bindings.find(e.id);
                if (bi == im.sha_bindings.end() || bi->second.closing)
                    continue;
                const std::uint8_t flags = (fixup_allowed && !compliant) ? shaFixup : 0;
                dispatch.push_back(Dispatch{e.id, CallGuard(im, bi->second), bi->second.sha,
                                            from_entry(e), flags});
            }
            // SHAs whose request got no response (no matching SHV) are told it was orphaned.
            for (auto& slot : conn.last_sohs) {
                if (answered.contains(slot.id))
                    slot.awaiting = false;
            }
            orphan_request(im, conn, pending);
            if (decision->installed_shvs)
                conn.installed_shvs = std::move(*decision->installed_shvs);
            set_isolation(im, conn, info);
            conn.probation_expired = false;
            conn.last_exchange = im.clock->now();
            OPENNAP_AGENT_LOG(info, "{}: SoH response processed: {}{}, {} SHA responses", tag(conn),
                              to_string(info.isolation_state),
                              info.isolation_state == IsolationState::InProbation
                                  ? " until " + info.prob_end_time.to_string()
                                  : std::string(),
                              dispatch.size());
            recompute_system(im, pending);
        }
        conn.outstanding = false;
        for (auto& slot : conn.last_sohs)
            slot.awaiting = false;
    }

    for (Dispatch& d : dispatch) {
        ShaRequest req(corr, nullptr, d.id);
        req.set_response(std::move(d.response), d.flags);
        const Status s = d.cb->process_soh_response(req);
        std::optional<Result<FixupInfo>> fix;
        if (!is_server_unavailable(s))
            fix = d.cb->get_fixup_info();
        d.guard.release();
        std::lock_guard lock(im.mu);
        apply_sha_outcome(im, d.id, s, fix);
    }
    deliver(im, std::move(pending));
    return hr::S_OK;
}

void apply_sha_outcome(Agent::Impl& im, SystemHealthEntityId id, Status s,
                       const std::optional<Result<FixupInfo>>& fix) {
    if (is_server_unavailable(s) || (fix && !*fix && is_server_unavailable(fix->error()))) {
        drop_sha_binding(im, id);
        return;
    }
    if (!im.shas.contains(id))
        return;  // unregistered meanwhile
    auto& dyn = im.sha_dyn[id];
    bool changed = false;
    if (s == hr::NAP_E_INVALID_PACKET) {
        changed = dyn.state.failure_category != FailureCategory::ClientComponent;
        dyn.state.failure_category = FailureCategory::ClientComponent;
        OPENNAP_AGENT_LOG(warn, "SHA {} rejected its SoH response as invalid", hex_id(id));
    }
    if (fix && *fix && dyn.state.fixup_info != **fix) {
        dyn.state.fixup_info = **fix;
        changed = true;
    }
    if (changed) {
        dyn.state.id = id;
        record(im, ShaStateChanged{dyn.state});
    }
    if (fix && *fix) {
        dyn.polling = (*fix)->state == FixupState::InProgress;
        dyn.next_poll = FileTime{im.clock->now().ticks + ticks(im.config.fixup_poll_interval)};
    }
}

void Agent::sha_response_outcome(const Caller& c, Status process_status,
                                 const Result<FixupInfo>& fixup) {
    auto& im = *impl_;
    Pending pending;
    {
        std::lock_guard lock(im.mu);
        if (c.kind != Caller::Kind::HealthAgent)
            return;
        auto bi = im.sha_bindings.find(c.id);
        if (bi == im.sha_bindings.end() || bi->second.token != c.binding)
            return;  // that binding is gone; a late answer changes nothing
        apply_sha_outcome(im, c.id, process_status, std::optional<Result<FixupInfo>>(fixup));
    }
    deliver(im, std::move(pending));
}

}  // namespace opennap::agent
