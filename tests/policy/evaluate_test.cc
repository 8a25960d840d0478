// evaluate(): per-SHV verdicts -> health policies -> the first matching network policy.
#include "opennap/policy/evaluate.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace {

using namespace opennap;
using namespace opennap::policy;
using Status = ShvVerdict::Status;

constexpr SystemHealthEntityId kWsha = 0x00013780;
constexpr SystemHealthEntityId kSample = 0x000137F0;

ServerConfig config(std::string_view text) {
    auto r = parse_config(text, "test.toml");
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().to_string());
    return r ? *r : ServerConfig{};
}

IpAddress ip(std::string_view s) {
    return IpAddress::parse(s).value();
}

// 2030-01-01T00:00:00Z
constexpr FileTime kNow{0x01E0F6C0A005C000ull};

RequestFacts with_soh() {
    RequestFacts f;
    f.soh_present = true;
    f.now = kNow;
    return f;
}

ShvVerdict ok(SystemHealthEntityId id) {
    return ShvVerdict::from_codes(id, {hr::S_OK});
}
ShvVerdict bad(SystemHealthEntityId id) {
    return ShvVerdict::from_codes(id, {HResult{0xC0FF0001u}});
}
// What the shipped configuration's Linux SHVs (0x007ED901, 0x007ED902) answer a Windows client,
// which sends no SoH for them.
ShvVerdict missing(SystemHealthEntityId id) {
    return ShvVerdict::from_codes(id, {hr::NAP_E_MISSING_SOH});
}
constexpr SystemHealthEntityId kLinuxSecurityCenter = 0x007ED901;
constexpr SystemHealthEntityId kLinuxSha = 0x007ED902;

ShvVerdict with_ext(ShvVerdict v, ExtendedIsolationState s) {
    v.extended = s;
    return v;
}

// Two SHVs; the sample SHV counts client-communication failures as compliant.
constexpr std::string_view kTwoShvs = R"(
[[radius.client]]
name = "campus"
address = "10.0.0.0/8"
secret = "s"
nas_type = "wireless"
[[radius.client]]
name = "vpn"
address = "192.0.2.0/24"
secret = "t"

[[shv]]
kind = "wsha"
[[shv]]
kind = "plugin"
id = 0x000137F0
plugin = "/x.so"
[shv.failure_category]
client_communication = "compliant"
server_component = "compliant"

[[remediation_server_group]]
name = "fix"
servers = ["10.9.0.1", "2001:db8::9"]
)";

std::string with_policies(std::string_view health, std::string_view network) {
    return std::string(kTwoShvs) + std::string(health) + std::string(network);
}

TEST(PolicyEvaluate, CompliantClientGetsFullAccess) {
    const ServerConfig c = default_config();
    const std::array verdicts{ok(kWsha), missing(kLinuxSecurityCenter), missing(kLinuxSha)};
    const Decision d = evaluate(c, with_soh(), verdicts);
    EXPECT_EQ(d.access, Access::full);
    EXPECT_EQ(d.network_policy, "compliant-full-access");
    EXPECT_EQ(d.health_policy, "compliant");
    EXPECT_EQ(d.isolation_state, IsolationState::NotRestricted);
    EXPECT_EQ(d.extended_state, ExtendedIsolationState::NoData);
    EXPECT_FALSE(d.probation_end.has_value());
    EXPECT_FALSE(d.fixup);
    EXPECT_TRUE(d.remediation_servers.empty());
    EXPECT_EQ(d.help_url, "");
    EXPECT_EQ(d.ms_quarantine_state(), 0u);
    EXPECT_FALSE(d.ms_quarantine_grace_time().has_value());
    ASSERT_EQ(d.shvs.size(), 3u);
    EXPECT_TRUE(d.shvs[0].pass);
    EXPECT_FALSE(d.shvs[1].pass);
    ASSERT_EQ(d.reasons.size(), 4u);
    EXPECT_EQ(d.reasons[0],
              "SHV 0x00013780 \"Windows Security Health Validator\": compliant (codes "
              "0x00000000) -> pass");
    EXPECT_EQ(d.reasons[3],
              "network policy \"compliant-full-access\" matched (health policy \"compliant\": "
              "passes-all): full access");
}

