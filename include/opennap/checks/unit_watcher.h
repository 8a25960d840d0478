// UnitWatcher: systemd's PropertiesChanged signals for a set of units (the ClamAV daemons, the
// APT timers, firewalld) over D-Bus (sd-bus), so that a unit being started, stopped, enabled or
// disabled triggers a re-measurement. It calls Manager.Subscribe (systemd sends unit signals
// only to subscribers) and matches PropertiesChanged on each unit's object path
// (/org/freedesktop/systemd1/unit/<escaped name>), plus the Manager's UnitFilesChanged.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "opennap/checks/result.h"

namespace opennap::checks {

class UnitWatcher {
  public:
    // `bus_address`: "" = the system bus.
    [[nodiscard]] static Result<std::unique_ptr<UnitWatcher>> create(
        const std::string& bus_address, const std::vector<std::string>& units);
    ~UnitWatcher();
    UnitWatcher(const UnitWatcher&) = delete;
    UnitWatcher& operator=(const UnitWatcher&) = delete;

    [[nodiscard]] int fd() const noexcept;
    // Processes what the bus delivered (non-blocking); returns the number of matching signals.
    [[nodiscard]] std::size_t drain();

  private:
    UnitWatcher();
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace opennap::checks
