// Automatic updates (WSHA class 3): is the machine set to fetch and install updates on its own?
//
// Reads, under the SystemRoot:
//   * the APT configuration (libapt-pkg's parser: apt.conf and apt.conf.d/*, as `apt-config`
//     would): APT::Periodic::Update-Package-Lists, ::Download-Upgradeable-Packages and
//     ::Unattended-Upgrade (values "0" / "" mean off; any other value, "1", "always", "7d",
//     means on);
//   * whether unattended-upgrades is installed (dpkg's file list
//     /var/lib/dpkg/info/unattended-upgrades.list exists, which dpkg keeps exactly while the
//     package is installed);
//   * the timers that run the periodic jobs (apt-daily.timer, apt-daily-upgrade.timer) through
//     ServiceProbe: systemd's D-Bus API, or the unit files without systemd.
//
// The setting, in [MS-WSH] 2.2.9.5 terms (soh::wsha::AutoUpdates):
//   NotConfigured  none of the three keys is set;
//   Disabled       Update-Package-Lists off, or apt-daily.timer disabled or masked (CHOSEN: the
//                  keys then have no effect; a timer that does not exist at all -- no systemd --
//                  does not lower the level, cron's apt-compat runs the job instead);
//   CheckOnly      lists are updated, nothing is downloaded;
//   Download       Download-Upgradeable-Packages on (or Unattended-Upgrade on without the
//                  package installed);
//   Install        Unattended-Upgrade on and unattended-upgrades installed.
// apt-daily-upgrade.timer disabled or masked caps the level at CheckOnly.
// Pass iff the level is at least `minimum` (default Install), ordering NotConfigured below
// Disabled; Fail otherwise; Error when the configuration cannot be read.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "opennap/checks/result.h"
#include "opennap/checks/services.h"
#include "opennap/checks/system_root.h"
#include "opennap/soh/wsha.h"

namespace opennap::checks {

struct AutoUpdatesDetails {
    std::optional<std::string> update_package_lists;  // raw APT::Periodic values; nullopt: unset
    std::optional<std::string> download_upgradeable_packages;
    std::optional<std::string> unattended_upgrade;
    bool unattended_upgrades_installed = false;
    std::vector<UnitState> timers;
    soh::wsha::AutoUpdates level = soh::wsha::AutoUpdates::NotConfigured;
    friend bool operator==(const AutoUpdatesDetails&, const AutoUpdatesDetails&) = default;
};

struct AutoUpdatesOptions {
    soh::wsha::AutoUpdates minimum = soh::wsha::AutoUpdates::Install;
    std::string lists_timer = "apt-daily.timer";
    std::string upgrade_timer = "apt-daily-upgrade.timer";
    friend bool operator==(const AutoUpdatesOptions&, const AutoUpdatesOptions&) = default;
};

// "off" per the rule above.
[[nodiscard]] bool periodic_value_off(std::string_view v) noexcept;
// Rank for comparisons: NotConfigured 0, Disabled 1, CheckOnly 2, Download 3, Install 4.
[[nodiscard]] int auto_updates_rank(soh::wsha::AutoUpdates a) noexcept;

[[nodiscard]] Measurement<AutoUpdatesDetails> check_automatic_updates(
    const SystemRoot& root, ServiceProbe& services, const AutoUpdatesOptions& opt = {});

}  // namespace opennap::checks
