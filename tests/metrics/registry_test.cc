// The metrics registry and its text exposition format 0.0.4: exact output for every metric type,
// escaping, value formatting, name checks, re-registration, and counts under contention.
#include "opennap/metrics/registry.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>

namespace opennap::metrics {
namespace {

TEST(Registry, RendersEveryTypeExactly) {
    Registry r;
    r.counter("opennap_requests_total", "Requests received.").inc(3);
    auto outcomes = r.counter_family("opennap_decisions_total", "Decisions.", {"outcome"});
    outcomes.with({"full"}).inc();
    outcomes.with({"deny"}).inc(2);
    r.gauge("opennap_queue", "Queued records.").set(2.5);
    auto& h = r.histogram("opennap_latency_seconds", "Latency.", {0.001, 0.01, 0.1});
    h.observe(0.0005);
    h.observe(0.001);  // le is inclusive
    h.observe(0.05);
    h.observe(7);
    EXPECT_EQ(r.render(),
              "# HELP opennap_decisions_total Decisions.\n"
              "# TYPE opennap_decisions_total counter\n"
              "opennap_decisions_total{outcome=\"deny\"} 2\n"
              "opennap_decisions_total{outcome=\"full\"} 1\n"
              "# HELP opennap_latency_seconds Latency.\n"
              "# TYPE opennap_latency_seconds histogram\n"
              "opennap_latency_seconds_bucket{le=\"0.001\"} 2\n"
              "opennap_latency_seconds_bucket{le=\"0.01\"} 2\n"
              "opennap_latency_seconds_bucket{le=\"0.1\"} 3\n"
              "opennap_latency_seconds_bucket{le=\"+Inf\"} 4\n"
              "opennap_latency_seconds_sum 7.0515\n"
              "opennap_latency_seconds_count 4\n"
              "# HELP opennap_queue Queued records.\n"
              "# TYPE opennap_queue gauge\n"
              "opennap_queue 2.5\n"
              "# HELP opennap_requests_total Requests received.\n"
              "# TYPE opennap_requests_total counter\n"
              "opennap_requests_total 3\n");
}

TEST(Registry, LabelledHistogramAndEscaping) {
    Registry r;
    auto f = r.histogram_family("x_seconds", "Help with \\ and\nnewline.", {"shv", "kind"}, {1});
    f.with({"a\"b\\c\nd", "k"}).observe(0.5);
    EXPECT_EQ(r.render(),
              "# HELP x_seconds Help with \\\\ and\\nnewline.\n"
              "# TYPE x_seconds histogram\n"
              "x_seconds_bucket{shv=\"a\\\"b\\\\c\\nd\",kind=\"k\",le=\"1\"} 1\n"
              "x_seconds_bucket{shv=\"a\\\"b\\\\c\\nd\",kind=\"k\",le=\"+Inf\"} 1\n"
              "x_seconds_sum{shv=\"a\\\"b\\\\c\\nd\",kind=\"k\"} 0.5\n"
              "x_seconds_count{shv=\"a\\\"b\\\\c\\nd\",kind=\"k\"} 1\n");
}

TEST(Registry, EmptyFamilyHasHelpAndTypeOnly) {
    Registry r;
    r.counter_family("a_total", "A.", {"l"});
    EXPECT_EQ(r.render(), "# HELP a_total A.\n# TYPE a_total counter\n");
}

TEST(Registry, Values) {
    EXPECT_EQ(format_value(0), "0");
    EXPECT_EQ(format_value(-3), "-3");
    EXPECT_EQ(format_value(1e15), "1000000000000000");
    EXPECT_EQ(format_value(1e300), "1e+300");
    EXPECT_EQ(format_value(0.1), "0.1");
    EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
    EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
    EXPECT_EQ(format_value(std::nan("")), "NaN");
    Registry r;
    auto& g = r.gauge("g", "G.");
    g.inc();
    g.inc();
    g.dec();
    g.add(0.25);
    EXPECT_EQ(g.value(), 1.25);
    auto& h = r.histogram("h", "H.", {1});
    h.observe(std::nan(""));  // ignored
    EXPECT_EQ(h.snapshot().count(), 0u);
}

TEST(Registry, NamesAreChecked) {
    EXPECT_TRUE(valid_metric_name("opennap:x_total"));
    EXPECT_FALSE(valid_metric_name("1abc"));
    EXPECT_FALSE(valid_metric_name("a-b"));
    EXPECT_FALSE(valid_metric_name(""));
    EXPECT_TRUE(valid_label_name("outcome"));
    EXPECT_FALSE(valid_label_name("__reserved"));
    EXPECT_FALSE(valid_label_name("a:b"));
    Registry r;
    EXPECT_THROW(r.counter("bad-name", "x"), std::logic_error);
    EXPECT_THROW(r.counter_family("c", "x", {"1x"}), std::logic_error);
    EXPECT_THROW(r.counter_family("c", "x", {"a", "a"}), std::logic_error);
    EXPECT_THROW(r.histogram_family("h", "x", {"le"}, {1}), std::logic_error);
    EXPECT_THROW(r.histogram("h", "x", {2, 1}), std::logic_error);
    EXPECT_THROW(r.histogram("h", "x", {1, std::numeric_limits<double>::infinity()}),
                 std::logic_error);
    // The same registration again is the same metric; another type or labels is an error.
    Counter& a = r.counter("same_total", "S.");
    EXPECT_EQ(&r.counter("same_total", "S."), &a);
    EXPECT_THROW(r.gauge("same_total", "S."), std::logic_error);
    EXPECT_THROW(r.counter_family("same_total", "S.", {"l"}), std::logic_error);
    auto f = r.counter_family("f_total", "F.", {"a", "b"});
    EXPECT_THROW(f.with({"only-one"}), std::logic_error);
    EXPECT_EQ(&f.with({"x", "y"}), &f.with({"x", "y"}));
}

TEST(Registry, CountsExactlyUnderContention) {
    Registry r;
    Counter& c = r.counter("c_total", "C.");
    Histogram& h = r.histogram("h_seconds", "H.", latency_buckets());
    auto fam = r.counter_family("f_total", "F.", {"t"});
    constexpr int kThreads = 8;
    constexpr int kEach = 100000;
    std::vector<std::thread> ts;
    for (int t = 0; t < kThreads; ++t) {
        ts.emplace_back([&, t] {
            Counter& mine = fam.with({t % 2 == 0 ? "even" : "odd"});
            for (int i = 0; i < kEach; ++i) {
                c.inc();
                mine.inc();
                h.observe(0.001);
            }
        });
    }
    // Scrapes while the counters move never fail or go backwards.
    std::uint64_t last = 0;
    for (int i = 0; i < 20; ++i) {
        const std::uint64_t v = c.value();
        EXPECT_GE(v, last);
        last = v;
        EXPECT_FALSE(r.render().empty());
    }
    for (auto& t : ts)
        t.join();
    EXPECT_EQ(c.value(), std::uint64_t{kThreads} * kEach);
    EXPECT_EQ(fam.with({"even"}).value(), std::uint64_t{kThreads / 2} * kEach);
    const auto snap = h.snapshot();
    EXPECT_EQ(snap.count(), std::uint64_t{kThreads} * kEach);
    EXPECT_NEAR(snap.sum, kThreads * kEach * 0.001, 1e-6);
}

TEST(Registry, Buckets) {
    EXPECT_EQ(exponential_buckets(1, 2, 4), (std::vector<double>{1, 2, 4, 8}));
    const auto b = latency_buckets();
    EXPECT_TRUE(std::is_sorted(b.begin(), b.end()));
    EXPECT_EQ(b.front(), 0.0001);
    EXPECT_EQ(b.back(), 10);
}

}  // namespace
}  // namespace opennap::metrics
