#include "opennap/checks/config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace opennap::checks {
namespace {

TEST(ChecksConfig, AbsentTableGivesDefaults) {
    auto c = parse_checks_config("[daemon]\nsocket = \"/x\"\n", "agent.toml");
    ASSERT_TRUE(c);
    EXPECT_EQ(*c, ChecksConfig{});
    EXPECT_TRUE(c->root.is_host());
    EXPECT_EQ(c->security_center_id, 0x007ED901u);
    EXPECT_EQ(c->linux_sha_id, 0x007ED902u);
    EXPECT_FALSE(c->fixup.enabled);
    EXPECT_EQ(c->security_updates.cache_dir, "/var/lib/opennap/apt");
    for (std::size_t i = 0; i < kCheckCount; ++i) {
        EXPECT_TRUE(c->enabled[i]);
    }
}

TEST(ChecksConfig, CompatibilityModeReportsAsTheWsha) {
    auto c = parse_checks_config("[checks]\ncompat_wsha_id = true\n", "agent.toml");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->security_center_id, 0x00013780u);
    EXPECT_EQ(c->linux_sha_id, 0x007ED902u);
    c = parse_checks_config("[checks]\ncompat_wsha_id = true\nsecurity_center_id = 0x13780\n",
                            "agent.toml");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->security_center_id, 0x00013780u);
    c = parse_checks_config("[checks]\ncompat_wsha_id = false\n", "agent.toml");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->security_center_id, 0x007ED901u);
    c = parse_checks_config("[checks]\ncompat_wsha_id = true\nsecurity_center_id = 0x7ED901\n",
                            "agent.toml");
    ASSERT_FALSE(c);
    ASSERT_EQ(c.error().size(), 1u);
    EXPECT_EQ(c.error()[0].key, "checks.security_center_id");
    EXPECT_EQ(c.error()[0].line, 3);
}

TEST(ChecksConfig, EveryKey) {
    auto c = parse_checks_config(R"(
[checks]
root = "/srv/root"
bus = "unix:path=/run/x"
security_center_id = 0x13780
linux_sha_id = 0x00ABCD01
interval_s = 60
watch_files = false
watch_nftables = false
watch_units = false
disabled = ["screen-lock", "secure-boot"]
[checks.firewall]
nftables = true
iptables_legacy = false
[checks.antivirus]
max_signature_age_hours = 24
antispyware = "not-applicable"
[checks.antivirus.clamav]
enabled = true
database_dir = "/var/db/clamav"
daemon_unit = "clamd@scan.service"
daemon_process = "clamd"
updater_unit = "freshclam.service"
updater_process = "freshclam"
[checks.automatic_updates]
minimum = "download"
lists_timer = ""
upgrade_timer = "apt-daily-upgrade.timer"
[checks.security_updates]
max_hours_since_update = 24
cache_dir = "/var/cache/opennap"
security_suffixes = ["-security", "-sec"]
security_labels = ["Debian-Security", "Ubuntu"]
update_source = "wsus"
wsus_server = "mirror.example.org"
[checks.disk_encryption]
mounts = ["/", "/var"]
swap = false
[checks.kernel_lockdown]
minimum = "confidentiality"
[checks.screen_lock]
max_idle_unlocked_s = 300
[checks.ip_forwarding]
allow_ipv4 = true
allow_ipv6 = false
[checks.os_identity]
allowed_ids = ["debian", "ubuntu"]
[checks.fixup]
enabled = true
freshclam_unit = "freshclam.service"
freshclam_restart = false
apt_update_unit = "apt-daily.service"
)",
                                 "agent.toml");
    ASSERT_TRUE(c) << c.error().front().to_string();
    EXPECT_EQ(c->root.root(), "/srv/root");
    EXPECT_EQ(c->bus, "unix:path=/run/x");
    EXPECT_EQ(c->linux_sha_id, 0x00ABCD01u);
    EXPECT_EQ(c->interval, std::chrono::seconds(60));
    EXPECT_FALSE(c->watch_files);
    EXPECT_FALSE(c->is_enabled(CheckId::ScreenLock));
    EXPECT_FALSE(c->is_enabled(CheckId::SecureBoot));
    EXPECT_TRUE(c->is_enabled(CheckId::Firewall));
    EXPECT_FALSE(c->firewall.iptables_legacy);
    EXPECT_EQ(c->antivirus.max_signature_age, std::chrono::hours(24));
    EXPECT_EQ(c->antivirus.antispyware, AntispywareMode::NotApplicable);
    EXPECT_EQ(c->antivirus.clamav.database_dir, "/var/db/clamav");
    EXPECT_EQ(c->antivirus.clamav.daemon_unit, "clamd@scan.service");
    EXPECT_EQ(c->automatic_updates.minimum, soh::wsha::AutoUpdates::Download);
    EXPECT_EQ(c->automatic_updates.lists_timer, "");
    EXPECT_EQ(c->security_updates.cache_dir, "/var/cache/opennap");
    EXPECT_EQ(c->security_updates.security_suffixes.size(), 2u);
    EXPECT_EQ(c->security_updates.security_labels[1], "Ubuntu");
    EXPECT_EQ(c->wsha.update_source, soh::wsha::updates_flag::kSourceWsus);
    EXPECT_EQ(c->wsha.wsus_server, "mirror.example.org");
    EXPECT_EQ(c->disk_encryption.mounts, (std::vector<std::string>{"/", "/var"}));
    EXPECT_FALSE(c->disk_encryption.swap);
    EXPECT_EQ(c->kernel_lockdown.minimum, LockdownMode::Confidentiality);
    EXPECT_EQ(c->screen_lock.max_idle_unlocked, std::chrono::seconds(300));
    EXPECT_TRUE(c->ip_forwarding.allow_ipv4);
    EXPECT_EQ(c->os_identity.allowed_ids.size(), 2u);
    EXPECT_TRUE(c->fixup.enabled);
    EXPECT_FALSE(c->fixup.freshclam_restart);
}

