// packaging/server.toml: it is the built-in defaults, and its commented example is valid.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "opennap/policy/config.h"

namespace {

using namespace opennap;
using namespace opennap::policy;

const std::filesystem::path kServerToml =
    std::filesystem::path(OPENNAP_SOURCE_DIR) / "packaging" / "server.toml";

std::string slurp(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

TEST(PolicyPackaging, ShippedConfigIsTheBuiltInDefaults) {
    auto r = load_config(kServerToml);
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_FALSE(r->defaults_used);
    EXPECT_EQ(*r, default_config());
    // Embedded byte for byte at build time.
    EXPECT_EQ(slurp(kServerToml), kDefaultConfigText);
}

TEST(PolicyPackaging, CommentedExampleParses) {
    const std::string text = slurp(kServerToml);
    const std::string marker = "# ---- commented example";
    const std::size_t at = text.find(marker);
    ASSERT_NE(at, std::string::npos);
    std::string uncommented = text.substr(0, at);
    std::istringstream lines(text.substr(at));
    std::string marker_line;
    std::getline(lines, marker_line);
    int example_lines = 0;
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("# ") && !line.starts_with("# (")) {
            line = line.substr(2);
            ++example_lines;
        }
        uncommented += line + "\n";
    }
    EXPECT_GT(example_lines, 40);
    auto r = parse_config(uncommented, "server.toml (example)");
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    const ServerConfig& c = *r;
    ASSERT_EQ(c.radius.clients.size(), 3u);
    EXPECT_EQ(c.radius.clients[2].secret_file, "/etc/opennap/secrets/campus-switches");
    EXPECT_EQ(c.radius.clients[2].nas_type, NasType::WirelessAccessPoint);
    ASSERT_EQ(c.shvs.size(), 4u);
    EXPECT_EQ(c.shvs[3].kind, ShvKind::plugin);
    EXPECT_TRUE(c.shvs[3].compliant_for(FailureCategory::ServerCommunication));
    ASSERT_EQ(c.health_policies.size(), 6u);
    EXPECT_EQ(c.health_policies[4].condition, HealthCondition::infected);
    EXPECT_EQ(c.health_policies[5].combine, Combine::all);
    ASSERT_EQ(c.remediation_groups.size(), 2u);
    EXPECT_EQ(c.remediation_groups[1].servers.size(), 2u);
    ASSERT_EQ(c.network_policies.size(), 7u);
    EXPECT_EQ(c.network_policies[4].extended_state, ExtendedIsolationState::Infected);
    EXPECT_EQ(c.network_policies[4].vlan, "666");
    EXPECT_EQ(c.network_policies[5].probation_for, std::chrono::seconds(7 * 86400));
    EXPECT_EQ(c.network_policies[5].machine_names.at(0).pattern(), "lab-*.example.org");
    ASSERT_TRUE(c.network_policies[6].probation_until.has_value());
    EXPECT_EQ(c.network_policies[6].probation_until->to_string(), "2030-01-31T18:00:00.0000000Z");
}

}  // namespace

namespace {

// The committed server_config fuzz corpus, replayed through check_config (never throws) and,
// when it parses, through evaluate.
TEST(PolicyPackaging, ServerConfigCorpusReplays) {
    const auto dir =
        std::filesystem::path(OPENNAP_SOURCE_DIR) / "fuzz" / "corpus" / "server_config";
    std::size_t valid = 0;
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        ++files;
        const std::string text = slurp(entry.path());
        auto r = parse_config(text, entry.path().string());
        if (!r) {
            EXPECT_FALSE(check_config(text, "x").empty()) << entry.path();
            continue;
        }
        ++valid;
    }
    EXPECT_GT(files, 3u);
    EXPECT_GT(valid, 2u);
}

}  // namespace
