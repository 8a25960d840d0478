// The built-in Windows Security Health Validator: settings, vectors 08 and 09, and every class
// and failure on hand-built entries.
#include "opennap/shvs/wshv.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "opennap/policy/config.h"
#include "opennap/soh/attributes.h"
#include "opennap/soh/nap_soh.h"
#include "support/vectors.h"

namespace {

using namespace opennap;
using namespace opennap::shvs::wshv;
using namespace opennap::soh::wsha;
using Status = policy::ShvVerdict::Status;
using Codes = std::vector<std::uint32_t>;

constexpr std::uint32_t kNotInstalled = status::kProductNotInstalled;
constexpr std::uint32_t kMsOff = compliance::kProductNotEnabled;
constexpr std::uint32_t kOtherOff = compliance::kThirdPartyProductNotEnabled;
constexpr std::uint32_t kMsStale = compliance::kProductNotUpToDate;
constexpr std::uint32_t kOtherStale = compliance::kThirdPartyProductNotUpToDate;
constexpr std::uint32_t kSync = compliance::kSyncAndInstallUpdates;
constexpr std::uint32_t kShcFailure = compliance::kWusShcFailure;

Product named(std::u16string name, std::uint32_t st) {
    return Product{std::move(name), st};
}
Product nameless(std::uint32_t st) {
    return Product{std::nullopt, st};
}

// A healthy Windows Vista SP1 client: every product Microsoft, enabled and current, automatic
// updates installing, nothing missing, synchronised an hour ago with Windows Update.
SohEntry healthy() {
    SohEntry e;
    e.counter = 1;
    e.client_version = client_version::kWindowsVistaSp1;
    e.classes = {
        {HealthClass::Firewall, {named(u"Windows Firewall", 0x5)}},
        {HealthClass::Antivirus, {named(u"Defender AV", 0x7)}},
        {HealthClass::Antispyware, {named(u"Windows Defender", 0x7)}},
        {HealthClass::AutomaticUpdates, {nameless(4)}},
        {HealthClass::SecurityUpdates, {nameless(status::kNoMissingUpdates)}},
    };
    e.updates = UpdateDetails{3600, "", updates_flag::kSourceWindowsUpdate};
    return e;
}

ClassStatus& cls(SohEntry& e, HealthClass c) {
    for (auto& cs : e.classes) {
        if (cs.cls == c) {
            return cs;
        }
    }
    throw std::logic_error("class not in entry");
}

Result run(const SohEntry& e, const Settings& s = {}) {
    return validate(s, build_soh_entry(e));
}

// The codes sent for one class, and whether a Failure-Category follows them.
Codes codes_of(const Result& r, HealthClass c) {
    const ClassResult* cr = r.classes.find(c);
    return cr == nullptr ? Codes{0xDEAD} : cr->codes;
}
bool fc_of(const Result& r, HealthClass c) {
    const ClassResult* cr = r.classes.find(c);
    return cr != nullptr && cr->failure_category == kFailureCategoryClientComponent;
}

// Every evaluated response parses back as a WSHV SoHR entry and agrees with the verdict.
void check_consistent(const Result& r) {
    ASSERT_EQ(r.response.id, kSystemHealthId);
    const policy::ShvVerdict from_wire = policy::ShvVerdict::from_response(r.response);
    EXPECT_EQ(from_wire.status, r.verdict.status);
    EXPECT_EQ(from_wire.compliance_codes, r.verdict.compliance_codes);
    if (!r.classes.classes.empty()) {
        auto back = parse_sohr_entry(r.response);
        ASSERT_TRUE(back.has_value()) << back.error().message();
        EXPECT_EQ(*back, r.classes);
        EXPECT_EQ(r.verdict.status == Status::Compliant, r.classes.compliant());
    }
    EXPECT_EQ(r.verdict.status == Status::Compliant, r.hints.empty());
}

// ---- settings -----------------------------------------------------------------------------------

std::vector<std::string> setting_errors(std::string_view settings_toml) {
    const std::string text = "[[shv]]\nkind = \"wsha\"\n" + std::string(settings_toml);
    policy::ParseOptions options;
    options.wsha_settings = settings_check();
    std::vector<std::string> out;
    for (const auto& e : policy::check_config(text, "s.toml", options)) {
        out.push_back(e.to_string());
    }
    return out;
}

Settings settings_from(std::string_view settings_toml) {
    const std::string text = "[[shv]]\nkind = \"wsha\"\n" + std::string(settings_toml);
    auto c = policy::parse_config(text, "s.toml");
    EXPECT_TRUE(c.has_value()) << c.error().to_string();
    auto s = parse_settings(*c->shvs.at(0).settings);
    EXPECT_TRUE(s.has_value());
    return s.value_or(Settings{});
}

TEST(Wshv, DefaultSettingsAreTheWshvDefaults) {
    const Settings s;
    EXPECT_TRUE(s.firewall.required);
    EXPECT_TRUE(s.antivirus.required);
    EXPECT_TRUE(s.antivirus.up_to_date);
    EXPECT_TRUE(s.antispyware.required);
    EXPECT_TRUE(s.antispyware.up_to_date);
    EXPECT_TRUE(s.automatic_updates_required);
    EXPECT_FALSE(s.security_updates.required);  // EnforceUpdates = 0
    EXPECT_EQ(s.security_updates.minimum_severity, 0x200u);
    EXPECT_EQ(s.security_updates.max_since_sync, std::chrono::seconds(79200));
    EXPECT_TRUE(s.security_updates.allow_windows_update);
    EXPECT_FALSE(s.security_updates.allow_wsus);
    EXPECT_EQ(settings_from(""), Settings{});
}

TEST(Wshv, ShippedConfigSettingsAreTheDefaults) {
    const policy::ServerConfig c = policy::default_config();
    ASSERT_EQ(c.shvs.size(), 3u);  // 0x00013780, 0x007ED901 (also a WSHV), 0x007ED902
    auto s = parse_settings(*c.shvs[0].settings);
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(*s, Settings{});
    s = parse_settings(*c.shvs[1].settings);
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(*s, Settings{});
    // And the shipped file passes the WSHV's own checks.
    policy::ParseOptions options;
    options.wsha_settings = settings_check();
    EXPECT_TRUE(policy::check_config(policy::kDefaultConfigText, "server.toml", options).empty());
}

TEST(Wshv, SettingsAreRead) {
    const Settings s = settings_from(R"(
[shv.settings.firewall]
required = false
allow_snoozed = false
[shv.settings.antivirus]
up_to_date = false
[shv.settings.antispyware]
required = false
allow_snoozed = false
[shv.settings.automatic_updates]
required = false
[shv.settings.security_updates]
required = true
minimum_severity = "critical"
max_hours_since_sync = 72
allow_windows_update = false
allow_wsus = true
)");
    EXPECT_FALSE(s.firewall.required);
    EXPECT_FALSE(s.firewall.allow_snoozed);
    EXPECT_TRUE(s.antivirus.required);
    EXPECT_FALSE(s.antivirus.up_to_date);
    EXPECT_FALSE(s.antispyware.required);
    EXPECT_TRUE(s.antispyware.up_to_date);
    EXPECT_FALSE(s.antispyware.allow_snoozed);
    EXPECT_FALSE(s.automatic_updates_required);
    EXPECT_TRUE(s.security_updates.required);
    EXPECT_EQ(s.security_updates.minimum_severity, updates_flag::kSeverityCritical);
    EXPECT_EQ(s.security_updates.max_since_sync, std::chrono::hours(72));
    EXPECT_FALSE(s.security_updates.allow_windows_update);
    EXPECT_TRUE(s.security_updates.allow_wsus);
}

TEST(Wshv, SettingMistakesReadLikeServerTomlMistakes) {
    EXPECT_EQ(setting_errors("[shv.settings.firewal]\n"),
              (std::vector<std::string>{"s.toml:3:15: shv[0].settings.firewal: unknown table (did "
                                        "you mean \"firewall\"?)"}));
    EXPECT_EQ(setting_errors("[shv.settings.firewall]\nup_to_date = true\n"),
              (std::vector<std::string>{"s.toml:4:1: shv[0].settings.firewall.up_to_date: unknown "
                                        "key (expected one of: required, allow_snoozed)"}));
    EXPECT_EQ(setting_errors("[shv.settings.antivirus]\nrequired = 1\n"),
              (std::vector<std::string>{"s.toml:4:1: shv[0].settings.antivirus.required: expected "
                                        "a boolean (true or false), got an integer"}));
    EXPECT_EQ(setting_errors("[shv.settings.security_updates]\nminimum_severity = \"severe\"\n"),
              (std::vector<std::string>{
                  "s.toml:4:1: shv[0].settings.security_updates.minimum_severity: must be one of "
                  "unspecified, low, moderate, important, critical, got \"severe\""}));
    EXPECT_EQ(setting_errors("[shv.settings.security_updates]\nmax_hours_since_sync = 73\n"),
              (std::vector<std::string>{
                  "s.toml:4:1: shv[0].settings.security_updates.max_hours_since_sync: must be "
                  "between 1 and 72, got 73"}));
    EXPECT_EQ(setting_errors("[shv.settings]\nfirewall = true\n"),
              (std::vector<std::string>{
                  "s.toml:4:1: shv[0].settings.firewall: expected a table, got a boolean"}));
    // All of them at once, in order.
    EXPECT_EQ(setting_errors("[shv.settings.automatic_updates]\nrequired = \"yes\"\nenabled = "
                             "true\n[shv.settings.security_updates]\nrequird = true\n")
                  .size(),
              3u);
    // parse_settings reports with the entry's file and key.
    auto c = policy::parse_config(
        "[[shv]]\nkind = \"wsha\"\n[shv.settings.firewall]\nrequired = "
        "\"no\"\n",
        "t.toml");
    ASSERT_TRUE(c.has_value());  // without the hook the table is not checked
    auto s = parse_settings(*c->shvs[0].settings);
    ASSERT_FALSE(s.has_value());
    ASSERT_EQ(s.error().size(), 1u);
    EXPECT_EQ(s.error()[0].to_string(),
              "t.toml:4:1: shv[0].settings.firewall.required: expected a "
              "boolean (true or false), got a string");
}

// ---- vectors ------------------------------------------------------------------------------------

TEST(Wshv, Vector08CompactEntry) {
    // FreeRADIUS's Vista example: firewall 0x7, antivirus not installed, antispyware 0x7,
    // automatic updates 4 (install), security updates 0x00FF0006 (missing), no TLVs 17-19.
    const auto bytes = test::load_vector("08-soh-wsha-compact.hex");
    auto view = soh::decode(bytes, {.expect = soh::Direction::Request});
    ASSERT_TRUE(view.has_value()) << view.error().message();
    const Result r = validate(Settings{}, *view);
    EXPECT_FALSE(r.error.has_value());
    EXPECT_EQ(r.verdict.status, Status::NonCompliant);
    EXPECT_EQ(r.verdict.failure, FailureCategory::ClientComponent);
    EXPECT_EQ(codes_of(r, HealthClass::Firewall), (Codes{0}));
    EXPECT_EQ(codes_of(r, HealthClass::Antivirus), (Codes{kNotInstalled, 0}));
    EXPECT_TRUE(fc_of(r, HealthClass::Antivirus));
    EXPECT_EQ(codes_of(r, HealthClass::Antispyware), (Codes{0, 0}));
    EXPECT_EQ(codes_of(r, HealthClass::AutomaticUpdates), (Codes{0}));
    EXPECT_EQ(codes_of(r, HealthClass::SecurityUpdates), (Codes{0, 0}));  // not enforced
    ASSERT_EQ(r.hints.size(), 1u);
    EXPECT_EQ(r.hints[0],
              "antivirus: E_MSSHAV_PRODUCT_NOT_INSTALLED (0xC0FF0002): no product is installed; "
              "install and enable a product of this class");
    check_consistent(r);
    // The response, byte for byte: SHID, then HC/codes[/FC] per class.
    soh::Message m;
    m.system.items.emplace_back(soh::PacketInfo{soh::kPacketInfoResponse});
    m.entries.push_back(r.response);
    auto enc = soh::encode(m);
    ASSERT_TRUE(enc.has_value());
    const auto expected = test::from_hex(R"(
        00 02 00 04 00 01 37 80
        00 08 00 01 00  00 04 00 04 00 00 00 00
        00 08 00 01 01  00 04 00 08 c0 ff 00 02 00 00 00 00  00 0e 00 01 02
        00 08 00 01 02  00 04 00 08 00 00 00 00 00 00 00 00
        00 08 00 01 03  00 04 00 04 00 00 00 00
        00 08 00 01 04  00 04 00 08 00 00 00 00 00 00 00 00)");
    ASSERT_EQ(expected.size(), 90u);
    ASSERT_GE(enc->size(), expected.size());
    const std::vector<std::uint8_t> entry_bytes(
        enc->end() - static_cast<std::ptrdiff_t>(expected.size()), enc->end());
    EXPECT_EQ(test::to_hex(entry_bytes), test::to_hex(expected));

    // With security updates enforced, the compact layout's missing TLVs 17-19 cannot be
    // evaluated.
    Settings enforce;
    enforce.security_updates.required = true;
    const Result e = validate(enforce, *view);
    EXPECT_EQ(codes_of(e, HealthClass::SecurityUpdates), (Codes{kShcFailure, 0x200}));
}

TEST(Wshv, Vector09FullEntry) {
    const auto bytes = test::load_vector("09-soh-wsha-full.hex");
    auto view = soh::decode(bytes, {.expect = soh::Direction::Request});
    ASSERT_TRUE(view.has_value()) << view.error().message();
    const Result r = validate(Settings{}, *view);
    EXPECT_EQ(r.verdict.status, Status::NonCompliant);
    EXPECT_EQ(codes_of(r, HealthClass::Firewall), (Codes{0}));
    EXPECT_EQ(codes_of(r, HealthClass::Antivirus), (Codes{kNotInstalled, 0}));
    EXPECT_EQ(codes_of(r, HealthClass::Antispyware), (Codes{0, 0}));
    EXPECT_EQ(codes_of(r, HealthClass::AutomaticUpdates), (Codes{0}));
    EXPECT_EQ(codes_of(r, HealthClass::SecurityUpdates), (Codes{0, 0}));
    check_consistent(r);

    // Enforced: 86400 s since the last scan (> 22 h), a critical update missing (0x4400 = Windows
    // Update + critical).
    Settings enforce;
    enforce.security_updates.required = true;
    const Result e = validate(enforce, *view);
    EXPECT_EQ(codes_of(e, HealthClass::SecurityUpdates), (Codes{kSync, 0x200}));
    ASSERT_EQ(e.hints.size(), 2u);
    EXPECT_EQ(e.hints[1],
              "security-updates: E_MSSHV_SYNC_AND_INSTALL_UPDATES (0xC0FF0007): required security "
              "updates are missing or the last synchronisation is too old; scan for updates and "
              "install the missing ones (updates of severity important and above, last scan at "
              "most 22 hours ago)");
    check_consistent(e);
    // Antivirus not required any more: only the updates fail.
    enforce.antivirus.required = false;
    enforce.antivirus.up_to_date = false;
    enforce.security_updates.max_since_sync = std::chrono::hours(72);
    enforce.security_updates.minimum_severity = updates_flag::kSeverityCritical;
    EXPECT_EQ(codes_of(validate(enforce, *view), HealthClass::SecurityUpdates),
              (Codes{kSync, 0x400}));
}

TEST(Wshv, HealthyClientIsCompliant) {
    const Result r = run(healthy());
    EXPECT_EQ(r.verdict.status, Status::Compliant);
    EXPECT_FALSE(r.verdict.failure.has_value());
    EXPECT_TRUE(r.hints.empty());
    EXPECT_EQ(r.classes.classes.size(), 5u);
    Settings all;
    all.security_updates.required = true;
    EXPECT_EQ(run(healthy(), all).verdict.status, Status::Compliant);
    check_consistent(r);
}

// ---- firewall -----------------------------------------------------------------------------------

TEST(Wshv, Firewall) {
    struct Case {
        std::vector<Product> products;
        Codes codes;
        bool fc;
    };
    const Case cases[] = {
        {{nameless(kNotInstalled)}, {kNotInstalled}, true},
        {{nameless(status::kWscServiceDown)}, {status::kWscServiceDown}, true},
        {{nameless(status::kWscNotStartedSinceBoot)}, {status::kWscNotStartedSinceBoot}, true},
        {{named(u"fw", 0x4)}, {kMsOff}, false},     // Microsoft, off
        {{named(u"fw", 0x0)}, {kOtherOff}, false},  // other vendor, off
        {{named(u"fw", 0x5)}, {0}, false},
        {{named(u"fw", 0x1)}, {0}, false},
        {{named(u"fw", 0x7)}, {0}, false},  // the up-to-date bit means nothing for a firewall
        {{named(u"fw", 0xD)}, {0}, false},  // snoozed counts as enabled by default
        {{named(u"fw", 0x00FF0005)}, {0}, false},          // upper bits of a non-error are ignored
        {{named(u"fw", 0xC0FF0005)}, {kOtherOff}, false},  // an error is not a state
        {{named(u"a", 0x0), named(u"b", 0x5)}, {0}, false},
        {{named(u"a", 0x0), named(u"b", 0x4)}, {kMsOff}, false},  // the last product's code
        {{named(u"a", 0x4), named(u"b", 0x0)}, {kOtherOff}, false},
    };
    for (const Case& k : cases) {
        SohEntry e = healthy();
        cls(e, HealthClass::Firewall).products = k.products;
        const Result r = run(e);
        const std::string what = ::testing::PrintToString(k.codes);
        EXPECT_EQ(codes_of(r, HealthClass::Firewall), k.codes) << what;
        EXPECT_EQ(fc_of(r, HealthClass::Firewall), k.fc) << what;
        EXPECT_EQ(r.verdict.status, k.codes == Codes{0} ? Status::Compliant : Status::NonCompliant)
            << what;
        check_consistent(r);
    }
    // Not required: anything passes.
    SohEntry e = healthy();
    cls(e, HealthClass::Firewall).products = {nameless(kNotInstalled)};
    Settings s;
    s.firewall.required = false;
    EXPECT_EQ(codes_of(run(e, s), HealthClass::Firewall), (Codes{0}));
    // Snoozed not allowed.
    s = Settings{};
    s.firewall.allow_snoozed = false;
    cls(e, HealthClass::Firewall).products = {named(u"fw", 0xD)};
    EXPECT_EQ(codes_of(run(e, s), HealthClass::Firewall), (Codes{kMsOff}));
    cls(e, HealthClass::Firewall).products = {named(u"fw", 0x9)};
    const Result r = run(e, s);
    EXPECT_EQ(codes_of(r, HealthClass::Firewall), (Codes{kOtherOff}));
    ASSERT_EQ(r.hints.size(), 1u);
    EXPECT_EQ(r.hints[0],
              "firewall \"fw\": E_MSSHV_THIRD_PARTY_PRODUCT_NOT_ENABLED (0xC0FF0047): a "
              "non-Microsoft product is installed but not enabled; turn the product on");
}

TEST(Wshv, NamelessStatusThatIsNotAnErrorIsAProductWithoutAName) {
    // How the compact layout reports every product.
    SohEntry e = healthy();
    cls(e, HealthClass::Firewall).products = {nameless(0x5)};
    EXPECT_EQ(codes_of(run(e), HealthClass::Firewall), (Codes{0}));
    cls(e, HealthClass::Firewall).products = {nameless(0x4)};
    const Result r = run(e);
    EXPECT_EQ(codes_of(r, HealthClass::Firewall), (Codes{kMsOff}));
    EXPECT_FALSE(fc_of(r, HealthClass::Firewall));
    ASSERT_EQ(r.hints.size(), 1u);
    EXPECT_EQ(r.hints[0].substr(0, 10), "firewall: ");
    check_consistent(r);
}

// ---- antivirus and antispyware ------------------------------------------------------------------

TEST(Wshv, AntivirusAndAntispyware) {
    struct Case {
        std::uint32_t status;
        Codes codes;
    };
    // [MS-WSH] 2.2.9.3's table of states against the default policy (enabled and current).
    const Case cases[] = {
        {0x7, {0, 0}},                    // Microsoft, enabled, current
        {0x4, {kMsOff, kMsStale}},        // Microsoft, off, stale
        {0x6, {kMsOff, 0}},               // Microsoft, off, current
        {0x5, {0, kMsStale}},             // Microsoft, enabled, stale
        {0xD, {0, kMsStale}},             // ... snoozed
        {0xF, {0, 0}},                    // Microsoft, enabled, current, snoozed
        {0x3, {0, 0}},                    // other vendor, enabled, current
        {0x0, {kOtherOff, kOtherStale}},  // other vendor, off, stale
        {0x2, {kOtherOff, 0}},            // other vendor, off, current
        {0x1, {0, kOtherStale}},          // other vendor, enabled, stale
        {0x9, {0, kOtherStale}},          // ... snoozed
        {0xB, {0, 0}},                    // other vendor, enabled, current, snoozed
    };
    for (HealthClass c : {HealthClass::Antivirus, HealthClass::Antispyware}) {
        for (const Case& k : cases) {
            SohEntry e = healthy();
            cls(e, c).products = {named(u"av", k.status)};
            const Result r = run(e);
            EXPECT_EQ(codes_of(r, c), k.codes) << to_string(c) << " " << k.status;
            EXPECT_FALSE(fc_of(r, c));
            check_consistent(r);
        }
        SohEntry e = healthy();
        cls(e, c).products = {nameless(kNotInstalled)};
        const Result r = run(e);
        EXPECT_EQ(codes_of(r, c), (Codes{kNotInstalled, 0}));
        EXPECT_TRUE(fc_of(r, c));
        check_consistent(r);
    }
}

TEST(Wshv, AntivirusPolicyVariants) {
    SohEntry e = healthy();
    auto av = [&](std::uint32_t st, const Settings& s) {
        cls(e, HealthClass::Antivirus).products = {named(u"av", st)};
        return codes_of(run(e, s), HealthClass::Antivirus);
    };
    Settings no_fresh;
    no_fresh.antivirus.up_to_date = false;
    EXPECT_EQ(av(0x5, no_fresh), (Codes{0, 0}));
    EXPECT_EQ(av(0x4, no_fresh), (Codes{kMsOff, 0}));
    Settings only_fresh;
    only_fresh.antivirus.required = false;
    EXPECT_EQ(av(0x6, only_fresh), (Codes{0, 0}));
    EXPECT_EQ(av(0x4, only_fresh), (Codes{0, kMsStale}));
    Settings nothing;
    nothing.antivirus.required = false;
    nothing.antivirus.up_to_date = false;
    EXPECT_EQ(av(0x0, nothing), (Codes{0, 0}));
    cls(e, HealthClass::Antivirus).products = {nameless(kNotInstalled)};
    EXPECT_EQ(codes_of(run(e, nothing), HealthClass::Antivirus), (Codes{0, 0}));
    Settings no_snooze;
    no_snooze.antivirus.allow_snoozed = false;
    EXPECT_EQ(av(0xF, no_snooze), (Codes{kMsOff, 0}));
    EXPECT_EQ(av(0xB, no_snooze), (Codes{kOtherOff, 0}));
    // Two products: one good product is enough.
    cls(e, HealthClass::Antivirus).products = {named(u"old", 0x1), named(u"new", 0x7)};
    EXPECT_EQ(codes_of(run(e), HealthClass::Antivirus), (Codes{0, 0}));
    cls(e, HealthClass::Antivirus).products = {named(u"old", 0x5), named(u"other", 0x2)};
    const Result r = run(e);
    EXPECT_EQ(codes_of(r, HealthClass::Antivirus), (Codes{kOtherOff, 0}));
    ASSERT_EQ(r.hints.size(), 1u);
    EXPECT_NE(r.hints[0].find("antivirus \"other\""), std::string::npos) << r.hints[0];
}

TEST(Wshv, WindowsXpHasNoAntispyware) {
    SohEntry e = healthy();
    e.client_version = client_version::kWindowsXp;
    e.classes.erase(e.classes.begin() + 2);
    const Result r = run(e);
    EXPECT_EQ(r.verdict.status, Status::Compliant);
    EXPECT_EQ(r.classes.find(HealthClass::Antispyware), nullptr);
    EXPECT_EQ(r.classes.classes.size(), 4u);
    check_consistent(r);
}

// ---- automatic updates --------------------------------------------------------------------------

TEST(Wshv, AutomaticUpdates) {
    struct Case {
        std::uint32_t status;
        Codes codes;
        bool fc;
    };
    const Case cases[] = {
        {1, {kMsOff}, false},      // disabled
        {2, {0}, false},           // check only
        {3, {0}, false},           // download
        {4, {0}, false},           // install
        {5, {kMsOff}, false},      // never configured
        {0x104, {0}, false},       // install, set by policy
        {0x101, {kMsOff}, false},  // disabled by policy
        {0, {kMsOff}, false},      // not a documented value
        {status::kWscServiceDown, {status::kWscServiceDown}, false},
        {status::kWscNotStartedSinceBoot, {status::kWscNotStartedSinceBoot}, true},
        {status::kWuaNotStartedSinceBoot, {status::kWuaNotStartedSinceBoot}, true},
    };
    for (const Case& k : cases) {
        SohEntry e = healthy();
        cls(e, HealthClass::AutomaticUpdates).products = {nameless(k.status)};
        const Result r = run(e);
        EXPECT_EQ(codes_of(r, HealthClass::AutomaticUpdates), k.codes) << k.status;
        EXPECT_EQ(fc_of(r, HealthClass::AutomaticUpdates), k.fc) << k.status;
        check_consistent(r);
    }
    SohEntry e = healthy();
    cls(e, HealthClass::AutomaticUpdates).products = {nameless(1)};
    Settings s;
    s.automatic_updates_required = false;
    EXPECT_EQ(run(e, s).verdict.status, Status::Compliant);
}

// ---- security updates ---------------------------------------------------------------------------

TEST(Wshv, SecurityUpdates) {
    Settings s;
    s.security_updates.required = true;
    auto su = [&](std::uint32_t st, std::optional<UpdateDetails> details,
                  std::uint32_t version = client_version::kWindowsVistaSp1) {
        SohEntry e = healthy();
        e.client_version = version;
        cls(e, HealthClass::SecurityUpdates).products = {nameless(st)};
        e.updates = details;
        const Result r = run(e, s);
        check_consistent(r);
        return codes_of(r, HealthClass::SecurityUpdates);
    };
    constexpr std::uint32_t kWu = updates_flag::kSourceWindowsUpdate;
    constexpr std::uint32_t kWsus = updates_flag::kSourceWsus;
    constexpr std::uint32_t kMu = updates_flag::kSourceMicrosoftUpdate;
    constexpr std::uint32_t kNone = status::kNoMissingUpdates;
    constexpr std::uint32_t kMissing = status::kMissingUpdates;
    auto d = [](std::uint32_t secs, std::uint32_t flag) { return UpdateDetails{secs, "", flag}; };
    EXPECT_EQ(su(kNone, d(3600, kWu)), (Codes{0, 0}));
    EXPECT_EQ(su(kNone, d(79200, kMu)), (Codes{0, 0}));                  // exactly the limit
    EXPECT_EQ(su(kNone, d(79201, kWu)), (Codes{kSync, 0x200}));          // one second too old
    EXPECT_EQ(su(kMissing, d(60, kWu | 0x80 | 0x100)), (Codes{0, 0}));   // low + moderate only
    EXPECT_EQ(su(kMissing, d(60, kWu | 0x200)), (Codes{kSync, 0x200}));  // important
    EXPECT_EQ(su(kMissing, d(60, kWu | 0x400)), (Codes{kSync, 0x200}));  // critical
    EXPECT_EQ(su(kMissing, d(60, kWu)), (Codes{0, 0}));       // missing, severity not reported
    EXPECT_EQ(su(kNone, d(60, kWu | 0x400)), (Codes{0, 0}));  // nothing missing
    // Update sources (Windows Update allowed, WSUS not, by default).
    EXPECT_EQ(su(kNone, d(60, kWsus)), (Codes{compliance::kBadUpdateSourceWuMu, 0x200}));
    EXPECT_EQ(su(kNone, d(60, 0)), (Codes{compliance::kNoUpdateSource, 0x200}));
    EXPECT_EQ(su(kNone, d(60, 0x400)), (Codes{compliance::kNoUpdateSource, 0x200}));
    s.security_updates.allow_windows_update = false;
    EXPECT_EQ(su(kNone, d(60, kWsus)), (Codes{compliance::kBadUpdateSourceMu, 0x200}));
    EXPECT_EQ(su(kNone, d(60, kWu)), (Codes{compliance::kBadUpdateSourceMu, 0x200}));
    EXPECT_EQ(su(kNone, d(60, kMu)), (Codes{0, 0}));
    s.security_updates.allow_wsus = true;
    EXPECT_EQ(su(kNone, d(60, kWu)), (Codes{compliance::kBadUpdateSourceMuWsus, 0x200}));
    EXPECT_EQ(su(kNone, d(60, kWsus)), (Codes{0, 0}));
    // A bad source is reported before age and severity.
    EXPECT_EQ(su(kMissing, d(999999, kWu | 0x400)),
              (Codes{compliance::kBadUpdateSourceMuWsus, 0x200}));
    s.security_updates = SecurityUpdatesPolicy{};
    s.security_updates.required = true;
    // Windows Vista (SP0) with nothing missing reports no source (<15>).
    EXPECT_EQ(su(kNone, d(60, 0), client_version::kWindowsVista), (Codes{0, 0}));
    EXPECT_EQ(su(kMissing, d(60, 0), client_version::kWindowsVista),
              (Codes{compliance::kNoUpdateSource, 0x200}));
    // Client errors are echoed; other statuses cannot be evaluated.
    for (std::uint32_t err : {status::kNoWusServer, status::kNoClientId,
                              status::kWuaServiceDisabled, status::kWuaCommFailure,
                              status::kUpdatesRequireReboot, status::kWuaNotStartedSinceBoot}) {
        EXPECT_EQ(su(err, std::nullopt), (Codes{err, 0x200})) << err;
    }
    EXPECT_EQ(su(0, std::nullopt), (Codes{kShcFailure, 0x200}));
    EXPECT_EQ(su(0x00FF0007, std::nullopt), (Codes{kShcFailure, 0x200}));
    EXPECT_EQ(su(kMissing, std::nullopt), (Codes{kShcFailure, 0x200}));
    // The minimum severity is the second code.
    s.security_updates.minimum_severity = updates_flag::kSeverityLow;
    EXPECT_EQ(su(kMissing, d(60, kWu | 0x80)), (Codes{kSync, 0x80}));
    EXPECT_EQ(su(kMissing, d(60, kWu | 0x40)), (Codes{0, 0}));  // unspecified is below low
    s.security_updates.minimum_severity = updates_flag::kSeverityUnspecified;
    EXPECT_EQ(su(kMissing, d(60, kWu | 0x40)), (Codes{kSync, 0x40}));
}

// ---- missing, system-generated and malformed entries --------------------------------------------

TEST(Wshv, NoEntryIsMissingSoh) {
    const Result r = validate(Settings{}, std::nullopt);
    EXPECT_EQ(r.verdict.status, Status::NonCompliant);
    EXPECT_EQ(r.verdict.compliance_codes, (std::vector<HResult>{hr::NAP_E_MISSING_SOH}));
    EXPECT_EQ(r.response.id, kSystemHealthId);
    ASSERT_EQ(r.response.attributes.size(), 1u);
    EXPECT_EQ(r.response.attributes[0].type, soh::tlv_type::kComplianceResultCodes);
    EXPECT_EQ(r.hints.size(), 1u);
    check_consistent(r);
    // wpa_supplicant's SoH (vector 04) has no WSHA entry.
    const auto bytes = test::load_vector("04-soh-wpas-v2.hex");
    auto view = soh::decode(bytes);
    ASSERT_TRUE(view.has_value());
    EXPECT_EQ(validate(Settings{}, *view).verdict.compliance_codes,
              (std::vector<HResult>{hr::NAP_E_MISSING_SOH}));
}

TEST(Wshv, SystemGeneratedEntryEchoesTheFailureCategory) {
    // What the agent sends for a WSHA that is registered but not bound (nap-api.md §11.3).
    soh::Message m;
    m.system.items.emplace_back(soh::PacketInfo{soh::kPacketInfoRequest});
    m.system.items.emplace_back(soh::SystemGeneratedIds{{kSystemHealthId}});
    const std::array<std::uint32_t, 1> err{hr::NAP_E_NOT_INITIALIZED.bits()};
    m.entries.push_back(
        soh::ReportEntry{kSystemHealthId,
                         {soh::attr::make_failure_category(
                              static_cast<std::uint8_t>(FailureCategory::ClientComponent)),
                          soh::attr::make_error_codes(err)}});
    auto bytes = soh::encode(m);
    ASSERT_TRUE(bytes.has_value());
    auto view = soh::decode(*bytes);
    ASSERT_TRUE(view.has_value());
    const Result r = validate(Settings{}, *view);
    EXPECT_EQ(r.verdict.status, Status::Failed);
    EXPECT_EQ(r.verdict.failure, FailureCategory::ClientComponent);
    EXPECT_TRUE(r.verdict.compliance_codes.empty());
    ASSERT_EQ(r.response.attributes.size(), 1u);
    EXPECT_EQ(r.response.attributes[0].type, soh::tlv_type::kFailureCategory);
    EXPECT_EQ(r.response.attributes[0].value, (std::vector<std::uint8_t>{2}));
    ASSERT_EQ(r.hints.size(), 1u);
    EXPECT_NE(r.hints[0].find("client-component, error NAP_E_NOT_INITIALIZED"), std::string::npos)
        << r.hints[0];
    check_consistent(r);
    // Client communication (no SoH yet) is echoed as such; a category of 0 or none at all is
    // client component.
    soh::ReportEntry comm{kSystemHealthId, {soh::attr::make_failure_category(3)}};
    EXPECT_EQ(validate(Settings{}, comm, true).verdict.failure,
              FailureCategory::ClientCommunication);
    soh::ReportEntry zero{kSystemHealthId, {soh::attr::make_failure_category(0)}};
    EXPECT_EQ(validate(Settings{}, zero, true).verdict.failure, FailureCategory::ClientComponent);
    soh::ReportEntry nothing{kSystemHealthId, {}};
    EXPECT_EQ(validate(Settings{}, nothing, true).verdict.failure,
              FailureCategory::ClientComponent);
}

TEST(Wshv, MalformedEntryIsAnInvalidPacket) {
    // Fewer than four TLVs: [MS-WSH] 3.3.5.2 abandons it.
    soh::ReportEntry short_entry{kSystemHealthId, {soh::attr::make_health_class(0)}};
    const Result r = validate(Settings{}, short_entry);
    EXPECT_EQ(r.verdict.compliance_codes, (std::vector<HResult>{hr::NAP_E_INVALID_PACKET}));
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.error->code, soh::Errc::MissingField);
    EXPECT_EQ(r.error->field, soh::Field::WshaEntry);
    ASSERT_EQ(r.hints.size(), 1u);
    EXPECT_NE(r.hints[0].find("malformed"), std::string::npos);
    check_consistent(r);
    // Classes out of order.
    SohEntry e = healthy();
    std::swap(e.classes[0], e.classes[1]);
    const Result swapped = run(e);
    ASSERT_TRUE(swapped.error.has_value());
    EXPECT_EQ(swapped.error->code, soh::Errc::BadValue);
    // Another SHA's entry handed to the WSHV.
    soh::ReportEntry other = build_soh_entry(healthy());
    other.id = 0x000137F0;
    EXPECT_TRUE(validate(Settings{}, other).error.has_value());
}

