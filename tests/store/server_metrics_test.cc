// The napserver metric set: names, labels (every outcome and drop reason present from the
// start, at 0), and the output promtool accepts.
#include "opennap/store/server_metrics.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <thread>
#include <vector>

namespace opennap::store {
namespace {

TEST(ServerMetrics, NamesLabelsAndCounts) {
    metrics::Registry reg;
    ServerMetrics m(reg);
    m.request();
    m.request();
    m.decision(Outcome::Restricted);
    m.dropped(DropReason::BadAuthenticator);
    m.request_seconds(0.003);
    metrics::Histogram& h = m.shv_latency(0x00013780);
    EXPECT_EQ(&h, &m.shv_latency(0x00013780));
    h.observe(0.02);
    const std::string t = reg.render();
    for (const char* line :
         {"opennap_radius_requests_total 2\n", "opennap_decisions_total{outcome=\"full\"} 0\n",
          "opennap_decisions_total{outcome=\"restricted\"} 1\n",
          "opennap_radius_dropped_total{reason=\"bad_authenticator\"} 1\n",
          "opennap_radius_dropped_total{reason=\"audit_unavailable\"} 0\n",
          "opennap_request_duration_seconds_count 1\n",
          "opennap_shv_validation_seconds_bucket{shv=\"0x00013780\",le=\"0.025\"} 1\n",
          "opennap_shv_validation_seconds_count{shv=\"0x00013780\"} 1\n"}) {
        EXPECT_NE(t.find(line), std::string::npos) << line << "\n" << t;
    }
    for (std::size_t i = 0; i < kDropReasonCount; ++i)
        EXPECT_NE(to_string(static_cast<DropReason>(i)), "invalid");
    if (std::system("command -v promtool >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "promtool (Debian package prometheus) is not installed";
    const std::string path =
        ::testing::TempDir() + "server-metrics-" + std::to_string(::getpid()) + ".txt";
    std::ofstream(path) << t;
    const std::string cmd = "promtool check metrics < " + path + " > " + path + ".out 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
    std::ifstream out(path + ".out");
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(out), {}), "");
    std::remove(path.c_str());
    std::remove((path + ".out").c_str());
}

// Every SHV keeps one histogram, past the lock-free slots too, and threads asking for the same
// SHVs at once get the same one.
TEST(ServerMetrics, EachShvHasOneHistogramBeyondTheCachedSlotsAndAcrossThreads) {
    metrics::Registry reg;
    ServerMetrics m(reg);
    constexpr std::uint32_t kShvs = 50;  // more than the slots
    std::vector<std::vector<metrics::Histogram*>> seen(4);
    std::vector<std::thread> threads;
    for (auto& mine : seen) {
        threads.emplace_back([&m, &mine] {
            for (int round = 0; round < 3; ++round) {
                for (std::uint32_t i = 0; i < kShvs; ++i) {
                    metrics::Histogram& h = m.shv_latency(0x00010000 + i);
                    if (round == 0)
                        mine.push_back(&h);
                    else
                        EXPECT_EQ(mine[i], &h) << i;
                    h.observe(0.001);
                }
            }
        });
    }
    for (auto& t : threads)
        t.join();
    for (std::uint32_t i = 0; i < kShvs; ++i) {
        for (const auto& other : seen)
            EXPECT_EQ(other[i], seen[0][i]) << i;
    }
    const std::string t = reg.render();
    EXPECT_NE(t.find("opennap_shv_validation_seconds_count{shv=\"0x00010031\"} 12\n"),
              std::string::npos)
        << t;
    EXPECT_NE(t.find("opennap_shv_validation_seconds_count{shv=\"0x00010000\"} 12\n"),
              std::string::npos);
}

}  // namespace
}  // namespace opennap::store
