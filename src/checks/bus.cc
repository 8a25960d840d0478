#include "bus.h"

#include <cerrno>

namespace opennap::checks::detail {

Result<BusPtr> open_bus(const std::string& address, std::uint64_t timeout_us) {
    sd_bus* raw = nullptr;
    int r = 0;
    if (address.empty()) {
        r = sd_bus_open_system(&raw);
        if (r < 0) {
            return fail(bus_error("connect to the system D-Bus", r));
        }
    } else {
        r = sd_bus_new(&raw);
        if (r < 0) {
            return fail(bus_error("sd_bus_new", r));
        }
        BusPtr tmp(raw);
        r = sd_bus_set_address(raw, address.c_str());
        if (r >= 0) {
            r = sd_bus_set_bus_client(raw, 1);
        }
        if (r >= 0) {
            r = sd_bus_start(raw);
        }
        if (r < 0) {
            return fail(bus_error("connect to the D-Bus at " + address, r));
        }
        tmp.release();
    }
    BusPtr bus(raw);
    sd_bus_set_method_call_timeout(raw, timeout_us);
    return bus;
}

MeasureError bus_error(std::string what, int r, const sd_bus_error* e) {
    if (e != nullptr && sd_bus_error_is_set(e)) {
        what += ": ";
        what += e->name;
        if (e->message != nullptr) {
            what += ": ";
            what += e->message;
        }
    }
    return errno_error(std::move(what), r < 0 ? -r : EIO);
}

namespace {
std::string describe(const char* path, const char* member) {
    return std::string("read ") + member + " of " + path;
}
}  // namespace

Result<std::string> get_string(sd_bus* bus, const char* dest, const char* path, const char* iface,
                               const char* member) {
    BusError err;
    char* out = nullptr;
    const int r = sd_bus_get_property_string(bus, dest, path, iface, member, &err.e, &out);
    if (r < 0) {
        return fail(bus_error(describe(path, member), r, &err.e));
    }
    std::string s(out != nullptr ? out : "");
    free(out);  // NOLINT: allocated by sd-bus
    return s;
}

Result<bool> get_bool(sd_bus* bus, const char* dest, const char* path, const char* iface,
                      const char* member) {
    BusError err;
    int v = 0;
    const int r = sd_bus_get_property_trivial(bus, dest, path, iface, member, &err.e, 'b', &v);
    if (r < 0) {
        return fail(bus_error(describe(path, member), r, &err.e));
    }
    return v != 0;
}

Result<std::uint64_t> get_u64(sd_bus* bus, const char* dest, const char* path, const char* iface,
                              const char* member) {
    BusError err;
    std::uint64_t v = 0;
    const int r = sd_bus_get_property_trivial(bus, dest, path, iface, member, &err.e, 't', &v);
    if (r < 0) {
        return fail(bus_error(describe(path, member), r, &err.e));
    }
    return v;
}

}  // namespace opennap::checks::detail
