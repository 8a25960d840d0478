// The NAP SDK sample flow written against OpenNAP's C++ API (the idiomatic face of the agent):
// register the sample SHA and EC, bind both (RAII handles), bring a connection up, exchange with
// the in-process "enforcement server", let the SHA remediate, re-exchange, tear down.
//
// This program hosts the agent itself, as the napagent daemon will (issue 4): it owns a
// std::shared_ptr<Agent> with a SystemClock, and an AgentDriver runs run_pending() on a thread
// of its own whenever the agent asks to be woken or a timer it reported falls due.
//
// Exit status 0 only if the run went restricted -> remediated -> full access.
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "opennap/agent/agent.h"
#include "opennap/agent/client_management.h"
#include "opennap/agent/clock.h"
#include "opennap/agent/driver.h"
#include "opennap/agent/enforcement_client.h"
#include "opennap/agent/health_agent.h"
#include "opennap/agent/tracing.h"
#include "sample_common.h"
#include "sample_ec.h"
#include "sample_server.h"
#include "sample_sha.h"

namespace ex = opennap::examples;
namespace agent = opennap::agent;
using opennap::HResult;

namespace {

constexpr opennap::ConnectionId kConnectionId{
    0x5E3F3C8A, 0x7A1B, 0x4C55, {0x9B, 0x2E, 0x0D, 0x1F, 0x6A, 0x7C, 0x8B, 0x90}};

// Fails the run if the scenario hangs anywhere.
class Watchdog {
  public:
    explicit Watchdog(std::chrono::seconds limit)
        : thread_([this, limit] {
              std::unique_lock lock(mutex_);
              if (!done_.wait_for(lock, limit, [this] { return finished_; })) {
                  ex::log(opennap::examples::format(
                      "WATCHDOG: no result after {} s, failing the run", limit.count()));
                  std::_Exit(2);
              }
          }) {}
    ~Watchdog() {
        {
            std::lock_guard lock(mutex_);
            finished_ = true;
        }
        done_.notify_all();
    }

  private:
    std::mutex mutex_;
    std::condition_variable done_;
    bool finished_ = false;
    std::jthread thread_;  // declared last: started after the members it uses
};

// Logs a step; true if it succeeded.
bool check(HResult status, std::string_view what) {
    ex::log(opennap::examples::format(
        "{}: {}", what, status.succeeded() ? "ok" : std::string("FAILED, ") + to_string(status)));
    return status.succeeded();
}
template <typename T>
bool check(const agent::Result<T>& result, std::string_view what) {
    return check(result ? opennap::hr::S_OK : result.error(), what);
}

opennap::NapComponentRegistrationInfo registration(opennap::NapComponentId id, std::u16string name,
                                                   std::uint32_t type) {
    opennap::NapComponentRegistrationInfo info;
    info.id = id;
    info.friendly_name = std::move(name);
    info.component_type = type;
    return info;
}

// The network and the health policy server (sample_server.cpp, OpenNAP's SoH codec).
agent::Result<opennap::NetworkSoH> send_to_server(const opennap::NetworkSoH& request) {
    auto decision = ex::evaluate_soh_request(request.data);
    if (!decision) {
        ex::log(opennap::examples::format("SERVER: cannot evaluate the SoH: {}", decision.error()));
        return agent::fail(opennap::hr::NAP_E_INVALID_PACKET);
    }
    ex::log(opennap::examples::format(
        "SERVER: firewall {} -> {}", decision->healthy ? "on" : "off",
        decision->healthy ? "full access" : "restricted access, remediation allowed"));
    return opennap::NetworkSoH{std::move(decision->sohr)};
}

void print_system_isolation(const agent::ClientManagement& management, std::string_view when) {
    const agent::SystemIsolation s = management.system_isolation_info();
    ex::log(opennap::examples::format("{}: system isolation state is {}", when,
                                      to_string(s.info.isolation_state)));
}

// The scenario; false if any step failed. Every handle is RAII: whatever happens, the bindings
// are uninitialized and the connection goes down when they leave scope.
bool run(const std::shared_ptr<agent::Agent>& nap, ex::Progress& progress) {
    agent::ClientManagement management(nap);
    if (!check(management.register_system_health_agent(
                   registration(ex::kSampleShaId, u"Sample SHA", 0)),
               "register the SHA 0x000137F0") ||
        !check(management.register_enforcement_client(registration(
                   ex::kSampleEcId, u"Sample EC", opennap::ComponentTypeEnforcementClientSoH)),
               "register the EC 0x000137F1"))
        return false;

    bool ok = true;
    {
        auto sha = std::make_shared<ex::SampleSha>(progress);
        auto ec = std::make_shared<ex::SampleEc>(send_to_server, progress);

        auto sha_binding = agent::HealthAgentBinding::initialize(nap, ex::kSampleShaId, sha);
        ok = check(sha_binding, "SHA binding initialize");
        if (ok)
            sha->attach(&*sha_binding);
        auto ec_binding = agent::EnforcementClientBinding::initialize(nap, ex::kSampleEcId, ec);
        ok = ok && check(ec_binding, "EC binding initialize");
        if (ok) {
            ec->attach(&*ec_binding);
            ok = check(ec->connect(kConnectionId),
                       "EC create_connection + set_connection_id + set_max_size");
        }
        // First exchange: the firewall is off.
        ok = ok && check(ec->run_exchange("connection up"), "first exchange");
        // The SHA remediates and calls notify_soh_change; the driver thread calls the EC's
        // notify_soh_change, which re-exchanges. Wait (bounded) for full access.
        if (ok && !progress.wait_for(ex::Milestone::FullAccess, std::chrono::seconds(8))) {
            ex::log("no full access within 8 s");
            ok = false;
        }
        if (ok)
            print_system_isolation(management, "final");

        // Teardown, in the SDK's order.
        sha->stop_fixup();
        if (ec_binding) {
            check(ec->disconnect(), "EC notify_connection_state_down");
            check(ec_binding->uninitialize(), "EC binding uninitialize");
        }
        if (sha_binding)
            check(sha_binding->uninitialize(), "SHA binding uninitialize");
    }
    check(management.unregister_enforcement_client(ex::kSampleEcId), "unregister the EC");
    check(management.unregister_system_health_agent(ex::kSampleShaId), "unregister the SHA");
    print_system_isolation(management, "after teardown");
    return ok;
}

}  // namespace

int main() {
    Watchdog watchdog(std::chrono::seconds(10));
    agent::set_tracing_level(opennap::NapTracingLevel::Undefined);  // warnings and errors only
    ex::Progress progress;
    bool ok = false;
    {
        auto nap = std::make_shared<agent::Agent>(agent::AgentConfig{},
                                                  std::make_shared<agent::SystemClock>());
        // Runs the agent's asynchronous work (SoH changes, retries, fix-up polls) on a thread of
        // its own; the napagent daemon does the same from its event loop.
        agent::AgentDriver driver(nap);
        ok = run(nap, progress);
    }
    const std::vector<ex::Milestone> expected = {
        ex::Milestone::Restricted, ex::Milestone::Remediated, ex::Milestone::FullAccess};
    const bool passed = ok && progress.milestones() == expected;
    ex::log(opennap::examples::format("RESULT: {}", passed
                                                        ? "restricted -> remediated -> full access"
                                                        : "the expected sequence did not happen"));
    return passed ? 0 : 1;
}
