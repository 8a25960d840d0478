#include "opennap/soh/wsha.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "support/vectors.h"

namespace opennap::soh::wsha {
namespace {

using test::ByteVec;
using test::load_vector;

// Absolute offsets of the WSHA entry's TLVs in vector 09 (mode sub-header 12..46, SSoH 46..137).
constexpr std::uint32_t kEntry = 137;  // System-Health-ID
constexpr std::uint32_t kFlag = 145;
constexpr std::uint32_t kVersion = 157;
constexpr std::uint32_t kFwClass = 169;
constexpr std::uint32_t kFwName = 174;
constexpr std::uint32_t kFwStatus = 212;
constexpr std::uint32_t kAsClass = 233;
constexpr std::uint32_t kAuClass = 284;
constexpr std::uint32_t kTlv19 = 331;
constexpr std::uint32_t kEnd09 = 343;

// Attribute indices (after the System-Health-ID) in vector 09's entry.
enum : std::size_t {
    iFlag = 0,
    iVersion,
    iFwClass,
    iFwName,
    iFwStatus,
    iAvClass,
    iAvStatus,
    iAsClass,
    iAsName,
    iAsStatus,
    iAuClass,
    iAuStatus,
    iSuClass,
    iSuStatus,
    iTlv17,
    iTlv18,
    iTlv19,
};

Message message09() {
    const ByteVec bytes = load_vector("09-soh-wsha-full.hex");
    auto v = decode(bytes);
    EXPECT_TRUE(v) << v.error().message();
    return Message::from(*v);
}

// Encodes `m`, decodes it again and parses its WSHA entry (the view form).
Result<SohEntry> reparse(const Message& m) {
    auto bytes = encode(m);
    EXPECT_TRUE(bytes) << bytes.error().message();
    auto v = decode(*bytes);
    EXPECT_TRUE(v) << v.error().message();
    auto e = find_entry(*v);
    EXPECT_TRUE(e);
    return parse_soh_entry(*e);
}

void expect_error(const Result<SohEntry>& r, Errc code, std::uint32_t offset, std::uint16_t type,
                  std::uint32_t value, std::uint32_t limit) {
    ASSERT_FALSE(r) << "parsed unexpectedly";
    const DecodeError& e = r.error();
    EXPECT_EQ(e.code, code) << e.message();
    EXPECT_EQ(e.field, Field::WshaEntry) << e.message();
    EXPECT_EQ(e.offset, offset) << e.message();
    EXPECT_EQ(e.type, type) << e.message();
    EXPECT_EQ(e.value, value) << e.message();
    EXPECT_EQ(e.limit, limit) << e.message();
    EXPECT_EQ(e.entry, 1) << e.message();
}

// The model of vector 09 as documented in its comment and ms-soh.md §4.
SohEntry model09() {
    SohEntry e;
    e.layout = Layout::Full;
    e.counter = 3;
    e.client_version = client_version::kWindowsVistaSp1;
    e.classes = {
        {HealthClass::Firewall, {{u"Windows Firewall", 0x7}}},
        {HealthClass::Antivirus, {{std::nullopt, status::kProductNotInstalled}}},
        {HealthClass::Antispyware, {{u"Windows Defender", 0x7}}},
        {HealthClass::AutomaticUpdates, {{std::nullopt, 0x4}}},
        {HealthClass::SecurityUpdates, {{std::nullopt, status::kMissingUpdates}}},
    };
    e.updates = UpdateDetails{86400, "", updates_flag::kSourceWindowsUpdate | 0x400};
    return e;
}

// ---- constants
// -----------------------------------------------------------------------------------

static_assert(kSystemHealthId == 0x00013780);
static_assert(static_cast<int>(HealthClass::SecurityUpdates) == 4);
static_assert(status::kEnabled == 1 && status::kUpToDate == 2 && status::kMicrosoft == 4 &&
              status::kSnoozed == 8);
static_assert(is_error(status::kProductNotInstalled) && is_error(status::kWscServiceDown) &&
              is_error(status::kWscNotStartedSinceBoot) &&
              is_error(status::kWuaNotStartedSinceBoot));
static_assert(!is_error(status::kNoMissingUpdates) && !is_error(status::kMissingUpdates));
static_assert(!is_error(0x7) && enabled(0x7) && up_to_date(0x7) && microsoft_product(0x7) &&
              !snoozed(0x7));
static_assert(!enabled(0xC0FF0003) && !up_to_date(0xC0FF0003));
static_assert(*auto_updates_setting(0x104) == AutoUpdates::Install &&
              auto_updates_by_policy(0x104));
static_assert(!auto_updates_setting(0) && !auto_updates_setting(6) && !auto_updates_setting(0x204));
static_assert(auto_updates_enabled(2) && auto_updates_enabled(0x103) && !auto_updates_enabled(1) &&
              !auto_updates_enabled(5) && !auto_updates_enabled(0xC0FF0003));

TEST(WshaConstants, CodeNames) {
    EXPECT_EQ(code_name(0), "S_OK");
    EXPECT_EQ(code_name(0xC0FF0001), "E_MSSHV_PRODUCT_NOT_ENABLED");
    EXPECT_EQ(code_name(0xC0FF0047), "E_MSSHV_THIRD_PARTY_PRODUCT_NOT_ENABLED");
    EXPECT_EQ(code_name(0xC0FF0004), "E_MSSHV_PRODUCT_NOT_UPTODATE");
    EXPECT_EQ(code_name(0xC0FF0048), "E_MSSHV_THIRD_PARTY_PRODUCT_NOT_UPTODATE");
    EXPECT_EQ(code_name(0xC0FF0007), "E_MSSHV_SYNC_AND_INSTALL_UPDATES");
    EXPECT_EQ(code_name(0xC0FF0012), "E_MSSHV_WUS_SHC_FAILURE");
    EXPECT_EQ(code_name(0xC0FF004E), "E_MSSHAV_BAD_UPDATE_SOURCE_MU");
    EXPECT_EQ(code_name(0xC0FF004F), "E_MSSHAV_BAD_UPDATE_SOURCE_WUMU");
    EXPECT_EQ(code_name(0xC0FF0050), "E_MSSHAV_BAD_UPDATE_SOURCE_MUWSUS");
    EXPECT_EQ(code_name(0xC0FF0051), "E_MSSHAV_NO_UPDATE_SOURCE");
    EXPECT_EQ(code_name(0xC0FF0002), "E_MSSHAV_PRODUCT_NOT_INSTALLED");
    EXPECT_EQ(code_name(0xC0FF0018), "E_MSSHAV_WSC_SERVICE_NOT_STARTED_SINCE_BOOT");
    EXPECT_EQ(code_name(0x00FF0005), "S_MSSHA_NO_MISSING_UPDATES");
    EXPECT_EQ(code_name(0x00FF0008), "E_MSSHAV_WUA_SERVICE_NOT_STARTED_SINCE_BOOT");
    EXPECT_EQ(code_name(0xC0FF0010), "E_MSSHAV_UPDATES_INSTALLED_REQUIRE_REBOOT");
    EXPECT_EQ(code_name(0x12345678), "");
    EXPECT_FALSE(code_message(0xC0FF0002).empty());
    EXPECT_EQ(code_message(0xDEADBEEF), "");
    EXPECT_EQ(code_to_string(0xC0FF0001), "E_MSSHV_PRODUCT_NOT_ENABLED (0xC0FF0001)");
    EXPECT_EQ(code_to_string(0xC0FFEE00), "0xC0FFEE00");
    EXPECT_EQ(to_string(HealthClass::Antispyware), "antispyware");
    EXPECT_EQ(to_string(static_cast<HealthClass>(9)), "unknown");
    EXPECT_EQ(to_string(Layout::Compact), "compact");
}

// FreeRADIUS 3.2 SoH-MS-Windows-Health-Status strings (ms-soh.md §7.1, §7.3).
TEST(WshaDescribe, MatchesFreeRadius) {
    EXPECT_EQ(describe(HealthClass::Firewall, 0x7),
              "firewall ok snoozed=0 microsoft=1 up2date=1 enabled=1");
    EXPECT_EQ(describe(HealthClass::Antispyware, 0xB),
              "antispyware ok snoozed=1 microsoft=0 up2date=1 enabled=1");
    EXPECT_EQ(describe(HealthClass::Antivirus, 0xC0FF0002), "antivirus error not-installed");
    EXPECT_EQ(describe(HealthClass::Antivirus, 0xC0FF0003), "antivirus error down");
    EXPECT_EQ(describe(HealthClass::Firewall, 0xC0FF0018), "firewall error not-started");
    EXPECT_EQ(describe(HealthClass::Firewall, 0xC0FF000E), "firewall error wua-disabled");
    EXPECT_EQ(describe(HealthClass::Firewall, 0xC0FF0099), "firewall error c0ff0099");
    EXPECT_EQ(describe(HealthClass::AutomaticUpdates, 4), "auto-updates ok action=install");
    EXPECT_EQ(describe(HealthClass::AutomaticUpdates, 2), "auto-updates ok action=check-only");
    EXPECT_EQ(describe(HealthClass::AutomaticUpdates, 1), "auto-updates warn disabled");
    EXPECT_EQ(describe(HealthClass::AutomaticUpdates, 5), "auto-updates warn unconfigured");
    EXPECT_EQ(describe(HealthClass::AutomaticUpdates, 0xC0FF0003),
              "auto-updates warn service-down");
    EXPECT_EQ(describe(HealthClass::AutomaticUpdates, 0x104), "auto-updates error 00000104");
    EXPECT_EQ(describe(HealthClass::SecurityUpdates, 0x00FF0006),
              "security-updates warn some-missing");
    EXPECT_EQ(describe(HealthClass::SecurityUpdates, 0x00FF0005),
              "security-updates ok all-installed");
    EXPECT_EQ(describe(HealthClass::SecurityUpdates, 0xC0FF0010),
              "security-updates warn needs-reboot");
    EXPECT_EQ(describe(HealthClass::SecurityUpdates, 0xC0FF000C),
              "security-updates error no-wsus-srv");
    EXPECT_EQ(describe(HealthClass::SecurityUpdates, 0xABCDEF01),
              "security-updates error abcdef01");
    EXPECT_EQ(describe(static_cast<HealthClass>(7), 1), "7 unknown 00000001");
}

// ---- vectors
// -------------------------------------------------------------------------------------

TEST(WshaSoh, ParsesFullVector09) {
    const ByteVec bytes = load_vector("09-soh-wsha-full.hex");
    auto v = decode(bytes);
    ASSERT_TRUE(v) << v.error().message();
    auto ev = find_entry(*v);
    ASSERT_TRUE(ev);
    EXPECT_EQ(ev->offset, kEntry);
    auto e = parse_soh_entry(*ev);
    ASSERT_TRUE(e) << e.error().message();
    EXPECT_EQ(e->layout, Layout::Full);
    EXPECT_EQ(e->counter, 3u);
    EXPECT_EQ(e->client_version, client_version::kWindowsVistaSp1);
    ASSERT_EQ(e->classes.size(), 5u);
    ASSERT_TRUE(e->find(HealthClass::Firewall));
    EXPECT_EQ(e->find(HealthClass::Firewall)->products[0].name, u"Windows Firewall");
    EXPECT_EQ(e->status(HealthClass::Firewall), 0x7u);
    EXPECT_EQ(e->find(HealthClass::Antivirus)->products[0].name, std::nullopt);
    EXPECT_EQ(e->status(HealthClass::Antivirus), status::kProductNotInstalled);
    EXPECT_EQ(e->find(HealthClass::Antispyware)->products[0].name, u"Windows Defender");
    EXPECT_EQ(e->status(HealthClass::Antispyware), 0x7u);
    EXPECT_EQ(e->status(HealthClass::AutomaticUpdates), 0x4u);
    EXPECT_EQ(e->status(HealthClass::SecurityUpdates), status::kMissingUpdates);
    ASSERT_TRUE(e->updates);
    EXPECT_EQ(e->updates->seconds_since_last_sync, 86400u);
    EXPECT_EQ(e->updates->wsus_server, "");
    EXPECT_EQ(e->updates->updates_flag, 0x4400u);
    EXPECT_TRUE(e->trailing.empty());
    EXPECT_EQ(*e, model09());

    // The owned form parses to the same model.
    Message m = Message::from(*v);
    auto owned = parse_soh_entry(*find_entry(m));
    ASSERT_TRUE(owned) << owned.error().message();
    EXPECT_EQ(*owned, *e);
}

TEST(WshaSoh, RebuildsVector09ByteExact) {
    const ByteVec bytes = load_vector("09-soh-wsha-full.hex");
    auto v = decode(bytes);
    ASSERT_TRUE(v);
    Message m = Message::from(*v);
    auto e = parse_soh_entry(*find_entry(*v));
    ASSERT_TRUE(e) << e.error().message();
    const ReportEntry built = build_soh_entry(*e);
    EXPECT_EQ(built, m.entries[0]);
    // And from the hand-written model.
    EXPECT_EQ(build_soh_entry(model09()), m.entries[0]);

    m.entries[0] = build_soh_entry(model09());
    auto out = encode(m);
    ASSERT_TRUE(out) << out.error().message();
    EXPECT_EQ(*out, bytes);
}

TEST(WshaSoh, ParsesCompactVector08) {
    const ByteVec bytes = load_vector("08-soh-wsha-compact.hex");
    auto v = decode(bytes);
    ASSERT_TRUE(v) << v.error().message();
    auto e = parse_soh_entry(*find_entry(*v));
    ASSERT_TRUE(e) << e.error().message();
    EXPECT_EQ(e->layout, Layout::Compact);
    EXPECT_EQ(e->counter, 0u);
    EXPECT_EQ(e->client_version, 0u);
    ASSERT_EQ(e->classes.size(), 5u);
    const std::uint32_t expected[] = {0x7, 0xC0FF0002, 0x7, 0x4, 0x00FF0006};
    for (std::uint8_t c = 0; c < 5; ++c) {
        EXPECT_EQ(e->classes[c].cls, static_cast<HealthClass>(c));
        ASSERT_EQ(e->classes[c].products.size(), 1u);
        EXPECT_FALSE(e->classes[c].products[0].name);
        EXPECT_EQ(e->classes[c].products[0].status, expected[c]);
    }
    EXPECT_FALSE(e->updates);
    // FreeRADIUS decodes vector 10 (= vector 08 in a VSA) to these five lines (ms-soh.md §7.3).
    const std::vector<std::string> lines = {
        "firewall ok snoozed=0 microsoft=1 up2date=1 enabled=1",
        "antivirus error not-installed",
        "antispyware ok snoozed=0 microsoft=1 up2date=1 enabled=1",
        "auto-updates ok action=install",
        "security-updates warn some-missing",
    };
    EXPECT_EQ(describe(*e), lines);
    EXPECT_EQ(describe(*parse_soh_entry(*find_entry(*decode(load_vector("09-soh-wsha-full.hex"))))),
              lines);

    Message m = Message::from(*v);
    EXPECT_EQ(build_compact_soh_entry(*e), m.entries[0]);
    m.entries[0] = build_compact_soh_entry(*e);
    auto out = encode(m);
    ASSERT_TRUE(out);
    EXPECT_EQ(*out, bytes);
}

TEST(WshaSohr, ParsesAndRebuildsVector15) {
    const ByteVec bytes = load_vector("15-sohr-synthesized.hex");
    auto v = decode(bytes, {.expect = Direction::Response});
    ASSERT_TRUE(v) << v.error().message();
    auto ev = find_entry(*v);
    ASSERT_TRUE(ev);
    auto e = parse_sohr_entry(*ev);
    ASSERT_TRUE(e) << e.error().message();
    SohrEntry expected;
    expected.classes = {
        {HealthClass::Firewall, {compliance::kOk}, std::nullopt},
        {HealthClass::Antivirus, {status::kProductNotInstalled}, kFailureCategoryClientComponent},
        {HealthClass::Antispyware, {compliance::kOk}, std::nullopt},
        {HealthClass::AutomaticUpdates, {compliance::kOk}, std::nullopt},
        {HealthClass::SecurityUpdates, {compliance::kOk}, std::nullopt},
    };
    EXPECT_EQ(*e, expected);
    EXPECT_FALSE(e->compliant());
    EXPECT_FALSE(e->find(HealthClass::Antivirus)->compliant());
    EXPECT_TRUE(e->find(HealthClass::Firewall)->compliant());

    Message m = Message::from(*v);
    auto owned = parse_sohr_entry(*find_entry(m));
    ASSERT_TRUE(owned);
    EXPECT_EQ(*owned, expected);
    EXPECT_EQ(build_sohr_entry(expected), m.entries[0]);
    m.entries[0] = build_sohr_entry(expected);
    auto out = encode(m);
    ASSERT_TRUE(out);
    EXPECT_EQ(*out, bytes);
}

TEST(WshaSohr, TwoCodesAndErrors) {
    SohrEntry s;
    s.classes = {{HealthClass::Firewall, {0}, std::nullopt},
                 {HealthClass::Antivirus, {0xC0FF0047, 0xC0FF0048}, std::nullopt},
                 {HealthClass::SecurityUpdates, {0xC0FF0007, 0x200}, std::nullopt}};
    ReportEntry r = build_sohr_entry(s);
    ASSERT_EQ(r.attributes.size(), 6u);
    EXPECT_EQ(r.attributes[3].value,
              (std::vector<std::uint8_t>{0xC0, 0xFF, 0x00, 0x47, 0xC0, 0xFF, 0x00, 0x48}));
    auto p = parse_sohr_entry(r);
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_EQ(*p, s);

    // Offsets of the owned form: SHID 0..8, HC 8..13, codes 13..21, HC 21..26, codes 26..38.
    ReportEntry bad = r;
    bad.attributes[2].value = {0};  // antivirus class written as firewall again
    auto e = parse_sohr_entry(bad);
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, Errc::BadValue);
    EXPECT_EQ(e.error().offset, 21u);
    EXPECT_EQ(e.error().value, 0u);
    EXPECT_EQ(e.error().limit, 1u);
    EXPECT_EQ(e.error().entry, -1);

