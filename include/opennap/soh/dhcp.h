// DHCPv4 framing of the SoH (ms-soh.md §6.3, [MS-DHCPN] 2.2.1): option 43 (vendor-specific
// information) carrying the NAP sub-options
//   220 NAP-SoH   length 0 = DISCOVER probe, one 0x00 = REQUEST/INFORM probe, "NAP" = server says
//                 NAP is enabled ("PAN" is what FreeRADIUS 3.x sends, vector 13b), otherwise an
//                 SoH (client -> server) or SoHR (server -> client), bare or in the PEAP-style
//                 wrapper FreeRADIUS expects (detected exactly as for RADIUS, see
//                 radius::unwrap_quarantine_soh)
//   221 NAP-Mask  4 bytes, the real subnet mask in LITTLE-endian byte order
//   222 NAP-CoID  130 bytes of correlation data (kept raw)
//   223 NAP-IPv6  count byte + count x 16-byte remediation servers; length N*16+1, or 0 (none)
//
// Pure codecs: no I/O, never a read outside the input; errors carry Field::DhcpOption, the absolute
// offset into the caller's buffer, the (sub-)option code in `type` and the numbers involved.
//
// Long data -- what the specs say and what OpenNAP does:
//  * [MS-DHCPN] 2.2.1 and 3.3.5: when the cumulative size of the vendor-specific options in a
//    message exceeds 255 bytes, "the Microsoft Encoding Long Options Packet" of [MS-DHCPE] 2.2.9
//    MUST be used. [MS-DHCPE] 2.2.9 (option 250, 0xFA): implementations do NOT follow RFC 3396
//    section 5; the option is sent with 255 data bytes, "immediately followed" by option 250
//    repeated as many times as needed, each carrying the "continuation of the data of the previous
//    option" (e.g. 600 bytes = X/255 + 250/255 + 250/90). Implemented for option 43:
//    decode_option43() reads `2b 255 ...` followed by the `fa len ...` options that immediately
//    follow it and concatenates them; encode_option43() emits that form when the payload exceeds
//    255 bytes (and a plain option 43 otherwise).
//  * A single sub-option is still limited to a 1-byte length ([MS-DHCPN] 2.2.1.1), so an SoH
//    > 255 bytes (vector 09 is 343) cannot fit one sub-option 220. The specs are silent on this
//    case; MS-DHCPN 3.3.5 only says the option-250 mechanism "MUST be used during the exchange of
//    any Microsoft vendor-specific NAP options if the length of the data to be sent exceeds 255
//    bytes". OpenNAP's choice [INFERRED, unconfirmed against Windows]: apply the same mechanism one
//    level down -- sub-option 220 with 255 data bytes immediately followed, inside the option-43
//    payload, by sub-option(s) 250 carrying the continuation. The decoder also accepts the RFC 3396
//    style (the same sub-option code repeated; the values are concatenated in order) for the four
//    NAP sub-options, so that both plausible sender behaviours are understood; the encoder only
//    emits the 250 form.
//  * Within the option-43 payload, sub-option 0 is a 1-byte pad and 255 ends the list (RFC 2132
//    8.4: "identical syntax to the DHCP options field"); only pad bytes may follow an end.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "opennap/core/endian.h"
#include "opennap/soh/error.h"
#include "opennap/soh/radius.h"

namespace opennap::soh::dhcp {

inline constexpr std::uint8_t kOptionVendorSpecific = 43;     // 0x2B
inline constexpr std::uint8_t kOptionLongContinuation = 250;  // 0xFA, [MS-DHCPE] 2.2.9
inline constexpr std::uint8_t kOptionPad = 0;
inline constexpr std::uint8_t kOptionEnd = 255;

inline constexpr std::uint8_t kSubNapSoh = 220;   // 0xDC
inline constexpr std::uint8_t kSubNapMask = 221;  // 0xDD
inline constexpr std::uint8_t kSubNapCoId = 222;  // 0xDE
inline constexpr std::uint8_t kSubNapIpv6 = 223;  // 0xDF

inline constexpr std::size_t kNapCoIdSize = 130;
inline constexpr std::size_t kMaxOptionData = 255;

// ---- NAP-SoH (220) ------------------------------------------------------------------------------

enum class NapSohKind : std::uint8_t {
    DiscoverProbe,      // length 0 (DHCPDISCOVER): "is NAP enabled?"
    RequestProbe,       // one 0x00 byte (DHCPREQUEST / DHCPINFORM): same question
    NapMarker,          // "NAP" (server: NAP enabled), [MS-DHCPN] 2.2.1.1
    NapMarkerReversed,  // "PAN", what FreeRADIUS 3.x rlm_soh sends instead (vector 13b)
    Message,            // an SoH or SoHR
};

struct NapSoh {
    NapSohKind kind = NapSohKind::DiscoverProbe;
    radius::Wrapping wrapping = radius::Wrapping::Bare;  // Message only
    std::vector<std::uint8_t> message;  // Message only: the SoH / SoHR, unwrapped (owned copy)

