#include "opennap/checks/os_release.h"

#include <gtest/gtest.h>
#include <sys/utsname.h>

#include "helpers.h"

namespace opennap::checks {
namespace {

TEST(OsRelease, DebianFile) {
    const auto os = parse_os_release(
        "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
        "NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\n"
        "VERSION_CODENAME=bookworm\nID=debian\nHOME_URL=\"https://www.debian.org/\"\n");
    EXPECT_TRUE(os.skipped.empty());
    EXPECT_EQ(os.get("PRETTY_NAME"), "Debian GNU/Linux 12 (bookworm)");
    EXPECT_EQ(os.get("ID"), "debian");
    EXPECT_EQ(os.get("VERSION_CODENAME"), "bookworm");
    EXPECT_EQ(os.get("VERSION_ID"), "12");
    EXPECT_EQ(os.get("MISSING", "dflt"), "dflt");
}

TEST(OsRelease, QuotingRules) {
    const auto os = parse_os_release(
        "A='single $x \\n'\n"
        "B=\"dq \\\"q\\\" \\\\ \\$ \\` \\n\"\n"
        "C=un\\ quoted\n"
        "D=\"pie\"'ces'and\n"
        "E=\n"
        "  # comment\n"
        "\n"
        "F=\"multi\nline\"\n"
        "G=last   \n");
    EXPECT_TRUE(os.skipped.empty()) << os.skipped.front().to_string();
    EXPECT_EQ(os.get("A"), "single $x \\n");
    EXPECT_EQ(os.get("B"), "dq \"q\" \\ $ ` \\n");
    EXPECT_EQ(os.get("C"), "un quoted");
    EXPECT_EQ(os.get("D"),
              "pieces"
              "and");
    EXPECT_EQ(os.get("E"), "");
    EXPECT_EQ(os.get("F"), "multi\nline");
    EXPECT_EQ(os.get("G"), "last");
}

TEST(OsRelease, BadLinesAreSkippedWithLineAndOffset) {
    const auto os = parse_os_release(
        "ID=ok\n"
        "1BAD=x\n"
        "NOEQUALS\n"
        "U=\"unterminated\n"
        "S=two words\n"
        "X=$HOME\n"
        "LAST=yes");
    ASSERT_EQ(os.skipped.size(), 5u);
    EXPECT_EQ(os.skipped[0].line, 2u);
    EXPECT_EQ(os.skipped[0].offset, 6u);
    EXPECT_EQ(os.skipped[1].line, 3u);
    EXPECT_EQ(os.skipped[1].field, "NOEQUALS");
    EXPECT_EQ(os.skipped[2].line, 4u);
    EXPECT_EQ(os.skipped[2].message, "unterminated double quote");
    EXPECT_EQ(os.skipped[3].message, "unquoted whitespace in the value");
    EXPECT_EQ(os.skipped[4].field, "X");
    EXPECT_EQ(os.get("ID"), "ok");
    EXPECT_EQ(os.get("LAST"), "yes");
    EXPECT_EQ(os.fields.size(), 2u);
}

TEST(OsRelease, LaterAssignmentWins) {
    EXPECT_EQ(parse_os_release("ID=a\nID=b\n").get("ID"), "b");
}

TEST(OsRelease, EveryPrefixParsesWithoutCrashing) {
    const std::string text = "ID=\"de\\\"bian\"\nNAME='x y'\nZ=a\\ b\n";
    for (std::size_t n = 0; n <= text.size(); ++n) {
        const auto os = parse_os_release(std::string_view(text).substr(0, n));
        for (const auto& e : os.skipped) {
            EXPECT_LE(e.offset, n);
        }
    }
}

TEST(OsIdentity, ScratchRootEtcThenUsrLib) {
    test::ScratchRoot s;
    s.write("/usr/lib/os-release", "ID=fallback\nNAME=\"Fall Back\"\n");
    auto m = check_os_identity(s.root());
    EXPECT_EQ(m.status, Status::Pass);
    EXPECT_EQ(m.details.id, "fallback");
    EXPECT_EQ(m.details.source, "/usr/lib/os-release");
    EXPECT_EQ(m.details.pretty_name, "Linux");  // os-release(5) default
    s.write("/etc/os-release",
            "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian 12\"\nBAD LINE\n");
    m = check_os_identity(s.root());
    EXPECT_EQ(m.status, Status::Pass);
    EXPECT_EQ(m.details.id, "debian");
    EXPECT_EQ(m.details.version_id, "12");
    EXPECT_EQ(m.details.source, "/etc/os-release");
    EXPECT_EQ(m.details.skipped_lines, 1u);
    utsname u{};
    ::uname(&u);
    EXPECT_EQ(m.details.kernel_release, u.release);
    EXPECT_EQ(m.details.machine, u.machine);

    OsIdentityOptions only_fedora{{"fedora"}};
    EXPECT_EQ(check_os_identity(s.root(), only_fedora).status, Status::Fail);
    OsIdentityOptions debian_ok{{"fedora", "debian"}};
    EXPECT_EQ(check_os_identity(s.root(), debian_ok).status, Status::Pass);
}

TEST(OsIdentity, NoFileIsAnError) {
    test::ScratchRoot s;
    const auto m = check_os_identity(s.root());
    EXPECT_EQ(m.status, Status::Error);
    ASSERT_TRUE(m.error.has_value());
    EXPECT_EQ(m.error->errno_value, ENOENT);
    EXPECT_EQ(m.error->hresult, hr::ERROR_FILE_NOT_FOUND);
}

TEST(OsIdentity, LiveSystem) {
    const auto m = check_os_identity(SystemRoot());
    ASSERT_EQ(m.status, Status::Pass) << m.reason;
    EXPECT_FALSE(m.details.id.empty());
    EXPECT_FALSE(m.details.kernel_release.empty());
}

}  // namespace
}  // namespace opennap::checks
