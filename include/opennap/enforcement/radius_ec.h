// The RADIUS enforcement client: a NAP enforcement client (EC) that carries the machine's SoH to
// a health policy server in a RADIUS Access-Request (MS-Quarantine-SoH, [MS-RNAP]) and hands the
// server's answer back to the NAP agent (docs/enforcement.md).
//
// It is built on the agent API alone (opennap/agent/*.h), so it works in process and over the
// napagent socket alike: Initialize its binding, CreateConnection, SetConnectionId,
// GetSoHRequest, send, receive the SoHR, SetSoHResponse, ProcessSoHResponse, read the isolation
// state the agent decided. When an SHA reports a change (NotifySoHChange) it runs the exchange
// again on its own thread.
//
// The pure halves (building the Access-Request, reading the answer) are separate from the UDP
// edge so that they can be tested byte for byte.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "opennap/agent/agent_api.h"
#include "opennap/core/hresult.h"
#include "opennap/core/ids.h"
#include "opennap/core/nap_structs.h"
#include "opennap/core/opennap_ids.h"
#include "opennap/radius/auth.h"
#include "opennap/radius/ms_rnap.h"
#include "opennap/radius/packet.h"

namespace opennap::enforcement {

// Why an exchange did not complete: the HRESULT the agent or the transport gave and a sentence
// for the log (which server, which step).
struct EcError {
    HResult code = hr::E_FAIL;
    std::string message;
};
template <typename T>
using EcResult = std::expected<T, EcError>;

struct RadiusEcOptions {
    std::string host = "127.0.0.1";  // the health policy server (name or address)
    std::uint16_t port = 1812;
    std::string secret;  // the RADIUS shared secret (required)
    EnforcementEntityId ec_id = ids::kRadiusEc;
    std::string nas_identifier = "opennap-radius-ec";  // NAS-Identifier
    std::string user_name;                             // User-Name; empty: the machine name
    std::string machine_name;                          // MS-Machine-Name; empty: the host name
    radius::NasType nas_type = radius::NasType::Ras;
    // How MS-Quarantine-SoH carries the SoH: bare, as [MS-RNAP] says, or wrapped as in PEAP, which
    // is what FreeRADIUS accepts (docs/soh-wire.md).
    radius::Wrapping wrapping = radius::Wrapping::Bare;
    bool message_authenticator = true;
    std::chrono::milliseconds timeout{2000};  // per attempt
    unsigned attempts = 3;                    // the same packet, resent (RFC 2865 §2.5)
    ProtocolMaxSize max_soh_size = 4000;      // the connection's SetMaxSize
};

// What the server's RADIUS answer said (independent of the SoHR inside it).
struct RadiusDecision {
    bool accepted = false;                          // Access-Accept; otherwise Access-Reject
    std::optional<std::uint32_t> quarantine_state;  // MS-Quarantine-State
    std::optional<std::uint32_t> extended_state;    // MS-Extended-Quarantine-State
    std::optional<std::uint32_t> grace_time;        // MS-Quarantine-Grace-Time (Unix seconds)
    std::vector<std::string> remediation_servers;   // MS-IPv4/IPv6-Remediation-Servers
    std::optional<std::uint32_t> session_timeout;   // Session-Timeout
    std::string filter_id;                          // Filter-Id
    std::string vlan;                               // Tunnel-Private-Group-Id
    std::string reply_message;                      // Reply-Message
    std::vector<std::uint8_t> sohr;                 // MS-Quarantine-SoH: the SoH response
};

struct ExchangeResult {
    RadiusDecision radius;
    // The agent's decision for the connection (GetIsolationInfoEx after ProcessSoHResponse); empty
    // when the server sent no SoH response (a denial, or a server that does not do NAP).
    std::optional<IsolationInfoEx> isolation;
    ConnectionId connection_id;
    CorrelationId correlation_id;
    bool retrigger_hint = false;
    std::size_t soh_bytes = 0;
    std::chrono::microseconds round_trip{0};  // Access-Request to answer
};

// ---- the pure halves ----------------------------------------------------------------------------

// The Access-Request carrying `soh`, with identifier `id` and a random Request Authenticator,
// signed (Message-Authenticator) with `secret` when the options ask for it.
EcResult<std::vector<std::uint8_t>> build_access_request(const RadiusEcOptions& options,
                                                         std::uint8_t id,
                                                         std::span<const std::uint8_t> soh,
                                                         const ConnectionId& connection_id,
                                                         radius::SharedSecret& secret);

// Reads the answer to `request`: checks that it answers it (identifier, Response Authenticator,
// Message-Authenticator) and collects the decision. An Access-Challenge (the server wants EAP) is
// an error: this EC does not do EAP.
EcResult<RadiusDecision> read_access_response(std::span<const std::uint8_t> response,
                                              std::span<const std::uint8_t> request,
                                              radius::SharedSecret& secret);

// ---- the enforcement client ---------------------------------------------------------------------

class RadiusEnforcementClient final : public agent::EnforcementClientCallback,
                                      public std::enable_shared_from_this<RadiusEnforcementClient> {
  public:
    // Binds the EC (Initialize). NAP_E_NOT_REGISTERED when `options.ec_id` is not registered.
    static EcResult<std::shared_ptr<RadiusEnforcementClient>> start(
        std::shared_ptr<agent::AgentApi> agent, RadiusEcOptions options);
    ~RadiusEnforcementClient() override;

    // One health exchange on this EC's connection (created, with a fresh ConnectionId, by the
    // first call). Thread-safe; exchanges run one at a time.
    EcResult<ExchangeResult> exchange();

    // Called after every exchange that NotifySoHChange started (on the EC's own thread).
    void on_exchange(std::function<void(const EcResult<ExchangeResult>&)> handler);

    // Takes the connection down and uninitializes the binding. Idempotent.
    void stop();

    // INapEnforcementClientCallback.
    agent::Status notify_soh_change() override;
    agent::Result<std::vector<std::shared_ptr<agent::Connection>>> get_connections() override;

    struct Impl;

  private:
    RadiusEnforcementClient() = default;
    std::unique_ptr<Impl> impl_;
};

// "full-access", "probation", "restricted", "rejected" (Access-Reject), "no-decision".
[[nodiscard]] std::string_view verdict_of(const ExchangeResult& result) noexcept;

}  // namespace opennap::enforcement
