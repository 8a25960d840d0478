// The sample system health agent written against OpenNAP's C++ API: the same pretend firewall as
// the Windows-shaped sample (examples/win/sample_sha.*), as a HealthAgentCallback.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "opennap/agent/health_agent.h"
#include "sample_common.h"

namespace opennap::examples {

class SampleSha final : public agent::HealthAgentCallback {
  public:
    explicit SampleSha(Progress& progress) : progress_(progress) {}
    ~SampleSha() override { stop_fixup(); }

    // The binding to report SoH changes through; it must outlive the fix-up thread.
    void attach(agent::HealthAgentBinding* binding) { binding_ = binding; }
    // Ends (and joins) the fix-up thread; call before the binding goes away.
    void stop_fixup();

    agent::Status get_soh_request(agent::ShaRequest& request) override;
    agent::Status process_soh_response(agent::ShaRequest& request) override;
    agent::Status notify_system_isolation_state_change() override;
    agent::Result<FixupInfo> get_fixup_info() override;
    agent::Status notify_orphaned_soh_request(const CorrelationId& correlation_id) override;

  private:
    [[nodiscard]] SoH build_soh() const;
    void fix_up(std::stop_token stop);

    Progress& progress_;
    agent::HealthAgentBinding* binding_ = nullptr;

    mutable std::mutex mutex_;  // guards what follows
    std::condition_variable_any stop_signal_;
    bool firewall_on_ = false;
    FixupState fixup_state_ = FixupState::Success;
    std::jthread fixup_thread_;
};

}  // namespace opennap::examples
