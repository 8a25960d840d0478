// "Measure all": runs the checks a configuration enables and returns every result with its
// time, plus the two SHAs' views of them: the security-center checks as a WSHA entry
// (wsha_map.h) and the Linux checks for OpenNAP's own SHA.
//
// HealthChecks owns what a check keeps between measurements (the security-updates memo, the
// antivirus plug-ins, the systemd bus connection of the ServiceProbe). It is not thread-safe: one
// thread measures (the monitor's, or the SHA's).
//
// A disabled check reports NotApplicable with the reason "disabled by configuration".
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "opennap/checks/antivirus.h"
#include "opennap/checks/automatic_updates.h"
#include "opennap/checks/config.h"
#include "opennap/checks/disk_encryption.h"
#include "opennap/checks/firewall.h"
#include "opennap/checks/ip_forwarding.h"
#include "opennap/checks/os_release.h"
#include "opennap/checks/screen_lock.h"
#include "opennap/checks/secure_boot.h"
#include "opennap/checks/security_updates.h"
#include "opennap/checks/services.h"
#include "opennap/soh/wsha.h"

namespace opennap::checks {

// Which checks to run: bit (1 << CheckId).
using CheckMask = std::uint32_t;
[[nodiscard]] constexpr CheckMask bit(CheckId id) noexcept {
    return CheckMask{1} << static_cast<unsigned>(id);
}
inline constexpr CheckMask kSecurityCenterChecks =
    bit(CheckId::Firewall) | bit(CheckId::Antivirus) | bit(CheckId::Antispyware) |
    bit(CheckId::AutomaticUpdates) | bit(CheckId::SecurityUpdates);
inline constexpr CheckMask kLinuxChecks = bit(CheckId::DiskEncryption) | bit(CheckId::SecureBoot) |
                                          bit(CheckId::KernelLockdown) | bit(CheckId::ScreenLock) |
                                          bit(CheckId::IpForwarding) | bit(CheckId::OsIdentity);
inline constexpr CheckMask kAllChecks = kSecurityCenterChecks | kLinuxChecks;

// One line per check, for logs and the benchmark.
struct CheckSummary {
    CheckId id = CheckId::Firewall;
    Status status = Status::Error;
    std::string reason;
    std::chrono::microseconds elapsed{0};
    bool measured = false;  // false: not in the mask of this measurement
    friend bool operator==(const CheckSummary&, const CheckSummary&) = default;
};

struct Report {
    Measurement<FirewallDetails> firewall;
    Measurement<AntivirusDetails> antivirus;
    Measurement<AntivirusDetails> antispyware;
    Measurement<AutoUpdatesDetails> automatic_updates;
    Measurement<SecurityUpdatesDetails> security_updates;
    Measurement<DiskEncryptionDetails> disk_encryption;
    Measurement<SecureBootDetails> secure_boot;
    Measurement<LockdownDetails> kernel_lockdown;
    Measurement<ScreenLockDetails> screen_lock;
    Measurement<IpForwardingDetails> ip_forwarding;
    Measurement<OsIdentityDetails> os_identity;
    CheckMask measured = 0;
    std::chrono::microseconds elapsed{0};  // the whole measurement

    // Equal apart from timings: the SoH of either SHA would be the same.
    [[nodiscard]] bool same_state(const Report& o) const;
    [[nodiscard]] std::vector<CheckSummary> summary() const;
    // The WSHA entry of the security-center checks (meaningful only when `measured` includes
    // kSecurityCenterChecks; a check outside the mask is a default, Error, measurement).
    [[nodiscard]] soh::wsha::SohEntry wsha_entry(const WshaMapOptions& opt) const;
};

class HealthChecks {
  public:
    explicit HealthChecks(ChecksConfig config);
    ~HealthChecks();
    HealthChecks(const HealthChecks&) = delete;
    HealthChecks& operator=(const HealthChecks&) = delete;

    [[nodiscard]] const ChecksConfig& config() const noexcept { return config_; }
    // Another antivirus product (plug-in), measured after the built-in ones.
    void add_product(std::unique_ptr<AntivirusProduct> product);

    [[nodiscard]] Report measure(CheckMask mask = kAllChecks);

  private:
    ChecksConfig config_;
    ServiceProbe services_;
    std::vector<std::unique_ptr<AntivirusProduct>> products_;
    SecurityUpdatesChecker security_;
};

}  // namespace opennap::checks
