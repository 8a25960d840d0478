#include "opennap/checks/wsha_map.h"

#include <gtest/gtest.h>

#include "opennap/shvs/wshv.h"
#include "support/vectors.h"

namespace opennap::checks {
namespace {

using namespace soh::wsha;

Measurement<FirewallDetails> firewall(Status s, std::string product = "nftables") {
    FirewallDetails d;
    d.product = std::move(product);
    return make(s, "", d);
}

Measurement<AntivirusDetails> clamav(Status s, bool enabled, bool current) {
    AntivirusDetails d;
    ProductState p;
    p.name = "ClamAV";
    p.installed = true;
    p.enabled = enabled;
    p.up_to_date = current;
    d.products.push_back(p);
    return make(s, "", d);
}

Measurement<AutoUpdatesDetails> auto_updates(AutoUpdates level, Status s = Status::Pass) {
    AutoUpdatesDetails d;
    d.level = level;
    return make(s, "", d);
}

Measurement<SecurityUpdatesDetails> security(std::uint32_t pending, std::int64_t since,
                                             bool reboot = false) {
    SecurityUpdatesDetails d;
    d.pending_security = pending;
    d.seconds_since_update = since;
    d.reboot_required = reboot;
    return make(pending > 0 || reboot ? Status::Fail : Status::Pass, "", d);
}

TEST(WshaMap, HealthyMachineByteExactAndCompliantForTheWshv) {
    WshaMapOptions opt;
    opt.counter = 7;
    const SohEntry e =
        to_wsha_entry(firewall(Status::Pass, "ufw"), clamav(Status::Pass, true, true),
                      clamav(Status::Pass, true, true), auto_updates(AutoUpdates::Install),
                      security(0, 3600), opt);
    ASSERT_EQ(e.classes.size(), 5u);
    EXPECT_EQ(e.classes[0].products[0].name, u"ufw");
    EXPECT_EQ(e.classes[0].products[0].status, status::kEnabled);
    EXPECT_EQ(e.classes[1].products[0].name, u"ClamAV");
    EXPECT_EQ(e.classes[1].products[0].status, status::kEnabled | status::kUpToDate);
    EXPECT_EQ(e.classes[3].status(), 4u);
    EXPECT_EQ(e.classes[4].status(), status::kNoMissingUpdates);
    ASSERT_TRUE(e.updates);
    EXPECT_EQ(e.updates->seconds_since_last_sync, 3600u);
    EXPECT_EQ(e.updates->wsus_server, "");
    EXPECT_EQ(e.updates->updates_flag, updates_flag::kSourceWindowsUpdate);

    const soh::ReportEntry wire = build_soh_entry(e);
    // Byte-exact, TLV by TLV ([MS-WSH] 2.2.2): Flag and Version (LE after the vendor id), the
    // five classes, then TLVs 17-19 (3600 s LE, no WSUS server, UpdatesFlag 0x4000 LE).
    const std::vector<std::pair<std::uint16_t, std::string>> expected = {
        {7, "00013780 07000000"},
        {7, "00013780 01000600"},
        {8, "00"},
        {10, "7500 6600 7700 0000"},
        {11, "00000001"},
        {8, "01"},
        {10, "4300 6c00 6100 6d00 4100 5600 0000"},
        {11, "00000003"},
        {8, "02"},
        {10, "4300 6c00 6100 6d00 4100 5600 0000"},
        {11, "00000003"},
        {8, "03"},
        {11, "00000004"},
        {8, "04"},
        {11, "00ff0005"},
        {7, "00013780 100e0000"},
        {7, "00013780 00"},
        {7, "00013780 00400000"}};
    EXPECT_EQ(wire.id, kSystemHealthId);
    ASSERT_EQ(wire.attributes.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(wire.attributes[i].type, expected[i].first) << i;
        EXPECT_EQ(opennap::test::to_hex(wire.attributes[i].value),
                  opennap::test::to_hex(opennap::test::from_hex(expected[i].second)))
            << "TLV " << i;
        EXPECT_EQ(wire.attributes[i].flags, 0u);
    }
    auto back = parse_soh_entry(wire);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->classes, e.classes);
    EXPECT_EQ(back->updates, e.updates);
    EXPECT_EQ(back->counter, 7u);

