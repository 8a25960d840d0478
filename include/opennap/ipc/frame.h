// Framing of the napagent protocol (docs/ipc.md): every frame is an 8-byte header followed by
// one protobuf Envelope (src/ipc/napagent.proto).
//
//   offset 0  'O' 'N'        magic
//   offset 2  version        kProtocolVersion (1)
//   offset 3  flags          0 (reserved: a non-zero value is an error)
//   offset 4  length         body length, u32 big-endian, 1..max_body
//
// Pure codec: bytes in, typed values or a precise error out; no I/O, no globals. A decoder never
// throws and never reads outside its input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "napagent.pb.h"

namespace opennap::ipc {

// The generated messages live in opennap::ipc::v1 (napagent.proto), so `v1::Envelope` names
// them here without an alias (a namespace alias named like the namespace it denotes is an
// error in clang).

inline constexpr std::uint8_t kMagic0 = 'O';
inline constexpr std::uint8_t kMagic1 = 'N';
inline constexpr std::uint8_t kProtocolVersion = 1;
// The message schema version the Hello exchange negotiates (napagent.proto). Version 2: the client
// chooses connection keys and creates connections in reserved slots without a round trip.
// Version 3: an SHA's ProcessSoHResponse carries its response as TLVs (ShaRequest.response).
inline constexpr std::uint32_t kMessageVersion = 3;
inline constexpr std::size_t kHeaderSize = 8;
// Default bound on a frame body, both directions (the daemon's max_frame_size setting).
inline constexpr std::uint32_t kDefaultMaxBody = 256 * 1024;

enum class FrameErrc : std::uint8_t {
    BadMagic,            // bytes 0-1 are not "ON"
    UnsupportedVersion,  // byte 2 is not kProtocolVersion
    ReservedFlags,       // byte 3 is not 0
    EmptyBody,           // length 0
    TooLarge,            // length > max_body
    Truncated,           // fewer bytes than the header or the header's length says
    TrailingBytes,       // decode_frame: bytes after the body
    BadBody,             // the body is not a valid Envelope (protobuf parse failed)
    EmptyEnvelope,       // the Envelope has no kind set
};

struct FrameError {
    FrameErrc code = FrameErrc::Truncated;
    std::size_t offset = 0;   // absolute offset of the offending field in the input
    std::uint64_t value = 0;  // the offending value (a length, a version, ...)
    std::uint64_t limit = 0;  // what it was checked against
    friend bool operator==(const FrameError&, const FrameError&) = default;
    // Operator-facing text, e.g. "frame body length 300000 exceeds the limit 262144 (offset 4)".
    [[nodiscard]] std::string message() const;
};

[[nodiscard]] std::string_view to_string(FrameErrc) noexcept;

template <typename T>
using FrameResult = std::expected<T, FrameError>;

struct FrameHeader {
    std::uint8_t version = kProtocolVersion;
    std::uint8_t flags = 0;
    std::uint32_t length = 0;
};

// Reads and checks the 8-byte header at the start of `bytes` (more bytes may follow). With fewer
// than 8 bytes, the bytes present are still checked first (BadMagic, UnsupportedVersion,
// ReservedFlags win over Truncated), so that a stream of garbage is rejected at once.
[[nodiscard]] FrameResult<FrameHeader> decode_header(std::span<const std::uint8_t> bytes,
                                                     std::uint32_t max_body = kDefaultMaxBody);

// Appends header + serialized envelope to `out`. Returns false (out unchanged) when the envelope
// serializes to more than max_body bytes or to nothing.
bool encode_frame(const v1::Envelope& envelope, std::vector<std::uint8_t>& out,
                  std::uint32_t max_body = kDefaultMaxBody);

// Decodes exactly one frame (header + body, nothing after it).
[[nodiscard]] FrameResult<v1::Envelope> decode_frame(std::span<const std::uint8_t> bytes,
                                                     std::uint32_t max_body = kDefaultMaxBody);

// Incremental decoder for a byte stream: feed what the socket returned, then take frames until
// next() says it needs more. After an error the reader stays failed (the connection must be
// closed). Buffers at most one partial frame (<= kHeaderSize + max_body bytes) beyond what the
// caller fed since it last drained next() down to NeedMore.
//
// feed() and commit() check the pending frame's header as soon as its bytes arrive: a bad one
// (bad magic, an oversized length, ...) fails the reader at once and the bytes are dropped, so
// the body of an oversized frame is never buffered. prepare() after a failure still returns room
// (so that a read loop keeps working until it closes); commit() then drops what arrived.
class FrameReader {
  public:
    explicit FrameReader(std::uint32_t max_body = kDefaultMaxBody) : max_body_(max_body) {}

    // Appends received bytes (ignored once failed).
    void feed(std::span<const std::uint8_t> bytes);
    // A writable tail of at least `n` bytes to read(2) into; commit(k) after k bytes arrived
    // (k <= the tail's size). Saves a copy on the receive path. The span is invalidated by the
    // next feed(), prepare() or next().
    std::span<std::uint8_t> prepare(std::size_t n);
    void commit(std::size_t k);

    enum class Status : std::uint8_t { Frame, NeedMore, Error };
    // Frame: *out holds the next envelope. NeedMore: no complete frame buffered. Error: error()
    // says why; offsets are relative to the start of the stream.
    Status next(v1::Envelope* out);
    [[nodiscard]] const FrameError& error() const noexcept { return error_; }
    [[nodiscard]] std::size_t buffered() const noexcept { return end_ - begin_; }
    [[nodiscard]] std::uint64_t stream_offset() const noexcept { return consumed_; }

  private:
    void fail(const FrameError& e);
    void compact();
    std::uint8_t* reserve_tail(std::size_t n);
    bool check_head();

    std::uint32_t max_body_;
    std::vector<std::uint8_t> buf_;
    std::size_t begin_ = 0;  // first unconsumed byte in buf_
    std::size_t end_ = 0;    // one past the last received byte in buf_
    std::uint64_t consumed_ = 0;
    bool failed_ = false;
    FrameError error_{};
};

}  // namespace opennap::ipc
