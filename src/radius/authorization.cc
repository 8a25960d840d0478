#include "opennap/radius/authorization.h"

#include "internal.h"

namespace opennap::radius {

using detail::attribute_error;
using detail::u32;

PacketBuilder& add_session_timeout(PacketBuilder& builder, std::chrono::seconds timeout) {
    const auto s = timeout.count();
    if (s < 0 || s > static_cast<std::int64_t>(UINT32_MAX)) {
        if (builder.ok()) {
            builder.record_error(
                attribute_error(Errc::BadValue, Field::Value, builder.size(),
                                static_cast<std::uint16_t>(builder.attribute_count() + 1),
                                static_cast<std::uint8_t>(Attr::SessionTimeout),
                                static_cast<std::uint32_t>(s), UINT32_MAX));
        }
        return builder;
    }
    return builder.add_u32(Attr::SessionTimeout, static_cast<std::uint32_t>(s));
}

Result<std::optional<std::chrono::seconds>> session_timeout(const PacketView& packet) {
    std::optional<AttributeView> found;
    for (const AttributeView& a : packet.attributes()) {
        if (a.type != Attr::SessionTimeout) {
            continue;
        }
        if (found) {
            return std::unexpected(attribute_error(Errc::Duplicate, Field::Attribute, a.offset,
                                                   a.index, static_cast<std::uint8_t>(a.type)));
        }
        found = a;
    }
    if (!found) {
        return std::optional<std::chrono::seconds>();
    }
    if (found->value.size() != 4) {
        return std::unexpected(attribute_error(Errc::BadLength, Field::Attribute, found->offset,
                                               found->index, static_cast<std::uint8_t>(found->type),
                                               u32(found->value.size() + 2), 6));
    }
    return std::optional<std::chrono::seconds>(
        std::chrono::seconds(load_be32(found->value.data())));
}

PacketBuilder& add_filter_id(PacketBuilder& builder, std::string_view filter) {
    if (filter.empty()) {
        if (builder.ok()) {
            builder.record_error(
                attribute_error(Errc::BadLength, Field::Attribute, builder.size(),
                                static_cast<std::uint16_t>(builder.attribute_count() + 1),
                                static_cast<std::uint8_t>(Attr::FilterId), 2, 3));
        }
        return builder;
    }
    return builder.add(Attr::FilterId, filter);
}

}  // namespace opennap::radius
