// Antivirus / antispyware (WSHA classes 1 and 2).
//
// Products are plug-ins (AntivirusProduct); ClamAV is built in:
//   * installed: /usr/sbin/clamd or /usr/bin/freshclam exists, or the database directory holds
//     daily.cvd / daily.cld;
//   * enabled: the scanning daemon's unit (clamav-daemon.service) is active -- over systemd's
//     D-Bus API, or from the process table without systemd (ServiceProbe);
//   * up to date: the newest of daily.cvd / daily.cld was built at most `max_signature_age` ago
//     (build time from the 512-byte database header, clamav.h). The freshclam unit's state is
//     reported but does not decide (the database age already shows whether updates arrive).
//
// check_antivirus(): Pass if some installed product is enabled and up to date; otherwise Fail
// if a product was measured (installed but disabled or out of date) or none is installed; Error
// if no product passed and one of them could not be measured. Antispyware: ClamAV's signatures
// cover spyware, so by default the antispyware class reports the same products (CHOSEN, like
// Windows Defender, which reports itself under both); `AntispywareMode::NotApplicable` reports
// the class as not applicable instead.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "opennap/checks/result.h"
#include "opennap/checks/services.h"
#include "opennap/checks/system_root.h"

namespace opennap::checks {

struct ProductState {
    std::string name;  // reported as the WSHA Product-Name ("ClamAV")
    bool installed = false;
    bool enabled = false;                             // real-time / daemon protection running
    bool up_to_date = false;                          // signatures younger than the limit
    std::optional<std::int64_t> signature_age_hours;  // negative: built in the future (clock)
    std::optional<std::int64_t> signature_time;       // build time, seconds since the epoch
    std::optional<std::uint32_t> database_version;
    std::string database_file;          // the header read, e.g. /var/lib/clamav/daily.cld
    std::optional<UnitState> daemon;    // scanning daemon
    std::optional<UnitState> updater;   // signature updater (freshclam)
    std::optional<MeasureError> error;  // measuring this product failed
    friend bool operator==(const ProductState&, const ProductState&) = default;
};

struct AntivirusDetails {
    std::vector<ProductState> products;
    friend bool operator==(const AntivirusDetails&, const AntivirusDetails&) = default;
};

// Equal apart from signature_age_hours (signature_time, the absolute time, is compared).
[[nodiscard]] bool same_details(const AntivirusDetails& a, const AntivirusDetails& b);

struct MeasureContext {
    const SystemRoot& root;
    ServiceProbe& services;
    std::chrono::system_clock::time_point now;
    std::chrono::hours max_signature_age;
};

// The plug-in point for other products (an EDR's agent, a vendor CLI): measure() fills a
// ProductState; a product that is not installed returns installed = false.
class AntivirusProduct {
  public:
    virtual ~AntivirusProduct() = default;
    [[nodiscard]] virtual std::string name() const = 0;
    [[nodiscard]] virtual ProductState measure(const MeasureContext& ctx) = 0;
};

struct ClamAvOptions {
    bool enabled = true;
    std::string database_dir = "/var/lib/clamav";
    std::string daemon_unit = "clamav-daemon.service";
    std::string daemon_process = "clamd";
    std::string updater_unit = "clamav-freshclam.service";
    std::string updater_process = "freshclam";
    friend bool operator==(const ClamAvOptions&, const ClamAvOptions&) = default;
};

class ClamAvProduct final : public AntivirusProduct {
  public:
    explicit ClamAvProduct(ClamAvOptions opt = {}) : opt_(std::move(opt)) {}
    [[nodiscard]] std::string name() const override { return "ClamAV"; }
    [[nodiscard]] ProductState measure(const MeasureContext& ctx) override;

  private:
    ClamAvOptions opt_;
};

enum class AntispywareMode : std::uint8_t { SameAsAntivirus, NotApplicable };

struct AntivirusOptions {
    ClamAvOptions clamav;
    std::chrono::hours max_signature_age{72};
    AntispywareMode antispyware = AntispywareMode::SameAsAntivirus;
    friend bool operator==(const AntivirusOptions&, const AntivirusOptions&) = default;
};

[[nodiscard]] Measurement<AntivirusDetails> check_antivirus(
    const SystemRoot& root, ServiceProbe& services,
    std::span<const std::unique_ptr<AntivirusProduct>> products, const AntivirusOptions& opt,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// The antispyware class from the antivirus measurement and the mode.
[[nodiscard]] Measurement<AntivirusDetails> antispyware_from(
    const Measurement<AntivirusDetails>& antivirus, AntispywareMode mode);

// The built-in product list for `opt` (ClamAV when enabled).
[[nodiscard]] std::vector<std::unique_ptr<AntivirusProduct>> default_products(
    const AntivirusOptions& opt);

}  // namespace opennap::checks
