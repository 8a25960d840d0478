// ManualScheduler and ThreadScheduler (scheduler.h).
#include "harness.h"

namespace opennap::server::test {
namespace {

TEST(SchedulerTest, ManualRunsDueTasksInDeadlineOrderOnAdvance) {
    ManualScheduler s;
    const auto t0 = s.now();
    std::vector<int> ran;
    s.schedule_at(t0 + 30ms, [&] { ran.push_back(3); });
    s.schedule_at(t0 + 10ms, [&] { ran.push_back(1); });
    s.schedule_at(t0 + 10ms, [&] { ran.push_back(2); });  // same time: scheduling order
    EXPECT_EQ(s.pending(), 3u);
    EXPECT_EQ(s.advance(9ms), 0u);
    EXPECT_TRUE(ran.empty());
    EXPECT_EQ(s.now(), t0 + 9ms);
    EXPECT_EQ(s.advance(1ms), 2u);
    EXPECT_EQ(ran, (std::vector<int>{1, 2}));
    EXPECT_EQ(s.advance(100ms), 1u);
    EXPECT_EQ(ran, (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(s.now(), t0 + 110ms);
    EXPECT_EQ(s.pending(), 0u);
}

TEST(SchedulerTest, ManualTaskSeesItsOwnTimeAndMayScheduleMore) {
    ManualScheduler s;
    const auto t0 = s.now();
    Scheduler::TimePoint seen;
    int second = 0;
    s.schedule_at(t0 + 5ms, [&] {
        seen = s.now();
        s.schedule_at(s.now() + 1ms, [&] { ++second; });
    });
    EXPECT_EQ(s.advance(10ms), 2u);
    EXPECT_EQ(seen, t0 + 5ms);
    EXPECT_EQ(second, 1);
}

TEST(SchedulerTest, ManualCancel) {
    ManualScheduler s;
    int ran = 0;
    const auto id = s.schedule_at(s.now() + 1ms, [&] { ++ran; });
    EXPECT_NE(id, 0u);
    EXPECT_TRUE(s.cancel(id));
    EXPECT_FALSE(s.cancel(id));
    EXPECT_FALSE(s.cancel(12345));
    s.advance(1s);
    EXPECT_EQ(ran, 0);
}

TEST(SchedulerTest, ThreadRunsTasksOnItsThreadAtTheirTime) {
    ThreadScheduler s;
    std::promise<std::thread::id> p;
    const auto start = s.now();
    s.schedule_at(start + 20ms, [&] { p.set_value(std::this_thread::get_id()); });
    auto f = p.get_future();
    ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
    EXPECT_NE(f.get(), std::this_thread::get_id());
    EXPECT_GE(s.now() - start, 20ms);
}

TEST(SchedulerTest, ThreadEarlierTaskWakesTheThread) {
    ThreadScheduler s;
    std::atomic<int> order{0};
    std::atomic<int> late_at{0}, early_at{0};
    s.schedule_at(s.now() + 10s, [&] { late_at = ++order; });
    std::promise<void> p;
    s.schedule_at(s.now() + 5ms, [&] {
        early_at = ++order;
        p.set_value();
    });
    ASSERT_EQ(p.get_future().wait_for(5s), std::future_status::ready);
    EXPECT_EQ(early_at.load(), 1);
    EXPECT_EQ(late_at.load(), 0);
}

TEST(SchedulerTest, ThreadCancelAndStop) {
    ThreadScheduler s;
    std::atomic<int> ran{0};
    const auto id = s.schedule_at(s.now() + 50ms, [&] { ++ran; });
    EXPECT_TRUE(s.cancel(id));
    EXPECT_FALSE(s.cancel(id));
    s.schedule_at(s.now() + 1h, [&] { ++ran; });
    s.stop();
    s.stop();                                // idempotent
    s.schedule_at(s.now(), [&] { ++ran; });  // accepted, never run
    std::this_thread::sleep_for(60ms);
    EXPECT_EQ(ran.load(), 0);
}

}  // namespace
}  // namespace opennap::server::test
