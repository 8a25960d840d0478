// The agent's log verbosity, set in NapTracingLevel terms (nap-api.md §5; `napctl trace-level`).
// Basic logs state changes and problems (info and above), Advanced adds per-call detail (debug),
// Debug everything (trace); Undefined logs only warnings and errors.
#pragma once

#include "opennap/core/nap_types.h"

namespace opennap::agent {

void set_tracing_level(NapTracingLevel level);
[[nodiscard]] NapTracingLevel tracing_level();

}  // namespace opennap::agent
