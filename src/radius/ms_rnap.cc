#include "opennap/radius/ms_rnap.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "internal.h"
#include "opennap/radius/vsa.h"

namespace opennap::radius {

using detail::attribute_error;
using detail::u32;

namespace {

constexpr auto kVsaType = static_cast<std::uint8_t>(Attr::VendorSpecific);

struct Found {
    VsaView vsa;
    SubAttributeView sub;
};

Error sub_error(Errc code, Field field, std::size_t offset, const Found& f, std::uint32_t value = 0,
                std::uint32_t limit = 0) {
    Error e = attribute_error(code, field, offset, f.vsa.attribute.index, kVsaType, value, limit);
    e.vendor = kVendorMicrosoft;
    e.sub_attribute = f.sub.index;
    e.vendor_type = f.sub.vendor_type;
    return e;
}

// The one Microsoft sub-attribute of `type`: nullopt when absent, Duplicate when repeated.
Result<std::optional<Found>> find_single(const PacketView& packet, MsAttr type) {
    std::optional<Found> first;
    std::optional<Found> second;
    auto walked = for_each_vendor_attribute(
        packet, kVendorMicrosoft, [&](const VsaView& vsa, const SubAttributeView& sub) {
            if (sub.vendor_type != static_cast<std::uint8_t>(type)) {
                return true;
            }
            (first ? second : first) = Found{vsa, sub};
            return !second;
        });
    if (!walked) {
        return std::unexpected(walked.error());
    }
    if (second) {
        return std::unexpected(
            sub_error(Errc::Duplicate, Field::SubAttribute, second->sub.offset, *second, 2, 1));
    }
    return first;
}

// Checks the framing of every Microsoft VSA (the SoH codec's walk would report it too, but in
// its own terms).
Result<void> check_microsoft_vsas(const PacketView& packet) {
    return for_each_vendor_attribute(packet, kVendorMicrosoft,
                                     [](const VsaView&, const SubAttributeView&) { return true; });
}

// An error of the SoH codec on packet.attribute_bytes(), as a radius::Error about the attribute
// that holds its offset.
Error from_soh(const PacketView& packet, soh::DecodeError cause) {
    cause.offset += u32(kHeaderSize);
    Error e;
    e.code = Errc::Soh;
    e.field = Field::Value;
    e.offset = cause.offset;
    for (const AttributeView& a : packet.attributes()) {
        if (cause.offset >= a.offset && cause.offset < a.offset + a.value.size() + 2) {
            e.attribute = a.index;
            e.type = static_cast<std::uint8_t>(a.type);
            if (a.type == Attr::VendorSpecific && a.value.size() >= 4) {
                e.vendor = load_be32(a.value.data());
            }
            break;
        }
    }
    e.vendor_type = static_cast<std::uint8_t>(cause.type);
    e.soh = cause;
    return e;
}

void add_raw_vsas(PacketBuilder& builder, const std::vector<std::uint8_t>& attributes) {
    builder.add_raw(attributes);
}

std::string braced_upper(const Guid& id) {
    // Built by appending: GCC 12 at -O3 warns (-Wrestrict, a false positive) on "{" + s + "}".
    std::string s;
    s.reserve(38);
    s.push_back('{');
    for (char c : id.to_string()) {
        s.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    s.push_back('}');
    return s;
}

constexpr std::size_t kGuidTextSize = 38;

}  // namespace

// ---- Access-Request ----------------------------------------------------------------------------

Result<std::optional<QuarantineSoh>> quarantine_soh(const PacketView& packet) {
    if (auto ok = check_microsoft_vsas(packet); !ok) {
        return std::unexpected(ok.error());
    }
    auto decoded = soh::radius::decode_quarantine_soh(packet.attribute_bytes());
    if (!decoded) {
        if (decoded.error().code == soh::Errc::MissingField) {
            return std::optional<QuarantineSoh>();
        }
        return std::unexpected(from_soh(packet, decoded.error()));
    }
    return std::optional<QuarantineSoh>(std::move(*decoded));
}

Result<std::optional<NasType>> network_access_server_type(const PacketView& packet) {
    auto found = find_single(packet, MsAttr::NetworkAccessServerType);
    if (!found) {
        return std::unexpected(found.error());
    }
    if (!*found) {
        return std::optional<NasType>();
    }
    const Found& f = **found;
    if (f.sub.value.size() != 4) {
        return std::unexpected(sub_error(Errc::BadLength, Field::SubAttribute, f.sub.offset, f,
                                         u32(f.sub.value.size() + 2), 6));
    }
    return std::optional<NasType>(static_cast<NasType>(load_be32(f.sub.value.data())));
}

Result<std::optional<std::string_view>> machine_name(const PacketView& packet) {
    auto found = find_single(packet, MsAttr::MachineName);
    if (!found) {
        return std::unexpected(found.error());
    }
    if (!*found) {
        return std::optional<std::string_view>();
    }
    const Found& f = **found;
    Bytes v = f.sub.value;
    if (v.empty()) {
        return std::unexpected(
            sub_error(Errc::BadLength, Field::SubAttribute, f.sub.offset, f, 2, 3));
    }
    if (v.back() == 0) {
        v = v.first(v.size() - 1);
    }
    if (v.empty()) {
        return std::unexpected(sub_error(Errc::BadValue, Field::Value, f.sub.offset + 2, f, 0));
    }
    return std::optional<std::string_view>(
        std::string_view(reinterpret_cast<const char*>(v.data()), v.size()));
}

Result<std::optional<RasCorrelationId>> ras_correlation_id(const PacketView& packet) {
    auto found = find_single(packet, MsAttr::RasCorrelationId);
    if (!found) {
        return std::unexpected(found.error());
    }
    if (!*found) {
        return std::optional<RasCorrelationId>();
    }
    const Found& f = **found;
    const Bytes v = f.sub.value;
    const std::size_t value_offset = f.sub.offset + 2;
    RasCorrelationId out;
    if (v.size() == 16) {
        out.guid = Guid::from_bytes_le(std::span<const std::uint8_t, 16>(v.data(), 16));
        out.form = CorrelationIdForm::Binary;
        return std::optional<RasCorrelationId>(out);
    }
    std::array<char, kGuidTextSize> text{};
    if (v.size() == kGuidTextSize || (v.size() == kGuidTextSize + 1 && v.back() == 0)) {
        std::copy_n(v.begin(), kGuidTextSize, text.begin());
        out.form = CorrelationIdForm::Text;
    } else if (v.size() == 2 * kGuidTextSize ||
               (v.size() == 2 * kGuidTextSize + 2 && v[2 * kGuidTextSize] == 0 &&
                v[2 * kGuidTextSize + 1] == 0)) {
        for (std::size_t i = 0; i < kGuidTextSize; ++i) {
            if (v[2 * i + 1] != 0) {
                return std::unexpected(sub_error(Errc::BadValue, Field::Value,
                                                 value_offset + 2 * i + 1, f, v[2 * i + 1]));
            }
            text[i] = static_cast<char>(v[2 * i]);
        }
        out.form = CorrelationIdForm::Utf16Text;
    } else {
        return std::unexpected(sub_error(Errc::BadLength, Field::SubAttribute, f.sub.offset, f,
                                         u32(v.size() + 2), kGuidTextSize + 2));
    }
    const std::string_view s(text.data(), text.size());
    std::optional<Guid> guid;
    if (s.front() == '{' && s.back() == '}') {
        guid = Guid::parse(s);
    }
    if (!guid) {
        return std::unexpected(sub_error(Errc::BadValue, Field::Value, value_offset, f, 0));
    }
    out.guid = *guid;
    return std::optional<RasCorrelationId>(out);
}

PacketBuilder& add_network_access_server_type(PacketBuilder& builder, NasType type) {
    return add_vsa_u32(builder, kVendorMicrosoft,
                       static_cast<std::uint8_t>(MsAttr::NetworkAccessServerType),
                       static_cast<std::uint32_t>(type));
}

PacketBuilder& add_machine_name(PacketBuilder& builder, std::string_view name) {
    if (name.empty() && builder.ok()) {
        Error e = attribute_error(Errc::BadLength, Field::SubAttribute, builder.size(),
                                  static_cast<std::uint16_t>(builder.attribute_count() + 1),
                                  kVsaType, 2, 3);
        e.vendor = kVendorMicrosoft;
        e.vendor_type = static_cast<std::uint8_t>(MsAttr::MachineName);
        builder.record_error(e);
        return builder;
    }
    return add_vsa(builder, kVendorMicrosoft, static_cast<std::uint8_t>(MsAttr::MachineName),
                   Bytes(reinterpret_cast<const std::uint8_t*>(name.data()), name.size()));
}

PacketBuilder& add_ras_correlation_id(PacketBuilder& builder, const Guid& id) {
    const std::string text = braced_upper(id);
    return add_vsa(builder, kVendorMicrosoft, static_cast<std::uint8_t>(MsAttr::RasCorrelationId),
                   Bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

// ---- Access-Accept -----------------------------------------------------------------------------

PacketBuilder& add_quarantine_state(PacketBuilder& builder, QuarantineState state) {
    return add_vsa_u32(builder, kVendorMicrosoft,
                       static_cast<std::uint8_t>(MsAttr::QuarantineState),
                       static_cast<std::uint32_t>(state));
}

PacketBuilder& add_extended_quarantine_state(PacketBuilder& builder,
                                             ExtendedQuarantineState state) {
    return add_vsa_u32(builder, kVendorMicrosoft,
                       static_cast<std::uint8_t>(MsAttr::ExtendedQuarantineState),
                       static_cast<std::uint32_t>(state));
}

PacketBuilder& add_quarantine_grace_time(PacketBuilder& builder, std::chrono::sys_seconds until) {
    const auto t = until.time_since_epoch().count();
    if (t < 0 || t > static_cast<std::int64_t>(UINT32_MAX)) {
        if (builder.ok()) {
            Error e = attribute_error(Errc::BadValue, Field::Value, builder.size(),
                                      static_cast<std::uint16_t>(builder.attribute_count() + 1),
                                      kVsaType, static_cast<std::uint32_t>(t), UINT32_MAX);
            e.vendor = kVendorMicrosoft;
            e.vendor_type = static_cast<std::uint8_t>(MsAttr::QuarantineGraceTime);
            builder.record_error(e);
        }
        return builder;
    }
    return add_vsa_u32(builder, kVendorMicrosoft,
                       static_cast<std::uint8_t>(MsAttr::QuarantineGraceTime),
                       static_cast<std::uint32_t>(t));
}

PacketBuilder& add_ipv4_remediation_servers(PacketBuilder& builder,
                                            std::span<const Ipv4Address> servers) {
    add_raw_vsas(builder, soh::radius::encode_ipv4_remediation_servers(servers));
    return builder;
}

PacketBuilder& add_ipv6_remediation_servers(PacketBuilder& builder,
                                            std::span<const Ipv6Address> servers) {
    add_raw_vsas(builder, soh::radius::encode_ipv6_remediation_servers(servers));
    return builder;
}

PacketBuilder& add_quarantine_soh(PacketBuilder& builder, Bytes message, Wrapping wrapping) {
    if (!builder.ok()) {
        return builder;
    }
    Error e = attribute_error(Errc::BadLength, Field::Value, builder.size(),
                              static_cast<std::uint16_t>(builder.attribute_count() + 1), kVsaType,
                              u32(message.size()), soh::radius::kMinSohSize);
    e.vendor = kVendorMicrosoft;
    e.vendor_type = static_cast<std::uint8_t>(MsAttr::QuarantineSoh);
    if (message.size() < soh::radius::kMinSohSize) {
        builder.record_error(e);
        return builder;
    }
    if (message.size() > kMaxPacketSize) {
        e.code = Errc::TooLong;
        e.limit = kMaxPacketSize;
        builder.record_error(e);
        return builder;
    }
    add_raw_vsas(builder, soh::radius::encode_quarantine_soh_vsas(message, wrapping));
    return builder;
}

PacketBuilder& add_nap_attributes(PacketBuilder& builder, const NapAttributes& attrs) {
    add_raw_vsas(builder, soh::radius::encode_nap_attributes(attrs));
    return builder;
}

Result<NapAttributes> nap_attributes(const PacketView& packet) {
    if (auto ok = check_microsoft_vsas(packet); !ok) {
        return std::unexpected(ok.error());
    }
    auto decoded = soh::radius::decode_nap_attributes(packet.attribute_bytes());
    if (!decoded) {
        return std::unexpected(from_soh(packet, decoded.error()));
    }
    return std::move(*decoded);
}

}  // namespace opennap::radius
