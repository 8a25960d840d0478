// The SoH and SoHR message (ms-soh.md §3 and §5; docs/soh-wire.md).
//
//   00 07 | outer length | 00 00 01 37 | inner type (1|2) | inner length | body
//   body = [mode sub-header, iff inner type 2] SSoH(R) SoH(R)ReportEntry*
//
// SoH and SoHR share this layout; OpenNAP tells them apart by the SSoH's MS-Packet-Info
// (request bit 0x10). decode() validates the whole message in one pass without allocating and
// returns a MessageView of spans into the caller's buffer; Message is the owning, editable model
// and encode() writes OpenNAP's canonical form (byte-identical to the input for every input that
// is already canonical, which includes the reference vectors).
#pragma once

#include <array>
#include <cstdint>
#include <iterator>
#include <optional>
#include <vector>

#include "opennap/soh/attributes.h"
#include "opennap/soh/error.h"
#include "opennap/soh/limits.h"
#include "opennap/soh/system_soh.h"
#include "opennap/soh/tlv.h"

namespace opennap::soh {

inline constexpr std::uint16_t kOuterType = 0x0007;
inline constexpr std::size_t kMessageHeaderSize = 12;  // minNetworkSoHSize
inline constexpr std::size_t kModeSubHeaderSize = 34;
inline constexpr std::uint16_t kModeSubHeaderLength = 30;  // its TLV length field
inline constexpr std::uint16_t kInnerTypeNoModeHeader = 1;
inline constexpr std::uint16_t kInnerTypeModeHeader = 2;
inline constexpr std::uint8_t kIntentRequest = 0x01;   // what wpa_supplicant sends
inline constexpr std::uint8_t kIntentResponse = 0x00;  // OpenNAP's SoHR choice (docs/soh-wire.md)

enum class Direction : std::uint8_t { Any, Request, Response };

struct DecodeOptions {
    Limits limits{};
    // Request: reject an SSoH whose MS-Packet-Info says response, and vice versa. A message
    // without MS-Packet-Info is accepted either way.
    Direction expect = Direction::Any;
    // Receiver rule 5 stops the MS attribute walk at an unknown type and flags the decode as
    // partial. With allow_partial = false that is an error instead (Errc::BadType on the
    // MS attribute), for callers that want only fully understood SSoHs.
    bool allow_partial = true;
};

// ---- zero-copy view ----------------------------------------------------------------------

struct ModeSubHeaderView {
    std::span<const std::uint8_t, CorrelationId::kWireSize> correlation_id;
    std::uint8_t intent = 0;
    std::uint8_t content_type = 0;
};

// One SoHReportEntry (or SoHRReportEntry): the SHA's System-Health-ID TLV and the TLVs that
// follow it up to the next System-Health-ID.
struct EntryView {
    std::uint32_t id = 0;      // System-Health-ID value
    std::uint16_t index = 0;   // 1-based position among the report entries
    std::uint32_t offset = 0;  // absolute offset of its System-Health-ID TLV
    TlvRange attributes;       // the TLVs after the System-Health-ID, in order
    std::uint16_t attribute_count = 0;

    // First TLV of `type`, if any.
    [[nodiscard]] std::optional<TlvView> find(std::uint16_t type) const noexcept;
};

// Iterates the report entries of a decoded message.
class EntryRange {
  public:
    class iterator {
      public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = EntryView;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = EntryView;
        iterator() = default;
        iterator(TlvRange::iterator it, TlvRange::iterator end, std::uint16_t index)
            : it_(it), end_(end), index_(index) {}
        EntryView operator*() const noexcept;
        iterator& operator++() noexcept;
        iterator operator++(int) noexcept {
            auto t = *this;
            ++*this;
            return t;
        }
        friend bool operator==(const iterator& a, const iterator& b) noexcept {
            return a.it_ == b.it_;
        }

      private:
        TlvRange::iterator it_, end_;
        std::uint16_t index_ = 1;
    };

