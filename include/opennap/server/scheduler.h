// The host's source of time and timers: the SHV timeouts run on it. ThreadScheduler is the real
// one (a thread over std::chrono::steady_clock); ManualScheduler moves only when told to, so tests
// can time SHVs out deterministically.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

namespace opennap::server {

class Scheduler {
  public:
    using Clock = std::chrono::steady_clock;
    using TimePoint = Clock::time_point;
    using Duration = Clock::duration;
    using TaskId = std::uint64_t;  // never 0
    using Task = std::move_only_function<void()>;

    virtual ~Scheduler() = default;
    [[nodiscard]] virtual TimePoint now() const noexcept = 0;
    // Runs `task` once, at or after `when`, on the scheduler's own thread (ThreadScheduler) or on
    // the thread that moves the time (ManualScheduler). May throw std::bad_alloc.
    virtual TaskId schedule_at(TimePoint when, Task task) = 0;
    // Removes a task that has not started. False when it already ran, is running, or is unknown.
    virtual bool cancel(TaskId id) noexcept = 0;
};

// Tasks run in deadline order (ties: in the order they were scheduled) on one thread.
class ThreadScheduler final : public Scheduler {
  public:
    ThreadScheduler();
    ~ThreadScheduler() override;  // stop()
    ThreadScheduler(const ThreadScheduler&) = delete;
    ThreadScheduler& operator=(const ThreadScheduler&) = delete;

    // Stops and joins the thread; tasks not yet run are dropped and later ones are accepted but
    // never run. Idempotent; must not be called from a task.
    void stop();
    // True on this scheduler's thread (in one of its tasks).
    [[nodiscard]] bool on_thread() const noexcept;

    [[nodiscard]] TimePoint now() const noexcept override { return Clock::now(); }
    TaskId schedule_at(TimePoint when, Task task) override;
    bool cancel(TaskId id) noexcept override;

  private:
    void loop();

    std::mutex mu_;
    std::condition_variable cv_;
    std::map<std::pair<TimePoint, TaskId>, Task> tasks_;
    std::map<TaskId, TimePoint> index_;
    TaskId next_ = 1;
    bool stop_ = false;
    std::thread thread_;
};

// Starts at an arbitrary fixed time point; advance() moves it and runs every task that is due,
// in deadline order, on the calling thread (outside the scheduler's lock, so a task may schedule
// or cancel others).
class ManualScheduler final : public Scheduler {
  public:
    ManualScheduler() = default;
    [[nodiscard]] TimePoint now() const noexcept override;
    TaskId schedule_at(TimePoint when, Task task) override;
    bool cancel(TaskId id) noexcept override;

    // Moves the time forward by `d` and runs what is due; returns how many tasks ran.
    std::size_t advance(Duration d);
    // Tasks scheduled and not yet run.
    [[nodiscard]] std::size_t pending() const;

  private:
    mutable std::mutex mu_;
    TimePoint now_{std::chrono::hours(1)};
    std::map<std::pair<TimePoint, TaskId>, Task> tasks_;
    std::map<TaskId, TimePoint> index_;
    TaskId next_ = 1;
};

}  // namespace opennap::server
