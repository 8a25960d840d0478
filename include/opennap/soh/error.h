// Typed decode errors for every OpenNAP wire codec.
//
// A decoder never throws and never reads outside its input: it returns a DecodeError that names
// what was wrong (code), which field (field), where (absolute byte offset into the buffer the
// caller passed), and the numbers involved. Creating one allocates nothing; message() renders the
// operator-facing text, e.g.
//   "SoHReportEntry 2: TLV 11 length 9 runs past the entry end at offset 187".
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace opennap::soh {

enum class Errc : std::uint8_t {
    Truncated,          // the buffer ends inside a fixed-size field
    LengthOverrun,      // a length field runs past its container
    BadType,            // a type field has a value that is not allowed here
    BadVendor,          // a vendor id other than the one required
    BadLength,          // a length field has a value not allowed for this field
    BadValue,           // a field's value is out of its allowed range
    UnknownInnerType,   // SoH inner type other than 1/2 (receiver rule: ignore the message)
    ContentTypeNotSoh,  // mode sub-header content type != 0 (receiver rule: ignore the message)
    MissingField,       // a required field or TLV is absent
    LimitExceeded,      // a configured limit (size, TLV count, entry count, string length)
    TrailingBytes,      // bytes left over after a complete structure
    WrongDirection,     // a request where a response was expected, or the reverse
    NotRecognised,      // framing auto-detection found no known format
};

// The field or structure an error is about.
enum class Field : std::uint8_t {
    Message,          // the input as a whole
    OuterHeader,      // SoH outer TLV (type 7 / length / vendor 311)
    InnerHeader,      // SoH inner type / inner length
    ModeSubHeader,    // the 34-byte SoH mode sub-header
    Tlv,              // a TLV header or value in the body (see entry / tlv_type)
    SystemSoh,        // the SSoH / SSoHR group
    MsAttribute,      // an MS type-value attribute inside the SSoH (tlv_type = MS type)
    ReportEntry,      // an SoHReportEntry group
    AttributeValue,   // the value of a TLV read through a typed accessor
    WshaEntry,        // the Windows Security Health Agent entry (MS-WSH)
    PeapTlv,          // PEAP TLV framing
    EapHeader,        // EAP packet header / expanded-type header
    RadiusAttribute,  // RADIUS attribute / Vendor-Specific framing
    DhcpOption,       // DHCP option 43 / NAP sub-option framing
    LinuxEntry,       // OpenNAP's Linux SHA entry (linux_soh.h; type = the check or item)
};

struct DecodeError {
    Errc code = Errc::Truncated;
    Field field = Field::Message;
    std::uint32_t offset = 0;  // absolute byte offset of the offending field
    std::int32_t entry = -1;   // -1: not in a group; 0: the SSoH; n >= 1: SoHReportEntry n
    std::uint16_t type = 0;    // TLV / attribute / option type involved, if any
    std::uint32_t value = 0;   // the offending value (a length, a type, a count, ...)
    std::uint32_t limit = 0;   // what it was checked against (container end, configured limit)

    friend constexpr bool operator==(const DecodeError&, const DecodeError&) = default;

    // True for the errors the receiver rules say to *ignore* rather than reject
    // (ms-soh.md §9 rules 2 and 3): unknown inner type, content type != 0.
    [[nodiscard]] constexpr bool is_ignorable() const noexcept {
        return code == Errc::UnknownInnerType || code == Errc::ContentTypeNotSoh;
    }

    [[nodiscard]] std::string message() const;
};

[[nodiscard]] std::string_view to_string(Errc) noexcept;
[[nodiscard]] std::string_view to_string(Field) noexcept;

template <typename T>
using Result = std::expected<T, DecodeError>;

// Shorthand used by the decoders.
[[nodiscard]] constexpr std::unexpected<DecodeError> fail(
    Errc code, Field field, std::size_t offset, std::uint32_t value = 0, std::uint32_t limit = 0,
    std::uint16_t type = 0, std::int32_t entry = -1) noexcept {
    return std::unexpected(
        DecodeError{code, field, static_cast<std::uint32_t>(offset), entry, type, value, limit});
}

}  // namespace opennap::soh
