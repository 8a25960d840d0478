// The Linux SHA's validator (shvs/linux_shv.h): settings, every check's judgement, the SoHR it
// answers with, and its hints.
#include "opennap/shvs/linux_shv.h"

#include <gtest/gtest.h>

#include "opennap/policy/config.h"

namespace opennap::shvs::linux_shv {
namespace {

soh::linux_sha::CheckReport rep(soh::linux_sha::Check c, soh::linux_sha::Status s) {
    soh::linux_sha::CheckReport r;
    r.check = c;
    r.status = s;
    return r;
}

using namespace soh::linux_sha;
using VStatus = policy::ShvVerdict::Status;

constexpr std::uint32_t kId = 0x007ED902;

// A healthy Debian 12 laptop: everything encrypted, lockdown integrity, locked screen, no
// forwarding.
Soh healthy() {
    Soh s;
    s.id = kId;
    s.version = "1.0";
    CheckReport disk = rep(Check::DiskEncryption, Status::Pass);
    disk.targets = {{Status::Pass, TargetKind::Mount, "/"},
                    {Status::Pass, TargetKind::Mount, "/home"},
                    {Status::Pass, TargetKind::Swap, "/dev/dm-2"}};
    CheckReport sb = rep(Check::SecureBoot, Status::Pass);
    sb.secure_boot = State::On;
    sb.setup_mode = State::Off;
    CheckReport lock = rep(Check::KernelLockdown, Status::Pass);
    lock.lockdown = Lockdown::Integrity;
    CheckReport screen = rep(Check::ScreenLock, Status::NotApplicable);
    CheckReport fwd = rep(Check::IpForwarding, Status::Pass);
    fwd.ipv4_forwarding = State::Off;
    fwd.ipv6_forwarding = State::Off;
    CheckReport os = rep(Check::OsIdentity, Status::Pass);
    os.os_id = "debian";
    os.os_version_id = "12";
    s.checks = {disk, sb, lock, screen, fwd, os};
    return s;
}

CheckReport& check(Soh& s, Check c) {
    for (auto& r : s.checks) {
        if (r.check == c)
            return r;
    }
    throw std::logic_error("no such check");
}

Result run(const Soh& s, const Settings& settings = {}) {
    return validate(settings, encode_soh(s), kId);
}

Verdict verdict_of(const Result& r, Check c) {
    const CheckAnswer* a = r.answer.find(c);
    EXPECT_NE(a, nullptr) << to_string(c);
    return a ? a->verdict : Verdict::Compliant;
}

Settings strict() {
    Settings s;
    s.secure_boot_required = true;
    s.minimum_lockdown = Lockdown::Integrity;
    s.allowed_os = {{"debian", "12"}, {"ubuntu", "22.04"}};
    return s;
}

TEST(LinuxShv, HealthyMachineIsCompliantAndTheAnswerDecodes) {
    const Result r = run(healthy(), strict());
    EXPECT_EQ(r.verdict.status, VStatus::Compliant);
    EXPECT_TRUE(r.hints.empty());
    EXPECT_EQ(r.response.id, kId);
    auto back = decode_sohr(r.response);
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(*back, r.answer);
    EXPECT_EQ(back->checks.size(), 6u);  // every reported check is answered
    const policy::ShvVerdict wire = policy::ShvVerdict::from_response(r.response);
    EXPECT_EQ(wire.status, VStatus::Compliant);
}

TEST(LinuxShv, UnencryptedHomeAndSwapAreNonCompliantWithHints) {
    Soh s = healthy();
    auto& disk = check(s, Check::DiskEncryption);
    disk.status = Status::Fail;
    disk.targets[1].status = Status::Fail;
    disk.targets[2].status = Status::Fail;
    Result r = run(s);
    EXPECT_EQ(r.verdict.status, VStatus::NonCompliant);
    EXPECT_EQ(verdict_of(r, Check::DiskEncryption), Verdict::NonCompliant);
    ASSERT_EQ(r.hints.size(), 2u);
    EXPECT_EQ(r.hints[0],
              "disk-encryption: encrypt the file system mounted on /home (LUKS / dm-crypt)");
    EXPECT_NE(r.hints[1].find("swap area /dev/dm-2"), std::string::npos);
    // Not required for /home and swap: compliant.
    Settings lax;
    lax.disk_encryption.home = false;
    lax.disk_encryption.swap = false;
    r = run(s, lax);
    EXPECT_EQ(r.verdict.status, VStatus::Compliant);
    // A target that could not be measured is a client error, never a pass.
    disk.targets[0].status = Status::Error;
    r = run(s, lax);
    EXPECT_EQ(verdict_of(r, Check::DiskEncryption), Verdict::ClientError);
    EXPECT_EQ(r.verdict.compliance_codes[0], HResult{kCodeClientError});
}

TEST(LinuxShv, SecureBootLockdownForwardingScreenLock) {
    Soh s = healthy();
    check(s, Check::SecureBoot).status = Status::NotApplicable;  // BIOS machine
    check(s, Check::KernelLockdown).lockdown = Lockdown::None;
    check(s, Check::IpForwarding).ipv4_forwarding = State::On;
    check(s, Check::ScreenLock).status = Status::Fail;
    Result r = run(s, strict());
    EXPECT_EQ(r.verdict.status, VStatus::NonCompliant);
    EXPECT_EQ(verdict_of(r, Check::SecureBoot), Verdict::NonCompliant);
    EXPECT_EQ(verdict_of(r, Check::KernelLockdown), Verdict::NonCompliant);
    EXPECT_EQ(verdict_of(r, Check::IpForwarding), Verdict::NonCompliant);
    EXPECT_EQ(verdict_of(r, Check::ScreenLock), Verdict::NonCompliant);
    EXPECT_EQ(verdict_of(r, Check::DiskEncryption), Verdict::Compliant);
    bool sysctl = false;
    for (const auto& h : r.hints)
        sysctl = sysctl || h == "ip-forwarding: turn IPv4 forwarding off: sysctl -w "
                                "net.ipv4.ip_forward=0";
    EXPECT_TRUE(sysctl);
    // Defaults: Secure Boot and lockdown are not required; forwarding allowed by setting.
    Settings s2;
    s2.ip_forwarding_allowed = true;
    s2.screen_lock_required = false;
    r = run(s, s2);
    EXPECT_EQ(r.verdict.status, VStatus::Compliant) << r.hints.size();
}

TEST(LinuxShv, DistributionsAndVersions) {
    Soh s = healthy();
    EXPECT_EQ(run(s, strict()).verdict.status, VStatus::Compliant);
    check(s, Check::OsIdentity).os_version_id = "11";
    Result r = run(s, strict());
    EXPECT_EQ(verdict_of(r, Check::OsIdentity), Verdict::NonCompliant);
    EXPECT_EQ(r.hints.back(), "os-identity: upgrade debian 11 to 12 or newer");
    check(s, Check::OsIdentity).os_id = "fedora";
    r = run(s, strict());
    EXPECT_NE(r.hints.back().find("\"fedora\" is not allowed"), std::string::npos);
    check(s, Check::OsIdentity).os_id = "ubuntu";
    check(s, Check::OsIdentity).os_version_id = "24.04";
    EXPECT_EQ(run(s, strict()).verdict.status, VStatus::Compliant);
    check(s, Check::OsIdentity).os_version_id = "20.04";
    EXPECT_EQ(run(s, strict()).verdict.status, VStatus::NonCompliant);
}

TEST(LinuxShv, VersionOrder) {
    EXPECT_LT(compare_versions("9", "12"), 0);
    EXPECT_LT(compare_versions("22.04", "24.04"), 0);
    EXPECT_GT(compare_versions("22.10", "22.04"), 0);
    EXPECT_EQ(compare_versions("12", "012"), 0);
    EXPECT_LT(compare_versions("12", "12.1"), 0);
    EXPECT_LT(compare_versions("", "1"), 0);
    EXPECT_EQ(compare_versions("", ""), 0);
}

TEST(LinuxShv, MissingChecksErrorsMissingAndInvalidEntries) {
    Soh s = healthy();
    s.checks.erase(s.checks.begin());  // no disk encryption reported
    check(s, Check::KernelLockdown).status = Status::Error;
    check(s, Check::KernelLockdown).lockdown.reset();
    check(s, Check::KernelLockdown).reason = "securityfs is not mounted";
    Result r = run(s, strict());
    EXPECT_EQ(verdict_of(r, Check::DiskEncryption), Verdict::Missing);
    EXPECT_EQ(verdict_of(r, Check::KernelLockdown), Verdict::ClientError);
    EXPECT_NE(r.hints[0].find("enable \"disk-encryption\""), std::string::npos);

    r = validate(strict(), std::nullopt, kId);
    EXPECT_EQ(r.verdict.status, VStatus::NonCompliant);
    EXPECT_EQ(r.verdict.compliance_codes, std::vector<HResult>{hr::NAP_E_MISSING_SOH});
    EXPECT_EQ(r.hints.size(), 1u);

    soh::ReportEntry bad = encode_soh(healthy());
    bad.attributes.back().value.resize(bad.attributes.back().value.size() - 1);
    r = validate(strict(), bad, kId);
    EXPECT_EQ(r.verdict.compliance_codes, std::vector<HResult>{hr::NAP_E_INVALID_PACKET});
    ASSERT_TRUE(r.error);
    auto back = decode_sohr(r.response);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->whole, hr::NAP_E_INVALID_PACKET.bits());
}

policy::ServerConfig parse(const std::string& text, std::vector<policy::ConfigError>* errors) {
    policy::ParseOptions o;
    o.linux_settings = settings_check();
    if (errors)
        *errors = policy::check_config(text, "server.toml", o);
    auto c = policy::parse_config(text, "server.toml", o);
    return c ? *c : policy::ServerConfig{};
}

TEST(LinuxShvSettings, ParsedFromServerToml) {
    const policy::ServerConfig c = parse(R"([[shv]]
kind = "linux"
[shv.settings.disk_encryption]
home = false
[shv.settings.secure_boot]
required = true
[shv.settings.kernel_lockdown]
minimum = "confidentiality"
[shv.settings.screen_lock]
required = false
[shv.settings.ip_forwarding]
allowed = true
[shv.settings.os_identity]
allowed = { debian = "12", fedora = "" }
)",
                                         nullptr);
    ASSERT_EQ(c.shvs.size(), 1u);
    auto s = parse_settings(*c.shvs[0].settings);
    ASSERT_TRUE(s);
    EXPECT_FALSE(s->disk_encryption.home);
    EXPECT_TRUE(s->disk_encryption.root);
    EXPECT_TRUE(s->secure_boot_required);
    EXPECT_EQ(s->minimum_lockdown, Lockdown::Confidentiality);
    EXPECT_FALSE(s->screen_lock_required);
    EXPECT_TRUE(s->ip_forwarding_allowed);
    ASSERT_EQ(s->allowed_os.size(), 2u);
    EXPECT_EQ(s->allowed_os.at("fedora"), "");
}

TEST(LinuxShvSettings, MistakesAreReportedWithLineAndKey) {
    std::vector<policy::ConfigError> errors;
    (void)parse(R"([[shv]]
kind = "linux"
[shv.settings.kernel_lockdown]
minimum = "integrty"
[shv.settings.os_identity]
allowed = { debian = 12 }
[shv.settings.screen]
)",
                &errors);
    ASSERT_EQ(errors.size(), 3u);
    EXPECT_EQ(errors[0].line, 4);
    EXPECT_EQ(errors[0].key, "shv[0].settings.kernel_lockdown.minimum");
    EXPECT_NE(errors[0].message.find("did you mean \"integrity\""), std::string::npos);
    EXPECT_EQ(errors[1].line, 6);
    EXPECT_EQ(errors[1].key, "shv[0].settings.os_identity.allowed.debian");
    EXPECT_EQ(errors[2].key, "shv[0].settings.screen");
}

}  // namespace
}  // namespace opennap::shvs::linux_shv
