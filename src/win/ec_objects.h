// What the other src/win files need to know about the enforcement client objects. Internal.
#pragma once

#include <memory>

#include "opennap/agent/connection.h"

#include "NapEnforcementClient.h"

namespace opennap::win {

// Private IID answered only by OpenNAP's connection objects: QueryInterface with it returns the
// object itself, which is how a COM connection is mapped back to its C++ connection.
// 6F1D1C0E-5A57-4C43-9D8E-2B7F0A4C9E31
inline constexpr IID IID_OpenNapConnectionObject = {
    0x6F1D1C0E, 0x5A57, 0x4C43, {0x9D, 0x8E, 0x2B, 0x7F, 0x0A, 0x4C, 0x9E, 0x31}};

// The C++ connection behind one of our COM connection objects; nullptr for NULL and for objects
// that are not ours.
std::shared_ptr<agent::Connection> connection_of(INapEnforcementClientConnection* connection);

}  // namespace opennap::win
