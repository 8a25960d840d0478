#include "opennap/checks/result.h"

#include <gtest/gtest.h>

#include "helpers.h"
#include "opennap/checks/system_root.h"

namespace opennap::checks {
namespace {

TEST(Result, Names) {
    EXPECT_EQ(to_string(Status::Pass), "pass");
    EXPECT_EQ(to_string(Status::Fail), "fail");
    EXPECT_EQ(to_string(Status::NotApplicable), "not-applicable");
    EXPECT_EQ(to_string(Status::Error), "error");
    EXPECT_EQ(to_string(CheckId::AutomaticUpdates), "automatic-updates");
    EXPECT_EQ(to_string(CheckId::OsIdentity), "os-identity");
}

TEST(Result, WorstOrdersErrorFailPassNotApplicable) {
    EXPECT_EQ(worst(Status::NotApplicable, Status::Pass), Status::Pass);
    EXPECT_EQ(worst(Status::Pass, Status::Fail), Status::Fail);
    EXPECT_EQ(worst(Status::Error, Status::Fail), Status::Error);
    EXPECT_EQ(worst(Status::NotApplicable, Status::NotApplicable), Status::NotApplicable);
}

TEST(Result, ErrnoMapping) {
    EXPECT_EQ(hresult_from_errno(ENOENT), hr::ERROR_FILE_NOT_FOUND);
    EXPECT_EQ(hresult_from_errno(EACCES), hr::E_ACCESSDENIED);
    EXPECT_EQ(hresult_from_errno(EPERM), hr::E_ACCESSDENIED);
    EXPECT_EQ(hresult_from_errno(ENOMEM), hr::E_OUTOFMEMORY);
    EXPECT_EQ(hresult_from_errno(EIO), hr::E_FAIL);  // not 0x80070005: EIO is not a Win32 code
    const auto e = errno_error("open /x", ENOENT);
    EXPECT_EQ(e.to_string(), "open /x: No such file or directory (errno 2)");
    const auto m = make_error<int>(e);
    EXPECT_EQ(m.status, Status::Error);
    EXPECT_EQ(m.reason, e.to_string());
}

TEST(Result, SameStateIgnoresTime) {
    auto a = make<int>(Status::Pass, "ok", 3);
    auto b = a;
    b.elapsed = std::chrono::microseconds(99);
    EXPECT_TRUE(a.same_state(b));
    EXPECT_FALSE(a == b);
    b.reason = "ok, 2 h ago";  // reasons quote ages: not compared
    EXPECT_TRUE(a.same_state(b));
    b.details = 4;
    EXPECT_FALSE(a.same_state(b));
}

TEST(SystemRoot, MapsAndReads) {
    test::ScratchRoot s;
    s.write("/etc/x", "value \n");
    const SystemRoot r = s.root();
    EXPECT_FALSE(r.is_host());
    EXPECT_EQ(r.path("/etc/x"), s.dir() / "etc/x");
    EXPECT_EQ(*r.read("/etc/x"), "value \n");
    EXPECT_EQ(*r.read_value("/etc/x"), "value");
    EXPECT_EQ(*r.read_prefix("/etc/x", 3), "val");
    EXPECT_EQ(r.read("/etc/x", 3).error().errno_value, EFBIG);
    EXPECT_EQ(r.read("/etc/none").error().errno_value, ENOENT);
    EXPECT_TRUE(r.exists("/etc/x"));
    EXPECT_EQ(r.list("/etc")->size(), 1u);
    s.link("/etc/l", "../target");
    EXPECT_EQ(*r.read_link("/etc/l"), "../target");
    EXPECT_TRUE(SystemRoot().is_host());
    EXPECT_TRUE(SystemRoot("/").is_host());
    EXPECT_EQ(SystemRoot().path("/proc/swaps"), "/proc/swaps");
    // procfs reports size 0: read() still gets the content.
    EXPECT_FALSE(SystemRoot().read("/proc/self/mountinfo")->empty());
}

}  // namespace
}  // namespace opennap::checks
