// The Windows Security Health Agent / Validator entry ([MS-WSH], System-Health-ID 0x00013780):
// typed models, parsers and builders for both directions, so that a Linux SHA can answer policies
// written for Windows clients and OpenNAP's server can validate Windows clients.
//
// Source: [MS-WSH] "Windows Security Health Agent (WSHA) and Windows Security Health Validator
// (WSHV) Protocol" v26.0 (2017-06-01); section numbers below are that document's. ms-soh.md §4 is
// the digest. Where the spec is silent or self-contradictory the rule is marked CHOSEN.
//
// SoH side (WSHA -> WSHV, [MS-WSH] 2.2.2, construction order 3.2.5.2). The SoHReportEntry is:
//
//   TLV 1  System-Health-ID(2)    0x00013780                                   2.2.2.1, 2.2.4
//   TLV 2  Vendor-Specific(7)     0x00013780 (BE) + Flag counter u32 LE         2.2.2.2, 2.2.5
//   TLV 3  Vendor-Specific(7)     0x00013780 (BE) + client Version u32 LE       2.2.2.3, 2.2.6
//   TLV 4  Health-Class(8)        0 firewall                                   2.2.2.4, 2.2.7
//   TLV 5  Product-Name(10)       UTF-16LE, NUL-terminated  } per product;     2.2.2.5, 2.2.8
//   TLV 6  Health-Class-Status(11) u32 BE ClientStatusCode  } see below        2.2.2.6, 2.2.9
//   TLV 7-9   the same for class 1 antivirus                                   2.2.2.7-9
//   TLV 10-12 the same for class 2 antispyware (never sent by Windows XP)      2.2.2.10-12, <3>
//   TLV 13-14 Health-Class 3 automatic updates + its status (no name)          2.2.2.13-14
//   TLV 15-16 Health-Class 4 security updates + its status (no name)           2.2.2.15-16
//   TLV 17 Vendor-Specific(7)     0x00013780 + seconds since last sync u32 LE   2.2.2.17, 2.2.10
//   TLV 18 Vendor-Specific(7)     0x00013780 + WSUS server name (single-byte
//                                 chars) or one 0x00 byte (not enlisted)      2.2.2.18, 2.2.11
//   TLV 19 Vendor-Specific(7)     0x00013780 + UpdatesFlag u32 LE               2.2.2.19, 2.2.12
//
// Everything is big-endian except the four LE u32 fields named above (2.2.2). Per class 0-2 the
// WSHA appends either one nameless status (the class's WSC error code) or one Product-Name +
// status pair per installed product (3.2.5.2, the ProductIndex loops; "There can be multiple
// ProductName TLVs", 2.2.8). TLVs 17-19 are sent only when the security-updates status is
// 0x00FF0005 or 0x00FF0006 (3.2.5.2; notes under 2.2.2.17-19). M/R bits are ignored on receipt
// (2.2.1).
//
// The "compact" layout (vector 08, which FreeRADIUS decodes) is the same without TLVs 2 and 3. A
// real WSHV abandons it (its TLV 4 is not the firewall Health-Class, 3.3.5.2); it is
// accepted here because FreeRADIUS-oriented agents send it. Which layout was seen is reported.
//
// Parser rules (parse_soh_entry). Structural only: status *values* are not judged (that is the
// validator's policy), with these errors, all Field::WshaEntry, `offset` = absolute offset of the
// offending TLV header (entry end for a missing TLV), `type` = that TLV's type (the expected type
// for a missing one), `entry` = the SoHReportEntry index:
//   * fewer than 4 TLVs in the entry, System-Health-ID included -> MissingField (3.3.5.2: "If
//     the SoH has fewer than 4 TLVs, stop processing and abandon the SoH"); value = count,
//     limit = 4.
//   * System-Health-ID other than 0x00013780 -> BadValue (3.1.5.1).
//   * Health-Class TLVs out of sequence -> BadValue (type 8, value = class seen, limit = class
//     expected) or BadType (another TLV where a Health-Class was expected; limit = 8). Required
//     sequence: 0, 1, 2, 3, 4 (3.3.5.2 abandons the SoH whenever the next Health-Class is not
//     the one it expects, with SOH_TLV_Index starting at TLV 4). Antispyware (2) is
//     skipped iff Version is 0x00050001, Windows XP (<3>, <14>). CHOSEN: in the compact layout,
//     which has no Version, antispyware is optional.
//   * after a firewall/antivirus/antispyware Health-Class: either one nameless
//     Health-Class-Status, which ends the class, or one or more Product-Name + Health-Class-Status
//     pairs (3.2.5.2 and the 3.3.5.2 product loops, which abandon the SoH otherwise). A
//     Product-Name not followed by a status, or a class with neither -> BadType (limit = 11) or
//     MissingField at the entry end. The status *value* of a nameless status is not checked
//     (3.3.5.2 wants an error code there).
//   * automatic/security updates: exactly one Health-Class-Status, no Product-Name (2.2.2.14,
//     2.2.2.16) -> BadType otherwise.
//   * Health-Class length != 1, Health-Class-Status length != 4 (2.2.2.6) -> BadLength
//     (value = length, limit = expected).
//   * Flag / Version / TLV 17 / TLV 19 not type 7 -> BadType; length != 8 -> BadLength; vendor
//     prefix != 0x00013780 -> BadVendor. TLV 18 shorter than 5 bytes -> BadLength.
//   * Product-Name: odd byte count -> BadLength (limit = 2); no trailing NUL code unit ->
//     BadValue. CHOSEN: the name is everything before the final NUL (embedded NULs are kept).
//   * TLVs 17-19: CHOSEN: a Vendor-Specific TLV right after the security-updates status starts
//     them and all three must then follow; their presence is not checked against the status
//     value. Any TLVs after that point are kept in `trailing` (the WSHV stops reading after TLV
//     19, 3.3.5.2), so a rebuild is lossless. CHOSEN: `trailing` never starts with a
//     Vendor-Specific TLV when `updates` is absent, nor contains a System-Health-ID.
//
// SoHR side (WSHV -> WSHA, [MS-WSH] 2.2.3): System-Health-ID 0x00013780, then per class
// Health-Class(8), Compliance-Result-Codes(4) with one or two u32 BE (2.2.3.6: length 4 or 8),
// and optionally Failure-Category(14), 1 byte, which the spec fixes at 2 (2.2.3.4). Antispyware is
// absent in an SoHR to Windows XP (<3>). parse_sohr_entry: classes strictly increasing and <= 4
// (BadValue otherwise), Compliance-Result-Codes required after each Health-Class (MissingField /
// BadType), codes length 4 or 8 (BadLength), Failure-Category length 1 (BadLength), any other TLV
// -> BadType. CHOSEN: classes may be omitted (the WSHA's SoHR walk, 3.2.5.3, is lenient too).
//
// Builders write the model as given, in model order, with M/R clear, and never fail; a model
// that breaks the rules above builds an entry the parser rejects, and a TLV value longer than
// 0xFFFF bytes makes soh::encode() fail.
//
// No I/O, no exceptions (besides std::bad_alloc from the owning models).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "opennap/core/nap_structs.h"
#include "opennap/soh/error.h"
#include "opennap/soh/message.h"
#include "opennap/soh/tlv.h"

