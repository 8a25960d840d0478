#include "opennap/checks/services.h"

#include <cerrno>

#include "bus.h"

namespace opennap::checks {

namespace {
constexpr const char* kSystemd = "org.freedesktop.systemd1";
constexpr const char* kUnitIface = "org.freedesktop.systemd1.Unit";

constexpr std::string_view kUnitDirs[] = {"/etc/systemd/system", "/run/systemd/system",
                                          "/lib/systemd/system", "/usr/lib/systemd/system"};
}  // namespace

std::string_view to_string(UnitState::Source s) noexcept {
    return s == UnitState::Source::SystemdBus ? "systemd" : "files";
}

struct ServiceProbe::Bus {
    detail::BusPtr bus;
};

ServiceProbe::ServiceProbe(SystemRoot root, std::string bus_address)
    : root_(std::move(root)), address_(std::move(bus_address)) {
    use_bus_ = !address_.empty() || (root_.is_host() && root_.exists("/run/systemd/system"));
}

ServiceProbe::~ServiceProbe() = default;

Result<bool> ServiceProbe::process_running(std::string_view comm) const {
    auto pids = root_.list("/proc");
    if (!pids) {
        return fail(pids.error());
    }
    const std::string_view want = comm.substr(0, 15);
    for (const auto& pid : *pids) {
        if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        auto c = root_.read_value("/proc/" + pid + "/comm");
        if (c && *c == want) {
            return true;
        }
    }
    return false;
}

Result<UnitState> ServiceProbe::unit(std::string_view name, std::string_view process) {
    UnitState st;
    st.unit = std::string(name);
    if (use_bus_) {
        st.source = UnitState::Source::SystemdBus;
        if (!bus_) {
            auto b = detail::open_bus(address_);
            if (!b) {
                return fail(b.error());
            }
            bus_ = std::make_unique<Bus>();
            bus_->bus = std::move(*b);
        }
        sd_bus* bus = bus_->bus.get();
        detail::BusError err;
        sd_bus_message* reply = nullptr;
        int r = sd_bus_call_method(bus, kSystemd, "/org/freedesktop/systemd1",
                                   "org.freedesktop.systemd1.Manager", "LoadUnit", &err.e, &reply,
                                   "s", st.unit.c_str());
        if (r < 0) {
            return fail(detail::bus_error("systemd LoadUnit(" + st.unit + ")", r, &err.e));
        }
        detail::MessagePtr owned(reply);
        const char* path = nullptr;
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0 || path == nullptr) {
            return fail(detail::bus_error("systemd LoadUnit(" + st.unit + ") reply", r));
        }
        const std::string p(path);
        auto load = detail::get_string(bus, kSystemd, p.c_str(), kUnitIface, "LoadState");
        auto active = detail::get_string(bus, kSystemd, p.c_str(), kUnitIface, "ActiveState");
        auto sub = detail::get_string(bus, kSystemd, p.c_str(), kUnitIface, "SubState");
        auto file = detail::get_string(bus, kSystemd, p.c_str(), kUnitIface, "UnitFileState");
        for (auto* v : {&load, &active, &sub, &file}) {
            if (!*v) {
                return fail(v->error());
            }
        }
        st.load_state = *load;
        st.active_state = *active;
        st.sub_state = *sub;
        st.unit_file_state = *file;
        return st;
    }

    st.source = UnitState::Source::Files;
    // Masked?
    for (std::string_view dir : {kUnitDirs[0], kUnitDirs[1]}) {
        auto link = root_.read_link(std::string(dir) + "/" + st.unit);
        if (link && *link == "/dev/null") {
            st.load_state = "masked";
            st.unit_file_state = "masked";
            st.active_state = "inactive";
            return st;
        }
    }
    bool exists = false;
    for (std::string_view dir : kUnitDirs) {
        if (root_.exists(std::string(dir) + "/" + st.unit)) {
            exists = true;
            break;
        }
    }
    bool enabled = false;
    for (std::string_view dir : {kUnitDirs[0], kUnitDirs[1]}) {
        auto entries = root_.list(dir);
        if (!entries) {
            continue;
        }
        for (const auto& e : *entries) {
            if (!(e.ends_with(".wants") || e.ends_with(".requires"))) {
                continue;
            }
            if (root_.exists(std::string(dir) + "/" + e + "/" + st.unit)) {
                enabled = true;
                break;
            }
        }
        if (enabled) {
            break;
        }
    }
    st.load_state = (exists || enabled) ? "loaded" : "not-found";
    st.unit_file_state = enabled ? "enabled" : (exists ? "disabled" : "");
    if (process.empty()) {
        st.active_state = "unknown";
    } else {
        auto running = process_running(process);
        if (!running) {
            return fail(running.error());
        }
        st.active_state = *running ? "active" : "inactive";
    }
    return st;
}

}  // namespace opennap::checks