    bad = r;
    bad.attributes[3].value.resize(12);
    e = parse_sohr_entry(bad);
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, Errc::BadLength);
    EXPECT_EQ(e.error().offset, 26u);
    EXPECT_EQ(e.error().type, tlv_type::kComplianceResultCodes);
    EXPECT_EQ(e.error().value, 12u);

    bad = r;
    bad.attributes.erase(bad.attributes.begin() + 1);  // firewall codes missing
    e = parse_sohr_entry(bad);
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, Errc::BadType);
    EXPECT_EQ(e.error().offset, 13u);
    EXPECT_EQ(e.error().value, tlv_type::kHealthClass);
    EXPECT_EQ(e.error().limit, tlv_type::kComplianceResultCodes);

    bad = r;
    bad.attributes.pop_back();  // security-updates codes missing at the end
    e = parse_sohr_entry(bad);
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, Errc::MissingField);
    EXPECT_EQ(e.error().offset, 43u);
    EXPECT_EQ(e.error().type, tlv_type::kComplianceResultCodes);

    bad = r;
    bad.attributes.insert(bad.attributes.begin() + 2, attr::make_u8(tlv_type::kFailureCategory, 2));
    bad.attributes[2].value = {2, 2};
    e = parse_sohr_entry(bad);
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, Errc::BadLength);
    EXPECT_EQ(e.error().type, tlv_type::kFailureCategory);

    bad = r;
    bad.attributes.push_back(attr::make_octets(tlv_type::kSoftwareVersion, {}));
    e = parse_sohr_entry(bad);
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, Errc::BadType);
    EXPECT_EQ(e.error().type, tlv_type::kSoftwareVersion);

    bad = r;
    bad.id = 0x00013781;
    e = parse_sohr_entry(bad);
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, Errc::BadValue);
    EXPECT_EQ(e.error().type, tlv_type::kSystemHealthId);
    EXPECT_EQ(e.error().offset, 0u);

    e = parse_sohr_entry(ReportEntry{kSystemHealthId, {}});
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, Errc::MissingField);
}

