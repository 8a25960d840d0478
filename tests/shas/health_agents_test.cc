// napsha's state machine (shas/health_agents.h): SoHs from measurements, change detection, the
// answers of the real validators turned into decisions and hints, GetSoHRequest from the cache.
#include "opennap/shas/health_agents.h"

#include <gtest/gtest.h>

#include "opennap/agent/sha_request.h"
#include "opennap/core/endian.h"
#include "opennap/shvs/linux_shv.h"
#include "opennap/shvs/wshv.h"
#include "opennap/soh/linux_soh.h"
#include "opennap/soh/nap_soh.h"

namespace opennap::shas {
namespace {

constexpr std::uint32_t kSc = 0x007ED901;
constexpr std::uint32_t kLx = 0x007ED902;

checks::Report report(checks::Status firewall, checks::Status forwarding) {
    checks::Report r;
    r.measured = checks::kAllChecks;
    r.firewall = checks::make<checks::FirewallDetails>(firewall, "fw");
    r.firewall.details.product = "nftables";
    r.ip_forwarding = checks::make<checks::IpForwardingDetails>(forwarding, "fwd");
    r.ip_forwarding.details.ipv4 = forwarding != checks::Status::Pass;
    r.os_identity = checks::make<checks::OsIdentityDetails>(checks::Status::Pass, "os");
    r.os_identity.details.id = "debian";
    r.os_identity.details.version_id = "12";
    return r;
}

std::uint32_t id_of(const SoH& s) {
    return load_be32(s.attributes.at(0).value.data());
}

TEST(HealthAgents, ChangesAreDetectedPerShaAndTheCounterGoesUp) {
    HealthAgents a({kSc, kLx, "1.0", {}}, nullptr, nullptr);
    EXPECT_EQ(a.update(report(checks::Status::Fail, checks::Status::Pass)),
              std::make_pair(true, true));
    EXPECT_EQ(id_of(a.soh(Which::SecurityCenter)), kSc);
    EXPECT_EQ(id_of(a.soh(Which::Linux)), kLx);
    // The same state measured again (timings differ): nothing changed.
    auto same = report(checks::Status::Fail, checks::Status::Pass);
    same.firewall.elapsed = std::chrono::microseconds(999);
    EXPECT_EQ(a.update(same), std::make_pair(false, false));
    // The firewall comes up: only the security-center SoH changes.
    const SoH before = a.soh(Which::SecurityCenter);
    EXPECT_EQ(a.update(report(checks::Status::Pass, checks::Status::Pass)),
              std::make_pair(true, false));
    EXPECT_NE(a.soh(Which::SecurityCenter), before);
    // Forwarding on: only the Linux SoH.
    EXPECT_EQ(a.update(report(checks::Status::Pass, checks::Status::Fail)),
              std::make_pair(false, true));
    auto linux_soh = soh::linux_sha::decode_soh(soh::to_entry(a.soh(Which::Linux)));
    ASSERT_TRUE(linux_soh);
    EXPECT_EQ(linux_soh->find(soh::linux_sha::Check::IpForwarding)->ipv4_forwarding,
              soh::linux_sha::State::On);
}

TEST(HealthAgents, GetSoHRequestAnswersFromTheCache) {
    HealthAgents a({kSc, kLx, "1.0", {}}, nullptr, nullptr);
    (void)a.update(report(checks::Status::Pass, checks::Status::Pass));
    agent::ShaRequest req(CorrelationId{}, nullptr, kLx);
    EXPECT_EQ(a.callback(Which::Linux)->get_soh_request(req), hr::S_OK);
    auto s = req.soh_request();
    ASSERT_TRUE(s);
    EXPECT_EQ(*s, a.soh(Which::Linux));
    // The Linux SHA has no fix-ups: Success.
    auto f = a.callback(Which::Linux)->get_fixup_info();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->state, FixupState::Success);
}

TEST(HealthAgents, TheValidatorsAnswersBecomeDecisionsAndHints) {
    std::vector<std::string> log;
    HealthAgents a({kSc, kLx, "1.0", {}}, nullptr,
                   [&](LogLevel, const std::string& m) { log.push_back(m); });
    (void)a.update(report(checks::Status::Fail, checks::Status::Fail));
    // The Linux SHV on our Linux SoH.
    const auto lr = shvs::linux_shv::validate(shvs::linux_shv::Settings{},
                                              soh::to_entry(a.soh(Which::Linux)), kLx);
    EXPECT_EQ(a.process_response(Which::Linux, soh::to_soh(lr.response), shaFixup), hr::S_OK);
    Decision d = a.decision(Which::Linux);
    EXPECT_TRUE(d.received);
    EXPECT_FALSE(d.compliant);
    bool forwarding_hint = false;
    for (const auto& h : d.hints)
        forwarding_hint = forwarding_hint || h.starts_with("ip-forwarding: turn IPv4 forwarding");
    EXPECT_TRUE(forwarding_hint);
    // The WSHV on our security-center SoH (read as the WSHA's).
    soh::ReportEntry e = soh::to_entry(a.soh(Which::SecurityCenter));
    e.id = soh::wsha::kSystemHealthId;
    auto wr = shvs::wshv::validate(shvs::wshv::Settings{}, e);
    wr.response.id = kSc;
    EXPECT_EQ(a.process_response(Which::SecurityCenter, soh::to_soh(wr.response), 0), hr::S_OK);
    d = a.decision(Which::SecurityCenter);
    EXPECT_FALSE(d.compliant);
    ASSERT_FALSE(d.hints.empty());
    EXPECT_TRUE(d.hints[0].starts_with("firewall: ")) << d.hints[0];
    // What to do on Linux, not on Windows.
    EXPECT_NE(d.hints[0].find("input chain drops by default"), std::string::npos) << d.hints[0];
    EXPECT_EQ(a.responses(Which::SecurityCenter), 1u);
    ASSERT_FALSE(log.empty());
    EXPECT_NE(log[0].find("decision: non-compliant"), std::string::npos) << log[0];
    // A response that is not ours.
    SoH junk;
    junk.attributes.push_back({2, {0x00, 0x7E, 0xD9, 0x02}});
    junk.attributes.push_back({7, {0x00}});
    EXPECT_EQ(a.process_response(Which::Linux, junk, 0), hr::NAP_E_INVALID_PACKET);
    EXPECT_TRUE(a.decision(Which::Linux).summary.starts_with("invalid response"));
}

}  // namespace
}  // namespace opennap::shas
