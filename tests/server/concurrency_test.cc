// The host under concurrency (real threads, real clock): many callers validating at once with
// inline, pool and asynchronous SHVs, management calls racing validations, real timeouts, and the
// inline fast path's throughput. Run under TSan too (docs/shv.md).
#include "harness.h"

#include <deque>
#include <future>

namespace opennap::server::test {
namespace {

// Answers from a thread of its own after `delay` (or never, for every `never_every`-th request).
class AsyncShv : public SystemHealthValidator {
  public:
    explicit AsyncShv(std::chrono::milliseconds delay, int never_every = 0)
        : delay_(delay), never_every_(never_every) {
        worker_ = std::thread([this] { run(); });
    }
    ~AsyncShv() override {
        {
            std::lock_guard lock(mu_);
            stop_ = true;
        }
        cv_.notify_all();
        worker_.join();
    }
    Status validate(const std::shared_ptr<ValidationRequest>& request, std::chrono::milliseconds,
                    const std::shared_ptr<ServerCallback>& callback) override {
        const int n = ++count_;
        if (never_every_ != 0 && n % never_every_ == 0)
            return hr::E_PENDING;  // never completes: times out
        {
            std::lock_guard lock(mu_);
            queue_.push_back({request, callback, std::chrono::steady_clock::now() + delay_});
        }
        cv_.notify_all();
        return hr::E_PENDING;
    }
    std::atomic<int> not_pending{0};

  private:
    struct Job {
        std::shared_ptr<ValidationRequest> request;
        std::shared_ptr<ServerCallback> callback;
        std::chrono::steady_clock::time_point at;
    };
    void run() {
        std::unique_lock lock(mu_);
        while (!stop_) {
            if (queue_.empty()) {
                cv_.wait(lock);
                continue;
            }
            if (std::chrono::steady_clock::now() < queue_.front().at) {
                cv_.wait_until(lock, queue_.front().at);
                continue;
            }
            Job j = std::move(queue_.front());
            queue_.pop_front();
            lock.unlock();
            (void)j.request->set_soh_response(codes_response(j.request->shv_id(), {0}));
            if (j.callback->on_complete(*j.request, hr::S_OK) == hr::NAP_E_NOT_PENDING)
                ++not_pending;
            lock.lock();
        }
    }

