// Typed access to the Microsoft [MS-RNAP] vendor-specific attributes (vendor 311) a NAP health
// policy server reads from an Access-Request and writes into its answer (ms-soh.md §6.2,
// docs/radius.md).
//
// Reading: each accessor answers nullopt when its attribute is absent and a radius::Error when
// it is malformed, repeated where MS-RNAP allows one, or when a Microsoft VSA in the packet is
// malformed (the attribute could be hidden in it; see for_each_vendor_attribute()). One accessor's
// error does not affect the others or the packet.
//
// MS-Quarantine-SoH is framed by the SoH codec (opennap/soh/radius.h), which splits an SoH/SoHR
// across as many consecutive VSAs as it needs, reassembles them in attribute order and handles
// the bare (MS-RNAP) and PEAP-wrapped (FreeRADIUS) value forms; this header only connects it to
// packets and builders. So do the remediation-server list encoders.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "opennap/core/ids.h"
#include "opennap/radius/dictionary.h"
#include "opennap/radius/packet.h"
#include "opennap/soh/radius.h"

namespace opennap::radius {

using soh::radius::Ipv4Address;
using soh::radius::Ipv6Address;
using soh::radius::NapAttributes;
using soh::radius::QuarantineSoh;
using soh::radius::Wrapping;

// ---- Access-Request (NAS -> server) ------------------------------------------------------------

// MS-Quarantine-SoH (55): the client's SoH, reassembled and unwrapped (QuarantineSoh::message is
// the SoH; decode it with soh::decode()). Errors inside the value (wrapper lengths, a message
// under 12 octets) are Errc::Soh with the SoH codec's error in Error::soh.
[[nodiscard]] Result<std::optional<QuarantineSoh>> quarantine_soh(const PacketView& packet);

// MS-Network-Access-Server-Type (47): a 4-octet value (else BadLength), at most one
// (Duplicate). Values MS-RNAP does not name pass through unchanged.
[[nodiscard]] Result<std::optional<NasType>> network_access_server_type(const PacketView& packet);

// MS-Machine-Name (50): the endpoint's name in the Windows ANSI code page, not interpreted. At
// least one octet (BadLength), at most one attribute (Duplicate). MS-RNAP does not
// NUL-terminate it; one trailing NUL, if a NAS sends it, is dropped (an empty name after that
// is BadValue). The view points into the datagram.
[[nodiscard]] Result<std::optional<std::string_view>> machine_name(const PacketView& packet);

// MS-RAS-Correlation-ID (56). MS-RNAP 2.2.1.20 calls the value both "a 128-bit unsigned integer"
// and "a curly braced GUID string" ([MS-DTYP] 2.3.4.3), without an encoding; OpenNAP accepts
// the three readings and says which one it saw. Anything else is BadLength / BadValue.
enum class CorrelationIdForm : std::uint8_t {
    Text,       // 38 ASCII characters "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}", optional NUL
    Utf16Text,  // the same 38 characters in UTF-16LE (76 octets), optional 2-octet NUL
    Binary,     // 16 octets, the [MS-DTYP] 2.3.4.2 GUID packet form (Data1-3 little-endian)
};
struct RasCorrelationId {
    Guid guid;
    CorrelationIdForm form = CorrelationIdForm::Text;
    friend bool operator==(const RasCorrelationId&, const RasCorrelationId&) = default;
};
[[nodiscard]] Result<std::optional<RasCorrelationId>> ras_correlation_id(const PacketView& packet);

// The NAS-side writers (for clients, tests and simulators). The correlation id is written in the
// Text form, upper case as Windows formats GUIDs, without a NUL.
PacketBuilder& add_network_access_server_type(PacketBuilder& builder, NasType type);
PacketBuilder& add_machine_name(PacketBuilder& builder, std::string_view name);
PacketBuilder& add_ras_correlation_id(PacketBuilder& builder, const Guid& id);

// ---- Access-Accept (server -> NAS) -------------------------------------------------------------

PacketBuilder& add_quarantine_state(PacketBuilder& builder, QuarantineState state);
PacketBuilder& add_extended_quarantine_state(PacketBuilder& builder, ExtendedQuarantineState state);
// MS-Quarantine-Grace-Time (46): the Unix time until which the NAS grants full access. Times
// before 1970 or after 2106-02-07 (beyond 32 bits) are BadValue.
PacketBuilder& add_quarantine_grace_time(PacketBuilder& builder, std::chrono::sys_seconds until);
// MS-IPv4/IPv6-Remediation-Servers (52/53): reserved octet + addresses, split over as many VSAs
// as needed (61 IPv4 / 15 IPv6 addresses per VSA). An empty list adds nothing.
PacketBuilder& add_ipv4_remediation_servers(PacketBuilder& builder,
                                            std::span<const Ipv4Address> servers);
PacketBuilder& add_ipv6_remediation_servers(PacketBuilder& builder,
                                            std::span<const Ipv6Address> servers);
// MS-Quarantine-SoH (55) carrying `message` (the SoHR in an Access-Accept, the SoH in a NAS's
// Access-Request), split over consecutive VSAs when longer than one VSA holds. A message under
// 12 octets (the SoH header) is BadLength; one that does not fit the packet is TooLong.
PacketBuilder& add_quarantine_soh(PacketBuilder& builder, Bytes message, Wrapping wrapping);
// Every decision attribute of `attrs` (order 45, 57, 46, 47, 52, 53; absent ones omitted).
PacketBuilder& add_nap_attributes(PacketBuilder& builder, const NapAttributes& attrs);

// The decision attributes of an answer (NAS side): quarantine state, extended state, grace time,
// NAS type and remediation servers, read by the SoH codec's decode_nap_attributes() (its errors
// are Errc::Soh; a Microsoft VSA with broken framing is reported like the accessors above).
[[nodiscard]] Result<NapAttributes> nap_attributes(const PacketView& packet);

}  // namespace opennap::radius