TEST(PolicyEvaluate, NoncompliantClientIsRestrictedWithRemediation) {
    const ServerConfig c = default_config();
    const std::array verdicts{bad(kWsha), missing(kLinuxSecurityCenter), missing(kLinuxSha)};
    const Decision d = evaluate(c, with_soh(), verdicts);
    EXPECT_EQ(d.access, Access::restricted);
    EXPECT_EQ(d.network_policy, "noncompliant-restricted");
    EXPECT_EQ(d.health_policy, "noncompliant");
    EXPECT_EQ(d.isolation_state, IsolationState::RestrictedAccess);
    EXPECT_EQ(d.extended_state, ExtendedIsolationState::NoData);
    EXPECT_TRUE(d.fixup);
    EXPECT_EQ(d.help_url, "http://127.0.0.1/nap-help");
    EXPECT_EQ(d.remediation_group, "demo-remediation");
    EXPECT_EQ(d.remediation_servers, (std::vector<IpAddress>{ip("127.0.0.1")}));
    EXPECT_EQ(d.ms_quarantine_state(), 1u);
    EXPECT_EQ(d.reasons.at(0),
              "SHV 0x00013780 \"Windows Security Health Validator\": non-compliant (codes "
              "0xC0FF0001) -> fail");
}

TEST(PolicyEvaluate, ShippedConfigJudgesLinuxClientsByTheirOwnShvs) {
    const ServerConfig c = default_config();
    // napsha's two SHAs compliant, no Windows SoH: full access through the Linux policy.
    const std::array ok_linux{missing(kWsha), ok(kLinuxSecurityCenter), ok(kLinuxSha)};
    Decision d = evaluate(c, with_soh(), ok_linux);
    EXPECT_EQ(d.access, Access::full);
    EXPECT_EQ(d.network_policy, "linux-compliant-full-access");
    // One of them non-compliant: restricted with the remediation servers.
    const std::array bad_linux{missing(kWsha), bad(kLinuxSecurityCenter), ok(kLinuxSha)};
    d = evaluate(c, with_soh(), bad_linux);
    EXPECT_EQ(d.access, Access::restricted);
    EXPECT_EQ(d.network_policy, "noncompliant-restricted");
}

TEST(PolicyEvaluate, ClientWithoutSohIsNotNapCapable) {
    const ServerConfig c = default_config();
    RequestFacts f;
    f.now = kNow;
    const Decision d = evaluate(c, f, {});
    EXPECT_EQ(d.access, Access::deny);
    EXPECT_EQ(d.network_policy, "not-nap-capable-denied");
    EXPECT_EQ(d.health_policy, "not-nap-capable");
    EXPECT_TRUE(d.remediation_servers.empty());
    EXPECT_FALSE(d.session_timeout.has_value());
    EXPECT_EQ(d.reasons.at(0), "no SoH: the client is not NAP-capable");
    EXPECT_EQ(d.ms_quarantine_state(), 0u);
}

TEST(PolicyEvaluate, NoMatchingPolicyDenies) {
    const ServerConfig c = config(kTwoShvs);
    const std::array verdicts{ok(kWsha), ok(kSample)};
    const Decision d = evaluate(c, with_soh(), verdicts);
    EXPECT_EQ(d.access, Access::deny);
    EXPECT_EQ(d.network_policy, "");
    EXPECT_EQ(d.health_policy, "");
    EXPECT_EQ(d.reasons.back(), "no network policy matched: denied (the default)");
    // An empty configuration denies everything too.
    EXPECT_EQ(evaluate(ServerConfig{}, with_soh(), {}).access, Access::deny);
}

TEST(PolicyEvaluate, MissingVerdictIsUnavailableAndMappedAsServerComponent) {
    const ServerConfig c = config(with_policies(R"(
[[health_policy]]
name = "down"
condition = "unavailable"
[[health_policy]]
name = "all-ok"
condition = "passes-all"
)",
                                                R"(
[[network_policy]]
name = "down"
health_policy = "down"
grant = "restricted"
[[network_policy]]
name = "ok"
health_policy = "all-ok"
grant = "full"
)"));
    // The sample SHV maps server-component failures to compliant, so with only it unavailable
    // every SHV passes -- but it is still unavailable, and that policy comes first.
    const std::array verdicts{ok(kWsha)};
    const Decision d = evaluate(c, with_soh(), verdicts);
    ASSERT_EQ(d.shvs.size(), 2u);
    EXPECT_TRUE(d.shvs[1].unavailable);
    EXPECT_TRUE(d.shvs[1].unknown);
    EXPECT_TRUE(d.shvs[1].pass);
    EXPECT_EQ(d.shvs[1].status, Status::Unavailable);
    EXPECT_EQ(d.network_policy, "down");
    EXPECT_EQ(d.extended_state, ExtendedIsolationState::Unknown);
    EXPECT_EQ(d.reasons.at(1),
              "SHV 0x000137F0 \"SHV 0x000137F0\": unavailable (counted as server-component: "
              "compliant) -> pass");
    // The WSHV's mapping is the default (non-compliant).
    const std::array other{ok(kSample)};
    const Decision d2 = evaluate(c, with_soh(), other);
    EXPECT_FALSE(d2.shvs[0].pass);
    EXPECT_EQ(d2.network_policy, "down");
}

