#include "opennap/checks/secure_boot.h"

#include <gtest/gtest.h>
#include <sys/mount.h>

#include "helpers.h"

namespace opennap::checks {
namespace {

const std::string kVars = "/sys/firmware/efi/efivars/";
const std::string kGuid(kEfiGlobalVariableGuid);

std::string var(std::uint8_t value) {
    // EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS = 0x06, little-endian.
    return std::string("\x06\x00\x00\x00", 4) + static_cast<char>(value);
}

TEST(EfiVariable, Parse) {
    auto v = parse_efi_variable(var(1));
    ASSERT_TRUE(v);
    EXPECT_EQ(v->attributes, 6u);
    EXPECT_EQ(v->data, "\x01");
    v = parse_efi_variable(std::string("\x07\x00\x00\x80\xaa\xbb", 6));
    EXPECT_EQ(v->attributes, 0x80000007u);
    EXPECT_EQ(v->data.size(), 2u);
    for (std::size_t n = 0; n < 4; ++n) {
        auto e = parse_efi_variable(var(1).substr(0, n));
        ASSERT_FALSE(e);
        EXPECT_EQ(e.error().field, "attributes");
    }
}

TEST(SecureBoot, ScratchEfivars) {
    test::ScratchRoot s;
    EXPECT_EQ(check_secure_boot(s.root()).status, Status::NotApplicable);
    s.mkdir("/sys/firmware/efi/efivars");
    auto m = check_secure_boot(s.root());
    EXPECT_EQ(m.status, Status::Error);  // efivarfs not mounted
    s.write(kVars + "BootCurrent-" + kGuid, std::string("\x06\x00\x00\x00\x01\x00", 6));
    m = check_secure_boot(s.root());
    EXPECT_EQ(m.status, Status::Fail);
    EXPECT_EQ(m.reason, "firmware has no SecureBoot variable");
    s.write(kVars + "SecureBoot-" + kGuid, var(1));
    m = check_secure_boot(s.root());
    EXPECT_EQ(m.status, Status::Pass);
    EXPECT_EQ(m.details.secure_boot, true);
    EXPECT_EQ(m.details.attributes, 6u);
    s.write(kVars + "SecureBoot-" + kGuid, var(0));
    s.write(kVars + "SetupMode-" + kGuid, var(1));
    m = check_secure_boot(s.root());
    EXPECT_EQ(m.status, Status::Fail);
    EXPECT_EQ(m.details.setup_mode, true);
    EXPECT_EQ(m.reason, "Secure Boot disabled (firmware in setup mode)");
    s.write(kVars + "SecureBoot-" + kGuid, var(2));
    EXPECT_EQ(check_secure_boot(s.root()).status, Status::Error);
    s.write(kVars + "SecureBoot-" + kGuid, std::string("\x06\x00", 2));
    EXPECT_EQ(check_secure_boot(s.root()).status, Status::Error);
}

TEST(SecureBoot, LiveSystemIsNotApplicableWithoutUefiAndNeverAFalsePass) {
    auto m = check_secure_boot(SystemRoot{});
    if (!std::filesystem::exists("/sys/firmware/efi")) {
        EXPECT_EQ(m.status, Status::NotApplicable);
    } else if (m.status == Status::Pass) {
        EXPECT_EQ(m.details.secure_boot, true);
    }
}

TEST(Lockdown, Parse) {
    auto l = parse_lockdown("none [integrity] confidentiality\n");
    ASSERT_TRUE(l);
    EXPECT_EQ(l->mode, "integrity");
    EXPECT_EQ(l->modes.size(), 3u);
    EXPECT_EQ(parse_lockdown("[none] integrity confidentiality")->mode, "none");
    EXPECT_FALSE(parse_lockdown("none integrity"));
    EXPECT_FALSE(parse_lockdown("[none] [integrity]"));
    EXPECT_FALSE(parse_lockdown("[none integrity"));
    EXPECT_FALSE(parse_lockdown("[NONE]"));
    EXPECT_FALSE(parse_lockdown(""));
}

TEST(Lockdown, ScratchTree) {
    test::ScratchRoot s;
    EXPECT_EQ(check_kernel_lockdown(s.root()).status, Status::Error);
    s.write("/sys/kernel/security/lsm", "capability,landlock\n");
    EXPECT_EQ(check_kernel_lockdown(s.root()).status, Status::Fail);
    s.write("/sys/kernel/security/lockdown", "[none] integrity confidentiality\n");
    EXPECT_EQ(check_kernel_lockdown(s.root()).status, Status::Fail);
    s.write("/sys/kernel/security/lockdown", "none integrity [confidentiality]\n");
    auto m = check_kernel_lockdown(s.root());
    EXPECT_EQ(m.status, Status::Pass);
    EXPECT_EQ(m.details.mode, "confidentiality");
    s.write("/sys/kernel/security/lockdown", "none [integrity] confidentiality\n");
    EXPECT_EQ(check_kernel_lockdown(s.root()).status, Status::Pass);
    EXPECT_EQ(check_kernel_lockdown(s.root(), {LockdownMode::Confidentiality}).status,
              Status::Fail);
    s.write("/sys/kernel/security/lockdown", "garbage");
    EXPECT_EQ(check_kernel_lockdown(s.root()).status, Status::Error);
}

// The real securityfs, mounted by the test in a private mount namespace.
TEST(LockdownLive, RealSecurityfs) {
    const std::string out = test::run_in_child([] {
        if (::unshare(CLONE_NEWNS) != 0 ||
            ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
            return std::string("skip");
        }
        ::mount("none", "/sys/kernel/security", "securityfs", 0, nullptr);  // may be mounted
        std::string direct;
        if (FILE* f = std::fopen("/sys/kernel/security/lockdown", "r")) {
            char buf[128] = {};
            if (std::fgets(buf, sizeof buf, f) != nullptr) {
                direct = buf;
            }
            std::fclose(f);
        }
        auto m = check_kernel_lockdown(SystemRoot{});
        return std::string(to_string(m.status)) + "|" + m.details.mode + "|" + direct;
    });
    if (out == "skip") {
        GTEST_SKIP() << "cannot make a mount namespace";
    }
    const auto bar = out.find('|');
    const auto bar2 = out.find('|', bar + 1);
    const std::string status = out.substr(0, bar);
    const std::string mode = out.substr(bar + 1, bar2 - bar - 1);
    const std::string direct = out.substr(bar2 + 1);
    if (direct.empty()) {
        EXPECT_EQ(status, "fail") << out;  // securityfs without the lockdown LSM
        return;
    }
    EXPECT_NE(direct.find("[" + mode + "]"), std::string::npos) << out;
    EXPECT_EQ(status, mode == "none" ? "fail" : "pass") << out;
}

TEST(LockdownLive, UnmountedSecurityfsIsAnErrorNotAPass) {
    if (!std::filesystem::is_empty("/sys/kernel/security")) {
        GTEST_SKIP() << "securityfs is mounted on this machine";
    }
    auto m = check_kernel_lockdown(SystemRoot{});
    EXPECT_EQ(m.status, Status::Error);
}

}  // namespace
}  // namespace opennap::checks
