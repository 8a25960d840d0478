// RADIUS framing of the SoH and of the NAP decision attributes (ms-soh.md §6.2, [MS-RNAP] 2.2.1):
// Microsoft Vendor-Specific Attributes (type 26, vendor 311), in particular MS-Quarantine-SoH (55),
// which carries the SoH in an Access-Request and the SoHR in an Access-Accept when EAP is not used.
//
// Pure codecs: no I/O, never a read outside the input, errors carry the absolute byte offset into
// the caller's buffer (plus `base_offset` where a function takes one) and Field::RadiusAttribute.
//
// Wire: RADIUS attribute   type(1) length(1, >= 2, counts the whole attribute) value
//       Vendor-Specific    1a len | 00 00 01 37 | vtype vlen(>= 2, counts vtype+vlen) value ...
//       (one VSA may hold several Microsoft sub-attributes back to back; all are walked)
//
// Value format of MS-Quarantine-SoH: MS-RNAP 2.2.1.19 says it *is* the SoH. FreeRADIUS 3.x only
// accepts it wrapped like the PEAP payload, `00 07 LL LL 00 00 01 37 00 01 LL LL` + SoH
// (Wrapping::PeapWrapper; vectors 10, 11). Decoders accept both and report which they saw;
// encoders let the caller choose (PeapWrapper for FreeRADIUS peers, Bare per the spec).
//
// Long messages: one VSA holds at most 247 value bytes, but an SoH with WSHA product names easily
// exceeds that (vector 09 is 343 bytes) while MS-RNAP allows only 0-1 MS-Quarantine-SoH per packet.
// How NPS carries a larger SoH is unconfirmed. OpenNAP's choice: split the value across as many
// consecutive MS-Quarantine-SoH VSAs as needed (each value <= 247 bytes, in order) and, on receipt,
// reassemble by concatenating every MS-Quarantine-SoH value in attribute order (the RFC 2865
// "multiple attributes of the same type keep their order" rule, as RFC 7268 long-extended types and
// EAP-Message do). Note FreeRADIUS 3.x reads only the first instance.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "opennap/core/endian.h"
#include "opennap/soh/error.h"

