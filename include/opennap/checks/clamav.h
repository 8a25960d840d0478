// The ClamAV virus database header: the first 512 bytes of a .cvd / .cld file, ASCII, padded
// with spaces:
//
//   ClamAV-VDB:<build time>:<version>:<signatures>:<functionality level>:<MD5>:<digital
//   signature>:<builder>:<build time in seconds since the epoch>
//
// The build time reads like "14 Feb 2023 07-26 -0500" ("%d %b %Y %H-%M %z"; no ':' inside).
// freshclam rewrites the header of an incrementally updated .cld the same way. The last field is
// missing in very old databases; the build time text is then used (CHOSEN).
//
// parse_cvd_header() is pure: errors name the field and its byte offset. Fields after the
// functionality level are optional (CHOSEN: kept lenient; only the time and version matter).
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "opennap/checks/parse_error.h"

namespace opennap::checks {

inline constexpr std::size_t kCvdHeaderSize = 512;

struct CvdHeader {
    std::string build_time_text;            // field 1, as written
    std::uint32_t version = 0;              // field 2
    std::uint32_t signatures = 0;           // field 3
    std::uint32_t functionality_level = 0;  // field 4
    std::string md5;                        // field 5 ("" if absent)
    std::string builder;                    // field 7 ("" if absent)
    std::int64_t build_time = 0;  // seconds since the epoch (field 8, else field 1 parsed)
    friend bool operator==(const CvdHeader&, const CvdHeader&) = default;
};

// `header`: the file's first bytes (at most 512 are looked at).
[[nodiscard]] std::expected<CvdHeader, ParseError> parse_cvd_header(std::string_view header);

// "14 Feb 2023 07-26 -0500" -> seconds since the epoch, nullopt if malformed.
[[nodiscard]] std::optional<std::int64_t> parse_cvd_time(std::string_view text);

}  // namespace opennap::checks