TEST(PolicyEvaluate, FailureCategoriesGoThroughTheMapping) {
    const ServerConfig c = config(with_policies(R"(
[[health_policy]]
name = "all-ok"
condition = "passes-all"
)",
                                                R"(
[[network_policy]]
name = "ok"
health_policy = "all-ok"
grant = "full"
)"));
    // The sample SHV: client-communication -> compliant (and "transitional").
    const std::array v1{ok(kWsha),
                        ShvVerdict::failed(kSample, FailureCategory::ClientCommunication)};
    const Decision d1 = evaluate(c, with_soh(), v1);
    EXPECT_EQ(d1.access, Access::full);
    EXPECT_TRUE(d1.shvs[1].transitional);
    EXPECT_FALSE(d1.shvs[1].unknown);
    EXPECT_EQ(d1.reasons.at(1),
              "SHV 0x000137F0 \"SHV 0x000137F0\": failed (failure category client-communication, "
              "mapped to compliant) -> pass");
    // client-component -> non-compliant (the default), and "unknown".
    const std::array v2{ok(kWsha), ShvVerdict::failed(kSample, FailureCategory::ClientComponent)};
    const Decision d2 = evaluate(c, with_soh(), v2);
    EXPECT_EQ(d2.access, Access::deny);
    EXPECT_TRUE(d2.shvs[1].unknown);
    EXPECT_FALSE(d2.shvs[1].pass);
    // None -> compliant by default.
    const std::array v3{ShvVerdict::failed(kWsha, FailureCategory::None), ok(kSample)};
    const Decision d3 = evaluate(c, with_soh(), v3);
    EXPECT_EQ(d3.access, Access::full);
    EXPECT_FALSE(d3.shvs[0].unknown);
}

TEST(PolicyEvaluate, ExtendedStateConditions) {
    const ServerConfig c = config(with_policies(R"(
[[health_policy]]
name = "infected"
condition = "infected"
[[health_policy]]
name = "transitional"
condition = "transitional"
[[health_policy]]
name = "unknown"
condition = "unknown"
[[health_policy]]
name = "sick"
condition = "fails-one-or-more"
)",
                                                R"(
[[network_policy]]
name = "infected"
health_policy = "infected"
grant = "restricted"
[[network_policy]]
name = "transitional"
health_policy = "transitional"
grant = "probation"
probation_for = "1h"
[[network_policy]]
name = "unknown"
health_policy = "unknown"
grant = "restricted"
[[network_policy]]
name = "sick"
health_policy = "sick"
grant = "restricted"
)"));
    auto decide = [&](ShvVerdict a, ShvVerdict b) {
        const std::array v{std::move(a), std::move(b)};
        return evaluate(c, with_soh(), v);
    };
    Decision d = decide(with_ext(bad(kWsha), ExtendedIsolationState::Infected), ok(kSample));
    EXPECT_EQ(d.network_policy, "infected");
    EXPECT_EQ(d.extended_state, ExtendedIsolationState::Infected);
    EXPECT_NE(d.reasons.at(0).find(", extended state infected -> fail"), std::string::npos)
        << d.reasons.at(0);

    d = decide(ok(kWsha), with_ext(ok(kSample), ExtendedIsolationState::Transition));
    EXPECT_EQ(d.network_policy, "transitional");
    EXPECT_EQ(d.access, Access::probation);
    EXPECT_EQ(d.extended_state, ExtendedIsolationState::Transition);
    ASSERT_TRUE(d.probation_end.has_value());
    EXPECT_EQ(d.probation_end->ticks, kNow.ticks + 3600ull * 10'000'000ull);

    d = decide(ShvVerdict::failed(kWsha, FailureCategory::ClientCommunication), ok(kSample));
    EXPECT_EQ(d.network_policy, "transitional");

    d = decide(with_ext(ok(kWsha), ExtendedIsolationState::Unknown), ok(kSample));
    EXPECT_EQ(d.network_policy, "unknown");
    EXPECT_EQ(d.extended_state, ExtendedIsolationState::Unknown);

    d = decide(ShvVerdict::failed(kWsha, FailureCategory::ServerCommunication), ok(kSample));
    EXPECT_EQ(d.network_policy, "unknown");

    // Infected wins over transitional when deriving the extended state.
    d = decide(bad(kWsha), ok(kSample));
    EXPECT_EQ(d.network_policy, "sick");
    EXPECT_EQ(d.extended_state, ExtendedIsolationState::NoData);

    // Without an SoH none of these match.
    RequestFacts none;
    none.now = kNow;
    EXPECT_EQ(evaluate(c, none, {}).access, Access::deny);
}

