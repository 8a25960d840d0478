#include "opennap/checks/antivirus.h"

#include <sys/stat.h>

#include <cerrno>

#include "opennap/checks/clamav.h"

namespace opennap::checks {

ProductState ClamAvProduct::measure(const MeasureContext& ctx) {
    ProductState p;
    p.name = name();
    const SystemRoot& root = ctx.root;
    // The newest daily database (.cld is the incrementally updated form of .cvd).
    std::optional<CvdHeader> best;
    for (const char* file : {"daily.cld", "daily.cvd"}) {
        const std::string path = opt_.database_dir + "/" + file;
        auto head = root.read_prefix(path, kCvdHeaderSize);
        if (!head) {
            if (head.error().errno_value != ENOENT) {
                p.error = head.error();
            }
            continue;
        }
        auto h = parse_cvd_header(*head);
        if (!h) {
            p.error = plain_error(root.path(path).string() + ": " + h.error().to_string());
            continue;
        }
        if (!best || h->version > best->version) {
            best = *h;
            p.database_file = path;
        }
    }
    p.installed =
        best.has_value() || root.exists("/usr/sbin/clamd") || root.exists("/usr/bin/freshclam");
    if (!p.installed) {
        p.error.reset();
        return p;
    }
    if (best) {
        p.database_version = best->version;
        p.signature_time = best->build_time;
        const auto now_s =
            std::chrono::duration_cast<std::chrono::seconds>(ctx.now.time_since_epoch()).count();
        const std::int64_t age_s = now_s - best->build_time;
        p.signature_age_hours = age_s >= 0 ? age_s / 3600 : -((-age_s + 3599) / 3600);
        p.up_to_date = age_s >= 0 ? std::chrono::seconds(age_s) <= ctx.max_signature_age
                                  : std::chrono::seconds(-age_s) <= std::chrono::hours(24);
        // CHOSEN: a database up to a day in the future (clock skew) still counts as current.
        p.error.reset();  // one readable database is enough
    }
    auto daemon = ctx.services.unit(opt_.daemon_unit, opt_.daemon_process);
    if (!daemon) {
        p.error = daemon.error();
        return p;
    }
    p.daemon = *daemon;
    p.enabled = daemon->active();
    auto updater = ctx.services.unit(opt_.updater_unit, opt_.updater_process);
    if (updater) {
        p.updater = *updater;
    }
    return p;
}

bool same_details(const AntivirusDetails& a, const AntivirusDetails& b) {
    if (a.products.size() != b.products.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.products.size(); ++i) {
        ProductState x = a.products[i];
        x.signature_age_hours = b.products[i].signature_age_hours;
        if (!(x == b.products[i])) {
            return false;
        }
    }
    return true;
}

std::vector<std::unique_ptr<AntivirusProduct>> default_products(const AntivirusOptions& opt) {
    std::vector<std::unique_ptr<AntivirusProduct>> v;
    if (opt.clamav.enabled) {
        v.push_back(std::make_unique<ClamAvProduct>(opt.clamav));
    }
    return v;
}

Measurement<AntivirusDetails> check_antivirus(
    const SystemRoot& root, ServiceProbe& services,
    std::span<const std::unique_ptr<AntivirusProduct>> products, const AntivirusOptions& opt,
    std::chrono::system_clock::time_point now) {
    AntivirusDetails d;
    const MeasureContext ctx{root, services, now, opt.max_signature_age};
    std::optional<MeasureError> first_error;
    const ProductState* good = nullptr;
    const ProductState* measured = nullptr;
    for (const auto& prod : products) {
        d.products.push_back(prod->measure(ctx));
    }
    for (const auto& p : d.products) {
        if (!p.installed) {
            continue;
        }
        if (p.error) {
            if (!first_error) {
                first_error = *p.error;
                first_error->message = p.name + ": " + first_error->message;
            }
            continue;
        }
        measured = measured != nullptr ? measured : &p;
        if (p.enabled && p.up_to_date && good == nullptr) {
            good = &p;
        }
    }
    if (good != nullptr) {
        std::string why = good->name + " running, signatures " +
                          std::to_string(good->signature_age_hours.value_or(0)) + " h old";
        return make(Status::Pass, std::move(why), std::move(d));
    }
    if (first_error) {
        return make_error(*first_error, std::move(d));
    }
    if (measured == nullptr) {
        return make(Status::Fail, "no antivirus product installed", std::move(d));
    }
    std::string why = measured->name + ":";
    if (!measured->enabled) {
        why += " daemon not running";
    }
    if (!measured->up_to_date) {
        why += measured->signature_age_hours
                   ? " signatures " + std::to_string(*measured->signature_age_hours) +
                         " h old (limit " + std::to_string(opt.max_signature_age.count()) + " h)"
                   : " no signature database";
    }
    return make(Status::Fail, std::move(why), std::move(d));
}

Measurement<AntivirusDetails> antispyware_from(const Measurement<AntivirusDetails>& antivirus,
                                               AntispywareMode mode) {
    if (mode == AntispywareMode::NotApplicable) {
        return make<AntivirusDetails>(Status::NotApplicable,
                                      "antispyware is not measured separately (configured)");
    }
    Measurement<AntivirusDetails> m = antivirus;
    m.elapsed = std::chrono::microseconds(0);
    return m;
}

}  // namespace opennap::checks
