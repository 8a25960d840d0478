// ParseError: what the pure parsers of this room (os-release, the ClamAV database header,
// mountinfo, /proc/swaps, the nftables JSON ruleset, efivars) report about input they cannot
// read: the byte offset, the 1-based line where the input has lines (0 otherwise), the field
// being read and what was wrong.
#pragma once

#include <cstddef>
#include <string>

namespace opennap::checks {

struct ParseError {
    std::size_t offset = 0;  // byte offset into the input
    std::size_t line = 0;    // 1-based line number, 0 for inputs without lines
    std::string field;       // e.g. "VERSION_ID", "build-time", "mountinfo.major:minor"
    std::string message;
    friend bool operator==(const ParseError&, const ParseError&) = default;

    // "line 3 (offset 41): VERSION_ID: unterminated double quote"
    [[nodiscard]] std::string to_string() const;
};

}  // namespace opennap::checks
