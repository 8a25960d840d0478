// System isolation state, notifications, SoH change propagation, probation, fix-up polling, and
// the threading rules (Uninitialize waits for calls in flight; callbacks may call back in).
#include <sys/eventfd.h>
#include <unistd.h>

#include <future>
#include <thread>

#include "harness.h"
#include "opennap/agent/driver.h"
#include "opennap/agent/fd_notification.h"

namespace opennap::agent::test {
namespace {

using namespace std::chrono_literals;

class CountingSink : public NotificationSink {
  public:
    void notify(NapNotifyType type) override {
        if (type == NapNotifyType::QuarState)
            ++quar;
    }
    std::atomic<int> quar{0};
};

class IsolationTest : public AgentTest {
  protected:
    IsolationTest()
        : sha1(std::make_shared<TestSha>(kSha1)),
          ec(std::make_shared<TestEc>()),
          sha_binding(bind_sha(kSha1, sha1)),
          ec_a(bind_ec(kEcA, ec)) {}
    std::shared_ptr<TestSha> sha1;
    std::shared_ptr<TestEc> ec;
    HealthAgentBinding sha_binding;
    EnforcementClientBinding ec_a;
};

TEST_F(IsolationTest, SystemStateIsTheMostRestrictiveKnownConnection) {
    auto sink = std::make_shared<CountingSink>();
    ASSERT_EQ(agent->subscribe(1, NapNotifyType::QuarState, sink), hr::S_OK);
    auto c1 = connect(ec_a, 1);
    auto c2 = connect(ec_a, 2);
    auto c3 = connect(ec_a, 3);
    EXPECT_TRUE(agent->system_isolation().unknown_connections);
    SohrOptions probation;
    probation.state = IsolationState::InProbation;
    probation.probation_end = FileTime{clock->now().ticks + ticks(2h)};
    probation.url = "http://later/";
    ASSERT_EQ(exchange(ec_a, *c1, probation), hr::S_OK);
    probation.probation_end = FileTime{clock->now().ticks + ticks(1h)};
    probation.url = "http://sooner/";
    ASSERT_EQ(exchange(ec_a, *c2, probation), hr::S_OK);
    auto sys = agent->system_isolation();
    EXPECT_EQ(sys.info.isolation_state, IsolationState::InProbation);
    EXPECT_EQ(sys.info.prob_end_time, probation.probation_end) << "the earliest end";
    EXPECT_EQ(sys.info.failure_url, u"http://sooner/");
    EXPECT_TRUE(sys.unknown_connections) << "c3 has had no exchange";

    SohrOptions restricted;
    restricted.state = IsolationState::RestrictedAccess;
    restricted.ext = ExtendedIsolationState::Infected;
    ASSERT_EQ(exchange(ec_a, *c3, restricted), hr::S_OK);
    sys = agent->system_isolation();
    EXPECT_EQ(sys.info.isolation_state, IsolationState::RestrictedAccess);
    EXPECT_EQ(sys.info.extended_isolation_state, ExtendedIsolationState::Infected);
    EXPECT_EQ(sys.info.prob_end_time, FileTime{});
    EXPECT_FALSE(sys.unknown_connections);
    EXPECT_EQ(*sha_binding.system_isolation_info(), sys);
    const int changes = sha1->state_changes;
    EXPECT_GE(changes, 3);
    EXPECT_EQ(sink->quar, changes);

    // The restricted connection goes down: back to probation.
    EXPECT_EQ(ec_a.notify_connection_state_down(*c3), hr::S_OK);
    EXPECT_EQ(agent->system_isolation().info.isolation_state, IsolationState::InProbation);
    EXPECT_EQ(sha1->state_changes, changes + 1);
    // Releasing every handle forgets the connections: no known connection = not restricted.
    c1.reset();
    c2.reset();
    c3.reset();
    EXPECT_EQ(agent->system_isolation().info.isolation_state, IsolationState::NotRestricted);
}

TEST_F(IsolationTest, SubscriptionRules) {
    auto sink = std::make_shared<CountingSink>();
    EXPECT_EQ(agent->subscribe(7, NapNotifyType::QuarState, sink), hr::S_OK);
    EXPECT_EQ(agent->subscribe(7, NapNotifyType::QuarState, sink), hr::ERROR_ALREADY_INITIALIZED);
    EXPECT_EQ(agent->subscribe(7, NapNotifyType::ServiceState, sink), hr::S_OK);
    EXPECT_EQ(agent->subscribe(8, NapNotifyType::Unknown, sink), hr::E_INVALIDARG);
    EXPECT_EQ(agent->subscribe(8, NapNotifyType::QuarState, nullptr), hr::E_INVALIDARG);
    agent->unsubscribe(7, NapNotifyType::QuarState);
    agent->unsubscribe(7, NapNotifyType::QuarState);  // silently nothing
    auto c = connect(ec_a, 1);
    SohrOptions r;
    r.state = IsolationState::RestrictedAccess;
    ASSERT_EQ(exchange(ec_a, *c, r), hr::S_OK);
    EXPECT_EQ(sink->quar, 0);
}

TEST_F(IsolationTest, ShaSohChangeReachesEveryEcThroughRunPending) {
    std::atomic<int> wakes{0};
    agent->set_wake([&] { ++wakes; });
    auto c = connect(ec_a, 1);
    // The EC re-enters the agent from inside the callback, as the SDK allows.
    std::optional<Result<bool>> inner;
    ec->on_notify = [&] {
        inner = ec_a.get_soh_request(*c);
        return hr::S_OK;
    };
    EXPECT_EQ(sha_binding.notify_soh_change(), hr::S_OK);
    EXPECT_EQ(wakes, 1);
    EXPECT_EQ(ec->notifications, 0) << "processed asynchronously";
    EXPECT_EQ(agent->run_pending(), std::nullopt);
    EXPECT_EQ(ec->notifications, 1);
    ASSERT_TRUE(inner && *inner);
    EXPECT_EQ(agent->run_pending(), std::nullopt);
    EXPECT_EQ(ec->notifications, 1) << "once per change";
}

TEST_F(IsolationTest, SohChangeFailureIsRetriedLater) {
    EXPECT_EQ(ec_a.notify_soh_change_failure(), hr::S_OK);
    auto due = agent->run_pending();
    ASSERT_TRUE(due);
    EXPECT_EQ(due->ticks - clock->now().ticks, ticks(30s));
    EXPECT_EQ(ec->notifications, 0);
    clock->advance(29s);
    agent->run_pending();
    EXPECT_EQ(ec->notifications, 0);
    clock->advance(1s);
    EXPECT_EQ(agent->run_pending(), std::nullopt);
    EXPECT_EQ(ec->notifications, 1);
}

TEST_F(IsolationTest, EcThatIsGoneIsUnbound) {
    auto c = connect(ec_a, 1);
    ec->result = HResult{static_cast<std::uint32_t>(1722)};  // bare RPC_S_SERVER_UNAVAILABLE
    EXPECT_EQ(sha_binding.notify_soh_change(), hr::S_OK);
    agent->run_pending();
    EXPECT_FALSE(agent->ec_status()[0].bound);
    EXPECT_EQ(c->set_max_size(500), hr::E_ACCESSDENIED) << "its binding is gone";
    EXPECT_EQ(ec_a.create_connection().error(), hr::NAP_E_NOT_INITIALIZED);
}

TEST_F(IsolationTest, ProbationExpiryRetriggers) {
    auto c = connect(ec_a, 1);
    SohrOptions o;
    o.state = IsolationState::InProbation;
    o.probation_end = FileTime{clock->now().ticks + ticks(10min)};
    ASSERT_EQ(exchange(ec_a, *c, o), hr::S_OK);
    EXPECT_FALSE(*ec_a.get_soh_request(*c)) << "nothing changed yet";
    ASSERT_EQ(c->set_soh_response(make_sohr(*c->correlation_id(), o)), hr::S_OK);
    ASSERT_EQ(ec_a.process_soh_response(*c), hr::S_OK);
    EXPECT_EQ(agent->run_pending(), o.probation_end);
    clock->advance(10min);
    agent->run_pending();
    EXPECT_EQ(ec->notifications, 1) << "the ECs are told to re-run the exchange";
    EXPECT_TRUE(*ec_a.get_soh_request(*c)) << "probation expired";
    EXPECT_FALSE(*ec_a.get_soh_request(*c));
}

TEST_F(IsolationTest, FixupIsPolledAndSuccessIsAHealthChange) {
    auto c = connect(ec_a, 1);
    sha1->fixup = FixupInfo{FixupState::InProgress, 40, {}, 0};
    SohrOptions o;
    o.state = IsolationState::RestrictedAccess;
    o.fixup = true;
    o.entries = {{kSha1, 0xC0FF0001}};
    ASSERT_EQ(exchange(ec_a, *c, o), hr::S_OK);
    EXPECT_EQ(sha1->fixup_polls, 1) << "asked right after the response";
    auto due = agent->run_pending();
    ASSERT_TRUE(due);
    EXPECT_EQ(due->ticks - clock->now().ticks, ticks(5s));
    clock->advance(5s);
    agent->run_pending();
    EXPECT_EQ(sha1->fixup_polls, 2);
    {
        std::lock_guard lock(sha1->mu);
        sha1->fixup = FixupInfo{FixupState::Success, 100, {}, 0};
    }
    clock->advance(5s);
    auto next = agent->run_pending();
    EXPECT_EQ(sha1->fixup_polls, 3);
    auto status = agent->sha_status();
    auto s1 =
        std::find_if(status.begin(), status.end(), [](auto& s) { return s.info.id == kSha1; });
    EXPECT_EQ(s1->state.fixup_info.state, FixupState::Success);
    EXPECT_EQ(s1->state.fixup_info.percentage, 100);
    ASSERT_TRUE(next);
    EXPECT_EQ(*next, clock->now()) << "the success is queued as an SoH change";
    agent->run_pending();
    EXPECT_EQ(ec->notifications, 1);
}

TEST_F(IsolationTest, UninitializeWaitsForCallsInFlight) {
    auto c = connect(ec_a, 1);
    std::promise<void> entered, release;
    auto release_future = release.get_future().share();
    sha1->on_get = [&](ShaRequest& r) {
        entered.set_value();
        release_future.wait();
        return r.set_soh_request(make_soh(kSha1, {health_class(0)}), false);
    };
    auto exchange_thread = std::async(std::launch::async, [&] { return ec_a.get_soh_request(*c); });
    entered.get_future().wait();
    std::atomic<bool> unbound{false};
    auto unbind_thread = std::async(std::launch::async, [&] {
        const Status s = sha_binding.uninitialize();
        unbound = true;
        return s;
    });
    std::this_thread::sleep_for(100ms);
    EXPECT_FALSE(unbound) << "Uninitialize must wait for the SHA's GetSoHRequest";
    release.set_value();
    EXPECT_EQ(unbind_thread.get(), hr::S_OK);
    EXPECT_TRUE(unbound);
    EXPECT_TRUE(exchange_thread.get());
}

TEST_F(IsolationTest, UninitializeFromInsideACallbackDoesNotDeadlock) {
    auto c = connect(ec_a, 1);
    sha1->on_get = [&](ShaRequest&) { return sha_binding.uninitialize(); };
    auto r = std::async(std::launch::async, [&] { return ec_a.get_soh_request(*c); });
    ASSERT_EQ(r.wait_for(5s), std::future_status::ready) << "deadlock";
    EXPECT_TRUE(r.get());
    EXPECT_FALSE(agent->sha_status()[0].bound);
}

TEST_F(IsolationTest, ManyThreadsExchangeConcurrently) {
    std::vector<std::shared_ptr<Connection>> conns;
    for (std::uint32_t i = 1; i <= 8; ++i)
        conns.push_back(connect(ec_a, i));
    std::vector<std::future<int>> workers;
    for (int t = 0; t < 4; ++t) {
        workers.push_back(std::async(std::launch::async, [&, t] {
            int ok = 0;
            for (int i = 0; i < 50; ++i) {
                Connection& c = *conns[static_cast<std::size_t>((t * 2 + i) % 8)];
                SohrOptions o;
                o.state =
                    (i % 3 == 0) ? IsolationState::RestrictedAccess : IsolationState::NotRestricted;
                const Status s = exchange(ec_a, c, o);
                // Another thread may have started a newer exchange on the same connection: its
                // GetSoHRequest replaces the correlation id (NAP_E_MISMATCHED_ID) and clears the
                // response set here (E_INVALIDARG: no SoH response to process).
                if (s == hr::S_OK) {
                    ++ok;
                } else {
                    EXPECT_TRUE(s == hr::NAP_E_MISMATCHED_ID || s == hr::E_INVALIDARG)
                        << to_string(s);
                }
                if (t == 0 && i % 10 == 0)
                    (void)sha_binding.notify_soh_change();
            }
            return ok;
        }));
    }
    int total = 0;
    for (auto& w : workers)
        total += w.get();
    EXPECT_GT(total, 0);
    agent->run_pending();
}

}  // namespace
}  // namespace opennap::agent::test

