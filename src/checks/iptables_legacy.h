// Internal: the INPUT chain of the legacy filter table through libiptc (IPv4) and libip6tc
// (IPv6). Their headers cannot share one translation unit, hence two sources.
#pragma once

#include "opennap/checks/firewall.h"

namespace opennap::checks::detail {

[[nodiscard]] Result<InputChain> read_ip4tables_input();
[[nodiscard]] Result<InputChain> read_ip6tables_input();

}  // namespace opennap::checks::detail
