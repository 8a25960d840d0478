// Vendor-Specific attributes (type 26, RFC 2865 §5.26) and their sub-attributes
// (docs/radius.md).
//
//   1a Length | Vendor-Id(4, big-endian) | String...              (Length >= 7)
//   String in the RFC's suggested format, used by Microsoft and most vendors:
//     Vendor-Type(1) Vendor-Length(1, >= 2, counts type + length + value) Value ...
//   One VSA may hold several sub-attributes back to back; they must fill String exactly.
//
// Malformed VSAs are errors of the accessor that reads them, never of decode_packet(): a packet
// whose Vendor-Specific attribute is malformed still decodes, its other attributes stay readable,
// and a server may still answer it (RFC 2865 leaves the VSA's content to the vendor, and
// RFC 6929 says an invalid attribute is to be handled like an unknown one).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>

#include "opennap/radius/packet.h"

namespace opennap::radius {

inline constexpr std::size_t kVendorIdSize = 4;
inline constexpr std::size_t kMinVsaLength = 7;    // type, length, Vendor-Id, >= 1 octet
inline constexpr std::size_t kMaxVsaString = 249;  // 255 - 6
inline constexpr std::size_t kSubAttributeHeaderSize = 2;
inline constexpr std::size_t kMaxSubAttributeValue = 247;  // 255 - 8 (one sub-attribute)

struct VsaView;
[[nodiscard]] Result<VsaView> decode_vsa(const AttributeView& attribute) noexcept;

// One vendor sub-attribute; `value` points into the datagram.
struct SubAttributeView {
    std::uint8_t vendor_type = 0;
    Bytes value;
    std::uint32_t offset = 0;  // of its Vendor-Type octet, from the start of the packet
    std::uint16_t index = 0;   // 1-based position in its VSA
};

// Forward iteration over sub-attributes that decode_vsa() already validated.
class SubAttributeIterator {
  public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = SubAttributeView;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = SubAttributeView;

    SubAttributeIterator() = default;
    SubAttributeView operator*() const noexcept;
    SubAttributeIterator& operator++() noexcept;
    SubAttributeIterator operator++(int) noexcept {
        SubAttributeIterator old = *this;
        ++*this;
        return old;
    }
    friend bool operator==(const SubAttributeIterator& a, const SubAttributeIterator& b) noexcept {
        return a.pos_ == b.pos_;
    }

  private:
    friend class SubAttributeRange;
    SubAttributeIterator(Bytes string, std::uint32_t base, std::size_t pos,
                         std::uint16_t index) noexcept
        : string_(string), base_(base), pos_(pos), index_(index) {}
    Bytes string_;
    std::uint32_t base_ = 0;  // packet offset of string_[0]
    std::size_t pos_ = 0;
    std::uint16_t index_ = 0;
};

class SubAttributeRange {
  public:
    SubAttributeRange() = default;
    [[nodiscard]] SubAttributeIterator begin() const noexcept { return {string_, base_, 0, 1}; }
    [[nodiscard]] SubAttributeIterator end() const noexcept {
        return {string_, base_, string_.size(), 0};
    }
    [[nodiscard]] bool empty() const noexcept { return string_.empty(); }

  private:
    friend Result<VsaView> decode_vsa(const AttributeView& attribute) noexcept;
    SubAttributeRange(Bytes string, std::uint32_t base) noexcept : string_(string), base_(base) {}
    Bytes string_;
    std::uint32_t base_ = 0;
};

// A validated Vendor-Specific attribute in the RFC 2865 suggested format.
struct VsaView {
    AttributeView attribute;
    std::uint32_t vendor = 0;
    Bytes string;  // everything after the Vendor-Id
    SubAttributeRange sub_attributes;
    std::uint16_t sub_attribute_count = 0;
};

// The Vendor-Id of a Vendor-Specific attribute, checking only type 26 (BadType) and
// Length >= 7 (BadLength, Field::VendorSpecific). For vendors whose String is not in the
// suggested format: read the String as attribute.value.subspan(4).
[[nodiscard]] Result<std::uint32_t> vendor_id(const AttributeView& attribute) noexcept;

// vendor_id() plus the sub-attribute walk: every Vendor-Length >= 2 (BadLength) and inside the
// VSA (LengthOverrun), one octet left over is Truncated. Errors name the attribute, the vendor
// and the sub-attribute (index, vendor type, offset of its Vendor-Type octet).
[[nodiscard]] Result<VsaView> decode_vsa(const AttributeView& attribute) noexcept;

// Calls visit(const VsaView&, const SubAttributeView&) for every sub-attribute of every VSA of
// `vendor` in packet order, until visit returns false. A VSA of `vendor` that is malformed, or a
// VSA too short to name its vendor (it might be one of `vendor`'s), stops the walk with its
// error: the attribute asked for could be hidden in it, so "absent" would not be a safe answer.
// VSAs of other vendors are not examined past their Vendor-Id.
template <typename Visit>
Result<void> for_each_vendor_attribute(const PacketView& packet, std::uint32_t vendor,
                                       Visit&& visit) {
    for (const AttributeView& a : packet.attributes()) {
        if (a.type != Attr::VendorSpecific) {
            continue;
        }
        if (a.value.size() >= kVendorIdSize && load_be32(a.value.data()) != vendor) {
            continue;
        }
        auto vsa = decode_vsa(a);
        if (!vsa) {
            return std::unexpected(vsa.error());
        }
        for (const SubAttributeView& s : vsa->sub_attributes) {
            if (!visit(*vsa, s)) {
                return {};
            }
        }
    }
    return {};
}

// ---- Encoding ----------------------------------------------------------------------------------

struct SubAttribute {
    std::uint8_t vendor_type = 0;
    Bytes value;
};

// One VSA of `vendor` holding `subs` in order. Errors (recorded in the builder): no
// sub-attribute (Missing), String over 249 octets (TooLong, Field::VendorSpecific), plus the
// builder's own (packet over 4096 octets).
PacketBuilder& add_vsa(PacketBuilder& builder, std::uint32_t vendor,
                       std::span<const SubAttribute> subs);
// One VSA holding one sub-attribute (value <= 247 octets).
PacketBuilder& add_vsa(PacketBuilder& builder, std::uint32_t vendor, std::uint8_t vendor_type,
                       Bytes value);
// One VSA holding a big-endian 32-bit integer.
PacketBuilder& add_vsa_u32(PacketBuilder& builder, std::uint32_t vendor, std::uint8_t vendor_type,
                           std::uint32_t value);

}  // namespace opennap::radius
