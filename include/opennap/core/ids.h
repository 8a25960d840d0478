// GUID, FILETIME, ConnectionId and CorrelationId (NapTypes.h, nap-api.md §4 and §6.1).
#pragma once

#include <array>
#include <chrono>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace opennap {

// A GUID with the Windows field layout {Data1, Data2, Data3, Data4[8]}.
struct Guid {
    std::uint32_t data1 = 0;
    std::uint16_t data2 = 0;
    std::uint16_t data3 = 0;
    std::array<std::uint8_t, 8> data4{};

    friend constexpr bool operator==(const Guid&, const Guid&) = default;
    friend constexpr auto operator<=>(const Guid&, const Guid&) = default;

    [[nodiscard]] constexpr bool is_nil() const noexcept { return *this == Guid{}; }

    // Canonical text "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", lower case, no braces.
    [[nodiscard]] std::string to_string() const;
    // Accepts the canonical form, with or without braces (both or neither), any mix of case.
    // Anything else (missing hyphens, other lengths, whitespace, non-hex) gives nullopt.
    [[nodiscard]] static std::optional<Guid> parse(std::string_view text) noexcept;

    // 16-byte wire forms. "big endian" (RFC 4122 order: every field most significant byte first)
    // is what OpenNAP writes inside correlation ids; "little endian" is the Windows in-memory
    // layout (Data1..Data3 little-endian), offered for interop with captures from Windows.
    [[nodiscard]] std::array<std::uint8_t, 16> to_bytes_be() const noexcept;
    [[nodiscard]] static Guid from_bytes_be(std::span<const std::uint8_t, 16> b) noexcept;
    [[nodiscard]] std::array<std::uint8_t, 16> to_bytes_le() const noexcept;
    [[nodiscard]] static Guid from_bytes_le(std::span<const std::uint8_t, 16> b) noexcept;
};

// A Windows FILETIME: 100-ns intervals since 1601-01-01 00:00:00 UTC, held as one 64-bit count.
// The Windows struct splits it into {dwLowDateTime, dwHighDateTime}; low()/high() give those.
struct FileTime {
    std::uint64_t ticks = 0;

    friend constexpr bool operator==(const FileTime&, const FileTime&) = default;
    friend constexpr auto operator<=>(const FileTime&, const FileTime&) = default;

    // Seconds between 1601-01-01 and 1970-01-01.
    static constexpr std::int64_t kEpochDeltaSeconds = 11'644'473'600;
    // The all-ones value, used on the wire for "no probation time".
    static constexpr std::uint64_t kNone = ~std::uint64_t{0};

    [[nodiscard]] constexpr std::uint32_t low() const noexcept {
        return static_cast<std::uint32_t>(ticks);
    }
    [[nodiscard]] constexpr std::uint32_t high() const noexcept {
        return static_cast<std::uint32_t>(ticks >> 32);
    }
    static constexpr FileTime from_parts(std::uint32_t low, std::uint32_t high) noexcept {
        return FileTime{(std::uint64_t{high} << 32) | low};
    }

    // Conversions with std::chrono::system_clock. from_time_point rounds down to a whole tick and
    // clamps times before 1601 to 0. to_time_point gives nullopt for kNone and for any value
    // whose distance from the Unix epoch does not fit TimePoint (int64 ticks; only values after
    // year 31197 are affected). TimePoint converts to system_clock::time_point when it fits.
    using Duration = std::chrono::duration<std::int64_t, std::ratio<1, 10'000'000>>;
    using TimePoint = std::chrono::time_point<std::chrono::system_clock, Duration>;
    [[nodiscard]] static FileTime from_time_point(
        std::chrono::system_clock::time_point tp) noexcept;
    [[nodiscard]] std::optional<TimePoint> to_time_point() const noexcept;
    [[nodiscard]] static FileTime now() noexcept;

    // ISO 8601 UTC with 100-ns precision, e.g. "2009-12-09T14:03:13.3750000Z" (ticks
    // 0x01ca78d858ee1ef0); "none" for kNone. Defined for every 64-bit value: years past 9999 are
    // printed as-is with five digits (the largest, kNone - 1, is in year 60056); nothing clamps.
    [[nodiscard]] std::string to_string() const;
};

// Identifies one connection of an enforcement client (typedef GUID ConnectionId).
using ConnectionId = Guid;

// Pairs one SoH request with its response: the connection GUID plus the request's timestamp.
struct CorrelationId {
    Guid conn_id;
    FileTime time_stamp;

    friend constexpr bool operator==(const CorrelationId&, const CorrelationId&) = default;

    static constexpr std::size_t kWireSize = 24;

    // Wire form: the 16 GUID bytes (big-endian fields, see Guid::to_bytes_be) followed by the
    // FILETIME as a 64-bit big-endian count. See docs/soh-wire.md for why.
    [[nodiscard]] std::array<std::uint8_t, kWireSize> to_bytes() const noexcept;
    [[nodiscard]] static CorrelationId from_bytes(
        std::span<const std::uint8_t, kWireSize> b) noexcept;

    // The StringCorrelationId form used in logs: "{guid}@{ISO time}", e.g.
    // "54468936-cb49-4374-b127-a6a3cc3bb11c@2009-12-09T14:03:13.3750000Z" (no braces).
    [[nodiscard]] std::string to_string() const;
};

}  // namespace opennap
