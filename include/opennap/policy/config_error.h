// policy::ConfigError is the project's configuration error (include/opennap/config/config_error.h).
#pragma once

#include "opennap/config/config_error.h"

namespace opennap::policy {

using config::ConfigError;
using config::sort_errors;

}  // namespace opennap::policy
