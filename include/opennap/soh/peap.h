// PEAP framings of the SoH (ms-soh.md §6.1, [MS-PEAP] 2.2.4, 2.2.5, 2.2.8): the Microsoft
// Vendor-Specific TLV with its SoH / SoH-Request / SoH-Response sub-TLV, the SoH EAP Extensions
// Method (expanded type 254 / 0x000137 / 0x21) and the EAP-TLV Extensions Method (type 33) that
// carries the Result TLV and the SoH Response.
//
// Pure codecs: no I/O, no allocation on decode, never a read outside the input. Decoders return
// spans into the caller's buffer (the SoH / SoHR message bytes are never copied; the SoH codec
// decodes them). Every DecodeError carries the absolute offset into the buffer the caller passed
// plus `base_offset` (pass the position of this buffer inside a larger one to get offsets into that
// one), Field::PeapTlv or Field::EapHeader, and the type / value / limit involved.
//
// Wire summary (all big-endian):
//   Vendor-Specific TLV : |M|R| type 7 (14 bits) | length | vendor 0x00000137 | one sub-TLV
//   sub-TLV             : |M|R| type 1 SoH / 2 SoH-Request / 3 SoH-Response | length | value
//   SoH EAP method      : [code id length(2)] FE 000137 00000021 <Vendor-Specific TLV>
//   EAP-TLV method      : [code id length(2)] 21 <TLV>*   (Result TLV 80 03 00 02 00 0n, ...)
//
// The 4-byte EAP header: [MS-PEAP] 3.1.5.6 says it is not compressed for these methods, but
// FreeRADIUS 3.2 and hostapd send the SoH request header-less and wpa_supplicant answers
// header-less (ms-soh.md §6.1 [LIVE]). The decoders accept both forms (auto-detected from the first
// byte: 0xFE / 0x21 = header-less, 1 / 2 = EAP code Request / Response) and report which one they
// saw; the encoders produce either.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "opennap/core/endian.h"
#include "opennap/soh/error.h"

namespace opennap::soh::peap {

// ---- PEAP TLV constants ([MS-PEAP] 2.2.4, 2.2.5, 2.2.8.x) -----------------------------------

inline constexpr std::uint16_t kTlvMandatoryBit = 0x8000;  // M
inline constexpr std::uint16_t kTlvReservedBit = 0x4000;   // R
inline constexpr std::uint16_t kTlvTypeMask = 0x3FFF;

inline constexpr std::uint16_t kTlvResult = 3;          // Result TLV (EAP-TLV method)
inline constexpr std::uint16_t kTlvVendorSpecific = 7;  // Vendor-Specific TLV
inline constexpr std::uint16_t kTlvCryptoBinding = 12;  // Crypto-Binding TLV (skipped, reported)
inline constexpr std::uint16_t kTlvResultMandatory = 0x8003;  // Result TLV as sent: M=1, type 3

inline constexpr std::uint32_t kVendorMicrosoft = 311;  // 0x00000137

// Sub-TLV types inside the Microsoft Vendor-Specific TLV.
inline constexpr std::uint16_t kVendorTlvSoh = 1;          // peer -> server, value = SoH
inline constexpr std::uint16_t kVendorTlvSohRequest = 2;   // server -> peer, length 0
inline constexpr std::uint16_t kVendorTlvSohResponse = 3;  // server -> peer, value = SoHR

// Result TLV values.
inline constexpr std::uint16_t kResultSuccess = 1;
inline constexpr std::uint16_t kResultFailure = 2;

// EAP method types.
inline constexpr std::uint8_t kEapTypeExpanded = 254;              // 0xFE
inline constexpr std::uint8_t kEapTypeTlv = 33;                    // 0x21, EAP-TLV Extensions
inline constexpr std::uint32_t kEapVendorMicrosoft = 0x000137;     // 3-byte expanded vendor id
inline constexpr std::uint32_t kEapVendorTypeSoh = 0x21;           // SoH EAP Extensions Method
inline constexpr std::uint32_t kEapVendorTypeCapabilities = 0x22;  // Capabilities Negotiation

// EAP codes (RFC 3748).
inline constexpr std::uint8_t kEapCodeRequest = 1;
inline constexpr std::uint8_t kEapCodeResponse = 2;

inline constexpr std::size_t kTlvHeaderSize = 4;
inline constexpr std::size_t kVendorTlvOverhead = 12;  // TLV header + vendor id + sub-TLV header
inline constexpr std::size_t kEapHeaderSize = 4;       // code, identifier, length(2)
inline constexpr std::size_t kExpandedHeaderSize = 8;  // FE, vendor(3), vendor-type(4)
// Largest message a Vendor-Specific TLV can carry (its 16-bit length also covers 8 more bytes).
inline constexpr std::size_t kMaxVendorMessage = 0xFFFF - 8;

// ---- Vendor-Specific TLV ---------------------------------------------------------------------

enum class Kind : std::uint8_t {
    SohRequest,   // sub-TLV 2 (length 0): the server asks for an SoH
    Soh,          // sub-TLV 1: message = SoH
    SohResponse,  // sub-TLV 3: message = SoHR
};

struct VendorPayload {
    Kind kind = Kind::SohRequest;
    Bytes message;  // the SoH / SoHR bytes (a span into the input); empty for SohRequest