namespace opennap::agent::test {
namespace {

TEST_F(AgentTest, ConnectionsTheEcNoLongerListsAreTakenDown) {
    AgentConfig cfg = config(failing_site);
    cfg.connections_refresh_interval = std::chrono::seconds(60);
    auto a = std::make_shared<Agent>(cfg, clock);
    ASSERT_EQ(a->register_ec(Caller::admin(), info(kEcA, u"EC")), hr::S_OK);
    ASSERT_EQ(a->register_sha(Caller::admin(), info(kSha1, u"SHA")), hr::S_OK);
    auto sha = std::make_shared<TestSha>(kSha1);
    auto sb = *HealthAgentBinding::initialize(a, kSha1, sha);
    auto ec = std::make_shared<TestEc>();
    auto b = *EnforcementClientBinding::initialize(a, kEcA, ec);
    auto c1 = *b.create_connection();
    auto c2 = *b.create_connection();
    ASSERT_EQ(c1->set_connection_id(guid(1)), hr::S_OK);
    ASSERT_EQ(c2->set_connection_id(guid(2)), hr::S_OK);
    ASSERT_TRUE(b.get_soh_request(*c2));  // outstanding on c2
    ec->connections = {c1};               // the EC lost track of c2
    auto due = a->run_pending();
    ASSERT_TRUE(due);
    EXPECT_EQ(due->ticks - clock->now().ticks, ticks(std::chrono::seconds(60)));
    EXPECT_EQ(a->ec_status()[0].connections.size(), 2u) << "not yet due";
    clock->advance(std::chrono::seconds(60));
    a->run_pending();
    auto conns = a->ec_status()[0].connections;
    ASSERT_EQ(conns.size(), 1u);
    EXPECT_EQ(conns[0].connection_id, guid(1));
    EXPECT_EQ(sha->orphaned.size(), 1u) << "c2's outstanding request was orphaned";
    EXPECT_EQ(b.get_soh_request(*c2).error(), hr::E_INVALIDARG);
}

}  // namespace
}  // namespace opennap::agent::test

