#include "opennap/checks/config.h"

#include "opennap/config/document.h"

#include <array>
#include <utility>

#include "opennap/config/toml_check.h"

namespace opennap::checks {

namespace {

using config::ConfigError;
using config::dotted;
using config::TomlChecker;

constexpr std::array<std::pair<std::string_view, CheckId>, kCheckCount> kCheckNames = {{
    {"firewall", CheckId::Firewall},
    {"antivirus", CheckId::Antivirus},
    {"antispyware", CheckId::Antispyware},
    {"automatic-updates", CheckId::AutomaticUpdates},
    {"security-updates", CheckId::SecurityUpdates},
    {"disk-encryption", CheckId::DiskEncryption},
    {"secure-boot", CheckId::SecureBoot},
    {"kernel-lockdown", CheckId::KernelLockdown},
    {"screen-lock", CheckId::ScreenLock},
    {"ip-forwarding", CheckId::IpForwarding},
    {"os-identity", CheckId::OsIdentity},
}};

constexpr std::array<std::pair<std::string_view, soh::wsha::AutoUpdates>, 5> kLevels = {{
    {"install", soh::wsha::AutoUpdates::Install},
    {"download", soh::wsha::AutoUpdates::Download},
    {"check-only", soh::wsha::AutoUpdates::CheckOnly},
    {"disabled", soh::wsha::AutoUpdates::Disabled},
    {"not-configured", soh::wsha::AutoUpdates::NotConfigured},
}};

constexpr std::array<std::pair<std::string_view, AntispywareMode>, 2> kSpyModes = {{
    {"same-as-antivirus", AntispywareMode::SameAsAntivirus},
    {"not-applicable", AntispywareMode::NotApplicable},
}};

constexpr std::array<std::pair<std::string_view, std::uint32_t>, 3> kSources = {{
    {"windows-update", soh::wsha::updates_flag::kSourceWindowsUpdate},
    {"microsoft-update", soh::wsha::updates_flag::kSourceMicrosoftUpdate},
    {"wsus", soh::wsha::updates_flag::kSourceWsus},
}};

constexpr std::array<std::pair<std::string_view, LockdownMode>, 3> kLockdown = {{
    {"none", LockdownMode::None},
    {"integrity", LockdownMode::Integrity},
    {"confidentiality", LockdownMode::Confidentiality},
}};

constexpr std::size_t kMaxText = 4096;

class Reader {
  public:
    Reader(TomlChecker& c) : c_(c) {}

    // A string array; every element must be a non-empty string without control characters.
    void strings(const toml::table& t, std::string_view prefix, std::string_view name,
                 std::vector<std::string>& out, bool absolute_paths = false) {
        const toml::array* a = c_.array(t, prefix, name, "an array of strings");
        if (a == nullptr) {
            return;
        }
        std::vector<std::string> v;
        bool ok = true;
        for (std::size_t i = 0; i < a->size(); ++i) {
            const toml::node& n = *a->get(i);
            const std::string key = config::indexed(dotted(prefix, name), i);
            if (!n.is_string()) {
                c_.type_error(n.source(), key, "a string", n);
                ok = false;
                continue;
            }
            const std::string s = n.as_string()->get();
            if (s.empty() || s.size() > kMaxText) {
                c_.error(n.source(), key, "must be 1 to 4096 bytes long");
                ok = false;
                continue;
            }
            if (absolute_paths && s.front() != '/') {
                c_.error(n.source(), key, "must be an absolute path, got " + config::quote_text(s));
                ok = false;
                continue;
            }
            v.push_back(s);
        }
        if (ok) {
            out = std::move(v);
        }
    }

    void path(const toml::table& t, std::string_view prefix, std::string_view name,
              std::string& out, bool allow_empty) {
        std::string v = out;
        if (!c_.text(t, prefix, name, v, kMaxText, allow_empty)) {
            return;
        }
        if (!v.empty() && v.front() != '/') {
            const toml::node* n = t.get(name);
            c_.error(n->source(), dotted(prefix, name),
                     "must be an absolute path, got " + config::quote_text(v));
            return;
        }
        out = std::move(v);
    }

