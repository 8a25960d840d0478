#include "opennap/checks/clamav.h"

#include <array>
#include <charconv>
#include <vector>

namespace opennap::checks {

namespace {

template <typename T>
bool parse_uint(std::string_view s, T& out) {
    if (s.empty()) {
        return false;
    }
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

// Days since 1970-01-01 of a civil date (proleptic Gregorian).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

std::optional<std::int64_t> parse_cvd_time(std::string_view t) {
    // "DD Mon YYYY HH-MM +ZZZZ"
    std::vector<std::string_view> parts;
    std::size_t i = 0;
    while (i < t.size()) {
        while (i < t.size() && t[i] == ' ') {
            ++i;
        }
        const std::size_t s = i;
        while (i < t.size() && t[i] != ' ') {
            ++i;
        }
        if (i > s) {
            parts.push_back(t.substr(s, i - s));
        }
    }
    if (parts.size() != 5) {
        return std::nullopt;
    }
    unsigned day = 0;
    unsigned year = 0;
    if (!parse_uint(parts[0], day) || day < 1 || day > 31 || !parse_uint(parts[2], year) ||
        year < 1970 || year > 9999) {
        return std::nullopt;
    }
    static constexpr std::array<std::string_view, 12> kMonths = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    unsigned month = 0;
    for (unsigned m = 0; m < 12; ++m) {
        if (parts[1] == kMonths[m]) {
            month = m + 1;
        }
    }
    if (month == 0) {
        return std::nullopt;
    }
    const std::string_view hm = parts[3];
    unsigned hh = 0;
    unsigned mm = 0;
    if (hm.size() != 5 || (hm[2] != '-' && hm[2] != ':') || !parse_uint(hm.substr(0, 2), hh) ||
        !parse_uint(hm.substr(3, 2), mm) || hh > 23 || mm > 59) {
        return std::nullopt;
    }
    const std::string_view z = parts[4];
    unsigned zh = 0;
    unsigned zm = 0;
    if (z.size() != 5 || (z[0] != '+' && z[0] != '-') || !parse_uint(z.substr(1, 2), zh) ||
        !parse_uint(z.substr(3, 2), zm) || zh > 23 || zm > 59) {
        return std::nullopt;
    }
    const std::int64_t offset = (static_cast<std::int64_t>(zh) * 60 + zm) * 60;
    const std::int64_t local =
        days_from_civil(year, month, day) * 86400 + static_cast<std::int64_t>(hh) * 3600 + mm * 60;
    return z[0] == '+' ? local - offset : local + offset;
}

std::expected<CvdHeader, ParseError> parse_cvd_header(std::string_view header) {
    static constexpr std::string_view kMagic = "ClamAV-VDB:";
    if (header.size() > kCvdHeaderSize) {
        header = header.substr(0, kCvdHeaderSize);
    }
    if (!header.starts_with(kMagic)) {
        return std::unexpected(
            ParseError{0, 0, "magic", "not a ClamAV database (no \"ClamAV-VDB:\")"});
    }
    // Trailing padding: spaces (and NULs in some tools' output).
    std::size_t end = header.size();
    while (end > 0 &&
           (header[end - 1] == ' ' || header[end - 1] == '\0' || header[end - 1] == '\n')) {
        --end;
    }
    header = header.substr(0, end);
    struct Field {
        std::string_view text;
        std::size_t offset;
    };
    std::vector<Field> f;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= header.size(); ++i) {
        if (i == header.size() || header[i] == ':') {
            f.push_back({header.substr(start, i - start), start});
            start = i + 1;
        }
    }
    for (const auto& x : f) {
        for (std::size_t k = 0; k < x.text.size(); ++k) {
            const auto c = static_cast<unsigned char>(x.text[k]);
            if (c < 0x20 || c > 0x7e) {
                return std::unexpected(
                    ParseError{x.offset + k, 0, "header", "byte that is not printable ASCII"});
            }
        }
    }
    static constexpr const char* kNames[] = {"magic", "build-time", "version", "signatures",
                                             "functionality-level"};
    if (f.size() < 5) {
        return std::unexpected(ParseError{header.size(), 0, kNames[f.size()], "missing field"});
    }
    CvdHeader h;
    h.build_time_text = std::string(f[1].text);
    if (!parse_uint(f[2].text, h.version)) {
        return std::unexpected(ParseError{f[2].offset, 0, "version", "not a decimal number"});
    }
    if (!parse_uint(f[3].text, h.signatures)) {
        return std::unexpected(ParseError{f[3].offset, 0, "signatures", "not a decimal number"});
    }
    if (!parse_uint(f[4].text, h.functionality_level)) {
        return std::unexpected(
            ParseError{f[4].offset, 0, "functionality-level", "not a decimal number"});
    }
    if (f.size() > 5) {
        h.md5 = std::string(f[5].text);
    }
    if (f.size() > 7) {
        h.builder = std::string(f[7].text);
    }
    std::int64_t stime = 0;
    if (f.size() > 8 && !f[8].text.empty()) {
        if (!parse_uint(f[8].text, stime)) {
            return std::unexpected(
                ParseError{f[8].offset, 0, "build-time-seconds", "not a decimal number"});
        }
        h.build_time = stime;
    } else {
        auto t = parse_cvd_time(f[1].text);
        if (!t) {
            return std::unexpected(ParseError{f[1].offset, 0, "build-time",
                                              "not a time like \"14 Feb 2023 07-26 -0500\""});
        }
        h.build_time = *t;
    }
    return h;
}

}  // namespace opennap::checks
