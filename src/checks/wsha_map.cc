#include "opennap/checks/wsha_map.h"

#include <limits>

namespace opennap::checks {

using namespace soh::wsha;

namespace {
std::u16string to_u16(const std::string& s) {
    std::u16string out;
    out.reserve(s.size());
    for (unsigned char c : s) {
        out.push_back(c < 0x80 ? static_cast<char16_t>(c) : u'?');  // names are ASCII
    }
    return out;
}
ClassStatus nameless(HealthClass cls, std::uint32_t code) {
    return ClassStatus{cls, {Product{std::nullopt, code}}};
}
}  // namespace

ClassStatus firewall_class(const Measurement<FirewallDetails>& m) {
    switch (m.status) {
        case Status::Error:
            return nameless(HealthClass::Firewall, status::kWscServiceDown);
        case Status::NotApplicable:
            return nameless(HealthClass::Firewall, status::kProductNotInstalled);
        case Status::Pass:
        case Status::Fail:
            break;
    }
    const std::string name = m.details.product.empty() ? "nftables" : m.details.product;
    return ClassStatus{HealthClass::Firewall,
                       {Product{to_u16(name), m.status == Status::Pass ? status::kEnabled : 0u}}};
}

ClassStatus product_class(HealthClass cls, const Measurement<AntivirusDetails>& m) {
    if (m.status == Status::Error) {
        return nameless(cls, status::kWscServiceDown);
    }
    if (m.status == Status::NotApplicable) {
        return nameless(cls, status::kProductNotInstalled);
    }
    ClassStatus c{cls, {}};
    for (const auto& p : m.details.products) {
        if (!p.installed || p.error) {
            continue;
        }
        std::uint32_t bits = 0;
        bits |= p.enabled ? status::kEnabled : 0u;
        bits |= p.up_to_date ? status::kUpToDate : 0u;
        c.products.push_back(Product{to_u16(p.name), bits});
    }
    if (c.products.empty()) {
        return nameless(cls, status::kProductNotInstalled);
    }
    return c;
}

ClassStatus automatic_updates_class(const Measurement<AutoUpdatesDetails>& m) {
    if (m.status == Status::Error) {
        return nameless(HealthClass::AutomaticUpdates, status::kWscServiceDown);
    }
    return nameless(HealthClass::AutomaticUpdates, static_cast<std::uint32_t>(m.details.level));
}

ClassStatus security_updates_class(const Measurement<SecurityUpdatesDetails>& m) {
    if (m.status == Status::Error) {
        return nameless(HealthClass::SecurityUpdates, status::kWuaCommFailure);
    }
    if (m.details.reboot_required) {
        return nameless(HealthClass::SecurityUpdates, status::kUpdatesRequireReboot);
    }
    return nameless(HealthClass::SecurityUpdates, m.details.pending_security > 0
                                                      ? status::kMissingUpdates
                                                      : status::kNoMissingUpdates);
}

std::optional<UpdateDetails> update_details(const Measurement<SecurityUpdatesDetails>& m,
                                            const WshaMapOptions& opt) {
    const auto st = security_updates_class(m).status();
    if (st != status::kMissingUpdates && st != status::kNoMissingUpdates) {
        return std::nullopt;
    }
    UpdateDetails u;
    constexpr auto kMax = std::numeric_limits<std::uint32_t>::max();
    if (!m.details.seconds_since_update) {
        u.seconds_since_last_sync = kMax;
    } else {
        const std::int64_t s = *m.details.seconds_since_update;
        u.seconds_since_last_sync =
            s >= static_cast<std::int64_t>(kMax) ? kMax : static_cast<std::uint32_t>(s);
    }
    u.wsus_server = opt.wsus_server;
    u.updates_flag = opt.update_source;
    if (m.details.pending_security > 0) {
        u.updates_flag |= updates_flag::kSeverityImportant;
    }
    return u;
}

SohEntry to_wsha_entry(const Measurement<FirewallDetails>& firewall,
                       const Measurement<AntivirusDetails>& antivirus,
                       const Measurement<AntivirusDetails>& antispyware,
                       const Measurement<AutoUpdatesDetails>& automatic,
                       const Measurement<SecurityUpdatesDetails>& security,
                       const WshaMapOptions& opt) {
    SohEntry e;
    e.layout = Layout::Full;
    e.counter = opt.counter;
    e.client_version = opt.client_version;
    e.classes.push_back(firewall_class(firewall));
    e.classes.push_back(product_class(HealthClass::Antivirus, antivirus));
    if (opt.client_version != client_version::kWindowsXp) {
        e.classes.push_back(product_class(HealthClass::Antispyware, antispyware));
    }
    e.classes.push_back(automatic_updates_class(automatic));
    e.classes.push_back(security_updates_class(security));
    e.updates = update_details(security, opt);
    return e;
}

}  // namespace opennap::checks
