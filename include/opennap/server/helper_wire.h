// The messages between the SHV host and the opennap-shvhost helper process, one per
// SOCK_SEQPACKET datagram (docs/shv.md, "The helper protocol"). A pure codec: decode() validates
// every length against the datagram and returns a typed message or a WireError naming the field
// and offset; the host treats a helper that sends a bad message as dead.
//
//   datagram = u8 type, then the type's fields; integers big-endian;
//   str  = u16 length + bytes (at most kMaxString); blob = u32 length + bytes (at most kMaxBlob);
//   soh  = u16 count (at most maxSoHAttributeCount) + count x (u16 type, u16 size <= 4000, bytes)
//
//   1 Configure  host -> helper  str plugin_path, blob config
//   2 Ready      helper -> host  u32 abi_version, u32 shv_id, str name
//   3 LoadFailed helper -> host  u8 PluginError::Kind, i32 hr, str detail
//   4 Validate   host -> helper  u64 call, u32 shv_id, u32 hint_ms, 24 correlation id,
//                                u32 config_id, u8 flags (1 SoH present, 2 system generated),
//                                str machine name (UTF-8), [soh when flag 1]
//   5 Result     helper -> host  u64 call, i32 hr, u8 has_response, [soh when has_response]
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "opennap/core/endian.h"
#include "opennap/core/ids.h"
#include "opennap/core/nap_structs.h"
#include "opennap/soh/error.h"

namespace opennap::server::wire {

inline constexpr std::size_t kMaxString = 4096;
inline constexpr std::size_t kMaxBlob = 0xFFFF;
// Larger than any message encode() makes from valid values (a 100 x 4000-byte SoH plus headers).
inline constexpr std::size_t kMaxDatagram = 512 * 1024;

enum class Type : std::uint8_t {
    Configure = 1,
    Ready = 2,
    LoadFailed = 3,
    Validate = 4,
    Result = 5
};

struct Configure {
    std::string plugin_path;
    std::vector<std::uint8_t> config;
    friend bool operator==(const Configure&, const Configure&) = default;
};
struct Ready {
    std::uint32_t abi_version = 0;
    std::uint32_t shv_id = 0;
    std::string name;
    friend bool operator==(const Ready&, const Ready&) = default;
};
struct LoadFailed {
    std::uint8_t kind = 0;  // PluginError::Kind
    std::int32_t hr = 0;
    std::string detail;
    friend bool operator==(const LoadFailed&, const LoadFailed&) = default;
};
struct Validate {
    std::uint64_t call = 0;
    std::uint32_t shv_id = 0;
    std::uint32_t hint_ms = 0;
    std::array<std::uint8_t, CorrelationId::kWireSize> correlation_id{};
    std::uint32_t config_id = 0;
    bool system_generated = false;
    std::string machine_name;
    std::optional<SoH> soh;
    friend bool operator==(const Validate&, const Validate&) = default;
};
struct Result {
    std::uint64_t call = 0;
    std::int32_t hr = 0;
    std::optional<SoH> response;
    friend bool operator==(const Result&, const Result&) = default;
};

using Message = std::variant<Configure, Ready, LoadFailed, Validate, Result>;

struct WireError {
    soh::Errc code = soh::Errc::Truncated;
    const char* field = "";    // "type", "plugin_path", "soh.count", "soh.attribute", ...
    std::uint32_t offset = 0;  // of the offending field in the datagram
    std::uint32_t value = 0;   // the offending value (a length, a count, a type)
    [[nodiscard]] std::string message() const;
};

[[nodiscard]] std::expected<Message, WireError> decode(Bytes datagram) noexcept;
// Values outside the limits (a string over kMaxString, an SoH over maxSoHAttributeCount, ...)
// are encoded as they are; decode() then refuses them.
[[nodiscard]] std::vector<std::uint8_t> encode(const Message& message);

}  // namespace opennap::server::wire
