// The D-Bus paths (systemd units, logind sessions, fix-up jobs, unit signals) against a private
// bus with a stand-in service (fake_bus.h), plus their live behaviour on this machine.
#include <gtest/gtest.h>

#include <chrono>

#include "fake_bus.h"
#include "opennap/checks/fixup.h"
#include "opennap/checks/screen_lock.h"
#include "opennap/checks/services.h"
#include "opennap/checks/unit_watcher.h"

namespace opennap::checks {
namespace {

using namespace std::chrono;

class DbusTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!test::have("dbus-daemon")) {
            GTEST_SKIP() << "dbus-daemon not installed";
        }
        bus_ = std::make_unique<test::PrivateBus>();
        ASSERT_TRUE(bus_->ok()) << "dbus-daemon did not start";
        fake_ = std::make_unique<test::FakeServices>(bus_->address());
        ASSERT_TRUE(fake_->ready());
    }
    void TearDown() override {
        fake_.reset();
        bus_.reset();
    }
    const std::string& address() const { return bus_->address(); }

    std::unique_ptr<test::PrivateBus> bus_;
    std::unique_ptr<test::FakeServices> fake_;
};

TEST_F(DbusTest, UnitStateOverSystemdBus) {
    fake_->set_unit("clamav-daemon.service", {"loaded", "active", "running", "enabled"});
    test::ScratchRoot s;
    ServiceProbe probe(s.root(), address());
    EXPECT_TRUE(probe.uses_bus());
    auto u = probe.unit("clamav-daemon.service", "clamd");
    ASSERT_TRUE(u) << u.error().to_string();
    EXPECT_EQ(u->source, UnitState::Source::SystemdBus);
    EXPECT_TRUE(u->active());
    EXPECT_TRUE(u->enabled());
    EXPECT_EQ(u->sub_state, "running");
    auto missing = probe.unit("nothing.service");
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->load_state, "not-found");
    EXPECT_FALSE(missing->found());
}

TEST_F(DbusTest, ScreenLockVerdicts) {
    test::ScratchRoot s;
    const auto now = system_clock::now();
    const auto us = [&](seconds ago) {
        return static_cast<std::uint64_t>(
            duration_cast<microseconds>((now - ago).time_since_epoch()).count());
    };
    // No sessions at all.
    auto m = check_screen_lock(s.root(), address(), {}, now);
    EXPECT_EQ(m.status, Status::NotApplicable) << m.reason;
    // Only a tty session and an inactive graphical one.
    test::FakeSession tty{.id = "1", .type = "tty"};
    test::FakeSession away{
        .id = "2", .type = "x11", .active = false, .idle = true, .idle_since_us = us(hours(2))};
    fake_->set_sessions({tty, away});
    m = check_screen_lock(s.root(), address(), {}, now);
    EXPECT_EQ(m.status, Status::NotApplicable);
    EXPECT_EQ(m.details.sessions.size(), 2u);
    // An active wayland session in use.
    test::FakeSession desk{.id = "3", .type = "wayland"};
    fake_->set_sessions({tty, away, desk});
    m = check_screen_lock(s.root(), address(), {}, now);
    EXPECT_EQ(m.status, Status::Pass) << m.reason;
    EXPECT_EQ(m.details.graphical_active, 1u);
    EXPECT_EQ(m.details.sessions[2].user, "alice");
    // Idle for an hour, unlocked: the lock did not engage.
    desk.idle = true;
    desk.idle_since_us = us(hours(1));
    fake_->set_sessions({desk});
    m = check_screen_lock(s.root(), address(), {}, now);
    EXPECT_EQ(m.status, Status::Fail);
    EXPECT_EQ(m.details.unlocked_idle, 1u);
    // Within the limit, or locked: fine.
    ScreenLockOptions long_limit{hours(2)};
    EXPECT_EQ(check_screen_lock(s.root(), address(), long_limit, now).status, Status::Pass);
    desk.locked = true;
    fake_->set_sessions({desk});
    EXPECT_EQ(check_screen_lock(s.root(), address(), {}, now).status, Status::Pass);
    // A greeter session is not a user's.
    test::FakeSession greeter{.id = "4",
                              .type = "wayland",
                              .session_class = "greeter",
                              .idle = true,
                              .idle_since_us = us(hours(3))};
    fake_->set_sessions({greeter});
    EXPECT_EQ(check_screen_lock(s.root(), address(), {}, now).status, Status::NotApplicable);
    // logind failing is an error.
    fake_->set_login_available(false);
    m = check_screen_lock(s.root(), address(), {}, now);
    EXPECT_EQ(m.status, Status::Error);
    EXPECT_NE(m.reason.find("ServiceUnknown"), std::string::npos) << m.reason;
}

TEST_F(DbusTest, FixupDisabledByDefaultSendsNothing) {
    fake_->set_unit("apt-daily.service", {});
    FixupRunner r(FixupOptions{}, address());
    auto s = r.start(FixupAction::UpdatePackageLists);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().hresult, hr::E_ACCESSDENIED);
    EXPECT_TRUE(fake_->calls().empty());
    const FixupInfo i = r.info();
    EXPECT_EQ(i.state, FixupState::Success);
    EXPECT_EQ(i.percentage, 0);
}

