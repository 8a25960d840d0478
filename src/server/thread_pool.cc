#include "thread_pool.h"

namespace opennap::server::detail {

namespace {
thread_local const ThreadPool* t_pool = nullptr;
}

ThreadPool::ThreadPool(std::size_t threads) {
    if (threads == 0)
        threads = 1;
    threads_.reserve(threads);
    for (std::size_t i = 0; i < threads; ++i)
        threads_.emplace_back([this] { run(); });
}

ThreadPool::~ThreadPool() {
    stop();
}

bool ThreadPool::post(Task task) {
    {
        std::lock_guard lock(mu_);
        if (stopping_)
            return false;
        queue_.push_back(std::move(task));
    }
    cv_.notify_one();
    return true;
}

void ThreadPool::stop() {
    std::deque<Task> dropped;
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
        dropped.swap(queue_);
    }
    cv_.notify_all();
    for (auto& t : threads_) {
        if (t.joinable())
            t.join();
    }
    threads_.clear();
    // `dropped` is destroyed here, outside the lock: a task's captures may post or stop.
}

bool ThreadPool::on_worker() const noexcept {
    return t_pool == this;
}

void ThreadPool::run() {
    t_pool = this;
    std::unique_lock lock(mu_);
    for (;;) {
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_)
            return;
        Task task = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        task();
        task = nullptr;  // captures released outside the lock
        lock.lock();
    }
}

}  // namespace opennap::server::detail
