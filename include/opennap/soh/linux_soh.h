// OpenNAP's Linux SHA on the wire (docs/linux-sha.md): the SoH report entry the Linux SHA sends
// under its System-Health-ID (default 0x007ED902, core/opennap_ids.h) and the SoHR report entry
// its validator answers with. Pure: values in, TLVs out, and back; untrusted input yields a
// DecodeError (Field::LinuxEntry) that says what and where, never a crash or an exception
// (besides std::bad_alloc).
//
// SoH entry (the System-Health-ID is ReportEntry::id):
//   Product-Name (10)        "OpenNAP Linux SHA" (UTF-8, informational)
//   Software-Version (9)     the SHA's version (UTF-8, informational)
//   Failure-Category (14)    2 (client component) iff some check could not be measured
//   Vendor-Specific (7)      vendor id = the entry's System-Health-ID's enterprise (PEN 32473)
//                            << 8 | 0x02, value = the check report:
//     u8 format (1), then per check: u8 check, u8 status, u16 length, `length` bytes of items;
//     an item: u8 type, u16 length, value (types below; unknown types are skipped).
// SoHR entry:
//   Compliance-Result-Codes (4)  one HRESULT per answered check, in the order of the records
//                                below (S_OK = compliant); or [NAP_E_MISSING_SOH] /
//                                [NAP_E_INVALID_PACKET] alone, without the vendor TLV
//   Vendor-Specific (7)          u8 format (1), then per check: u8 check, u8 result,
//                                u16 length, items (kHint: one remediation hint, UTF-8, each)
//
// Limits: at most 32 records, 64 items per record, 1024 bytes per text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "opennap/core/hresult.h"
#include "opennap/soh/error.h"
#include "opennap/soh/message.h"

namespace opennap::soh::linux_sha {

inline constexpr std::uint8_t kFormat = 1;
inline constexpr std::size_t kMaxRecords = 32;
inline constexpr std::size_t kMaxItems = 64;
inline constexpr std::size_t kMaxText = 1024;
inline constexpr std::string_view kProductName = "OpenNAP Linux SHA";

// The checks of the Linux SHA (numbers on the wire; 0 and > 6 are not checks).
enum class Check : std::uint8_t {
    DiskEncryption = 1,
    SecureBoot = 2,
    KernelLockdown = 3,
    ScreenLock = 4,
    IpForwarding = 5,
    OsIdentity = 6,
};
inline constexpr std::uint8_t kCheckMax = 6;
// "disk-encryption", ... (the names of checks::CheckId); "check N" for others.
[[nodiscard]] std::string to_string(Check c);

enum class Status : std::uint8_t { Pass = 0, Fail = 1, NotApplicable = 2, Error = 3 };
inline constexpr std::uint8_t kStatusMax = 3;
[[nodiscard]] std::string_view to_string(Status s) noexcept;

// Tri-state of a per-family / per-target fact.
enum class State : std::uint8_t { Off = 0, On = 1, NotApplicable = 2 };

enum class Lockdown : std::uint8_t { None = 0, Integrity = 1, Confidentiality = 2, Unknown = 0xFF };

// Item types in an SoH check record.
namespace item {
inline constexpr std::uint8_t kReason = 1;       // UTF-8: why this status
inline constexpr std::uint8_t kError = 2;        // u32: the HRESULT of a failed measurement
inline constexpr std::uint8_t kTarget = 3;       // disk encryption: u8 status, u8 kind, path
inline constexpr std::uint8_t kLockdown = 4;     // u8 Lockdown
inline constexpr std::uint8_t kSecureBoot = 5;   // u8 State enabled, u8 State setup mode
inline constexpr std::uint8_t kForwarding = 6;   // u8 State IPv4, u8 State IPv6
inline constexpr std::uint8_t kOsId = 7;         // UTF-8: os-release ID
inline constexpr std::uint8_t kOsVersionId = 8;  // UTF-8: os-release VERSION_ID
inline constexpr std::uint8_t kKernel = 9;       // UTF-8: uname release
inline constexpr std::uint8_t kOsName = 10;      // UTF-8: os-release PRETTY_NAME
// In an SoHR check record.
inline constexpr std::uint8_t kHint = 1;  // UTF-8: one remediation hint
}  // namespace item

enum class TargetKind : std::uint8_t { Mount = 0, Swap = 1 };

struct Target {
    Status status = Status::Error;
    TargetKind kind = TargetKind::Mount;
    std::string path;  // the mount point, or the swap device / file
    friend bool operator==(const Target&, const Target&) = default;
};

struct CheckReport {
    Check check = Check::DiskEncryption;
    Status status = Status::Error;
    std::string reason;
    std::optional<std::uint32_t> error;  // HRESULT, when status is Error
    std::vector<Target> targets;         // disk encryption
    std::optional<Lockdown> lockdown;    // kernel lockdown
    std::optional<State> secure_boot;    // secure boot: enabled
    std::optional<State> setup_mode;     // secure boot: setup mode
    std::optional<State> ipv4_forwarding;
    std::optional<State> ipv6_forwarding;
    std::string os_id, os_version_id, os_name, kernel;  // os identity ("" = absent)
    friend bool operator==(const CheckReport&, const CheckReport&) = default;
};

struct Soh {
    std::uint32_t id = 0;  // System-Health-ID of the entry
    std::string product = std::string(kProductName);
    std::string version;
    std::vector<CheckReport> checks;  // at most one per check, in wire order
    friend bool operator==(const Soh&, const Soh&) = default;

