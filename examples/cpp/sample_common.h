// Shared by the C++-API sample SHA, EC and driver: a thread-safe logger and the record of what
// happened, which the driver checks.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace opennap::examples {

// A small stand-in for std::format (g++ 12 has no <format>): each "{}" in `pattern` is replaced
// by the next argument, written with operator<<.
template <typename... Args>
[[nodiscard]] std::string format(std::string_view pattern, const Args&... args) {
    std::ostringstream out;
    auto next = [&](const auto& arg) {
        const auto at = pattern.find("{}");
        if (at == std::string_view::npos)
            return;
        out << pattern.substr(0, at) << arg;
        pattern.remove_prefix(at + 2);
    };
    (next(args), ...);
    out << pattern;
    return out.str();
}

// One line per step, whatever thread it comes from.
inline void log(std::string_view line) {
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

enum class Milestone {
    Restricted,  // an exchange ended in restricted access
    Remediated,  // the SHA fixed itself
    FullAccess,  // an exchange ended in full access
};

class Progress {
  public:
    void record(Milestone m) {
        {
            std::lock_guard lock(mutex_);
            seen_.push_back(m);
        }
        changed_.notify_all();
    }
    // Bounded wait until `m` has been recorded.
    [[nodiscard]] bool wait_for(Milestone m, std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] {
            for (Milestone x : seen_)
                if (x == m)
                    return true;
            return false;
        });
    }
    [[nodiscard]] std::vector<Milestone> milestones() {
        std::lock_guard lock(mutex_);
        return seen_;
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<Milestone> seen_;
};

}  // namespace opennap::examples
