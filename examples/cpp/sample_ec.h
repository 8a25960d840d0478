// The sample enforcement client written against OpenNAP's C++ API: one connection, exchanges
// through a transport function (the network and the health policy server), NotifySoHChange
// re-runs the exchange.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string_view>

#include "opennap/agent/enforcement_client.h"
#include "sample_common.h"

namespace opennap::examples {

// Sends an SoH request and returns the server's SoHR.
using Transport = std::function<agent::Result<NetworkSoH>(const NetworkSoH& request)>;

class SampleEc final : public agent::EnforcementClientCallback {
  public:
    SampleEc(Transport transport, Progress& progress)
        : transport_(std::move(transport)), progress_(progress) {}

    void attach(agent::EnforcementClientBinding* binding) { binding_ = binding; }
    // create_connection + set_connection_id + set_max_size.
    agent::Status connect(const ConnectionId& id);
    // get_soh_request, send, set_soh_response, process_soh_response, enforce.
    agent::Status run_exchange(std::string_view why);
    // notify_connection_state_down; the connection handle is dropped.
    agent::Status disconnect();

    agent::Status notify_soh_change() override;
    agent::Result<std::vector<std::shared_ptr<agent::Connection>>> get_connections() override;

  private:
    agent::Status enforce();

    Transport transport_;
    Progress& progress_;
    agent::EnforcementClientBinding* binding_ = nullptr;

    // Serialises exchanges and guards connection_ (recursive: the agent may call
    // get_connections from inside an exchange).
    std::recursive_mutex mutex_;
    std::shared_ptr<agent::Connection> connection_;
};

}  // namespace opennap::examples