// ---- malformed SoH entries (absolute offsets in vector 09) -------------------------------------

TEST(WshaSoh, RejectsFewerThanFourTlvs) {
    Message m = message09();
    m.entries[0].attributes.resize(2);  // SHID + Flag + Version
    expect_error(reparse(m), Errc::MissingField, kEntry, tlv_type::kSystemHealthId, 3, 4);

    // Compact: SHID + one class pair.
    m = message09();
    m.entries[0].attributes = {attr::make_health_class(0), m.entries[0].attributes[iFwStatus]};
    expect_error(reparse(m), Errc::MissingField, kEntry, tlv_type::kSystemHealthId, 3, 4);

    // Exactly four TLVs is past that check and fails later (no antivirus class).
    m = message09();
    m.entries[0].attributes.resize(3);
    expect_error(reparse(m), Errc::MissingField, kFwClass + 5, tlv_type::kHealthClassStatus, 0, 0);
}

TEST(WshaSoh, RejectsClassesOutOfSequence) {
    Message m = message09();
    m.entries[0].attributes[iFwClass].value = {1};
    expect_error(reparse(m), Errc::BadValue, kFwClass, tlv_type::kHealthClass, 1, 0);

    // Vista SP1 must send antispyware.
    m = message09();
    auto& a = m.entries[0].attributes;
    a.erase(a.begin() + iAsClass, a.begin() + iAsStatus + 1);
    expect_error(reparse(m), Errc::BadValue, kAsClass, tlv_type::kHealthClass, 3, 2);

    // Windows XP must not.
    m = message09();
    m.entries[0].attributes[iVersion].value = {0x00, 0x01, 0x37, 0x80, 0x01, 0x00, 0x05, 0x00};
    expect_error(reparse(m), Errc::BadValue, kAsClass, tlv_type::kHealthClass, 2, 3);
    // ... and parses without it.
    m.entries[0].attributes.erase(m.entries[0].attributes.begin() + iAsClass,
                                  m.entries[0].attributes.begin() + iAsStatus + 1);
    auto xp = reparse(m);
    ASSERT_TRUE(xp) << xp.error().message();
    EXPECT_EQ(xp->client_version, client_version::kWindowsXp);
    EXPECT_EQ(xp->classes.size(), 4u);
    EXPECT_FALSE(xp->find(HealthClass::Antispyware));

    // A status where the automatic-updates Health-Class should be.
    m = message09();
    m.entries[0].attributes.erase(m.entries[0].attributes.begin() + iAuClass);
    expect_error(reparse(m), Errc::BadType, kAuClass, tlv_type::kHealthClassStatus,
                 tlv_type::kHealthClassStatus, tlv_type::kHealthClass);

    // Unknown class number.
    m = message09();
    m.entries[0].attributes[iAuClass].value = {9};
    expect_error(reparse(m), Errc::BadValue, kAuClass, tlv_type::kHealthClass, 9, 3);

    // Health-Class of the wrong length.
    m = message09();
    m.entries[0].attributes[iFwClass].value = {0, 0};
    expect_error(reparse(m), Errc::BadLength, kFwClass, tlv_type::kHealthClass, 2, 1);
}