namespace opennap::soh::radius {

inline constexpr std::uint8_t kAttrVendorSpecific = 26;
inline constexpr std::uint32_t kVendorMicrosoft = 311;
inline constexpr std::size_t kVsaOverhead = 8;       // 1a len vendor(4) vtype vlen
inline constexpr std::size_t kMaxVsaValue = 247;     // 255 - kVsaOverhead
inline constexpr std::size_t kMinSohSize = 12;       // minNetworkSoHSize (ms-soh.md §3)
inline constexpr std::size_t kPeapWrapperSize = 12;  // 00 07 LL LL 00 00 01 37 00 01 LL LL

// Microsoft vendor-specific attribute numbers (vendor 311), [MS-RNAP] 2.2.1.x, ms-soh.md §6.2.
enum class MsAttr : std::uint8_t {
    RasClientName = 34,             // 0x22 ASCII, NUL-terminated
    RasClientVersion = 35,          // 0x23 ASCII ("MSRASV5.20")
    QuarantineIpFilter = 36,        // 0x24 filter blob
    QuarantineSessionTimeout = 37,  // 0x25 u32 seconds
    UserSecurityIdentity = 40,      // 0x28 SID
    IdentityType = 41,              // 0x29 u32 (1 = machine health check only)
    ServiceClass = 42,              // 0x2A DHCP scope group name
    QuarantineUserClass = 44,       // 0x2C DHCP user class (ANSI)
    QuarantineState = 45,           // 0x2D u32, see QuarantineState
    QuarantineGraceTime = 46,       // 0x2E u32 Unix time until which full access is allowed
    NetworkAccessServerType = 47,   // 0x2F u32, see NasType
    AfwZone = 48,                   // 0x30 u32 1 boundary, 2 unprotected, 3 protected
    AfwProtectionLevel = 49,        // 0x31 u32 1 sign, 2 sign+encrypt
    MachineName = 50,               // 0x32 ANSI name
    Ipv6Filter = 51,                // 0x33
    Ipv4RemediationServers = 52,    // 0x34 reserved byte 0 + n x 4
    Ipv6RemediationServers = 53,    // 0x35 reserved byte + n x 16
    NotQuarantineCapable = 54,      // 0x36 u32 (meaning of 0/1 contradictory in MS-RNAP)
    QuarantineSoh = 55,             // 0x37 SoH (request) / SoHR (accept)
    RasCorrelationId = 56,          // 0x38 curly-braced GUID string
    ExtendedQuarantineState = 57,   // 0x39 u32, see ExtendedQuarantineState
    HcapUserGroups = 58,            // 0x3A
    HcapLocationGroupName = 59,     // 0x3B
    HcapUserName = 60,              // 0x3C
    UserIpv4Address = 61,           // 0x3D
    UserIpv6Address = 62,           // 0x3E
    RdgDeviceRedirection = 63,      // 0x3F u32 bitmask
};

// MS-Quarantine-State values.
enum class QuarantineState : std::uint32_t { FullAccess = 0, Restricted = 1, Probation = 2 };
// MS-Extended-Quarantine-State values (spec numbering; FreeRADIUS's dictionary uses 4 for No-Data).
enum class ExtendedQuarantineState : std::uint32_t {
    NoData = 0,
    Transition = 1,
    Infected = 2,
    Unknown = 3
};
// MS-Network-Access-Server-Type values.
enum class NasType : std::uint32_t {
    Unspecified = 0,
    TsGateway = 1,
    Ras = 2,
    Dhcp = 3,
    Hra = 5,
    Hcap = 6
};

// ---- MS-Quarantine-SoH value: bare or PEAP-wrapped --------------------------------------------

enum class Wrapping : std::uint8_t { Bare, PeapWrapper };

struct Unwrapped {
    Wrapping wrapping = Wrapping::Bare;
    Bytes message;  // the SoH / SoHR bytes (span into the input)
};

// Detects the PEAP-style wrapper as ms-soh.md §6.2 recommends: bytes 0-1 = 0007, 4-7 = 00000137,
// 8-9 = 0001, 12-13 = 0007, 16-19 = 00000137 (a bare SoH never matches: its bytes 8-9 are the
// inner type 0002, or 0001 followed by the SSoH's System-Health-ID TLV 0002 at 12). When it
// matches, the wrapper lengths must agree with the value size (bytes 2-3 == size-4,
// bytes 10-11 == size-12; else BadLength). The message (bare, or after the wrapper) must be at
// least kMinSohSize bytes (BadLength). The message itself is not decoded.
[[nodiscard]] Result<Unwrapped> unwrap_quarantine_soh(Bytes value, std::size_t base_offset = 0);

// `message` with the wrapper prepended (PeapWrapper) or unchanged (Bare).
// Precondition for PeapWrapper: message.size() <= 0xFFFF - 8 (else empty vector).
[[nodiscard]] std::vector<std::uint8_t> wrap_quarantine_soh(Bytes message, Wrapping wrapping);

// ---- MS-Quarantine-SoH VSAs -------------------------------------------------------------------

// Complete RADIUS attribute bytes: one or more consecutive `1a len 00 00 01 37 37 vlen value`
// VSAs, each value <= 247 bytes, the (wrapped) message split in order. Vector 11 =
// encode_quarantine_soh_vsas(vector 04, PeapWrapper); vector 10 = (vector 08, PeapWrapper).
// An empty message still yields one VSA (with an empty value for Bare).
[[nodiscard]] std::vector<std::uint8_t> encode_quarantine_soh_vsas(Bytes message,
                                                                   Wrapping wrapping);

struct QuarantineSoh {
    std::vector<std::uint8_t> message;  // the SoH / SoHR (unwrapped, reassembled); owned
    Wrapping wrapping = Wrapping::Bare;
    std::size_t vsa_count = 0;  // number of MS-Quarantine-SoH sub-attributes concatenated

