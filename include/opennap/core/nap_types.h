// NAP SDK constants, typedefs and enumerations (NapTypes.h, NapEnforcementClient.h,
// NapCertRelyingParty.h, NapMicrosoftVendorIds.h, NapProtocol.h; nap-api.md §3, §4, §5, §7).
//
// Constants keep their SDK names so code reads like the SDK (opennap::maxNetworkSoHSize,
// opennap::NapSystemId). Enumerations are scoped, with the SDK prefix dropped from the enumerators
// (isolationStateInProbation -> IsolationState::InProbation) and the documented numeric values.
//
// The NapTypes.h enums are 32-bit, as in the C API (nap-api.md §2.4), even where an SoH attribute
// carries them in one byte (FailureCategory, ExtendedIsolationState in uint8Val); the NapProtocol.h
// types use their wire widths (SoHAttributeType: UINT16, HealthClassValue: UINT8).
//
// to_string() returns stable lower-case names ("in-probation") and "invalid" for values outside
// the documented set; is_valid() says whether a value is in the documented set.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "opennap/core/ids.h"

namespace opennap {

// ---- §4 typedefs -------------------------------------------------------------------------------

using NapComponentId = std::uint32_t;           // vendor (3 bytes) | component (1 byte), §3.5
using SystemHealthEntityId = NapComponentId;    // an SHA/SHV pair
using EnforcementEntityId = NapComponentId;     // an enforcement client
using SystemHealthEntityCount = std::uint16_t;  // 0..maxSystemHealthEntityCount
using EnforcementEntityCount = std::uint16_t;   // 0..maxEnforcerCount
using Percentage = std::uint8_t;                // 0..100, or percentageNotSupported (101)
using MessageId = std::uint32_t;                // a (localizable) message / resource ID
using ProtocolMaxSize = std::uint32_t;          // minProtocolMaxSize..maxProtocolMaxSize
using ProbationTime = FileTime;

// ---- §3.1 NapTypes.h ---------------------------------------------------------------------------

inline constexpr std::uint8_t freshSoHRequest = 0x1;  // connection flag: answers a fresh request
inline constexpr std::uint8_t shaFixup = 0x1;         // GetSoHResponse flag: SHA should fix up
inline constexpr std::uint8_t percentageNotSupported = 101;
inline constexpr std::uint16_t maxSoHAttributeCount = 100;
inline constexpr std::uint16_t maxSoHAttributeSize = 4000;
inline constexpr std::uint16_t minNetworkSoHSize = 12;
inline constexpr std::uint16_t maxNetworkSoHSize = 4000;
inline constexpr std::uint16_t maxDwordCountPerSoHAttribute = maxSoHAttributeSize / 4;  // 1000
inline constexpr std::uint16_t maxIpv4CountPerSoHAttribute = maxSoHAttributeSize / 4;   // 1000
inline constexpr std::uint16_t maxIpv6CountPerSoHAttribute = maxSoHAttributeSize / 16;  // 250
inline constexpr std::uint16_t maxStringLength = 1024;  // characters, excluding the NUL
inline constexpr std::uint16_t maxStringLengthInBytes = (maxStringLength + 1) * 2;  // 2050
inline constexpr std::uint16_t maxSystemHealthEntityCount = 20;
inline constexpr std::uint16_t maxEnforcerCount = 20;
inline constexpr std::uint16_t maxPrivateDataSize = 200;
inline constexpr std::uint16_t maxConnectionCountPerEnforcer = 20;
inline constexpr std::uint16_t maxCachedSoHCount = 20 * 20 * 20;  // 8000
inline constexpr std::uint16_t failureCategoryCount = 5;
inline constexpr std::uint32_t ComponentTypeEnforcementClientSoH = 0x1;  // in-band SoH EC
inline constexpr std::uint32_t ComponentTypeEnforcementClientRp = 0x2;   // relying-party EC

// ---- §3.2 NapEnforcementClient.h ---------------------------------------------------------------

inline constexpr ProtocolMaxSize defaultProtocolMaxSize = 4000;
inline constexpr ProtocolMaxSize minProtocolMaxSize = 300;
inline constexpr ProtocolMaxSize maxProtocolMaxSize = 0xFFFF;

// ---- §3.3 NapCertRelyingParty.h (semantics undocumented) ---------------------------------------

inline constexpr std::uint32_t NapAfwZonePropId = 0x8000;             // CERT_FIRST_USER_PROP_ID
inline constexpr std::uint32_t NapAfwProtectionLevelPropId = 0x8001;  // CERT_FIRST_USER_PROP_ID + 1

// ---- §3.4 NapMicrosoftVendorIds.h (reserved: never reuse for third-party components) -----------

inline constexpr std::uint32_t MicrosoftVendorId = 0x137;
inline constexpr NapComponentId NapSystemId = 0x00013700;
inline constexpr NapComponentId NapDhcpEnforcementId = 0x00013701;
inline constexpr NapComponentId NapRasEnforcementId = 0x00013702;
inline constexpr NapComponentId NapIpsecEnforcementId = 0x00013703;
inline constexpr NapComponentId Nap8021xEnforcementId = 0x00013704;
inline constexpr NapComponentId NapAnywhereAccessEnforcementId = 0x00013705;
inline constexpr NapComponentId NapIsaEnforcementId = 0x00013706;
inline constexpr NapComponentId NapEapEnforcementId = 0x00013707;
inline constexpr NapComponentId NapOutOfBoxSystemHealthId = 0x00013780;
inline constexpr NapComponentId NapSmsSystemHealthId = 0x00013781;
inline constexpr NapComponentId NapFCSv1SystemHealthId = 0x00013782;
inline constexpr NapComponentId NapFCSv2SystemHealthId = 0x00013783;
inline constexpr NapComponentId NapTpmSystemHealthId = 0x00013784;
// NOT an SDK header constant: the SHA/SHV id used by the SDK samples (QuarSampleSystemHealthId).
inline constexpr SystemHealthEntityId QuarSampleSystemHealthId = 0x000137F0;

// ---- §3.5 component id format ------------------------------------------------------------------

// The vendor's SMI private enterprise code: the upper three bytes.
[[nodiscard]] constexpr std::uint32_t vendor_of(NapComponentId id) noexcept {
    return id >> 8;
}
// The vendor-assigned component number: the low byte.
[[nodiscard]] constexpr std::uint8_t component_of(NapComponentId id) noexcept {
    return static_cast<std::uint8_t>(id & 0xFFu);
}
// vendor is truncated to 24 bits.
[[nodiscard]] constexpr NapComponentId make_component_id(std::uint32_t vendor,
                                                         std::uint8_t component) noexcept {
    return ((vendor & 0x00FFFFFFu) << 8) | component;
}

// ---- §5 enumerations (NapTypes.h) --------------------------------------------------------------

// Isolation state of a connection or of the system. There is no 0 value.
enum class IsolationState : std::uint32_t {
    NotRestricted = 1,     // "not-restricted"
    InProbation = 2,       // "in-probation": full access until probEndTime
    RestrictedAccess = 3,  // "restricted-access"
};

enum class ExtendedIsolationState : std::uint32_t {
    NoData = 0,      // "no-data"
    Transition = 1,  // "transition"
    Infected = 2,    // "infected"
    Unknown = 3,     // "unknown"
};

// Defined by the SDK; no documented API uses it.
enum class NapTracingLevel : std::uint32_t {
    Undefined = 0,  // "undefined"
    Basic = 1,      // "basic"
    Advanced = 2,   // "advanced"
    Debug = 3,      // "debug"
};

// Source of a failure.
enum class FailureCategory : std::uint32_t {
    None = 0,                 // "none"
    Other = 1,                // "other"
    ClientComponent = 2,      // "client-component"
    ClientCommunication = 3,  // "client-communication"
    ServerComponent = 4,      // "server-component"
    ServerCommunication = 5,  // "server-communication"
};

enum class FixupState : std::uint32_t {
    Success = 0,         // "success"
    InProgress = 1,      // "in-progress"
    CouldNotUpdate = 2,  // "could-not-update"
};

// Subscription types of InitializeNapAgentNotifier.
enum class NapNotifyType : std::uint32_t {
    Unknown = 0,       // "unknown" (not used)
    ServiceState = 1,  // "service-state": the NapAgent service started or stopped
    QuarState = 2,     // "quar-state": the system isolation state changed
};

// INapComponentConfig2::IsRemoteConfigSupported.
enum class RemoteConfigurationType : std::uint32_t {
    Machine = 1,     // "machine": InvokeUIForMachine
    ConfigBlob = 2,  // "config-blob": InvokeUIFromConfigBlob, Get/SetConfig
};

// ---- §7 NapProtocol.h --------------------------------------------------------------------------

// SoH attribute (TLV) types between SHA/SHV and the NAP system. Values 2..16.
enum class SoHAttributeType : std::uint16_t {
    SystemHealthId = 2,           // "system-health-id"
    Ipv4FixupServers = 3,         // "ipv4-fixup-servers"
    ComplianceResultCodes = 4,    // "compliance-result-codes"
    TimeOfLastUpdate = 5,         // "time-of-last-update"
    ClientId = 6,                 // "client-id"
    VendorSpecific = 7,           // "vendor-specific"
    HealthClass = 8,              // "health-class"
    SoftwareVersion = 9,          // "software-version"
    ProductName = 10,             // "product-name"
    HealthClassStatus = 11,       // "health-class-status"
    SoHGenerationTime = 12,       // "soh-generation-time"
    ErrorCodes = 13,              // "error-codes"
    FailureCategory = 14,         // "failure-category"
    Ipv6FixupServers = 15,        // "ipv6-fixup-servers"
    ExtendedIsolationState = 16,  // "extended-isolation-state"
};

enum class HealthClassValue : std::uint8_t {
    Firewall = 0,        // "firewall"
    PatchLevel = 1,      // "patch-level"
    AntiVirus = 2,       // "anti-virus"
    CriticalUpdate = 3,  // "critical-update"
    Reserved = 128,      // "reserved" (system use only)
};

[[nodiscard]] constexpr bool is_valid(IsolationState v) noexcept {
    return v >= IsolationState::NotRestricted && v <= IsolationState::RestrictedAccess;
}
[[nodiscard]] constexpr bool is_valid(ExtendedIsolationState v) noexcept {
    return v <= ExtendedIsolationState::Unknown;
}
[[nodiscard]] constexpr bool is_valid(NapTracingLevel v) noexcept {
    return v <= NapTracingLevel::Debug;
}
[[nodiscard]] constexpr bool is_valid(FailureCategory v) noexcept {
    return v <= FailureCategory::ServerCommunication;
}
[[nodiscard]] constexpr bool is_valid(FixupState v) noexcept {
    return v <= FixupState::CouldNotUpdate;
}
[[nodiscard]] constexpr bool is_valid(NapNotifyType v) noexcept {
    return v <= NapNotifyType::QuarState;
}
[[nodiscard]] constexpr bool is_valid(RemoteConfigurationType v) noexcept {
    return v == RemoteConfigurationType::Machine || v == RemoteConfigurationType::ConfigBlob;
}
[[nodiscard]] constexpr bool is_valid(SoHAttributeType v) noexcept {
    return v >= SoHAttributeType::SystemHealthId && v <= SoHAttributeType::ExtendedIsolationState;
}
[[nodiscard]] constexpr bool is_valid(HealthClassValue v) noexcept {
    return v <= HealthClassValue::CriticalUpdate || v == HealthClassValue::Reserved;
}

// True for the attribute types the NAP system itself consumes (nap-api.md §7.1): SystemHealthId,
// Ipv4FixupServers, Ipv6FixupServers, ComplianceResultCodes, FailureCategory. The others are
// guidance between SHA/SHV pairs.
[[nodiscard]] constexpr bool is_consumed_by_nap_system(SoHAttributeType v) noexcept {
    return v == SoHAttributeType::SystemHealthId || v == SoHAttributeType::Ipv4FixupServers ||
           v == SoHAttributeType::Ipv6FixupServers ||
           v == SoHAttributeType::ComplianceResultCodes || v == SoHAttributeType::FailureCategory;
}

[[nodiscard]] std::string_view to_string(IsolationState v) noexcept;
[[nodiscard]] std::string_view to_string(ExtendedIsolationState v) noexcept;
[[nodiscard]] std::string_view to_string(NapTracingLevel v) noexcept;
[[nodiscard]] std::string_view to_string(FailureCategory v) noexcept;
[[nodiscard]] std::string_view to_string(FixupState v) noexcept;
[[nodiscard]] std::string_view to_string(NapNotifyType v) noexcept;
[[nodiscard]] std::string_view to_string(RemoteConfigurationType v) noexcept;
[[nodiscard]] std::string_view to_string(SoHAttributeType v) noexcept;
[[nodiscard]] std::string_view to_string(HealthClassValue v) noexcept;

// ---- §6.1 FailureCategoryMapping ---------------------------------------------------------------

inline constexpr std::size_t kFailureCategoryCount = failureCategoryCount;  // 5

// How an SHV's failure-category answer maps to compliance: true = compliant, false =
// non-compliant (the default for every category). Index i holds FailureCategory(i + 1):
//   0 Other, 1 ClientComponent, 2 ClientCommunication, 3 ServerComponent, 4 ServerCommunication.
// FailureCategory::None has no slot.
struct FailureCategoryMapping {
    std::array<bool, kFailureCategoryCount> mapping_compliance{};

    friend constexpr bool operator==(const FailureCategoryMapping&,
                                     const FailureCategoryMapping&) = default;
};

// The mapping_compliance index of a category; nullopt for None and for invalid values.
[[nodiscard]] constexpr std::optional<std::size_t> mapping_index(FailureCategory c) noexcept {
    if (c == FailureCategory::None || !is_valid(c)) {
        return std::nullopt;
    }
    return static_cast<std::size_t>(c) - 1;
}

}  // namespace opennap
