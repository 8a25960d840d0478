// What an SoH response decides for its connection: the pure part of Binding::ProcessSoHResponse
// (nap-api.md §13.4). The agent core runs it under its lock; the napagent client library runs the
// same function to answer ProcessSoHResponse without a round trip (docs/ipc.md, "Round trips"),
// so both sides reach the same result from the same bytes.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "opennap/agent/result.h"
#include "opennap/core/ids.h"
#include "opennap/core/nap_structs.h"
#include "opennap/soh/message.h"

namespace opennap::agent {

struct SoHResponseDecision {
    // The connection's new isolation info; nullopt for an empty (zero-byte) response, which is
    // valid and means the server did not evaluate health: the connection stays unknown.
    std::optional<IsolationInfoEx> isolation;
    // MS-Quarantine-State's fix-up ("f") bit: SHAs whose entry is not compliant get shaFixup.
    bool fixup_allowed = false;
    // MS-Installed-SHVs when present and not empty (else the connection keeps its list).
    std::optional<std::vector<SystemHealthEntityId>> installed_shvs;
};

// Checks a decoded SoH response against the correlation id of the connection's outstanding
// request. NAP_E_INVALID_PACKET: no correlation id, no MS-Quarantine-State, or quarantine flags /
// isolation info out of range; NAP_E_MISMATCHED_ID: another request's correlation id. `why`, when
// given, receives a sentence for the log on failure.
Result<SoHResponseDecision> evaluate_soh_response(const soh::MessageView& view,
                                                  const CorrelationId& expected,
                                                  std::string* why = nullptr);

// The same from bytes: an empty response is the "no evaluation" decision; bytes that do not
// decode as an SoH response are NAP_E_INVALID_PACKET.
Result<SoHResponseDecision> evaluate_soh_response(std::span<const std::uint8_t> bytes,
                                                  const CorrelationId& expected,
                                                  std::string* why = nullptr);

}  // namespace opennap::agent
