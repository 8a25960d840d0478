// Fix-ups: the safe remedies an SHA may run when its SHV asks (GetFixupInfo reports progress).
// Only the mechanism is here, and it is disabled by default ([checks.fixup] enabled = false).
//
//   UpdateSignatures    restart the freshclam unit (clamav-freshclam.service: its daemon
//                       checks for new signatures when it starts; `freshclam_restart = false`
//                       starts the unit instead, for a oneshot updater);
//   UpdatePackageLists  start apt-daily.service (apt.systemd.daily update: `apt-get update` under
//                       the APT::Periodic settings).
// Both go through systemd's D-Bus API (Manager.StartUnit / RestartUnit, mode "replace"); no
// program is executed by the agent itself.
//
// Progress (FixupInfo, nap_structs.h): systemd has no percentage for a job, so the phases are
// reported as steps (CHOSEN): job queued 10 %, running 50 %, finished 100 %. The result is
// taken from the JobRemoved signal ("done" -> Success; anything else -> CouldNotUpdate with the
// result in result_codes as E_FAIL). When the job is gone and the signal was missed, the unit's
// ActiveState decides ("failed" -> CouldNotUpdate, else Success). No fix-up started yet: Success
// at 0 % ... the NAP default (nothing to do).
#pragma once

#include <memory>
#include <string>

#include "opennap/checks/result.h"
#include "opennap/core/nap_structs.h"

namespace opennap::checks {

enum class FixupAction : std::uint8_t { UpdateSignatures, UpdatePackageLists };
[[nodiscard]] std::string_view to_string(FixupAction a) noexcept;  // "update-signatures", ...

struct FixupOptions {
    bool enabled = false;
    std::string freshclam_unit = "clamav-freshclam.service";
    bool freshclam_restart = true;
    std::string apt_update_unit = "apt-daily.service";
    friend bool operator==(const FixupOptions&, const FixupOptions&) = default;
};

class FixupRunner {
  public:
    // `bus_address`: "" = the system bus.
    FixupRunner(FixupOptions opt, std::string bus_address);
    ~FixupRunner();
    FixupRunner(const FixupRunner&) = delete;
    FixupRunner& operator=(const FixupRunner&) = delete;

    // Starts the action's unit. Disabled by configuration -> E_ACCESSDENIED and no bus traffic;
    // another fix-up still running -> E_PENDING-style error (hr::E_PENDING).
    [[nodiscard]] Result<void> start(FixupAction action);

    // Processes what the bus delivered (non-blocking) and returns the state.
    [[nodiscard]] FixupInfo info();

    // The bus connection's fd (for poll) while a fix-up runs, else -1.
    [[nodiscard]] int fd() const noexcept;
    // The job's object path ("" before start).
    [[nodiscard]] const std::string& job() const noexcept { return job_; }

  private:
    struct Impl;
    FixupOptions opt_;
    std::string address_;
    std::string job_;
    std::string unit_;
    std::unique_ptr<Impl> impl_;
    FixupInfo info_{};
};

}  // namespace opennap::checks