TEST(Wshv, EveryTruncationOfVector09) {
    // Cut the SoH short at every byte: it either does not decode, or the WSHV gives a
    // consistent answer.
    const auto bytes = test::load_vector("09-soh-wsha-full.hex");
    for (std::size_t n = 0; n <= bytes.size(); ++n) {
        const std::vector<std::uint8_t> cut(bytes.begin(),
                                            bytes.begin() + static_cast<std::ptrdiff_t>(n));
        auto view = soh::decode(cut);
        if (!view) {
            continue;
        }
        const Result r = validate(Settings{}, *view);
        check_consistent(r);
    }
}

// ---- the NAP API's SoH, as the SHV host hands it --------------------------------------------

// validate_as_wsha() must answer exactly as the owned-entry path it replaces in the server:
// to_entry(), the id taken as the WSHA's, validate().
void expect_same_as_owned(const SoH& soh, const std::string& what) {
    Settings enforce;
    enforce.security_updates.required = true;
    for (const Settings& s : {Settings{}, enforce}) {
        for (const bool generated : {false, true}) {
            soh::ReportEntry e = soh::to_entry(soh);
            e.id = kSystemHealthId;
            const Result want = validate(s, e, generated);
            const Result got = validate_as_wsha(s, soh, generated);
            SCOPED_TRACE(what + (generated ? ", system-generated" : ""));
            EXPECT_EQ(got.verdict, want.verdict);
            EXPECT_EQ(got.response, want.response);
            EXPECT_EQ(got.classes, want.classes);
            EXPECT_EQ(got.hints, want.hints);
            EXPECT_EQ(got.error, want.error);
            // What napserver asks for: the same response, and no verdict or sentences built for
            // an evaluated entry (the other paths answer in full).
            const Result lean = validate_as_wsha(s, soh, generated, Want::Response);
            EXPECT_EQ(lean.response, want.response);
            EXPECT_EQ(lean.classes, want.classes);
            EXPECT_EQ(lean.error, want.error);
            if (!generated && !want.error) {
                EXPECT_TRUE(lean.hints.empty());
                EXPECT_EQ(lean.verdict, policy::ShvVerdict{});
            } else {
                EXPECT_EQ(lean.hints, want.hints);
                EXPECT_EQ(lean.verdict, want.verdict);
            }
        }
    }
}

