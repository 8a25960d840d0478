// Idiomatic value types for the NapTypes.h structures (nap-api.md §6.1).
//
// The Windows C layouts (pointer + count, CoTaskMem ownership) belong to the Windows-shaped face;
// these are the owning C++ equivalents the rest of OpenNAP uses. Counted arrays become
// std::vector, CountedString becomes std::u16string (UTF-16, as WCHAR on Windows), and each type
// has an is_valid() that checks the documented ranges (the IDL's [range] annotations).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "opennap/core/hresult.h"
#include "opennap/core/ids.h"
#include "opennap/core/nap_types.h"

namespace opennap {

// CountedString: UTF-16 text of at most maxStringLength characters (NUL not counted).
using CountedString = std::u16string;
[[nodiscard]] constexpr bool is_valid_counted_string(std::u16string_view s) noexcept {
    return s.size() <= maxStringLength;
}
// StringCorrelationId: the string form of a CorrelationId, for logs.
using StringCorrelationId = CountedString;

// UTF-8 <-> UTF-16 conversion for CountedStrings. Ill-formed input (bad UTF-8 sequences, lone
// surrogates) is replaced by U+FFFD rather than rejected: these strings are for display and logs.
[[nodiscard]] std::u16string utf8_to_utf16(std::string_view utf8);
[[nodiscard]] std::string utf16_to_utf8(std::u16string_view utf16);

using Ipv4Address = std::array<std::uint8_t, 4>;   // network byte order
using Ipv6Address = std::array<std::uint8_t, 16>;  // network byte order

// ResultCodes: 0..maxDwordCountPerSoHAttribute HRESULTs, host order.
using ResultCodes = std::vector<HResult>;
[[nodiscard]] constexpr bool is_valid_result_codes(const ResultCodes& r) noexcept {
    return r.size() <= maxDwordCountPerSoHAttribute;
}

struct IsolationInfo {
    IsolationState isolation_state = IsolationState::NotRestricted;
    ProbationTime prob_end_time{};  // when probation ends (meaningful in InProbation)
    CountedString failure_url;      // where to go on failure
    friend bool operator==(const IsolationInfo&, const IsolationInfo&) = default;
    [[nodiscard]] bool is_valid() const noexcept {
        return opennap::is_valid(isolation_state) && is_valid_counted_string(failure_url);
    }
};

struct IsolationInfoEx {
    IsolationState isolation_state = IsolationState::NotRestricted;
    ExtendedIsolationState extended_isolation_state = ExtendedIsolationState::NoData;
    ProbationTime prob_end_time{};
    CountedString failure_url;
    friend bool operator==(const IsolationInfoEx&, const IsolationInfoEx&) = default;
    [[nodiscard]] bool is_valid() const noexcept {
        return opennap::is_valid(isolation_state) && opennap::is_valid(extended_isolation_state) &&
               is_valid_counted_string(failure_url);
    }
};

struct FixupInfo {
    FixupState state = FixupState::Success;
    Percentage percentage = 0;  // 0..100, or percentageNotSupported (101)
    ResultCodes result_codes;   // SHA-defined
    MessageId fixup_msg_id = 0;
    friend bool operator==(const FixupInfo&, const FixupInfo&) = default;
    [[nodiscard]] bool is_valid() const noexcept {
        return opennap::is_valid(state) && percentage <= percentageNotSupported &&
               is_valid_result_codes(result_codes);
    }
};

struct SystemHealthAgentState {
    SystemHealthEntityId id = 0;
    ResultCodes sha_result_codes;  // Compliance-Result-Codes of the latest SoH response
    FailureCategory failure_category = FailureCategory::None;
    FixupInfo fixup_info;
    friend bool operator==(const SystemHealthAgentState&, const SystemHealthAgentState&) = default;
    [[nodiscard]] bool is_valid() const noexcept {
        return is_valid_result_codes(sha_result_codes) && opennap::is_valid(failure_category) &&
               fixup_info.is_valid();
    }
};

// One attribute of an SHA's SoH (or an SHV's SoH response) between the component and the NAP
// system. `value` holds the attribute value as it travels in the TLV (network byte order; see
// docs/soh-wire.md), at most maxSoHAttributeSize bytes.
struct SoHAttribute {
    std::uint16_t type = 0;  // a SoHAttributeType value (unknown types allowed)
    std::vector<std::uint8_t> value;
    friend bool operator==(const SoHAttribute&, const SoHAttribute&) = default;
    [[nodiscard]] bool is_valid() const noexcept { return value.size() <= maxSoHAttributeSize; }
};

// SoH / SoHRequest / SoHResponse: 0..maxSoHAttributeCount attributes; the first one must be the
// System-Health-ID of the SHA/SHV that built it.
struct SoH {
    std::vector<SoHAttribute> attributes;
    friend bool operator==(const SoH&, const SoH&) = default;
    [[nodiscard]] bool is_valid() const noexcept;
};
using SoHRequest = SoH;
using SoHResponse = SoH;

// NetworkSoH: the wire SoH blob (opaque to enforcement clients), minNetworkSoHSize..
// maxNetworkSoHSize bytes. A zero-size response is valid where the docs allow it
// (SetSoHResponse); that case is checked by the API that accepts it.
struct NetworkSoH {
    std::vector<std::uint8_t> data;
    friend bool operator==(const NetworkSoH&, const NetworkSoH&) = default;
    [[nodiscard]] bool is_valid() const noexcept {
        return data.size() >= minNetworkSoHSize && data.size() <= maxNetworkSoHSize;
    }
};
using NetworkSoHRequest = NetworkSoH;
using NetworkSoHResponse = NetworkSoH;

// PrivateData: opaque state of the NAP agent, an EC or the NAP server; 0..maxPrivateDataSize.
struct PrivateData {
    std::vector<std::uint8_t> data;
    friend bool operator==(const PrivateData&, const PrivateData&) = default;
    [[nodiscard]] bool is_valid() const noexcept { return data.size() <= maxPrivateDataSize; }
};

// A registered SHA, SHV or EC. Registration info is US-English only; registration_date is
// ignored on registration and filled in when listed.
struct NapComponentRegistrationInfo {
    NapComponentId id = 0;
    CountedString friendly_name;
    CountedString description;
    CountedString version;
    CountedString vendor_name;
    Guid info_clsid;    // component implementing INapComponentInfo (ECs need not supply one)
    Guid config_clsid;  // component implementing INapComponentConfig (SHAs, ECs: optional)
    FileTime registration_date;
    std::uint32_t component_type = 0;  // ECs: ComponentTypeEnforcementClientSoH / ...Rp; else 0
    friend bool operator==(const NapComponentRegistrationInfo&,
                           const NapComponentRegistrationInfo&) = default;
    [[nodiscard]] bool is_valid() const noexcept {
        return is_valid_counted_string(friendly_name) && is_valid_counted_string(description) &&
               is_valid_counted_string(version) && is_valid_counted_string(vendor_name);
    }
};

}  // namespace opennap
