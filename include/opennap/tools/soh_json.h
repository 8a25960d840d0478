// JSON form of an SoH / SoHR message, for `napctl soh decode --json` and `napctl soh encode`.
//
// to_json() renders a decoded MessageView as a faithful tree: every header field, every MS
// attribute of the SSoH (in wire order, duplicates included), every TLV with its offset, type,
// name, flags, typed value and raw hex. message_from_json() reads the same schema back into the
// owning soh::Message, so that
//     encode(message_from_json(to_json(decode(bytes)))) == bytes
// for every canonical message (all the message vectors). Output-only keys (offsets, names,
// lengths, decoded explanations) are accepted and ignored on input; unknown keys are errors.
//
// The full schema, with examples, is in docs/napctl.md ("JSON schema"). In short:
//
//   {
//     "kind": "SoH" | "SoHR" | "unknown",      out: from MS-Packet-Info's request bit
//     "size", "outer", "inner_length", "tlv_count", "entry_count", "partial"   out only
//     "inner_type": 1 | 2,                     in: optional, must agree with "mode"
//     "mode": {                                present iff inner type 2
//       "correlation_id": "<48 hex digits>",   and/or "correlation": "<guid>@<ISO time>"
//       "intent": 1, "content_type": 0
//     },
//     "system": {
//       "vendor_tlv_flags": 0,                 M/R bits of the SSoH's Vendor-Specific TLV
//       "ms_attributes": [ {"type": 3 | "MS-Packet-Info", ...typed fields...}, ... ],
//       "undecoded_hex": "...",                MS attribute bytes after an unknown type (partial)
//       "tlvs": [ TLV, ... ]                   other TLVs of the SSoH group
//     },
//     "entries": [ {"id": "0x00013780", "tlvs": [ TLV, ... ]}, ... ]
//   }
//   TLV = {"type": 8 | "Health-Class", "flags": 0, one or more of
//          "value": <typed>, "hex": "...", "text": "...", "utf16le": "..."}
//
// When a TLV (or a name / URL / correlation id) is given in several forms they must all encode
// to the same bytes; otherwise message_from_json reports the disagreement (edit one form and
// delete the others).
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "opennap/core/ids.h"
#include "opennap/soh/message.h"

namespace opennap::tools {

// ---- names ------------------------------------------------------------------------------------

// Name of a Microsoft System Health / enforcement entity id from nap_types.h
// ("NAP system", "Windows Security Health Agent", ...), or "" when unknown.
[[nodiscard]] std::string_view health_id_name(std::uint32_t id) noexcept;
// processorArchitecture names: 0 x86, 5 arm, 6 ia64, 9 x64, 12 arm64, 0xFFFF unknown; else "".
[[nodiscard]] std::string_view processor_arch_name(std::uint16_t arch) noexcept;
// productType names: 1 workstation, 2 domain-controller, 3 server; else "".
[[nodiscard]] std::string_view product_type_name(std::uint8_t type) noexcept;
// Health-Class (TLV 8) value names. For the WSHA/WSHV entry (0x00013780) the MS-WSH classes
// (0 firewall, 1 antivirus, 2 antispyware, 3 automatic-updates, 4 security-updates); for any
// other entry the SDK's HealthClassValue names. "" when unknown.
[[nodiscard]] std::string_view health_class_name(std::uint32_t entry_id,
                                                 std::uint8_t value) noexcept;

// ---- FILETIME text ----------------------------------------------------------------------------

// Inverse of FileTime::to_string(): "none", or "YYYY-MM-DDTHH:MM:SS[.fffffff]Z" (year of four or
// more digits, 0 to 7 fraction digits). nullopt for anything else or a value outside the 64-bit
// FILETIME range.
[[nodiscard]] std::optional<FileTime> parse_filetime(std::string_view text) noexcept;

// ---- message <-> JSON -------------------------------------------------------------------------

struct JsonOptions {
    // Added to every "offset" in the output: the message's position inside a larger input
    // (e.g. after a PEAP or RADIUS wrapper), so offsets match the bytes the user passed.
    std::size_t base_offset = 0;
};

[[nodiscard]] nlohmann::json to_json(const soh::MessageView& view, const JsonOptions& options = {});

// Reads the schema above. Errors name the JSON path, e.g.
//   "$.entries[0].tlvs[2].value: expected an integer 0..255".
// Also accepts the `napctl soh decode --json` document ({"framing": ..., "message": {...}}) and
// uses its "message". Never throws.
[[nodiscard]] std::expected<soh::Message, std::string> message_from_json(const nlohmann::json& j);
// Parses `text` first; a JSON syntax error is reported with its byte position.
[[nodiscard]] std::expected<soh::Message, std::string> message_from_json_text(
    std::string_view text);

}  // namespace opennap::tools
