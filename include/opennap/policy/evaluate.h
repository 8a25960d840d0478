// The policy decision for one request: the SHVs' verdicts go through the health policies, the
// network policies are tried in order, and the first that matches decides the access, the
// isolation state for the SoHR and the RADIUS reply extras. Pure and deterministic ("now" is an
// input); it allocates only for the Decision it returns. The rules, and every choice made where
// NPS and the NAP documents are silent, are in docs/server-config.md.
//
//   * Per SHV (each configured [[shv]]): pass or fail. Compliant passes, NonCompliant fails,
//     Failed uses that SHV's failure-category mapping, Unavailable (or no verdict given for a
//     configured SHV) uses the mapping for failureCategoryServerComponent. Flags for health
//     policies: unavailable (Unavailable); transitional (extended state Transition, or Failed
//     with ClientCommunication -- the SHA has no SoH yet); infected (extended state Infected);
//     unknown (extended state Unknown, Unavailable, or Failed with any other category but None).
//     Verdicts for ids that no [[shv]] configures are ignored.
//   * Health policy: its condition over its SHVs (HealthCondition, Combine). Without an SoH only
//     "not-nap-capable" matches; with one, "not-nap-capable" never does.
//   * Network policy: every condition given must match; the first match wins; no match -> deny
//     (as NPS does).
//   * Grant: full / probation / restricted / deny. probation_for ends at now + duration;
//     probation_until in the past (or now) gives restricted access instead (the grace period is
//     over). fixup (the SoHR's "f" bit, auto-remediation) is auto_remediation for restricted and
//     probation. The extended state is the network policy's extended_state if set; otherwise
//     NoData for full access and clients without an SoH, else, over the health policy's SHVs (all
//     SHVs without one), Infected, Transition or Unknown if any SHV is flagged so, in that order,
//     else NoData.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "opennap/core/ids.h"
#include "opennap/core/nap_types.h"
#include "opennap/policy/address.h"
#include "opennap/policy/config.h"
#include "opennap/policy/verdict.h"

namespace opennap::policy {

// What the request says about itself (filled by the RADIUS front-end from the Access-Request and
// the decoded SoH).
struct RequestFacts {
    // MS-Network-Access-Server-Type; when absent, the RADIUS client's nas_type hint is used.
    std::optional<NasType> nas_type;
    std::optional<IpAddress> client_address;  // the RADIUS client (UDP source) address
    std::optional<IpAddress> nas_address;     // NAS-IP-Address or NAS-IPv6-Address
    std::string_view machine_name;            // MS-MachineName without trailing NULs; "" if none
    bool soh_present = false;                 // an SoH was present and decoded
    FileTime now;                             // the current time (probation arithmetic)
};

enum class Access : std::uint8_t { full, probation, restricted, deny };
[[nodiscard]] std::string_view to_string(Access a) noexcept;

// One configured SHV's part in the decision.
struct ShvOutcome {
    SystemHealthEntityId id = 0;
    ShvVerdict::Status status = ShvVerdict::Status::Unavailable;
    bool pass = false;
    bool transitional = false;
    bool infected = false;
    bool unknown = false;
    bool unavailable = false;
    friend bool operator==(const ShvOutcome&, const ShvOutcome&) = default;
};

struct Decision {
    Access access = Access::deny;
    std::string network_policy;  // the policy that matched; "" when none did (default deny)
    std::string health_policy;   // that policy's health policy; "" when it has none
    // The SoHR's MS-Quarantine-State (meaningless for deny, where no SoHR is sent).
    IsolationState isolation_state = IsolationState::RestrictedAccess;
    ExtendedIsolationState extended_state = ExtendedIsolationState::NoData;
    std::optional<FileTime> probation_end;  // set iff access is probation
    std::string remediation_group;          // "" when none
    std::vector<IpAddress> remediation_servers;
    std::string help_url;
    bool fixup = false;  // auto-remediation: the SoHR's "f" bit
    // RADIUS reply extras (never for deny).
    std::optional<std::uint32_t> session_timeout;
    std::string filter_id;
    std::string vlan;
    std::vector<ShvOutcome> shvs;      // one per configured SHV, in configuration order
    std::vector<std::string> reasons;  // for the audit log, in the order they were decided

    // MS-Quarantine-State for the Access-Accept ([MS-RNAP] VSA 45): 0 full access, 1 restricted,
    // 2 probation.
    [[nodiscard]] std::uint32_t ms_quarantine_state() const noexcept;
    // MS-Quarantine-Grace-Time (VSA 46): the probation end as Unix seconds (rounded down,
    // clamped to 0..0xFFFFFFFF); nullopt unless access is probation.
    [[nodiscard]] std::optional<std::uint32_t> ms_quarantine_grace_time() const noexcept;
};

// Decides one request. `verdicts` may be in any order; a configured SHV without a verdict is
// Unavailable; a second verdict for the same id is ignored.
[[nodiscard]] Decision evaluate(const ServerConfig& config, const RequestFacts& facts,
                                std::span<const ShvVerdict> verdicts);

}  // namespace opennap::policy
