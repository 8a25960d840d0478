// Hex text helpers shared by napctl, napdemo and the JSON conversion.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "opennap/core/endian.h"

namespace opennap::tools {

// Lower-case hex digits, no separators ("0007008c").
[[nodiscard]] std::string to_hex(Bytes bytes);

// The vector-file layout: lower-case byte pairs separated by spaces, `per_line` bytes per line,
// each line ending in '\n' (empty input gives "").
[[nodiscard]] std::string hex_dump(Bytes bytes, std::size_t per_line = 16);

// "0x00013780": `digits` upper-case hex digits after "0x".
[[nodiscard]] std::string hex_u32(std::uint32_t value, int digits = 8);

// Parses hex text: pairs of hex digits, optionally separated by whitespace, ':' or '-'; an
// optional leading "0x" per token; lines whose first non-blank character is '#' are comments (the
// layout of the shared vector files). Errors name the 0-based character position, e.g.
// "bad hex digit 'g' at character 12" or "odd number of hex digits".
[[nodiscard]] std::expected<std::vector<std::uint8_t>, std::string> parse_hex(
    std::string_view text);

// True if `data` is non-empty text made only of hex digits, whitespace, ':' / '-' separators,
// "0x" prefixes and '#' comment lines, with at least one hex digit -- i.e. it should be read with
// parse_hex() rather than as binary.
[[nodiscard]] bool looks_like_hex_text(Bytes data) noexcept;

}  // namespace opennap::tools
