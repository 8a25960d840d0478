#include "opennap/checks/linux_sha_map.h"

namespace opennap::checks {

namespace {

namespace ls = soh::linux_sha;

ls::Status status_of(Status s) {
    switch (s) {
        case Status::Pass:
            return ls::Status::Pass;
        case Status::Fail:
            return ls::Status::Fail;
        case Status::NotApplicable:
            return ls::Status::NotApplicable;
        case Status::Error:
            break;
    }
    return ls::Status::Error;
}

ls::State state_of(const std::optional<bool>& b) {
    if (!b)
        return ls::State::NotApplicable;
    return *b ? ls::State::On : ls::State::Off;
}

template <typename D>
ls::CheckReport base(ls::Check c, const Measurement<D>& m) {
    ls::CheckReport r;
    r.check = c;
    r.status = status_of(m.status);
    r.reason = m.reason;
    if (m.error)
        r.error = m.error->hresult.bits();
    return r;
}

}  // namespace

soh::linux_sha::Soh to_linux_soh(const Report& report, std::uint32_t id, std::string version) {
    ls::Soh s;
    s.id = id;
    s.version = std::move(version);
    const auto measured = [&](CheckId c) { return (report.measured & bit(c)) != 0; };
    if (measured(CheckId::DiskEncryption)) {
        ls::CheckReport r = base(ls::Check::DiskEncryption, report.disk_encryption);
        for (const EncryptionTarget& t : report.disk_encryption.details.targets) {
            ls::Target x;
            x.status = status_of(t.status);
            if (t.target.starts_with("swap ")) {
                x.kind = ls::TargetKind::Swap;
                x.path = t.target.substr(5);
            } else {
                x.path = t.target;
            }
            r.targets.push_back(std::move(x));
        }
        s.checks.push_back(std::move(r));
    }
    if (measured(CheckId::SecureBoot)) {
        ls::CheckReport r = base(ls::Check::SecureBoot, report.secure_boot);
        const SecureBootDetails& d = report.secure_boot.details;
        r.secure_boot = d.uefi ? state_of(d.secure_boot) : ls::State::NotApplicable;
        r.setup_mode = d.uefi ? state_of(d.setup_mode) : ls::State::NotApplicable;
        s.checks.push_back(std::move(r));
    }
    if (measured(CheckId::KernelLockdown)) {
        ls::CheckReport r = base(ls::Check::KernelLockdown, report.kernel_lockdown);
        const LockdownDetails& d = report.kernel_lockdown.details;
        if (d.mode == "none")
            r.lockdown = ls::Lockdown::None;
        else if (d.mode == "integrity")
            r.lockdown = ls::Lockdown::Integrity;
        else if (d.mode == "confidentiality")
            r.lockdown = ls::Lockdown::Confidentiality;
        else if (d.securityfs && !d.lsm)
            r.lockdown = ls::Lockdown::None;  // securityfs without the lockdown LSM
        s.checks.push_back(std::move(r));
    }
    if (measured(CheckId::ScreenLock))
        s.checks.push_back(base(ls::Check::ScreenLock, report.screen_lock));
    if (measured(CheckId::IpForwarding)) {
        ls::CheckReport r = base(ls::Check::IpForwarding, report.ip_forwarding);
        if (report.ip_forwarding.status != Status::Error) {
            r.ipv4_forwarding = state_of(report.ip_forwarding.details.ipv4);
            r.ipv6_forwarding = state_of(report.ip_forwarding.details.ipv6);
        }
        s.checks.push_back(std::move(r));
    }
    if (measured(CheckId::OsIdentity)) {
        ls::CheckReport r = base(ls::Check::OsIdentity, report.os_identity);
        const OsIdentityDetails& d = report.os_identity.details;
        if (report.os_identity.status != Status::Error) {
            r.os_id = d.id;
            r.os_version_id = d.version_id;
            r.os_name = d.pretty_name;
        }
        r.kernel = d.kernel_release;
        s.checks.push_back(std::move(r));
    }
    return s;
}

}  // namespace opennap::checks
