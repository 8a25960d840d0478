#include "opennap/checks/ip_forwarding.h"

#include <cerrno>

namespace opennap::checks {

namespace {
Result<std::optional<bool>> read_flag(const SystemRoot& root, const char* path) {
    auto v = root.read_value(path);
    if (!v) {
        if (v.error().errno_value == ENOENT) {
            return std::optional<bool>{};
        }
        return fail(v.error());
    }
    if (*v == "0") {
        return std::optional<bool>{false};
    }
    if (*v == "1") {
        return std::optional<bool>{true};
    }
    return fail(plain_error(root.path(path).string() + ": neither 0 nor 1: \"" + *v + "\""));
}
}  // namespace

Measurement<IpForwardingDetails> check_ip_forwarding(const SystemRoot& root,
                                                     const IpForwardingOptions& opt) {
    IpForwardingDetails d;
    auto v4 = read_flag(root, "/proc/sys/net/ipv4/ip_forward");
    if (!v4) {
        return make_error(v4.error(), d);
    }
    if (!*v4) {
        return make_error(
            errno_error("no " + root.path("/proc/sys/net/ipv4/ip_forward").string(), ENOENT), d);
    }
    auto v6 = read_flag(root, "/proc/sys/net/ipv6/conf/all/forwarding");
    if (!v6) {
        return make_error(v6.error(), d);
    }
    d.ipv4 = *v4;
    d.ipv6 = *v6;
    const bool bad4 = *d.ipv4 && !opt.allow_ipv4;
    const bool bad6 = d.ipv6.value_or(false) && !opt.allow_ipv6;
    if (bad4 || bad6) {
        std::string why = "forwarding enabled for";
        why += bad4 ? " IPv4" : "";
        why += bad6 ? " IPv6" : "";
        return make(Status::Fail, std::move(why), d);
    }
    return make(Status::Pass,
                std::string("forwarding off") + (d.ipv6 ? "" : " (no IPv6)") +
                    (*d.ipv4 || d.ipv6.value_or(false) ? " or allowed" : ""),
                d);
}

}  // namespace opennap::checks
