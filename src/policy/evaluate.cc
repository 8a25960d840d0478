// The policy decision (include/opennap/policy/evaluate.h; rules in docs/server-config.md).
#include "opennap/policy/evaluate.h"

#include <algorithm>
#include <cstdio>

namespace opennap::policy {

namespace {

enum class Combined : std::uint8_t { pass, fail, undecided };

struct Counts {
    unsigned total = 0;
    unsigned pass = 0;
    bool transitional = false;
    bool infected = false;
    bool unknown = false;
    bool unavailable = false;
};

Combined combine(const Counts& c, Combine rule) noexcept {
    if (c.total == 0) {
        return Combined::undecided;
    }
    const unsigned fail = c.total - c.pass;
    switch (rule) {
        case Combine::default_:
            return fail > 0 ? Combined::fail : Combined::pass;
        case Combine::any:
            return c.pass > 0 ? Combined::pass : Combined::fail;
        case Combine::all:
            if (fail == 0) {
                return Combined::pass;
            }
            return c.pass == 0 ? Combined::fail : Combined::undecided;
    }
    return Combined::undecided;
}

Counts count(const HealthPolicy& h, std::span<const ShvOutcome> outcomes) noexcept {
    Counts c;
    for (std::uint8_t i : h.shvs) {
        if (i >= outcomes.size()) {
            continue;
        }
        const ShvOutcome& o = outcomes[i];
        ++c.total;
        c.pass += o.pass ? 1u : 0u;
        c.transitional = c.transitional || o.transitional;
        c.infected = c.infected || o.infected;
        c.unknown = c.unknown || o.unknown;
        c.unavailable = c.unavailable || o.unavailable;
    }
    return c;
}

bool matches(const HealthPolicy& h, bool soh_present, std::span<const ShvOutcome> outcomes) {
    if (h.condition == HealthCondition::not_nap_capable) {
        return !soh_present;
    }
    if (!soh_present) {
        return false;
    }
    const Counts c = count(h, outcomes);
    switch (h.condition) {
        case HealthCondition::passes_all:
            return combine(c, Combine::default_) == Combined::pass;
        case HealthCondition::fails_one_or_more:
            return combine(c, Combine::default_) == Combined::fail;
        case HealthCondition::passes_one_or_more:
            return combine(c, Combine::any) == Combined::pass;
        case HealthCondition::fails_all:
            return combine(c, Combine::any) == Combined::fail;
        case HealthCondition::transitional:
            return c.transitional;
        case HealthCondition::infected:
            return c.infected;
        case HealthCondition::unknown:
            return c.unknown;
        case HealthCondition::unavailable:
            return c.unavailable;
        case HealthCondition::pass:
            return combine(c, h.combine) == Combined::pass;
        case HealthCondition::fail:
            return combine(c, h.combine) == Combined::fail;
        case HealthCondition::undecided:
            return combine(c, h.combine) == Combined::undecided;
        case HealthCondition::not_nap_capable:
            break;
    }
    return false;
}

template <typename T, typename F>
bool any_of(const std::vector<T>& v, F&& f) {
    return std::any_of(v.begin(), v.end(), std::forward<F>(f));
}

bool policy_matches(const ServerConfig& config, const NetworkPolicy& n, const RequestFacts& facts,
                    std::optional<NasType> nas_type, const RadiusClient* client,
                    std::span<const ShvOutcome> outcomes) {
    if (!n.nas_types.empty() && (!nas_type || std::find(n.nas_types.begin(), n.nas_types.end(),
                                                        *nas_type) == n.nas_types.end())) {
        return false;
    }
    if (!n.radius_clients.empty()) {
        if (client == nullptr) {
            return false;
        }
        const auto index = static_cast<std::uint32_t>(client - config.radius.clients.data());
        if (std::find(n.radius_clients.begin(), n.radius_clients.end(), index) ==
            n.radius_clients.end()) {
            return false;
        }
    }
    if (!n.client_addresses.empty() &&
        (!facts.client_address || !any_of(n.client_addresses, [&](const Prefix& p) {
            return p.contains(*facts.client_address);
        }))) {
        return false;
    }
    if (!n.nas_addresses.empty() &&
        (!facts.nas_address || !any_of(n.nas_addresses, [&](const Prefix& p) {
            return p.contains(*facts.nas_address);
        }))) {
        return false;
    }
    if (!n.machine_names.empty() &&
        (facts.machine_name.empty() ||
         !any_of(n.machine_names, [&](const Glob& g) { return g.match(facts.machine_name); }))) {
        return false;
    }
    if (n.health_policy != kNoIndex &&
        (n.health_policy >= config.health_policies.size() ||
         !matches(config.health_policies[n.health_policy], facts.soh_present, outcomes))) {
        return false;
    }
    return true;
}

// The reason lines are built by appending into one reserved string (this runs per request).
// "0x%08X" without snprintf (nine of these per request with a WSHA SoH).
void append_hex(std::string& out, std::uint32_t id) {
    constexpr char kHex[] = "0123456789ABCDEF";
    char buf[10] = {'0', 'x'};
    for (int i = 0; i < 8; ++i)
        buf[2 + i] = kHex[(id >> (28 - 4 * i)) & 0xF];
    out.append(buf, sizeof buf);
}

void append_quoted(std::string& out, std::string_view s) {
    out += '"';
    out += s;
    out += '"';
}

std::string describe(const ShvConfig& shv, const ShvVerdict* v, const ShvOutcome& o) {
    std::string out;
    out.reserve(96 + shv.name.size() + (v != nullptr ? 11 * v->compliance_codes.size() : 0));
    out += "SHV ";
    append_hex(out, shv.id);
    out += ' ';
    append_quoted(out, shv.name);
    out += ": ";
    out += to_string(o.status);
    if (v != nullptr && !v->compliance_codes.empty()) {
        out += " (codes";
        for (HResult c : v->compliance_codes) {
            out += ' ';
            append_hex(out, c.bits());
        }
        out += ')';
    }
    if (o.status == ShvVerdict::Status::Failed && v != nullptr && v->failure) {
        out += " (failure category ";
        out += to_string(*v->failure);
        out += ", mapped to ";
        out += o.pass ? "compliant" : "noncompliant";
        out += ')';
    } else if (o.status == ShvVerdict::Status::Unavailable) {
        out += " (counted as server-component: ";
        out += o.pass ? "compliant" : "noncompliant";
        out += ')';
    }
    if (v != nullptr && v->extended && *v->extended != ExtendedIsolationState::NoData) {
        out += ", extended state ";
        out += to_string(*v->extended);
    }
    out += o.pass ? " -> pass" : " -> fail";
    return out;
}

ExtendedIsolationState derived_extended(const ServerConfig& config, const NetworkPolicy& n,
                                        std::span<const ShvOutcome> outcomes) {
    Counts c;
    if (n.health_policy != kNoIndex && n.health_policy < config.health_policies.size()) {
        c = count(config.health_policies[n.health_policy], outcomes);
    } else {
        for (const ShvOutcome& o : outcomes) {
            c.transitional = c.transitional || o.transitional;
            c.infected = c.infected || o.infected;
            c.unknown = c.unknown || o.unknown;
        }
    }
    if (c.infected) {
        return ExtendedIsolationState::Infected;
    }
    if (c.transitional) {
        return ExtendedIsolationState::Transition;
    }
    if (c.unknown) {
        return ExtendedIsolationState::Unknown;
    }
    return ExtendedIsolationState::NoData;
}

}  // namespace

std::string_view to_string(Access a) noexcept {
    switch (a) {
        case Access::full:
            return "full access";
        case Access::probation:
            return "probation";
        case Access::restricted:
            return "restricted access";
        case Access::deny:
            return "denied";
    }
    return "invalid";
}

std::uint32_t Decision::ms_quarantine_state() const noexcept {
    switch (access) {
        case Access::restricted:
            return 1;
        case Access::probation:
            return 2;
        case Access::full:
        case Access::deny:
            break;
    }
    return 0;
}

std::optional<std::uint32_t> Decision::ms_quarantine_grace_time() const noexcept {
    if (access != Access::probation || !probation_end) {
        return std::nullopt;
    }
    constexpr std::uint64_t kTicksPerSecond = 10'000'000;
    const std::uint64_t epoch = static_cast<std::uint64_t>(FileTime::kEpochDeltaSeconds);
    const std::uint64_t secs = probation_end->ticks / kTicksPerSecond;
    if (secs <= epoch) {
        return 0u;
    }
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(secs - epoch, 0xFFFFFFFFu));
}