TEST(Wshv, TheNapSohGivesTheAnswerOfItsOwnedEntry) {
    std::vector<std::pair<std::string, soh::ReportEntry>> entries = {
        {"healthy, full layout", build_soh_entry(healthy())},
        {"healthy, compact layout", build_compact_soh_entry(healthy())},
        {"short", soh::ReportEntry{kSystemHealthId, {soh::attr::make_health_class(0)}}},
        {"empty", soh::ReportEntry{kSystemHealthId, {}}},
        {"system-generated shape",
         soh::ReportEntry{kSystemHealthId, {soh::attr::make_failure_category(3)}}},
    };
    SohEntry swapped = healthy();
    std::swap(swapped.classes[0], swapped.classes[1]);
    entries.emplace_back("classes out of order", build_soh_entry(swapped));
    for (const char* vector : {"08-soh-wsha-compact.hex", "09-soh-wsha-full.hex"}) {
        const auto bytes = test::load_vector(vector);
        auto view = soh::decode(bytes);
        ASSERT_TRUE(view.has_value());
        const soh::Message m = soh::Message::from(*view);
        const soh::ReportEntry* e = find_entry(m);
        ASSERT_NE(e, nullptr);
        entries.emplace_back(vector, *e);
    }
    for (const auto& [name, entry] : entries) {
        for (const std::uint32_t id : {kSystemHealthId, 0x007ED901u}) {
            soh::ReportEntry under = entry;
            under.id = id;
            const SoH soh = soh::to_soh(under);
            expect_same_as_owned(soh, name);
            // Every prefix of its attributes (the System-Health-ID first, then some TLVs).
            for (std::size_t n = 0; n < soh.attributes.size(); ++n) {
                SoH cut = soh;
                cut.attributes.resize(n);
                expect_same_as_owned(cut, name + ", " + std::to_string(n) + " attributes");
            }
            // The System-Health-ID elsewhere than first, twice, or missing.
            if (soh.attributes.size() > 2) {
                SoH moved = soh;
                std::rotate(moved.attributes.begin(), moved.attributes.begin() + 1,
                            moved.attributes.begin() + 3);
                expect_same_as_owned(moved, name + ", id third");
                SoH twice = soh;
                twice.attributes.push_back(soh.attributes[0]);
                expect_same_as_owned(twice, name + ", id twice");
                SoH none(soh);
                none.attributes.erase(none.attributes.begin());
                expect_same_as_owned(none, name + ", no id");
            }
        }
    }
}

}  // namespace
