#include "opennap/server/scheduler.h"

#include <vector>

namespace opennap::server {

// ---- ThreadScheduler ---------------------------------------------------------------------------

namespace {
thread_local const ThreadScheduler* t_scheduler = nullptr;  // the scheduler whose thread this is
}

ThreadScheduler::ThreadScheduler() : thread_([this] { loop(); }) {}

ThreadScheduler::~ThreadScheduler() {
    stop();
}

void ThreadScheduler::stop() {
    std::map<std::pair<TimePoint, TaskId>, Task> dropped;
    {
        std::lock_guard lock(mu_);
        stop_ = true;
        dropped.swap(tasks_);
        index_.clear();
    }
    cv_.notify_all();
    if (thread_.joinable())
        thread_.join();
}

Scheduler::TaskId ThreadScheduler::schedule_at(TimePoint when, Task task) {
    std::lock_guard lock(mu_);
    const TaskId id = next_++;
    const bool first = tasks_.empty() || when < tasks_.begin()->first.first;
    tasks_.emplace(std::make_pair(when, id), std::move(task));
    index_.emplace(id, when);
    if (first)
        cv_.notify_all();
    return id;
}

bool ThreadScheduler::cancel(TaskId id) noexcept {
    std::lock_guard lock(mu_);
    auto it = index_.find(id);
    if (it == index_.end())
        return false;
    tasks_.erase(std::make_pair(it->second, id));
    index_.erase(it);
    return true;
}

bool ThreadScheduler::on_thread() const noexcept {
    return t_scheduler == this;
}

void ThreadScheduler::loop() {
    t_scheduler = this;
    std::unique_lock lock(mu_);
    while (!stop_) {
        if (tasks_.empty()) {
            cv_.wait(lock);
            continue;
        }
        const TimePoint when = tasks_.begin()->first.first;
        if (Clock::now() < when) {
            cv_.wait_until(lock, when);
            continue;
        }
        auto node = tasks_.extract(tasks_.begin());
        index_.erase(node.key().second);
        lock.unlock();
        node.mapped()();
        lock.lock();
    }
}

// ---- ManualScheduler ---------------------------------------------------------------------------

Scheduler::TimePoint ManualScheduler::now() const noexcept {
    std::lock_guard lock(mu_);
    return now_;
}

Scheduler::TaskId ManualScheduler::schedule_at(TimePoint when, Task task) {
    std::lock_guard lock(mu_);
    const TaskId id = next_++;
    tasks_.emplace(std::make_pair(when, id), std::move(task));
    index_.emplace(id, when);
    return id;
}

bool ManualScheduler::cancel(TaskId id) noexcept {
    std::lock_guard lock(mu_);
    auto it = index_.find(id);
    if (it == index_.end())
        return false;
    tasks_.erase(std::make_pair(it->second, id));
    index_.erase(it);
    return true;
}

std::size_t ManualScheduler::advance(Duration d) {
    std::size_t ran = 0;
    TimePoint target;
    {
        std::lock_guard lock(mu_);
        target = now_ + d;
    }
    for (;;) {
        Task task;
        {
            std::lock_guard lock(mu_);
            if (tasks_.empty() || tasks_.begin()->first.first > target) {
                now_ = target;
                return ran;
            }
            auto node = tasks_.extract(tasks_.begin());
            index_.erase(node.key().second);
            if (node.key().first > now_)
                now_ = node.key().first;
            task = std::move(node.mapped());
        }
        task();
        ++ran;
    }
}

std::size_t ManualScheduler::pending() const {
    std::lock_guard lock(mu_);
    return tasks_.size();
}

}  // namespace opennap::server