    EntryRange() = default;
    explicit EntryRange(TlvRange tlvs) noexcept : tlvs_(tlvs) {}
    [[nodiscard]] iterator begin() const noexcept { return {tlvs_.begin(), tlvs_.end(), 1}; }
    [[nodiscard]] iterator end() const noexcept { return {tlvs_.end(), tlvs_.end(), 0}; }

  private:
    TlvRange tlvs_;  // starts at the first entry's System-Health-ID TLV
};

struct MessageView {
    Bytes bytes;  // the whole message
    std::uint16_t inner_type = 0;
    std::optional<ModeSubHeaderView> mode;
    std::uint32_t body_offset = 0;  // absolute offset of the first body TLV (after mode header)
    TlvRange body;                  // every body TLV (SSoH and entries), in order

    // The SSoH(R) group: its System-Health-ID (0x00013700) TLV, the MS attributes decoded from
    // its Vendor-Specific(311) TLV, and the group's other TLVs (any TLV but that one).
    std::uint32_t system_offset = 0;
    SystemSohView system;
    std::uint16_t system_vendor_tlv_flags = 0;
    std::uint32_t system_vendor_tlv_offset = 0;  // absolute offset of the Vendor-Specific(311) TLV
    TlvRange system_group;  // TLVs after the SSoH's System-Health-ID, up to the first entry

    EntryRange entries;
    std::uint16_t entry_count = 0;
    std::uint16_t tlv_count = 0;  // body TLVs, mode sub-header excluded

    [[nodiscard]] bool is_request() const noexcept { return system.is_request(); }
    // True when the MS attribute walk stopped at an unknown type (receiver rule 5).
    [[nodiscard]] bool partial() const noexcept { return system.partial; }
};

// Decodes and validates one SoH/SoHR message occupying exactly `bytes`.
[[nodiscard]] Result<MessageView> decode(Bytes bytes, const DecodeOptions& options = {}) noexcept;

// ---- owning model -------------------------------------------------------------------------

struct ModeSubHeader {
    std::array<std::uint8_t, CorrelationId::kWireSize> correlation_id{};
    std::uint8_t intent = kIntentRequest;
    std::uint8_t content_type = 0;
    friend bool operator==(const ModeSubHeader&, const ModeSubHeader&) = default;
};

struct ReportEntry {
    std::uint32_t id = 0;               // System-Health-ID of the SHA / SHV
    std::vector<Attribute> attributes;  // the TLVs after the System-Health-ID, in wire order
    friend bool operator==(const ReportEntry&, const ReportEntry&) = default;

    [[nodiscard]] const Attribute* find(std::uint16_t type) const noexcept;
};

struct Message {
    // Present iff the message uses inner type 2.
    std::optional<ModeSubHeader> mode;
    SystemAttributes system;  // the SSoH(R) MS attributes
    std::uint16_t system_vendor_tlv_flags = 0;
    std::vector<Attribute> system_extra;  // other TLVs of the SSoH(R) group, e.g. fix-up servers
    std::vector<ReportEntry> entries;

    friend bool operator==(const Message&, const Message&) = default;

    [[nodiscard]] static Message from(const MessageView& view);

    // Convenience: the correlation id bytes (mode sub-header first, then MS-CorrelationId).
    [[nodiscard]] std::optional<CorrelationId> correlation_id() const noexcept;
    // Sets both the mode sub-header's and the MS-CorrelationId's copy.
    void set_correlation_id(const CorrelationId& id);
    [[nodiscard]] bool is_request() const noexcept;
};

// Encodes the canonical form: header, [mode sub-header], SHID(0x00013700), Vendor-Specific(311,
// MS attributes), system_extra..., then each entry as SHID + its attributes. Fails
// (Errc::LimitExceeded) when a length does not fit 16 bits or the result exceeds
// `max_size` bytes.
[[nodiscard]] Result<std::vector<std::uint8_t>> encode(const Message& message,
                                                       std::size_t max_size = 0xFFFF);
// Appends to `out` (reusing its capacity); returns the message size.
[[nodiscard]] Result<std::size_t> encode_to(const Message& message, std::vector<std::uint8_t>& out,
                                            std::size_t max_size = 0xFFFF);

}  // namespace opennap::soh
