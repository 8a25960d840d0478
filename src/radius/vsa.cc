#include "opennap/radius/vsa.h"

#include <cstring>

#include "internal.h"

namespace opennap::radius {

using detail::attribute_error;
using detail::u32;

SubAttributeView SubAttributeIterator::operator*() const noexcept {
    const std::size_t length = string_[pos_ + 1];
    return SubAttributeView{string_[pos_], string_.subspan(pos_ + 2, length - 2), base_ + u32(pos_),
                            index_};
}

SubAttributeIterator& SubAttributeIterator::operator++() noexcept {
    pos_ += string_[pos_ + 1];
    ++index_;
    return *this;
}

namespace {

constexpr auto kVsaType = static_cast<std::uint8_t>(Attr::VendorSpecific);

Error vsa_error(Errc code, Field field, std::size_t offset, const AttributeView& a,
                std::uint32_t vendor, std::uint32_t value, std::uint32_t limit) {
    Error e = attribute_error(code, field, offset, a.index, static_cast<std::uint8_t>(a.type),
                              value, limit);
    e.vendor = vendor;
    return e;
}

}  // namespace

Result<std::uint32_t> vendor_id(const AttributeView& a) noexcept {
    if (a.type != Attr::VendorSpecific) {
        return std::unexpected(attribute_error(Errc::BadType, Field::Attribute, a.offset, a.index,
                                               static_cast<std::uint8_t>(a.type),
                                               static_cast<std::uint8_t>(a.type), kVsaType));
    }
    const std::size_t length = a.value.size() + kAttributeHeaderSize;
    if (length < kMinVsaLength) {
        const std::uint32_t vendor =
            a.value.size() >= kVendorIdSize ? load_be32(a.value.data()) : 0;
        return std::unexpected(vsa_error(Errc::BadLength, Field::VendorSpecific, a.offset, a,
                                         vendor, u32(length), kMinVsaLength));
    }
    return load_be32(a.value.data());
}

Result<VsaView> decode_vsa(const AttributeView& a) noexcept {
    auto vendor = vendor_id(a);
    if (!vendor) {
        return std::unexpected(vendor.error());
    }
    const Bytes string = a.value.subspan(kVendorIdSize);
    const std::uint32_t base = a.offset + u32(kAttributeHeaderSize + kVendorIdSize);
    std::uint16_t index = 1;
    std::size_t pos = 0;
    while (pos < string.size()) {
        const std::size_t left = string.size() - pos;
        Error e = vsa_error(Errc::Truncated, Field::SubAttribute, base + pos, a, *vendor, 0, 0);
        e.sub_attribute = index;
        e.vendor_type = string[pos];
        if (left < kSubAttributeHeaderSize) {
            e.value = u32(left);
            e.limit = kSubAttributeHeaderSize;
            return std::unexpected(e);
        }
        const std::size_t length = string[pos + 1];
        if (length < kSubAttributeHeaderSize) {
            e.code = Errc::BadLength;
            e.value = u32(length);
            e.limit = kSubAttributeHeaderSize;
            return std::unexpected(e);
        }
        if (length > left) {
            e.code = Errc::LengthOverrun;
            e.value = u32(length);
            e.limit = u32(left);
            return std::unexpected(e);
        }
        pos += length;
        ++index;
    }
    VsaView out;
    out.attribute = a;
    out.vendor = *vendor;
    out.string = string;
    out.sub_attributes = SubAttributeRange(string, base);
    out.sub_attribute_count = static_cast<std::uint16_t>(index - 1);
    return out;
}

// ---- Encoding ----------------------------------------------------------------------------------

PacketBuilder& add_vsa(PacketBuilder& builder, std::uint32_t vendor,
                       std::span<const SubAttribute> subs) {
    if (!builder.ok()) {
        return builder;
    }
    const auto index = static_cast<std::uint16_t>(builder.attribute_count() + 1);
    std::size_t string = 0;
    for (const SubAttribute& s : subs) {
        string += kSubAttributeHeaderSize + s.value.size();
    }
    if (subs.empty() || string > kMaxVsaString) {
        Error e = attribute_error(subs.empty() ? Errc::Missing : Errc::TooLong,
                                  Field::VendorSpecific, builder.size(), index, kVsaType,
                                  u32(string), subs.empty() ? 0 : kMaxVsaString);
        e.vendor = vendor;
        builder.record_error(e);
        return builder;
    }
    const MutableBytes out = builder.append(Attr::VendorSpecific, kVendorIdSize + string);
    if (out.empty()) {
        return builder;
    }
    store_be32(out.data(), vendor);
    std::size_t pos = kVendorIdSize;
    for (const SubAttribute& s : subs) {
        out[pos] = s.vendor_type;
        out[pos + 1] = static_cast<std::uint8_t>(kSubAttributeHeaderSize + s.value.size());
        if (!s.value.empty()) {
            std::memcpy(out.data() + pos + 2, s.value.data(), s.value.size());
        }
        pos += kSubAttributeHeaderSize + s.value.size();
    }
    return builder;
}

PacketBuilder& add_vsa(PacketBuilder& builder, std::uint32_t vendor, std::uint8_t vendor_type,
                       Bytes value) {
    const SubAttribute sub{vendor_type, value};
    return add_vsa(builder, vendor, std::span<const SubAttribute>(&sub, 1));
}

PacketBuilder& add_vsa_u32(PacketBuilder& builder, std::uint32_t vendor, std::uint8_t vendor_type,
                           std::uint32_t value) {
    std::uint8_t v[4];
    store_be32(v, value);
    return add_vsa(builder, vendor, vendor_type, Bytes(v));
}

}  // namespace opennap::radius
