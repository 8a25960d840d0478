// Screen lock of the active graphical sessions, from systemd-logind over D-Bus
// (org.freedesktop.login1): Manager.ListSessions, then per session Type, Class, Active,
// LockedHint, IdleHint, IdleSinceHint and Remote.
//
// Graphical: Type x11, wayland or mir, Class "user". Only active graphical sessions are judged
// (an inactive one is not on screen). A session passes when it is locked, or when it is not
// idle, or idle for at most `max_idle_unlocked` (CHOSEN: logind's hints say whether the screen
// locker engaged, not how the desktop is configured; an idle, unlocked session past the limit
// means the lock did not engage).
//   NotApplicable  no active graphical session; or no system D-Bus at all (no socket at
//                  /run/dbus/system_bus_socket under the root and no address configured: there
//                  is no logind either, CHOSEN);
//   Error          the bus exists but logind cannot be asked.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "opennap/checks/result.h"
#include "opennap/checks/system_root.h"

namespace opennap::checks {

struct SessionInfo {
    std::string id;
    std::string user;
    std::uint32_t uid = 0;
    std::string seat;
    std::string type;  // "x11", "wayland", "tty", ...
    std::string session_class;
    bool active = false;
    bool locked = false;
    bool idle = false;
    bool remote = false;
    std::uint64_t idle_since_us = 0;  // CLOCK_REALTIME microseconds
    friend bool operator==(const SessionInfo&, const SessionInfo&) = default;
};

struct ScreenLockDetails {
    std::vector<SessionInfo> sessions;  // every session logind listed
    std::uint32_t graphical_active = 0;
    std::uint32_t unlocked_idle = 0;
    friend bool operator==(const ScreenLockDetails&, const ScreenLockDetails&) = default;
};

struct ScreenLockOptions {
    std::chrono::seconds max_idle_unlocked{900};
    friend bool operator==(const ScreenLockOptions&, const ScreenLockOptions&) = default;
};

// `bus_address`: "" = the system bus.
[[nodiscard]] Measurement<ScreenLockDetails> check_screen_lock(
    const SystemRoot& root, const std::string& bus_address, const ScreenLockOptions& opt = {},
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace opennap::checks