TEST(WshaSoh, RejectsBadProductNames) {
    Message m = message09();
    m.entries[0].attributes[iFwName].value.pop_back();  // 33 bytes
    expect_error(reparse(m), Errc::BadLength, kFwName, tlv_type::kProductName, 33, 2);

    m = message09();
    auto& name = m.entries[0].attributes[iFwName].value;
    name[name.size() - 2] = 'x';  // no terminating NUL
    expect_error(reparse(m), Errc::BadValue, kFwName, tlv_type::kProductName, 'x', 0);

    m = message09();
    m.entries[0].attributes[iFwName].value.clear();
    expect_error(reparse(m), Errc::BadValue, kFwName, tlv_type::kProductName, 0, 0);

    // A name not followed by a status.
    m = message09();
    m.entries[0].attributes.erase(m.entries[0].attributes.begin() + iFwStatus);
    expect_error(reparse(m), Errc::BadType, kFwStatus, tlv_type::kHealthClass,
                 tlv_type::kHealthClass, tlv_type::kHealthClassStatus);

    // Automatic updates carry no product name.
    m = message09();
    m.entries[0].attributes.insert(m.entries[0].attributes.begin() + iAuStatus,
                                   m.entries[0].attributes[iFwName]);
    expect_error(reparse(m), Errc::BadType, kAuClass + 5, tlv_type::kProductName,
                 tlv_type::kProductName, tlv_type::kHealthClassStatus);

    // Names are UTF-16LE: non-ASCII code units survive.
    SohEntry e = model09();
    e.classes[0].products[0].name = u"Pare-feu \u00e9t\u00e9 \u2603";
    auto p = parse_soh_entry(build_soh_entry(e));
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_EQ(*p, e);
}

