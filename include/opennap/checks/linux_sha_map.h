// From the Linux checks' measurements to the Linux SHA's SoH (soh/linux_soh.h): what napsha sends
// under linux_sha_id. Pure. Checks outside the report's mask are left out (the SHV then answers
// "missing" for the ones its policy requires); a disabled check is NotApplicable with its reason.
#pragma once

#include <cstdint>
#include <string>

#include "opennap/checks/measure.h"
#include "opennap/soh/linux_soh.h"

namespace opennap::checks {

[[nodiscard]] soh::linux_sha::Soh to_linux_soh(const Report& report, std::uint32_t id,
                                               std::string version);

}  // namespace opennap::checks
