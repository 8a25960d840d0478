// IP addresses, prefixes and endpoints (include/opennap/policy/address.h).
#include "opennap/policy/address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace opennap::policy {

namespace {

constexpr std::size_t kMaxAddressText = 64;  // longer than any inet_pton input

// Concatenation by appending: g++ 12 at -O3 reports a false -Wrestrict for `"literal" +
// std::string(...)` in these functions.
template <typename... Parts>
std::string cat(const Parts&... parts) {
    std::string out;
    (out.append(std::string_view(parts)), ...);
    return out;
}

bool all_decimal(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) noexcept {
    if (text.empty() || text.size() >= kMaxAddressText) {
        return std::nullopt;
    }
    char buf[kMaxAddressText];
    std::copy(text.begin(), text.end(), buf);
    buf[text.size()] = '\0';
    IpAddress ip;
    if (text.find(':') == std::string_view::npos) {
        if (inet_pton(AF_INET, buf, ip.bytes.data()) != 1) {
            return std::nullopt;
        }
        return ip;
    }
    ip.family = Family::V6;
    if (inet_pton(AF_INET6, buf, ip.bytes.data()) != 1) {
        return std::nullopt;
    }
    return ip;
}

IpAddress IpAddress::unmapped() const noexcept {
    if (is_v4()) {
        return *this;
    }
    constexpr std::array<std::uint8_t, 12> kMapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    if (!std::equal(kMapped.begin(), kMapped.end(), bytes.begin())) {
        return *this;
    }
    return v4(bytes[12], bytes[13], bytes[14], bytes[15]);
}

std::string IpAddress::to_string() const {
    if (is_v4()) {  // every audit record has one: without inet_ntop's sprintf
        std::string out;
        out.reserve(15);
        for (std::size_t i = 0; i < 4; ++i) {
            if (i != 0)
                out += '.';
            const unsigned v = bytes[i];
            if (v >= 100)
                out += static_cast<char>('0' + v / 100);
            if (v >= 10)
                out += static_cast<char>('0' + v / 10 % 10);
            out += static_cast<char>('0' + v % 10);
        }
        return out;
    }
    char buf[INET6_ADDRSTRLEN];
    const char* r = inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
    return r == nullptr ? std::string("?") : std::string(r);
}

IpAddress masked(const IpAddress& ip, unsigned length) noexcept {
    IpAddress out = ip;
    const unsigned total = ip.bits();
    if (length >= total) {
        return out;
    }
    const unsigned full = length / 8;
    const unsigned rest = length % 8;
    std::size_t i = full;
    if (rest != 0) {
        out.bytes[i] = static_cast<std::uint8_t>(out.bytes[i] & (0xFFu << (8 - rest)));
        ++i;
    }
    for (; i < out.bytes.size(); ++i) {
        out.bytes[i] = 0;
    }
    return out;
}

std::expected<Prefix, std::string> Prefix::parse(std::string_view text) {
    const std::size_t slash = text.find('/');
    const std::string_view addr_text = text.substr(0, slash);
    const auto ip = IpAddress::parse(addr_text);
    if (!ip) {
        return std::unexpected(cat("\"", addr_text, "\" is not an IPv4 or IPv6 address"));
    }
    if (!ip->is_v4() && ip->unmapped().is_v4()) {
        // Lookups unmap ::ffff:a.b.c.d, so such a prefix could never match anything.
        return std::unexpected(cat("\"", addr_text,
                                   "\" is an IPv4-mapped IPv6 address: write the IPv4 address \"",
                                   ip->unmapped().to_string(), "\" instead"));
    }
    Prefix p{*ip, static_cast<std::uint8_t>(ip->bits())};
    if (slash != std::string_view::npos) {
        const std::string_view len_text = text.substr(slash + 1);
        unsigned len = 0;
        const auto r = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
        if (!all_decimal(len_text) || r.ec != std::errc{} || len > ip->bits()) {
            return std::unexpected(cat("prefix length \"", len_text,
                                       "\" must be a number from 0 to ",
                                       std::to_string(ip->bits())));
        }
        p.length = static_cast<std::uint8_t>(len);
    }
    const IpAddress network = masked(p.address, p.length);
    if (network != p.address) {
        const Prefix meant{network, p.length};
        return std::unexpected(cat("\"", text, "\" has host bits set (did you mean \"",
                                   meant.address.to_string(), "/", std::to_string(p.length),
                                   "\"?)"));
    }
    return p;
}

bool Prefix::contains(const IpAddress& ip) const noexcept {
    const IpAddress a = ip.unmapped();
    if (a.family != address.family) {
        return false;
    }
    const unsigned full = length / 8u;
    const unsigned rest = length % 8u;
    for (unsigned i = 0; i < full; ++i) {
        if (a.bytes[i] != address.bytes[i]) {
            return false;
        }
    }
    if (rest == 0) {
        return true;
    }
    const auto mask = static_cast<std::uint8_t>(0xFFu << (8 - rest));
    return (a.bytes[full] & mask) == address.bytes[full];
}

std::string Prefix::to_string() const {
    if (length == address.bits()) {
        return address.to_string();
    }
    return cat(address.to_string(), "/", std::to_string(length));
}

std::expected<Endpoint, std::string> Endpoint::parse(std::string_view text) {
    std::string_view host;
    std::string_view port_text;
    if (!text.empty() && text.front() == '[') {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return std::unexpected(
                cat("\"", text, "\" must be written [IPv6 address]:port, e.g. \"[::1]:1812\""));
        }
        host = text.substr(1, close - 1);
        port_text = text.substr(close + 2);
    } else {
        const std::size_t colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            return std::unexpected(
                cat("\"", text, "\" has no port: write address:port, e.g. \"127.0.0.1:1812\""));
        }
        host = text.substr(0, colon);
        port_text = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) {
            return std::unexpected(
                cat("\"", text, "\": put an IPv6 address in brackets, e.g. \"[::1]:1812\""));
        }
    }
    const auto ip = IpAddress::parse(host);
    if (!ip) {
        return std::unexpected(cat("\"", host, "\" is not an IPv4 or IPv6 address"));
    }
    if (ip->is_v4() && !text.empty() && text.front() == '[') {
        return std::unexpected(cat("\"", text, "\": brackets are for IPv6 addresses only"));
    }
    unsigned port = 0;
    const auto r = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (!all_decimal(port_text) || r.ec != std::errc{} || port == 0 || port > 65535) {
        return std::unexpected(cat("port \"", port_text, "\" must be a number from 1 to 65535"));
    }
    return Endpoint{*ip, static_cast<std::uint16_t>(port)};
}

std::string Endpoint::to_string() const {
    if (address.is_v4()) {
        return cat(address.to_string(), ":", std::to_string(port));
    }
    return cat("[", address.to_string(), "]:", std::to_string(port));
}

}  // namespace opennap::policy
