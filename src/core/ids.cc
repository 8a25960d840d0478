#include "opennap/core/ids.h"

#include <cstdio>
#include <limits>
#include <ratio>

#include "opennap/core/endian.h"

namespace opennap {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

void append_hex(std::string& out, std::uint64_t value, int digits) {
    for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
        out.push_back(kHexDigits[(value >> shift) & 0xFu]);
    }
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

constexpr std::int64_t kTicksPerSecond = 10'000'000;
constexpr std::int64_t kTicksPerDay = kTicksPerSecond * 86'400;
constexpr std::int64_t kEpochDeltaTicks = FileTime::kEpochDeltaSeconds * kTicksPerSecond;
constexpr std::int64_t kEpochDeltaDays = FileTime::kEpochDeltaSeconds / 86'400;  // 134774

struct CivilDate {
    std::int64_t year;
    unsigned month;
    unsigned day;
};

// Howard Hinnant's civil_from_days: days since 1970-01-01 -> proleptic Gregorian date.
constexpr CivilDate civil_from_days(std::int64_t z) noexcept {
    z += 719'468;
    const std::int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
    const auto doe = static_cast<std::uint64_t>(z - era * 146'097);  // [0, 146096]
    const std::uint64_t yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;  // [0, 399]
    const std::uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                  // [0, 365]
    const std::uint64_t mp = (5 * doy + 2) / 153;                                       // [0, 11]
    const auto day = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
    const auto month = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
    const std::int64_t year = static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0);
    return {year, month, day};
}

static_assert(civil_from_days(0).year == 1970 && civil_from_days(0).month == 1 &&
              civil_from_days(0).day == 1);
static_assert(civil_from_days(-kEpochDeltaDays).year == 1601 &&
              civil_from_days(-kEpochDeltaDays).month == 1 &&
              civil_from_days(-kEpochDeltaDays).day == 1);

}  // namespace

// ---- Guid ------------------------------------------------------------------------------------

std::string Guid::to_string() const {
    std::string out;
    out.reserve(36);
    append_hex(out, data1, 8);
    out.push_back('-');
    append_hex(out, data2, 4);
    out.push_back('-');
    append_hex(out, data3, 4);
    out.push_back('-');
    append_hex(out, data4[0], 2);
    append_hex(out, data4[1], 2);
    out.push_back('-');
    for (std::size_t i = 2; i < 8; ++i) {
        append_hex(out, data4[i], 2);
    }
    return out;
}

std::optional<Guid> Guid::parse(std::string_view text) noexcept {
    if (text.size() == 38) {
        if (text.front() != '{' || text.back() != '}') {
            return std::nullopt;
        }
        text = text.substr(1, 36);
    }
    if (text.size() != 36) {
        return std::nullopt;
    }
    std::array<std::uint8_t, 16> bytes{};
    std::size_t n = 0;
    for (std::size_t i = 0; i < 36;) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (text[i] != '-') {
                return std::nullopt;
            }
            ++i;
            continue;
        }
        const int hi = hex_value(text[i]);
        const int lo = hex_value(text[i + 1]);
        if (hi < 0 || lo < 0) {
            return std::nullopt;
        }
        bytes[n++] = static_cast<std::uint8_t>((hi << 4) | lo);
        i += 2;
    }
    return from_bytes_be(bytes);
}

std::array<std::uint8_t, 16> Guid::to_bytes_be() const noexcept {
    std::array<std::uint8_t, 16> b{};
    store_be32(b.data(), data1);
    store_be16(b.data() + 4, data2);
    store_be16(b.data() + 6, data3);
    for (std::size_t i = 0; i < 8; ++i) {
        b[8 + i] = data4[i];
    }
    return b;
}

Guid Guid::from_bytes_be(std::span<const std::uint8_t, 16> b) noexcept {
    Guid g;
    g.data1 = load_be32(b.data());
    g.data2 = load_be16(b.data() + 4);
    g.data3 = load_be16(b.data() + 6);
    for (std::size_t i = 0; i < 8; ++i) {
        g.data4[i] = b[8 + i];
    }
    return g;
}

std::array<std::uint8_t, 16> Guid::to_bytes_le() const noexcept {
    std::array<std::uint8_t, 16> b{};
    store_le32(b.data(), data1);
    store_le16(b.data() + 4, data2);
    store_le16(b.data() + 6, data3);
    for (std::size_t i = 0; i < 8; ++i) {
        b[8 + i] = data4[i];
    }
    return b;
}

