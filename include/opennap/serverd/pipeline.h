// The pure steps of napserver's request path (docs/napserver.md): what an Access-Request says
// (NapRequest), the SHV host's outcomes as the policy engine's verdicts, the RADIUS answer for a
// decision, and the audit record. No sockets, no threads: radius_server.h runs them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "opennap/policy/config.h"
#include "opennap/policy/evaluate.h"
#include "opennap/policy/sohr.h"
#include "opennap/radius/auth.h"
#include "opennap/radius/ms_rnap.h"
#include "opennap/radius/packet.h"
#include "opennap/server/outcome.h"
#include "opennap/server/validation_input.h"
#include "opennap/store/decision.h"

namespace opennap::serverd {

// What an Access-Request carries for NAP.
struct NapRequest {
    // The client's SSoH (MS-Quarantine-SoH, reassembled and unwrapped), when it sent one that
    // decodes as an SoH request; then `input` is what the SHVs get.
    std::optional<std::vector<std::uint8_t>> soh;
    radius::Wrapping wrapping = radius::Wrapping::Bare;  // answer the way we were asked
    // What the SoHR echoes of `soh` (its correlation id and framing), read when it was decoded;
    // nullopt without `soh`, or when it has no correlation id (no SoHR is sent then).
    std::optional<policy::SohrEcho> echo;
    server::ValidationInput input;
    std::optional<policy::NasType> nas_type;       // MS-Network-Access-Server-Type
    std::optional<policy::IpAddress> nas_address;  // NAS-IP-Address / NAS-IPv6-Address
    std::string machine_name;           // MS-Machine-Name, else the SSoH's MS-MachineName
    std::optional<Guid> connection_id;  // MS-RAS-Correlation-ID
    // Why a present MS-Quarantine-SoH or another NAP attribute was not usable ("" if it was):
    // the request is then treated as coming from a client that is not NAP-capable, and logged.
    std::string problem;
};

[[nodiscard]] NapRequest read_nap_request(const radius::PacketView& request);

// One verdict per configured SHV (configuration order) from the host's outcomes.
[[nodiscard]] std::vector<policy::ShvVerdict> verdicts_of(const policy::ServerConfig& config,
                                                          const server::ValidationResult& result);

// The SHVs' answers as report entries, one per outcome of `result` (same order), converted once
// for the two functions below, which give the same results as the ones above and below.
[[nodiscard]] std::vector<soh::ReportEntry> entries_of(const server::ValidationResult& result);
// The same, moving the responses into the entries instead of copying them: afterwards the
// outcomes' `response`s are moved-from (the functions below do not read them).
[[nodiscard]] std::vector<soh::ReportEntry> take_entries(server::ValidationResult& result);
[[nodiscard]] std::vector<policy::ShvVerdict> verdicts_of(
    const policy::ServerConfig& config, const server::ValidationResult& result,
    std::span<const soh::ReportEntry> entries);

// The SoHR for a decision (nullopt for a denial, or when the SSoH carried no correlation id):
// the system entry from the decision, one entry per SHV that answered.
[[nodiscard]] std::optional<std::vector<std::uint8_t>> sohr_for(
    const policy::ServerConfig& config, const policy::Decision& decision, const NapRequest& request,
    const server::ValidationResult* result);
// The same, taking the entries_of(*result) (moved into the SoHR).
[[nodiscard]] std::optional<std::vector<std::uint8_t>> sohr_for(
    const policy::ServerConfig& config, const policy::Decision& decision, const NapRequest& request,
    const server::ValidationResult& result, std::vector<soh::ReportEntry>&& entries);

// The signed Access-Accept / Access-Reject answering `request`. Message-Authenticator is added
// when the request had one or the client requires it. Every Proxy-State of the request is copied,
// in order (RFC 2865 §5.33).
[[nodiscard]] radius::Result<std::vector<std::uint8_t>> build_answer(
    const radius::PacketView& request, const policy::Decision& decision,
    const std::optional<std::vector<std::uint8_t>>& sohr, radius::Wrapping wrapping,
    bool message_authenticator, radius::SharedSecret& secret);

// Status-Server (RFC 5997): an Access-Accept with Message-Authenticator.
[[nodiscard]] radius::Result<std::vector<std::uint8_t>> build_status_answer(
    const radius::PacketView& request, radius::SharedSecret& secret);

struct RecordContext {
    std::string instance;
    const policy::RadiusClient* client = nullptr;
    policy::IpAddress client_address;
    std::chrono::steady_clock::duration latency{};
};
[[nodiscard]] store::DecisionRecord record_of(const RecordContext& ctx, const NapRequest& request,
                                              const policy::Decision& decision,
                                              const server::ValidationResult* result);
// The same into an existing record (every field assigned; its strings and vectors keep their
// memory): napserver's workers reuse one record each.
void fill_record(store::DecisionRecord& record, const RecordContext& ctx, const NapRequest& request,
                 const policy::Decision& decision, const server::ValidationResult* result);

}  // namespace opennap::serverd
