// IP addresses, prefixes (CIDR) and endpoints (address:port) as server.toml writes them and as the
// policy engine matches them. Pure value types; parsing uses inet_pton and allocates nothing.
//
// An IPv4-mapped IPv6 address (::ffff:a.b.c.d), which a dual-stack socket reports for an IPv4
// peer, is the IPv4 address for matching: Prefix::contains() and find_client() unmap it first.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace opennap::policy {

struct IpAddress {
    enum class Family : std::uint8_t { V4, V6 };

    Family family = Family::V4;
    // Network byte order; an IPv4 address uses bytes[0..3], the rest stays zero.
    std::array<std::uint8_t, 16> bytes{};

    friend constexpr bool operator==(const IpAddress&, const IpAddress&) = default;
    friend constexpr auto operator<=>(const IpAddress&, const IpAddress&) = default;

    [[nodiscard]] static constexpr IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c,
                                                std::uint8_t d) noexcept {
        IpAddress ip;
        ip.bytes[0] = a;
        ip.bytes[1] = b;
        ip.bytes[2] = c;
        ip.bytes[3] = d;
        return ip;
    }
    [[nodiscard]] static constexpr IpAddress v6(const std::array<std::uint8_t, 16>& b) noexcept {
        IpAddress ip;
        ip.family = Family::V6;
        ip.bytes = b;
        return ip;
    }

    // Dotted quad or RFC 4291 text (no zone index, no brackets); nullopt otherwise.
    [[nodiscard]] static std::optional<IpAddress> parse(std::string_view text) noexcept;

    [[nodiscard]] constexpr bool is_v4() const noexcept { return family == Family::V4; }
    [[nodiscard]] constexpr std::size_t size() const noexcept { return is_v4() ? 4 : 16; }
    [[nodiscard]] constexpr unsigned bits() const noexcept { return is_v4() ? 32 : 128; }
    // ::ffff:a.b.c.d becomes a.b.c.d; anything else is returned unchanged.
    [[nodiscard]] IpAddress unmapped() const noexcept;
    // "10.0.0.1", "2001:db8::1" (inet_ntop's canonical form).
    [[nodiscard]] std::string to_string() const;
};

// An address block: `length` leading bits of `address`; the other bits are zero.
struct Prefix {
    IpAddress address;
    std::uint8_t length = 32;

    friend constexpr bool operator==(const Prefix&, const Prefix&) = default;
    friend constexpr auto operator<=>(const Prefix&, const Prefix&) = default;

    // "10.0.0.0/8", "2001:db8::/32", or a bare address (a /32 or /128). Host bits set beyond the
    // length are an error (the message names the prefix that was probably meant), as are a
    // missing or out-of-range length, an IPv4-mapped IPv6 address (write the IPv4 address) and
    // anything inet_pton does not accept.
    [[nodiscard]] static std::expected<Prefix, std::string> parse(std::string_view text);

    // Same family (after unmapping `ip`) and the first `length` bits equal.
    [[nodiscard]] bool contains(const IpAddress& ip) const noexcept;
    // "10.0.0.0/8"; a host prefix is written without its length ("10.0.0.1").
    [[nodiscard]] std::string to_string() const;
};

// `ip` with every bit after the first `length` cleared.
[[nodiscard]] IpAddress masked(const IpAddress& ip, unsigned length) noexcept;

// A listening address: "127.0.0.1:1812", "[::1]:1812", "0.0.0.0:1812", "[::]:1812".
struct Endpoint {
    IpAddress address;
    std::uint16_t port = 0;

    friend constexpr bool operator==(const Endpoint&, const Endpoint&) = default;
    friend constexpr auto operator<=>(const Endpoint&, const Endpoint&) = default;

    // An IPv6 address must be in brackets; the port is 1..65535 and required.
    [[nodiscard]] static std::expected<Endpoint, std::string> parse(std::string_view text);
    [[nodiscard]] std::string to_string() const;
};

}  // namespace opennap::policy
