// A fixed pool of worker threads with one FIFO queue. Internal to src/server.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace opennap::server::detail {

class ThreadPool {
  public:
    using Task = std::move_only_function<void()>;

    explicit ThreadPool(std::size_t threads);
    ~ThreadPool();  // stop()
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    // Queues a task; false (task dropped) once stopping. May throw std::bad_alloc.
    bool post(Task task);
    // Refuses new tasks, drops the queued ones, waits for the running ones. Idempotent; must not
    // be called from a worker.
    void stop();
    // True on one of this pool's threads.
    [[nodiscard]] bool on_worker() const noexcept;

  private:
    void run();

    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Task> queue_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace opennap::server::detail