    std::chrono::milliseconds delay_;
    int never_every_;
    std::atomic<int> count_{0};
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Job> queue_;
    bool stop_ = false;
    std::thread worker_;
};

TEST(ShvHostConcurrencyTest, ManyCallersMixedShvsEveryHandlerExactlyOnce) {
    ShvHost host(opts([](ShvHostOptions& o) {
        o.timeout = 300ms;
        o.worker_threads = 3;
    }));
    auto async = std::make_shared<AsyncShv>(1ms, 25);
    ASSERT_EQ(host.register_validator(reg(kShvA, sync_shv(0))), hr::S_OK);
    ASSERT_EQ(host.register_validator(reg(kShvB, sync_shv(0), CallMode::Pool)), hr::S_OK);
    ASSERT_EQ(host.register_validator(reg(kShvC, async)), hr::S_OK);
    constexpr int kThreads = 4;
    constexpr int kEach = 100;
    std::atomic<int> handled{0};
    std::atomic<int> timed_out{0};
    std::atomic<int> bad{0};
    std::vector<std::thread> callers;
    for (int t = 0; t < kThreads; ++t) {
        callers.emplace_back([&] {
            for (int i = 0; i < kEach; ++i) {
                const Status s = host.validate(
                    input_of(ssoh({entry(kShvA, 1), entry(kShvB, 1), entry(kShvC, 1)})),
                    [&](ValidationResult&& r) {
                        if (r.outcomes.size() != 3)
                            ++bad;
                        for (const auto& o : r.outcomes) {
                            if (o.kind == OutcomeKind::TimedOut)
                                ++timed_out;
                            else if (o.kind != OutcomeKind::Responded)
                                ++bad;
                        }
                        ++handled;
                    });
                if (s != hr::S_OK)
                    ++bad;
            }
        });
    }
    for (auto& t : callers)
        t.join();
    ASSERT_TRUE(eventually([&] { return handled.load() == kThreads * kEach; }, 20s))
        << handled.load();
    EXPECT_EQ(bad.load(), 0);
    EXPECT_EQ(timed_out.load(), kThreads * kEach / 25) << "exactly the never-answered ones";
    EXPECT_TRUE(eventually([&] { return host.in_flight() == 0; }));
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(handled.load(), kThreads * kEach) << "no handler twice";
}

TEST(ShvHostConcurrencyTest, RealTimeoutOnTheThreadScheduler) {
    ShvHost host(opts([](ShvHostOptions& o) { o.timeout = 50ms; }));
    auto a = pending_shv();
    ASSERT_EQ(host.register_validator(reg(kShvA, a)), hr::S_OK);
    const auto start = std::chrono::steady_clock::now();
    Collector c;
    ASSERT_EQ(host.validate(input_of(ssoh({})), c.handler()), hr::S_OK);
    ASSERT_TRUE(c.wait());
    EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);
    EXPECT_EQ(c.outcome(kShvA).kind, OutcomeKind::TimedOut);
    EXPECT_GE(c.outcome(kShvA).elapsed, 50ms);
}

TEST(ShvHostConcurrencyTest, ManagementRacingValidations) {
    ShvHost host(opts([](ShvHostOptions& o) { o.timeout = 200ms; }));
    auto async = std::make_shared<AsyncShv>(2ms);
    ASSERT_EQ(host.register_validator(reg(kShvA, sync_shv(0))), hr::S_OK);
    std::atomic<bool> stop{false};
    std::atomic<int> handled{0};
    std::atomic<int> started{0};
    std::thread admin([&] {
        FailureCategoryMapping m;
        for (int i = 0; !stop.load(); ++i) {
            (void)host.register_validator(
                reg(kShvC, async, i % 2 ? CallMode::Pool : CallMode::Inline));
            m.mapping_compliance[3] = i % 2;
            (void)host.set_failure_category_mapping(kShvC, m);
            (void)host.registered_validators();
            std::this_thread::sleep_for(1ms);
            (void)host.unregister_validator(kShvC);
        }
    });
    std::vector<std::thread> callers;
    for (int t = 0; t < 3; ++t) {
        callers.emplace_back([&] {
            for (int i = 0; i < 150; ++i) {
                if (host.validate(input_of(ssoh({entry(kShvC, 1)})), [&](ValidationResult&& r) {
                        for (const auto& o : r.outcomes) {
                            EXPECT_TRUE(o.kind == OutcomeKind::Responded ||
                                        o.kind == OutcomeKind::Discarded)
                                << to_string(o.kind);
                        }
                        ++handled;
                    }) == hr::S_OK) {
                    ++started;
                }
            }
        });
    }
    for (auto& t : callers)
        t.join();
    stop = true;
    admin.join();
    ASSERT_TRUE(eventually([&] { return handled.load() == started.load(); }, 20s));
    EXPECT_EQ(started.load(), 450);
}

// The inline fast path: the rate is printed; the bound is far below what it does even under
// sanitizers, so that the test checks for a gross regression only (e.g. a thread hop).
TEST(ShvHostConcurrencyTest, InlineThroughput) {
    ShvHost host;
    for (SystemHealthEntityId id : {kShvA, kShvB, kShvC})
        ASSERT_EQ(host.register_validator(reg(id, sync_shv(0))), hr::S_OK);
    const ValidationInput proto = input_of(ssoh({entry(kShvA, 1), entry(kShvB, 1)}));
    constexpr int kN = 20000;
    int done = 0;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kN; ++i) {
        ASSERT_EQ(host.validate(proto, [&](ValidationResult&&) { ++done; }), hr::S_OK);
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(done, kN) << "every one completed inline";
    const double rate = kN / secs;
    std::printf("inline validations with 3 SHVs: %.0f per second\n", rate);
    EXPECT_GT(rate, 2000.0);
}

// Answers (after `go`) or never does; says on which thread it is destroyed.
class Mortal final : public SystemHealthValidator {
  public:
    Mortal(std::shared_future<void> go, bool answer,
           std::shared_ptr<std::promise<std::thread::id>> died)
        : go_(std::move(go)), answer_(answer), died_(std::move(died)) {}
    ~Mortal() override { died_->set_value(std::this_thread::get_id()); }
    Status validate(const std::shared_ptr<ValidationRequest>& request, std::chrono::milliseconds,
                    const std::shared_ptr<ServerCallback>&) override {
        if (!answer_)
            return hr::E_PENDING;  // times out
        go_.wait();
        return request->set_soh_response(codes_response(request->shv_id(), {0}));
    }