    friend bool operator==(const VendorPayload& a, const VendorPayload& b) {
        return a.kind == b.kind && std::ranges::equal(a.message, b.message);
    }
};

// Decodes exactly one Microsoft Vendor-Specific TLV occupying all of `tlv`: the M/R bits of both
// type fields are ignored (masked with 0x3FFF); vendor must be 311; exactly one sub-TLV of type
// 1, 2 or 3 that fills the TLV; SoH-Request must have length 0. Nothing may follow (TrailingBytes).
// The message itself is not decoded (an empty SoH / SoHR value is passed through).
[[nodiscard]] Result<VendorPayload> decode_vendor_payload(Bytes tlv, std::size_t base_offset = 0);

// `00 07 00 08 00 00 01 37 00 02 00 00` (vector 01).
[[nodiscard]] std::vector<std::uint8_t> encode_soh_request_tlv();
// Vendor-Specific TLV > SoH TLV > `soh` (vector 05 from vector 04). M/R bits are sent as 0.
// Precondition: soh.size() <= kMaxVendorMessage; an oversized message yields an empty vector.
[[nodiscard]] std::vector<std::uint8_t> encode_soh_tlv(Bytes soh);
// Vendor-Specific TLV > SoH-Response TLV > `sohr`. Same precondition.
[[nodiscard]] std::vector<std::uint8_t> encode_soh_response_tlv(Bytes sohr);
// Dispatch on payload.kind (message ignored for SohRequest).
[[nodiscard]] std::vector<std::uint8_t> encode_vendor_payload(const VendorPayload& payload);

// ---- EAP header ------------------------------------------------------------------------------

struct EapHeader {
    std::uint8_t code = kEapCodeRequest;  // 1 Request or 2 Response
    std::uint8_t identifier = 0;

    friend constexpr bool operator==(const EapHeader&, const EapHeader&) = default;
};

// ---- SoH EAP Extensions Method (254 / 0x000137 / 0x21) ---------------------------------------

struct EapSoh {
    std::optional<EapHeader> header;  // present iff the input had the 4-byte EAP header
    VendorPayload payload;            // the decoded Vendor-Specific TLV
    Bytes vendor_tlv;                 // the whole Vendor-Specific TLV (span into the input)

