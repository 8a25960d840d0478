#include "opennap/tools/hex.h"

#include <cstdio>

namespace opennap::tools {

namespace {

constexpr char kDigits[] = "0123456789abcdef";

int nibble(char c) noexcept {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

bool is_separator(char c) noexcept {
    return is_space(c) || c == ':' || c == '-';
}

}  // namespace

std::string to_hex(Bytes bytes) {
    std::string s;
    s.reserve(bytes.size() * 2);
    for (std::uint8_t b : bytes) {
        s.push_back(kDigits[b >> 4]);
        s.push_back(kDigits[b & 15]);
    }
    return s;
}

std::string hex_dump(Bytes bytes, std::size_t per_line) {
    if (per_line == 0)
        per_line = 16;
    std::string s;
    s.reserve(bytes.size() * 3);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        s.push_back(kDigits[bytes[i] >> 4]);
        s.push_back(kDigits[bytes[i] & 15]);
        const bool last_in_line = (i + 1) % per_line == 0 || i + 1 == bytes.size();
        s.push_back(last_in_line ? '\n' : ' ');
    }
    return s;
}

std::string hex_u32(std::uint32_t value, int digits) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%0*X", digits, value);
    return buf;
}

std::expected<std::vector<std::uint8_t>, std::string> parse_hex(std::string_view text) {
    std::vector<std::uint8_t> out;
    out.reserve(text.size() / 2);
    int high = -1;
    bool line_start = true;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n') {
            line_start = true;
            continue;
        }
        if (line_start && c == '#') {
            while (i < text.size() && text[i] != '\n')
                ++i;
            line_start = true;
            continue;
        }
        if (is_space(c))
            continue;
        line_start = false;
        if (is_separator(c)) {
            if (high >= 0)
                return std::unexpected("odd hex digit before separator at character " +
                                       std::to_string(i));
            continue;
        }
        // "0x" prefix at the start of a token.
        if (c == '0' && high < 0 && i + 1 < text.size() &&
            (text[i + 1] == 'x' || text[i + 1] == 'X') && (i == 0 || is_separator(text[i - 1]))) {
            ++i;
            continue;
        }
        const int v = nibble(c);
        if (v < 0) {
            std::string shown = (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f)
                                    ? std::string(1, c)
                                    : hex_u32(static_cast<unsigned char>(c), 2);
            return std::unexpected("bad hex digit '" + shown + "' at character " +
                                   std::to_string(i));
        }
        if (high < 0) {
            high = v;
        } else {
            out.push_back(static_cast<std::uint8_t>(high * 16 + v));
            high = -1;
        }
    }
    if (high >= 0)
        return std::unexpected("odd number of hex digits");
    return out;
}

bool looks_like_hex_text(Bytes data) noexcept {
    bool digit = false;
    bool line_start = true;
    for (std::size_t i = 0; i < data.size(); ++i) {
        const char c = static_cast<char>(data[i]);
        if (c == '\n') {
            line_start = true;
            continue;
        }
        if (line_start && c == '#') {
            while (i < data.size() && data[i] != '\n') {
                if (data[i] == 0)
                    return false;
                ++i;
            }
            line_start = true;
            continue;
        }
        if (is_space(c))
            continue;
        line_start = false;
        if (is_separator(c) || c == 'x' || c == 'X')
            continue;
        if (nibble(c) < 0)
            return false;
        digit = true;
    }
    return digit;
}

}  // namespace opennap::tools