// How two SHVs' pass/fail combine under each condition.
TEST(PolicyEvaluate, CombinationRules) {
    const ServerConfig c = config(with_policies(R"(
[[health_policy]]
name = "h"
condition = "passes-all"
)",
                                                R"(
[[network_policy]]
name = "n"
health_policy = "h"
grant = "full"
)"));
    struct Case {
        HealthCondition condition;
        Combine combine;
        bool pp, pf, ff;  // matches when both pass / one passes / both fail
    };
    const Case cases[] = {
        {HealthCondition::passes_all, Combine::default_, true, false, false},
        {HealthCondition::fails_one_or_more, Combine::default_, false, true, true},
        {HealthCondition::passes_one_or_more, Combine::default_, true, true, false},
        {HealthCondition::fails_all, Combine::default_, false, false, true},
        {HealthCondition::pass, Combine::default_, true, false, false},
        {HealthCondition::fail, Combine::default_, false, true, true},
        {HealthCondition::undecided, Combine::default_, false, false, false},
        {HealthCondition::pass, Combine::any, true, true, false},
        {HealthCondition::fail, Combine::any, false, false, true},
        {HealthCondition::undecided, Combine::any, false, false, false},
        {HealthCondition::pass, Combine::all, true, false, false},
        {HealthCondition::fail, Combine::all, false, false, true},
        {HealthCondition::undecided, Combine::all, false, true, false},
    };
    for (const Case& k : cases) {
        ServerConfig cc = c;
        cc.health_policies[0].condition = k.condition;
        cc.health_policies[0].combine = k.combine;
        const std::array pp{ok(kWsha), ok(kSample)};
        const std::array pf{ok(kWsha), bad(kSample)};
        const std::array fp{bad(kWsha), ok(kSample)};
        const std::array ff{bad(kWsha), bad(kSample)};
        const std::string what =
            std::string(to_string(k.condition)) + "/" + std::string(to_string(k.combine));
        EXPECT_EQ(evaluate(cc, with_soh(), pp).access == Access::full, k.pp) << what;
        EXPECT_EQ(evaluate(cc, with_soh(), pf).access == Access::full, k.pf) << what;
        EXPECT_EQ(evaluate(cc, with_soh(), fp).access == Access::full, k.pf) << what;
        EXPECT_EQ(evaluate(cc, with_soh(), ff).access == Access::full, k.ff) << what;
    }
}

TEST(PolicyEvaluate, HealthPolicyLooksOnlyAtItsShvs) {
    const ServerConfig c = config(with_policies(R"(
[[health_policy]]
name = "windows"
condition = "passes-all"
shvs = [0x00013780]
)",
                                                R"(
[[network_policy]]
name = "n"
health_policy = "windows"
grant = "full"
)"));
    const std::array v{ok(kWsha), bad(kSample)};
    EXPECT_EQ(evaluate(c, with_soh(), v).access, Access::full);
    const std::array w{bad(kWsha), ok(kSample)};
    EXPECT_EQ(evaluate(c, with_soh(), w).access, Access::deny);
}

