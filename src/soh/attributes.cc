#include "opennap/soh/attributes.h"

#include <algorithm>

namespace opennap::soh::attr {

namespace {

std::unexpected<DecodeError> bad_length(const TlvView& t) noexcept {
    return fail(Errc::BadLength, Field::AttributeValue, t.offset,
                static_cast<std::uint32_t>(t.value.size()), 0, t.type);
}

Result<std::uint8_t> u8(const TlvView& t) noexcept {
    if (t.value.size() != 1)
        return bad_length(t);
    return t.value[0];
}

Result<FileTime> filetime(const TlvView& t) noexcept {
    if (t.value.size() != 8)
        return bad_length(t);
    return FileTime{load_be64(t.value.data())};
}

template <std::size_t N>
Result<PackedList<N>> packed(const TlvView& t, bool allow_empty) noexcept {
    if (t.value.size() % N != 0 || (!allow_empty && t.value.empty()))
        return bad_length(t);
    return PackedList<N>(t.value);
}

}  // namespace

Result<std::uint32_t> system_health_id(const TlvView& t) noexcept {
    if (t.value.size() != 4)
        return bad_length(t);
    return load_be32(t.value.data());
}
Result<Ipv4List> ipv4_fixup_servers(const TlvView& t) noexcept {
    return packed<4>(t, false);
}
Result<Ipv6List> ipv6_fixup_servers(const TlvView& t) noexcept {
    return packed<16>(t, false);
}
Result<CodeList> compliance_result_codes(const TlvView& t) noexcept {
    return packed<4>(t, true);
}
Result<CodeList> error_codes(const TlvView& t) noexcept {
    return packed<4>(t, true);
}
Result<FileTime> time_of_last_update(const TlvView& t) noexcept {
    return filetime(t);
}
Result<FileTime> soh_generation_time(const TlvView& t) noexcept {
    return filetime(t);
}
Result<Bytes> client_id(const TlvView& t) noexcept {
    return t.value;
}
Result<VendorSpecificView> vendor_specific(const TlvView& t) noexcept {
    if (t.value.size() < 4)
        return bad_length(t);
    return VendorSpecificView{load_be32(t.value.data()), t.value.subspan(4)};
}
Result<std::uint8_t> health_class(const TlvView& t) noexcept {
    return u8(t);
}
Result<Bytes> software_version(const TlvView& t) noexcept {
    return t.value;
}
Result<Bytes> product_name(const TlvView& t) noexcept {
    return t.value;
}
Result<Bytes> health_class_status(const TlvView& t) noexcept {
    return t.value;
}
Result<std::uint8_t> failure_category(const TlvView& t) noexcept {
    return u8(t);
}
Result<std::uint8_t> extended_isolation_state(const TlvView& t) noexcept {
    return u8(t);
}

namespace {
// g++ 12's std::expected has no transform(); this is the one we need.
template <typename T, typename Wrap>
Result<AttributeValue> lift(Result<T> r, Wrap wrap) noexcept {
    if (!r)
        return std::unexpected(r.error());
    return AttributeValue{wrap(*r)};
}
constexpr auto same = [](auto v) { return v; };
}  // namespace

Result<AttributeValue> decode_value(const TlvView& t) noexcept {
    using namespace tlv_type;
    switch (t.type) {
        case kSystemHealthId:
            return lift(system_health_id(t), same);
        case kIpv4FixupServers:
            return lift(ipv4_fixup_servers(t), [](Ipv4List v) { return Ipv4Servers{v}; });
        case kIpv6FixupServers:
            return lift(ipv6_fixup_servers(t), [](Ipv6List v) { return Ipv6Servers{v}; });
        case kComplianceResultCodes:
        case kErrorCodes:
            return lift(packed<4>(t, true), [](CodeList v) { return Codes{v}; });
        case kTimeOfLastUpdate:
        case kSoHGenerationTime:
            return lift(filetime(t), same);
        case kVendorSpecific:
            return lift(vendor_specific(t), same);
        case kHealthClass:
        case kFailureCategory:
        case kExtendedIsolationState:
            return lift(u8(t), same);
        default:
            return AttributeValue{Octets{t.value}};
    }
}

const char* type_name(std::uint16_t type) noexcept {
    switch (type) {
        case tlv_type::kSystemHealthId:
            return "System-Health-ID";
        case tlv_type::kIpv4FixupServers:
            return "IPv4-Fixup-Servers";
        case tlv_type::kComplianceResultCodes:
            return "Compliance-Result-Codes";
        case tlv_type::kTimeOfLastUpdate:
            return "Time-Of-Last-Update";
        case tlv_type::kClientId:
            return "Client-Id";
        case tlv_type::kVendorSpecific:
            return "Vendor-Specific";
        case tlv_type::kHealthClass:
            return "Health-Class";
        case tlv_type::kSoftwareVersion:
            return "Software-Version";
        case tlv_type::kProductName:
            return "Product-Name";
        case tlv_type::kHealthClassStatus:
            return "Health-Class-Status";
        case tlv_type::kSoHGenerationTime:
            return "SoH-Generation-Time";
        case tlv_type::kErrorCodes:
            return "Error-Codes";
        case tlv_type::kFailureCategory:
            return "Failure-Category";
        case tlv_type::kIpv6FixupServers:
            return "IPv6-Fixup-Servers";
        case tlv_type::kExtendedIsolationState:
            return "Extended-Isolation-State";
        default:
            return nullptr;
    }
}

namespace {
Attribute with_value(std::uint16_t type, std::size_t size) {
    Attribute a;
    a.type = type;
    a.value.resize(size);
    return a;
}
}  // namespace

Attribute make_system_health_id(std::uint32_t id) {
    Attribute a = with_value(tlv_type::kSystemHealthId, 4);
    store_be32(a.value.data(), id);
    return a;
}

Attribute make_ipv4_fixup_servers(std::span<const std::array<std::uint8_t, 4>> addrs) {
    Attribute a{tlv_type::kIpv4FixupServers, 0, {}};
    for (const auto& x : addrs)
        a.value.insert(a.value.end(), x.begin(), x.end());
    return a;
}

Attribute make_ipv6_fixup_servers(std::span<const std::array<std::uint8_t, 16>> addrs) {
    Attribute a{tlv_type::kIpv6FixupServers, 0, {}};
    for (const auto& x : addrs)
        a.value.insert(a.value.end(), x.begin(), x.end());
    return a;
}

Attribute make_codes(std::uint16_t type, std::span<const std::uint32_t> codes) {
    Attribute a = with_value(type, codes.size() * 4);
    for (std::size_t i = 0; i < codes.size(); ++i)
        store_be32(a.value.data() + i * 4, codes[i]);
    return a;
}
Attribute make_compliance_result_codes(std::span<const std::uint32_t> codes) {
    return make_codes(tlv_type::kComplianceResultCodes, codes);
}
Attribute make_error_codes(std::span<const std::uint32_t> codes) {
    return make_codes(tlv_type::kErrorCodes, codes);
}

Attribute make_filetime(std::uint16_t type, FileTime t) {
    Attribute a = with_value(type, 8);
    store_be64(a.value.data(), t.ticks);
    return a;
}

Attribute make_octets(std::uint16_t type, Bytes data) {
    return Attribute{type, 0, std::vector<std::uint8_t>(data.begin(), data.end())};
}

Attribute make_vendor_specific(std::uint32_t vendor_id, Bytes data) {
    Attribute a = with_value(tlv_type::kVendorSpecific, 4 + data.size());
    store_be32(a.value.data(), vendor_id);
    std::copy(data.begin(), data.end(), a.value.begin() + 4);
    return a;
}

Attribute make_u8(std::uint16_t type, std::uint8_t v) {
    return Attribute{type, 0, {v}};
}
Attribute make_health_class(std::uint8_t cls) {
    return make_u8(tlv_type::kHealthClass, cls);
}
Attribute make_failure_category(std::uint8_t c) {
    return make_u8(tlv_type::kFailureCategory, c);
}
Attribute make_extended_isolation_state(std::uint8_t s) {
    return make_u8(tlv_type::kExtendedIsolationState, s);
}

}  // namespace opennap::soh::attr
