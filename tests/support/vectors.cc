#include "support/vectors.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace opennap::test {

namespace {
[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "test support: %s\n", what.c_str());
    std::abort();
}
int nibble(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
}  // namespace

ByteVec from_hex(std::string_view text) {
    ByteVec out;
    int high = -1;
    bool comment = false;
    bool line_start = true;
    for (char c : text) {
        if (c == '\n') {
            comment = false;
            line_start = true;
            continue;
        }
        if (comment)
            continue;
        if (c == ' ' || c == '\t' || c == '\r' || c == ':')
            continue;
        if (c == '#' && line_start) {
            comment = true;
            continue;
        }
        line_start = false;
        int v = nibble(c);
        if (v < 0)
            die("bad hex character '" + std::string(1, c) + "'");
        if (high < 0) {
            high = v;
        } else {
            out.push_back(static_cast<std::uint8_t>(high * 16 + v));
            high = -1;
        }
    }
    if (high >= 0)
        die("odd number of hex digits");
    return out;
}

std::string to_hex(const std::vector<std::uint8_t>& bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    s.reserve(bytes.size() * 2);
    for (auto b : bytes) {
        s.push_back(digits[b >> 4]);
        s.push_back(digits[b & 15]);
    }
    return s;
}

ByteVec load_vector(std::string_view name) {
    std::filesystem::path p = std::filesystem::path(OPENNAP_VECTORS_DIR) / std::string(name);
    std::ifstream in(p);
    if (!in)
        die("cannot open vector " + p.string());
    std::stringstream ss;
    ss << in.rdbuf();
    return from_hex(ss.str());
}

std::vector<std::string> vector_names() {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(OPENNAP_VECTORS_DIR)) {
        if (e.path().extension() == ".hex")
            names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace opennap::test