    friend bool operator==(const EapSoh& a, const EapSoh& b) {
        return a.header == b.header && a.payload == b.payload &&
               std::ranges::equal(a.vendor_tlv, b.vendor_tlv);
    }
};

// Accepts the header-less form `FE 00 01 37 00 00 00 21 <TLV>` (vectors 02, 06) and the full form
// `code id len len FE ...` (vector 03). With a header: the code must be 1 (Request) or 2
// (Response), and the EAP length must equal the buffer size exactly -- a larger length is
// LengthOverrun, a smaller one TrailingBytes (OpenNAP's choice: the caller hands over one EAP
// packet, so bytes outside the EAP length are a framing error, not padding). A Request must carry
// an SoH-Request and a Response an SoH (else WrongDirection); without a header any kind is
// returned for the caller to check. Type 254 with vendor-type 0x22 (Capabilities) or anything other
// than 0x21 is BadType (value = vendor-type). Any first byte other than FE / 1 / 2 is
// NotRecognised (value = that byte) -- e.g. a header-less legacy NAK (type 3).
[[nodiscard]] Result<EapSoh> decode_eap_soh(Bytes eap);

// [header] FE 00 01 37 00 00 00 21 `vendor_tlv` (vendor_tlv = an encode_*_tlv() result).
// Precondition: vendor_tlv.size() <= 0xFFFF - 12 when a header is requested (else empty vector).
[[nodiscard]] std::vector<std::uint8_t> encode_eap_soh(Bytes vendor_tlv,
                                                       std::optional<EapHeader> header = {});

// ---- EAP-TLV Extensions Method (type 33) ------------------------------------------------------

struct EapTlv {
    std::optional<EapHeader> header;      // present iff the input had the EAP header
    std::optional<std::uint16_t> result;  // Result TLV: 1 success, 2 failure
    std::optional<Bytes> soh_response;    // SoHR carried in a Vendor-Specific(311) TLV
    std::optional<Bytes> crypto_binding;  // value of a Crypto-Binding TLV, if present

    friend bool operator==(const EapTlv& a, const EapTlv& b) {
        auto same = [](const std::optional<Bytes>& x, const std::optional<Bytes>& y) {
            return x.has_value() == y.has_value() && (!x || std::ranges::equal(*x, *y));
        };
        return a.header == b.header && a.result == b.result &&
               same(a.soh_response, b.soh_response) && same(a.crypto_binding, b.crypto_binding);
    }
};

// Accepts `21 <TLV>*` (vector 16) or `code id len len 21 <TLV>*` (EAP length == buffer size, as
// for decode_eap_soh). TLVs are walked by length (each must fit); types are masked with 0x3FFF.
//   Result (3): length 2, value 1 or 2 (else BadLength / BadValue); a second one is BadValue.
//   Vendor-Specific (7), vendor 311: decoded with decode_vendor_payload(); it must carry an
//     SoH-Response (else WrongDirection); a second one is BadValue. Other vendors: skipped, unless
//     the M bit is set (BadVendor: [MS-PEAP] 2.2.4 unsupported mandatory TLV).
//   Crypto-Binding (12): value reported raw, not checked.
//   Anything else: skipped when M=0; M=1 is BadType ([MS-PEAP] 2.2.4: an unsupported TLV with the
//     M bit set makes the receiver discard the packet).
// An empty TLV list is valid (all fields absent).
[[nodiscard]] Result<EapTlv> decode_eap_tlv(Bytes eap);

// [header] 21 80 03 00 02 00 <result> [Vendor-Specific > SoH-Response > sohr] (vector 16 when
// result = 1, sohr = vector 15, no header). Precondition as encode_soh_response_tlv.
[[nodiscard]] std::vector<std::uint8_t> encode_eap_tlv_result(std::uint16_t result,
                                                              std::optional<Bytes> sohr = {},
                                                              std::optional<EapHeader> header = {});

// General form: [header] 21, then the Result TLV (M=1) if present, the SoH-Response vendor TLV if
// present, the Crypto-Binding TLV (M=0, value as given) if present -- in that order.
// decode_eap_tlv(encode_eap_tlv(x)) == x for every x that decode_eap_tlv produced.
[[nodiscard]] std::vector<std::uint8_t> encode_eap_tlv(const EapTlv& packet);

}  // namespace opennap::soh::peap
