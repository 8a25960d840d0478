// Security updates (WSHA class 4): pending updates from the security archive, the time of the
// last successful package-list update, and whether a reboot is pending.
//
//   * Pending: libapt-pkg opens the package cache of the root (its dpkg status, lists and APT
//     configuration) read-only, without the lock. An installed package counts as pending a
//     security update when some version newer than the installed one and not newer than the
//     candidate (so the candidate includes the fix) is available from a security archive: a
//     package file whose Release has an Archive/Suite or Codename ending in one of
//     `security_suffixes` ("-security"), or a Label in `security_labels` ("Debian-Security").
//     Counting candidates only would miss a security fix superseded by a later point-release
//     version. No resolver runs: this is what `apt list --upgradable` would show, filtered.
//   * Last update: mtime of /var/lib/apt/periodic/update-success-stamp (written by
//     apt.systemd.daily after a successful update); else the newest *Release file in
//     /var/lib/apt/lists/ (CHOSEN).
//   * Reboot: /run/reboot-required exists (written by Debian's unattended-upgrades and Ubuntu's
//     update-notifier hooks), or a /boot/vmlinuz-<release> newer (dpkg version order) than the
//     running kernel (/proc/sys/kernel/osrelease).
//
// Pass: nothing pending, no reboot pending, last update at most `max_since_update` ago. Fail:
// otherwise (never updated counts as too old). Error: the cache cannot be opened.
//
// SecurityUpdatesChecker keeps the last answer and re-opens the cache only when its inputs
// changed (dpkg status, the lists directory, the APT sources and preferences: size, mtime,
// inode), which keeps a re-measurement to a few stat calls (docs/benchmarks.md).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "opennap/checks/result.h"
#include "opennap/checks/system_root.h"

namespace opennap::checks {

struct PendingUpdate {
    std::string package;
    std::string installed;
    std::string candidate;
    bool security = false;
    friend bool operator==(const PendingUpdate&, const PendingUpdate&) = default;
};

struct SecurityUpdatesDetails {
    std::uint32_t pending_security = 0;
    std::uint32_t pending_total = 0;
    std::vector<PendingUpdate> security_packages;  // at most kMaxListed
    std::optional<std::int64_t> last_update;       // seconds since the epoch
    std::string last_update_source;                // the file whose mtime it is
    std::optional<std::int64_t> seconds_since_update;
    bool reboot_required = false;
    std::string reboot_reason;
    std::string running_kernel;
    std::string newest_kernel;  // "" if /boot has none
    friend bool operator==(const SecurityUpdatesDetails&, const SecurityUpdatesDetails&) = default;
};
inline constexpr std::size_t kMaxListed = 50;

// Equal apart from seconds_since_update (last_update, the absolute time, is compared).
[[nodiscard]] bool same_details(const SecurityUpdatesDetails& a, const SecurityUpdatesDetails& b);

struct SecurityUpdatesOptions {
    std::chrono::hours max_since_update{48};
    // Where libapt may keep its binary cache (pkgcache.bin / srcpkgcache.bin) between
    // measurements (created if missing); "" = build it in memory every time (slow on a full
    // system, ~1 s). The agent's configuration defaults to /var/lib/opennap/apt (config.h).
    std::string cache_dir;
    std::vector<std::string> security_suffixes = {"-security"};
    std::vector<std::string> security_labels = {"Debian-Security"};
    friend bool operator==(const SecurityUpdatesOptions&, const SecurityUpdatesOptions&) = default;
};

// One pass of the cache (no memo).
[[nodiscard]] Result<SecurityUpdatesDetails> count_pending_updates(
    const SystemRoot& root, const SecurityUpdatesOptions& opt);

class SecurityUpdatesChecker {
  public:
    SecurityUpdatesChecker() = default;
    [[nodiscard]] Measurement<SecurityUpdatesDetails> check(
        const SystemRoot& root, const SecurityUpdatesOptions& opt,
        std::chrono::system_clock::time_point now = std::chrono::system_clock::now());
    // True when the last check() reused the previous cache pass.
    [[nodiscard]] bool last_reused() const noexcept { return reused_; }

  private:
    std::string fingerprint_;
    std::optional<SecurityUpdatesDetails> pending_;
    SecurityUpdatesOptions opt_;
    bool reused_ = false;
};

}  // namespace opennap::checks
