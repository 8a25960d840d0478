// libip6tc.h has no extern "C" guard of its own.
extern "C" {
#include <libiptc/libip6tc.h>
}

#include <cerrno>
#include <cstring>

#include "iptables_legacy.h"

namespace opennap::checks::detail {

Result<InputChain> read_ip6tables_input() {
    xtc_handle* h = ip6tc_init("filter");
    if (h == nullptr) {
        const int e = errno;
        return fail(errno_error(std::string("libip6tc: filter table: ") + ip6tc_strerror(e), e));
    }
    // Designated initialisers: g++ 12 -O3 warns (falsely, maybe-uninitialized) on assigning
    // short literals to the members one by one.
    InputChain c{.source = "iptables-legacy",
                 .family = "ip6",
                 .table = "filter",
                 .name = "INPUT",
                 .policy = "accept",
                 .priority = 0,
                 .catch_all_drop = false,
                 .rules = 0};
    xt_counters counters{};
    const char* pol = ip6tc_get_policy("INPUT", &counters, h);
    c.policy = pol != nullptr && std::strcmp(pol, "DROP") == 0 ? "drop" : "accept";
    const ip6t_entry* last = nullptr;
    for (const ip6t_entry* e = ip6tc_first_rule("INPUT", h); e != nullptr;
         e = ip6tc_next_rule(e, h)) {
        ++c.rules;
        last = e;
    }
    if (last != nullptr) {
        const char* target = ip6tc_get_target(last, h);
        const ip6t_ip6& ip = last->ipv6;
        static const in6_addr kAny = IN6ADDR_ANY_INIT;
        auto zero = [&](const in6_addr& a) { return std::memcmp(&a, &kAny, sizeof a) == 0; };
        const bool no_matches = last->target_offset == sizeof(ip6t_entry);
        const bool any = zero(ip.src) && zero(ip.smsk) && zero(ip.dst) && zero(ip.dmsk) &&
                         ip.proto == 0 && ip.iniface[0] == '\0' && ip.outiface[0] == '\0' &&
                         (ip.invflags & IP6T_INV_MASK) == 0;
        c.catch_all_drop = no_matches && any && target != nullptr &&
                           (std::strcmp(target, "DROP") == 0 || std::strcmp(target, "REJECT") == 0);
    }
    ip6tc_free(h);
    return c;
}

}  // namespace opennap::checks::detail
