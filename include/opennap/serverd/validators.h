// napserver's SHVs: the registration of each [[shv]] of server.toml with the SHV host
// (opennap/server/shv_host.h). The built-in Windows Security Health Validator runs inline (it
// never blocks); a plug-in runs in an opennap-shvhost helper process of its own, so that a crash
// fails only its own check (docs/shv.md).
#pragma once

#include <string>

#include "opennap/policy/config.h"
#include "opennap/server/shv_host.h"

namespace opennap::serverd {

// The registration for `shv`. Errors (a sentence naming the SHV): settings the built-in SHV
// rejects, a plug-in that is not an absolute path.
[[nodiscard]] std::expected<server::ValidatorRegistration, std::string> registration_for(
    const policy::ShvConfig& shv);

}  // namespace opennap::serverd
