// NftablesListener: a NETLINK_NETFILTER socket (libmnl) subscribed to the NFNLGRP_NFTABLES
// multicast group, in the network namespace of the thread that creates it. The kernel sends a
// message there for every ruleset change (new/deleted table, chain, rule, set ...), by nft,
// iptables-nft or firewalld alike; the listener only counts them -- the firewall check
// re-reads the ruleset. Needs CAP_NET_ADMIN. Legacy iptables changes are not announced (timer).
#pragma once

#include <cstddef>

#include "opennap/checks/result.h"

struct mnl_socket;

namespace opennap::checks {

class NftablesListener {
  public:
    [[nodiscard]] static Result<NftablesListener> create();
    NftablesListener(NftablesListener&& o) noexcept;
    NftablesListener& operator=(NftablesListener&& o) noexcept;
    NftablesListener(const NftablesListener&) = delete;
    NftablesListener& operator=(const NftablesListener&) = delete;
    ~NftablesListener();

    [[nodiscard]] int fd() const noexcept;
    // Reads every pending notification (non-blocking); returns how many there were. A receive
    // buffer overrun (ENOBUFS) counts as one change.
    [[nodiscard]] std::size_t drain();

  private:
    explicit NftablesListener(mnl_socket* s) : sock_(s) {}
    mnl_socket* sock_ = nullptr;
};

}  // namespace opennap::checks