    // OpenNAP's own WSHV (default policy) finds this machine compliant.
    shvs::wshv::Settings settings;
    settings.security_updates.required = true;
    const auto r = shvs::wshv::validate(settings, wire);
    EXPECT_EQ(r.verdict.status, policy::ShvVerdict::Status::Compliant)
        << (r.hints.empty() ? "" : r.hints.front());
}

TEST(WshaMap, FailuresAndErrors) {
    EXPECT_EQ(firewall_class(firewall(Status::Fail)).products[0].status, 0u);
    const auto fw_err = firewall_class(make_error<FirewallDetails>(plain_error("x")));
    EXPECT_FALSE(fw_err.products[0].name);
    EXPECT_EQ(fw_err.status(), status::kWscServiceDown);

    EXPECT_EQ(
        product_class(HealthClass::Antivirus, clamav(Status::Fail, false, true)).products[0].status,
        status::kUpToDate);
    const auto none = product_class(HealthClass::Antivirus,
                                    make<AntivirusDetails>(Status::Fail, "none installed"));
    EXPECT_FALSE(none.products[0].name);
    EXPECT_EQ(none.status(), status::kProductNotInstalled);
    EXPECT_EQ(
        product_class(HealthClass::Antispyware, make<AntivirusDetails>(Status::NotApplicable, ""))
            .status(),
        status::kProductNotInstalled);
    EXPECT_EQ(product_class(HealthClass::Antivirus, make_error<AntivirusDetails>(plain_error("")))
                  .status(),
              status::kWscServiceDown);

    EXPECT_EQ(automatic_updates_class(auto_updates(AutoUpdates::Disabled, Status::Fail)).status(),
              1u);
    EXPECT_EQ(automatic_updates_class(make_error<AutoUpdatesDetails>(plain_error(""))).status(),
              status::kWscServiceDown);

    auto missing = security(3, 100);
    EXPECT_EQ(security_updates_class(missing).status(), status::kMissingUpdates);
    auto u = update_details(missing, {});
    ASSERT_TRUE(u);
    EXPECT_EQ(u->updates_flag,
              updates_flag::kSourceWindowsUpdate | updates_flag::kSeverityImportant);
    auto reboot = security(0, 100, true);
    EXPECT_EQ(security_updates_class(reboot).status(), status::kUpdatesRequireReboot);
    EXPECT_FALSE(update_details(reboot, {}));
    auto err = make_error<SecurityUpdatesDetails>(plain_error("cache"));
    EXPECT_EQ(security_updates_class(err).status(), status::kWuaCommFailure);
    SecurityUpdatesDetails never;
    EXPECT_EQ(update_details(make(Status::Fail, "", never), {})->seconds_since_last_sync,
              0xFFFFFFFFu);
    WshaMapOptions wsus;
    wsus.update_source = updates_flag::kSourceWsus;
    wsus.wsus_server = "mirror.example.org";
    EXPECT_EQ(update_details(security(0, 5), wsus)->wsus_server, "mirror.example.org");

    // The unhealthy machine's entry parses and the WSHV rejects it with the expected codes.
    const SohEntry e =
        to_wsha_entry(firewall(Status::Fail), clamav(Status::Fail, false, false),
                      make<AntivirusDetails>(Status::NotApplicable, ""),
                      auto_updates(AutoUpdates::CheckOnly, Status::Fail), missing, {});
    const soh::ReportEntry wire = build_soh_entry(e);
    ASSERT_TRUE(parse_soh_entry(wire));
    shvs::wshv::Settings settings;
    settings.security_updates.required = true;
    const auto r = shvs::wshv::validate(settings, wire);
    EXPECT_EQ(r.verdict.status, policy::ShvVerdict::Status::NonCompliant);
    const ClassResult* fw = r.classes.find(HealthClass::Firewall);
    ASSERT_NE(fw, nullptr);
    EXPECT_FALSE(fw->compliant());
    const ClassResult* su = r.classes.find(HealthClass::SecurityUpdates);
    ASSERT_NE(su, nullptr);
    EXPECT_EQ(su->codes[0], compliance::kSyncAndInstallUpdates);
}

TEST(WshaMap, WindowsXpLayoutHasNoAntispyware) {
    WshaMapOptions xp;
    xp.client_version = client_version::kWindowsXp;
    const SohEntry e = to_wsha_entry(firewall(Status::Pass), clamav(Status::Pass, true, true),
                                     clamav(Status::Pass, true, true),
                                     auto_updates(AutoUpdates::Install), security(0, 1), xp);
    EXPECT_EQ(e.classes.size(), 4u);
    EXPECT_TRUE(parse_soh_entry(build_soh_entry(e)));
}

}  // namespace
}  // namespace opennap::checks
