// Firewall (WSHA class 0): the kernel's packet filter for incoming traffic, in the current
// network namespace.
//
// Sources (the kernel state decides, not which service is running):
//   * nftables: `list ruleset` through libnftables with JSON output (production path; this is
//     also where iptables-nft rules appear), evaluated by evaluate_nft_ruleset() (pure);
//   * legacy iptables, when its filter table is loaded in this namespace
//     (/proc/thread-self/net/ip_tables_names and ip6_tables_names list "filter"; thread-self,
//     not self: /proc/self/net is the main thread's namespace): the INPUT chain through libiptc
//     / libip6tc. The legacy table is never instantiated by the check (it is only read when the
//     kernel lists it);
//   * front-ends, recognised and reported only: ufw (/etc/ufw/ufw.conf ENABLED=yes) and
//     firewalld (firewalld.service active, or its D-Bus name; ServiceProbe).
//
// An input chain "protects" when it is a base chain on the input hook (nftables: type filter,
// hook input, family ip / ip6 / inet; iptables: the INPUT chain of the filter table) and either
// its policy is drop, or its last rule is a catch-all drop/reject: no match expressions, only
// counter/log statements before the verdict (CHOSEN: a rule with any match, even "ct state
// invalid", is not catch-all). Since a packet must be accepted by every base chain of the hook,
// one protecting chain per address family is enough.
//
// Pass: IPv4 input is protected, and IPv6 input is protected or IPv6 is disabled
// (/proc/sys/net/ipv6/conf/all/disable_ipv6 = 1, or no IPv6 in the kernel). Fail: otherwise.
// Error: the ruleset cannot be read (no CAP_NET_ADMIN, libnftables failure).
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "opennap/checks/parse_error.h"
#include "opennap/checks/result.h"
#include "opennap/checks/services.h"
#include "opennap/checks/system_root.h"

namespace opennap::checks {

struct InputChain {
    std::string source;  // "nftables" or "iptables-legacy"
    std::string family;  // "ip", "ip6", "inet" (iptables: "ip" / "ip6")
    std::string table;
    std::string name;
    std::string policy;  // "accept", "drop" (lower case)
    std::int64_t priority = 0;
    bool catch_all_drop = false;  // last rule drops/rejects everything
    std::size_t rules = 0;
    [[nodiscard]] bool protects() const noexcept { return policy == "drop" || catch_all_drop; }
    [[nodiscard]] bool covers_ipv4() const noexcept { return family == "ip" || family == "inet"; }
    [[nodiscard]] bool covers_ipv6() const noexcept { return family == "ip6" || family == "inet"; }
    friend bool operator==(const InputChain&, const InputChain&) = default;
};

struct Frontend {
    std::string name;  // "ufw", "firewalld"
    bool installed = false;
    bool enabled = false;
    friend bool operator==(const Frontend&, const Frontend&) = default;
};

struct FirewallDetails {
    std::vector<InputChain> input_chains;
    bool ipv4_protected = false;
    bool ipv6_protected = false;
    bool ipv6_enabled = true;
    bool iptables_legacy = false;  // a legacy filter table is loaded
    std::vector<Frontend> frontends;
    // What the WSHA names as the product: an enabled front-end ("ufw", "firewalld"), else
    // "nftables" or "iptables".
    std::string product;
    friend bool operator==(const FirewallDetails&, const FirewallDetails&) = default;
};

// Pure: the input chains of a `nft -j list ruleset` document. Items other than chains and rules
// are ignored; a known field of the wrong type is an error naming it (offset = 0 for structure
// errors, the parser's byte offset for JSON syntax errors).
[[nodiscard]] std::expected<std::vector<InputChain>, ParseError> evaluate_nft_ruleset(
    std::string_view json);

// `list ruleset` as JSON through libnftables, in the calling thread's network namespace.
[[nodiscard]] Result<std::string> list_nft_ruleset();

// The legacy iptables INPUT chain of the filter table (family "ip" or "ip6"), if that table is
// loaded in this namespace; nullopt if it is not.
[[nodiscard]] Result<std::optional<InputChain>> read_iptables_legacy_input(const SystemRoot& root,
                                                                           bool ipv6);

struct FirewallOptions {
    bool nftables = true;
    bool iptables_legacy = true;
    friend bool operator==(const FirewallOptions&, const FirewallOptions&) = default;
};

// The whole check in the current network namespace. /proc and /etc files are read under `root`
// (netlink cannot be redirected: nftables and libiptc always see the calling thread's
// namespace).
[[nodiscard]] Measurement<FirewallDetails> check_firewall(const SystemRoot& root,
                                                          ServiceProbe& services,
                                                          const FirewallOptions& opt = {});

}  // namespace opennap::checks
