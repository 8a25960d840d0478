// The NAP system part of an SoH/SoHR: the "MS attributes" carried in the SSoH's
// Vendor-Specific(311) TLV (ms-soh.md §3.3).
//
// MS attributes are type-value pairs without a length byte; each type has a fixed or
// self-describing layout. An unknown type cannot be skipped, so the walk stops there, keeps what
// it decoded and flags the block as partial (receiver rule 5, ms-soh.md §9); the undecoded tail is
// kept raw so that re-encoding reproduces it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "opennap/core/ids.h"
#include "opennap/soh/attributes.h"
#include "opennap/soh/error.h"
#include "opennap/soh/limits.h"

namespace opennap::soh {

namespace ms_type {
inline constexpr std::uint8_t kMachineInventory = 1;
inline constexpr std::uint8_t kQuarantineState = 2;
inline constexpr std::uint8_t kPacketInfo = 3;
inline constexpr std::uint8_t kSystemGeneratedIds = 4;
inline constexpr std::uint8_t kMachineName = 5;
inline constexpr std::uint8_t kCorrelationId = 6;
inline constexpr std::uint8_t kInstalledShvs = 7;
inline constexpr std::uint8_t kMachineInventoryEx = 8;
}  // namespace ms_type

[[nodiscard]] const char* ms_type_name(std::uint8_t type) noexcept;

// processorArchitecture values of MS-Machine-Inventory.
enum class ProcessorArch : std::uint16_t { X86 = 0, IA64 = 6, X64 = 9 };
// productType values of MS-Machine-Inventory-Ex.
enum class ProductType : std::uint8_t { Workstation = 1, DomainController = 2, Server = 3 };

// MS-Packet-Info: bit 0x10 marks a request (SoH); the low nibble is the version (1).
inline constexpr std::uint8_t kPacketInfoRequestBit = 0x10;
inline constexpr std::uint8_t kPacketInfoRequest = 0x11;   // what XP SP3 and wpa_supplicant send
inline constexpr std::uint8_t kPacketInfoResponse = 0x01;  // OpenNAP's SSoHR value

// MS-Machine-Inventory-Ex reserved field as sent by XP SP3 and the NAP SDK samples.
inline constexpr std::uint32_t kInventoryExReserved = 0xDECAFBAD;

struct MachineInventory {
    std::uint32_t os_major = 0;
    std::uint32_t os_minor = 0;
    std::uint32_t os_build = 0;
    std::uint16_t sp_major = 0;
    std::uint16_t sp_minor = 0;
    std::uint16_t processor_arch = 0;
    friend bool operator==(const MachineInventory&, const MachineInventory&) = default;
};

struct MachineInventoryEx {
    std::uint32_t reserved = 0;
    std::uint8_t product_type = 1;
    friend bool operator==(const MachineInventoryEx&, const MachineInventoryEx&) = default;
};

// MS-Quarantine-State flags. The bit layout is not confirmed by any available source
// (ms-soh.md §3.3); OpenNAP reads and writes: bits 0-2 isolation state (IsolationState 1-3),
// bit 3 "f" (meaning unknown, preserved), bits 4-7 extended isolation state (0-3). The raw value
// is always kept, so nothing is lost whatever the real layout is. See docs/soh-wire.md.
namespace quarantine_flags {
inline constexpr std::uint16_t kStateMask = 0x0007;
inline constexpr std::uint16_t kFBit = 0x0008;
inline constexpr std::uint16_t kExtStateShift = 4;
inline constexpr std::uint16_t kExtStateMask = 0x00F0;
constexpr std::uint8_t isolation_state(std::uint16_t flags) noexcept {
    return static_cast<std::uint8_t>(flags & kStateMask);
}
constexpr std::uint8_t extended_state(std::uint16_t flags) noexcept {
    return static_cast<std::uint8_t>((flags & kExtStateMask) >> kExtStateShift);
}
constexpr std::uint16_t make(std::uint8_t isolation_state, std::uint8_t extended_state) noexcept {
    return static_cast<std::uint16_t>((isolation_state & kStateMask) |
                                      ((extended_state << kExtStateShift) & kExtStateMask));
}
}  // namespace quarantine_flags

// ---- zero-copy view ----------------------------------------------------------------------

struct QuarantineStateView {
    std::uint16_t flags = 0;
    FileTime probation_time{FileTime::kNone};
    Bytes url;  // raw bytes as sent (may end in NUL)
};

// The MS attributes of one SSoH/SSoHR. Each optional holds the first occurrence of its type;
// `count` counts every attribute decoded (duplicates included).
struct SystemSohView {
    std::optional<MachineInventory> machine_inventory;
    std::optional<QuarantineStateView> quarantine_state;
    std::optional<std::uint8_t> packet_info;
    std::optional<PackedList<4>> system_generated_ids;
    std::optional<Bytes> machine_name;  // raw bytes as sent (wpa_supplicant includes a NUL)
    std::optional<std::span<const std::uint8_t, CorrelationId::kWireSize>> correlation_id;
    std::optional<PackedList<4>> installed_shvs;
    std::optional<MachineInventoryEx> machine_inventory_ex;

