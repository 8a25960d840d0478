// Shared helpers of the RADIUS codec tests.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "opennap/radius/packet.h"
#include "support/vectors.h"

namespace opennap::radius::test {

using opennap::test::ByteVec;
using opennap::test::from_hex;
using opennap::test::load_vector;
using opennap::test::to_hex;

inline ByteVec vec(Bytes b) {
    return {b.begin(), b.end()};
}

inline ByteVec cat(std::initializer_list<ByteVec> parts) {
    ByteVec out;
    for (const ByteVec& p : parts) {
        out.insert(out.end(), p.begin(), p.end());
    }
    return out;
}

// One attribute: type, length, value.
// (Sized and filled rather than grown: GCC 12 at -O3 reports a false -Warray-bounds for an
// insert() after a two-element initializer list.)
inline ByteVec attr(std::uint8_t type, const ByteVec& value) {
    ByteVec out(value.size() + 2);
    out[0] = type;
    out[1] = static_cast<std::uint8_t>(value.size() + 2);
    std::copy(value.begin(), value.end(), out.begin() + 2);
    return out;
}

inline ByteVec text(std::string_view s) {
    return {s.begin(), s.end()};
}

// A packet with a correct Length field and the authenticator 00 01 .. 0f.
inline ByteVec packet(Code code, std::uint8_t id, const ByteVec& attributes) {
    ByteVec out(20 + attributes.size());
    out[0] = static_cast<std::uint8_t>(code);
    out[1] = id;
    store_be16(out.data() + 2, static_cast<std::uint16_t>(out.size()));
    for (std::uint8_t i = 0; i < 16; ++i) {
        out[4 + i] = i;
    }
    std::copy(attributes.begin(), attributes.end(), out.begin() + 20);
    return out;
}

// The attribute bytes of vector 10 / 11 (complete MS-Quarantine-SoH VSAs).
inline ByteVec vector10() {
    return load_vector("10-radius-vsa-ms-quarantine-soh-compact.hex");
}
inline ByteVec vector11() {
    return load_vector("11-radius-vsa-ms-quarantine-soh-wpas-v2.hex");
}

}  // namespace opennap::radius::test