Decision evaluate(const ServerConfig& config, const RequestFacts& facts,
                  std::span<const ShvVerdict> verdicts) {
    Decision d;
    // Per-SHV outcomes (at most maxSystemHealthEntityCount SHVs are configured).
    std::array<ShvOutcome, maxSystemHealthEntityCount> outcomes{};
    std::array<const ShvVerdict*, maxSystemHealthEntityCount> given{};
    const std::size_t n_shvs = std::min<std::size_t>(config.shvs.size(), outcomes.size());
    for (std::size_t i = 0; i < n_shvs; ++i) {
        const ShvConfig& shv = config.shvs[i];
        const ShvVerdict* v = nullptr;
        for (const ShvVerdict& candidate : verdicts) {
            if (candidate.id == shv.id) {
                v = &candidate;
                break;
            }
        }
        given[i] = v;
        ShvOutcome& o = outcomes[i];
        o.id = shv.id;
        o.status = v == nullptr ? ShvVerdict::Status::Unavailable : v->status;
        const auto ext = v == nullptr ? std::nullopt : v->extended;
        switch (o.status) {
            case ShvVerdict::Status::Compliant:
                o.pass = true;
                break;
            case ShvVerdict::Status::NonCompliant:
                o.pass = false;
                break;
            case ShvVerdict::Status::Failed: {
                const FailureCategory fc = v->failure.value_or(FailureCategory::ServerComponent);
                o.pass = shv.compliant_for(fc);
                o.transitional = fc == FailureCategory::ClientCommunication;
                o.unknown =
                    fc != FailureCategory::ClientCommunication && fc != FailureCategory::None;
                break;
            }
            case ShvVerdict::Status::Unavailable:
                o.pass = shv.compliant_for(FailureCategory::ServerComponent);
                o.unavailable = true;
                o.unknown = true;
                break;
        }
        if (ext) {
            o.transitional = o.transitional || *ext == ExtendedIsolationState::Transition;
            o.infected = *ext == ExtendedIsolationState::Infected;
            o.unknown = o.unknown || *ext == ExtendedIsolationState::Unknown;
        }
    }
    const std::span<const ShvOutcome> outs(outcomes.data(), n_shvs);
    d.shvs.assign(outs.begin(), outs.end());
    if (facts.soh_present) {
        d.reasons.reserve(n_shvs + 2);
        for (std::size_t i = 0; i < n_shvs; ++i) {
            d.reasons.push_back(describe(config.shvs[i], given[i], outcomes[i]));
        }
    } else {
        d.reasons.emplace_back("no SoH: the client is not NAP-capable");
    }

    const RadiusClient* client =
        facts.client_address ? find_client(config, *facts.client_address) : nullptr;
    std::optional<NasType> nas_type = facts.nas_type;
    if (!nas_type && client != nullptr) {
        nas_type = client->nas_type;
    }

    const NetworkPolicy* match = nullptr;
    for (const NetworkPolicy& n : config.network_policies) {
        if (policy_matches(config, n, facts, nas_type, client, outs)) {
            match = &n;
            break;
        }
    }
    if (match == nullptr) {
        d.reasons.emplace_back("no network policy matched: denied (the default)");
        return d;
    }
    const NetworkPolicy& n = *match;
    d.network_policy = n.name;
    std::string why;
    why.reserve(160 + n.name.size());
    why += "network policy ";
    append_quoted(why, n.name);
    why += " matched";
    if (n.health_policy != kNoIndex && n.health_policy < config.health_policies.size()) {
        const HealthPolicy& h = config.health_policies[n.health_policy];
        d.health_policy = h.name;
        why += " (health policy ";
        append_quoted(why, h.name);
        why += ": ";
        why += to_string(h.condition);
        if (h.condition == HealthCondition::pass || h.condition == HealthCondition::fail ||
            h.condition == HealthCondition::undecided) {
            why += ", combine ";
            why += to_string(h.combine);
        }
        why += ')';
    }

    switch (n.grant) {
        case Grant::full:
            d.access = Access::full;
            d.isolation_state = IsolationState::NotRestricted;
            break;
        case Grant::probation:
            if (n.probation_for) {
                d.access = Access::probation;
                d.probation_end =
                    FileTime{facts.now.ticks +
                             static_cast<std::uint64_t>(n.probation_for->count()) * 10'000'000u};
            } else if (n.probation_until && *n.probation_until > facts.now) {
                d.access = Access::probation;
                d.probation_end = *n.probation_until;
            } else {
                d.access = Access::restricted;
                why += "; its probation ended at " +
                       (n.probation_until ? n.probation_until->to_string() : std::string("?")) +
                       ", so access is restricted";
            }
            d.isolation_state = d.access == Access::probation ? IsolationState::InProbation
                                                              : IsolationState::RestrictedAccess;
            break;
        case Grant::restricted:
            d.access = Access::restricted;
            d.isolation_state = IsolationState::RestrictedAccess;
            break;
        case Grant::deny:
            d.access = Access::deny;
            break;
    }
    why += ": ";
    why += to_string(d.access);
    if (d.probation_end) {
        why += " until " + d.probation_end->to_string();
    }
    d.reasons.push_back(std::move(why));
    if (d.access == Access::deny) {
        return d;
    }

    if (d.access != Access::full) {
        if (n.remediation_group != kNoIndex &&
            n.remediation_group < config.remediation_groups.size()) {
            const RemediationServerGroup& g = config.remediation_groups[n.remediation_group];
            d.remediation_group = g.name;
            d.remediation_servers.reserve(g.servers.size());
            for (const RemediationServer& s : g.servers) {
                d.remediation_servers.push_back(s.address);
            }
        }
        d.help_url = n.help_url;
        d.fixup = n.auto_remediation;
    }
    if (n.extended_state) {
        d.extended_state = *n.extended_state;
    } else if (d.access != Access::full && facts.soh_present) {
        d.extended_state = derived_extended(config, n, outs);
    }
    d.session_timeout = n.session_timeout;
    d.filter_id = n.filter_id;
    d.vlan = n.vlan;
    return d;
}

}  // namespace opennap::policy