TEST(WshaSoh, RejectsWrongStatusAndFieldLengths) {
    Message m = message09();
    m.entries[0].attributes[iFwStatus].value.push_back(0);
    expect_error(reparse(m), Errc::BadLength, kFwStatus, tlv_type::kHealthClassStatus, 5, 4);

    m = message09();
    m.entries[0].attributes[iFwStatus].value.resize(2);
    expect_error(reparse(m), Errc::BadLength, kFwStatus, tlv_type::kHealthClassStatus, 2, 4);

    m = message09();
    m.entries[0].attributes[iFlag].value.push_back(0);
    expect_error(reparse(m), Errc::BadLength, kFlag, tlv_type::kVendorSpecific, 9, 8);

    m = message09();
    m.entries[0].attributes[iVersion].value.resize(6);
    expect_error(reparse(m), Errc::BadLength, kVersion, tlv_type::kVendorSpecific, 6, 8);

    m = message09();
    m.entries[0].attributes[iVersion].value[3] = 0x81;  // vendor 0x00013781
    expect_error(reparse(m), Errc::BadVendor, kVersion, tlv_type::kVendorSpecific, 0x00013781,
                 kVendorId);

    m = message09();
    m.entries[0].attributes[iTlv19].value.resize(6);
    expect_error(reparse(m), Errc::BadLength, kTlv19, tlv_type::kVendorSpecific, 6, 8);

    m = message09();
    m.entries[0].attributes[iTlv18].value.resize(4);
    expect_error(reparse(m), Errc::BadLength, kTlv19 - 9, tlv_type::kVendorSpecific, 4, 5);

    // TLV 17 without 18 and 19.
    m = message09();
    m.entries[0].attributes.resize(iTlv17 + 1);
    expect_error(reparse(m), Errc::MissingField, kTlv19 - 9, tlv_type::kVendorSpecific, 0, 0);

    // Version is not a Vendor-Specific TLV.
    m = message09();
    m.entries[0].attributes[iVersion].type = tlv_type::kSoftwareVersion;
    expect_error(reparse(m), Errc::BadType, kVersion, tlv_type::kSoftwareVersion,
                 tlv_type::kSoftwareVersion, tlv_type::kVendorSpecific);

    // Wrong System-Health-ID (owned form: relative offsets, entry -1).
    ReportEntry r = build_soh_entry(model09());
    r.id = 0x000137F0;
    auto e = parse_soh_entry(r);
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, Errc::BadValue);
    EXPECT_EQ(e.error().offset, 0u);
    EXPECT_EQ(e.error().value, 0x000137F0u);
    EXPECT_EQ(e.error().entry, -1);
}

