// The Linux SHA's validator (include/opennap/shvs/linux_shv.h; docs/linux-sha.md).
#include "opennap/shvs/linux_shv.h"

#include <array>
#include <cctype>

#include "opennap/soh/attributes.h"

namespace opennap::shvs::linux_shv {

namespace {

using namespace soh::linux_sha;

constexpr std::array<std::pair<std::string_view, Lockdown>, 3> kLockdowns{{
    {"none", Lockdown::None},
    {"integrity", Lockdown::Integrity},
    {"confidentiality", Lockdown::Confidentiality},
}};

std::string_view lockdown_name(Lockdown l) {
    for (const auto& [n, v] : kLockdowns) {
        if (v == l)
            return n;
    }
    return "unknown";
}

// One check's answer under construction.
struct Judge {
    CheckAnswer answer;
    explicit Judge(Check c) { answer.check = c; }
    void fail(std::string hint) {
        if (answer.verdict == Verdict::Compliant)
            answer.verdict = Verdict::NonCompliant;
        answer.hints.push_back(std::move(hint));
    }
    void client_error(const CheckReport& r) {
        answer.verdict = Verdict::ClientError;
        std::string h = "the client could not measure this";
        if (!r.reason.empty())
            h += " (" + r.reason + ")";
        h += "; see napsha's log on the client";
        answer.hints.push_back(std::move(h));
    }
};

void disk_encryption(const Settings::DiskEncryption& p, const CheckReport& r, Judge& j) {
    if (r.targets.empty()) {
        if (r.status == Status::Error)
            j.client_error(r);
        else if (r.status == Status::Fail)
            j.fail("encrypt the disks under " + std::string(p.home ? "/ and /home" : "/") +
                   " and the swap areas (LUKS)" + (r.reason.empty() ? "" : ": " + r.reason));
        return;
    }
    for (const Target& t : r.targets) {
        const bool wanted = t.kind == TargetKind::Swap ? p.swap : t.path == "/" ? p.root : p.home;
        if (!wanted || t.status == Status::Pass || t.status == Status::NotApplicable)
            continue;
        if (t.status == Status::Error) {
            j.answer.verdict = Verdict::ClientError;
            j.answer.hints.push_back("the client could not tell whether " + t.path +
                                     " is encrypted; see napsha's log on the client");
            continue;
        }
        if (t.kind == TargetKind::Swap)
            j.fail("encrypt the swap area " + t.path +
                   " (a dm-crypt swap with a random key, or swap on LUKS)");
        else
            j.fail("encrypt the file system mounted on " + t.path + " (LUKS / dm-crypt)");
    }
}

void secure_boot(const CheckReport& r, Judge& j) {
    if (r.status == Status::Pass)
        return;
    if (r.status == Status::Error)
        return j.client_error(r);
    if (r.status == Status::NotApplicable)
        return j.fail("this machine does not boot through UEFI; Secure Boot needs UEFI firmware");
    j.fail("turn Secure Boot on in the UEFI firmware settings");
}

void kernel_lockdown(Lockdown minimum, const CheckReport& r, Judge& j) {
    if (!r.lockdown) {
        if (r.status == Status::Error)
            return j.client_error(r);
        return j.fail("the client reported no kernel lockdown mode; boot with lockdown=" +
                      std::string(lockdown_name(minimum)));
    }
    if (*r.lockdown == Lockdown::Unknown ||
        static_cast<std::uint8_t>(*r.lockdown) < static_cast<std::uint8_t>(minimum)) {
        j.fail("kernel lockdown is " + std::string(lockdown_name(*r.lockdown)) +
               "; boot with lockdown=" + std::string(lockdown_name(minimum)) +
               " on the kernel command line (or enable Secure Boot)");
    }
}

void screen_lock(const CheckReport& r, Judge& j) {
    if (r.status == Status::Error)
        return j.client_error(r);
    if (r.status == Status::Fail)
        j.fail("lock the idle graphical session and turn on automatic screen locking" +
               (r.reason.empty() ? std::string() : ": " + r.reason));
}

void ip_forwarding(const CheckReport& r, Judge& j) {
    const bool v4 = r.ipv4_forwarding == State::On;
    const bool v6 = r.ipv6_forwarding == State::On;
    if (!r.ipv4_forwarding && !r.ipv6_forwarding) {
        if (r.status == Status::Error)
            return j.client_error(r);
        if (r.status == Status::Fail)
            j.fail("turn IP forwarding off (sysctl net.ipv4.ip_forward=0)");
        return;
    }
    if (v4)
        j.fail("turn IPv4 forwarding off: sysctl -w net.ipv4.ip_forward=0");
    if (v6)
        j.fail("turn IPv6 forwarding off: sysctl -w net.ipv6.conf.all.forwarding=0");
}

void os_identity(const std::map<std::string, std::string, std::less<>>& allowed,
                 const CheckReport& r, Judge& j) {
    if (r.os_id.empty()) {
        if (r.status == Status::Error)
            return j.client_error(r);
        return j.fail("the client reported no operating system (os-release ID)");
    }
    std::string list;
    for (const auto& [id, min] : allowed) {
        if (!list.empty())
            list += ", ";
        list += id;
        if (!min.empty())
            list += " " + min + " or newer";
    }
    const auto it = allowed.find(r.os_id);
    if (it == allowed.end()) {
        j.fail("the distribution \"" + r.os_id +
               "\" is not allowed on this network; allowed: " + list);
        return;
    }
    if (!it->second.empty() && compare_versions(r.os_version_id, it->second) < 0) {
        j.fail("upgrade " + r.os_id + " " +
               (r.os_version_id.empty() ? std::string("(no VERSION_ID)") : r.os_version_id) +
               " to " + it->second + " or newer");
    }
}

Result whole(std::uint32_t id, HResult code, std::string hint,
             std::optional<soh::DecodeError> error = std::nullopt) {
    Result r;
    r.answer.id = id;
    r.answer.whole = code.bits();
    r.response = encode_sohr(r.answer);
    r.verdict = policy::ShvVerdict::from_codes(id, {code});
    r.hints.push_back(std::move(hint));
    r.error = error;
    return r;
}

}  // namespace

int compare_versions(std::string_view a, std::string_view b) noexcept {
    std::size_t i = 0;
    std::size_t k = 0;
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    while (i < a.size() || k < b.size()) {
        if (i < a.size() && k < b.size() && digit(a[i]) && digit(b[k])) {
            while (i < a.size() && a[i] == '0')
                ++i;
            while (k < b.size() && b[k] == '0')
                ++k;
            std::size_t ei = i;
            std::size_t ek = k;
            while (ei < a.size() && digit(a[ei]))
                ++ei;
            while (ek < b.size() && digit(b[ek]))
                ++ek;
            if (ei - i != ek - k)
                return ei - i < ek - k ? -1 : 1;
            if (const int c = a.substr(i, ei - i).compare(b.substr(k, ek - k)); c != 0)
                return c < 0 ? -1 : 1;
            i = ei;
            k = ek;
            continue;
        }
        if (i >= a.size())
            return -1;
        if (k >= b.size())
            return 1;
        if (a[i] != b[k]) {
            // A separator ranks below a digit or letter: "12" < "12.1".
            return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[k]) ? -1 : 1;
        }
        ++i;
        ++k;
    }
    return 0;
}

