#include "opennap/checks/automatic_updates.h"

#include <gtest/gtest.h>

#include "apt_root.h"

namespace opennap::checks {
namespace {

using soh::wsha::AutoUpdates;

struct Root : test::AptRoot {
    Root() {
        s.mkdir("/proc");
        s.write("/lib/systemd/system/apt-daily.timer", "[Timer]\n");
        s.write("/lib/systemd/system/apt-daily-upgrade.timer", "[Timer]\n");
    }
    void timers(bool lists, bool upgrade) const {
        s.remove("/etc/systemd/system/timers.target.wants");
        s.mkdir("/etc/systemd/system/timers.target.wants");
        if (lists) {
            s.link("/etc/systemd/system/timers.target.wants/apt-daily.timer",
                   "/lib/systemd/system/apt-daily.timer");
        }
        if (upgrade) {
            s.link("/etc/systemd/system/timers.target.wants/apt-daily-upgrade.timer",
                   "/lib/systemd/system/apt-daily-upgrade.timer");
        }
    }
    Measurement<AutoUpdatesDetails> measure(const AutoUpdatesOptions& opt = {}) const {
        ServiceProbe probe(s.root());
        return check_automatic_updates(s.root(), probe, opt);
    }
};

TEST(AutoUpdates, PeriodicValues) {
    EXPECT_TRUE(periodic_value_off(""));
    EXPECT_TRUE(periodic_value_off("0"));
    EXPECT_TRUE(periodic_value_off(" 00 "));
    EXPECT_TRUE(periodic_value_off("0d"));
    EXPECT_FALSE(periodic_value_off("1"));
    EXPECT_FALSE(periodic_value_off("always"));
    EXPECT_FALSE(periodic_value_off("7d"));
    EXPECT_FALSE(periodic_value_off("10"));
}

TEST(AutoUpdates, NotConfigured) {
    Root r;
    r.timers(true, true);
    auto m = r.measure();
    EXPECT_EQ(m.details.level, AutoUpdates::NotConfigured);
    EXPECT_EQ(m.status, Status::Fail);
    EXPECT_FALSE(m.details.update_package_lists.has_value());
}

TEST(AutoUpdates, DebianUnattendedUpgradesInstalledAndEnabledPasses) {
    Root r;
    r.timers(true, true);
    // The file unattended-upgrades' debconf question writes.
    r.s.write("/etc/apt/apt.conf.d/20auto-upgrades",
              "APT::Periodic::Update-Package-Lists \"1\";\n"
              "APT::Periodic::Unattended-Upgrade \"1\";\n");
    r.s.write("/var/lib/dpkg/info/unattended-upgrades.list", "/.\n/usr/bin/unattended-upgrade\n");
    auto m = r.measure();
    ASSERT_EQ(m.status, Status::Pass) << m.reason;
    EXPECT_EQ(m.details.level, AutoUpdates::Install);
    EXPECT_EQ(m.details.update_package_lists, "1");
    EXPECT_EQ(m.details.unattended_upgrade, "1");
    EXPECT_TRUE(m.details.unattended_upgrades_installed);
    ASSERT_EQ(m.details.timers.size(), 2u);
    EXPECT_EQ(m.details.timers[0].unit_file_state, "enabled");

    // A later file turns it off again (apt.conf.d is read in order, the last value wins).
    r.s.write("/etc/apt/apt.conf.d/99local", "APT::Periodic::Unattended-Upgrade \"0\";\n");
    m = r.measure();
    EXPECT_EQ(m.details.level, AutoUpdates::CheckOnly);
    EXPECT_EQ(m.status, Status::Fail);
    AutoUpdatesOptions lenient;
    lenient.minimum = AutoUpdates::CheckOnly;
    EXPECT_EQ(r.measure(lenient).status, Status::Pass);
}

TEST(AutoUpdates, LevelsAndTimers) {
    Root r;
    r.timers(true, true);
    r.s.write("/etc/apt/apt.conf.d/20auto-upgrades",
              "APT::Periodic { Update-Package-Lists \"1\"; Download-Upgradeable-Packages \"1\"; "
              "Unattended-Upgrade \"1\"; };\n");
    // Unattended-Upgrade on but the package is not installed: download only.
    EXPECT_EQ(r.measure().details.level, AutoUpdates::Download);
    r.s.write("/var/lib/dpkg/info/unattended-upgrades.list", "/.\n");
    EXPECT_EQ(r.measure().details.level, AutoUpdates::Install);
    // apt-daily-upgrade.timer disabled: nothing is downloaded or installed.
    r.timers(true, false);
    EXPECT_EQ(r.measure().details.level, AutoUpdates::CheckOnly);
    // apt-daily.timer disabled: nothing runs.
    r.timers(false, true);
    EXPECT_EQ(r.measure().details.level, AutoUpdates::Disabled);
    // masked
    r.timers(true, true);
    r.s.link("/etc/systemd/system/apt-daily.timer", "/dev/null");
    auto m = r.measure();
    EXPECT_EQ(m.details.level, AutoUpdates::Disabled);
    EXPECT_EQ(m.details.timers[0].load_state, "masked");
    r.s.remove("/etc/systemd/system/apt-daily.timer");
    // Lists off.
    r.s.write(
        "/etc/apt/apt.conf.d/20auto-upgrades",
        "APT::Periodic::Update-Package-Lists \"0\";\nAPT::Periodic::Unattended-Upgrade \"1\";\n");
    EXPECT_EQ(r.measure().details.level, AutoUpdates::Disabled);
}

TEST(AutoUpdates, NoSystemdTimersDoNotLowerTheLevel) {
    Root r;
    r.s.remove("/lib/systemd");
    r.s.write(
        "/etc/apt/apt.conf.d/20auto-upgrades",
        "APT::Periodic::Update-Package-Lists \"1\";\nAPT::Periodic::Unattended-Upgrade \"1\";\n");
    r.s.write("/var/lib/dpkg/info/unattended-upgrades.list", "/.\n");
    auto m = r.measure();
    EXPECT_EQ(m.details.level, AutoUpdates::Install);
    EXPECT_EQ(m.details.timers[0].load_state, "not-found");
}

TEST(AutoUpdates, SyntaxErrorInConfigIsAnError) {
    Root r;
    r.s.write("/etc/apt/apt.conf.d/20broken", "APT::Periodic::Update-Package-Lists \"1\"\n{{{\n");
    auto m = r.measure();
    EXPECT_EQ(m.status, Status::Error) << m.reason;
}

TEST(AutoUpdatesLive, ThisMachine) {
    ServiceProbe probe(SystemRoot{});
    auto m = check_automatic_updates(SystemRoot{}, probe);
    ASSERT_NE(m.status, Status::Error) << m.reason;
    if (m.status == Status::Pass) {
        EXPECT_EQ(m.details.level, AutoUpdates::Install);
        EXPECT_TRUE(m.details.unattended_upgrades_installed);
    }
}

}  // namespace
}  // namespace opennap::checks