TEST(WshaSoh, OwnedFormUsesEntryRelativeOffsets) {
    ReportEntry r = build_soh_entry(model09());
    r.attributes[iFwStatus].value.push_back(0);
    auto e = parse_soh_entry(r);
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().code, Errc::BadLength);
    EXPECT_EQ(e.error().offset, kFwStatus - kEntry);
    EXPECT_EQ(e.error().entry, -1);
}

TEST(WshaSoh, MultipleProductsAndTrailingTlvs) {
    SohEntry e = model09();
    e.classes[1].products = {{u"Contoso AV", 0x1}, {u"Fabrikam AV", 0xB}};
    e.trailing = {attr::make_octets(tlv_type::kSoftwareVersion, std::vector<std::uint8_t>{1, 2})};
    const ReportEntry r = build_soh_entry(e);
    auto p = parse_soh_entry(r);
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_EQ(*p, e);
    EXPECT_EQ(build_soh_entry(*p), r);
    EXPECT_EQ(describe(*p)[1], "antivirus ok snoozed=0 microsoft=0 up2date=0 enabled=1");
    EXPECT_EQ(describe(*p)[2], "antivirus ok snoozed=1 microsoft=0 up2date=1 enabled=1");

    // Without TLVs 17-19 (security-updates error) and with a named WSUS server.
    e.classes[4].products[0].status = status::kWuaServiceDisabled;
    e.updates.reset();
    p = parse_soh_entry(build_soh_entry(e));
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_EQ(*p, e);
    e.classes[4].products[0].status = status::kNoMissingUpdates;
    e.updates = UpdateDetails{60, "wsus.example.com", updates_flag::kSourceWsus};
    p = parse_soh_entry(build_soh_entry(e));
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_EQ(*p, e);
    const ReportEntry named = build_soh_entry(e);
    EXPECT_EQ(named.attributes[named.attributes.size() - 3].value.size(), 4u + 16u);
}

