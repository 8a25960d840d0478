#include "opennap/checks/nft_listener.h"

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <utility>

namespace opennap::checks {

Result<NftablesListener> NftablesListener::create() {
    mnl_socket* s = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (s == nullptr) {
        return fail(errno_error("netlink NETLINK_NETFILTER socket", errno));
    }
    if (mnl_socket_bind(s, 1u << (NFNLGRP_NFTABLES - 1), MNL_SOCKET_AUTOPID) < 0) {
        const int e = errno;
        mnl_socket_close(s);
        return fail(errno_error("netlink bind to NFNLGRP_NFTABLES", e));
    }
    return NftablesListener(s);
}

NftablesListener::NftablesListener(NftablesListener&& o) noexcept
    : sock_(std::exchange(o.sock_, nullptr)) {}

NftablesListener& NftablesListener::operator=(NftablesListener&& o) noexcept {
    if (this != &o) {
        if (sock_ != nullptr) {
            mnl_socket_close(sock_);
        }
        sock_ = std::exchange(o.sock_, nullptr);
    }
    return *this;
}

NftablesListener::~NftablesListener() {
    if (sock_ != nullptr) {
        mnl_socket_close(sock_);
    }
}

int NftablesListener::fd() const noexcept {
    return sock_ != nullptr ? mnl_socket_get_fd(sock_) : -1;
}

std::size_t NftablesListener::drain() {
    std::size_t count = 0;
    if (sock_ == nullptr) {
        return 0;
    }
    // MNL_SOCKET_BUFFER_SIZE is min(page size, 8192), not a constant expression.
    alignas(nlmsghdr) char buf[8192];
    for (;;) {
        const ssize_t n = mnl_socket_recvfrom(sock_, buf, sizeof buf);
        if (n < 0) {
            if (errno == ENOBUFS) {
                ++count;
                continue;
            }
            break;  // EAGAIN
        }
        int len = static_cast<int>(n);
        for (auto* h = reinterpret_cast<nlmsghdr*>(buf); mnl_nlmsg_ok(h, len);
             h = mnl_nlmsg_next(h, &len)) {
            ++count;
        }
    }
    return count;
}

}  // namespace opennap::checks