  private:
    std::shared_future<void> go_;
    bool answer_;
    std::shared_ptr<std::promise<std::thread::id>> died_;
};

// The last reference to a host held by its own completion handler, which runs (and is released)
// on one of the host's threads: a worker (a pool SHV's answer) or the scheduler's thread (a
// timeout). A thread cannot join itself: the host shuts down on a thread of its own, and its
// SHVs are released there (before: std::terminate, "Resource deadlock avoided", seen when
// napserver stopped while a plug-in's answer was being completed).
TEST(ShvHostConcurrencyTest, AHostReleasedByItsOwnCompletionHandlerShutsDownOnAnotherThread) {
    for (const bool timeout : {false, true}) {
        SCOPED_TRACE(timeout ? "released on the scheduler's thread (a timeout)"
                             : "released on a worker (a pool SHV's answer)");
        std::promise<void> go;
        auto died = std::make_shared<std::promise<std::thread::id>>();
        auto died_f = died->get_future();
        auto handled = std::make_shared<std::promise<std::thread::id>>();
        auto handled_f = handled->get_future();
        auto host = std::make_shared<ShvHost>(opts([&](ShvHostOptions& o) {
            o.timeout = timeout ? 100ms : 10s;
            o.worker_threads = 1;
        }));
        ASSERT_EQ(host->register_validator(
                      reg(kShvA, std::make_shared<Mortal>(go.get_future().share(), !timeout, died),
                          CallMode::Pool)),
                  hr::S_OK);
        ASSERT_EQ(host->validate(input_of(ssoh({entry(kShvA, 1)})),
                                 [h = host, handled](ValidationResult&&) {
                                     handled->set_value(std::this_thread::get_id());
                                 }),
                  hr::S_OK);
        host.reset();  // the handler holds the last reference
        go.set_value();
        ASSERT_EQ(handled_f.wait_for(10s), std::future_status::ready);
        const std::thread::id handler_thread = handled_f.get();
        EXPECT_NE(handler_thread, std::this_thread::get_id());
        ASSERT_EQ(died_f.wait_for(10s), std::future_status::ready) << "the host never shut down";
        EXPECT_NE(died_f.get(), handler_thread);
    }
}

// shutdown() ahead of the destructor joins the host's threads on the caller's, and the
// destructor then has nothing left to do (napserver stopping: docs/napserver.md).
TEST(ShvHostConcurrencyTest, ShutdownAheadOfTheDestructorIsIdempotent) {
    auto died = std::make_shared<std::promise<std::thread::id>>();
    auto died_f = died->get_future();
    std::promise<void> go;
    go.set_value();
    Collector c;
    {
        ShvHost host(opts([](ShvHostOptions& o) { o.worker_threads = 2; }));
        ASSERT_EQ(host.register_validator(
                      reg(kShvA, std::make_shared<Mortal>(go.get_future().share(), true, died),
                          CallMode::Pool)),
                  hr::S_OK);
        ASSERT_EQ(host.validate(input_of(ssoh({entry(kShvA, 1)})), c.handler()), hr::S_OK);
        host.shutdown();
        ASSERT_EQ(died_f.wait_for(0s), std::future_status::ready);  // released by shutdown()
        EXPECT_EQ(died_f.get(), std::this_thread::get_id());
        host.shutdown();
        EXPECT_EQ(host.validate(input_of(ssoh({entry(kShvA, 1)})), c.handler()).failed(), true);
    }
}

}  // namespace
}  // namespace opennap::server::test
