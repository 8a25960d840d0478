#include "opennap/radius/tunnel.h"

#include <array>
#include <charconv>
#include <cstring>

#include "internal.h"
#include "opennap/radius/dictionary.h"

namespace opennap::radius {

using detail::attribute_error;
using detail::u32;

namespace {

Error error_at(Errc code, Field field, std::size_t offset, const AttributeView& a,
               std::uint32_t value = 0, std::uint32_t limit = 0) {
    return attribute_error(code, field, offset, a.index, static_cast<std::uint8_t>(a.type), value,
                           limit);
}

Error builder_error(const PacketBuilder& b, Errc code, Attr type, std::uint32_t value,
                    std::uint32_t limit) {
    return attribute_error(code, Field::Value, b.size(),
                           static_cast<std::uint16_t>(b.attribute_count() + 1),
                           static_cast<std::uint8_t>(type), value, limit);
}

}  // namespace

Result<TaggedInteger> decode_tagged_integer(const AttributeView& a) noexcept {
    if (a.value.size() != 4) {
        return std::unexpected(
            error_at(Errc::BadLength, Field::Attribute, a.offset, a, u32(a.value.size() + 2), 6));
    }
    if (a.value[0] > kMaxTunnelTag) {
        return std::unexpected(
            error_at(Errc::BadValue, Field::Value, a.offset + 2, a, a.value[0], kMaxTunnelTag));
    }
    return TaggedInteger{a.value[0], (std::uint32_t{a.value[1]} << 16) |
                                         (std::uint32_t{a.value[2]} << 8) | a.value[3]};
}

Result<TaggedString> decode_tagged_string(const AttributeView& a) noexcept {
    if (a.value.empty()) {
        return std::unexpected(error_at(Errc::BadLength, Field::Attribute, a.offset, a, 2, 3));
    }
    TaggedString out;
    if (a.value[0] <= kMaxTunnelTag) {
        out.tag = a.value[0];
        out.has_tag_octet = true;
        out.string = a.value.subspan(1);
    } else {
        out.string = a.value;
    }
    return out;
}

PacketBuilder& add_tagged_integer(PacketBuilder& builder, Attr type, std::uint8_t tag,
                                  std::uint32_t value) {
    if (!builder.ok()) {
        return builder;
    }
    if (tag > kMaxTunnelTag) {
        builder.record_error(builder_error(builder, Errc::BadValue, type, tag, kMaxTunnelTag));
        return builder;
    }
    if (value > kMaxTaggedInteger) {
        builder.record_error(
            builder_error(builder, Errc::BadValue, type, value, kMaxTaggedInteger));
        return builder;
    }
    const MutableBytes out = builder.append(type, 4);
    if (out.size() == 4) {
        out[0] = tag;
        out[1] = static_cast<std::uint8_t>(value >> 16);
        out[2] = static_cast<std::uint8_t>(value >> 8);
        out[3] = static_cast<std::uint8_t>(value);
    }
    return builder;
}

PacketBuilder& add_tagged_string(PacketBuilder& builder, Attr type, std::uint8_t tag,
                                 std::string_view string) {
    if (!builder.ok()) {
        return builder;
    }
    if (tag > kMaxTunnelTag) {
        builder.record_error(builder_error(builder, Errc::BadValue, type, tag, kMaxTunnelTag));
        return builder;
    }
    const bool tag_octet =
        tag != 0 || string.empty() || static_cast<std::uint8_t>(string[0]) <= kMaxTunnelTag;
    const std::size_t size = string.size() + (tag_octet ? 1 : 0);
    const MutableBytes out = builder.append(type, size);
    if (out.size() == size && size != 0) {
        std::size_t pos = 0;
        if (tag_octet) {
            out[pos++] = tag;
        }
        std::memcpy(out.data() + pos, string.data(), string.size());
    }
    return builder;
}

// ---- VLAN --------------------------------------------------------------------------------------

PacketBuilder& add_vlan(PacketBuilder& builder, std::string_view group, std::uint8_t tag) {
    if (group.empty() && builder.ok()) {
        builder.record_error(
            builder_error(builder, Errc::BadLength, Attr::TunnelPrivateGroupId, 0, 1));
    }
    add_tagged_integer(builder, Attr::TunnelType, tag,
                       static_cast<std::uint32_t>(TunnelType::Vlan));
    add_tagged_integer(builder, Attr::TunnelMediumType, tag,
                       static_cast<std::uint32_t>(TunnelMediumType::Ieee802));
    return add_tagged_string(builder, Attr::TunnelPrivateGroupId, tag, group);
}

PacketBuilder& add_vlan(PacketBuilder& builder, std::uint16_t vlan_id, std::uint8_t tag) {
    if (vlan_id < 1 || vlan_id > 4094) {
        if (builder.ok()) {
            builder.record_error(
                builder_error(builder, Errc::BadValue, Attr::TunnelPrivateGroupId, vlan_id, 4094));
        }
        return builder;
    }
    std::array<char, 8> text{};
    const auto r = std::to_chars(text.data(), text.data() + text.size(), vlan_id);
    return add_vlan(
        builder, std::string_view(text.data(), static_cast<std::size_t>(r.ptr - text.data())), tag);
}

std::optional<std::uint16_t> VlanAssignment::vlan_id() const noexcept {
    if (group.empty() || group.size() > 4 || group[0] == '0') {
        return std::nullopt;
    }
    unsigned id = 0;
    const auto r = std::from_chars(group.data(), group.data() + group.size(), id);
    if (r.ec != std::errc() || r.ptr != group.data() + group.size() || id < 1 || id > 4094) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(id);
}

Result<std::optional<VlanAssignment>> vlan_assignment(const PacketView& packet, std::uint8_t tag) {
    std::optional<TaggedInteger> type;
    std::optional<TaggedInteger> medium;
    std::optional<TaggedString> group;
    std::optional<AttributeView> medium_attr;
    std::optional<AttributeView> group_attr;
    for (const AttributeView& a : packet.attributes()) {
        if (a.type == Attr::TunnelType || a.type == Attr::TunnelMediumType) {
            auto v = decode_tagged_integer(a);
            if (!v) {
                return std::unexpected(v.error());
            }
            if (v->tag != tag) {
                continue;
            }
            auto& slot = a.type == Attr::TunnelType ? type : medium;
            if (slot) {
                return std::unexpected(error_at(Errc::Duplicate, Field::Attribute, a.offset, a));
            }
            slot = *v;
            if (a.type == Attr::TunnelMediumType) {
                medium_attr = a;
            }
        } else if (a.type == Attr::TunnelPrivateGroupId) {
            auto v = decode_tagged_string(a);
            if (!v) {
                return std::unexpected(v.error());
            }
            if (v->tag != tag) {
                continue;
            }
            if (group) {
                return std::unexpected(error_at(Errc::Duplicate, Field::Attribute, a.offset, a));
            }
            group = *v;
            group_attr = a;
        }
    }
    if (!type && !medium && !group) {
        return std::optional<VlanAssignment>();
    }
    if (type && type->value != static_cast<std::uint32_t>(TunnelType::Vlan)) {
        return std::optional<VlanAssignment>();
    }
    const auto missing = [&](Attr t) {
        Error e;
        e.code = Errc::Missing;
        e.field = Field::Attribute;
        e.offset = u32(packet.length());
        e.type = static_cast<std::uint8_t>(t);
        e.value = tag;
        return std::unexpected(e);
    };
    if (!type) {
        return missing(Attr::TunnelType);
    }
    if (!medium) {
        return missing(Attr::TunnelMediumType);
    }
    if (!group) {
        return missing(Attr::TunnelPrivateGroupId);
    }
    if (medium->value != static_cast<std::uint32_t>(TunnelMediumType::Ieee802)) {
        return std::unexpected(error_at(Errc::BadValue, Field::Value, medium_attr->offset + 3,
                                        *medium_attr, medium->value,
                                        static_cast<std::uint32_t>(TunnelMediumType::Ieee802)));
    }
    if (group->string.empty()) {
        return std::unexpected(
            error_at(Errc::BadValue, Field::Value, group_attr->offset + 2, *group_attr, 0));
    }
    VlanAssignment out;
    out.tag = tag;
    out.group =
        std::string_view(reinterpret_cast<const char*>(group->string.data()), group->string.size());
    return std::optional<VlanAssignment>(out);
}

}  // namespace opennap::radius
