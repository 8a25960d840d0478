// Typed errors of the RADIUS codec (docs/radius.md).
//
// Like soh::DecodeError, a radius::Error is a small value (no allocation to create one) that says
// what was wrong (code), which part of the packet (field), where (byte offset from the start of
// the packet, which is also the start of the datagram) and the numbers involved: the 1-based index
// of the attribute (and of the vendor sub-attribute) concerned, its type, vendor and vendor type,
// the offending value and what it was checked against. message() renders it for operators, e.g.
//   "attribute 3 (type 26) length 1 at offset 45 is below 2".
// Errors found inside an MS-Quarantine-SoH value by the SoH codec keep that codec's error as
// `soh` (its offset rebased to the packet).
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "opennap/soh/error.h"

namespace opennap::radius {

enum class Errc : std::uint8_t {
    Truncated,      // the input ends before a fixed-size part (header, attribute header, value)
    BadLength,      // a length field is below its minimum or otherwise not allowed
    LengthOverrun,  // a length field runs past its container
    TooLong,        // above a protocol maximum (packet 4096, attribute value 253, VSA value 247)
    BadCode,        // a packet code that is not a known RADIUS code
    WrongCode,      // a known code that this operation does not accept (limit: the request's)
    BadType,        // an attribute of another type than the operation needs
    BadVendor,      // a Vendor-Specific attribute of another vendor than the operation needs
    BadValue,       // a value outside its allowed range or syntax
    Duplicate,      // an attribute allowed at most once appears again
    Missing,        // a required attribute is absent
    BadSecret,      // an empty shared secret
    Crypto,         // OpenSSL failed (e.g. MD5 unavailable in a FIPS-only configuration)
    Soh,            // the SoH codec rejected an MS-Quarantine-SoH value (see Error::soh)
};

// The part of the packet an error is about.
enum class Field : std::uint8_t {
    Packet,          // the datagram / packet as a whole
    Code,            // the Code octet
    Length,          // the Length field of the header
    Authenticator,   // the Authenticator field of the header
    Attribute,       // an attribute's type / length framing
    Value,           // an attribute's value as read or written by a typed accessor
    VendorSpecific,  // a Vendor-Specific (26) attribute's Vendor-Id / overall framing
    SubAttribute,    // a vendor sub-attribute (vendor-type, vendor-length) inside a VSA
    Secret,          // the shared secret
};

struct Error {
    Errc code = Errc::Truncated;
    Field field = Field::Packet;
    std::uint32_t offset = 0;             // byte offset from the start of the packet
    std::uint16_t attribute = 0;          // 1-based index of the attribute in the packet; 0: none
    std::uint16_t sub_attribute = 0;      // 1-based index of the sub-attribute in its VSA; 0: none
    std::uint8_t type = 0;                // attribute type (when attribute != 0)
    std::uint8_t vendor_type = 0;         // vendor sub-attribute type (when sub_attribute != 0)
    std::uint32_t vendor = 0;             // Vendor-Id (Field::VendorSpecific / SubAttribute)
    std::uint32_t value = 0;              // the offending value (a length, a code, a tag, ...)
    std::uint32_t limit = 0;              // what it was checked against
    std::optional<soh::DecodeError> soh;  // Errc::Soh: the SoH codec's error, offset rebased

    friend bool operator==(const Error&, const Error&) = default;

    [[nodiscard]] std::string message() const;
};

[[nodiscard]] std::string_view to_string(Errc) noexcept;
[[nodiscard]] std::string_view to_string(Field) noexcept;

template <typename T>
using Result = std::expected<T, Error>;

}  // namespace opennap::radius