    std::uint16_t count = 0;
    Bytes block;  // the whole MS attribute block (after the 311 vendor id)
    std::uint32_t block_offset = 0;
    bool partial = false;  // the walk stopped at an unknown MS attribute type
    std::uint8_t unknown_type = 0;
    std::uint32_t unknown_offset = 0;
    Bytes undecoded;  // the block from the unknown attribute to its end

    [[nodiscard]] bool is_request() const noexcept {
        return packet_info && (*packet_info & kPacketInfoRequestBit) != 0;
    }
};

// Walks an MS attribute block. `block_offset` is the block's absolute offset in the caller's
// buffer (for error offsets). Errors carry Field::MsAttribute and entry 0.
[[nodiscard]] Result<SystemSohView> decode_ms_attributes(Bytes block, std::size_t block_offset,
                                                         const Limits& limits = {}) noexcept;

// ---- owning model -------------------------------------------------------------------------

struct QuarantineState {
    std::uint16_t flags = 0;
    FileTime probation_time{FileTime::kNone};
    std::string url;  // raw bytes as sent; OpenNAP sends the URL followed by one NUL
    friend bool operator==(const QuarantineState&, const QuarantineState&) = default;
};
struct PacketInfo {
    std::uint8_t value = kPacketInfoRequest;
    friend bool operator==(const PacketInfo&, const PacketInfo&) = default;
};
struct SystemGeneratedIds {
    std::vector<std::uint32_t> ids;
    friend bool operator==(const SystemGeneratedIds&, const SystemGeneratedIds&) = default;
};
struct MachineName {
    std::string bytes;  // raw as sent; text() drops trailing NULs
    [[nodiscard]] std::string_view text() const noexcept {
        std::string_view v = bytes;
        while (!v.empty() && v.back() == '\0')
            v.remove_suffix(1);
        return v;
    }
    friend bool operator==(const MachineName&, const MachineName&) = default;
};
struct MsCorrelationId {
    std::array<std::uint8_t, CorrelationId::kWireSize> bytes{};
    friend bool operator==(const MsCorrelationId&, const MsCorrelationId&) = default;
};
struct InstalledShvs {
    std::vector<std::uint32_t> ids;
    friend bool operator==(const InstalledShvs&, const InstalledShvs&) = default;
};

using MsAttribute = std::variant<MachineInventory, QuarantineState, PacketInfo, SystemGeneratedIds,
                                 MachineName, MsCorrelationId, InstalledShvs, MachineInventoryEx>;

[[nodiscard]] std::uint8_t ms_type_of(const MsAttribute& a) noexcept;

// The editable MS attribute list, in wire order, plus any undecodable tail.
struct SystemAttributes {
    std::vector<MsAttribute> items;
    std::vector<std::uint8_t> undecoded;  // kept from a partial decode and re-encoded unchanged

    friend bool operator==(const SystemAttributes&, const SystemAttributes&) = default;

    // First attribute of type T, or nullptr.
    template <typename T>
    [[nodiscard]] const T* find() const noexcept {
        for (const auto& a : items) {
            if (const T* p = std::get_if<T>(&a))
                return p;
        }
        return nullptr;
    }
    template <typename T>
    [[nodiscard]] T* find() noexcept {
        for (auto& a : items) {
            if (T* p = std::get_if<T>(&a))
                return p;
        }
        return nullptr;
    }
    // Replaces the first attribute of the same type, or appends.
    void set(MsAttribute a);

    // Owned copy of a decoded view (re-walks view.block; cannot fail for a view produced by
    // decode_ms_attributes).
    [[nodiscard]] static SystemAttributes from(const SystemSohView& view);

    // Appends the encoded block (without the 311 vendor id). Fails when a variable field does
    // not fit its 16-bit length.
    [[nodiscard]] Result<std::size_t> encode_to(std::vector<std::uint8_t>& out) const;
};

}  // namespace opennap::soh
