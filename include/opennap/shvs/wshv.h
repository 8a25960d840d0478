// The built-in Windows Security Health Validator (WSHV, [MS-WSH] 3.3): the policy checks behind
// [[shv]] kind = "wsha" in server.toml. Pure: a WSHA SoHReportEntry (or its absence) in, the SHV's
// SoHR report entry, its verdict and remediation hints out. No I/O, no state, no exceptions
// (besides std::bad_alloc).
//
// Settings ([MS-WSH] 3.3.1 ADM elements; defaults from 3.3.3), parsed from the [[shv]] entry's
// `settings` table with the server.toml error style (docs/server-config.md):
//
//   [shv.settings.firewall]           required = true       (Firewall)
//                                     allow_snoozed = true
//   [shv.settings.antivirus]          required = true       (AntiVirusRealTime)
//                                     up_to_date = true     (AntiVirusUptoDate)
//                                     allow_snoozed = true
//   [shv.settings.antispyware]        required = true       (AntiSpywareScanEnabled)
//                                     up_to_date = true     (AntiSpywareUptoDate)
//                                     allow_snoozed = true
//   [shv.settings.automatic_updates]  required = true       (AutoUpdate)
//   [shv.settings.security_updates]   required = false      (EnforceUpdates)
//                                     minimum_severity = "important"  (MinimumSeverityRating)
//                                     max_hours_since_sync = 22        (MaxDurationSinceLastSync)
//                                     allow_windows_update = true      (WUAllowed)
//                                     allow_wsus = false               (WSUSAllowed)
//
// The WSHA reports no signature age and no scan date -- only an "up to date" bit per product and
// the seconds since the last update scan -- so those are the only ages a policy can bound.
//
// Validation (3.3.5.2, with the choices marked CHOSEN in docs/server-config.md):
//   * no WSHA entry in the SoH -> Compliance-Result-Codes [NAP_E_MISSING_SOH] (nap-api.md §14.1);
//   * an entry the NAP agent generated because the WSHA failed (MS-SystemGenerated-Ids) ->
//     Failure-Category echoing the agent's category (ClientComponent if it gave none), so that
//     the server's failure-category mapping decides;
//   * an entry that soh::wsha::parse_soh_entry() rejects -> Compliance-Result-Codes
//     [NAP_E_INVALID_PACKET] (where the WSHV abandons the SoH, 3.3.5.2, or answers
//     E_MSSHV_WUS_SHC_FAILURE, 3.3.5.1); a nameless firewall / antivirus / antispyware status
//     that is not an error code is evaluated as a product without a name (the compact layout);
//   * otherwise the [MS-WSH] 2.2.3 SoHR: per class Health-Class, Compliance-Result-Codes (one
//     code for firewall and automatic updates, two for the others), and Failure-Category 2 after
//     an echoed client error where 3.3.5.2 puts one. Antispyware is answered iff the SoH has it.
//     The verdict is Compliant iff every code is S_OK.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "opennap/policy/config_error.h"
#include "opennap/policy/shv_settings.h"
#include "opennap/policy/toml_check.h"
#include "opennap/policy/verdict.h"
#include "opennap/soh/error.h"
#include "opennap/soh/message.h"
#include "opennap/soh/wsha.h"

namespace opennap::shvs::wshv {

// Firewall, antivirus and antispyware.
struct ProductPolicy {
    bool required = true;       // a product must be installed and enabled
    bool up_to_date = true;     // its signatures must be current (antivirus, antispyware only)
    bool allow_snoozed = true;  // a snoozed (temporarily paused) product still counts as enabled
    friend bool operator==(const ProductPolicy&, const ProductPolicy&) = default;
};

struct SecurityUpdatesPolicy {
    bool required = false;
    // Updates of this severity and above must be installed: one of the updates_flag severity
    // bits (0x40 unspecified .. 0x400 critical).
    std::uint32_t minimum_severity = soh::wsha::updates_flag::kSeverityImportant;
    std::chrono::seconds max_since_sync{79200};  // 22 hours
    bool allow_windows_update = true;
    bool allow_wsus = false;  // Microsoft Update is always allowed
    friend bool operator==(const SecurityUpdatesPolicy&, const SecurityUpdatesPolicy&) = default;
};

struct Settings {
    ProductPolicy firewall{true, false, true};
    ProductPolicy antivirus{};
    ProductPolicy antispyware{};
    bool automatic_updates_required = true;
    SecurityUpdatesPolicy security_updates{};
    friend bool operator==(const Settings&, const Settings&) = default;
};

// Reads `table` (the settings table at `key`) into `out`, reporting every mistake through
// `checker`; keys that are absent keep their value in `out`.
void check_settings(const toml::table& table, std::string_view key, policy::TomlChecker& checker,
                    Settings& out);
// The settings of a parsed [[shv]] entry; every mistake, sorted, when there are any.
[[nodiscard]] std::expected<Settings, std::vector<policy::ConfigError>> parse_settings(
    const policy::ShvSettingsTable& table);
// The hook for policy::ParseOptions::wsha_settings.
[[nodiscard]] policy::ShvSettingsCheck settings_check();

struct Result {
    policy::ShvVerdict verdict;
    soh::ReportEntry response;       // the SoHR report entry (System-Health-ID 0x00013780)
    soh::wsha::SohrEntry classes;    // per-class results; empty unless the entry was evaluated
    std::vector<std::string> hints;  // what is wrong and what to do, one line each
    std::optional<soh::DecodeError> error;  // why the entry could not be evaluated
};

// `entry` is the WSHA's SoHReportEntry (nullopt: the SoH has none); `system_generated` is true
// when the NAP agent built it on the WSHA's behalf.
[[nodiscard]] Result validate(const Settings& settings, const std::optional<soh::EntryView>& entry,
                              bool system_generated = false);
// The same for an owned entry (offsets in errors are relative to the entry).
[[nodiscard]] Result validate(const Settings& settings, const soh::ReportEntry& entry,
                              bool system_generated = false);
// What a caller needs of a Result. napserver sends the response and reads the verdict back from
// it (the policy engine does that for every SHV alike), so building the verdict and the hints'
// sentences there was work thrown away on every request.
enum class Want : std::uint8_t {
    All,       // every field
    Response,  // `response` and `classes` (and `error`); `verdict` and `hints` are left empty
               // when the entry was evaluated
};

// The same for the NAP API's SoH as the SHV host hands it, read as the WSHA's whatever its
// System-Health-ID (0x00013780, or OpenNAP's security-center 0x007ED901: the same layout):
// exactly as validate(settings, e, system_generated) where e = soh::to_entry(soh) with
// e.id = soh::wsha::kSystemHealthId, without copying the attributes; with Want::Response, the
// same response.
[[nodiscard]] Result validate_as_wsha(const Settings& settings, const SoH& soh,
                                      bool system_generated = false, Want want = Want::All);
// Finds the WSHA entry in a decoded SoH and whether MS-SystemGenerated-Ids lists it.
[[nodiscard]] Result validate(const Settings& settings, const soh::MessageView& request);

}  // namespace opennap::shvs::wshv
