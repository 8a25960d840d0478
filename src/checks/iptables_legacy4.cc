#include <libiptc/libiptc.h>

#include <cerrno>
#include <cstring>

#include "iptables_legacy.h"

namespace opennap::checks::detail {

Result<InputChain> read_ip4tables_input() {
    xtc_handle* h = iptc_init("filter");
    if (h == nullptr) {
        const int e = errno;
        return fail(errno_error(std::string("libiptc: filter table: ") + iptc_strerror(e), e));
    }
    // Designated initialisers: g++ 12 -O3 warns (falsely, maybe-uninitialized) on assigning
    // short literals to the members one by one.
    InputChain c{.source = "iptables-legacy",
                 .family = "ip",
                 .table = "filter",
                 .name = "INPUT",
                 .policy = "accept",
                 .priority = 0,
                 .catch_all_drop = false,
                 .rules = 0};
    xt_counters counters{};
    const char* pol = iptc_get_policy("INPUT", &counters, h);
    c.policy = pol != nullptr && std::strcmp(pol, "DROP") == 0 ? "drop" : "accept";
    const ipt_entry* last = nullptr;
    for (const ipt_entry* e = iptc_first_rule("INPUT", h); e != nullptr; e = iptc_next_rule(e, h)) {
        ++c.rules;
        last = e;
    }
    if (last != nullptr) {
        const char* target = iptc_get_target(last, h);
        const ipt_ip& ip = last->ip;
        const bool no_matches = last->target_offset == sizeof(ipt_entry);
        const bool any = ip.src.s_addr == 0 && ip.smsk.s_addr == 0 && ip.dst.s_addr == 0 &&
                         ip.dmsk.s_addr == 0 && ip.proto == 0 && ip.iniface[0] == '\0' &&
                         ip.outiface[0] == '\0' && (ip.invflags & IPT_INV_MASK) == 0;
        c.catch_all_drop = no_matches && any && target != nullptr &&
                           (std::strcmp(target, "DROP") == 0 || std::strcmp(target, "REJECT") == 0);
    }
    iptc_free(h);
    return c;
}

}  // namespace opennap::checks::detail
