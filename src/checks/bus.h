// Internal: a thin RAII layer over sd-bus (libsystemd) for the checks that ask systemd and
// logind, the unit watcher and the fix-up runner. Not installed; not part of the API.
#pragma once

#include <systemd/sd-bus.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "opennap/checks/result.h"

namespace opennap::checks::detail {

struct BusUnref {
    void operator()(sd_bus* b) const noexcept { sd_bus_flush_close_unref(b); }
};
using BusPtr = std::unique_ptr<sd_bus, BusUnref>;

struct MessageUnref {
    void operator()(sd_bus_message* m) const noexcept { sd_bus_message_unref(m); }
};
using MessagePtr = std::unique_ptr<sd_bus_message, MessageUnref>;

// Owns an sd_bus_error.
struct BusError {
    sd_bus_error e = SD_BUS_ERROR_NULL;
    BusError() = default;
    BusError(const BusError&) = delete;
    BusError& operator=(const BusError&) = delete;
    ~BusError() { sd_bus_error_free(&e); }
};

// The system bus ("" : sd_bus_open_system, which honours DBUS_SYSTEM_BUS_ADDRESS) or the bus
// at `address` (a D-Bus address such as "unix:path=/tmp/x/bus"). Method calls time out after
// `timeout_us`.
[[nodiscard]] Result<BusPtr> open_bus(const std::string& address,
                                      std::uint64_t timeout_us = 2'000'000);

// "what: <D-Bus error name>: <message>" with the errno of a negative sd-bus return.
[[nodiscard]] MeasureError bus_error(std::string what, int r, const sd_bus_error* e = nullptr);

[[nodiscard]] Result<std::string> get_string(sd_bus* bus, const char* dest, const char* path,
                                             const char* iface, const char* member);
[[nodiscard]] Result<bool> get_bool(sd_bus* bus, const char* dest, const char* path,
                                    const char* iface, const char* member);
[[nodiscard]] Result<std::uint64_t> get_u64(sd_bus* bus, const char* dest, const char* path,
                                            const char* iface, const char* member);

}  // namespace opennap::checks::detail