namespace opennap::soh::wsha {

// ---- constants ---------------------------------------------------------------------------------

// NAPSystemHealthID of the WSHA and WSHV (2.2.4), also the 4-byte vendor prefix of TLVs 2, 3,
// 17, 18, 19 (2.2.5, 2.2.6, 2.2.10-2.2.12).
inline constexpr std::uint32_t kSystemHealthId = 0x00013780;
inline constexpr std::uint32_t kVendorId = 0x00013780;

// HealthClassID (2.2.7).
enum class HealthClass : std::uint8_t {
    Firewall = 0,
    Antivirus = 1,
    Antispyware = 2,  // not sent by / to Windows XP (<3>)
    AutomaticUpdates = 3,
    SecurityUpdates = 4,
};
inline constexpr std::uint8_t kHealthClassCount = 5;

[[nodiscard]] constexpr bool is_valid(HealthClass c) noexcept {
    return static_cast<std::uint8_t>(c) < kHealthClassCount;
}
// True for the classes that report products with a ClientStatusCode bit field (0, 1, 2).
[[nodiscard]] constexpr bool has_products(HealthClass c) noexcept {
    return static_cast<std::uint8_t>(c) <= static_cast<std::uint8_t>(HealthClass::Antispyware);
}
// "firewall", "antivirus", "antispyware", "auto-updates", "security-updates" (FreeRADIUS's
// words), "unknown" otherwise.
[[nodiscard]] std::string_view to_string(HealthClass c) noexcept;

// WSHA Version values (2.2.6 note <2>).
namespace client_version {
inline constexpr std::uint32_t kWindowsXp = 0x00050001;
inline constexpr std::uint32_t kWindowsVista = 0x00060000;
inline constexpr std::uint32_t kWindowsVistaSp1 = 0x00060001;
}  // namespace client_version

// ClientStatusCode (2.2.9). Without an error the low four bits are (2.2.9.6):
namespace status {
inline constexpr std::uint32_t kEnabled = 0x1;    // D/B0: product enabled (FW, AV, AS)
inline constexpr std::uint32_t kUpToDate = 0x2;   // C/B1: signatures current (AV, AS)
inline constexpr std::uint32_t kMicrosoft = 0x4;  // B/B2: Microsoft product (FW, AV, AS)
inline constexpr std::uint32_t kSnoozed = 0x8;    // A/B3: temporarily snoozed (FW, AV, AS)
inline constexpr std::uint32_t kBitsMask = 0xF;   // the upper 28 bits MUST be ignored

// WSC error codes (2.2.9.2). 2.2.8 and 3.3.5.2 write the last one as 0x00FF0008 (which 2.2.9.1
// assigns to E_MSSHAV_WUA_SERVICE_NOT_STARTED_SINCE_BOOT); OpenNAP treats both as errors.
inline constexpr std::uint32_t kProductNotInstalled = 0xC0FF0002;     // no Product-Name TLV
inline constexpr std::uint32_t kWscServiceDown = 0xC0FF0003;          // FW, AV, AS, AU
inline constexpr std::uint32_t kWscNotStartedSinceBoot = 0xC0FF0018;  // FW, AV, AS, AU

// Security-updates codes (2.2.9.1).
inline constexpr std::uint32_t kNoMissingUpdates = 0x00FF0005;        // S_MSSHA_NO_MISSING_UPDATES
inline constexpr std::uint32_t kMissingUpdates = 0x00FF0006;          // S_MSSHA_MISSING_UPDATES
inline constexpr std::uint32_t kWuaNotStartedSinceBoot = 0x00FF0008;  // an error despite 0x00
inline constexpr std::uint32_t kNoWusServer = 0xC0FF000C;
inline constexpr std::uint32_t kNoClientId = 0xC0FF000D;
inline constexpr std::uint32_t kWuaServiceDisabled = 0xC0FF000E;
inline constexpr std::uint32_t kWuaCommFailure = 0xC0FF000F;
inline constexpr std::uint32_t kUpdatesRequireReboot = 0xC0FF0010;

// Automatic-updates status (2.2.9.5): the setting in the low bits, plus 0x100 if set by policy.
inline constexpr std::uint32_t kAutoUpdatesPolicy = 0x100;
inline constexpr std::uint32_t kAutoUpdatesSettingMask = 0xFF;
}  // namespace status

enum class AutoUpdates : std::uint8_t {
    Disabled = 1,       // "AUs not enabled"
    CheckOnly = 2,      // enabled, check only
    Download = 3,       // enabled, download
    Install = 4,        // enabled, download and install
    NotConfigured = 5,  // never configured
};

// UpdatesFlag (2.2.12) and the severity bit mask of the security-updates ComplianceCode2
// (2.2.14.2).
namespace updates_flag {
inline constexpr std::uint32_t kSeverityUnspecified = 0x40;
inline constexpr std::uint32_t kSeverityLow = 0x80;
inline constexpr std::uint32_t kSeverityModerate = 0x100;
inline constexpr std::uint32_t kSeverityImportant = 0x200;
inline constexpr std::uint32_t kSeverityCritical = 0x400;
inline constexpr std::uint32_t kSeverityMask = 0xFF0;  // what the WSHV compares (3.3.5.2)
inline constexpr std::uint32_t kSourceWindowsUpdate = 0x4000;
inline constexpr std::uint32_t kSourceWsus = 0x10000;
inline constexpr std::uint32_t kSourceMicrosoftUpdate = 0x20000;
inline constexpr std::uint32_t kSourceMask = 0x34000;
}  // namespace updates_flag

// ComplianceCode1 / ComplianceCode2 values the WSHV sends (2.2.13, 2.2.14). The client codes
// above are echoed too.
namespace compliance {
inline constexpr std::uint32_t kOk = 0x00000000;                 // S_OK
inline constexpr std::uint32_t kProductNotEnabled = 0xC0FF0001;  // FW, AV, AS, AU
inline constexpr std::uint32_t kThirdPartyProductNotEnabled = 0xC0FF0047;
inline constexpr std::uint32_t kProductNotUpToDate = 0xC0FF0004;            // code 2, AV / AS
inline constexpr std::uint32_t kThirdPartyProductNotUpToDate = 0xC0FF0048;  // code 2, AV / AS
inline constexpr std::uint32_t kSyncAndInstallUpdates = 0xC0FF0007;         // SU
inline constexpr std::uint32_t kWusShcFailure = 0xC0FF0012;                 // SU; SoH not usable
inline constexpr std::uint32_t kBadUpdateSourceMu = 0xC0FF004E;
inline constexpr std::uint32_t kBadUpdateSourceWuMu = 0xC0FF004F;
inline constexpr std::uint32_t kBadUpdateSourceMuWsus = 0xC0FF0050;
inline constexpr std::uint32_t kNoUpdateSource = 0xC0FF0051;
}  // namespace compliance

// The Failure-Category value the WSHV sends after an error (2.2.3.4: "MUST be set to 2",
// FailureCategory::ClientComponent).
inline constexpr std::uint8_t kFailureCategoryClientComponent = 2;

// Spec name of any ClientStatusCode / ComplianceCode above ("S_OK",
// "E_MSSHV_PRODUCT_NOT_ENABLED", ...), or "" if the value has none.
[[nodiscard]] std::string_view code_name(std::uint32_t code) noexcept;
// One-line meaning from 2.2.9 / 2.2.13 / 2.2.14 ("product not installed"), or "".
[[nodiscard]] std::string_view code_message(std::uint32_t code) noexcept;
// "E_MSSHV_PRODUCT_NOT_ENABLED (0xC0FF0001)", or "0x12345678" for an unnamed value.
[[nodiscard]] std::string code_to_string(std::uint32_t code);

// ---- ClientStatusCode interpretation (2.2.9)
// -----------------------------------------------------

// An error per 2.2.9: the value begins with 0xC0, or is 0x00FF0008. OpenNAP also counts any value
// with the HRESULT severity bit (0x80000000) as an error.
[[nodiscard]] constexpr bool is_error(std::uint32_t s) noexcept {
    return (s & 0x80000000u) != 0 || s == status::kWuaNotStartedSinceBoot;
}
// The 2.2.9.6 bits; all false for an error code. Meaningful for firewall, antivirus and
// antispyware (up_to_date: antivirus and antispyware only).
[[nodiscard]] constexpr bool enabled(std::uint32_t s) noexcept {
    return !is_error(s) && (s & status::kEnabled) != 0;
}
[[nodiscard]] constexpr bool up_to_date(std::uint32_t s) noexcept {
    return !is_error(s) && (s & status::kUpToDate) != 0;
}
[[nodiscard]] constexpr bool microsoft_product(std::uint32_t s) noexcept {
    return !is_error(s) && (s & status::kMicrosoft) != 0;
}
[[nodiscard]] constexpr bool snoozed(std::uint32_t s) noexcept {
    return !is_error(s) && (s & status::kSnoozed) != 0;
}
// Automatic updates (2.2.9.5): the setting (policy bit masked off), nullopt for errors and values
// outside 1..5.
[[nodiscard]] constexpr std::optional<AutoUpdates> auto_updates_setting(std::uint32_t s) noexcept {
    if (is_error(s) || (s & ~(status::kAutoUpdatesSettingMask | status::kAutoUpdatesPolicy)) != 0)
        return std::nullopt;
    const std::uint32_t v = s & status::kAutoUpdatesSettingMask;
    if (v < 1 || v > 5)
        return std::nullopt;
    return static_cast<AutoUpdates>(v);
}
[[nodiscard]] constexpr bool auto_updates_by_policy(std::uint32_t s) noexcept {
    return !is_error(s) && (s & status::kAutoUpdatesPolicy) != 0;
}
// Check-only, download or install. Note: the Windows WSHV compares the whole status with 1 and 5
// (3.3.5.2), so 0x101 / 0x105 (set by policy) pass there; this helper masks the bit.
[[nodiscard]] constexpr bool auto_updates_enabled(std::uint32_t s) noexcept {
    const auto v = auto_updates_setting(s);
    return v && *v != AutoUpdates::Disabled && *v != AutoUpdates::NotConfigured;
}

// FreeRADIUS 3.x `SoH-MS-Windows-Health-Status` text for one Health-Class-Status, byte for byte
// (FreeRADIUS src/main/soh.c, identical in 3.0.26-3.2.10), e.g.
//   "firewall ok snoozed=0 microsoft=1 up2date=1 enabled=1"   classes 0-2, top byte 0
//   "antivirus error not-installed"                           classes 0-2, top byte != 0
//   "auto-updates ok action=install"                          class 3
//   "security-updates warn some-missing"                      class 4
//   "7 unknown 00000001"                                      other classes
// Classes 0-2 with a non-zero top byte: "error " + one of not-installed (C0FF0002), down
// (C0FF0003), not-started (C0FF0018), wua-no-wsus-server / wua-no-wsus-clientid / wua-disabled /
// wua-comm-failure (C0FF000C-F), or %08x. Class 3: "warn disabled" (1), "ok action=check-only"
// (2), "ok action=download" (3), "ok action=install" (4), "warn unconfigured" (5), "warn
// service-down" (C0FF0003), "warn never-started" (C0FF0018), else "error %08x" (FreeRADIUS
// compares the whole value, so policy-set 0x104 reads "error 00000104"). Class 4: "ok
// all-installed" (00FF0005), "warn some-missing" (00FF0006), "warn never-started" (00FF0008),
// "error no-wsus-srv" (C0FF000C), "error no-wsus-clid" (C0FF000D), "warn wsus-disabled"
// (C0FF000E), "error comm-failure" (C0FF000F), "warn needs-reboot" (C0FF0010), else "error
// %08x". Hex is lower case. FreeRADIUS quirks are kept on purpose (policies match these strings).
[[nodiscard]] std::string describe(HealthClass cls, std::uint32_t status);

// ---- SoH side: model, parser, builders
// -----------------------------------------------------------

enum class Layout : std::uint8_t {
    Full,     // [MS-WSH] 2.2.2: Flag and Version TLVs first (vector 09)
    Compact,  // Health-Class / status TLVs only (vector 08, FreeRADIUS-style)
};
[[nodiscard]] std::string_view to_string(Layout l) noexcept;  // "full", "compact"

// One Health-Class-Status TLV, with the Product-Name TLV that precedes it, if any.
struct Product {
    std::optional<std::u16string> name;  // UTF-16 code units, without the terminating NUL
    std::uint32_t status = 0;            // ClientStatusCode (2.2.9)
    friend bool operator==(const Product&, const Product&) = default;
};

// One health class: its Health-Class TLV and the products / status reported under it. Classes
// 0-2 carry either exactly one nameless (error) status or one or more named products; classes 3
// and 4 carry exactly one nameless status. Other shapes build, but do not parse back.
struct ClassStatus {
    HealthClass cls = HealthClass::Firewall;
    std::vector<Product> products;
    friend bool operator==(const ClassStatus&, const ClassStatus&) = default;

