// RADIUS packets (RFC 2865 §3): a zero-copy, validated view of a received datagram and an owning
// builder that encodes one (docs/radius.md).
//
//   Code(1) Identifier(1) Length(2, big-endian) Authenticator(16) Attributes...
//   Attribute: Type(1) Length(1, >= 2, counts the whole attribute) Value(Length - 2)
//
// decode_packet() makes one validating pass and allocates nothing: the Code must be known, the
// datagram must hold the 20-octet header, 20 <= Length <= 4096, the datagram must be at least
// Length octets long (octets past Length are padding and ignored, RFC 2865 §3), and the
// attributes must exactly fill the octets up to Length, each with a length >= 2. Attribute values
// are not interpreted there; the typed accessors in vsa.h, ms_rnap.h and authorization.h do that
// and report their own errors without invalidating the packet. Iterating a view afterwards cannot
// fail and does not allocate.
//
// PacketBuilder writes a packet attribute by attribute. Its errors are sticky: the first one is
// kept (with the index the attribute would have had) and every later call does nothing, so a
// chain of add() calls needs one check at the end. Authenticators are filled by auth.h.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "opennap/core/endian.h"
#include "opennap/radius/dictionary.h"
#include "opennap/radius/error.h"

namespace opennap::radius {

inline constexpr std::size_t kHeaderSize = 20;
inline constexpr std::size_t kMinPacketSize = 20;
inline constexpr std::size_t kMaxPacketSize = 4096;
inline constexpr std::size_t kAuthenticatorSize = 16;
inline constexpr std::size_t kAuthenticatorOffset = 4;
inline constexpr std::size_t kAttributeHeaderSize = 2;
inline constexpr std::size_t kMaxAttributeValue = 253;  // 255 - type - length

using Authenticator = std::array<std::uint8_t, kAuthenticatorSize>;
using AuthenticatorView = std::span<const std::uint8_t, kAuthenticatorSize>;

// Packet codes. RFC 2865 §3 (1-3, 11-13), RFC 2866 (4, 5), RFC 5176 (40-45).
enum class Code : std::uint8_t {
    AccessRequest = 1,
    AccessAccept = 2,
    AccessReject = 3,
    AccountingRequest = 4,
    AccountingResponse = 5,
    AccessChallenge = 11,
    StatusServer = 12,  // RFC 5997
    StatusClient = 13,  // RFC 2865 "experimental"; decoded, never signed or verified
    DisconnectRequest = 40,
    DisconnectAck = 41,
    DisconnectNak = 42,
    CoaRequest = 43,
    CoaAck = 44,
    CoaNak = 45,
};

[[nodiscard]] bool is_known(Code code) noexcept;
// Requests: Access-Request, Accounting-Request, Status-Server, Disconnect-Request, CoA-Request.
[[nodiscard]] bool is_request(Code code) noexcept;
// Responses: Access-Accept/Reject/Challenge, Accounting-Response, Disconnect/CoA-ACK/NAK.
[[nodiscard]] bool is_response(Code code) noexcept;
// True when `response` may answer `request`: Access-Request -> Accept/Reject/Challenge;
// Accounting-Request -> Accounting-Response; Status-Server -> Access-Accept or
// Accounting-Response (RFC 5997 §3: the port decides); Disconnect-/CoA-Request -> their ACK/NAK.
[[nodiscard]] bool is_response_to(Code response, Code request) noexcept;
// "Access-Request", ...; "Code-<n>" is not returned: unknown codes give an empty view.
[[nodiscard]] std::string_view name(Code code) noexcept;

// One attribute of a decoded packet. `value` points into the datagram.
struct AttributeView {
    Attr type{};
    Bytes value;
    std::uint32_t offset = 0;  // of the Type octet, from the start of the packet
    std::uint16_t index = 0;   // 1-based position in the packet
};

// Forward iteration over attributes that decode_packet() already validated.
class AttributeIterator {
  public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = AttributeView;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = AttributeView;

    AttributeIterator() = default;
    AttributeView operator*() const noexcept;
    AttributeIterator& operator++() noexcept;
    AttributeIterator operator++(int) noexcept {
        AttributeIterator old = *this;
        ++*this;
        return old;
    }
    friend bool operator==(const AttributeIterator& a, const AttributeIterator& b) noexcept {
        return a.pos_ == b.pos_;
    }

  private:
    friend class AttributeRange;
    AttributeIterator(const std::uint8_t* packet, std::size_t pos, std::uint16_t index) noexcept
        : packet_(packet), pos_(pos), index_(index) {}
    const std::uint8_t* packet_ = nullptr;
    std::size_t pos_ = 0;
    std::uint16_t index_ = 0;
};

class AttributeRange {
  public:
    AttributeRange() = default;
    [[nodiscard]] AttributeIterator begin() const noexcept {
        return {packet_.data(), kHeaderSize, 1};
    }
    [[nodiscard]] AttributeIterator end() const noexcept {
        return {packet_.data(), packet_.size(), 0};
    }
    [[nodiscard]] bool empty() const noexcept { return packet_.size() <= kHeaderSize; }

  private:
    friend class PacketView;
    explicit AttributeRange(Bytes packet) noexcept : packet_(packet) {}
    Bytes packet_;  // the whole packet (header included), already validated
};

// A validated packet: spans into the caller's datagram, which must outlive the view.
class PacketView {
  public:
    [[nodiscard]] Code code() const noexcept { return static_cast<Code>(bytes_[0]); }
    [[nodiscard]] std::uint8_t identifier() const noexcept { return bytes_[1]; }
    [[nodiscard]] std::uint16_t length() const noexcept {
        return static_cast<std::uint16_t>(bytes_.size());
    }
    [[nodiscard]] AuthenticatorView authenticator() const noexcept {
        return bytes_.subspan<kAuthenticatorOffset, kAuthenticatorSize>();
    }
    // The packet's Length octets (padding excluded).
    [[nodiscard]] Bytes bytes() const noexcept { return bytes_; }
    // The attribute octets (after the header).
    [[nodiscard]] Bytes attribute_bytes() const noexcept { return bytes_.subspan(kHeaderSize); }
    [[nodiscard]] AttributeRange attributes() const noexcept { return AttributeRange(bytes_); }
    [[nodiscard]] std::size_t attribute_count() const noexcept { return count_; }

