#include "opennap/checks/measure.h"

#include "opennap/checks/wsha_map.h"

namespace opennap::checks {

namespace {

using Clock = std::chrono::steady_clock;

template <typename D, typename F>
void timed(Measurement<D>& out, F&& f) {
    const auto t0 = Clock::now();
    out = f();
    out.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0);
}

template <typename D>
Measurement<D> disabled() {
    return make<D>(Status::NotApplicable, "disabled by configuration");
}

template <typename D>
CheckSummary line(CheckId id, const Measurement<D>& m, CheckMask mask) {
    return CheckSummary{id, m.status, m.reason, m.elapsed, (mask & bit(id)) != 0};
}

}  // namespace

bool Report::same_state(const Report& o) const {
    return measured == o.measured && firewall.same_state(o.firewall) &&
           antivirus.same_state(o.antivirus) && antispyware.same_state(o.antispyware) &&
           automatic_updates.same_state(o.automatic_updates) &&
           security_updates.same_state(o.security_updates) &&
           disk_encryption.same_state(o.disk_encryption) && secure_boot.same_state(o.secure_boot) &&
           kernel_lockdown.same_state(o.kernel_lockdown) && screen_lock.same_state(o.screen_lock) &&
           ip_forwarding.same_state(o.ip_forwarding) && os_identity.same_state(o.os_identity);
}

std::vector<CheckSummary> Report::summary() const {
    return {line(CheckId::Firewall, firewall, measured),
            line(CheckId::Antivirus, antivirus, measured),
            line(CheckId::Antispyware, antispyware, measured),
            line(CheckId::AutomaticUpdates, automatic_updates, measured),
            line(CheckId::SecurityUpdates, security_updates, measured),
            line(CheckId::DiskEncryption, disk_encryption, measured),
            line(CheckId::SecureBoot, secure_boot, measured),
            line(CheckId::KernelLockdown, kernel_lockdown, measured),
            line(CheckId::ScreenLock, screen_lock, measured),
            line(CheckId::IpForwarding, ip_forwarding, measured),
            line(CheckId::OsIdentity, os_identity, measured)};
}

soh::wsha::SohEntry Report::wsha_entry(const WshaMapOptions& opt) const {
    return to_wsha_entry(firewall, antivirus, antispyware, automatic_updates, security_updates,
                         opt);
}

HealthChecks::HealthChecks(ChecksConfig config)
    : config_(std::move(config)),
      services_(config_.root, config_.bus),
      products_(default_products(config_.antivirus)) {}

HealthChecks::~HealthChecks() = default;

void HealthChecks::add_product(std::unique_ptr<AntivirusProduct> product) {
    products_.push_back(std::move(product));
}

Report HealthChecks::measure(CheckMask mask) {
    Report r;
    r.measured = mask;
    const auto t0 = Clock::now();
    const SystemRoot& root = config_.root;
    auto want = [&](CheckId id) { return (mask & bit(id)) != 0 && config_.is_enabled(id); };
    auto off = [&](CheckId id) { return (mask & bit(id)) != 0 && !config_.is_enabled(id); };

    if (want(CheckId::Firewall)) {
        timed(r.firewall, [&] { return check_firewall(root, services_, config_.firewall); });
    } else if (off(CheckId::Firewall)) {
        r.firewall = disabled<FirewallDetails>();
    }
    const bool av = want(CheckId::Antivirus);
    const bool as = want(CheckId::Antispyware);
    if (av || (as && config_.antivirus.antispyware == AntispywareMode::SameAsAntivirus)) {
        Measurement<AntivirusDetails> m;
        timed(m, [&] { return check_antivirus(root, services_, products_, config_.antivirus); });
        if (av) {
            r.antivirus = m;
        }
        if (as) {
            r.antispyware = antispyware_from(m, config_.antivirus.antispyware);
        }
    } else if (as) {
        r.antispyware = antispyware_from({}, config_.antivirus.antispyware);
    }
    if (off(CheckId::Antivirus)) {
        r.antivirus = disabled<AntivirusDetails>();
    }
    if (off(CheckId::Antispyware)) {
        r.antispyware = disabled<AntivirusDetails>();
    }
    if (want(CheckId::AutomaticUpdates)) {
        timed(r.automatic_updates,
              [&] { return check_automatic_updates(root, services_, config_.automatic_updates); });
    } else if (off(CheckId::AutomaticUpdates)) {
        r.automatic_updates = disabled<AutoUpdatesDetails>();
    }
    if (want(CheckId::SecurityUpdates)) {
        timed(r.security_updates, [&] { return security_.check(root, config_.security_updates); });
    } else if (off(CheckId::SecurityUpdates)) {
        r.security_updates = disabled<SecurityUpdatesDetails>();
    }
    if (want(CheckId::DiskEncryption)) {
        timed(r.disk_encryption,
              [&] { return check_disk_encryption(root, config_.disk_encryption); });
    } else if (off(CheckId::DiskEncryption)) {
        r.disk_encryption = disabled<DiskEncryptionDetails>();
    }
    if (want(CheckId::SecureBoot)) {
        timed(r.secure_boot, [&] { return check_secure_boot(root); });
    } else if (off(CheckId::SecureBoot)) {
        r.secure_boot = disabled<SecureBootDetails>();
    }
    if (want(CheckId::KernelLockdown)) {
        timed(r.kernel_lockdown,
              [&] { return check_kernel_lockdown(root, config_.kernel_lockdown); });
    } else if (off(CheckId::KernelLockdown)) {
        r.kernel_lockdown = disabled<LockdownDetails>();
    }
    if (want(CheckId::ScreenLock)) {
        timed(r.screen_lock,
              [&] { return check_screen_lock(root, config_.bus, config_.screen_lock); });
    } else if (off(CheckId::ScreenLock)) {
        r.screen_lock = disabled<ScreenLockDetails>();
    }
    if (want(CheckId::IpForwarding)) {
        timed(r.ip_forwarding, [&] { return check_ip_forwarding(root, config_.ip_forwarding); });
    } else if (off(CheckId::IpForwarding)) {
        r.ip_forwarding = disabled<IpForwardingDetails>();
    }
    if (want(CheckId::OsIdentity)) {
        timed(r.os_identity, [&] { return check_os_identity(root, config_.os_identity); });
    } else if (off(CheckId::OsIdentity)) {
        r.os_identity = disabled<OsIdentityDetails>();
    }
    r.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0);
    return r;
}

}  // namespace opennap::checks
