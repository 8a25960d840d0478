// Callbacks implemented by enforcement clients and system health agents and called by the
// agent (INapEnforcementClientCallback, INapSystemHealthAgentCallback; nap-api.md §10.2, §11.3).
//
// The agent never holds a lock while it calls these, so a callback may call back into the agent
// (an EC calls get_soh_request from inside notify_soh_change). Returning
// hr::RPC_S_SERVER_UNAVAILABLE (or the bare Win32 1722) means "I am gone": the agent unbinds the
// component.
#pragma once

#include <memory>
#include <vector>

#include "opennap/agent/result.h"
#include "opennap/agent/sha_request.h"
#include "opennap/core/nap_structs.h"

namespace opennap::agent {

class Connection;

class EnforcementClientCallback {
  public:
    virtual ~EnforcementClientCallback() = default;
    // The SoH changed: fetch a new request (get_soh_request) for each connection and exchange.
    virtual Status notify_soh_change() = 0;
    // The EC's connections that are up (at most maxConnectionCountPerEnforcer).
    virtual Result<std::vector<std::shared_ptr<Connection>>> get_connections() = 0;
};

class HealthAgentCallback {
  public:
    virtual ~HealthAgentCallback() = default;
    // Set this SHA's SoH on the request (or leave the cached one). Must not block.
    virtual Status get_soh_request(ShaRequest& request) = 0;
    // Read this SHA's SoH response from the request; start any fix-up on another thread.
    // NAP_E_INVALID_PACKET when the response is not in the SHA's format.
    virtual Status process_soh_response(ShaRequest& request) = 0;
    virtual Status notify_system_isolation_state_change() = 0;
    virtual Result<FixupInfo> get_fixup_info() = 0;
    // Semantic comparison of two SoH requests; E_NOTIMPL (the default) -> byte-wise comparison.
    virtual Result<bool> compare_soh_requests(const SoH& lhs, const SoH& rhs) {
        (void)lhs;
        (void)rhs;
        return fail(hr::E_NOTIMPL);
    }
    virtual Status notify_orphaned_soh_request(const CorrelationId& correlation_id) = 0;
};

}  // namespace opennap::agent
