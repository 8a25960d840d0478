// napserver end to end with the PostgreSQL audit store: two napserver instances (as behind a
// RADIUS load balancer) write their decisions into one database of a private PostgreSQL server
// (tests/store/harness.h), and `napctl server decisions --conninfo` reads them all back.
#include <gtest/gtest.h>

#include "opennap/radius/authorization.h"
#include "serverd/napserver_process.h"
#include "store/harness.h"

namespace opennap::serverd {
namespace {

using namespace opennap::serverd::test;
using namespace std::chrono_literals;

TEST(NapserverPostgresql, TwoInstancesShareOneDatabaseAndLoseNothing) {
    if (const auto why = store::testing::PgServer::unusable(); !why.empty())
        GTEST_SKIP() << why;
    store::testing::PgServer pg;
    std::string why;
    ASSERT_TRUE(pg.start(why)) << why;
    const std::string conninfo = pg.conninfo(pg.create_database());

    NapserverProcess a, b;
    for (auto* s : {&a, &b}) {
        auto o = s->options();
        o.postgresql = conninfo;
        o.name = s == &a ? "napserver-a" : "napserver-b";
        s->write_config(o);
        ASSERT_TRUE(s->start()) << s->log_text();
    }
    constexpr int kEach = 10;
    UdpClient c;
    int answered = 0;
    for (int i = 0; i < kEach; ++i) {
        for (auto* s : {&a, &b}) {
            const bool healthy = i % 2 == 0;
            const std::string name =
                std::string(s == &a ? "a-" : "b-") + std::to_string(i) + ".example.test";
            const auto rq =
                request({.identifier = static_cast<std::uint8_t>(i),
                         .soh = ssoh(healthy ? healthy_entry() : unhealthy_entry(), name)});
            auto answer = c.exchange(s->port(), rq);
            if (!answer)
                continue;
            ++answered;
            auto nap = radius::nap_attributes(*radius::decode_packet(*answer));
            ASSERT_TRUE(nap);
            EXPECT_EQ(nap->quarantine_state, healthy ? 0u : 1u);
        }
    }
    EXPECT_EQ(answered, 2 * kEach);
    EXPECT_EQ(a.stop(), 0) << a.log_text();
    EXPECT_EQ(b.stop(), 0) << b.log_text();

    const auto all = a.decisions("", "--conninfo '" + conninfo + "'");
    ASSERT_EQ(all.size(), static_cast<std::size_t>(2 * kEach));
    int from_a = 0, from_b = 0, full = 0;
    for (const auto& r : all) {
        from_a += r.value("instance", "") == "napserver-a";
        from_b += r.value("instance", "") == "napserver-b";
        full += r.value("outcome", "") == "full";
    }
    EXPECT_EQ(from_a, kEach);
    EXPECT_EQ(from_b, kEach);
    EXPECT_EQ(full, kEach);
    const auto one = a.decisions("--machine b-3.example.test", "--conninfo '" + conninfo + "'");
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one[0].value("outcome", ""), "restricted");
    EXPECT_EQ(one[0].value("instance", ""), "napserver-b");
}

}  // namespace
}  // namespace opennap::serverd
