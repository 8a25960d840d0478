#include "opennap/checks/security_updates.h"

#include <apt-pkg/cachefile.h>
#include <apt-pkg/configuration.h>
#include <apt-pkg/debversion.h>
#include <apt-pkg/pkgcache.h>
#include <apt-pkg/policy.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "apt_env.h"

namespace opennap::checks {

namespace {

bool ends_with_any(const char* s, const std::vector<std::string>& suffixes) {
    if (s == nullptr) {
        return false;
    }
    const std::string_view v(s);
    return std::any_of(suffixes.begin(), suffixes.end(),
                       [&](const std::string& x) { return !x.empty() && v.ends_with(x); });
}

bool equals_any(const char* s, const std::vector<std::string>& names) {
    return s != nullptr &&
           std::find(names.begin(), names.end(), std::string_view(s)) != names.end();
}

std::string stat_key(const std::filesystem::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) {
        return p.string() + ":-;";
    }
    return p.string() + ":" + std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) +
           "." + std::to_string(st.st_mtim.tv_nsec) + ":" + std::to_string(st.st_ino) + ";";
}

std::string dir_key(const SystemRoot& root, const char* dir) {
    std::string key = stat_key(root.path(dir));
    auto names = root.list(dir);
    if (!names) {
        return key;
    }
    std::sort(names->begin(), names->end());
    for (const auto& n : *names) {
        key += stat_key(root.path(std::string(dir) + "/" + n));
    }
    return key;
}

std::optional<std::int64_t> mtime_of(const std::filesystem::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(st.st_mtim.tv_sec);
}

}  // namespace

bool same_details(const SecurityUpdatesDetails& a, const SecurityUpdatesDetails& b) {
    SecurityUpdatesDetails x = a;
    x.seconds_since_update = b.seconds_since_update;
    return x == b;
}

Result<SecurityUpdatesDetails> count_pending_updates(const SystemRoot& root,
                                                     const SecurityUpdatesOptions& opt) {
    SecurityUpdatesDetails d;
    std::lock_guard lock(detail::apt_mutex());
    auto r = detail::apt_reset(root, opt.cache_dir, true);
    if (!r) {
        return fail(r.error());
    }
    pkgCacheFile file;
    // Not Open(): that also builds the dependency cache (the resolver's state for every
    // package), which this count does not need and which costs most of the time.
    if (!file.BuildCaches(nullptr, false) || !file.BuildPolicy(nullptr)) {
        return fail(plain_error("libapt-pkg: opening the package cache: " + detail::apt_errors()));
    }
    pkgCache* cache = file.GetPkgCache();
    pkgPolicy* policy = file.GetPolicy();
    if (cache == nullptr || policy == nullptr) {
        return fail(plain_error("libapt-pkg: no package cache: " + detail::apt_errors()));
    }
    for (pkgCache::PkgIterator p = cache->PkgBegin(); !p.end(); ++p) {
        if (p->CurrentVer == 0) {
            continue;
        }
        const pkgCache::VerIterator cur = p.CurrentVer();
        const pkgCache::VerIterator cand = policy->GetCandidateVer(p);
        if (cand.end() || debVS.CmpVersion(cand.VerStr(), cur.VerStr()) <= 0) {
            continue;
        }
        ++d.pending_total;
        bool security = false;
        for (pkgCache::VerIterator v = p.VersionList(); !v.end() && !security; ++v) {
            if (debVS.CmpVersion(v.VerStr(), cur.VerStr()) <= 0 ||
                debVS.CmpVersion(v.VerStr(), cand.VerStr()) > 0) {
                continue;
            }
            for (pkgCache::VerFileIterator vf = v.FileList(); !vf.end(); ++vf) {
                const pkgCache::PkgFileIterator pf = vf.File();
                if (ends_with_any(pf.Archive(), opt.security_suffixes) ||
                    ends_with_any(pf.Codename(), opt.security_suffixes) ||
                    equals_any(pf.Label(), opt.security_labels)) {
                    security = true;
                    break;
                }
            }
        }
        if (security) {
            ++d.pending_security;
            if (d.security_packages.size() < kMaxListed) {
                d.security_packages.push_back(
                    PendingUpdate{p.FullName(true), cur.VerStr(), cand.VerStr(), true});
            }
        }
    }
    std::sort(d.security_packages.begin(), d.security_packages.end(),
              [](const PendingUpdate& a, const PendingUpdate& b) { return a.package < b.package; });
    (void)detail::apt_errors();
    return d;
}

