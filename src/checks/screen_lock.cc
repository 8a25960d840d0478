#include "opennap/checks/screen_lock.h"

#include "bus.h"

namespace opennap::checks {

namespace {
constexpr const char* kLogin = "org.freedesktop.login1";
constexpr const char* kSessionIface = "org.freedesktop.login1.Session";
}  // namespace

Measurement<ScreenLockDetails> check_screen_lock(const SystemRoot& root,
                                                 const std::string& bus_address,
                                                 const ScreenLockOptions& opt,
                                                 std::chrono::system_clock::time_point now) {
    ScreenLockDetails d;
    if (bus_address.empty() && !root.exists("/run/dbus/system_bus_socket")) {
        return make(Status::NotApplicable, "no system D-Bus, hence no logind sessions", d);
    }
    auto bus = detail::open_bus(bus_address);
    if (!bus) {
        return make_error(bus.error(), d);
    }
    detail::BusError err;
    sd_bus_message* reply = nullptr;
    int r =
        sd_bus_call_method(bus->get(), kLogin, "/org/freedesktop/login1",
                           "org.freedesktop.login1.Manager", "ListSessions", &err.e, &reply, "");
    if (r < 0) {
        return make_error(detail::bus_error("logind ListSessions", r, &err.e), d);
    }
    detail::MessagePtr owned(reply);
    struct Row {
        std::string id;
        std::uint32_t uid;
        std::string user;
        std::string seat;
        std::string path;
    };
    std::vector<Row> rows;
    r = sd_bus_message_enter_container(reply, 'a', "(susso)");
    if (r < 0) {
        return make_error(detail::bus_error("logind ListSessions reply", r), d);
    }
    for (;;) {
        const char* id = nullptr;
        std::uint32_t uid = 0;
        const char* user = nullptr;
        const char* seat = nullptr;
        const char* path = nullptr;
        r = sd_bus_message_read(reply, "(susso)", &id, &uid, &user, &seat, &path);
        if (r < 0) {
            return make_error(detail::bus_error("logind ListSessions reply", r), d);
        }
        if (r == 0) {
            break;
        }
        rows.push_back(Row{id, uid, user, seat, path});
    }
    const auto now_us =
        std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
    for (const auto& row : rows) {
        SessionInfo s;
        s.id = row.id;
        s.uid = row.uid;
        s.user = row.user;
        s.seat = row.seat;
        const char* p = row.path.c_str();
        auto type = detail::get_string(bus->get(), kLogin, p, kSessionIface, "Type");
        auto cls = detail::get_string(bus->get(), kLogin, p, kSessionIface, "Class");
        auto active = detail::get_bool(bus->get(), kLogin, p, kSessionIface, "Active");
        auto locked = detail::get_bool(bus->get(), kLogin, p, kSessionIface, "LockedHint");
        auto idle = detail::get_bool(bus->get(), kLogin, p, kSessionIface, "IdleHint");
        auto since = detail::get_u64(bus->get(), kLogin, p, kSessionIface, "IdleSinceHint");
        auto remote = detail::get_bool(bus->get(), kLogin, p, kSessionIface, "Remote");
        if (!type || !cls || !active || !locked || !idle || !since || !remote) {
            const MeasureError& e = !type     ? type.error()
                                    : !cls    ? cls.error()
                                    : !active ? active.error()
                                    : !locked ? locked.error()
                                    : !idle   ? idle.error()
                                    : !since  ? since.error()
                                              : remote.error();
            return make_error(e, d);
        }
        s.type = *type;
        s.session_class = *cls;
        s.active = *active;
        s.locked = *locked;
        s.idle = *idle;
        s.idle_since_us = *since;
        s.remote = *remote;
        const bool graphical = (s.type == "x11" || s.type == "wayland" || s.type == "mir") &&
                               s.session_class == "user";
        if (graphical && s.active) {
            ++d.graphical_active;
            const std::int64_t idle_for_us = now_us - static_cast<std::int64_t>(s.idle_since_us);
            if (!s.locked && s.idle &&
                std::chrono::microseconds(idle_for_us) > opt.max_idle_unlocked) {
                ++d.unlocked_idle;
            }
        }
        d.sessions.push_back(std::move(s));
    }
    if (d.graphical_active == 0) {
        return make(Status::NotApplicable, "no active graphical session", std::move(d));
    }
    if (d.unlocked_idle > 0) {
        return make(Status::Fail,
                    std::to_string(d.unlocked_idle) + " graphical session(s) idle and unlocked",
                    std::move(d));
    }
    return make(
        Status::Pass,
        std::to_string(d.graphical_active) + " active graphical session(s), locked or in use",
        std::move(d));
}

}  // namespace opennap::checks
