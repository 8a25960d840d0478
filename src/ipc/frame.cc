#include "opennap/ipc/frame.h"

#include <algorithm>
#include <cassert>
#include <climits>
#include <cstring>
#include <optional>
#include <string>

#include "opennap/core/endian.h"

namespace opennap::ipc {

namespace {

// When the reader's buffer drains and holds more than this, it is released rather than kept for
// the next frame (one large frame should not pin its size for the connection's lifetime).
constexpr std::size_t kKeepCapacity = 64 * 1024;

constexpr std::size_t kLengthOffset = 4;

FrameError make_error(FrameErrc code, std::size_t offset, std::uint64_t value,
                      std::uint64_t limit) {
    return FrameError{code, offset, value, limit};
}

std::string hex_byte(std::uint64_t v) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s = "0x";
    s += kDigits[(v >> 4) & 0xF];
    s += kDigits[v & 0xF];
    return s;
}

// Parses `len` body bytes at `body` into `out` and checks that a kind is set. `body_offset` is
// the body's absolute offset, for the error.
std::optional<FrameError> parse_body(const std::uint8_t* body, std::uint32_t len,
                                     std::size_t body_offset, v1::Envelope& out) {
    // decode_header bounds len by max_body (a u32); protobuf takes an int.
    if (len > static_cast<std::uint32_t>(INT_MAX) ||
        !out.ParseFromArray(body, static_cast<int>(len))) {
        return make_error(FrameErrc::BadBody, body_offset, len, 0);
    }
    if (out.kind_case() == v1::Envelope::KIND_NOT_SET) {
        return make_error(FrameErrc::EmptyEnvelope, body_offset, len, 0);
    }
    return std::nullopt;
}

FrameError shifted(FrameError e, std::uint64_t base) {
    e.offset += static_cast<std::size_t>(base);
    return e;
}

}  // namespace

std::string_view to_string(FrameErrc e) noexcept {
    switch (e) {
        case FrameErrc::BadMagic:
            return "bad magic";
        case FrameErrc::UnsupportedVersion:
            return "unsupported version";
        case FrameErrc::ReservedFlags:
            return "reserved flags";
        case FrameErrc::EmptyBody:
            return "empty body";
        case FrameErrc::TooLarge:
            return "too large";
        case FrameErrc::Truncated:
            return "truncated";
        case FrameErrc::TrailingBytes:
            return "trailing bytes";
        case FrameErrc::BadBody:
            return "bad body";
        case FrameErrc::EmptyEnvelope:
            return "empty envelope";
    }
    return "unknown frame error";
}

std::string FrameError::message() const {
    const std::string at = " (offset " + std::to_string(offset) + ")";
    switch (code) {
        case FrameErrc::BadMagic:
            return "bad frame magic byte " + hex_byte(value) + ", expected " + hex_byte(limit) +
                   " (\"ON\")" + at;
        case FrameErrc::UnsupportedVersion:
            return "unsupported protocol version " + std::to_string(value) + ", this side speaks " +
                   std::to_string(limit) + at;
        case FrameErrc::ReservedFlags:
            return "reserved frame flags " + hex_byte(value) + " are not 0" + at;
        case FrameErrc::EmptyBody:
            return "frame body length 0" + at;
        case FrameErrc::TooLarge:
            return "frame body length " + std::to_string(value) + " exceeds the limit " +
                   std::to_string(limit) + at;
        case FrameErrc::Truncated:
            return "frame truncated: " + std::to_string(limit) + " bytes needed, " +
                   std::to_string(value) + " present" + at;
        case FrameErrc::TrailingBytes:
            return std::to_string(value) + " bytes after the end of the frame" + at;
        case FrameErrc::BadBody:
            return "frame body of " + std::to_string(value) + " bytes is not a valid Envelope" + at;
        case FrameErrc::EmptyEnvelope:
            return "frame body of " + std::to_string(value) + " bytes is an Envelope with no kind" +
                   at;
    }
    return std::string(to_string(code)) + at;
}

FrameResult<FrameHeader> decode_header(std::span<const std::uint8_t> bytes,
                                       std::uint32_t max_body) {
    const std::size_t n = bytes.size();
    if (n >= 1 && bytes[0] != kMagic0)
        return std::unexpected(make_error(FrameErrc::BadMagic, 0, bytes[0], kMagic0));
    if (n >= 2 && bytes[1] != kMagic1)
        return std::unexpected(make_error(FrameErrc::BadMagic, 1, bytes[1], kMagic1));
    if (n >= 3 && bytes[2] != kProtocolVersion)
        return std::unexpected(
            make_error(FrameErrc::UnsupportedVersion, 2, bytes[2], kProtocolVersion));
    if (n >= 4 && bytes[3] != 0)
        return std::unexpected(make_error(FrameErrc::ReservedFlags, 3, bytes[3], 0));
    if (n < kHeaderSize)
        return std::unexpected(make_error(FrameErrc::Truncated, 0, n, kHeaderSize));
    const std::uint32_t length = load_be32(bytes.data() + kLengthOffset);
    if (length == 0)
        return std::unexpected(make_error(FrameErrc::EmptyBody, kLengthOffset, 0, 1));
    if (length > max_body)
        return std::unexpected(make_error(FrameErrc::TooLarge, kLengthOffset, length, max_body));
    return FrameHeader{bytes[2], bytes[3], length};
}