  private:
    TomlChecker& c_;
};

void read_checks(const toml::table& t, TomlChecker& c, ChecksConfig& cfg) {
    Reader r(c);
    const std::string p = "checks";
    c.check_keys(t, p,
                 {"root",
                  "bus",
                  "security_center_id",
                  "compat_wsha_id",
                  "linux_sha_id",
                  "interval_s",
                  "watch_files",
                  "watch_nftables",
                  "watch_units",
                  "disabled",
                  "firewall",
                  "antivirus",
                  "automatic_updates",
                  "security_updates",
                  "disk_encryption",
                  "kernel_lockdown",
                  "screen_lock",
                  "ip_forwarding",
                  "os_identity",
                  "fixup"});
    std::string root = cfg.root.root().string();
    r.path(t, p, "root", root, false);
    cfg.root = SystemRoot(root);
    c.text(t, p, "bus", cfg.bus, kMaxText, true);
    c.integer(t, p, "security_center_id", cfg.security_center_id, 1, 0xFFFFFFFF);
    bool compat = false;
    c.boolean(t, p, "compat_wsha_id", compat);
    if (compat) {
        const auto id_it = t.find("security_center_id");
        if (id_it == t.end()) {
            cfg.security_center_id = soh::wsha::kSystemHealthId;
        } else if (cfg.security_center_id != soh::wsha::kSystemHealthId) {
            c.error(id_it->first.source(), "checks.security_center_id",
                    "compat_wsha_id = true reports as 0x00013780; remove security_center_id or "
                    "set it to 0x13780");
        }
    }
    c.integer(t, p, "linux_sha_id", cfg.linux_sha_id, 1, 0xFFFFFFFF);
    std::int64_t interval = cfg.interval.count();
    if (c.integer64(t, p, "interval_s", interval, 10, 86400)) {
        cfg.interval = std::chrono::seconds(interval);
    }
    c.boolean(t, p, "watch_files", cfg.watch_files);
    c.boolean(t, p, "watch_nftables", cfg.watch_nftables);
    c.boolean(t, p, "watch_units", cfg.watch_units);
    if (const toml::array* a = c.array(t, p, "disabled", "an array of check names")) {
        for (std::size_t i = 0; i < a->size(); ++i) {
            const toml::node& n = *a->get(i);
            const std::string key = config::indexed("checks.disabled", i);
            if (!n.is_string()) {
                c.type_error(n.source(), key, "a string", n);
                continue;
            }
            const std::string& s = n.as_string()->get();
            bool found = false;
            for (const auto& [name, id] : kCheckNames) {
                if (name == s) {
                    cfg.enabled[static_cast<std::size_t>(id)] = false;
                    found = true;
                }
            }
            if (!found) {
                std::vector<std::string_view> names;
                for (const auto& kv : kCheckNames) {
                    names.push_back(kv.first);
                }
                c.not_one_of(n.source(), key, s, names);
            }
        }
    }

    if (const toml::table* f = c.table(t, p, "firewall")) {
        const std::string q = "checks.firewall";
        c.check_keys(*f, q, {"nftables", "iptables_legacy"});
        c.boolean(*f, q, "nftables", cfg.firewall.nftables);
        c.boolean(*f, q, "iptables_legacy", cfg.firewall.iptables_legacy);
    }
    if (const toml::table* a = c.table(t, p, "antivirus")) {
        const std::string q = "checks.antivirus";
        c.check_keys(*a, q, {"max_signature_age_hours", "antispyware", "clamav"});
        std::int64_t h = cfg.antivirus.max_signature_age.count();
        if (c.integer64(*a, q, "max_signature_age_hours", h, 1, 8760)) {
            cfg.antivirus.max_signature_age = std::chrono::hours(h);
        }
        c.one_of(*a, q, "antispyware", kSpyModes, cfg.antivirus.antispyware);
        if (const toml::table* cl = c.table(*a, q, "clamav")) {
            const std::string k = "checks.antivirus.clamav";
            ClamAvOptions& o = cfg.antivirus.clamav;
            c.check_keys(*cl, k,
                         {"enabled", "database_dir", "daemon_unit", "daemon_process",
                          "updater_unit", "updater_process"});
            c.boolean(*cl, k, "enabled", o.enabled);
            r.path(*cl, k, "database_dir", o.database_dir, false);
            c.text(*cl, k, "daemon_unit", o.daemon_unit, 256);
            c.text(*cl, k, "daemon_process", o.daemon_process, 15);
            c.text(*cl, k, "updater_unit", o.updater_unit, 256);
            c.text(*cl, k, "updater_process", o.updater_process, 15);
        }
    }
    if (const toml::table* a = c.table(t, p, "automatic_updates")) {
        const std::string q = "checks.automatic_updates";
        c.check_keys(*a, q, {"minimum", "lists_timer", "upgrade_timer"});
        c.one_of(*a, q, "minimum", kLevels, cfg.automatic_updates.minimum);
        c.text(*a, q, "lists_timer", cfg.automatic_updates.lists_timer, 256, true);
        c.text(*a, q, "upgrade_timer", cfg.automatic_updates.upgrade_timer, 256, true);
    }
    if (const toml::table* s = c.table(t, p, "security_updates")) {
        const std::string q = "checks.security_updates";
        c.check_keys(*s, q,
                     {"max_hours_since_update", "cache_dir", "security_suffixes", "security_labels",
                      "update_source", "wsus_server"});
        std::int64_t h = cfg.security_updates.max_since_update.count();
        if (c.integer64(*s, q, "max_hours_since_update", h, 1, 8760)) {
            cfg.security_updates.max_since_update = std::chrono::hours(h);
        }
        r.path(*s, q, "cache_dir", cfg.security_updates.cache_dir, true);
        r.strings(*s, q, "security_suffixes", cfg.security_updates.security_suffixes);
        r.strings(*s, q, "security_labels", cfg.security_updates.security_labels);
        c.one_of(*s, q, "update_source", kSources, cfg.wsha.update_source);
        c.text(*s, q, "wsus_server", cfg.wsha.wsus_server, 255, true);
    }
    if (const toml::table* d = c.table(t, p, "disk_encryption")) {
        const std::string q = "checks.disk_encryption";
        c.check_keys(*d, q, {"mounts", "swap"});
        r.strings(*d, q, "mounts", cfg.disk_encryption.mounts, true);
        c.boolean(*d, q, "swap", cfg.disk_encryption.swap);
    }
    if (const toml::table* k = c.table(t, p, "kernel_lockdown")) {
        c.check_keys(*k, "checks.kernel_lockdown", {"minimum"});
        c.one_of(*k, "checks.kernel_lockdown", "minimum", kLockdown, cfg.kernel_lockdown.minimum);
    }
    if (const toml::table* s = c.table(t, p, "screen_lock")) {
        c.check_keys(*s, "checks.screen_lock", {"max_idle_unlocked_s"});
        std::int64_t v = cfg.screen_lock.max_idle_unlocked.count();
        if (c.integer64(*s, "checks.screen_lock", "max_idle_unlocked_s", v, 0, 86400)) {
            cfg.screen_lock.max_idle_unlocked = std::chrono::seconds(v);
        }
    }
    if (const toml::table* f = c.table(t, p, "ip_forwarding")) {
        c.check_keys(*f, "checks.ip_forwarding", {"allow_ipv4", "allow_ipv6"});
        c.boolean(*f, "checks.ip_forwarding", "allow_ipv4", cfg.ip_forwarding.allow_ipv4);
        c.boolean(*f, "checks.ip_forwarding", "allow_ipv6", cfg.ip_forwarding.allow_ipv6);
    }
    if (const toml::table* o = c.table(t, p, "os_identity")) {
        c.check_keys(*o, "checks.os_identity", {"allowed_ids"});
        r.strings(*o, "checks.os_identity", "allowed_ids", cfg.os_identity.allowed_ids);
    }
    if (const toml::table* f = c.table(t, p, "fixup")) {
        const std::string q = "checks.fixup";
        c.check_keys(*f, q, {"enabled", "freshclam_unit", "freshclam_restart", "apt_update_unit"});
        c.boolean(*f, q, "enabled", cfg.fixup.enabled);
        c.text(*f, q, "freshclam_unit", cfg.fixup.freshclam_unit, 256);
        c.boolean(*f, q, "freshclam_restart", cfg.fixup.freshclam_restart);
        c.text(*f, q, "apt_update_unit", cfg.fixup.apt_update_unit, 256);
    }
}

}  // namespace

std::expected<ChecksConfig, std::vector<ConfigError>> parse_checks_table(const toml::table& checks,
                                                                         std::string_view source) {
    std::vector<ConfigError> errors;
    ChecksConfig cfg;
    TomlChecker c(source, errors);
    try {
        read_checks(checks, c, cfg);
    } catch (const std::exception& e) {
        errors.push_back(ConfigError{std::string(source), 0, 0, "checks", e.what()});
    }
    if (!errors.empty()) {
        config::sort_errors(errors);
        return std::unexpected(std::move(errors));
    }
    return cfg;
}

std::expected<ChecksConfig, std::vector<ConfigError>> parse_checks_config(
    std::string_view toml_text, std::string_view source) {
    std::vector<ConfigError> syntax;
    std::optional<toml::table> doc = config::parse_document(toml_text, source, syntax);
    if (!doc) {
        return std::unexpected(std::move(syntax));
    }
    const toml::node* n = doc->get("checks");
    if (n == nullptr) {
        return ChecksConfig{};
    }
    if (!n->is_table()) {
        std::vector<ConfigError> errors;
        TomlChecker c(source, errors);
        c.type_error(n->source(), "checks", "a table", *n);
        return std::unexpected(std::move(errors));
    }
    return parse_checks_table(*n->as_table(), source);
}

}  // namespace opennap::checks
