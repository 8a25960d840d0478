#include "opennap/checks/unit_watcher.h"

#include "bus.h"

namespace opennap::checks {

struct UnitWatcher::Impl {
    detail::BusPtr bus;
    std::vector<sd_bus_slot*> slots;
    std::size_t signals = 0;
    ~Impl() {
        for (auto* s : slots) {
            sd_bus_slot_unref(s);
        }
    }
};

UnitWatcher::UnitWatcher() : impl_(std::make_unique<Impl>()) {}
UnitWatcher::~UnitWatcher() = default;

Result<std::unique_ptr<UnitWatcher>> UnitWatcher::create(const std::string& bus_address,
                                                         const std::vector<std::string>& units) {
    std::unique_ptr<UnitWatcher> w(new UnitWatcher());
    auto bus = detail::open_bus(bus_address);
    if (!bus) {
        return fail(bus.error());
    }
    w->impl_->bus = std::move(*bus);
    sd_bus* b = w->impl_->bus.get();
    auto count = [](sd_bus_message*, void* userdata, sd_bus_error*) -> int {
        ++static_cast<Impl*>(userdata)->signals;
        return 0;
    };
    for (const auto& u : units) {
        char* path = nullptr;
        int r = sd_bus_path_encode("/org/freedesktop/systemd1/unit", u.c_str(), &path);
        if (r < 0) {
            return fail(detail::bus_error("encode the object path of " + u, r));
        }
        sd_bus_slot* slot = nullptr;
        r = sd_bus_match_signal(b, &slot, "org.freedesktop.systemd1", path,
                                "org.freedesktop.DBus.Properties", "PropertiesChanged", count,
                                w->impl_.get());
        free(path);  // NOLINT: from sd-bus
        if (r < 0) {
            return fail(detail::bus_error("match PropertiesChanged of " + u, r));
        }
        w->impl_->slots.push_back(slot);
    }
    sd_bus_slot* slot = nullptr;
    int r = sd_bus_match_signal(b, &slot, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                "org.freedesktop.systemd1.Manager", "UnitFilesChanged", count,
                                w->impl_.get());
    if (r < 0) {
        return fail(detail::bus_error("match UnitFilesChanged", r));
    }
    w->impl_->slots.push_back(slot);
    detail::BusError err;
    r = sd_bus_call_method(b, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                           "org.freedesktop.systemd1.Manager", "Subscribe", &err.e, nullptr, "");
    if (r < 0) {
        return fail(detail::bus_error("systemd Subscribe", r, &err.e));
    }
    return w;
}

int UnitWatcher::fd() const noexcept {
    return sd_bus_get_fd(impl_->bus.get());
}

std::size_t UnitWatcher::drain() {
    const std::size_t before = impl_->signals;
    while (sd_bus_process(impl_->bus.get(), nullptr) > 0) {
    }
    return impl_->signals - before;
}

}  // namespace opennap::checks
