// The component ids OpenNAP's own components use (nap-api.md §3.5: the vendor's SMI private
// enterprise code in the upper three bytes, the component number in the low byte).
//
// OpenNAP has no IANA private enterprise number of its own, so it uses 32473, the number RFC 5612
// reserves for documentation and examples: it can never collide with a real vendor's components.
// A deployment that owns an enterprise number sets its own ids in the configuration files.
#pragma once

#include <cstdint>

#include "opennap/core/nap_types.h"

namespace opennap::ids {

inline constexpr std::uint32_t kOpenNapEnterprise = 32473;  // RFC 5612

// System health agents (docs/checks.md) and their validators.
inline constexpr SystemHealthEntityId kSecurityCenterSha =
    make_component_id(kOpenNapEnterprise, 0x01);
inline constexpr SystemHealthEntityId kLinuxSha = make_component_id(kOpenNapEnterprise, 0x02);
// Enforcement clients.
inline constexpr EnforcementEntityId kRadiusEc = make_component_id(kOpenNapEnterprise, 0x10);

}  // namespace opennap::ids
