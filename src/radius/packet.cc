#include "opennap/radius/packet.h"

#include <algorithm>
#include <cstring>

#include "internal.h"

namespace opennap::radius {

using detail::attribute_error;
using detail::plain_error;
using detail::u32;

bool is_known(Code code) noexcept {
    switch (code) {
        case Code::AccessRequest:
        case Code::AccessAccept:
        case Code::AccessReject:
        case Code::AccountingRequest:
        case Code::AccountingResponse:
        case Code::AccessChallenge:
        case Code::StatusServer:
        case Code::StatusClient:
        case Code::DisconnectRequest:
        case Code::DisconnectAck:
        case Code::DisconnectNak:
        case Code::CoaRequest:
        case Code::CoaAck:
        case Code::CoaNak:
            return true;
    }
    return false;
}

bool is_request(Code code) noexcept {
    switch (code) {
        case Code::AccessRequest:
        case Code::AccountingRequest:
        case Code::StatusServer:
        case Code::DisconnectRequest:
        case Code::CoaRequest:
            return true;
        default:
            return false;
    }
}

bool is_response(Code code) noexcept {
    switch (code) {
        case Code::AccessAccept:
        case Code::AccessReject:
        case Code::AccessChallenge:
        case Code::AccountingResponse:
        case Code::DisconnectAck:
        case Code::DisconnectNak:
        case Code::CoaAck:
        case Code::CoaNak:
            return true;
        default:
            return false;
    }
}

bool is_response_to(Code response, Code request) noexcept {
    switch (request) {
        case Code::AccessRequest:
            return response == Code::AccessAccept || response == Code::AccessReject ||
                   response == Code::AccessChallenge;
        case Code::AccountingRequest:
            return response == Code::AccountingResponse;
        case Code::StatusServer:
            return response == Code::AccessAccept || response == Code::AccountingResponse;
        case Code::DisconnectRequest:
            return response == Code::DisconnectAck || response == Code::DisconnectNak;
        case Code::CoaRequest:
            return response == Code::CoaAck || response == Code::CoaNak;
        default:
            return false;
    }
}

std::string_view name(Code code) noexcept {
    switch (code) {
        case Code::AccessRequest:
            return "Access-Request";
        case Code::AccessAccept:
            return "Access-Accept";
        case Code::AccessReject:
            return "Access-Reject";
        case Code::AccountingRequest:
            return "Accounting-Request";
        case Code::AccountingResponse:
            return "Accounting-Response";
        case Code::AccessChallenge:
            return "Access-Challenge";
        case Code::StatusServer:
            return "Status-Server";
        case Code::StatusClient:
            return "Status-Client";
        case Code::DisconnectRequest:
            return "Disconnect-Request";
        case Code::DisconnectAck:
            return "Disconnect-ACK";
        case Code::DisconnectNak:
            return "Disconnect-NAK";
        case Code::CoaRequest:
            return "CoA-Request";
        case Code::CoaAck:
            return "CoA-ACK";
        case Code::CoaNak:
            return "CoA-NAK";
    }
    return {};
}

// ---- View --------------------------------------------------------------------------------------

AttributeView AttributeIterator::operator*() const noexcept {
    const std::size_t length = packet_[pos_ + 1];
    return AttributeView{static_cast<Attr>(packet_[pos_]), Bytes(packet_ + pos_ + 2, length - 2),
                         u32(pos_), index_};
}

AttributeIterator& AttributeIterator::operator++() noexcept {
    pos_ += packet_[pos_ + 1];
    ++index_;
    return *this;
}

std::optional<AttributeView> PacketView::find(Attr type) const noexcept {
    for (const AttributeView& a : attributes()) {
        if (a.type == type) {
            return a;
        }
    }
    return std::nullopt;
}

std::size_t PacketView::count(Attr type) const noexcept {
    std::size_t n = 0;
    for (const AttributeView& a : attributes()) {
        n += a.type == type ? 1 : 0;
    }
    return n;
}

namespace {

// Checks a run of attributes in `bytes[begin, end)`; `first_index` numbers the first one and
// `offset_base` is added to every reported offset. Returns the attribute count.
Result<std::uint16_t> check_attributes(Bytes bytes, std::size_t begin, std::size_t end,
                                       std::uint16_t first_index, std::size_t offset_base) {
    std::uint16_t index = first_index;
    std::size_t pos = begin;
    while (pos < end) {
        const std::size_t left = end - pos;
        const std::uint8_t type = bytes[pos];
        if (left < kAttributeHeaderSize) {
            return std::unexpected(attribute_error(Errc::Truncated, Field::Attribute,
                                                   offset_base + pos, index, type, u32(left),
                                                   kAttributeHeaderSize));
        }
        const std::size_t length = bytes[pos + 1];
        if (length < kAttributeHeaderSize) {
            return std::unexpected(attribute_error(Errc::BadLength, Field::Attribute,
                                                   offset_base + pos, index, type, u32(length),
                                                   kAttributeHeaderSize));
        }
        if (length > left) {
            return std::unexpected(attribute_error(Errc::LengthOverrun, Field::Attribute,
                                                   offset_base + pos, index, type, u32(length),
                                                   u32(left)));
        }
        pos += length;
        ++index;
    }
    return static_cast<std::uint16_t>(index - first_index);
}

}  // namespace

Result<PacketView> decode_packet(Bytes datagram) noexcept {
    if (datagram.size() < kHeaderSize) {
        return std::unexpected(plain_error(Errc::Truncated, Field::Packet, datagram.size(),
                                           u32(datagram.size()), kHeaderSize));
    }
    const std::uint8_t code = datagram[0];
    if (!is_known(static_cast<Code>(code))) {
        return std::unexpected(plain_error(Errc::BadCode, Field::Code, 0, code));
    }
    const std::size_t length = load_be16(datagram.data() + 2);
    if (length < kMinPacketSize) {
        return std::unexpected(
            plain_error(Errc::BadLength, Field::Length, 2, u32(length), kMinPacketSize));
    }
    if (length > kMaxPacketSize) {
        return std::unexpected(
            plain_error(Errc::TooLong, Field::Length, 2, u32(length), kMaxPacketSize));
    }
    if (length > datagram.size()) {
        return std::unexpected(
            plain_error(Errc::Truncated, Field::Length, 2, u32(length), u32(datagram.size())));
    }
    auto count = check_attributes(datagram, kHeaderSize, length, 1, 0);
    if (!count) {
        return std::unexpected(count.error());
    }
    return PacketView(datagram.first(length), *count);
}

// ---- Builder -----------------------------------------------------------------------------------

PacketBuilder::PacketBuilder(Code code, std::uint8_t identifier,
                             const Authenticator& authenticator) {
    reset(code, identifier, authenticator);
}

void PacketBuilder::reset(Code code, std::uint8_t identifier, const Authenticator& authenticator) {
    buf_.clear();
    buf_.reserve(kHeaderSize + 64);
    buf_.push_back(static_cast<std::uint8_t>(code));
    buf_.push_back(identifier);
    buf_.push_back(0);
    buf_.push_back(0);
    buf_.insert(buf_.end(), authenticator.begin(), authenticator.end());
    error_.reset();
    message_authenticator_.reset();
    count_ = 0;
    update_length();
}

void PacketBuilder::set_authenticator(AuthenticatorView authenticator) noexcept {
    std::copy(authenticator.begin(), authenticator.end(), buf_.begin() + kAuthenticatorOffset);
}

void PacketBuilder::update_length() noexcept {
    store_be16(buf_.data() + 2, static_cast<std::uint16_t>(std::min(buf_.size(), kMaxPacketSize)));
}

void PacketBuilder::record_error(const Error& error) noexcept {
    if (!error_) {
        error_ = error;
    }
}

bool PacketBuilder::check_room(Attr type, std::size_t value_size) {
    if (error_) {
        return false;
    }
    const auto t = static_cast<std::uint8_t>(type);
    const std::uint16_t index = static_cast<std::uint16_t>(count_ + 1);
    if (value_size > kMaxAttributeValue) {
        record_error(attribute_error(Errc::TooLong, Field::Value, buf_.size(), index, t,
                                     u32(value_size), kMaxAttributeValue));
        return false;
    }
    if (buf_.size() + kAttributeHeaderSize + value_size > kMaxPacketSize) {
        record_error(attribute_error(Errc::TooLong, Field::Length, buf_.size(), index, t,
                                     u32(buf_.size() + kAttributeHeaderSize + value_size),
                                     kMaxPacketSize));
        return false;
    }
    return true;
}

MutableBytes PacketBuilder::append(Attr type, std::size_t value_size) {
    if (type == Attr::MessageAuthenticator && !error_) {
        record_error(attribute_error(
            Errc::BadType, Field::Attribute, buf_.size(), static_cast<std::uint16_t>(count_ + 1),
            static_cast<std::uint8_t>(type), static_cast<std::uint8_t>(type)));
    }
    if (!check_room(type, value_size)) {
        return {};
    }
    const std::size_t at = buf_.size();
    buf_.push_back(static_cast<std::uint8_t>(type));
    buf_.push_back(static_cast<std::uint8_t>(kAttributeHeaderSize + value_size));
    buf_.resize(at + kAttributeHeaderSize + value_size, 0);
    ++count_;
    update_length();
    return MutableBytes(buf_.data() + at + kAttributeHeaderSize, value_size);
}

PacketBuilder& PacketBuilder::add(Attr type, Bytes value) {
    const MutableBytes out = append(type, value.size());
    if (!out.empty()) {
        std::memcpy(out.data(), value.data(), value.size());
    }
    return *this;
}

PacketBuilder& PacketBuilder::add(Attr type, std::string_view text) {
    return add(type, Bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

PacketBuilder& PacketBuilder::add_u32(Attr type, std::uint32_t value) {
    const MutableBytes out = append(type, 4);
    if (out.size() == 4) {
        store_be32(out.data(), value);
    }
    return *this;
}

PacketBuilder& PacketBuilder::add_raw(Bytes attributes) {
    if (error_) {
        return *this;
    }
    const std::uint16_t first = static_cast<std::uint16_t>(count_ + 1);
    auto count = check_attributes(attributes, 0, attributes.size(), first, buf_.size());
    if (!count) {
        record_error(count.error());
        return *this;
    }
    std::uint16_t index = first;
    for (std::size_t pos = 0; pos < attributes.size(); pos += attributes[pos + 1], ++index) {
        if (attributes[pos] == static_cast<std::uint8_t>(Attr::MessageAuthenticator)) {
            record_error(attribute_error(Errc::BadType, Field::Attribute, buf_.size() + pos, index,
                                         attributes[pos], attributes[pos]));
            return *this;
        }
    }
    if (buf_.size() + attributes.size() > kMaxPacketSize) {
        record_error(attribute_error(Errc::TooLong, Field::Length, buf_.size(), first,
                                     attributes.empty() ? 0 : attributes[0],
                                     u32(buf_.size() + attributes.size()), kMaxPacketSize));
        return *this;
    }
    buf_.insert(buf_.end(), attributes.begin(), attributes.end());
    count_ = static_cast<std::uint16_t>(count_ + *count);
    update_length();
    return *this;
}

PacketBuilder& PacketBuilder::add_message_authenticator() {
    if (error_) {
        return *this;
    }
    constexpr auto type = static_cast<std::uint8_t>(Attr::MessageAuthenticator);
    if (message_authenticator_) {
        record_error(attribute_error(Errc::Duplicate, Field::Attribute, buf_.size(),
                                     static_cast<std::uint16_t>(count_ + 1), type));
        return *this;
    }
    if (!check_room(Attr::MessageAuthenticator, kAuthenticatorSize)) {
        return *this;
    }
    message_authenticator_ = buf_.size();
    buf_.push_back(type);
    buf_.push_back(static_cast<std::uint8_t>(kAttributeHeaderSize + kAuthenticatorSize));
    buf_.resize(buf_.size() + kAuthenticatorSize, 0);
    ++count_;
    update_length();
    return *this;
}

void PacketBuilder::set_message_authenticator(AuthenticatorView value) noexcept {
    if (message_authenticator_) {
        std::copy(value.begin(), value.end(),
                  buf_.begin() +
                      static_cast<std::ptrdiff_t>(*message_authenticator_ + kAttributeHeaderSize));
    }
}

Result<Bytes> PacketBuilder::bytes() const {
    if (error_) {
        return std::unexpected(*error_);
    }
    return Bytes(buf_);
}

Result<std::vector<std::uint8_t>> PacketBuilder::take() {
    if (error_) {
        return std::unexpected(*error_);
    }
    std::vector<std::uint8_t> out = std::move(buf_);
    buf_ = {};
    reset(static_cast<Code>(out[0]), out[1]);
    return out;
}

}  // namespace opennap::radius