bool encode_frame(const v1::Envelope& envelope, std::vector<std::uint8_t>& out,
                  std::uint32_t max_body) {
    const std::size_t size = envelope.ByteSizeLong();
    if (size == 0 || size > max_body || size > static_cast<std::size_t>(INT_MAX))
        return false;
    const std::size_t start = out.size();
    out.resize(start + kHeaderSize + size);
    std::uint8_t* p = out.data() + start;
    p[0] = kMagic0;
    p[1] = kMagic1;
    p[2] = kProtocolVersion;
    p[3] = 0;
    store_be32(p + kLengthOffset, static_cast<std::uint32_t>(size));
    // ByteSizeLong() cached the sizes; this writes exactly `size` bytes.
    std::uint8_t* end = envelope.SerializeWithCachedSizesToArray(p + kHeaderSize);
    if (end != p + kHeaderSize + size) {
        out.resize(start);
        return false;
    }
    return true;
}

FrameResult<v1::Envelope> decode_frame(std::span<const std::uint8_t> bytes,
                                       std::uint32_t max_body) {
    auto header = decode_header(bytes, max_body);
    if (!header)
        return std::unexpected(header.error());
    const std::size_t body = bytes.size() - kHeaderSize;
    if (body < header->length) {
        return std::unexpected(make_error(FrameErrc::Truncated, kHeaderSize, body, header->length));
    }
    if (body > header->length) {
        return std::unexpected(make_error(FrameErrc::TrailingBytes, kHeaderSize + header->length,
                                          body - header->length,
                                          kHeaderSize + std::size_t{header->length}));
    }
    v1::Envelope env;
    if (auto e = parse_body(bytes.data() + kHeaderSize, header->length, kHeaderSize, env))
        return std::unexpected(*e);
    return env;
}

// ---- FrameReader --------------------------------------------------------------------------------

void FrameReader::fail(const FrameError& e) {
    failed_ = true;
    error_ = e;
    std::vector<std::uint8_t>().swap(buf_);
    begin_ = end_ = 0;
}

void FrameReader::compact() {
    if (begin_ == 0)
        return;
    if (begin_ != end_)
        std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
}

std::uint8_t* FrameReader::reserve_tail(std::size_t n) {
    if (buf_.size() - end_ < n) {
        compact();
        if (buf_.size() - end_ < n)
            buf_.resize(end_ + n);
    }
    return buf_.data() + end_;
}

bool FrameReader::check_head() {
    if (failed_)
        return false;
    const std::size_t have = std::min(buffered(), kHeaderSize);
    auto h = decode_header(std::span<const std::uint8_t>(buf_.data() + begin_, have), max_body_);
    if (!h && h.error().code != FrameErrc::Truncated) {
        fail(shifted(h.error(), consumed_));
        return false;
    }
    return true;
}

void FrameReader::feed(std::span<const std::uint8_t> bytes) {
    if (failed_ || bytes.empty())
        return;
    // While the pending frame's header is incomplete, take only the header's bytes first and check
    // them, so that a bad header (an oversized length above all) is rejected before its body is
    // buffered.
    if (buffered() < kHeaderSize) {
        const std::size_t take = std::min(bytes.size(), kHeaderSize - buffered());
        std::memcpy(reserve_tail(take), bytes.data(), take);
        end_ += take;
        bytes = bytes.subspan(take);
        if (!check_head())
            return;
    }
    if (!bytes.empty()) {
        std::memcpy(reserve_tail(bytes.size()), bytes.data(), bytes.size());
        end_ += bytes.size();
    }
}

std::span<std::uint8_t> FrameReader::prepare(std::size_t n) {
    // After an error the bytes are still accepted (and dropped by commit) so that the contract
    // holds; the caller should close the connection.
    std::uint8_t* tail = reserve_tail(n);
    return {tail, buf_.size() - end_};
}

void FrameReader::commit(std::size_t k) {
    assert(k <= buf_.size() - end_);
    if (failed_)
        return;
    end_ += std::min(k, buf_.size() - end_);
    check_head();
}

FrameReader::Status FrameReader::next(v1::Envelope* out) {
    assert(out != nullptr);
    if (failed_)
        return Status::Error;
    const std::span<const std::uint8_t> pending(buf_.data() + begin_, buffered());
    auto h = decode_header(pending, max_body_);
    if (!h) {
        if (h.error().code == FrameErrc::Truncated)
            return Status::NeedMore;
        fail(shifted(h.error(), consumed_));
        return Status::Error;
    }
    const std::size_t frame = kHeaderSize + std::size_t{h->length};
    if (pending.size() < frame)
        return Status::NeedMore;
    if (auto e = parse_body(pending.data() + kHeaderSize, h->length, kHeaderSize, *out)) {
        fail(shifted(*e, consumed_));
        return Status::Error;
    }
    begin_ += frame;
    consumed_ += frame;
    if (begin_ == end_) {
        begin_ = end_ = 0;
        if (buf_.size() > kKeepCapacity)
            std::vector<std::uint8_t>().swap(buf_);
    } else {
        // The next frame's header may already be here: check it now rather than at the next
        // call, so that its error is reported as early as possible.
        check_head();
    }
    return Status::Frame;
}

}  // namespace opennap::ipc
