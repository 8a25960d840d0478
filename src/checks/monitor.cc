#include "opennap/checks/monitor.h"

#include <poll.h>

#include <cerrno>

namespace opennap::checks {

ChangeMonitor::ChangeMonitor(HealthChecks& checks, Callback on_change, CheckMask mask,
                             std::optional<std::chrono::milliseconds> interval)
    : checks_(checks),
      on_change_(std::move(on_change)),
      mask_(mask),
      interval_(interval.value_or(
          std::chrono::duration_cast<std::chrono::milliseconds>(checks.config().interval))) {}

ChangeMonitor::~ChangeMonitor() = default;

void ChangeMonitor::start() {
    const ChecksConfig& cfg = checks_.config();
    const SystemRoot& root = cfg.root;
    if (cfg.watch_files) {
        auto w = FileWatcher::create();
        if (!w) {
            watch_errors_.push_back(w.error());
        } else {
            for (const char* f : {"/etc/os-release", "/usr/lib/os-release", "/var/lib/dpkg/status",
                                  "/run/reboot-required", "/etc/ufw/ufw.conf",
                                  "/var/lib/apt/periodic/update-success-stamp"}) {
                if (root.exists(std::filesystem::path(f).parent_path().string())) {
                    if (auto r = w->watch_file(root.path(f)); !r) {
                        watch_errors_.push_back(r.error());
                    }
                }
            }
            for (const std::string& d :
                 {std::string("/etc/apt/apt.conf.d"), std::string("/var/lib/apt/lists"),
                  cfg.antivirus.clamav.database_dir,
                  std::string("/etc/systemd/system/timers.target.wants")}) {
                if (root.exists(d)) {
                    if (auto r = w->watch_dir(root.path(d)); !r) {
                        watch_errors_.push_back(r.error());
                    }
                }
            }
            files_ = std::move(*w);
        }
    }
    if (cfg.watch_nftables && (mask_ & bit(CheckId::Firewall)) != 0) {
        auto n = NftablesListener::create();
        if (!n) {
            watch_errors_.push_back(n.error());
        } else {
            nft_ = std::move(*n);
        }
    }
    if (cfg.watch_units &&
        (!cfg.bus.empty() || (root.is_host() && root.exists("/run/systemd/system")))) {
        std::vector<std::string> units = {cfg.antivirus.clamav.daemon_unit,
                                          cfg.antivirus.clamav.updater_unit, "firewalld.service"};
        for (const auto& t :
             {cfg.automatic_updates.lists_timer, cfg.automatic_updates.upgrade_timer}) {
            if (!t.empty()) {
                units.push_back(t);
            }
        }
        auto u = UnitWatcher::create(cfg.bus, units);
        if (!u) {
            watch_errors_.push_back(u.error());
        } else {
            units_ = std::move(*u);
        }
    }
    last_ = checks_.measure(mask_);
    ++measurements_;
    next_ = std::chrono::steady_clock::now() + interval_;
}

void ChangeMonitor::measure_and_compare() {
    Report r = checks_.measure(mask_);
    ++measurements_;
    next_ = std::chrono::steady_clock::now() + interval_;
    const bool changed = !r.same_state(last_);
    last_ = std::move(r);
    if (changed) {
        ++notifications_;
        if (on_change_) {
            on_change_(last_);
        }
    }
}

bool ChangeMonitor::poll_once(std::chrono::milliseconds max_wait) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = std::min(Clock::now() + max_wait, next_);
    std::vector<pollfd> fds;
    if (files_) {
        fds.push_back({files_->fd(), POLLIN, 0});
    }
    if (nft_) {
        fds.push_back({nft_->fd(), POLLIN, 0});
    }
    if (units_) {
        fds.push_back({units_->fd(), POLLIN, 0});
    }
    std::size_t events = 0;
    for (;;) {
        if (units_) {
            events += units_->drain();  // sd-bus may hold messages it has already read
        }
        if (events > 0) {
            break;
        }
        // A timer already due still looks at what is pending (poll with timeout 0): events that
        // arrived while the caller was busy count as events now, not at the next call.
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        const int timeout = left.count() <= 0 ? 0 : static_cast<int>(left.count()) + 1;
        const int n = ::poll(fds.data(), fds.size(), timeout);
        if (n < 0 && errno != EINTR) {
            break;
        }
        if (n > 0) {
            if (files_) {
                events += files_->drain().size();
            }
            if (nft_) {
                events += nft_->drain();
            }
        }
        if (timeout == 0) {
            break;
        }
    }
    events_ += events;
    if (events > 0 || Clock::now() >= next_) {
        measure_and_compare();
        return true;
    }
    return false;
}

}  // namespace opennap::checks
