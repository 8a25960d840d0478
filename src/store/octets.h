// Tests on eight octets of text at once (not a public header): the audit codec and sanitize()
// run over every string of every record, and nearly all of it is plain ASCII. Each test is exact
// as a yes/no answer (which octet matched is not computed).
#pragma once

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

}  // namespace opennap::store::internal
