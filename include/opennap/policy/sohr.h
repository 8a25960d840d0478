// The SoH response (SoHR) the server returns with its decision (ms-soh.md §5, docs/soh-wire.md):
//
//   header (7 / length / 311 / inner type / length)
//   [mode sub-header: the request's correlation id echoed, intent 0x00]   iff the request had one
//   SSoHR: System-Health-ID 0x00013700,
//          Vendor-Specific(311){ MS-Packet-Info 0x01 (response),
//                                MS-CorrelationId (echoed),
//                                MS-Quarantine-State (flags, probation time, URL),
//                                [MS-Installed-Shvs] },
//          [IPv4-Fixup-Servers], [IPv6-Fixup-Servers]
//   one SoHRReportEntry per SHV response, as the SHVs built them, in the order given
//
// MS-Quarantine-State flags (the layout OpenNAP reads and writes, soh/system_soh.h): bits 0-2 the
// isolation state (1 full access, 2 probation, 3 restricted), bit 3 the "f" (fix-up /
// auto-remediation) bit, bits 4-7 the extended isolation state. The probation time is the
// probation end for probation and 0xFFFFFFFFFFFFFFFF ("none", what wpa_supplicant and OpenNAP's
// agent send) otherwise; the URL is the help URL followed by one NUL (a lone NUL when there is
// none). This is the layout the agent's ProcessSoHResponse reads (src/agent/exchange.cc).
//
// A denied request gets no SoHR (the RADIUS front-end sends an Access-Reject): SohrContent::from
// returns nullopt for it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "opennap/core/ids.h"
#include "opennap/core/nap_types.h"
#include "opennap/policy/address.h"
#include "opennap/policy/evaluate.h"
#include "opennap/soh/error.h"
#include "opennap/soh/message.h"

namespace opennap::policy {

// What the SoHR echoes from the request.
struct SohrEcho {
    std::array<std::uint8_t, CorrelationId::kWireSize> correlation_id{};
    bool mode_sub_header = true;  // answer with inner type 2 (mode sub-header) or 1

    // The request's correlation id (its mode sub-header's, else its MS-CorrelationId) and
    // framing; nullopt when the request carries no correlation id (no SoHR the agent could match
    // can be built then).
    [[nodiscard]] static std::optional<SohrEcho> from(const soh::MessageView& request) noexcept;
};

// The system part of the SoHR.
struct SohrContent {
    IsolationState isolation_state = IsolationState::NotRestricted;
    ExtendedIsolationState extended_state = ExtendedIsolationState::NoData;
    bool fixup = false;                                // the "f" bit
    std::optional<FileTime> probation_end;             // written only for InProbation
    std::string url;                                   // the help URL, without NUL
    std::vector<IpAddress> fixup_servers;              // IPv4 and IPv6 mixed; one TLV per family
    std::vector<SystemHealthEntityId> installed_shvs;  // MS-Installed-Shvs; omitted when empty

    friend bool operator==(const SohrContent&, const SohrContent&) = default;

    // The content for a decision; nullopt when it is a denial. `installed_shvs` is usually the
    // configured SHV ids (the agent records them with SetInstalledShvs).
    [[nodiscard]] static std::optional<SohrContent> from(
        const Decision& decision, std::span<const SystemHealthEntityId> installed_shvs = {});
};

// The MS-Quarantine-State flags for `content`.
[[nodiscard]] std::uint16_t quarantine_flags(const SohrContent& content) noexcept;

// The SoHR as an editable message model (soh::Message), SHV entries copied in order.
[[nodiscard]] soh::Message make_sohr(const SohrContent& content, const SohrEcho& echo,
                                     std::span<const soh::ReportEntry> shv_responses);

// The encoded SoHR. Fails (Errc::LimitExceeded) when it would exceed `max_size` bytes (the NAP
// default maximum, 4000, unless the caller allows more) or a length would not fit 16 bits.
[[nodiscard]] soh::Result<std::vector<std::uint8_t>> build_sohr(
    const SohrContent& content, const SohrEcho& echo,
    std::span<const soh::ReportEntry> shv_responses, std::size_t max_size = maxNetworkSoHSize);

}  // namespace opennap::policy