    // The first attribute of `type`, if any.
    [[nodiscard]] std::optional<AttributeView> find(Attr type) const noexcept;
    // How many attributes of `type` the packet holds.
    [[nodiscard]] std::size_t count(Attr type) const noexcept;

  private:
    friend Result<PacketView> decode_packet(Bytes datagram) noexcept;
    PacketView(Bytes bytes, std::uint16_t count) noexcept : bytes_(bytes), count_(count) {}
    Bytes bytes_;
    std::uint16_t count_ = 0;
};

// Validates `datagram` as one RADIUS packet (see the top of this file). Errors:
//   Truncated/Field::Packet     fewer than 20 octets (value = size, limit = 20)
//   BadCode/Field::Code         unknown code (value = code)
//   BadLength/Field::Length     Length < 20;  TooLong/Field::Length  Length > 4096
//   Truncated/Field::Length     Length > datagram size (value = Length, limit = size)
//   Truncated/Field::Attribute  one octet left where an attribute header needs two
//   BadLength/Field::Attribute  attribute length < 2 (value = length, limit = 2)
//   LengthOverrun/Field::Attribute  attribute runs past Length (limit = octets left)
// Attribute errors carry the attribute's index, type and offset (of its Type octet).
[[nodiscard]] Result<PacketView> decode_packet(Bytes datagram) noexcept;

// Builds one packet. The Length field is kept up to date after every call.
class PacketBuilder {
  public:
    explicit PacketBuilder(Code code, std::uint8_t identifier = 0,
                           const Authenticator& authenticator = {});

    // Starts over with a new header, keeping the buffer's capacity (a server reuses one builder).
    void reset(Code code, std::uint8_t identifier = 0, const Authenticator& authenticator = {});

    [[nodiscard]] Code code() const noexcept { return static_cast<Code>(buf_[0]); }
    [[nodiscard]] std::uint8_t identifier() const noexcept { return buf_[1]; }
    void set_identifier(std::uint8_t identifier) noexcept { buf_[1] = identifier; }
    [[nodiscard]] AuthenticatorView authenticator() const noexcept {
        return AuthenticatorView(buf_.data() + kAuthenticatorOffset, kAuthenticatorSize);
    }
    void set_authenticator(AuthenticatorView authenticator) noexcept;

    // One attribute. Errors: value over 253 octets (TooLong/Value), the packet would pass 4096
    // octets (TooLong/Length), type Message-Authenticator (BadType: use
    // add_message_authenticator(), which records where auth.h must write it).
    PacketBuilder& add(Attr type, Bytes value);
    PacketBuilder& add(Attr type, std::string_view text);
    PacketBuilder& add_u32(Attr type, std::uint32_t value);  // RFC 2865 "integer"
    // Whole attributes (type, length, value ...), e.g. from the SoH codec's VSA encoders. They
    // are checked like decode_packet() checks attributes (errors index them as they would be
    // numbered in this packet); a Message-Authenticator among them is BadType.
    PacketBuilder& add_raw(Bytes attributes);
    // A Message-Authenticator placeholder (18 octets, value zero) that sign_request() /
    // sign_response() fill in. At most one (a second is Duplicate). Add it first: answering a
    // request whose first attribute is Message-Authenticator in kind is the BlastRADIUS
    // (CVE-2024-3596) mitigation that current servers and clients expect.
    PacketBuilder& add_message_authenticator();
    // Appends an attribute with `value_size` value octets and returns them for the caller to
    // fill (zeroed). Errors as add(); on error (now or earlier) returns an empty span.
    [[nodiscard]] MutableBytes append(Attr type, std::size_t value_size);

    // Writes the Message-Authenticator value (no-op without a placeholder).
    void set_message_authenticator(AuthenticatorView value) noexcept;
    // Offset of the Message-Authenticator attribute (its Type octet), if one was added.
    [[nodiscard]] std::optional<std::size_t> message_authenticator_offset() const noexcept {
        return message_authenticator_;
    }

    // Records `error` unless one is already recorded (for typed helpers built on append()).
    void record_error(const Error& error) noexcept;
    [[nodiscard]] bool ok() const noexcept { return !error_.has_value(); }
    [[nodiscard]] const std::optional<Error>& error() const noexcept { return error_; }
    // Number of attributes written so far; the next one gets index attribute_count() + 1.
    [[nodiscard]] std::uint16_t attribute_count() const noexcept { return count_; }
    [[nodiscard]] std::size_t size() const noexcept { return buf_.size(); }

    // The packet as encoded so far, or the recorded error. The span is valid until the next
    // change to the builder.
    [[nodiscard]] Result<Bytes> bytes() const;
    // Moves the encoded packet out; the builder starts over with the same code and identifier
    // and a zero authenticator.
    [[nodiscard]] Result<std::vector<std::uint8_t>> take();

  private:
    bool check_room(Attr type, std::size_t value_size);
    void update_length() noexcept;

    std::vector<std::uint8_t> buf_;
    std::optional<Error> error_;
    std::optional<std::size_t> message_authenticator_;
    std::uint16_t count_ = 0;
};

}  // namespace opennap::radius
