// Typed access to the values of SoH/SoHR TLVs 2-16 (SoHAttributeType, nap-api.md §7) and
// builders for them.
//
// Readers take a TlvView (or an Attribute's view()) and check the value's length for that type;
// a mismatch yields a DecodeError with Field::AttributeValue at the TLV's offset. Integers are
// big-endian on the wire; ResultCodes come back in host order (as the SDK's codesVal does).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>
#include <vector>

#include "opennap/core/ids.h"
#include "opennap/soh/tlv.h"

namespace opennap::soh {

// A view of n fixed-size big-endian items (u32 codes, IPv4 or IPv6 addresses).
template <std::size_t ItemSize>
class PackedList {
  public:
    PackedList() = default;
    explicit PackedList(Bytes raw) noexcept : raw_(raw) {}
    [[nodiscard]] std::size_t size() const noexcept { return raw_.size() / ItemSize; }
    [[nodiscard]] bool empty() const noexcept { return raw_.empty(); }
    [[nodiscard]] Bytes raw() const noexcept { return raw_; }
    [[nodiscard]] std::span<const std::uint8_t, ItemSize> item(std::size_t i) const noexcept {
        return std::span<const std::uint8_t, ItemSize>(raw_.data() + i * ItemSize, ItemSize);
    }
    // Only for ItemSize == 4: the i-th item as a big-endian u32.
    [[nodiscard]] std::uint32_t u32(std::size_t i) const noexcept requires(ItemSize == 4) {
        return load_be32(raw_.data() + i * 4);
    }

  private:
    Bytes raw_;
};

using CodeList = PackedList<4>;  // ComplianceResultCodes / ErrorCodes (HRESULTs)
using Ipv4List = PackedList<4>;
using Ipv6List = PackedList<16>;

struct VendorSpecificView {
    std::uint32_t vendor_id = 0;  // SMI enterprise << 8 | component, or a bare SMI code
    Bytes data;
};

// The decoded value of any TLV, mirroring the SDK's SoHAttributeValue union arms.
struct Octets {
    Bytes data;
};
struct Ipv4Servers {
    Ipv4List list;
};
struct Ipv6Servers {
    Ipv6List list;
};
struct Codes {
    CodeList list;
};
using AttributeValue = std::variant<std::uint32_t,  // System-Health-ID
                                    Ipv4Servers, Ipv6Servers, Codes, FileTime, VendorSpecificView,
                                    std::uint8_t,  // Health-Class, Failure-Category, Ext-State
                                    Octets>;       // octet strings and every unknown type

namespace attr {

[[nodiscard]] Result<std::uint32_t> system_health_id(const TlvView& t) noexcept;
[[nodiscard]] Result<Ipv4List> ipv4_fixup_servers(const TlvView& t) noexcept;
[[nodiscard]] Result<Ipv6List> ipv6_fixup_servers(const TlvView& t) noexcept;
[[nodiscard]] Result<CodeList> compliance_result_codes(const TlvView& t) noexcept;
[[nodiscard]] Result<CodeList> error_codes(const TlvView& t) noexcept;
[[nodiscard]] Result<FileTime> time_of_last_update(const TlvView& t) noexcept;
[[nodiscard]] Result<FileTime> soh_generation_time(const TlvView& t) noexcept;
[[nodiscard]] Result<Bytes> client_id(const TlvView& t) noexcept;
[[nodiscard]] Result<VendorSpecificView> vendor_specific(const TlvView& t) noexcept;
[[nodiscard]] Result<std::uint8_t> health_class(const TlvView& t) noexcept;
[[nodiscard]] Result<Bytes> software_version(const TlvView& t) noexcept;
[[nodiscard]] Result<Bytes> product_name(const TlvView& t) noexcept;
[[nodiscard]] Result<Bytes> health_class_status(const TlvView& t) noexcept;
[[nodiscard]] Result<std::uint8_t> failure_category(const TlvView& t) noexcept;
[[nodiscard]] Result<std::uint8_t> extended_isolation_state(const TlvView& t) noexcept;

// Decodes any TLV into the union arm its type selects; unknown types come back as Octets.
[[nodiscard]] Result<AttributeValue> decode_value(const TlvView& t) noexcept;

// A human-readable name for a TLV type ("System-Health-ID", ..., "type 42").
[[nodiscard]] const char* type_name(std::uint16_t type) noexcept;

// Builders. Each returns an owned Attribute with M/R clear.
[[nodiscard]] Attribute make_system_health_id(std::uint32_t id);
[[nodiscard]] Attribute make_ipv4_fixup_servers(std::span<const std::array<std::uint8_t, 4>> a);
[[nodiscard]] Attribute make_ipv6_fixup_servers(std::span<const std::array<std::uint8_t, 16>> a);
[[nodiscard]] Attribute make_codes(std::uint16_t type, std::span<const std::uint32_t> codes);
[[nodiscard]] Attribute make_compliance_result_codes(std::span<const std::uint32_t> codes);
[[nodiscard]] Attribute make_error_codes(std::span<const std::uint32_t> codes);
[[nodiscard]] Attribute make_filetime(std::uint16_t type, FileTime t);
[[nodiscard]] Attribute make_octets(std::uint16_t type, Bytes data);
[[nodiscard]] Attribute make_vendor_specific(std::uint32_t vendor_id, Bytes data);
[[nodiscard]] Attribute make_u8(std::uint16_t type, std::uint8_t v);
[[nodiscard]] Attribute make_health_class(std::uint8_t cls);
[[nodiscard]] Attribute make_failure_category(std::uint8_t category);
[[nodiscard]] Attribute make_extended_isolation_state(std::uint8_t state);

}  // namespace attr
}  // namespace opennap::soh
