#include "opennap/serverd/pipeline.h"

#include <algorithm>

#include "opennap/policy/sohr.h"
#include "opennap/radius/authorization.h"
#include "opennap/radius/dictionary.h"
#include "opennap/radius/tunnel.h"
#include "opennap/serverd/validators.h"
#include "opennap/soh/message.h"
#include "opennap/soh/nap_soh.h"

namespace opennap::serverd {

NapRequest read_nap_request(const radius::PacketView& request) {
    NapRequest r;
    auto q = radius::quarantine_soh(request);
    if (!q) {
        r.problem = "MS-Quarantine-SoH: " + q.error().message();
    } else if (*q) {
        auto view = soh::decode((*q)->message, {.expect = soh::Direction::Request});
        if (!view) {
            r.problem = "the SoH in MS-Quarantine-SoH: " + view.error().message();
        } else {
            r.input = server::ValidationInput::from(*view);
            r.echo = policy::SohrEcho::from(*view);
            r.soh = std::move((*q)->message);
            r.wrapping = (*q)->wrapping;
        }
    }
    if (!r.soh)
        r.input = server::ValidationInput::without_soh(CorrelationId{});
    if (auto n = radius::network_access_server_type(request); n && *n)
        r.nas_type = static_cast<policy::NasType>(static_cast<std::uint32_t>(**n));
    if (auto m = radius::machine_name(request); m && *m)
        r.machine_name = std::string(**m);
    else if (!r.input.machine_name.empty())
        r.machine_name = utf16_to_utf8(r.input.machine_name);
    if (auto a = request.find(radius::Attr::NasIpAddress); a && a->value.size() == 4) {
        r.nas_address = policy::IpAddress::v4(a->value[0], a->value[1], a->value[2], a->value[3]);
    } else if (auto a6 = request.find(radius::Attr::NasIpv6Address); a6 && a6->value.size() == 16) {
        std::array<std::uint8_t, 16> b{};
        std::copy(a6->value.begin(), a6->value.end(), b.begin());
        r.nas_address = policy::IpAddress::v6(b);
    }
    if (auto c = radius::ras_correlation_id(request); c && *c)
        r.connection_id = (*c)->guid;
    return r;
}

namespace {

// `entry(i)`: outcome i's response as a report entry.
template <typename EntryOf>
std::vector<policy::ShvVerdict> verdicts(const policy::ServerConfig& config,
                                         const server::ValidationResult& result, EntryOf&& entry) {
    std::vector<policy::ShvVerdict> out;
    out.reserve(config.shvs.size());
    for (const auto& shv : config.shvs) {
        const auto it = std::find_if(result.outcomes.begin(), result.outcomes.end(),
                                     [&](const server::ShvOutcome& o) { return o.id == shv.id; });
        if (it == result.outcomes.end()) {
            out.push_back(policy::ShvVerdict::unavailable(shv.id));
            continue;
        }
        switch (it->kind) {
            case server::OutcomeKind::Responded:
                out.push_back(policy::ShvVerdict::from_response(
                    entry(static_cast<std::size_t>(it - result.outcomes.begin()))));
                break;
            case server::OutcomeKind::InvalidResponse:
            case server::OutcomeKind::Failed:
                out.push_back(policy::ShvVerdict::failed(shv.id, FailureCategory::ServerComponent));
                break;
            case server::OutcomeKind::TimedOut:
            case server::OutcomeKind::Unavailable:
            case server::OutcomeKind::Discarded:
                out.push_back(policy::ShvVerdict::unavailable(shv.id));
                break;
        }
        out.back().id = shv.id;
    }
    return out;
}

// The SoHR for a decision, without its SHV entries (nullopt: none is sent).
std::optional<soh::Message> sohr_message(const policy::ServerConfig& config,
                                         const policy::Decision& decision,
                                         const NapRequest& request) {
    if (!request.soh || !request.echo)
        return std::nullopt;
    std::vector<SystemHealthEntityId> installed;
    installed.reserve(config.shvs.size());
    for (const auto& s : config.shvs)
        installed.push_back(s.id);
    auto content = policy::SohrContent::from(decision, installed);
    if (!content)
        return std::nullopt;
    // policy::build_sohr(*content, *echo, entries) is this message with the entries appended:
    // the callers move them in rather than copy them.
    return policy::make_sohr(*content, *request.echo, {});
}

std::optional<std::vector<std::uint8_t>> encoded(const soh::Message& m) {
    auto bytes = soh::encode(m, maxNetworkSoHSize);
    if (!bytes)
        return std::nullopt;
    return std::move(*bytes);
}

// Each SHA that sent an SoH gets its SHV's answer (or the host's, when it had none). Only a
// discarded SHV has no response (outcome.h); the response itself is not read, as take_entries()
// may have moved it out.
bool answers_in_sohr(const server::ShvOutcome& o) {
    return o.soh_present && o.kind != server::OutcomeKind::Discarded;
}

}  // namespace

std::vector<policy::ShvVerdict> verdicts_of(const policy::ServerConfig& config,
                                            const server::ValidationResult& result) {
    return verdicts(config, result,
                    [&](std::size_t i) { return soh::to_entry(result.outcomes[i].response); });
}

std::vector<soh::ReportEntry> entries_of(const server::ValidationResult& result) {
    std::vector<soh::ReportEntry> out;
    out.reserve(result.outcomes.size());
    for (const auto& o : result.outcomes)
        out.push_back(soh::to_entry(o.response));
    return out;
}

std::vector<soh::ReportEntry> take_entries(server::ValidationResult& result) {
    std::vector<soh::ReportEntry> out;
    out.reserve(result.outcomes.size());
    for (auto& o : result.outcomes)
        out.push_back(soh::to_entry(std::move(o.response)));
    return out;
}

std::vector<policy::ShvVerdict> verdicts_of(const policy::ServerConfig& config,
                                            const server::ValidationResult& result,
                                            std::span<const soh::ReportEntry> entries) {
    return verdicts(config, result,
                    [&](std::size_t i) -> const soh::ReportEntry& { return entries[i]; });
}

std::optional<std::vector<std::uint8_t>> sohr_for(const policy::ServerConfig& config,
                                                  const policy::Decision& decision,
                                                  const NapRequest& request,
                                                  const server::ValidationResult* result) {
    auto m = sohr_message(config, decision, request);
    if (!m)
        return std::nullopt;
    if (result != nullptr) {
        m->entries.reserve(result->outcomes.size());
        for (const auto& o : result->outcomes) {
            if (answers_in_sohr(o))
                m->entries.push_back(soh::to_entry(o.response));
        }
    }
    return encoded(*m);
}

std::optional<std::vector<std::uint8_t>> sohr_for(const policy::ServerConfig& config,
                                                  const policy::Decision& decision,
                                                  const NapRequest& request,
                                                  const server::ValidationResult& result,
                                                  std::vector<soh::ReportEntry>&& entries) {
    auto m = sohr_message(config, decision, request);
    if (!m)
        return std::nullopt;
    m->entries.reserve(result.outcomes.size());
    for (std::size_t i = 0; i < result.outcomes.size() && i < entries.size(); ++i) {
        if (answers_in_sohr(result.outcomes[i]))
            m->entries.push_back(std::move(entries[i]));
    }
    return encoded(*m);
}

radius::Result<std::vector<std::uint8_t>> build_answer(
    const radius::PacketView& request, const policy::Decision& d,
    const std::optional<std::vector<std::uint8_t>>& sohr, radius::Wrapping wrapping,
    bool message_authenticator, radius::SharedSecret& secret) {
    const bool deny = d.access == policy::Access::deny;
    radius::PacketBuilder b(deny ? radius::Code::AccessReject : radius::Code::AccessAccept,
                            request.identifier());
    if (message_authenticator)
        b.add_message_authenticator();
    if (!deny) {
        radius::add_quarantine_state(b,
                                     static_cast<radius::QuarantineState>(d.ms_quarantine_state()));
        if (d.extended_state != ExtendedIsolationState::NoData)
            radius::add_extended_quarantine_state(
                b, static_cast<radius::ExtendedQuarantineState>(d.extended_state));
        if (auto g = d.ms_quarantine_grace_time())
            radius::add_quarantine_grace_time(b,
                                              std::chrono::sys_seconds(std::chrono::seconds(*g)));
        std::vector<radius::Ipv4Address> v4;
        std::vector<radius::Ipv6Address> v6;
        for (const auto& ip : d.remediation_servers) {
            if (ip.is_v4()) {
                v4.push_back({ip.bytes[0], ip.bytes[1], ip.bytes[2], ip.bytes[3]});
            } else {
                radius::Ipv6Address a{};
                std::copy(ip.bytes.begin(), ip.bytes.end(), a.begin());
                v6.push_back(a);
            }
        }
        radius::add_ipv4_remediation_servers(b, v4);
        radius::add_ipv6_remediation_servers(b, v6);
        if (sohr)
            radius::add_quarantine_soh(b, *sohr, wrapping);
        if (d.session_timeout)
            radius::add_session_timeout(b, std::chrono::seconds(*d.session_timeout));
        if (!d.filter_id.empty())
            radius::add_filter_id(b, d.filter_id);
        if (!d.vlan.empty())
            radius::add_vlan(b, std::string_view(d.vlan));
    }
    // RFC 2865 §5.33: a proxy needs every Proxy-State of its request back, unmodified and in
    // order, in the answer (Accept and Reject alike).
    for (const auto& a : request.attributes()) {
        if (a.type == radius::Attr::ProxyState)
            b.add(radius::Attr::ProxyState, a.value);
    }
    if (auto s = radius::sign_response(b, request, secret); !s)
        return std::unexpected(s.error());
    return b.take();
}

radius::Result<std::vector<std::uint8_t>> build_status_answer(const radius::PacketView& request,
                                                              radius::SharedSecret& secret) {
    radius::PacketBuilder b(radius::Code::AccessAccept, request.identifier());
    b.add_message_authenticator();
    b.add(radius::Attr::ReplyMessage, "OpenNAP napserver");
    if (auto s = radius::sign_response(b, request, secret); !s)
        return std::unexpected(s.error());
    return b.take();
}

void fill_record(store::DecisionRecord& r, const RecordContext& ctx, const NapRequest& request,
                 const policy::Decision& d, const server::ValidationResult* result) {
    // Every field is assigned, so that nothing of the record it held before stays.
    r.id = 0;
    r.time =
        std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
    r.instance = ctx.instance;
    r.client_address = ctx.client_address.to_string();
    if (ctx.client != nullptr)
        r.client_name = ctx.client->name;
    else
        r.client_name.clear();
    r.nas_type.reset();
    if (request.nas_type)
        r.nas_type = static_cast<std::uint32_t>(*request.nas_type);
    r.machine_name = request.machine_name;
    r.connection_id = request.connection_id;
    r.correlation_id.reset();
    if (request.soh)
        r.correlation_id = request.input.correlation_id;
    r.shvs.resize(d.shvs.size());
    for (std::size_t k = 0; k < d.shvs.size(); ++k) {
        const auto& o = d.shvs[k];
        store::ShvResult& s = r.shvs[k];
        s.id = o.id;
        s.passed = o.pass;
        switch (o.status) {
            case policy::ShvVerdict::Status::Compliant:
                s.status = store::ShvStatus::Compliant;
                break;
            case policy::ShvVerdict::Status::NonCompliant:
                s.status = store::ShvStatus::NonCompliant;
                break;
            case policy::ShvVerdict::Status::Failed:
                s.status = store::ShvStatus::Failed;
                break;
            case policy::ShvVerdict::Status::Unavailable:
                s.status = store::ShvStatus::Unavailable;
                break;
        }
        s.compliance_codes.clear();
        s.failure_category.reset();
        s.latency_us = 0;
        if (result != nullptr) {
            for (const auto& h : result->outcomes) {
                if (h.id != o.id)
                    continue;
                s.compliance_codes = h.compliance_codes;
                s.failure_category = h.failure_category;
                s.latency_us = static_cast<std::uint32_t>(
                    std::chrono::duration_cast<std::chrono::microseconds>(h.elapsed).count());
            }
        }
    }
    r.health_policy = d.health_policy;
    r.network_policy = d.network_policy;
    r.probation_end.reset();
    switch (d.access) {
        case policy::Access::full:
            r.outcome = store::Outcome::Full;
            break;
        case policy::Access::probation:
            r.outcome = store::Outcome::Probation;
            if (d.probation_end)
                r.probation_end = store::to_timestamp(*d.probation_end);
            break;
        case policy::Access::restricted:
            r.outcome = store::Outcome::Restricted;
            break;
        case policy::Access::deny:
            r.outcome = store::Outcome::Deny;
            break;
    }
    r.extended_state = d.extended_state;
    r.remediation_group = d.remediation_group;
    r.url = d.help_url;
    const std::size_t first = request.problem.empty() ? 0 : 1;
    r.reasons.resize(first + d.reasons.size());
    if (first != 0)
        r.reasons[0] = request.problem;
    for (std::size_t k = 0; k < d.reasons.size(); ++k)
        r.reasons[first + k] = d.reasons[k];
    r.latency_us = static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(ctx.latency).count());
}

store::DecisionRecord record_of(const RecordContext& ctx, const NapRequest& request,
                                const policy::Decision& d, const server::ValidationResult* result) {
    store::DecisionRecord r;
    fill_record(r, ctx, request, d, result);
    return r;
}

}  // namespace opennap::serverd
