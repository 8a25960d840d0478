#include "opennap/checks/automatic_updates.h"

#include <apt-pkg/configuration.h>

#include "apt_env.h"

namespace opennap::checks {

using soh::wsha::AutoUpdates;

bool periodic_value_off(std::string_view v) noexcept {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) {
        v.remove_prefix(1);
    }
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) {
        v.remove_suffix(1);
    }
    if (v.empty()) {
        return true;
    }
    // "0", "00", "0d", "0h" ...: a zero interval.
    std::size_t i = 0;
    while (i < v.size() && v[i] == '0') {
        ++i;
    }
    if (i == 0) {
        return false;
    }
    const std::string_view rest = v.substr(i);
    return rest.empty() || rest == "s" || rest == "m" || rest == "h" || rest == "d";
}

int auto_updates_rank(AutoUpdates a) noexcept {
    switch (a) {
        case AutoUpdates::NotConfigured:
            return 0;
        case AutoUpdates::Disabled:
            return 1;
        case AutoUpdates::CheckOnly:
            return 2;
        case AutoUpdates::Download:
            return 3;
        case AutoUpdates::Install:
            return 4;
    }
    return 0;
}

namespace {
std::string_view level_name(AutoUpdates a) {
    switch (a) {
        case AutoUpdates::NotConfigured:
            return "not configured";
        case AutoUpdates::Disabled:
            return "disabled";
        case AutoUpdates::CheckOnly:
            return "check only";
        case AutoUpdates::Download:
            return "download";
        case AutoUpdates::Install:
            return "download and install";
    }
    return "?";
}
}  // namespace

Measurement<AutoUpdatesDetails> check_automatic_updates(const SystemRoot& root,
                                                        ServiceProbe& services,
                                                        const AutoUpdatesOptions& opt) {
    AutoUpdatesDetails d;
    {
        std::lock_guard lock(detail::apt_mutex());
        auto r = detail::apt_reset(root, "", false);
        if (!r) {
            return make_error(r.error(), std::move(d));
        }
        auto get = [](const char* key) -> std::optional<std::string> {
            if (!_config->Exists(key)) {
                return std::nullopt;
            }
            return _config->Find(key);
        };
        d.update_package_lists = get("APT::Periodic::Update-Package-Lists");
        d.download_upgradeable_packages = get("APT::Periodic::Download-Upgradeable-Packages");
        d.unattended_upgrade = get("APT::Periodic::Unattended-Upgrade");
    }
    d.unattended_upgrades_installed = root.exists("/var/lib/dpkg/info/unattended-upgrades.list");

    auto on = [](const std::optional<std::string>& v) { return v && !periodic_value_off(*v); };
    bool lists_timer_off = false;
    bool upgrade_timer_off = false;
    for (const auto& [name, off] :
         {std::pair{opt.lists_timer, &lists_timer_off}, {opt.upgrade_timer, &upgrade_timer_off}}) {
        if (name.empty()) {
            continue;
        }
        auto st = services.unit(name);
        if (!st) {
            return make_error(st.error(), std::move(d));
        }
        *off = st->found() && !st->enabled();
        if (st->load_state == "masked") {
            *off = true;
        }
        d.timers.push_back(std::move(*st));
    }

    if (!d.update_package_lists && !d.download_upgradeable_packages && !d.unattended_upgrade) {
        d.level = AutoUpdates::NotConfigured;
    } else if (!on(d.update_package_lists) || lists_timer_off) {
        d.level = AutoUpdates::Disabled;
    } else if (on(d.unattended_upgrade) && d.unattended_upgrades_installed) {
        d.level = AutoUpdates::Install;
    } else if (on(d.download_upgradeable_packages) || on(d.unattended_upgrade)) {
        d.level = AutoUpdates::Download;
    } else {
        d.level = AutoUpdates::CheckOnly;
    }
    if (upgrade_timer_off &&
        auto_updates_rank(d.level) > auto_updates_rank(AutoUpdates::CheckOnly)) {
        d.level = AutoUpdates::CheckOnly;
    }
    std::string why = "automatic updates: " + std::string(level_name(d.level));
    if (lists_timer_off || upgrade_timer_off) {
        why += " (a timer is disabled)";
    }
    const Status s =
        auto_updates_rank(d.level) >= auto_updates_rank(opt.minimum) ? Status::Pass : Status::Fail;
    if (s == Status::Fail) {
        why += "; required: " + std::string(level_name(opt.minimum));
    }
    return make(s, std::move(why), std::move(d));
}

}  // namespace opennap::checks