TEST(ChecksConfig, MistakesAreAllReportedWithPositionAndKey) {
    auto c = parse_checks_config(R"([checks]
interval_s = 5
disabled = ["firewal", 3]
roots = "/"
[checks.antivirus]
antispyware = "sometimes"
[checks.disk_encryption]
mounts = ["home"]
[checks.security_updates]
cache_dir = "relative"
)",
                                 "/etc/opennap/agent.toml");
    ASSERT_FALSE(c);
    const auto& e = c.error();
    ASSERT_EQ(e.size(), 7u);
    EXPECT_EQ(
        e[0].to_string(),
        "/etc/opennap/agent.toml:2:1: checks.interval_s: must be between 10 and 86400, got 5");
    EXPECT_EQ(e[1].key, "checks.disabled[0]");
    EXPECT_NE(e[1].message.find("did you mean \"firewall\""), std::string::npos) << e[1].message;
    EXPECT_EQ(e[2].key, "checks.disabled[1]");
    EXPECT_EQ(e[3].key, "checks.roots");
    EXPECT_NE(e[3].message.find("did you mean \"root\""), std::string::npos) << e[3].message;
    EXPECT_EQ(e[4].key, "checks.antivirus.antispyware");
    EXPECT_EQ(e[4].line, 6);
    EXPECT_EQ(e[5].key, "checks.disk_encryption.mounts[0]");
    EXPECT_EQ(e[6].key, "checks.security_updates.cache_dir");
}

TEST(ChecksConfig, SyntaxErrorAloneAndWrongType) {
    auto c = parse_checks_config("[checks\n", "a.toml");
    ASSERT_FALSE(c);
    ASSERT_EQ(c.error().size(), 1u);
    EXPECT_EQ(c.error()[0].line, 1);
    c = parse_checks_config("checks = 3\n", "a.toml");
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error()[0].key, "checks");
    c = parse_checks_config("[checks]\nfirewall = 1\n", "a.toml");
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error()[0].key, "checks.firewall");
}

}  // namespace
}  // namespace opennap::checks

namespace opennap::checks {
namespace {

TEST(ChecksConfig, ShippedAgentTomlSectionIsTheDefaults) {
    std::ifstream in(std::string(OPENNAP_SOURCE_DIR) + "/packaging/agent.toml");
    std::stringstream all;
    all << in.rdbuf();
    const std::string text = all.str();
    const std::size_t at = text.find("# ---- [checks]");
    ASSERT_NE(at, std::string::npos);
    std::string uncommented;
    std::istringstream lines(text.substr(at));
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("# ") && !line.starts_with("# ----") &&
            (line.starts_with("# [") || line.find(" = ") != std::string::npos))
            uncommented += line.substr(2) + "\n";
    }
    auto c = parse_checks_config(uncommented, "agent.toml");
    ASSERT_TRUE(c) << c.error().at(0).to_string();
    EXPECT_EQ(*c, ChecksConfig{});
}

}  // namespace
}  // namespace opennap::checks
