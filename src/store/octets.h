// Tests on eight octets of text at once (not a public header): the audit codec and sanitize()
// run over every string of every record, and nearly all of it is plain ASCII. Each test is exact
// as a yes/no answer; first_octet() tells which octet is the first that matched.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace opennap::store::internal {

inline constexpr std::uint64_t kOctetOnes = 0x0101010101010101ull;
inline constexpr std::uint64_t kOctetHighs = 0x8080808080808080ull;

// Octets p[0..7] as one word (any alignment).
inline std::uint64_t load8(const char* p) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, 8);
    return w;
}

// Non-zero when an octet of `w` is 0x80 or above.
constexpr std::uint64_t any_high(std::uint64_t w) {
    return w & kOctetHighs;
}

// Non-zero when an octet of `w` is below `n` (n <= 0x80).
constexpr std::uint64_t any_below(std::uint64_t w, std::uint8_t n) {
    return (w - kOctetOnes * n) & ~w & kOctetHighs;
}

// Non-zero when an octet of `w` equals `c`.
constexpr std::uint64_t any_equal(std::uint64_t w, char c) {
    return any_below(w ^ (kOctetOnes * static_cast<unsigned char>(c)), 1);
}

// The index (0..7) of the first octet, in memory order, that one of the tests above (or several
// of them, or-ed) found; `mask` is non-zero. Exact: a borrow in any_below() can only mark octets
// after a true match, never before one, and load8() puts the first octet lowest.
inline int first_octet(std::uint64_t mask) {
    static_assert(std::endian::native == std::endian::little, "load8() order assumed");
    return std::countr_zero(mask) / 8;
}

}  // namespace opennap::store::internal
