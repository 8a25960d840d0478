// The SoH TLV: |M|R| type (14 bits) | length (16 bits) | value |, big-endian, no padding.
//
// TlvView is a zero-copy view of one TLV inside a caller's buffer; TlvRange walks a region that
// the message decoder has already validated, so iteration needs no error handling. Attribute is
// the owning counterpart used by the editable message model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <vector>

#include "opennap/core/endian.h"
#include "opennap/soh/error.h"

namespace opennap::soh {

// SoHAttributeType numbers (NapProtocol.h; nap-api.md §7.1) as TLV types.
namespace tlv_type {
inline constexpr std::uint16_t kSystemHealthId = 2;
inline constexpr std::uint16_t kIpv4FixupServers = 3;
inline constexpr std::uint16_t kComplianceResultCodes = 4;
inline constexpr std::uint16_t kTimeOfLastUpdate = 5;
inline constexpr std::uint16_t kClientId = 6;
inline constexpr std::uint16_t kVendorSpecific = 7;
inline constexpr std::uint16_t kHealthClass = 8;
inline constexpr std::uint16_t kSoftwareVersion = 9;
inline constexpr std::uint16_t kProductName = 10;
inline constexpr std::uint16_t kHealthClassStatus = 11;
inline constexpr std::uint16_t kSoHGenerationTime = 12;
inline constexpr std::uint16_t kErrorCodes = 13;
inline constexpr std::uint16_t kFailureCategory = 14;
inline constexpr std::uint16_t kIpv6FixupServers = 15;
inline constexpr std::uint16_t kExtendedIsolationState = 16;
}  // namespace tlv_type

inline constexpr std::uint16_t kTlvMandatoryBit = 0x8000;
inline constexpr std::uint16_t kTlvReservedBit = 0x4000;
inline constexpr std::uint16_t kTlvTypeMask = 0x3FFF;
inline constexpr std::size_t kTlvHeaderSize = 4;
inline constexpr std::uint32_t kMicrosoftVendorId = 0x137;  // SMI enterprise 311
inline constexpr std::uint32_t kNapSystemId = 0x00013700;   // SSoH / SSoHR System-Health-ID

struct TlvView {
    std::uint16_t type = 0;   // 14-bit type, M/R masked off
    std::uint16_t flags = 0;  // the M/R bits as received
    Bytes value;
    std::uint32_t offset = 0;  // absolute offset of the TLV header in the decoded buffer

    [[nodiscard]] std::uint32_t value_offset() const noexcept {
        return offset + static_cast<std::uint32_t>(kTlvHeaderSize);
    }
};

// Iterates TLVs of a region known to be well formed (every length fits). Produced by the
// message decoder; do not construct one over unvalidated bytes.
class TlvRange {
  public:
    class iterator {
      public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = TlvView;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = TlvView;

        iterator() = default;
        iterator(const std::uint8_t* p, const std::uint8_t* base) : p_(p), base_(base) {}
        TlvView operator*() const noexcept {
            const std::uint16_t raw = load_be16(p_);
            return TlvView{static_cast<std::uint16_t>(raw & kTlvTypeMask),
                           static_cast<std::uint16_t>(raw & ~kTlvTypeMask),
                           Bytes(p_ + kTlvHeaderSize, load_be16(p_ + 2)),
                           static_cast<std::uint32_t>(p_ - base_)};
        }
        iterator& operator++() noexcept {
            p_ += kTlvHeaderSize + load_be16(p_ + 2);
            return *this;
        }
        iterator operator++(int) noexcept {
            auto t = *this;
            ++*this;
            return t;
        }
        friend bool operator==(const iterator& a, const iterator& b) noexcept {
            return a.p_ == b.p_;
        }

      private:
        const std::uint8_t* p_ = nullptr;
        const std::uint8_t* base_ = nullptr;
    };

    TlvRange() = default;
    // `region` is the validated TLV bytes, `base` the start of the caller's whole buffer (for
    // absolute offsets).
    TlvRange(Bytes region, const std::uint8_t* base) noexcept : region_(region), base_(base) {}

    [[nodiscard]] iterator begin() const noexcept { return {region_.data(), base_}; }
    [[nodiscard]] iterator end() const noexcept { return {region_.data() + region_.size(), base_}; }
    [[nodiscard]] bool empty() const noexcept { return region_.empty(); }
    [[nodiscard]] Bytes bytes() const noexcept { return region_; }

  private:
    Bytes region_;
    const std::uint8_t* base_ = nullptr;
};

// Reads one TLV header at `pos` of `buf`, checking that the header and the value fit before
// `end` (an offset into buf). On error the DecodeError names `field`, `entry` and offsets relative
// to `base_offset` + position.
[[nodiscard]] Result<TlvView> read_tlv(Bytes buf, std::size_t pos, std::size_t end, Field field,
                                       std::int32_t entry, std::size_t base_offset = 0) noexcept;

// An owned TLV of the editable model. Flags are kept so that re-encoding is byte-exact.
struct Attribute {
    std::uint16_t type = 0;
    std::uint16_t flags = 0;
    std::vector<std::uint8_t> value;

    friend bool operator==(const Attribute&, const Attribute&) = default;

    [[nodiscard]] TlvView view() const noexcept { return TlvView{type, flags, Bytes(value), 0}; }
    static Attribute from(const TlvView& v) {
        return Attribute{v.type, v.flags,
                         std::vector<std::uint8_t>(v.value.begin(), v.value.end())};
    }
};

// Appends a TLV header plus value. The caller guarantees value.size() <= 0xFFFF.
inline void append_tlv(std::vector<std::uint8_t>& out, std::uint16_t type_and_flags, Bytes value) {
    const std::size_t at = out.size();
    out.resize(at + kTlvHeaderSize);
    store_be16(out.data() + at, type_and_flags);
    store_be16(out.data() + at + 2, static_cast<std::uint16_t>(value.size()));
    out.insert(out.end(), value.begin(), value.end());
}

}  // namespace opennap::soh
