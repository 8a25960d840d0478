// IP forwarding: /proc/sys/net/ipv4/ip_forward and /proc/sys/net/ipv6/conf/all/forwarding, as
// seen from the calling thread's network namespace (procfs shows the namespace of the reader).
// Pass when forwarding is off for both families (or allowed by the options: a router); Fail
// when it is on; a missing IPv6 file means no IPv6 (not applicable for that family); a missing
// IPv4 file is an error (no procfs).
#pragma once

#include <optional>

#include "opennap/checks/result.h"
#include "opennap/checks/system_root.h"

namespace opennap::checks {

struct IpForwardingDetails {
    std::optional<bool> ipv4;
    std::optional<bool> ipv6;  // nullopt: no IPv6
    friend bool operator==(const IpForwardingDetails&, const IpForwardingDetails&) = default;
};

struct IpForwardingOptions {
    bool allow_ipv4 = false;
    bool allow_ipv6 = false;
    friend bool operator==(const IpForwardingOptions&, const IpForwardingOptions&) = default;
};

[[nodiscard]] Measurement<IpForwardingDetails> check_ip_forwarding(
    const SystemRoot& root, const IpForwardingOptions& opt = {});

}  // namespace opennap::checks