    friend bool operator==(const QuarantineSoh&, const QuarantineSoh&) = default;
};

// Walks a RADIUS attribute list (the bytes after the 20-byte RADIUS header, or any run of whole
// attributes), collects every MS-Quarantine-SoH value in order, concatenates them and unwraps the
// result with unwrap_quarantine_soh(). Other attributes and other vendors' VSAs are skipped (their
// framing is still checked). None found: MissingField. Errors inside the unwrapped value are
// reported at their absolute offset in `attributes` even when the value was split.
[[nodiscard]] Result<QuarantineSoh> decode_quarantine_soh(Bytes attributes);

// Single-VSA helper: `vsa` is exactly one Vendor-Specific attribute (1a len 00 00 01 37 ...) whose
// only sub-attribute is MS-Quarantine-SoH. The returned message is a span into `vsa`.
[[nodiscard]] Result<Unwrapped> decode_quarantine_soh_vsa(Bytes vsa);

// ---- Generic Microsoft VSAs and the NAP decision attributes -----------------------------------

// One VSA `1a len 00 00 01 37 type vlen value`. Precondition: value.size() <= 247 (else empty).
[[nodiscard]] std::vector<std::uint8_t> encode_vsa(MsAttr type, Bytes value);
// One VSA holding a big-endian u32 (Quarantine-State, Extended-Quarantine-State, Grace-Time,
// Network-Access-Server-Type, ...).
[[nodiscard]] std::vector<std::uint8_t> encode_u32_vsa(MsAttr type, std::uint32_t value);

using Ipv4Address = std::array<std::uint8_t, 4>;
using Ipv6Address = std::array<std::uint8_t, 16>;

// MS-IPv4-Remediation-Servers: reserved byte 0x00 + n x 4 (n >= 1). More than 61 addresses are
// split over consecutive VSAs (each with its own reserved byte); the decoder appends them all.
// An empty list yields no bytes.
[[nodiscard]] std::vector<std::uint8_t> encode_ipv4_remediation_servers(
    std::span<const Ipv4Address> servers);
// MS-IPv6-Remediation-Servers: reserved byte 0x00 + n x 16 (n >= 1); at most 15 per VSA.
[[nodiscard]] std::vector<std::uint8_t> encode_ipv6_remediation_servers(
    std::span<const Ipv6Address> servers);

// The typed NAP values found in an attribute list (Access-Accept direction, plus the NAS type of
// the request). Absent attributes stay empty.
struct NapAttributes {
    std::optional<std::uint32_t> quarantine_state;            // 45
    std::optional<std::uint32_t> quarantine_grace_time;       // 46
    std::optional<std::uint32_t> network_access_server_type;  // 47
    std::optional<std::uint32_t> extended_quarantine_state;   // 57
    std::vector<Ipv4Address> ipv4_remediation_servers;        // 52 (all instances, in order)
    std::vector<Ipv6Address> ipv6_remediation_servers;        // 53 (all instances, in order)

    friend bool operator==(const NapAttributes&, const NapAttributes&) = default;
};

// Walks the attribute list like decode_quarantine_soh. u32 attributes must have a 4-byte value
// (BadLength) and may appear once (a second one is BadValue: conflicting decisions). Remediation
// server values must be 1 + n x 4 / 1 + n x 16 with n >= 1 (BadLength); the reserved byte is
// ignored on receipt. Values are not range-checked (unknown enum values pass through).
[[nodiscard]] Result<NapAttributes> decode_nap_attributes(Bytes attributes);

// All of `attrs` as VSAs in the order 45, 57, 46, 47, 52, 53 (absent ones omitted).
[[nodiscard]] std::vector<std::uint8_t> encode_nap_attributes(const NapAttributes& attrs);

}  // namespace opennap::soh::radius
