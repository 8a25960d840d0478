#include "opennap/checks/ip_forwarding.h"

#include <gtest/gtest.h>

#include "helpers.h"

namespace opennap::checks {
namespace {

TEST(IpForwarding, ScratchTree) {
    test::ScratchRoot s;
    EXPECT_EQ(check_ip_forwarding(s.root()).status, Status::Error);  // no procfs
    s.write("/proc/sys/net/ipv4/ip_forward", "0\n");
    auto m = check_ip_forwarding(s.root());
    EXPECT_EQ(m.status, Status::Pass);
    EXPECT_FALSE(m.details.ipv6.has_value());
    s.write("/proc/sys/net/ipv6/conf/all/forwarding", "1\n");
    m = check_ip_forwarding(s.root());
    EXPECT_EQ(m.status, Status::Fail);
    EXPECT_EQ(m.reason, "forwarding enabled for IPv6");
    IpForwardingOptions router{true, true};
    EXPECT_EQ(check_ip_forwarding(s.root(), router).status, Status::Pass);
    s.write("/proc/sys/net/ipv4/ip_forward", "2\n");
    EXPECT_EQ(check_ip_forwarding(s.root()).status, Status::Error);
}

// The real sysctls, set in a network namespace the test creates.
TEST(IpForwardingLive, InANetworkNamespace) {
    Measurement<IpForwardingDetails> off;
    Measurement<IpForwardingDetails> on;
    const bool ran = test::run_in_netns([&] {
        off = check_ip_forwarding(SystemRoot{});
        {
            std::ofstream f("/proc/sys/net/ipv4/ip_forward");
            f << "1\n";
        }
        on = check_ip_forwarding(SystemRoot{});
    });
    if (!ran) {
        GTEST_SKIP() << "cannot create a network namespace";
    }
    EXPECT_EQ(off.status, Status::Pass) << off.reason;  // a new namespace does not forward
    EXPECT_EQ(off.details.ipv4, false);
    EXPECT_EQ(on.status, Status::Fail) << on.reason;
    EXPECT_EQ(on.details.ipv4, true);
    EXPECT_EQ(on.reason, "forwarding enabled for IPv4");
}

}  // namespace
}  // namespace opennap::checks
