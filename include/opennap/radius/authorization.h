// The standard RFC 2865 authorization attributes a health policy puts in its Access-Accept besides
// the MS-RNAP ones (ms_rnap.h) and the VLAN assignment (tunnel.h): Session-Timeout and Filter-Id
// (docs/radius.md).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "opennap/radius/packet.h"

namespace opennap::radius {

// Session-Timeout (27, RFC 2865 §5.27): seconds until the NAS ends the session, a 32-bit integer.
// Negative or above 2^32 - 1 seconds: BadValue.
PacketBuilder& add_session_timeout(PacketBuilder& builder, std::chrono::seconds timeout);
// The Session-Timeout of an answer: 4 octets (BadLength), at most one (Duplicate).
[[nodiscard]] Result<std::optional<std::chrono::seconds>> session_timeout(const PacketView& packet);

// Filter-Id (11, RFC 2865 §5.11): the name of a filter list the NAS applies, 1-253 octets
// (empty: BadLength). A packet may carry several.
PacketBuilder& add_filter_id(PacketBuilder& builder, std::string_view filter);

}  // namespace opennap::radius
