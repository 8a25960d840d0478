// SoHAttributeValue <-> TLV value bytes, and the SoH checks of INapSoHConstructor::Validate and
// INapSoHProcessor::Initialize (nap-api.md §7.3, §16). Internal to src/win.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "convert.h"

#include "NapError.h"
#include "NapProtocol.h"

namespace opennap::win {

// The TLV value of `type` for `value` (AppendAttribute). E_POINTER: a NULL array with a non-zero
// count; E_INVALIDARG: a count or size outside the union arm's range.
[[nodiscard]] Expected<std::vector<std::uint8_t>> encode_attribute_value(
    std::uint16_t type, const ::SoHAttributeValue& value);

// A new CoTaskMem SoHAttributeValue decoded from TLV value bytes (GetAttribute); free it with
// FreeSoHAttributeValue(type, value). NAP_E_INVALID_PACKET when the bytes do not fit the type.
HRESULT decode_attribute_value(std::uint16_t type, std::span<const std::uint8_t> bytes,
                               ::SoHAttributeValue** out) noexcept;

// S_OK or NAP_E_INVALID_PACKET (E_POINTER for NULL). The rules (docs/win-api.md):
//  * 1..maxSoHAttributeCount attributes, each with a consistent (size, value) pair, at most
//    maxSoHAttributeSize bytes and a 14-bit type;
//  * the first attribute, and only it, is sohAttributeTypeSystemHealthId;
//  * every attribute's value decodes as its type (lengths; non-empty fix-up server lists);
//    FailureCategory and ExtendedIsolationState values are in their enumerations;
//  * a response has at most one Ipv4FixupServers/Ipv6FixupServers attribute and a
//    ComplianceResultCodes or FailureCategory attribute.
HRESULT validate_soh(const ::SoH* soh, bool is_request) noexcept;
HRESULT validate_soh(const opennap::SoH& soh, bool is_request) noexcept;

}  // namespace opennap::win