    // The first product's status (the only one for classes 3 and 4); nullopt if none.
    [[nodiscard]] std::optional<std::uint32_t> status() const noexcept {
        if (products.empty())
            return std::nullopt;
        return products.front().status;
    }
};

// TLVs 17-19 (2.2.10-2.2.12; SecurityUpdatesStatus, 2.2.15.2). Sent together, only when the
// security-updates status is 0x00FF0005 / 0x00FF0006.
struct UpdateDetails {
    std::uint32_t seconds_since_last_sync = 0;  // DurationSinceLastSynch, LE on the wire
    // The WSUS server name as sent (single-byte characters, kept verbatim). "" = not enlisted,
    // sent as one 0x00 byte; a received single 0x00 byte reads back as "".
    std::string wsus_server;
    std::uint32_t updates_flag = 0;  // updates_flag:: bits, LE on the wire
    friend bool operator==(const UpdateDetails&, const UpdateDetails&) = default;
};

struct SohEntry {
    Layout layout = Layout::Full;  // parse: what was seen; builders ignore it
    std::uint32_t counter = 0;     // Flag (2.2.5): per-SoH counter, LE. 0 in the compact layout
    std::uint32_t client_version = client_version::kWindowsVistaSp1;  // Version (2.2.6), LE;
                                                                      // 0 in the compact layout
    std::vector<ClassStatus> classes;                                 // wire order
    std::optional<UpdateDetails> updates;                             // TLVs 17-19
    std::vector<Attribute> trailing;  // TLVs after the last understood one (lossless rebuild)
    friend bool operator==(const SohEntry&, const SohEntry&) = default;

