// The agent's source of time. The core never reads a clock of its own: tests drive a ManualClock.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "opennap/core/ids.h"

namespace opennap::agent {

class Clock {
  public:
    virtual ~Clock() = default;
    [[nodiscard]] virtual FileTime now() const noexcept = 0;
};

class SystemClock final : public Clock {
  public:
    [[nodiscard]] FileTime now() const noexcept override { return FileTime::now(); }
};

// A clock that moves only when told to. Thread-safe.
class ManualClock final : public Clock {
  public:
    explicit ManualClock(FileTime start = FileTime{0x01DD000000000000}) : ticks_(start.ticks) {}
    [[nodiscard]] FileTime now() const noexcept override { return FileTime{ticks_.load()}; }
    void set(FileTime t) noexcept { ticks_.store(t.ticks); }
    void advance(std::chrono::nanoseconds d) noexcept {
        ticks_.fetch_add(static_cast<std::uint64_t>(d.count() / 100));
    }

  private:
    std::atomic<std::uint64_t> ticks_;
};

// 100-ns FILETIME ticks in a std::chrono duration.
constexpr std::uint64_t ticks(std::chrono::nanoseconds d) noexcept {
    return static_cast<std::uint64_t>(d.count() / 100);
}

}  // namespace opennap::agent
