// Conversions between OpenNAP's C++ value types (opennap/core/nap_structs.h, ids.h,
// opennap/agent/agent_api.h) and the napagent protocol messages (src/ipc/napagent.proto).
//
// Pure codec, like the framing: to_proto() cannot fail; every *_from_proto() checks what it reads
// and returns the value or a ConvertError naming the field ("Registration.info_clsid: 15 bytes,
// expected 16"). Nothing throws, nothing does I/O.
//
// What the converters check is what the C++ type cannot hold or the NapTypes.h limits bound:
//   * CountedStrings travel as UTF-16LE: an even number of bytes, at most maxStringLength (1024)
//     code units;
//   * GUIDs travel as exactly 16 bytes in the Windows memory layout;
//   * numbers must fit the C++ type (an SoH attribute type in 16 bits, a percentage in 0..101);
//   * enumerations must be in their documented set (is_valid());
//   * SoH: at most maxSoHAttributeCount attributes of at most maxSoHAttributeSize bytes each;
//     result-code lists at most maxDwordCountPerSoHAttribute entries;
//   * sub-messages that the C++ type always has must be present.
// Rules about meaning (an SoH starts with its System-Health-ID, who may set what) are the
// agent's: it answers them with the documented HRESULTs, in process and out of process alike.
//
// Each *_from_proto() takes `field`, the path of the message for error texts; it defaults to the
// message's name. Nested errors extend it: "Status.ecs[1].connections[0].isolation.failure_url".
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "napagent.pb.h"
#include "opennap/agent/agent_api.h"
#include "opennap/core/ids.h"
#include "opennap/core/nap_structs.h"

namespace opennap::ipc {

struct ConvertError {
    std::string field;   // path of the offending field, e.g. "Registration.info_clsid"
    std::string reason;  // what is wrong with it, e.g. "15 bytes, expected 16"
    friend bool operator==(const ConvertError&, const ConvertError&) = default;
    // "<field>: <reason>" (just the reason when field is empty).
    [[nodiscard]] std::string message() const;
};

template <class T>
using ConvertResult = std::expected<T, ConvertError>;

// ---- scalars
// -------------------------------------------------------------------------------------

// UTF-16LE code units, as they are (any 16-bit values; no validation, no terminator).
[[nodiscard]] std::string u16_bytes(const std::u16string& s);
// Odd byte counts and strings over maxStringLength code units are errors.
[[nodiscard]] ConvertResult<std::u16string> u16_from_bytes(std::string_view bytes,
                                                           std::string_view field);

// 16 bytes, Windows memory layout: Data1..Data3 little-endian, Data4 as is.
[[nodiscard]] std::string guid_bytes(const Guid& g);
// Exactly 16 bytes.
[[nodiscard]] ConvertResult<Guid> guid_from_bytes(std::string_view bytes, std::string_view field);

// ---- NapTypes structures
// -------------------------------------------------------------------------

void to_proto(const SoH& soh, v1::SoH& out);
[[nodiscard]] ConvertResult<SoH> soh_from_proto(const v1::SoH& in, std::string_view field = "SoH");
// An SoH as the TLVs of its attributes, in order: type and length as 16-bit big-endian numbers,
// then the value (the compact form of ShaRequest.response). Appends to `out`. Precondition:
// soh.is_valid() attribute sizes (each value at most maxSoHAttributeSize bytes).
void append_tlvs(const SoH& soh, std::string& out);
// The reverse, with the limits above; an error names the attribute, its offset and what is wrong.
[[nodiscard]] ConvertResult<SoH> soh_from_tlvs(std::string_view in, std::string_view field = "SoH");
// The same into `out`, reusing the memory of the attributes it holds (what it held is replaced;
// on an error its contents are unspecified).
[[nodiscard]] std::expected<void, ConvertError> soh_from_tlvs_into(std::string_view in, SoH& out,
                                                                   std::string_view field = "SoH");

void to_proto(const CorrelationId& id, v1::CorrelationId& out);
[[nodiscard]] ConvertResult<CorrelationId> correlation_from_proto(
    const v1::CorrelationId& in, std::string_view field = "CorrelationId");

// An IsolationInfo travels with extended_state 0; isolation_from_proto() rejects any other value.
void to_proto(const IsolationInfo& info, v1::IsolationInfo& out);
void to_proto(const IsolationInfoEx& info, v1::IsolationInfo& out);
[[nodiscard]] ConvertResult<IsolationInfo> isolation_from_proto(
    const v1::IsolationInfo& in, std::string_view field = "IsolationInfo");
[[nodiscard]] ConvertResult<IsolationInfoEx> isolation_ex_from_proto(
    const v1::IsolationInfo& in, std::string_view field = "IsolationInfo");

void to_proto(const FixupInfo& info, v1::FixupInfo& out);
[[nodiscard]] ConvertResult<FixupInfo> fixup_from_proto(const v1::FixupInfo& in,
                                                        std::string_view field = "FixupInfo");

void to_proto(const NapComponentRegistrationInfo& info, v1::Registration& out);
[[nodiscard]] ConvertResult<NapComponentRegistrationInfo> registration_from_proto(
    const v1::Registration& in, std::string_view field = "Registration");

// ---- agent API values
// ----------------------------------------------------------------------------

void to_proto(const agent::SystemIsolation& s, v1::SystemIsolation& out);
[[nodiscard]] ConvertResult<agent::SystemIsolation> system_isolation_from_proto(
    const v1::SystemIsolation& in, std::string_view field = "SystemIsolation");

void to_proto(const agent::NapClientInfo& info, v1::ClientInfo& out);
[[nodiscard]] ConvertResult<agent::NapClientInfo> client_info_from_proto(
    const v1::ClientInfo& in, std::string_view field = "ClientInfo");

// ShaStatus::state.id is not on the wire: it is the SHA's id, info.id, and is restored from it.
void to_proto(const agent::ShaStatus& s, v1::ShaStatus& out);
[[nodiscard]] ConvertResult<agent::ShaStatus> sha_status_from_proto(
    const v1::ShaStatus& in, std::string_view field = "ShaStatus");

// ConnectionStatus::ec is not on the wire: a connection travels inside its EC's EcStatus, and
// the caller passes that EC's id.
void to_proto(const agent::ConnectionStatus& s, v1::ConnectionStatus& out);
[[nodiscard]] ConvertResult<agent::ConnectionStatus> connection_status_from_proto(
    const v1::ConnectionStatus& in, EnforcementEntityId ec,
    std::string_view field = "ConnectionStatus");

void to_proto(const agent::EcStatus& s, v1::EcStatus& out);
[[nodiscard]] ConvertResult<agent::EcStatus> ec_status_from_proto(
    const v1::EcStatus& in, std::string_view field = "EcStatus");

// What a Status reply carries (napctl status).
struct StatusSnapshot {
    agent::SystemIsolation system;
    std::vector<agent::ShaStatus> shas;
    std::vector<agent::EcStatus> ecs;
};
void to_proto(const StatusSnapshot& s, v1::Status& out);
[[nodiscard]] ConvertResult<StatusSnapshot> status_from_proto(const v1::Status& in);

}  // namespace opennap::ipc