TEST_F(DbusTest, FixupProgressAndResult) {
    fake_->set_unit("apt-daily.service", {});
    fake_->set_unit("clamav-freshclam.service", {"loaded", "active", "running", "enabled"});
    FixupOptions opt;
    opt.enabled = true;
    FixupRunner r(opt, address());
    ASSERT_TRUE(r.start(FixupAction::UpdatePackageLists));
    EXPECT_EQ(fake_->calls().back(), "StartUnit apt-daily.service replace");
    EXPECT_GE(fake_->subscribers(), 1u);
    const std::uint32_t job = fake_->last_job();
    EXPECT_EQ(r.job(), "/org/freedesktop/systemd1/job/" + std::to_string(job));
    FixupInfo i = r.info();
    EXPECT_EQ(i.state, FixupState::InProgress);
    EXPECT_EQ(i.percentage, 10);
    fake_->set_job_state(job, "running");
    EXPECT_EQ(r.info().percentage, 50);
    // A second fix-up while one runs is refused.
    auto busy = r.start(FixupAction::UpdateSignatures);
    ASSERT_FALSE(busy);
    EXPECT_EQ(busy.error().hresult, hr::E_PENDING);
    fake_->finish_job(job, "done");
    for (int k = 0; k < 2000 && i.state == FixupState::InProgress; ++k) {
        ::usleep(5000);
        i = r.info();
    }
    EXPECT_EQ(i.state, FixupState::Success);
    EXPECT_EQ(i.percentage, 100);

    // Signatures: freshclam is restarted; a failed job reads CouldNotUpdate.
    ASSERT_TRUE(r.start(FixupAction::UpdateSignatures));
    EXPECT_EQ(fake_->calls().back(), "RestartUnit clamav-freshclam.service replace");
    fake_->finish_job(fake_->last_job(), "failed");
    for (int k = 0; k < 2000 && i.state != FixupState::CouldNotUpdate; ++k) {
        ::usleep(5000);
        i = r.info();
    }
    EXPECT_EQ(i.state, FixupState::CouldNotUpdate);
    ASSERT_EQ(i.result_codes.size(), 1u);
    EXPECT_EQ(i.result_codes[0], hr::E_FAIL);

    // The job vanishes without a signal: the unit's state decides.
    ASSERT_TRUE(r.start(FixupAction::UpdatePackageLists));
    fake_->set_unit("apt-daily.service", {"loaded", "failed", "failed", "static"});
    fake_->finish_job(fake_->last_job(), "", /*signal=*/false);
    for (int k = 0; k < 2000 && i.state != FixupState::CouldNotUpdate; ++k) {
        ::usleep(5000);
        i = r.info();
    }
    EXPECT_EQ(i.state, FixupState::CouldNotUpdate);

    // An unknown unit is an error from systemd, reported as such.
    FixupOptions bad = opt;
    bad.apt_update_unit = "nope.service";
    FixupRunner r2(bad, address());
    auto e = r2.start(FixupAction::UpdatePackageLists);
    ASSERT_FALSE(e);
    EXPECT_NE(e.error().message.find("NoSuchUnit"), std::string::npos) << e.error().message;
}

TEST_F(DbusTest, UnitWatcherSeesPropertiesChanged) {
    fake_->set_unit("clamav-daemon.service", {});
    auto w = UnitWatcher::create(address(), {"clamav-daemon.service", "apt-daily.timer"});
    ASSERT_TRUE(w) << w.error().to_string();
    EXPECT_GE((*w)->fd(), 0);
    EXPECT_EQ((*w)->drain(), 0u);
    fake_->emit_unit_changed("clamav-daemon.service");
    fake_->emit_unit_changed("other.service");  // not watched
    std::size_t seen = 0;
    for (int k = 0; k < 2000 && seen == 0; ++k) {
        ::usleep(5000);
        seen += (*w)->drain();
    }
    EXPECT_EQ(seen, 1u);
}

TEST(DbusLive, NoSystemBusMeansNotApplicableOrAnErrorNeverAPass) {
    auto m = check_screen_lock(SystemRoot{}, "");
    if (!std::filesystem::exists("/run/dbus/system_bus_socket")) {
        EXPECT_EQ(m.status, Status::NotApplicable) << m.reason;
    } else {
        EXPECT_NE(m.status, Status::Pass) << "a graphical session on a CI machine?";
    }
    FixupOptions opt;
    opt.enabled = true;
    FixupRunner r(opt, "unix:path=/nonexistent/opennap-test-bus");
    auto s = r.start(FixupAction::UpdatePackageLists);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().errno_value, ENOENT) << s.error().to_string();
    test::ScratchRoot root;
    ServiceProbe probe(root.root(), "unix:path=/nonexistent/opennap-test-bus");
    EXPECT_FALSE(probe.unit("x.service"));
}

}  // namespace
}  // namespace opennap::checks