TEST(PolicyEvaluate, WithoutShvsNothingIsDecided) {
    const ServerConfig c = config(R"(
[[health_policy]]
name = "all"
condition = "passes-all"
[[health_policy]]
name = "none"
condition = "fails-all"
[[health_policy]]
name = "open"
condition = "undecided"
combine = "all"
[[network_policy]]
name = "all"
health_policy = "all"
grant = "full"
[[network_policy]]
name = "none"
health_policy = "none"
grant = "full"
[[network_policy]]
name = "open"
health_policy = "open"
grant = "restricted"
)");
    const Decision d = evaluate(c, with_soh(), {});
    EXPECT_EQ(d.network_policy, "open");
    EXPECT_TRUE(d.shvs.empty());
}

TEST(PolicyEvaluate, VerdictsForUnconfiguredShvsAreIgnoredAndTheFirstOneCounts) {
    const ServerConfig c = default_config();
    const std::array v{ok(0x12345678), ok(kWsha), bad(kWsha), missing(kLinuxSecurityCenter),
                       missing(kLinuxSha)};
    const Decision d = evaluate(c, with_soh(), v);
    EXPECT_EQ(d.access, Access::full);
    EXPECT_EQ(d.shvs.size(), 3u);
}

TEST(PolicyEvaluate, RequestConditions) {
    const ServerConfig c = config(std::string(kTwoShvs) + R"(
[[network_policy]]
name = "wireless-lab"
nas_types = ["wireless"]
machine_names = ["lab-*.example.org"]
grant = "full"
vlan = 20
[[network_policy]]
name = "vpn-client"
radius_clients = ["vpn"]
grant = "restricted"
filter_id = "vpn-restricted"
[[network_policy]]
name = "nas-block"
nas_addresses = ["10.5.0.0/16", "2001:db8:5::/48"]
grant = "full"
session_timeout = 60
[[network_policy]]
name = "from-ten"
client_addresses = ["10.0.0.0/8"]
grant = "probation"
probation_for = "1d"
)");
    auto facts = [](std::string_view client, std::string_view machine = "",
                    std::optional<NasType> nas = std::nullopt,
                    std::optional<IpAddress> nas_ip = std::nullopt) {
        RequestFacts f = with_soh();
        f.client_address = ip(client);
        f.machine_name = machine;
        f.nas_type = nas;
        f.nas_address = nas_ip;
        return f;
    };
    auto policy = [&](const RequestFacts& f) { return evaluate(c, f, {}).network_policy; };
    // The campus client's nas_type hint is "wireless".
    EXPECT_EQ(policy(facts("10.1.1.1", "LAB-7.example.org")), "wireless-lab");
    const Decision lab = evaluate(c, facts("10.1.1.1", "lab-7.example.org"), {});
    EXPECT_EQ(lab.vlan, "20");
    EXPECT_EQ(lab.access, Access::full);
    // An explicit NAS type wins over the hint.
    EXPECT_EQ(policy(facts("10.1.1.1", "lab-7.example.org", NasType::Dhcp)), "from-ten");
    EXPECT_EQ(policy(facts("10.1.1.1", "kiosk.example.org")), "from-ten");
    EXPECT_EQ(policy(facts("10.1.1.1")), "from-ten");  // no machine name
    // The VPN client has no nas_type hint.
    EXPECT_EQ(policy(facts("192.0.2.9", "lab-1.example.org")), "vpn-client");
    EXPECT_EQ(evaluate(c, facts("192.0.2.9"), {}).filter_id, "vpn-restricted");
    EXPECT_EQ(policy(facts("::ffff:192.0.2.9")), "vpn-client");
    // Unknown client: only the address conditions can match.
    EXPECT_EQ(policy(facts("198.51.100.1", "", std::nullopt, ip("10.5.3.3"))), "nas-block");
    EXPECT_EQ(
        evaluate(c, facts("198.51.100.1", "", std::nullopt, ip("10.5.3.3")), {}).session_timeout,
        60u);
    EXPECT_EQ(policy(facts("198.51.100.1", "", std::nullopt, ip("2001:db8:5::1"))), "nas-block");
    EXPECT_EQ(policy(facts("198.51.100.1", "", std::nullopt, ip("10.6.0.1"))), "");
    EXPECT_EQ(policy(facts("198.51.100.1")), "");
    RequestFacts no_address = with_soh();
    EXPECT_EQ(policy(no_address), "");
}