namespace opennap::agent::test {
namespace {

TEST_F(IsolationTest, EventFdSubscriberIsSignalled) {
    const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(
        agent->subscribe(42, NapNotifyType::QuarState, std::make_shared<FdNotificationSink>(fd)),
        hr::S_OK);
    auto c = connect(ec_a, 1);
    SohrOptions o;
    o.state = IsolationState::RestrictedAccess;
    ASSERT_EQ(exchange(ec_a, *c, o), hr::S_OK);
    std::uint64_t count = 0;
    ASSERT_EQ(::read(fd, &count, sizeof count), static_cast<ssize_t>(sizeof count));
    EXPECT_EQ(count, 1u);
    ASSERT_EQ(exchange(ec_a, *c, o), hr::S_OK);  // no change: no signal
    EXPECT_LT(::read(fd, &count, sizeof count), 0);
    agent->unsubscribe(42, NapNotifyType::QuarState);
    ::close(fd);
}

}  // namespace
}  // namespace opennap::agent::test

namespace opennap::agent::test {
namespace {

TEST_F(IsolationTest, DriverRunsPendingWorkOnItsOwnThread) {
    AgentDriver driver(agent);
    std::mutex m;
    std::condition_variable cv;
    bool notified = false;
    ec->on_notify = [&] {
        std::lock_guard lock(m);
        notified = true;
        cv.notify_all();
        return hr::S_OK;
    };
    EXPECT_EQ(sha_binding.notify_soh_change(), hr::S_OK);
    std::unique_lock lock(m);
    EXPECT_TRUE(cv.wait_for(lock, 5s, [&] { return notified; }))
        << "the driver did not deliver the SoH change";
}

}  // namespace
}  // namespace opennap::agent::test
