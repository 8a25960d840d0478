// Test support: read the shared hex vectors (../shared/reference/vectors/*.hex) and hex strings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace opennap::test {

using ByteVec = std::vector<std::uint8_t>;

// Parses hex digits, ignoring whitespace, ':' and lines whose first non-blank char is '#'.
// Aborts the test program on a malformed string (test data is trusted).
ByteVec from_hex(std::string_view text);
std::string to_hex(const std::vector<std::uint8_t>& bytes);

// Loads vector file `name` (e.g. "04-soh-wpas-v2.hex") from OPENNAP_VECTORS_DIR.
ByteVec load_vector(std::string_view name);

// All vector file names present in OPENNAP_VECTORS_DIR, sorted.
std::vector<std::string> vector_names();

}  // namespace opennap::test