Guid Guid::from_bytes_le(std::span<const std::uint8_t, 16> b) noexcept {
    Guid g;
    g.data1 = load_le32(b.data());
    g.data2 = load_le16(b.data() + 4);
    g.data3 = load_le16(b.data() + 6);
    for (std::size_t i = 0; i < 8; ++i) {
        g.data4[i] = b[8 + i];
    }
    return g;
}

// ---- FileTime --------------------------------------------------------------------------------

FileTime FileTime::from_time_point(std::chrono::system_clock::time_point tp) noexcept {
    // With a system_clock at least as fine as 100 ns, flooring to ticks cannot overflow, and the
    // result plus the epoch delta fits in uint64 for every int64 tick count.
    static_assert(std::ratio_less_equal_v<std::chrono::system_clock::period, Duration::period>);
    const std::int64_t unix_ticks = std::chrono::floor<Duration>(tp).time_since_epoch().count();
    if (unix_ticks < -kEpochDeltaTicks) {
        return FileTime{0};
    }
    return FileTime{static_cast<std::uint64_t>(unix_ticks + kEpochDeltaTicks)};
}

std::optional<FileTime::TimePoint> FileTime::to_time_point() const noexcept {
    constexpr auto kMaxTicks =
        static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + kEpochDeltaTicks;
    if (ticks == kNone || ticks > kMaxTicks) {
        return std::nullopt;
    }
    // Two's-complement wrap-around gives the signed difference without overflow.
    const auto unix_ticks = static_cast<std::int64_t>(ticks - kEpochDeltaTicks);
    return TimePoint{Duration{unix_ticks}};
}

FileTime FileTime::now() noexcept {
    return from_time_point(std::chrono::system_clock::now());
}

std::string FileTime::to_string() const {
    if (ticks == kNone) {
        return "none";
    }
    constexpr auto kDay = static_cast<std::uint64_t>(kTicksPerDay);
    constexpr auto kSecond = static_cast<std::uint64_t>(kTicksPerSecond);
    const auto days = static_cast<std::int64_t>(ticks / kDay);  // < 2^64 / 8.64e11: fits
    const std::uint64_t in_day = ticks % kDay;
    const CivilDate date = civil_from_days(days - kEpochDeltaDays);
    const std::uint64_t seconds = in_day / kSecond;
    const std::uint64_t fraction = in_day % kSecond;
    if (date.year >= 0) {
        // What the snprintf() below writes, without its cost (this runs per request).
        std::string out;
        out.reserve(32);
        auto put = [&out](std::uint64_t v, int width) {
            char b[20];
            int n = 0;
            do {
                b[n++] = static_cast<char>('0' + v % 10);
                v /= 10;
            } while (v != 0);
            while (n < width)
                b[n++] = '0';
            while (n > 0)
                out += b[--n];
        };
        put(static_cast<std::uint64_t>(date.year), 4);
        out += '-';
        put(date.month, 2);
        out += '-';
        put(date.day, 2);
        out += 'T';
        put(seconds / 3600, 2);
        out += ':';
        put(seconds / 60 % 60, 2);
        out += ':';
        put(seconds % 60, 2);
        out += '.';
        put(fraction, 7);
        out += 'Z';
        return out;
    }
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u.%07lluZ",
                  static_cast<long long>(date.year), date.month, date.day,
                  static_cast<unsigned>(seconds / 3600), static_cast<unsigned>(seconds / 60 % 60),
                  static_cast<unsigned>(seconds % 60), static_cast<unsigned long long>(fraction));
    return buf;
}

// ---- CorrelationId ---------------------------------------------------------------------------

std::array<std::uint8_t, CorrelationId::kWireSize> CorrelationId::to_bytes() const noexcept {
    std::array<std::uint8_t, kWireSize> b{};
    const auto guid = conn_id.to_bytes_be();
    for (std::size_t i = 0; i < guid.size(); ++i) {
        b[i] = guid[i];
    }
    store_be64(b.data() + 16, time_stamp.ticks);
    return b;
}

CorrelationId CorrelationId::from_bytes(std::span<const std::uint8_t, kWireSize> b) noexcept {
    CorrelationId id;
    id.conn_id = Guid::from_bytes_be(b.first<16>());
    id.time_stamp = FileTime{load_be64(b.data() + 16)};
    return id;
}

std::string CorrelationId::to_string() const {
    std::string out = conn_id.to_string();
    out.push_back('@');
    out += time_stamp.to_string();
    return out;
}

}  // namespace opennap
