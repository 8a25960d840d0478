// ServiceProbe: the state of a systemd unit, for the antivirus and automatic-updates checks.
//
// Production path: systemd's D-Bus API (org.freedesktop.systemd1, sd-bus from libsystemd):
// Manager.LoadUnit(name) and the unit's LoadState, ActiveState, SubState and UnitFileState.
// It is used when a bus address is configured, or when the root is "/" and systemd is the init
// system (/run/systemd/system exists, sd_booted(3)).
//
// Without systemd (a scratch root, a container, this project's CI VM) the state is read from
// files instead, which is what systemd itself would act on (CHOSEN, docs/checks.md):
//   * UnitFileState: "masked" if /etc/systemd/system/<unit> (or /run/systemd/system/<unit>) links
//     to /dev/null; "enabled" if some /etc/systemd/system/*.wants/ or *.requires/ holds <unit>;
//     "disabled" if the unit file exists in /etc/systemd/system, /run/systemd/system,
//     /lib/systemd/system or /usr/lib/systemd/system; LoadState "not-found" otherwise.
//   * ActiveState: "active" if a process whose /proc/<pid>/comm is `process` runs (comm is cut at
//     15 bytes, compared so), "inactive" otherwise; "unknown" when no process name is given.
// The source used is reported with every state.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "opennap/checks/result.h"
#include "opennap/checks/system_root.h"

namespace opennap::checks {

struct UnitState {
    enum class Source : std::uint8_t { SystemdBus, Files };
    std::string unit;
    std::string load_state;       // "loaded", "not-found", "masked", ...
    std::string active_state;     // "active", "inactive", "failed", "activating", "unknown"
    std::string sub_state;        // "running", "dead", ... ("" from files)
    std::string unit_file_state;  // "enabled", "disabled", "masked", "static", ... ("" unknown)
    Source source = Source::Files;
    friend bool operator==(const UnitState&, const UnitState&) = default;

    [[nodiscard]] bool found() const noexcept {
        return load_state != "not-found" && !load_state.empty();
    }
    [[nodiscard]] bool active() const noexcept {
        return active_state == "active" || active_state == "reloading";
    }
    [[nodiscard]] bool enabled() const noexcept {
        return unit_file_state == "enabled" || unit_file_state == "enabled-runtime" ||
               unit_file_state == "static" || unit_file_state == "alias" ||
               unit_file_state == "generated";
    }
};
[[nodiscard]] std::string_view to_string(UnitState::Source s) noexcept;  // "systemd", "files"

class ServiceProbe {
  public:
    // `bus_address`: "" = decide as described above; otherwise always that bus.
    explicit ServiceProbe(SystemRoot root, std::string bus_address = {});
    ~ServiceProbe();
    ServiceProbe(const ServiceProbe&) = delete;
    ServiceProbe& operator=(const ServiceProbe&) = delete;

    [[nodiscard]] bool uses_bus() const noexcept { return use_bus_; }

    // The unit's state; `process` names the process whose presence means "active" when reading
    // files. The bus connection is opened on first use and kept.
    [[nodiscard]] Result<UnitState> unit(std::string_view name, std::string_view process = {});

    // True if a process with this comm runs (reads <root>/proc).
    [[nodiscard]] Result<bool> process_running(std::string_view comm) const;

  private:
    struct Bus;
    SystemRoot root_;
    std::string address_;
    bool use_bus_ = false;
    std::unique_ptr<Bus> bus_;
};

}  // namespace opennap::checks