// Corrupting any TLV value of vector 09's entry yields an error or a model, never a crash, and
// every error points into the entry.
TEST(WshaSoh, CorruptedEntryValuesNeverCrash) {
    const Message base = message09();
    std::mt19937 rng(1234);
    std::size_t errors = 0, parsed = 0;
    for (std::size_t i = 0; i < base.entries[0].attributes.size(); ++i) {
        const std::size_t len = base.entries[0].attributes[i].value.size();
        std::vector<std::vector<std::uint8_t>> variants;
        for (std::size_t cut = 0; cut < len; ++cut) {
            const auto& v = base.entries[0].attributes[i].value;
            variants.emplace_back(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(cut));
        }
        for (int k = 0; k < 40; ++k) {
            auto v = base.entries[0].attributes[i].value;
            v[rng() % len] = static_cast<std::uint8_t>(rng());
            if (k % 4 == 0)
                v.push_back(static_cast<std::uint8_t>(rng()));
            variants.push_back(std::move(v));
        }
        for (auto& v : variants) {
            Message m = base;
            m.entries[0].attributes[i].value = v;
            auto bytes = encode(m);
            ASSERT_TRUE(bytes);
            auto view = decode(*bytes);
            ASSERT_TRUE(view) << view.error().message();
            auto r = parse_soh_entry(*find_entry(*view));
            if (r) {
                ++parsed;
                EXPECT_EQ(build_soh_entry(*r), m.entries[0]);
            } else {
                ++errors;
                EXPECT_EQ(r.error().field, Field::WshaEntry);
                EXPECT_GE(r.error().offset, kEntry);
                EXPECT_LE(r.error().offset, bytes->size());
                EXPECT_EQ(r.error().entry, 1);
                EXPECT_FALSE(r.error().message().empty());
            }
        }
        // Retyping the TLV (never to System-Health-ID, which would split the entry).
        for (std::uint16_t t = 0; t <= 16; ++t) {
            if (t == tlv_type::kSystemHealthId)
                continue;
            Message m = base;
            m.entries[0].attributes[i].type = t;
            auto bytes = encode(m);
            ASSERT_TRUE(bytes);
            auto view = decode(*bytes);
            ASSERT_TRUE(view);
            auto r = parse_soh_entry(*find_entry(*view));
            if (!r) {
                EXPECT_EQ(r.error().field, Field::WshaEntry);
            }
        }
    }
    EXPECT_GT(errors, 0u);
    EXPECT_GT(parsed, 0u);  // e.g. a changed status value is still well formed
}

// Raw byte corruption of the whole message: the decoder or the entry parser reports an error.
TEST(WshaSoh, CorruptedMessageBytesNeverCrash) {
    const ByteVec bytes = load_vector("09-soh-wsha-full.hex");
    std::mt19937 rng(99);
    for (int k = 0; k < 3000; ++k) {
        ByteVec b = bytes;
        const int flips = 1 + static_cast<int>(rng() % 3);
        for (int f = 0; f < flips; ++f)
            b[kEntry + rng() % (kEnd09 - kEntry)] = static_cast<std::uint8_t>(rng());
        if (k % 5 == 0)
            b.resize(kEntry + rng() % (kEnd09 - kEntry));
        auto v = decode(b);
        if (!v)
            continue;
        for (const EntryView& e : v->entries) {
            auto s = parse_soh_entry(e);
            auto r = parse_sohr_entry(e);
            if (!s) {
                EXPECT_EQ(s.error().field, Field::WshaEntry);
            }
            if (!r) {
                EXPECT_EQ(r.error().field, Field::WshaEntry);
            }
        }
    }
}

// ---- random round trip
// ---------------------------------------------------------------------------

