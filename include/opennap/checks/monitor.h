// ChangeMonitor: re-measures on a timer and on the events that are cheap to watch, and reports
// a new measurement only when the state changed -- the trigger for an SHA's NotifySoHChange.
//
// Watchers (each optional, per [checks] watch_files / watch_nftables / watch_units; one that
// cannot be set up is listed in watch_errors() and the timer covers for it):
//   * FileWatcher on os-release, dpkg's status, the APT lists, apt.conf.d, the periodic stamp,
//     /run/reboot-required, the ClamAV database directory, ufw.conf and the timers' .wants
//     directory (under the system root);
//   * NftablesListener in the monitor thread's network namespace;
//   * UnitWatcher on the ClamAV, APT timer and firewalld units (systemd only).
// Each wake-up drains every source, then measures once. The comparison ignores timings
// (Report::same_state), so a re-measurement that finds the same state stays silent.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "opennap/checks/file_watcher.h"
#include "opennap/checks/measure.h"
#include "opennap/checks/nft_listener.h"
#include "opennap/checks/unit_watcher.h"

namespace opennap::checks {

class ChangeMonitor {
  public:
    using Callback = std::function<void(const Report&)>;

    // `interval`: the timer (default: the configuration's interval_s).
    ChangeMonitor(HealthChecks& checks, Callback on_change, CheckMask mask = kAllChecks,
                  std::optional<std::chrono::milliseconds> interval = std::nullopt);
    ~ChangeMonitor();

    // Sets up the watchers and takes the first measurement (no callback for it).
    void start();

    // Waits at most `max_wait` for an event or the timer, measures if either came, and calls
    // the callback when the state differs from the last measurement. True if it measured.
    bool poll_once(std::chrono::milliseconds max_wait);

    [[nodiscard]] const Report& last() const noexcept { return last_; }
    [[nodiscard]] std::uint64_t measurements() const noexcept { return measurements_; }
    [[nodiscard]] std::uint64_t notifications() const noexcept { return notifications_; }
    [[nodiscard]] std::uint64_t events() const noexcept { return events_; }
    [[nodiscard]] const std::vector<MeasureError>& watch_errors() const noexcept {
        return watch_errors_;
    }

  private:
    void measure_and_compare();

    HealthChecks& checks_;
    Callback on_change_;
    CheckMask mask_;
    std::chrono::milliseconds interval_;
    std::chrono::steady_clock::time_point next_;
    std::optional<FileWatcher> files_;
    std::optional<NftablesListener> nft_;
    std::unique_ptr<UnitWatcher> units_;
    std::vector<MeasureError> watch_errors_;
    Report last_;
    std::uint64_t measurements_ = 0;
    std::uint64_t notifications_ = 0;
    std::uint64_t events_ = 0;
};

}  // namespace opennap::checks
