// Framing auto-detection for `napctl soh decode`: given bytes the user captured somewhere, find
// out how the SoH / SoHR travels in them and hand back the message bytes.
//
// Attempts, in this order (the first that matches wins):
//   1. bare SoH / SoHR message (soh::decode succeeds, or fails with an error the receiver rules
//      say to ignore: unknown inner type, content type != 0)        vectors 04 07 08 09 15
//   2. PEAP Vendor-Specific TLV (311) with SoH / SoH-Request / SoH-Response sub-TLV   01 05
//   3. SoH EAP Extensions Method (254 / 0x137 / 0x21), with or without EAP header  02 03 06
//   4. EAP-TLV Extensions Method (33): Result TLV [+ SoH Response], with or without header  16
//   5. RADIUS attribute list with MS-Quarantine-SoH VSA(s), value bare or PEAP-wrapped  10 11
//      (also a list with only NAP decision attributes, e.g. an Access-Accept without SoHR)
//   6. DHCP option 43 with NAP sub-options                               12 13a 13b 14
// An attempt whose outer framing decodes but whose message slot does not even start like an SoH
// (00 07 ... 00 00 01 37) does not count as a match for 2; for 3-6 the framing signature is
// specific enough that a match is reported and the message's own decode error is left to the
// caller.
//
// When nothing matches, the error of the most plausible attempt is returned: each attempt's
// leading bytes are scored against its framing's signature (e.g. 1a xx 00 00 01 37 for RADIUS,
// 00 07 xx xx 00 00 01 37 00 0{1,2} for a bare SoH); the best score wins, ties go to the attempt
// that got furthest (largest error offset), and with no signature match at all the bare-SoH
// decode error is returned -- so the user always sees an offset and a field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "opennap/core/endian.h"
#include "opennap/soh/error.h"
#include "opennap/soh/message.h"

namespace opennap::tools {

enum class Framing : std::uint8_t {
    Bare,           // "bare"
    PeapVendorTlv,  // "peap-vendor-tlv"
    EapSoh,         // "eap-soh"
    EapTlv,         // "eap-tlv"
    Radius,         // "radius"
    Dhcp,           // "dhcp-option-43"
};
[[nodiscard]] std::string_view to_string(Framing f) noexcept;

struct Detection {
    Framing framing = Framing::Bare;
    std::string description;  // e.g. "PEAP Vendor-Specific TLV (vendor 311) > SoH TLV"
    // What the framing carries: "SoH/SoHR message", "SoH message", "SoHR message",
    // "SoH-Request (no message)", "DHCP NAP discover probe (no message)", ...
    std::string payload;
    std::vector<std::pair<std::string, std::string>> details;  // ordered name / value lines
    std::optional<std::vector<std::uint8_t>> message;          // the SoH / SoHR bytes, if any
    // Where `message` starts in the input; nullopt when it was reassembled from several pieces.
    std::optional<std::size_t> message_offset;
};

// `options.limits` bound the bare-SoH attempt (message size, TLV count, ...); the direction and
// allow_partial settings are not applied here (decode the message afterwards for those).
[[nodiscard]] soh::Result<Detection> detect(Bytes input, const soh::DecodeOptions& options = {});

// {"kind": "radius", "description": ..., "payload": ..., "details": [{"name":..,"value":..}],
//  "message_offset": 8 | null, "message_size": 210 | null}
[[nodiscard]] nlohmann::json to_json(const Detection& d);

}  // namespace opennap::tools