TEST(PolicyEvaluate, ProbationAndItsEnd) {
    const ServerConfig c = config(std::string(kTwoShvs) + R"(
[[network_policy]]
name = "until"
nas_types = ["dhcp"]
grant = "probation"
probation_until = 2030-06-01T00:00:00Z
remediation_group = "fix"
help_url = "https://help.example.org/"
auto_remediation = true
extended_state = "transition"
[[network_policy]]
name = "for"
grant = "probation"
probation_for = "2h"
)");
    RequestFacts f = with_soh();
    f.nas_type = NasType::Dhcp;
    const Decision d = evaluate(c, f, {});
    EXPECT_EQ(d.access, Access::probation);
    EXPECT_EQ(d.isolation_state, IsolationState::InProbation);
    ASSERT_TRUE(d.probation_end.has_value());
    EXPECT_EQ(d.probation_end->to_string(), "2030-06-01T00:00:00.0000000Z");
    EXPECT_EQ(d.ms_quarantine_state(), 2u);
    EXPECT_EQ(d.ms_quarantine_grace_time(), 1906502400u);  // 2030-06-01 as Unix time
    EXPECT_EQ(d.extended_state, ExtendedIsolationState::Transition);
    EXPECT_TRUE(d.fixup);
    EXPECT_EQ(d.remediation_servers, (std::vector<IpAddress>{ip("10.9.0.1"), ip("2001:db8::9")}));
    EXPECT_EQ(d.reasons.back(),
              "network policy \"until\" matched: probation until 2030-06-01T00:00:00.0000000Z");

    // After the date the grace period is over: restricted, with the same remediation.
    f.now = FileTime{d.probation_end->ticks};
    const Decision late = evaluate(c, f, {});
    EXPECT_EQ(late.access, Access::restricted);
    EXPECT_EQ(late.isolation_state, IsolationState::RestrictedAccess);
    EXPECT_FALSE(late.probation_end.has_value());
    EXPECT_TRUE(late.fixup);
    EXPECT_EQ(late.remediation_group, "fix");
    EXPECT_EQ(late.reasons.back(),
              "network policy \"until\" matched; its probation ended at "
              "2030-06-01T00:00:00.0000000Z, so access is restricted: restricted access");

    RequestFacts g = with_soh();
    const Decision two_hours = evaluate(c, g, {});
    EXPECT_EQ(two_hours.network_policy, "for");
    EXPECT_EQ(two_hours.probation_end->ticks, kNow.ticks + 7200ull * 10'000'000ull);
    EXPECT_FALSE(two_hours.fixup);
    EXPECT_TRUE(two_hours.remediation_servers.empty());
}

TEST(PolicyEvaluate, GraceTimeEdges) {
    Decision d;
    d.access = Access::probation;
    d.probation_end = FileTime{0};
    EXPECT_EQ(d.ms_quarantine_grace_time(), 0u);
    d.probation_end = FileTime{FileTime::kNone};
    EXPECT_EQ(d.ms_quarantine_grace_time(), 0xFFFFFFFFu);
    d.access = Access::restricted;
    EXPECT_FALSE(d.ms_quarantine_grace_time().has_value());
    EXPECT_EQ(to_string(Access::probation), "probation");
    EXPECT_EQ(to_string(Access::deny), "denied");
}

TEST(PolicyEvaluate, ExtendedStateForFullAccessIsNoData) {
    const ServerConfig c = config(with_policies("",
                                                R"(
[[network_policy]]
name = "everyone"
grant = "full"
)"));
    const std::array v{with_ext(ok(kWsha), ExtendedIsolationState::Infected), ok(kSample)};
    const Decision d = evaluate(c, with_soh(), v);
    EXPECT_EQ(d.access, Access::full);
    EXPECT_EQ(d.extended_state, ExtendedIsolationState::NoData);
    EXPECT_EQ(d.health_policy, "");
}

TEST(PolicyEvaluate, ManyRequestsAreCheap) {
    // Not a benchmark (bench/ has none for this yet): a guard against accidental quadratic or
    // allocation-heavy work. 20 000 decisions through the demo policies.
    const ServerConfig c = default_config();
    const std::array v{bad(kWsha)};
    RequestFacts f = with_soh();
    f.client_address = ip("127.0.0.1");
    f.machine_name = "pc-1.example.org";
    std::size_t restricted = 0;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 20000; ++i) {
        restricted += evaluate(c, f, v).access == Access::restricted ? 1 : 0;
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(restricted, 20000u);
    EXPECT_LT(elapsed, std::chrono::seconds(5));
}

}  // namespace
