#include "opennap/agent/driver.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace opennap::agent {

class AgentDriver::State {
  public:
    explicit State(std::shared_ptr<Agent> a) : agent(std::move(a)) {}

    void wake() {
        std::lock_guard lock(mu);
        woken = true;
        cv.notify_one();
    }

    void run() {
        std::unique_lock lock(mu);
        while (!stop) {
            woken = false;
            lock.unlock();
            const std::optional<FileTime> next = agent->run_pending();
            lock.lock();
            if (stop || woken)
                continue;
            if (!next) {
                cv.wait(lock, [&] { return woken || stop; });
                continue;
            }
            const std::uint64_t now = agent->clock().now().ticks;
            // Capped so that far-away (or "never") timers cannot overflow the wait.
            constexpr std::uint64_t kMaxWaitTicks = ticks(std::chrono::hours(1));
            const std::uint64_t delta = next->ticks > now ? next->ticks - now : 0;
            if (delta == 0)
                continue;
            const auto wait = std::chrono::nanoseconds(
                static_cast<std::int64_t>(std::min(delta, kMaxWaitTicks) * 100));
            cv.wait_for(lock, wait, [&] { return woken || stop; });
        }
    }

    std::shared_ptr<Agent> agent;
    std::mutex mu;
    std::condition_variable cv;
    bool woken = false;
    bool stop = false;
    std::thread thread;
};

AgentDriver::AgentDriver(std::shared_ptr<Agent> a) : state_(std::make_shared<State>(std::move(a))) {
    std::weak_ptr<State> weak = state_;
    state_->agent->set_wake([weak] {
        if (auto s = weak.lock())
            s->wake();
    });
    state_->thread = std::thread([s = state_] { s->run(); });
}

AgentDriver::~AgentDriver() {
    state_->agent->set_wake([] {});
    {
        std::lock_guard lock(state_->mu);
        state_->stop = true;
        state_->cv.notify_one();
    }
    if (state_->thread.joinable()) {
        if (state_->thread.get_id() == std::this_thread::get_id())
            state_->thread.detach();  // destroyed from a callback on its own thread
        else
            state_->thread.join();
    }
}

const std::shared_ptr<Agent>& AgentDriver::agent() const noexcept {
    return state_->agent;
}

}  // namespace opennap::agent