    [[nodiscard]] const ClassStatus* find(HealthClass cls) const noexcept;
    // find(cls)->status(), or nullopt.
    [[nodiscard]] std::optional<std::uint32_t> status(HealthClass cls) const noexcept;
};

// Parses a WSHA SoHReportEntry (either layout). Offsets in errors are absolute (view offsets).
[[nodiscard]] Result<SohEntry> parse_soh_entry(const EntryView& entry);
// The same for an owned entry; offsets are relative to the entry as encoded (its
// System-Health-ID TLV at 0), `entry` is -1.
[[nodiscard]] Result<SohEntry> parse_soh_entry(const ReportEntry& entry);
// The same for the NAP API's SoH (opennap::SoH, as an SHV is handed it), read as the WSHA's
// whatever its System-Health-ID (the layout is the same under OpenNAP's security-center id,
// docs/checks.md): exactly as parse_soh_entry(e) where e = to_entry(soh) (soh/nap_soh.h) with
// e.id = kSystemHealthId, errors and offsets included, without copying the attributes.
[[nodiscard]] Result<SohEntry> parse_soh_entry_as_wsha(const SoH& soh);

// Full [MS-WSH] 2.2.2 layout: Flag, Version, classes, TLVs 17-19, trailing. id = 0x00013780.
[[nodiscard]] ReportEntry build_soh_entry(const SohEntry& e);
// Compact layout (vector 08): the same without Flag and Version.
[[nodiscard]] ReportEntry build_compact_soh_entry(const SohEntry& e);

// One FreeRADIUS-style describe() line per Health-Class-Status, in wire order.
[[nodiscard]] std::vector<std::string> describe(const SohEntry& e);

// ---- SoHR side (WSHV)
// ----------------------------------------------------------------------------

struct ClassResult {
    HealthClass cls = HealthClass::Firewall;
    std::vector<std::uint32_t> codes;              // ComplianceCode1 [, ComplianceCode2]
    std::optional<std::uint8_t> failure_category;  // 2.2.3.4: 2 after a client error
    friend bool operator==(const ClassResult&, const ClassResult&) = default;