SohEntry random_entry(std::mt19937& rng) {
    auto pick = [&](std::uint32_t n) { return static_cast<std::uint32_t>(rng() % n); };
    SohEntry e;
    e.layout = pick(3) == 0 ? Layout::Compact : Layout::Full;
    bool with_antispyware = true;
    if (e.layout == Layout::Full) {
        e.counter = static_cast<std::uint32_t>(rng());
        const std::uint32_t versions[] = {client_version::kWindowsXp, client_version::kWindowsVista,
                                          client_version::kWindowsVistaSp1, 0x00060002};
        e.client_version = versions[pick(4)];
        with_antispyware = e.client_version != client_version::kWindowsXp;
    } else {
        e.counter = 0;
        e.client_version = 0;
        with_antispyware = pick(2) == 0;
    }
    auto random_status = [&]() -> std::uint32_t {
        switch (pick(4)) {
            case 0:
                return pick(16);
            case 1:
                return status::kProductNotInstalled;
            case 2:
                return static_cast<std::uint32_t>(rng());
            default:
                return status::kWscServiceDown;
        }
    };
    for (std::uint8_t c = 0; c < kHealthClassCount; ++c) {
        const auto cls = static_cast<HealthClass>(c);
        if (cls == HealthClass::Antispyware && !with_antispyware)
            continue;
        ClassStatus cs{cls, {}};
        if (has_products(cls)) {
            if (pick(3) == 0) {
                cs.products.push_back({std::nullopt, random_status()});
            } else {
                const std::uint32_t n = 1 + pick(3);
                for (std::uint32_t k = 0; k < n; ++k) {
                    std::u16string name;
                    const std::uint32_t len = pick(12);
                    for (std::uint32_t j = 0; j < len; ++j)
                        name.push_back(
                            static_cast<char16_t>(pick(4) == 0 ? rng() : 0x41 + pick(26)));
                    cs.products.push_back({name, random_status()});
                }
            }
        } else {
            cs.products.push_back({std::nullopt, pick(2) ? pick(0x106) : random_status()});
        }
        e.classes.push_back(std::move(cs));
    }
    if (pick(2) == 0) {
        UpdateDetails d;
        d.seconds_since_last_sync = static_cast<std::uint32_t>(rng());
        const std::uint32_t len = pick(20);
        for (std::uint32_t j = 0; j < len; ++j)
            d.wsus_server.push_back(static_cast<char>(0x61 + pick(26)));
        d.updates_flag = static_cast<std::uint32_t>(rng());
        e.updates = d;
    }
    if (pick(4) == 0) {
        const std::uint16_t types[] = {tlv_type::kSoftwareVersion, tlv_type::kSoHGenerationTime,
                                       tlv_type::kErrorCodes, tlv_type::kClientId};
        const std::uint32_t n = 1 + pick(2);
        for (std::uint32_t k = 0; k < n; ++k) {
            std::vector<std::uint8_t> v(pick(9));
            for (auto& b : v)
                b = static_cast<std::uint8_t>(rng());
            e.trailing.push_back(attr::make_octets(types[pick(4)], v));
        }
    }
    return e;
}

TEST(WshaSoh, RandomModelsRoundTrip) {
    const Message base = message09();
    std::mt19937 rng(20240601);
    for (int k = 0; k < 500; ++k) {
        const SohEntry e = random_entry(rng);
        Message m = base;
        m.entries[0] = e.layout == Layout::Full ? build_soh_entry(e) : build_compact_soh_entry(e);
        auto bytes = encode(m);
        ASSERT_TRUE(bytes) << bytes.error().message();
        DecodeOptions opt;
        opt.limits.max_message_size = 0xFFFF;
        opt.limits.max_tlvs = 1000;
        auto v = decode(*bytes, opt);
        ASSERT_TRUE(v) << v.error().message();
        auto ev = find_entry(*v);
        ASSERT_TRUE(ev);
        auto p = parse_soh_entry(*ev);
        ASSERT_TRUE(p) << "iteration " << k << ": " << p.error().message();
        EXPECT_EQ(*p, e) << "iteration " << k;
        auto owned = parse_soh_entry(m.entries[0]);
        ASSERT_TRUE(owned);
        EXPECT_EQ(*owned, e);
    }
}

TEST(WshaSohr, RandomModelsRoundTrip) {
    std::mt19937 rng(7);
    for (int k = 0; k < 300; ++k) {
        SohrEntry s;
        for (std::uint8_t c = 0; c < kHealthClassCount; ++c) {
            if (rng() % 4 == 0)
                continue;
            ClassResult r;
            r.cls = static_cast<HealthClass>(c);
            r.codes.push_back(rng() % 2 ? 0u : static_cast<std::uint32_t>(rng()));
            if (rng() % 2)
                r.codes.push_back(static_cast<std::uint32_t>(rng()));
            if (rng() % 3 == 0)
                r.failure_category = static_cast<std::uint8_t>(rng());
            s.classes.push_back(std::move(r));
        }
        if (s.classes.empty())
            s.classes.push_back({HealthClass::Firewall, {0}, std::nullopt});
        Message m = Message::from(*decode(load_vector("15-sohr-synthesized.hex")));
        m.entries[0] = build_sohr_entry(s);
        auto bytes = encode(m);
        ASSERT_TRUE(bytes);
        auto v = decode(*bytes);
        ASSERT_TRUE(v) << v.error().message();
        auto p = parse_sohr_entry(*find_entry(*v));
        ASSERT_TRUE(p) << p.error().message();
        EXPECT_EQ(*p, s);
    }
}

TEST(WshaSoh, FindEntry) {
    Message m = message09();
    EXPECT_TRUE(find_entry(m));
    ReportEntry other{0x00013781, {attr::make_health_class(0)}};
    m.entries.insert(m.entries.begin(), other);
    ASSERT_TRUE(find_entry(m));
    EXPECT_EQ(find_entry(m)->id, kSystemHealthId);
    auto bytes = encode(m);
    ASSERT_TRUE(bytes);
    auto v = decode(*bytes);
    ASSERT_TRUE(v);
    auto e = find_entry(*v);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->index, 2);
    m.entries.clear();
    EXPECT_FALSE(find_entry(m));
}

}  // namespace
}  // namespace opennap::soh::wsha
