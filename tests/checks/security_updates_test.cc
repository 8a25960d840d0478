#include "opennap/checks/security_updates.h"

#include <gtest/gtest.h>

#include "apt_root.h"

namespace opennap::checks {
namespace {

using test::AptRoot;

TEST(SecurityUpdates, CountsSecurityFixesFromAScratchRoot) {
    AptRoot a;
    a.installed({{"libfoo", "1.0-1"}, {"bar", "2.0-1"}, {"baz", "1.0-1"}, {"current", "3.0"}});
    a.standard_archives(
        /*main*/ {{"libfoo", "1.0-1"}, {"bar", "2.0-1"}, {"baz", "1.0-1"}, {"current", "3.0"}},
        /*updates*/ {{"bar", "2.1-1"}, {"baz", "1.2-1"}},
        /*security*/ {{"libfoo", "1.0-1+deb12u1"}, {"baz", "1.1-1"}});
    SecurityUpdatesOptions opt;
    auto d = count_pending_updates(a.s.root(), opt);
    ASSERT_TRUE(d) << d.error().to_string();
    EXPECT_EQ(d->pending_total, 3u);     // libfoo, bar, baz
    EXPECT_EQ(d->pending_security, 2u);  // libfoo; baz (its fix is in the 1.2 candidate)
    ASSERT_EQ(d->security_packages.size(), 2u);
    EXPECT_EQ(d->security_packages[0].package, "baz");
    EXPECT_EQ(d->security_packages[0].candidate, "1.2-1");
    EXPECT_EQ(d->security_packages[1].package, "libfoo");
    EXPECT_EQ(d->security_packages[1].installed, "1.0-1");
    EXPECT_EQ(d->security_packages[1].candidate, "1.0-1+deb12u1");

    // Only the label marks the archive: a suffix list that matches nothing still finds them.
    opt.security_suffixes = {"-nothing"};
    EXPECT_EQ(count_pending_updates(a.s.root(), opt)->pending_security, 2u);
    opt.security_labels = {};
    EXPECT_EQ(count_pending_updates(a.s.root(), opt)->pending_security, 0u);
}

TEST(SecurityUpdates, CheckVerdictsStampsRebootAndMemo) {
    AptRoot a;
    a.installed({{"libfoo", "1.0-1"}});
    a.standard_archives({{"libfoo", "1.0-1"}}, {}, {});
    a.s.write("/var/lib/apt/periodic/update-success-stamp", "");
    a.s.age("/var/lib/apt/periodic/update-success-stamp", 3600);
    SecurityUpdatesChecker c;
    auto m = c.check(a.s.root(), {});
    ASSERT_EQ(m.status, Status::Pass) << m.reason;
    EXPECT_FALSE(c.last_reused());
    EXPECT_EQ(m.details.last_update_source, "/var/lib/apt/periodic/update-success-stamp");
    EXPECT_NEAR(static_cast<double>(*m.details.seconds_since_update), 3600.0, 5.0);

    // Nothing changed: the cache pass is reused. Time passing alone is not a change of state.
    auto later = c.check(a.s.root(), {}, std::chrono::system_clock::now() + std::chrono::hours(1));
    EXPECT_TRUE(c.last_reused());
    EXPECT_EQ(later.status, Status::Pass);
    EXPECT_NE(later.details.seconds_since_update, m.details.seconds_since_update);
    EXPECT_TRUE(later.same_state(m));

    // A security update appears in the lists: the fingerprint changes, the cache is re-read.
    a.suite("security.example.org_debian-security", "bookworm-security", "Debian",
            "Debian-Security", {{"libfoo", "1.0-1+deb12u1"}});
    m = c.check(a.s.root(), {});
    EXPECT_FALSE(c.last_reused());
    EXPECT_EQ(m.status, Status::Fail);
    EXPECT_EQ(m.details.pending_security, 1u);
    EXPECT_EQ(m.reason, "1 security update(s) pending");

    // Installed: status changes, the count drops.
    a.installed({{"libfoo", "1.0-1+deb12u1"}});
    m = c.check(a.s.root(), {});
    EXPECT_FALSE(c.last_reused());
    EXPECT_EQ(m.status, Status::Pass) << m.reason;

    // A stale stamp fails.
    a.s.age("/var/lib/apt/periodic/update-success-stamp", 72 * 3600);
    m = c.check(a.s.root(), {});
    EXPECT_EQ(m.status, Status::Fail);
    EXPECT_NE(m.reason.find("last update 72 h ago (limit 48 h)"), std::string::npos) << m.reason;
    a.s.age("/var/lib/apt/periodic/update-success-stamp", 0);

    // Reboot pending: the flag file, then a newer kernel in /boot.
    a.s.write("/run/reboot-required", "*** System restart required ***\n");
    m = c.check(a.s.root(), {});
    EXPECT_EQ(m.status, Status::Fail);
    EXPECT_TRUE(m.details.reboot_required);
    a.s.remove("/run/reboot-required");
    a.s.write("/proc/sys/kernel/osrelease", "6.1.0-18-amd64\n");
    a.s.write("/boot/vmlinuz-6.1.0-18-amd64", "");
    m = c.check(a.s.root(), {});
    EXPECT_FALSE(m.details.reboot_required);
    EXPECT_EQ(m.details.newest_kernel, "6.1.0-18-amd64");
    a.s.write("/boot/vmlinuz-6.1.0-20-amd64", "");
    m = c.check(a.s.root(), {});
    EXPECT_TRUE(m.details.reboot_required);
    EXPECT_EQ(m.details.reboot_reason, "kernel 6.1.0-20-amd64 installed, 6.1.0-18-amd64 running");
}

TEST(SecurityUpdates, ListsMtimeWhenNoStampAndNeverUpdatedFails) {
    AptRoot a;
    a.installed({});
    SecurityUpdatesChecker c;
    auto m = c.check(a.s.root(), {});
    EXPECT_EQ(m.status, Status::Fail);
    EXPECT_EQ(m.reason, "package lists never updated");
    a.standard_archives({}, {}, {});
    m = c.check(a.s.root(), {});
    EXPECT_EQ(m.status, Status::Pass) << m.reason;
    EXPECT_TRUE(m.details.last_update_source.ends_with("_Release"));
}

TEST(SecurityUpdates, BrokenStatusFileIsAnError) {
    AptRoot a;
    a.s.write("/var/lib/dpkg/status", "Package: x\nthis is not a control file\n\x01\x02");
    a.standard_archives({}, {}, {});
    SecurityUpdatesChecker c;
    auto m = c.check(a.s.root(), {});
    EXPECT_EQ(m.status, Status::Error) << m.reason;
    ASSERT_TRUE(m.error);
    EXPECT_NE(m.error->message.find("libapt-pkg"), std::string::npos);
}

TEST(SecurityUpdatesLive, ThisMachine) {
    if (!std::filesystem::exists("/var/lib/dpkg/status")) {
        GTEST_SKIP() << "not a dpkg system";
    }
    test::ScratchRoot cache;
    SecurityUpdatesOptions opt;
    opt.cache_dir = cache.dir().string();
    SecurityUpdatesChecker c;
    auto m = c.check(SystemRoot{}, opt);
    ASSERT_NE(m.status, Status::Error) << m.reason;
    EXPECT_LE(m.details.pending_security, m.details.pending_total);
    EXPECT_TRUE(std::filesystem::exists(cache.dir() / "pkgcache.bin"));
    auto again = c.check(SystemRoot{}, opt);
    EXPECT_TRUE(c.last_reused());
    EXPECT_TRUE(m.same_state(again) ||
                m.details.seconds_since_update != again.details.seconds_since_update);
}

}  // namespace
}  // namespace opennap::checks
