#include "opennap/checks/fixup.h"

#include "bus.h"

namespace opennap::checks {

namespace {
constexpr const char* kSystemd = "org.freedesktop.systemd1";
constexpr const char* kManagerPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";
}  // namespace

std::string_view to_string(FixupAction a) noexcept {
    return a == FixupAction::UpdateSignatures ? "update-signatures" : "update-package-lists";
}

struct FixupRunner::Impl {
    detail::BusPtr bus;
    sd_bus_slot* slot = nullptr;
    bool removed = false;
    std::string result;
    ~Impl() { sd_bus_slot_unref(slot); }
};

FixupRunner::FixupRunner(FixupOptions opt, std::string bus_address)
    : opt_(std::move(opt)), address_(std::move(bus_address)) {
    info_.state = FixupState::Success;
    info_.percentage = 0;
}

FixupRunner::~FixupRunner() = default;

int FixupRunner::fd() const noexcept {
    return impl_ && impl_->bus ? sd_bus_get_fd(impl_->bus.get()) : -1;
}

Result<void> FixupRunner::start(FixupAction action) {
    if (!opt_.enabled) {
        return fail(plain_error("fix-ups are disabled by configuration ([checks.fixup] enabled)",
                                hr::E_ACCESSDENIED));
    }
    if (impl_ && info_.state == FixupState::InProgress) {
        (void)info();
        if (info_.state == FixupState::InProgress) {
            return fail(plain_error("a fix-up is already running (" + job_ + ")", hr::E_PENDING));
        }
    }
    auto impl = std::make_unique<Impl>();
    auto bus = detail::open_bus(address_);
    if (!bus) {
        return fail(bus.error());
    }
    impl->bus = std::move(*bus);
    sd_bus* b = impl->bus.get();
    // Subscribe first so that JobRemoved is not missed.
    int r = sd_bus_match_signal(
        b, &impl->slot, kSystemd, kManagerPath, kManager, "JobRemoved",
        [](sd_bus_message* m, void* userdata, sd_bus_error*) -> int {
            auto* self = static_cast<FixupRunner*>(userdata);
            std::uint32_t id = 0;
            const char* path = nullptr;
            const char* unit = nullptr;
            const char* result = nullptr;
            if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) >= 0 &&
                path != nullptr && self->job_ == path) {
                self->impl_->removed = true;
                self->impl_->result = result != nullptr ? result : "";
            }
            return 0;
        },
        this);
    if (r < 0) {
        return fail(detail::bus_error("subscribe to systemd JobRemoved", r));
    }
    detail::BusError err;
    sd_bus_call_method(b, kSystemd, kManagerPath, kManager, "Subscribe", &err.e, nullptr, "");
    const bool restart = action == FixupAction::UpdateSignatures && opt_.freshclam_restart;
    const std::string unit =
        action == FixupAction::UpdateSignatures ? opt_.freshclam_unit : opt_.apt_update_unit;
    detail::BusError err2;
    sd_bus_message* reply = nullptr;
    r = sd_bus_call_method(b, kSystemd, kManagerPath, kManager,
                           restart ? "RestartUnit" : "StartUnit", &err2.e, &reply, "ss",
                           unit.c_str(), "replace");
    if (r < 0) {
        return fail(detail::bus_error(
            std::string("systemd ") + (restart ? "RestartUnit(" : "StartUnit(") + unit + ")", r,
            &err2.e));
    }
    detail::MessagePtr owned(reply);
    const char* job = nullptr;
    r = sd_bus_message_read(reply, "o", &job);
    if (r < 0 || job == nullptr) {
        return fail(detail::bus_error("systemd StartUnit reply", r));
    }
    impl_ = std::move(impl);
    job_ = job;
    unit_ = unit;
    info_ = FixupInfo{};
    info_.state = FixupState::InProgress;
    info_.percentage = 10;
    return {};
}

FixupInfo FixupRunner::info() {
    if (!impl_ || info_.state != FixupState::InProgress) {
        return info_;
    }
    sd_bus* b = impl_->bus.get();
    while (sd_bus_process(b, nullptr) > 0) {
    }
    auto finish = [&](bool ok, const std::string& why) {
        info_.state = ok ? FixupState::Success : FixupState::CouldNotUpdate;
        info_.percentage = 100;
        if (!ok) {
            info_.result_codes = {hr::E_FAIL};
        }
        (void)why;
    };
    if (impl_->removed) {
        finish(impl_->result == "done", impl_->result);
        return info_;
    }
    auto state =
        detail::get_string(b, kSystemd, job_.c_str(), "org.freedesktop.systemd1.Job", "State");
    if (state) {
        info_.percentage = *state == "running" ? 50 : 10;
        return info_;
    }
    // The job is gone: maybe the signal is still queued.
    while (sd_bus_process(b, nullptr) > 0) {
    }
    if (impl_->removed) {
        finish(impl_->result == "done", impl_->result);
        return info_;
    }
    char* path = nullptr;
    if (sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit_.c_str(), &path) >= 0) {
        auto active =
            detail::get_string(b, kSystemd, path, "org.freedesktop.systemd1.Unit", "ActiveState");
        free(path);  // NOLINT: from sd-bus
        finish(!(active && *active == "failed"), active ? *active : "");
    } else {
        finish(true, "");
    }
    return info_;
}

}  // namespace opennap::checks
