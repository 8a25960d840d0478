#include "opennap/core/ids.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "support/vectors.h"

namespace opennap {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

constexpr std::string_view kGuidText = "54468936-cb49-4374-b127-a6a3cc3bb11c";
constexpr std::uint64_t k2009Ticks = 0x01ca78d858ee1ef0;
constexpr std::uint64_t kUnixEpochTicks = 116444736000000000;

Guid sample_guid() {
    return Guid{0x54468936, 0xcb49, 0x4374, {0xb1, 0x27, 0xa6, 0xa3, 0xcc, 0x3b, 0xb1, 0x1c}};
}

template <std::size_t N>
std::vector<std::uint8_t> vec(const std::array<std::uint8_t, N>& a) {
    return {a.begin(), a.end()};
}

// ---- Guid ------------------------------------------------------------------------------------

TEST(Guid, ToString) {
    EXPECT_EQ(sample_guid().to_string(), kGuidText);
    EXPECT_EQ(Guid{}.to_string(), "00000000-0000-0000-0000-000000000000");
    Guid ones{0xFFFFFFFF, 0xFFFF, 0xFFFF, {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}};
    EXPECT_EQ(ones.to_string(), "ffffffff-ffff-ffff-ffff-ffffffffffff");
    Guid seq{0x01234567, 0x89ab, 0xcdef, {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}};
    EXPECT_EQ(seq.to_string(), "01234567-89ab-cdef-0123-456789abcdef");
}

TEST(Guid, ParseAcceptedForms) {
    const Guid g = sample_guid();
    EXPECT_EQ(Guid::parse(kGuidText), g);
    EXPECT_EQ(Guid::parse("{54468936-cb49-4374-b127-a6a3cc3bb11c}"), g);
    EXPECT_EQ(Guid::parse("54468936-CB49-4374-B127-A6A3CC3BB11C"), g);
    EXPECT_EQ(Guid::parse("{54468936-Cb49-4374-b127-A6a3cC3bB11c}"), g);
    EXPECT_EQ(Guid::parse("00000000-0000-0000-0000-000000000000"), Guid{});
}

TEST(Guid, ParseRoundTrip) {
    std::mt19937_64 rng(42);
    for (int i = 0; i < 200; ++i) {
        Guid g;
        g.data1 = static_cast<std::uint32_t>(rng());
        g.data2 = static_cast<std::uint16_t>(rng());
        g.data3 = static_cast<std::uint16_t>(rng());
        for (auto& b : g.data4) {
            b = static_cast<std::uint8_t>(rng());
        }
        const std::string text = g.to_string();
        ASSERT_EQ(Guid::parse(text), g) << text;
        ASSERT_EQ(Guid::parse("{" + text + "}"), g) << text;
    }
}

TEST(Guid, ParseRejectsMalformed) {
    for (std::string_view bad : {
             "",
             "{}",
             "54468936-cb49-4374-b127-a6a3cc3bb11",       // 35 chars
             "54468936-cb49-4374-b127-a6a3cc3bb11c0",     // 37 chars
             "{54468936-cb49-4374-b127-a6a3cc3bb11c",     // one brace
             "54468936-cb49-4374-b127-a6a3cc3bb11c}",     // one brace
             "{54468936-cb49-4374-b127-a6a3cc3bb11c)",    // wrong closer
             "(54468936-cb49-4374-b127-a6a3cc3bb11c)",    // parentheses
             "}54468936-cb49-4374-b127-a6a3cc3bb11c{",    // reversed braces
             "{{54468936-cb49-4374-b127-a6a3cc3bb11c}}",  // double braces
             "54468936cb494374b127a6a3cc3bb11c",          // no hyphens
             "54468936-cb494-374-b127-a6a3cc3bb11c",      // hyphen moved
             "5446893-6cb49-4374-b127-a6a3cc3bb11c",      // hyphen moved
             "54468936_cb49_4374_b127_a6a3cc3bb11c",      // wrong separator
             "54468936-cb49-4374-b127-a6a3cc3bb11g",      // non-hex
             "x4468936-cb49-4374-b127-a6a3cc3bb11c",      // non-hex
             " 54468936-cb49-4374-b127-a6a3cc3bb11c",     // leading space
             "54468936-cb49-4374-b127-a6a3cc3bb11c ",     // trailing space
             "54468936-cb49-4374-b127 a6a3cc3bb11c",      // space for hyphen
             "+4468936-cb49-4374-b127-a6a3cc3bb11c",      // sign
             "0x468936-cb49-4374-b127-a6a3cc3bb11c",      // prefix
         }) {
        EXPECT_EQ(Guid::parse(bad), std::nullopt) << '"' << bad << '"';
    }
    // An embedded NUL inside the text.
    std::string with_nul(kGuidText);
    with_nul[10] = '\0';
    EXPECT_EQ(Guid::parse(with_nul), std::nullopt);
    // Replacing any single character with a non-hex letter is rejected.
    for (std::size_t i = 0; i < kGuidText.size(); ++i) {
        std::string s(kGuidText);
        s[i] = 'z';
        EXPECT_EQ(Guid::parse(s), std::nullopt) << s;
    }
}

TEST(Guid, IsNil) {
    EXPECT_TRUE(Guid{}.is_nil());
    EXPECT_FALSE(sample_guid().is_nil());
    Guid g;
    g.data4[7] = 1;
    EXPECT_FALSE(g.is_nil());
}

TEST(Guid, BigEndianBytes) {
    const auto be = sample_guid().to_bytes_be();
    EXPECT_EQ(vec(be), test::from_hex("54468936 cb49 4374 b127 a6a3cc3bb11c"));
    EXPECT_EQ(Guid::from_bytes_be(be), sample_guid());
}

TEST(Guid, LittleEndianBytes) {
    const auto le = sample_guid().to_bytes_le();
    EXPECT_EQ(vec(le), test::from_hex("36894654 49cb 7443 b127 a6a3cc3bb11c"));
    EXPECT_EQ(Guid::from_bytes_le(le), sample_guid());
    // The two orders differ only in the first three fields.
    const auto be = sample_guid().to_bytes_be();
    EXPECT_NE(Guid::from_bytes_le(be), sample_guid());
    EXPECT_TRUE(std::equal(be.begin() + 8, be.end(), le.begin() + 8));
}

TEST(Guid, Ordering) {
    Guid a{1, 0, 0, {}};
    Guid b{2, 0, 0, {}};
    EXPECT_LT(a, b);
    EXPECT_NE(a, b);
}

// ---- FileTime --------------------------------------------------------------------------------

TEST(FileTime, Parts) {
    const FileTime t{k2009Ticks};
    EXPECT_EQ(t.high(), 0x01ca78d8u);
    EXPECT_EQ(t.low(), 0x58ee1ef0u);
    EXPECT_EQ(FileTime::from_parts(0x58ee1ef0u, 0x01ca78d8u), t);
}

TEST(FileTime, UnixEpoch) {
    EXPECT_EQ(FileTime::kEpochDeltaSeconds * 10'000'000,
              static_cast<std::int64_t>(kUnixEpochTicks));
    const FileTime epoch = FileTime::from_time_point(system_clock::time_point{});
    EXPECT_EQ(epoch.ticks, kUnixEpochTicks);
    EXPECT_EQ(epoch.to_string(), "1970-01-01T00:00:00.0000000Z");
    ASSERT_TRUE(epoch.to_time_point().has_value());
    EXPECT_EQ(epoch.to_time_point()->time_since_epoch().count(), 0);
}

TEST(FileTime, Known2009Value) {
    const FileTime t{k2009Ticks};
    EXPECT_EQ(t.to_string(), "2009-12-09T14:03:13.3750000Z");
    const auto tp = t.to_time_point();
    ASSERT_TRUE(tp.has_value());
    const auto expected = sys_days{2009y / December / 9} + 14h + 3min + 13s + 375ms;
    EXPECT_EQ(*tp, expected);
    EXPECT_EQ(FileTime::from_time_point(system_clock::time_point{expected}), t);
}

TEST(FileTime, ChronoRoundTrip) {
    std::mt19937_64 rng(7);
    // system_clock (ns) covers about 1678..2262; stay well inside.
    const std::int64_t lo = -(std::int64_t{250} * 365 * 86400 * 10'000'000);
    const std::int64_t hi = std::int64_t{250} * 365 * 86400 * 10'000'000;
    std::uniform_int_distribution<std::int64_t> dist(lo, hi);
    for (int i = 0; i < 1000; ++i) {
        const FileTime::TimePoint tp{FileTime::Duration{dist(rng)}};
        const FileTime ft = FileTime::from_time_point(system_clock::time_point{tp});
        ASSERT_EQ(ft.to_time_point(), tp);
        ASSERT_EQ(static_cast<std::int64_t>(ft.ticks - kUnixEpochTicks),
                  tp.time_since_epoch().count());
    }
}

TEST(FileTime, FromTimePointFloorsToTicks) {
    const system_clock::time_point epoch{};
    EXPECT_EQ(FileTime::from_time_point(epoch + 99ns).ticks, kUnixEpochTicks);
    EXPECT_EQ(FileTime::from_time_point(epoch + 100ns).ticks, kUnixEpochTicks + 1);
    EXPECT_EQ(FileTime::from_time_point(epoch + 250ns).ticks, kUnixEpochTicks + 2);
    EXPECT_EQ(FileTime::from_time_point(epoch - 1ns).ticks, kUnixEpochTicks - 1);
    EXPECT_EQ(FileTime::from_time_point(epoch - 100ns).ticks, kUnixEpochTicks - 1);
    EXPECT_EQ(FileTime::from_time_point(epoch - 101ns).ticks, kUnixEpochTicks - 2);
}

TEST(FileTime, FromTimePointExtremes) {
    // The earliest representable system_clock time (1677) is after 1601: no clamping needed, and
    // no overflow at either end.
    const FileTime min = FileTime::from_time_point(system_clock::time_point::min());
    const FileTime max = FileTime::from_time_point(system_clock::time_point::max());
    EXPECT_GT(min.ticks, 0u);
    EXPECT_LT(min.ticks, kUnixEpochTicks);
    EXPECT_GT(max.ticks, kUnixEpochTicks);
    EXPECT_NE(max.ticks, FileTime::kNone);
    EXPECT_EQ(min.to_string().substr(0, 4), "1677");
    EXPECT_EQ(max.to_string().substr(0, 4), "2262");
}

TEST(FileTime, ToTimePointRange) {
    EXPECT_EQ(FileTime{FileTime::kNone}.to_time_point(), std::nullopt);
    const FileTime zero{0};
    ASSERT_TRUE(zero.to_time_point().has_value());
    EXPECT_EQ(zero.to_time_point()->time_since_epoch().count(),
              -static_cast<std::int64_t>(kUnixEpochTicks));
    EXPECT_EQ(*zero.to_time_point(), sys_days{1601y / January / 1});

    constexpr std::uint64_t kLast =
        static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + kUnixEpochTicks;
    ASSERT_TRUE(FileTime{kLast}.to_time_point().has_value());
    EXPECT_EQ(FileTime{kLast}.to_time_point()->time_since_epoch().count(),
              std::numeric_limits<std::int64_t>::max());
    EXPECT_EQ(FileTime{kLast + 1}.to_time_point(), std::nullopt);
    EXPECT_EQ(FileTime{FileTime::kNone - 1}.to_time_point(), std::nullopt);
}

TEST(FileTime, Now) {
    const auto before = FileTime::from_time_point(system_clock::now());
    const auto now = FileTime::now();
    const auto after = FileTime::from_time_point(system_clock::now());
    EXPECT_LE(before, now);
    EXPECT_LE(now, after);
    EXPECT_GT(now.ticks, FileTime{k2009Ticks}.ticks);
}

TEST(FileTime, ToStringSpecialValues) {
    EXPECT_EQ(FileTime{FileTime::kNone}.to_string(), "none");
    EXPECT_EQ(FileTime{0}.to_string(), "1601-01-01T00:00:00.0000000Z");
    EXPECT_EQ(FileTime{1}.to_string(), "1601-01-01T00:00:00.0000001Z");
    EXPECT_EQ(FileTime{9'999'999}.to_string(), "1601-01-01T00:00:00.9999999Z");
    // Years past 9999 are printed as-is.
    EXPECT_EQ(FileTime{FileTime::kNone - 1}.to_string(), "60056-05-28T05:36:10.9551614Z");
    EXPECT_EQ(FileTime{std::uint64_t{0x7FFFFFFFFFFFFFFF}}.to_string(),
              "30828-09-14T02:48:05.4775807Z");
}

TEST(FileTime, ToStringCalendarEdges) {
    const auto ft = [](sys_days d) {
        return FileTime::from_time_point(system_clock::time_point{d}).to_string();
    };
    EXPECT_EQ(ft(sys_days{2000y / February / 29}), "2000-02-29T00:00:00.0000000Z");
    EXPECT_EQ(ft(sys_days{1900y / February / 28} + days{1}), "1900-03-01T00:00:00.0000000Z");
    EXPECT_EQ(ft(sys_days{1999y / December / 31}), "1999-12-31T00:00:00.0000000Z");
    EXPECT_EQ(ft(sys_days{2100y / March / 1} - days{1}), "2100-02-28T00:00:00.0000000Z");
}

// Compare with std::chrono's calendar for random values in 1601..9999.
TEST(FileTime, ToStringMatchesChronoCalendar) {
    std::mt19937_64 rng(1601);
    const std::uint64_t max_ticks =
        (static_cast<std::uint64_t>(
             (sys_days{10000y / January / 1} - sys_days{1601y / January / 1}).count()) *
         864'000'000'000ull) -
        1;
    std::uniform_int_distribution<std::uint64_t> dist(0, max_ticks);
    for (int i = 0; i < 2000; ++i) {
        const FileTime t{dist(rng)};
        const auto tp = t.to_time_point();
        ASSERT_TRUE(tp.has_value());
        const auto day = floor<days>(*tp);
        const year_month_day ymd{day};
        const hh_mm_ss<FileTime::Duration> hms{*tp - day};
        char buf[64];
        std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%07lldZ",
                      static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                      static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                      static_cast<int>(hms.minutes().count()),
                      static_cast<int>(hms.seconds().count()),
                      static_cast<long long>(hms.subseconds().count()));
        ASSERT_EQ(t.to_string(), buf) << t.ticks;
    }
}

// ---- CorrelationId ---------------------------------------------------------------------------

TEST(CorrelationId, FromBytesKnownValue) {
    const auto bytes = test::from_hex("54468936cb494374b127a6a3cc3bb11c 01ca78d858ee1ef0");
    ASSERT_EQ(bytes.size(), CorrelationId::kWireSize);
    const CorrelationId id =
        CorrelationId::from_bytes(std::span<const std::uint8_t, CorrelationId::kWireSize>(
            bytes.data(), CorrelationId::kWireSize));
    EXPECT_EQ(id.conn_id, sample_guid());
    EXPECT_EQ(id.time_stamp.ticks, k2009Ticks);
    EXPECT_EQ(vec(id.to_bytes()), bytes);
    EXPECT_EQ(id.to_string(), "54468936-cb49-4374-b127-a6a3cc3bb11c@2009-12-09T14:03:13.3750000Z");
}

TEST(CorrelationId, ToBytesLayout) {
    const CorrelationId id{sample_guid(), FileTime{0x0102030405060708}};
    const auto b = id.to_bytes();
    EXPECT_EQ(vec(b), test::from_hex("54468936cb494374b127a6a3cc3bb11c 0102030405060708"));
    EXPECT_EQ(CorrelationId::from_bytes(b), id);
}

TEST(CorrelationId, ToStringNone) {
    const CorrelationId id{Guid{}, FileTime{FileTime::kNone}};
    EXPECT_EQ(id.to_string(), "00000000-0000-0000-0000-000000000000@none");
    EXPECT_EQ(CorrelationId::from_bytes(id.to_bytes()), id);
}

}  // namespace
}  // namespace opennap