    [[nodiscard]] const CheckReport* find(Check c) const noexcept;
};

// The SHV's per-check answer.
enum class Verdict : std::uint8_t {
    Compliant = 0,
    NonCompliant = 1,  // measured, and not what the policy requires
    Missing = 2,       // required but not reported (disabled on the client, or an older SHA)
    ClientError = 3,   // the client could not measure it
};
inline constexpr std::uint8_t kVerdictMax = 3;
[[nodiscard]] std::string_view to_string(Verdict v) noexcept;

// The compliance code of each verdict (custom HRESULTs: severity + customer bits, facility ITF).
[[nodiscard]] HResult code_of(Verdict v) noexcept;
inline constexpr std::uint32_t kCodeNonCompliant = 0xA0040001u;
inline constexpr std::uint32_t kCodeMissing = 0xA0040002u;
inline constexpr std::uint32_t kCodeClientError = 0xA0040003u;

struct CheckAnswer {
    Check check = Check::DiskEncryption;
    Verdict verdict = Verdict::Compliant;
    std::vector<std::string> hints;
    friend bool operator==(const CheckAnswer&, const CheckAnswer&) = default;
};

struct Sohr {
    std::uint32_t id = 0;
    // Set for an answer without per-check results (NAP_E_MISSING_SOH, NAP_E_INVALID_PACKET).
    std::optional<std::uint32_t> whole;
    std::vector<CheckAnswer> checks;
    friend bool operator==(const Sohr&, const Sohr&) = default;

    [[nodiscard]] const CheckAnswer* find(Check c) const noexcept;
    [[nodiscard]] bool compliant() const noexcept;
};

// Encoding. Texts longer than kMaxText are cut (at a UTF-8 boundary); records past kMaxRecords
// and items past kMaxItems are left out.
[[nodiscard]] ReportEntry encode_soh(const Soh& soh);
[[nodiscard]] ReportEntry encode_sohr(const Sohr& sohr);

// Decoding. Error offsets count from the start of the entry's attributes as encoded (TLV headers
// included, the System-Health-ID TLV not). Errors: a missing or malformed
// Vendor-Specific TLV, an unknown format, a truncated record or item, an item of the wrong
// length, a value out of range, a duplicate check, a text over kMaxText, too many records or
// items; the SoHR's code count must match its records.
[[nodiscard]] Result<Soh> decode_soh(const ReportEntry& entry);
[[nodiscard]] Result<Sohr> decode_sohr(const ReportEntry& entry);

// The vendor id of the entry's Vendor-Specific TLV: always the id itself (enterprise << 8 |
// component), so a deployment with its own enterprise number keeps the pair consistent.
[[nodiscard]] constexpr std::uint32_t vendor_id_for(std::uint32_t system_health_id) noexcept {
    return system_health_id;
}

}  // namespace opennap::soh::linux_sha
