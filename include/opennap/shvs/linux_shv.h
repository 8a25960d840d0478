// The built-in validator of OpenNAP's Linux SHA (soh/linux_soh.h): the policy behind [[shv]]
// kind = "linux" in server.toml (default id 0x007ED902). Pure: the SHA's SoH report entry (or its
// absence) in; the SoHR report entry, the verdict and the remediation hints out. No I/O, no state,
// no exceptions (besides std::bad_alloc).
//
// Settings (the [[shv]] entry's `settings` table; docs/server-config.md):
//
//   [shv.settings.disk_encryption]  required = true      the check must be reported
//                                   root = true          "/" must be on an encrypted device
//                                   home = true          "/home" too
//                                   swap = true          every swap area too
//   [shv.settings.secure_boot]      required = false     Secure Boot on (no UEFI = not compliant)
//   [shv.settings.kernel_lockdown]  minimum = "none"     "integrity", "confidentiality"
//   [shv.settings.screen_lock]      required = true      every active graphical session locks
//   [shv.settings.ip_forwarding]    allowed = false      true: forwarding is not judged
//   [shv.settings.os_identity]      allowed = {}         os-release ID -> minimum VERSION_ID
//                                                        ("" = any version); {} = any system
//
// Per check (answered when the policy requires it or the SoH reports it):
//   * required and not in the SoH -> Missing (0xA0040002);
//   * reported Error -> ClientError (0xA0040003): an error while measuring is never a pass;
//   * otherwise the policy's judgement: Compliant (S_OK) or NonCompliant (0xA0040001), each
//     non-compliance with a hint the user can act on ("encrypt the device under /home").
// No entry at all -> [NAP_E_MISSING_SOH]; an entry linux_sha::decode_soh() rejects ->
// [NAP_E_INVALID_PACKET]. The verdict is Compliant iff every code is S_OK.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "opennap/policy/config_error.h"
#include "opennap/policy/shv_settings.h"
#include "opennap/policy/toml_check.h"
#include "opennap/policy/verdict.h"
#include "opennap/soh/error.h"
#include "opennap/soh/linux_soh.h"
#include "opennap/soh/message.h"

namespace opennap::shvs::linux_shv {

struct Settings {
    struct DiskEncryption {
        bool required = true;
        bool root = true;
        bool home = true;
        bool swap = true;
        friend bool operator==(const DiskEncryption&, const DiskEncryption&) = default;
    } disk_encryption;
    bool secure_boot_required = false;
    soh::linux_sha::Lockdown minimum_lockdown = soh::linux_sha::Lockdown::None;
    bool screen_lock_required = true;
    bool ip_forwarding_allowed = false;
    std::map<std::string, std::string, std::less<>> allowed_os;  // ID -> minimum VERSION_ID
    friend bool operator==(const Settings&, const Settings&) = default;
};

void check_settings(const toml::table& table, std::string_view key, policy::TomlChecker& checker,
                    Settings& out);
[[nodiscard]] std::expected<Settings, std::vector<policy::ConfigError>> parse_settings(
    const policy::ShvSettingsTable& table);
// The hook for policy::ParseOptions::linux_settings.
[[nodiscard]] policy::ShvSettingsCheck settings_check();

// Version order of VERSION_IDs: numeric runs compare as numbers, other characters as text
// ("22.04" < "24.04", "9" < "12"). Negative, zero, positive.
[[nodiscard]] int compare_versions(std::string_view a, std::string_view b) noexcept;

struct Result {
    policy::ShvVerdict verdict;
    soh::ReportEntry response;              // the SoHR report entry (under the SHV's id)
    soh::linux_sha::Sohr answer;            // the same, decoded
    std::vector<std::string> hints;         // every hint, "check: hint", one line each
    std::optional<soh::DecodeError> error;  // why the entry could not be evaluated
};

// `entry`: the Linux SHA's report entry (nullopt: the SoH has none). `id`: the SHV's id, put on
// the answer.
[[nodiscard]] Result validate(const Settings& settings,
                              const std::optional<soh::ReportEntry>& entry, std::uint32_t id);

}  // namespace opennap::shvs::linux_shv