void check_settings(const toml::table& t, std::string_view key, policy::TomlChecker& c,
                    Settings& out) {
    c.check_keys(t, key,
                 {"disk_encryption", "secure_boot", "kernel_lockdown", "screen_lock",
                  "ip_forwarding", "os_identity"});
    if (const toml::table* s = c.table(t, key, "disk_encryption")) {
        const std::string k = policy::dotted(key, "disk_encryption");
        c.check_keys(*s, k, {"required", "root", "home", "swap"});
        c.boolean(*s, k, "required", out.disk_encryption.required);
        c.boolean(*s, k, "root", out.disk_encryption.root);
        c.boolean(*s, k, "home", out.disk_encryption.home);
        c.boolean(*s, k, "swap", out.disk_encryption.swap);
    }
    if (const toml::table* s = c.table(t, key, "secure_boot")) {
        const std::string k = policy::dotted(key, "secure_boot");
        c.check_keys(*s, k, {"required"});
        c.boolean(*s, k, "required", out.secure_boot_required);
    }
    if (const toml::table* s = c.table(t, key, "kernel_lockdown")) {
        const std::string k = policy::dotted(key, "kernel_lockdown");
        c.check_keys(*s, k, {"minimum"});
        c.one_of(*s, k, "minimum", kLockdowns, out.minimum_lockdown);
    }
    if (const toml::table* s = c.table(t, key, "screen_lock")) {
        const std::string k = policy::dotted(key, "screen_lock");
        c.check_keys(*s, k, {"required"});
        c.boolean(*s, k, "required", out.screen_lock_required);
    }
    if (const toml::table* s = c.table(t, key, "ip_forwarding")) {
        const std::string k = policy::dotted(key, "ip_forwarding");
        c.check_keys(*s, k, {"allowed"});
        c.boolean(*s, k, "allowed", out.ip_forwarding_allowed);
    }
    if (const toml::table* s = c.table(t, key, "os_identity")) {
        const std::string k = policy::dotted(key, "os_identity");
        c.check_keys(*s, k, {"allowed"});
        if (const toml::table* a = c.table(*s, k, "allowed")) {
            const std::string ak = policy::dotted(k, "allowed");
            for (const auto& [id, node] : *a) {
                const std::string name(id.str());
                if (!node.is_string()) {
                    c.type_error(node.source(), policy::dotted(ak, name),
                                 "a minimum VERSION_ID string (\"\" = any version)", node);
                    continue;
                }
                const std::string& v = node.as_string()->get();
                if (v.size() > kMaxText || name.empty() || name.size() > kMaxText) {
                    c.error(node.source(), policy::dotted(ak, name), "too long");
                    continue;
                }
                out.allowed_os[name] = v;
            }
        }
    }
}

