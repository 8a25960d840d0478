// The [checks] table of the agent's TOML configuration: the SHAs' ids, the measurement timer,
// the change watchers, which checks run, and every check's parameters. Mistakes are reported in
// the project's configuration style (config::ConfigError: source:line:column: dotted.key:
// message), all of them collected; unknown keys are errors. docs/checks.md lists every key.
//
//   [checks]
//   root = "/"                      system root the file-based checks read under
//   bus = ""                        D-Bus address for systemd / logind ("" = the system bus)
//   security_center_id = 0x007ED901 the WSHA-layout SHA's System-Health-ID (OpenNAP's own,
//                                   core/opennap_ids.h: PEN 32473, component 0x01)
//   compat_wsha_id = false          true: report the security-center SHA as the Windows
//                                   Security Health Agent, 0x00013780, so that policies written
//                                   for Windows clients (NPS, FreeRADIUS) apply unchanged
//                                   (with an explicit security_center_id it must be 0x13780)
//   linux_sha_id = 0x007ED902       OpenNAP's Linux SHA (PEN 32473, component 0x02)
//   interval_s = 300                re-measure this often (10..86400)
//   watch_files = true              inotify on the files the checks read
//   watch_nftables = true           netlink notifications of ruleset changes
//   watch_units = true              systemd unit property changes over D-Bus
//   disabled = []                   check names (result.h to_string(CheckId)) not to run
//   [checks.firewall]               nftables, iptables_legacy (booleans)
//   [checks.antivirus]              max_signature_age_hours (1..8760), antispyware =
//                                   "same-as-antivirus" | "not-applicable"
//   [checks.antivirus.clamav]       enabled, database_dir, daemon_unit, daemon_process,
//                                   updater_unit, updater_process
//   [checks.automatic_updates]      minimum = "install" | "download" | "check-only" |
//                                   "disabled" | "not-configured"; lists_timer, upgrade_timer
//   [checks.security_updates]       max_hours_since_update (1..8760), cache_dir (default
//                                   /var/lib/opennap/apt; "" = in memory),
//                                   security_suffixes, security_labels (string arrays),
//                                   update_source = "windows-update" | "microsoft-update" |
//                                   "wsus", wsus_server
//   [checks.disk_encryption]        mounts (absolute paths), swap (boolean)
//   [checks.kernel_lockdown]        minimum = "integrity" | "confidentiality" | "none"
//   [checks.screen_lock]            max_idle_unlocked_s (0..86400)
//   [checks.ip_forwarding]          allow_ipv4, allow_ipv6
//   [checks.os_identity]            allowed_ids (string array)
//   [checks.fixup]                  enabled, freshclam_unit, freshclam_restart, apt_update_unit
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "opennap/checks/antivirus.h"
#include "opennap/checks/automatic_updates.h"
#include "opennap/checks/disk_encryption.h"
#include "opennap/checks/firewall.h"
#include "opennap/checks/fixup.h"
#include "opennap/checks/ip_forwarding.h"
#include "opennap/checks/os_release.h"
#include "opennap/checks/screen_lock.h"
#include "opennap/checks/secure_boot.h"
#include "opennap/checks/security_updates.h"
#include "opennap/checks/system_root.h"
#include "opennap/checks/wsha_map.h"
#include "opennap/config/config_error.h"
#include "opennap/core/opennap_ids.h"

namespace opennap::checks {

// OpenNAP's own ids (core/opennap_ids.h). Microsoft asks third parties not to report under its
// ids; compat_wsha_id = true reports the security-center SHA as 0x00013780 all the same.
inline constexpr std::uint32_t kDefaultSecurityCenterId = ids::kSecurityCenterSha;
inline constexpr std::uint32_t kDefaultLinuxShaId = ids::kLinuxSha;
inline constexpr std::string_view kDefaultAptCacheDir = "/var/lib/opennap/apt";

struct ChecksConfig {
    SystemRoot root;
    std::string bus;
    std::uint32_t security_center_id = kDefaultSecurityCenterId;  // 0x00013780 when compat
    std::uint32_t linux_sha_id = kDefaultLinuxShaId;
    std::chrono::seconds interval{300};
    bool watch_files = true;
    bool watch_nftables = true;
    bool watch_units = true;
    std::array<bool, kCheckCount> enabled = [] {
        std::array<bool, kCheckCount> a{};
        a.fill(true);
        return a;
    }();
    FirewallOptions firewall;
    AntivirusOptions antivirus;
    AutoUpdatesOptions automatic_updates;
    // The agent keeps libapt's binary cache in its state directory: the first measurement after a
    // start then costs ~25 ms instead of ~1 s (docs/benchmarks.md).
    SecurityUpdatesOptions security_updates = [] {
        SecurityUpdatesOptions o;
        o.cache_dir = std::string(kDefaultAptCacheDir);
        return o;
    }();
    WshaMapOptions wsha;  // update_source and wsus_server (counter / version: the SHA's)
    DiskEncryptionOptions disk_encryption;
    LockdownOptions kernel_lockdown;
    ScreenLockOptions screen_lock;
    IpForwardingOptions ip_forwarding;
    OsIdentityOptions os_identity;
    FixupOptions fixup;
    friend bool operator==(const ChecksConfig&, const ChecksConfig&) = default;

    [[nodiscard]] bool is_enabled(CheckId id) const noexcept {
        return enabled[static_cast<std::size_t>(id)];
    }
};

// The [checks] table (already parsed by toml++) -> config, or every mistake, sorted.
[[nodiscard]] std::expected<ChecksConfig, std::vector<config::ConfigError>> parse_checks_table(
    const toml::table& checks, std::string_view source);

// A whole TOML document; its [checks] table (absent: the defaults). Other tables are the
// caller's and are not looked at. A syntax error is reported alone.
[[nodiscard]] std::expected<ChecksConfig, std::vector<config::ConfigError>> parse_checks_config(
    std::string_view toml_text, std::string_view source);

}  // namespace opennap::checks
