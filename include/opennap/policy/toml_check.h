// policy::TomlChecker is the project's configuration reader (include/opennap/config/toml_check.h).
#pragma once

#include "opennap/config/toml_check.h"
#include "opennap/policy/config_error.h"

namespace opennap::policy {

using config::closest;
using config::dotted;
using config::indexed;
using config::quote_text;
using config::toml_type_name;
using config::TomlChecker;

}  // namespace opennap::policy