Measurement<SecurityUpdatesDetails> SecurityUpdatesChecker::check(
    const SystemRoot& root, const SecurityUpdatesOptions& opt,
    std::chrono::system_clock::time_point now) {
    // Inputs of the cache pass.
    std::string fp = root.root().string() + "|" + opt.cache_dir + "|";
    fp += stat_key(root.path("/var/lib/dpkg/status"));
    fp += dir_key(root, "/var/lib/apt/lists");
    fp += stat_key(root.path("/etc/apt/sources.list"));
    fp += dir_key(root, "/etc/apt/sources.list.d");
    fp += dir_key(root, "/etc/apt/preferences.d");
    fp += stat_key(root.path("/etc/apt/preferences"));
    fp += dir_key(root, "/etc/apt/apt.conf.d");
    reused_ = pending_ && fp == fingerprint_ && opt == opt_;
    if (!reused_) {
        auto counted = count_pending_updates(root, opt);
        if (!counted) {
            pending_.reset();
            fingerprint_.clear();
            return make_error<SecurityUpdatesDetails>(counted.error());
        }
        pending_ = std::move(*counted);
        fingerprint_ = std::move(fp);
        opt_ = opt;
    }
    SecurityUpdatesDetails d = *pending_;

    // Last successful update.
    if (auto t = mtime_of(root.path("/var/lib/apt/periodic/update-success-stamp"))) {
        d.last_update = *t;
        d.last_update_source = "/var/lib/apt/periodic/update-success-stamp";
    } else if (auto names = root.list("/var/lib/apt/lists")) {
        for (const auto& n : *names) {
            if (!n.ends_with("Release")) {
                continue;
            }
            const std::string path = "/var/lib/apt/lists/" + n;
            auto m = mtime_of(root.path(path));
            if (m && (!d.last_update || *m > *d.last_update)) {
                d.last_update = *m;
                d.last_update_source = path;
            }
        }
    }
    const auto now_s =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    if (d.last_update) {
        d.seconds_since_update = std::max<std::int64_t>(0, now_s - *d.last_update);
    }

    // Reboot pending.
    if (root.exists("/run/reboot-required")) {
        d.reboot_required = true;
        d.reboot_reason = "/run/reboot-required exists";
    }
    if (auto rel = root.read_value("/proc/sys/kernel/osrelease")) {
        d.running_kernel = *rel;
    }
    if (auto boot = root.list("/boot")) {
        for (const auto& n : *boot) {
            if (!n.starts_with("vmlinuz-")) {
                continue;
            }
            const std::string v = n.substr(8);
            if (d.newest_kernel.empty() || debVS.CmpVersion(v, d.newest_kernel) > 0) {
                d.newest_kernel = v;
            }
        }
    }
    if (!d.newest_kernel.empty() && !d.running_kernel.empty() &&
        debVS.CmpVersion(d.newest_kernel, d.running_kernel) > 0) {
        if (!d.reboot_required) {
            d.reboot_reason =
                "kernel " + d.newest_kernel + " installed, " + d.running_kernel + " running";
        }
        d.reboot_required = true;
    }

    std::string why;
    Status s = Status::Pass;
    if (d.pending_security > 0) {
        s = Status::Fail;
        why = std::to_string(d.pending_security) + " security update(s) pending";
    }
    if (d.reboot_required) {
        s = Status::Fail;
        why += (why.empty() ? "" : "; ") + std::string("reboot required (") + d.reboot_reason + ")";
    }
    if (!d.seconds_since_update) {
        s = Status::Fail;
        why += (why.empty() ? "" : "; ") + std::string("package lists never updated");
    } else if (std::chrono::seconds(*d.seconds_since_update) > opt.max_since_update) {
        s = Status::Fail;
        why += (why.empty() ? "" : "; ") + std::string("last update ") +
               std::to_string(*d.seconds_since_update / 3600) + " h ago (limit " +
               std::to_string(opt.max_since_update.count()) + " h)";
    }
    if (s == Status::Pass) {
        why = "no security updates pending; " + std::to_string(d.pending_total) +
              " other update(s); last update " + std::to_string(*d.seconds_since_update / 3600) +
              " h ago";
    }
    return make(s, std::move(why), std::move(d));
}

}  // namespace opennap::checks