    // Every code is S_OK (ComplianceCode2 is 0 whenever ComplianceCode1 is, 2.2.14.2).
    [[nodiscard]] bool compliant() const noexcept {
        for (std::uint32_t c : codes) {
            if (c != compliance::kOk)
                return false;
        }
        return true;
    }
};

struct SohrEntry {
    std::vector<ClassResult> classes;  // wire order
    friend bool operator==(const SohrEntry&, const SohrEntry&) = default;

    [[nodiscard]] const ClassResult* find(HealthClass cls) const noexcept;
    [[nodiscard]] bool compliant() const noexcept {
        for (const auto& c : classes) {
            if (!c.compliant())
                return false;
        }
        return true;
    }
};

[[nodiscard]] Result<SohrEntry> parse_sohr_entry(const EntryView& entry);
[[nodiscard]] Result<SohrEntry> parse_sohr_entry(const ReportEntry& entry);
// SHID 0x00013780; per class Health-Class, Compliance-Result-Codes, [Failure-Category].
[[nodiscard]] ReportEntry build_sohr_entry(const SohrEntry& e);

// ---- locating the entry
// --------------------------------------------------------------------------

// The first report entry with System-Health-ID 0x00013780, if any.
[[nodiscard]] std::optional<EntryView> find_entry(const MessageView& message) noexcept;
[[nodiscard]] const ReportEntry* find_entry(const Message& message) noexcept;
[[nodiscard]] ReportEntry* find_entry(Message& message) noexcept;

}  // namespace opennap::soh::wsha