    friend bool operator==(const NapSoh&, const NapSoh&) = default;
};

// Classifies a (reassembled) sub-option-220 value. Anything that is not a probe or a marker must
// unwrap as an SoH/SoHR (radius::unwrap_quarantine_soh: at least 12 bytes, wrapper lengths
// consistent); errors are re-labelled Field::DhcpOption with type 220.
[[nodiscard]] Result<NapSoh> decode_nap_soh(Bytes value, std::size_t base_offset = 0);

// ---- Option 43 ----------------------------------------------------------------------------------

using Ipv6Address = std::array<std::uint8_t, 16>;

struct SubOption {
    std::uint8_t code = 0;
    std::vector<std::uint8_t> data;  // with any sub-option-250 continuation appended

    friend bool operator==(const SubOption&, const SubOption&) = default;
};

// The decoded option-43 payload. Values are owned copies: a value may be reassembled from several
// pieces (option / sub-option 250 continuations), and DHCP values are small.
struct Option43 {
    std::optional<NapSoh> nap_soh;                                   // 220
    std::optional<std::uint32_t> nap_mask;                           // 221, e.g. 0xFFFFFF00 = /24
    std::optional<std::array<std::uint8_t, kNapCoIdSize>> nap_coid;  // 222, raw
    std::optional<std::vector<Ipv6Address>> nap_ipv6;  // 223 (present-but-empty = len 0)
    std::vector<SubOption> other;  // unknown sub-options, in order, each occurrence separately

    friend bool operator==(const Option43&, const Option43&) = default;
};

// Decodes a full option: `2b len payload` followed by any `fa len data` options that immediately
// follow it (MS-DHCPE 2.2.9 continuation), which must occupy the whole buffer (TrailingBytes
// otherwise). Offsets are into `option`.
[[nodiscard]] Result<Option43> decode_option43(Bytes option);

// Decodes a bare option-43 payload (already reassembled by the caller).
//   * sub-option framing: code, length, data; a length running past the payload is LengthOverrun;
//   * sub-option 250 appends to the sub-option before it (BadType if there is none);
//   * 220-223 repeated: values concatenated in order, then checked;
//   * 221 must be 4 bytes; 222 130 bytes; 223 0 or 1 + 16*N bytes with count byte == N
//     (BadLength / BadValue);
//   * unknown codes are listed in `other`.
[[nodiscard]] Result<Option43> decode_option43_payload(Bytes payload, std::size_t base_offset = 0);

// ---- Encoders -----------------------------------------------------------------------------------

// One sub-option; data longer than 255 bytes is continued in sub-option(s) 250 (see above).
// Precondition: code is not 0, 250 or 255.
[[nodiscard]] std::vector<std::uint8_t> encode_suboption(std::uint8_t code, Bytes data);

[[nodiscard]] std::vector<std::uint8_t> encode_nap_discover_probe();  // dc 00
[[nodiscard]] std::vector<std::uint8_t> encode_nap_request_probe();   // dc 01 00
// dc 03 "NAP" (spec) or, with reversed = true, dc 03 "PAN" (FreeRADIUS).
[[nodiscard]] std::vector<std::uint8_t> encode_nap_marker(bool reversed = false);
// dc len [wrapper] message (+ 250 continuations when longer than 255 bytes).
[[nodiscard]] std::vector<std::uint8_t> encode_nap_soh(Bytes message, radius::Wrapping wrapping);
[[nodiscard]] std::vector<std::uint8_t> encode_nap_soh(const NapSoh& value);
// dd 04 + mask little-endian (mask 0xFFFFFF00 -> dd 04 00 ff ff ff).
[[nodiscard]] std::vector<std::uint8_t> encode_nap_mask(std::uint32_t mask);
[[nodiscard]] std::vector<std::uint8_t> encode_nap_coid(
    const std::array<std::uint8_t, kNapCoIdSize>& coid);
// df (1 + 16N) N addresses; an empty list gives `df 00`. Precondition: at most 255 addresses.
[[nodiscard]] std::vector<std::uint8_t> encode_nap_ipv6(std::span<const Ipv6Address> servers);

// The option-43 payload for `value`, sub-options in the order 222, 220, 221, 223, then `other`
// (vector 12 order). decode_option43_payload(encode_option43_payload(v)) == v for every v the
// decoder produced.
[[nodiscard]] std::vector<std::uint8_t> encode_option43_payload(const Option43& value);

// `2b len payload` when the payload is at most 255 bytes, otherwise `2b ff <255 bytes>` followed by
// `fa len <continuation>` options ([MS-DHCPE] 2.2.9). An empty payload gives `2b 00`.
[[nodiscard]] std::vector<std::uint8_t> encode_option43(Bytes payload);
[[nodiscard]] std::vector<std::uint8_t> encode_option43(const Option43& value);

}  // namespace opennap::soh::dhcp
