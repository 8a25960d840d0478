// RFC 2868 tunnel attributes and the RFC 3580 VLAN assignment a health policy emits
// (docs/radius.md).
//
// Tagged attributes group the attributes of one tunnel: Tag 0x01-0x1F names the group, 0x00
// means "untagged".
//   Integer form (Tunnel-Type 64, Tunnel-Medium-Type 65; RFC 2868 §3.1, §3.2):
//     type 06 | Tag(1, 0x00-0x1F) | Value(3, big-endian)      -- the Tag octet is always there
//   String form (Tunnel-Private-Group-ID 81 and the other string tunnel attributes, §3.6):
//     type len | [Tag(1)] | String
//     A first octet 0x01-0x1F is a Tag; a first octet above 0x1F is already the String (no Tag).
//     §3.6 does not say what a first octet 0x00 is; OpenNAP reads it as the "untagged" Tag,
//     as FreeRADIUS and the integer form do.
// Encoding a String with Tag 0: the Tag octet is left out when the String's first octet is
// above 0x1F (what RFC 2868 implementations send for an untagged VLAN "10"), and written as
// 0x00 otherwise so that the String's first octet is not taken for a Tag.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "opennap/radius/packet.h"

namespace opennap::radius {

inline constexpr std::uint8_t kMaxTunnelTag = 0x1F;
inline constexpr std::uint32_t kMaxTaggedInteger = 0xFFFFFF;

struct TaggedInteger {
    std::uint8_t tag = 0;
    std::uint32_t value = 0;  // 24 bits
    friend bool operator==(const TaggedInteger&, const TaggedInteger&) = default;
};

struct TaggedString {
    std::uint8_t tag = 0;
    bool has_tag_octet = false;  // whether the value began with a Tag octet
    Bytes string;                // points into the datagram
};

// Integer form: value length exactly 4 (BadLength), Tag <= 0x1F (BadValue).
[[nodiscard]] Result<TaggedInteger> decode_tagged_integer(const AttributeView& attribute) noexcept;
// String form: at least one octet (BadLength). The String may be empty after a Tag octet.
[[nodiscard]] Result<TaggedString> decode_tagged_string(const AttributeView& attribute) noexcept;

// Errors: Tag above 0x1F or value above 24 bits (BadValue), String over 252 octets with a Tag
// octet / 253 without (TooLong).
PacketBuilder& add_tagged_integer(PacketBuilder& builder, Attr type, std::uint8_t tag,
                                  std::uint32_t value);
PacketBuilder& add_tagged_string(PacketBuilder& builder, Attr type, std::uint8_t tag,
                                 std::string_view string);

// ---- VLAN assignment (RFC 3580 §3.31) ----------------------------------------------------------

// Tunnel-Type = VLAN (13), Tunnel-Medium-Type = IEEE-802 (6), Tunnel-Private-Group-ID = `group`,
// all with `tag`. `group` is the VLAN ID in decimal ("10") or a VLAN name; it must not be empty
// (BadLength).
PacketBuilder& add_vlan(PacketBuilder& builder, std::string_view group, std::uint8_t tag = 0);
// The same with a numeric VLAN ID 1-4094 (else BadValue), written in decimal.
PacketBuilder& add_vlan(PacketBuilder& builder, std::uint16_t vlan_id, std::uint8_t tag = 0);

struct VlanAssignment {
    std::uint8_t tag = 0;
    std::string_view group;  // Tunnel-Private-Group-ID, points into the datagram
    // The group as a VLAN ID when it is a decimal number 1-4094.
    [[nodiscard]] std::optional<std::uint16_t> vlan_id() const noexcept;
};

// The VLAN assignment of tunnel group `tag` (0: untagged): nullopt when the packet has no
// tunnel attribute with that tag or when its Tunnel-Type is not VLAN. Errors: a malformed
// Tunnel-Type / Tunnel-Medium-Type / Tunnel-Private-Group-ID (any tag: its own tag cannot be
// trusted), two of one kind with this tag (Duplicate), a VLAN group lacking one of the three
// (Missing, type = the absent attribute), Tunnel-Medium-Type other than IEEE-802 (BadValue), an
// empty group (BadValue).
[[nodiscard]] Result<std::optional<VlanAssignment>> vlan_assignment(const PacketView& packet,
                                                                    std::uint8_t tag = 0);

}  // namespace opennap::radius
