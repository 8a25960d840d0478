// napserver's built-in SHVs as the host instantiates them (serverd/validators.h): the WSHV under
// OpenNAP's security-center id and the Linux SHV, each validating an entry reported under its id.
#include "opennap/serverd/validators.h"

#include <gtest/gtest.h>

#include "opennap/policy/config.h"
#include "opennap/policy/verdict.h"
#include "opennap/server/validation_request.h"
#include "opennap/soh/linux_soh.h"
#include "opennap/soh/nap_soh.h"
#include "opennap/soh/wsha.h"

namespace opennap::serverd {
namespace {

soh::linux_sha::CheckReport rep(soh::linux_sha::Check c, soh::linux_sha::Status s) {
    soh::linux_sha::CheckReport r;
    r.check = c;
    r.status = s;
    return r;
}

using namespace soh::wsha;

std::shared_ptr<server::SystemHealthValidator> make(const std::string& toml,
                                                    const policy::ShvConfig** out,
                                                    policy::ServerConfig& cfg) {
    auto c = policy::parse_config(toml, "server.toml");
    EXPECT_TRUE(c) << (c ? "" : c.error().to_string());
    cfg = *c;
    *out = &cfg.shvs.at(0);
    auto r = registration_for(cfg.shvs.at(0));
    EXPECT_TRUE(r) << (r ? "" : r.error());
    auto v = r->factory();
    EXPECT_TRUE(v);
    return *v;
}

SoH answer(server::SystemHealthValidator& v, std::uint32_t shv_id,
           const std::optional<soh::ReportEntry>& entry) {
    server::ValidationRequest::Params p;
    p.shv_id = shv_id;
    if (entry)
        p.soh = std::make_shared<const SoH>(soh::to_soh(*entry));
    auto req = std::make_shared<server::ValidationRequest>(std::move(p));
    EXPECT_EQ(v.validate(req, std::chrono::milliseconds(2000), nullptr), hr::S_OK);
    auto r = req->soh_response();
    EXPECT_TRUE(r);
    return r ? *r : SoH{};
}

// A healthy entry as OpenNAP's security-center SHA sends it (checks/wsha_map.h).
soh::ReportEntry healthy_wsha(std::uint32_t id) {
    SohEntry e;
    e.counter = 1;
    e.client_version = client_version::kWindowsVistaSp1;
    e.classes = {
        {HealthClass::Firewall, {Product{std::u16string(u"nftables"), 0x1}}},
        {HealthClass::Antivirus, {Product{std::u16string(u"ClamAV"), 0x3}}},
        {HealthClass::Antispyware, {Product{std::u16string(u"ClamAV"), 0x3}}},
        {HealthClass::AutomaticUpdates, {Product{std::nullopt, 4}}},  // install
        {HealthClass::SecurityUpdates, {Product{std::nullopt, status::kNoMissingUpdates}}},
    };
    e.updates = UpdateDetails{3600, "", updates_flag::kSourceWindowsUpdate};
    soh::ReportEntry r = build_soh_entry(e);
    r.id = id;
    return r;
}

TEST(Validators, WshvValidatesTheEntryOfOpenNapsSecurityCenterSha) {
    const policy::ShvConfig* shv = nullptr;
    policy::ServerConfig cfg;
    auto v = make("[[shv]]\nkind = \"wsha\"\nid = 0x7ED901\n", &shv, cfg);
    ASSERT_EQ(shv->id, 0x007ED901u);
    const SoH r = answer(*v, 0x007ED901, healthy_wsha(0x007ED901));
    const soh::ReportEntry e = soh::to_entry(r);
    EXPECT_EQ(e.id, 0x007ED901u);  // answered under the id it came with
    const auto verdict = policy::ShvVerdict::from_response(e);
    EXPECT_EQ(verdict.status, policy::ShvVerdict::Status::Compliant);
    // The firewall off: non-compliant, the same as under 0x00013780.
    soh::ReportEntry off = healthy_wsha(0x007ED901);
    SohEntry parsed = *parse_soh_entry([&] {
        soh::ReportEntry x = off;
        x.id = kSystemHealthId;
        return x;
    }());
    parsed.classes[0].products[0].status = 0x0;
    off = build_soh_entry(parsed);
    off.id = 0x007ED901;
    EXPECT_EQ(policy::ShvVerdict::from_response(soh::to_entry(answer(*v, 0x007ED901, off))).status,
              policy::ShvVerdict::Status::NonCompliant);
}

TEST(Validators, LinuxShvValidatesTheLinuxShaEntry) {
    const policy::ShvConfig* shv = nullptr;
    policy::ServerConfig cfg;
    auto v = make("[[shv]]\nkind = \"linux\"\n[shv.settings.ip_forwarding]\nallowed = false\n",
                  &shv, cfg);
    ASSERT_EQ(shv->id, 0x007ED902u);
    soh::linux_sha::Soh s;
    s.id = 0x007ED902;
    soh::linux_sha::CheckReport fwd =
        rep(soh::linux_sha::Check::IpForwarding, soh::linux_sha::Status::Fail);
    fwd.ipv4_forwarding = soh::linux_sha::State::On;
    s.checks = {fwd};
    soh::linux_sha::CheckReport disk =
        rep(soh::linux_sha::Check::DiskEncryption, soh::linux_sha::Status::NotApplicable);
    s.checks.push_back(disk);
    const soh::ReportEntry e = soh::to_entry(answer(*v, 0x007ED902, soh::linux_sha::encode_soh(s)));
    EXPECT_EQ(e.id, 0x007ED902u);
    auto decoded = soh::linux_sha::decode_sohr(e);
    ASSERT_TRUE(decoded) << decoded.error().message();
    EXPECT_FALSE(decoded->compliant());
    EXPECT_EQ(policy::ShvVerdict::from_response(e).status,
              policy::ShvVerdict::Status::NonCompliant);
    // No entry: NAP_E_MISSING_SOH.
    const soh::ReportEntry none = soh::to_entry(answer(*v, 0x007ED902, std::nullopt));
    decoded = soh::linux_sha::decode_sohr(none);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->whole, hr::NAP_E_MISSING_SOH.bits());
}

TEST(Validators, InvalidLinuxSettingsAreRefused) {
    auto c = policy::parse_config(
        "[[shv]]\nkind = \"linux\"\n[shv.settings.kernel_lockdown]\nminimum = \"x\"\n", "s.toml");
    ASSERT_TRUE(c);  // no hook: the table is only required to be a table
    auto r = registration_for(c->shvs[0]);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("kernel_lockdown.minimum"), std::string::npos) << r.error();
}

}  // namespace
}  // namespace opennap::serverd
