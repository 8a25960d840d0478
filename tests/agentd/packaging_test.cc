// packaging/: the shipped agent.toml parses to the built-in defaults; the systemd unit is valid.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "opennap/agentd/config.h"

namespace {

using namespace opennap::agentd;

const std::filesystem::path kPackaging = std::filesystem::path(OPENNAP_SOURCE_DIR) / "packaging";

std::string slurp(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

TEST(AgentdPackaging, ShippedConfigIsTheDefaults) {
    const MapNameResolver names({{"root", 0}}, {});
    auto r = load_config(kPackaging / "agent.toml", names);
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_FALSE(r->defaults_used);
    EXPECT_EQ(*r, default_config());
}

TEST(AgentdPackaging, ShippedConfigWithTheSystemResolver) {
    auto r = load_config(kPackaging / "agent.toml", SystemNameResolver{});
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(*r, default_config());
}

TEST(AgentdPackaging, ShippedChecksSectionUncommentedIsAcceptedAndIsTheDefaults) {
    // napsha's [checks] section, uncommented: napagent still accepts the file, and every value
    // shown is napsha's default.
    const std::string text = slurp(kPackaging / "agent.toml");
    const std::size_t at = text.find("# ---- [checks]");
    ASSERT_NE(at, std::string::npos);
    std::string uncommented = text.substr(0, at);
    std::istringstream lines(text.substr(at));
    int keys = 0;
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("# ") && !line.starts_with("# ----") &&
            (line.starts_with("# [") || line.find(" = ") != std::string::npos)) {
            line = line.substr(2);
            ++keys;
        }
        uncommented += line + "\n";
    }
    EXPECT_GT(keys, 25);
    const MapNameResolver names({{"root", 0}}, {});
    auto r = parse_config(uncommented, "agent.toml (checks)", names);
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(*r, default_config());
    ASSERT_NE(uncommented.find("\n[checks]\n"), std::string::npos);
}

TEST(AgentdPackaging, ShippedConfigExamplesParse) {
    // The commented-out examples, uncommented, are valid too.
    std::string text = slurp(kPackaging / "agent.toml");
    std::string uncommented;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("# [[access.") || line.starts_with("# users =") ||
            line.starts_with("# groups =") || line.starts_with("# ids =")) {
            line = line.substr(2);
        }
        uncommented += line + "\n";
    }
    const MapNameResolver names({{"root", 0}, {"nap-dhcp", 120}}, {{"nap-sha", 130}});
    auto r = parse_config(uncommented, "agent.toml (examples)", names);
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    ASSERT_EQ(r->access.enforcement_clients.size(), 1u);
    EXPECT_EQ(r->access.enforcement_clients[0].ids, (std::set<std::uint32_t>{0x00013701}));
    ASSERT_EQ(r->access.health_agents.size(), 1u);
    EXPECT_TRUE(r->access.health_agents[0].any_id);
}

TEST(AgentdPackaging, UnitHasTheEssentials) {
    const std::string unit = slurp(kPackaging / "systemd" / "napagent.service");
    for (const char* line : {
             "Type=notify\n",
             "ExecStart=/usr/sbin/napagent --config /etc/opennap/agent.toml\n",
             "RuntimeDirectory=opennap\n",
             "StateDirectory=opennap\n",
             "NoNewPrivileges=yes\n",
             "ProtectSystem=strict\n",
             "ProtectHome=yes\n",
             "PrivateTmp=yes\n",
             "PrivateDevices=yes\n",
             "ProtectKernelTunables=yes\n",
             "ProtectKernelModules=yes\n",
             "ProtectKernelLogs=yes\n",
             "RestrictAddressFamilies=AF_UNIX\n",
             "RestrictNamespaces=yes\n",
             "LockPersonality=yes\n",
             "MemoryDenyWriteExecute=yes\n",
             "SystemCallFilter=@system-service\n",
             "CapabilityBoundingSet=\n",
         }) {
        EXPECT_NE(unit.find(std::string("\n") + line), std::string::npos) << "missing: " << line;
    }
}

// systemd-analyze verify, on a copy whose ExecStart names an existing binary (napagent is not
// installed where the unit expects it). Any diagnostic about the unit fails the test: verify
// exits 0 even for unknown keys.
TEST(AgentdPackaging, UnitPassesSystemdAnalyzeVerify) {
    if (std::system("command -v systemd-analyze >/dev/null 2>&1") != 0) {
        GTEST_SKIP() << "systemd-analyze is not installed";
    }
    const std::filesystem::path dir =
        std::filesystem::path(::testing::TempDir()) / ("agentd_unit_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::string unit = slurp(kPackaging / "systemd" / "napagent.service");
    const std::string exec = "ExecStart=/usr/sbin/napagent ";
    const auto at = unit.find(exec);
    ASSERT_NE(at, std::string::npos);
    unit.replace(at, exec.size(), "ExecStart=/bin/true ");
    std::ofstream(dir / "napagent.service") << unit;
    const std::filesystem::path out = dir / "verify.out";
    const std::string cmd = "systemd-analyze verify --man=no '" +
                            (dir / "napagent.service").string() + "' >'" + out.string() + "' 2>&1";
    const int status = std::system(cmd.c_str());
    const std::string output = slurp(out);
    std::filesystem::remove_all(dir);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << output;
    // Other units on this machine may draw warnings; only ours matters.
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
        EXPECT_EQ(line.find("napagent"), std::string::npos) << line;
    }
}

}  // namespace