std::expected<Settings, std::vector<policy::ConfigError>> parse_settings(
    const policy::ShvSettingsTable& table) {
    return policy::parse_shv_settings<Settings>(table, check_settings);
}

policy::ShvSettingsCheck settings_check() {
    return policy::shv_settings_check<Settings>(check_settings);
}

Result validate(const Settings& settings, const std::optional<soh::ReportEntry>& entry,
                std::uint32_t id) {
    if (!entry) {
        return whole(id, hr::NAP_E_MISSING_SOH,
                     "the client sent no Linux SHA SoH; start napsha on the client");
    }
    auto soh = decode_soh(*entry);
    if (!soh) {
        return whole(id, hr::NAP_E_INVALID_PACKET,
                     "the client's Linux SHA SoH could not be read (" + soh.error().message() +
                         "); update napsha on the client",
                     soh.error());
    }
    const std::array<std::pair<Check, bool>, 6> required{{
        {Check::DiskEncryption, settings.disk_encryption.required},
        {Check::SecureBoot, settings.secure_boot_required},
        {Check::KernelLockdown, settings.minimum_lockdown != Lockdown::None},
        {Check::ScreenLock, settings.screen_lock_required},
        {Check::IpForwarding, !settings.ip_forwarding_allowed},
        {Check::OsIdentity, !settings.allowed_os.empty()},
    }};
    Result r;
    r.answer.id = id;
    for (const auto& [check, needed] : required) {
        const CheckReport* rep = soh->find(check);
        if (rep == nullptr && !needed)
            continue;
        Judge j(check);
        if (rep == nullptr) {
            j.answer.verdict = Verdict::Missing;
            j.answer.hints.push_back("the client did not report this check; enable \"" +
                                     to_string(check) +
                                     "\" in [checks] of the client's agent.toml (napsha)");
        } else if (needed) {
            switch (check) {
                case Check::DiskEncryption:
                    disk_encryption(settings.disk_encryption, *rep, j);
                    break;
                case Check::SecureBoot:
                    secure_boot(*rep, j);
                    break;
                case Check::KernelLockdown:
                    kernel_lockdown(settings.minimum_lockdown, *rep, j);
                    break;
                case Check::ScreenLock:
                    screen_lock(*rep, j);
                    break;
                case Check::IpForwarding:
                    ip_forwarding(*rep, j);
                    break;
                case Check::OsIdentity:
                    os_identity(settings.allowed_os, *rep, j);
                    break;
            }
        }
        for (const std::string& h : j.answer.hints)
            r.hints.push_back(to_string(check) + ": " + h);
        r.answer.checks.push_back(std::move(j.answer));
    }
    if (r.answer.checks.empty()) {
        // Nothing required and nothing reported: the SHA is there, which is all the policy asks.
        r.answer.checks.push_back(CheckAnswer{Check::OsIdentity, Verdict::Compliant, {}});
    }
    std::vector<HResult> codes;
    for (const CheckAnswer& a : r.answer.checks)
        codes.push_back(code_of(a.verdict));
    r.response = encode_sohr(r.answer);
    r.verdict = policy::ShvVerdict::from_codes(id, std::move(codes));
    return r;
}

}  // namespace opennap::shvs::linux_shv
