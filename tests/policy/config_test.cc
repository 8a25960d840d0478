// parse_config / check_config / load_config / find_client (server.toml).
#include "opennap/policy/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace {

using namespace opennap;
using namespace opennap::policy;
using namespace std::chrono_literals;

ServerConfig parse_ok(std::string_view text, const ParseOptions& options = {}) {
    auto r = parse_config(text, "test.toml", options);
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().to_string());
    return r ? *r : ServerConfig{};
}

// Every error as "line:column: key: message".
std::vector<std::string> errors(std::string_view text, const ParseOptions& options = {}) {
    std::vector<std::string> out;
    for (const ConfigError& e : check_config(text, "test.toml", options)) {
        out.push_back(std::to_string(e.line) + ":" + std::to_string(e.column) + ": " + e.key +
                      ": " + e.message);
    }
    return out;
}

// The only error.
std::string error(std::string_view text, const ParseOptions& options = {}) {
    auto all = errors(text, options);
    EXPECT_EQ(all.size(), 1u) << "expected one error for:\n"
                              << text << "\ngot: " << ::testing::PrintToString(all);
    return all.empty() ? std::string() : all.front();
}

IpAddress ip(std::string_view s) {
    return IpAddress::parse(s).value();
}

// ---- defaults -----------------------------------------------------------------------------------

TEST(PolicyConfig, EmptyTextGivesTheScalarDefaultsAndNoPolicies) {
    const ServerConfig c = parse_ok("");
    EXPECT_EQ(c.server.log_level, LogLevel::info);
    EXPECT_EQ(c.server.workers, 0u);  // one per CPU napserver may run on
    EXPECT_EQ(c.server.shv_timeout, 2000ms);
    EXPECT_EQ(c.server.name, "");
    EXPECT_EQ(c.server.description, "OpenNAP health policy server");
    ASSERT_EQ(c.radius.listen.size(), 1u);
    EXPECT_EQ(c.radius.listen[0].to_string(), "127.0.0.1:1812");
    EXPECT_EQ(c.radius.max_packets_per_second, 0u);
    EXPECT_EQ(c.radius.duplicate_cache, 10000ms);
    EXPECT_TRUE(c.radius.clients.empty());
    EXPECT_EQ(c.audit.store, AuditStore::sqlite);
    EXPECT_EQ(c.audit.sqlite_path, "/var/lib/opennap/audit.db");
    EXPECT_EQ(c.audit.postgresql, "");
    EXPECT_EQ(c.audit.batch_size, 1000u);
    EXPECT_EQ(c.audit.flush_interval, 1000ms);
    EXPECT_FALSE(c.metrics.listen.has_value());
    EXPECT_TRUE(c.shvs.empty());
    EXPECT_TRUE(c.health_policies.empty());
    EXPECT_TRUE(c.network_policies.empty());
    EXPECT_TRUE(c.remediation_groups.empty());
    EXPECT_FALSE(c.defaults_used);
    EXPECT_EQ(c, ServerConfig{});
}

TEST(PolicyConfig, EmptySectionsGiveTheDefaults) {
    EXPECT_EQ(parse_ok("[server]\n[radius]\n[audit]\n[metrics]\n"), ServerConfig{});
}

TEST(PolicyConfig, EmbeddedDefaultsAreAValidLoopbackDemo) {
    EXPECT_TRUE(check_config(kDefaultConfigText, "defaults").empty());
    const ServerConfig c = default_config();
    ASSERT_EQ(c.radius.listen.size(), 1u);
    EXPECT_EQ(c.radius.listen[0].to_string(), "127.0.0.1:1812");
    ASSERT_EQ(c.radius.clients.size(), 2u);
    EXPECT_EQ(c.radius.clients[0].name, "localhost");
    EXPECT_EQ(c.radius.clients[0].prefix.to_string(), "127.0.0.1");
    EXPECT_EQ(c.radius.clients[0].secret, "testing123");
    EXPECT_FALSE(c.radius.clients[0].require_message_authenticator);
    EXPECT_EQ(c.radius.clients[1].prefix.to_string(), "::1");
    ASSERT_EQ(c.shvs.size(), 3u);
    EXPECT_EQ(c.shvs[1].id, 0x007ED901u);
    EXPECT_EQ(c.shvs[2].kind, ShvKind::linux);
    EXPECT_EQ(c.shvs[0].id, NapOutOfBoxSystemHealthId);
    EXPECT_EQ(c.shvs[0].kind, ShvKind::wsha);
    EXPECT_EQ(c.shvs[0].name, "Windows Security Health Validator");
    EXPECT_TRUE(c.shvs[0].none_compliant);
    EXPECT_EQ(c.shvs[0].mapping, FailureCategoryMapping{});
    ASSERT_NE(c.shvs[0].settings, nullptr);
    EXPECT_TRUE(c.shvs[0].settings->table.contains("firewall"));
    ASSERT_EQ(c.health_policies.size(), 4u);
    EXPECT_EQ(c.health_policies[0].condition, HealthCondition::passes_all);
    EXPECT_EQ(c.health_policies[0].shvs, (std::vector<std::uint8_t>{0}));
    EXPECT_EQ(c.health_policies[1].condition, HealthCondition::passes_all);
    EXPECT_EQ(c.health_policies[1].shvs, (std::vector<std::uint8_t>{1, 2}));
    EXPECT_EQ(c.health_policies[2].condition, HealthCondition::fails_one_or_more);
    EXPECT_EQ(c.health_policies[3].condition, HealthCondition::not_nap_capable);
    ASSERT_EQ(c.network_policies.size(), 4u);
    EXPECT_EQ(c.network_policies[0].grant, Grant::full);
    EXPECT_EQ(c.network_policies[0].health_policy, 0u);
    EXPECT_EQ(c.network_policies[1].grant, Grant::full);
    EXPECT_EQ(c.network_policies[1].health_policy, 1u);
    EXPECT_EQ(c.network_policies[2].grant, Grant::restricted);
    EXPECT_EQ(c.network_policies[2].remediation_group, 0u);
    EXPECT_TRUE(c.network_policies[2].auto_remediation);
    EXPECT_EQ(c.network_policies[2].help_url, "http://127.0.0.1/nap-help");
    EXPECT_EQ(c.network_policies[3].grant, Grant::deny);
    ASSERT_EQ(c.remediation_groups.size(), 1u);
    EXPECT_EQ(c.remediation_groups[0].servers[0].address, ip("127.0.0.1"));
    // The demo client is found; nothing else is.
    EXPECT_EQ(find_client(c, ip("127.0.0.1")), &c.radius.clients[0]);
    EXPECT_EQ(find_client(c, ip("::1")), &c.radius.clients[1]);
    EXPECT_EQ(find_client(c, ip("::ffff:127.0.0.1")), &c.radius.clients[0]);
    EXPECT_EQ(find_client(c, ip("127.0.0.2")), nullptr);
    EXPECT_EQ(find_client(c, ip("192.0.2.1")), nullptr);
}

TEST(PolicyConfig, Names) {
    EXPECT_EQ(to_string(LogLevel::warn), "warn");
    EXPECT_EQ(to_string(NasType::TsGateway), "ts-gateway");
    EXPECT_EQ(to_string(NasType::Hcap), "hcap");
    EXPECT_EQ(to_string(ShvKind::plugin), "plugin");
    EXPECT_EQ(to_string(HealthCondition::fails_one_or_more), "fails-one-or-more");
    EXPECT_EQ(to_string(HealthCondition::not_nap_capable), "not-nap-capable");
    EXPECT_EQ(to_string(Combine::default_), "default");
    EXPECT_EQ(to_string(Grant::probation), "probation");
    EXPECT_EQ(to_string(static_cast<Grant>(9)), "invalid");
}

// ---- a full valid file --------------------------------------------------------------------------

constexpr std::string_view kFull = R"([server]
log_level = "debug"
workers = 16
shv_timeout_ms = 500
name = "nps1"
description = "campus NAP"

[radius]
listen = ["0.0.0.0:1812", "[::]:1812"]
max_packets_per_second = 5000
duplicate_cache_ms = 30000

[[radius.client]]
name = "campus"
address = "10.0.0.0/8"
secret = "s3cret-campus"
nas_type = "wireless"

[[radius.client]]
name = "core-switch"
address = "10.1.2.3"
secret = "s3cret-core"
require_message_authenticator = true

[[radius.client]]
name = "v6"
address = "2001:db8::/32"
secret = "six"
require_message_authenticator = false

[audit]
store = "postgresql"
postgresql = "host=db dbname=opennap"
batch_size = 500
flush_interval_ms = 250

[metrics]
listen = "[::1]:9464"

[[shv]]
kind = "wsha"

[shv.failure_category]
none = "noncompliant"
server_communication = "compliant"
client_communication = "compliant"

[shv.settings.firewall]
required = false

[[shv]]
id = 0x000137F0
kind = "plugin"
name = "sample"
plugin = "/usr/lib/opennap/shv/sample.so"

[[health_policy]]
name = "healthy"
condition = "passes-all"

[[health_policy]]
name = "windows-sick"
condition = "fails-one-or-more"
shvs = [0x00013780]

[[health_policy]]
name = "mixed"
condition = "undecided"
combine = "all"
shvs = [79744, 0x000137F0]

[[remediation_server_group]]
name = "fix"
servers = ["10.9.0.1", { address = "2001:db8::53", name = "dns" }, { address = "10.9.0.2" }]

[[network_policy]]
name = "ok"
nas_types = ["wireless", "dhcp"]
radius_clients = ["campus", "v6"]
client_addresses = ["10.0.0.0/8", "2001:db8::/32"]
nas_addresses = ["10.1.0.0/16"]
machine_names = ["*.Example.org", "lab-??"]
health_policy = "healthy"
grant = "full"
session_timeout = 3600
filter_id = "all-access"
vlan = 10

[[network_policy]]
name = "grace"
health_policy = "mixed"
grant = "probation"
probation_until = 2030-01-31T19:00:00+01:00
remediation_group = "fix"
help_url = "https://help.example.org/nap"
auto_remediation = true
extended_state = "transition"
vlan = "quarantine-vlan"

[[network_policy]]
name = "week"
grant = "probation"
probation_for = "7d"

[[network_policy]]
name = "sick"
health_policy = "windows-sick"
grant = "restricted"
remediation_group = "fix"

[[network_policy]]
name = "rest"
grant = "deny"
)";

TEST(PolicyConfig, FullFile) {
    const ServerConfig c = parse_ok(kFull);
    EXPECT_EQ(c.server.log_level, LogLevel::debug);
    EXPECT_EQ(c.server.workers, 16u);
    EXPECT_EQ(c.server.shv_timeout, 500ms);
    EXPECT_EQ(c.server.name, "nps1");
    EXPECT_EQ(c.server.description, "campus NAP");
    ASSERT_EQ(c.radius.listen.size(), 2u);
    EXPECT_EQ(c.radius.listen[1].to_string(), "[::]:1812");
    EXPECT_EQ(c.radius.max_packets_per_second, 5000u);
    EXPECT_EQ(c.radius.duplicate_cache, 30000ms);
    ASSERT_EQ(c.radius.clients.size(), 3u);
    EXPECT_EQ(c.radius.clients[0].nas_type, NasType::WirelessAccessPoint);
    EXPECT_TRUE(c.radius.clients[0].require_message_authenticator);  // the default
    EXPECT_EQ(c.radius.clients[1].secret, "s3cret-core");
    EXPECT_FALSE(c.radius.clients[2].require_message_authenticator);
    EXPECT_EQ(c.audit.store, AuditStore::postgresql);
    EXPECT_EQ(c.audit.postgresql, "host=db dbname=opennap");
    EXPECT_EQ(c.audit.batch_size, 500u);
    EXPECT_EQ(c.audit.flush_interval, 250ms);
    ASSERT_TRUE(c.metrics.listen.has_value());
    EXPECT_EQ(c.metrics.listen->to_string(), "[::1]:9464");

    ASSERT_EQ(c.shvs.size(), 2u);
    EXPECT_EQ(c.shvs[0].id, 0x00013780u);
    EXPECT_FALSE(c.shvs[0].none_compliant);
    EXPECT_FALSE(c.shvs[0].compliant_for(FailureCategory::None));
    EXPECT_FALSE(c.shvs[0].compliant_for(FailureCategory::Other));
    EXPECT_FALSE(c.shvs[0].compliant_for(FailureCategory::ClientComponent));
    EXPECT_TRUE(c.shvs[0].compliant_for(FailureCategory::ClientCommunication));
    EXPECT_FALSE(c.shvs[0].compliant_for(FailureCategory::ServerComponent));
    EXPECT_TRUE(c.shvs[0].compliant_for(FailureCategory::ServerCommunication));
    EXPECT_FALSE(c.shvs[0].compliant_for(static_cast<FailureCategory>(77)));
    EXPECT_EQ(c.shvs[0].settings->key, "shv[0].settings");
    EXPECT_EQ(c.shvs[0].settings->source, "test.toml");
    EXPECT_EQ(c.shvs[1].kind, ShvKind::plugin);
    EXPECT_EQ(c.shvs[1].plugin, "/usr/lib/opennap/shv/sample.so");
    EXPECT_EQ(c.shvs[1].name, "sample");
    EXPECT_TRUE(c.shvs[1].settings->table.empty());
    EXPECT_EQ(c.shv_index(0x000137F0), 1u);
    EXPECT_EQ(c.shv_index(0x12345678), kNoIndex);

    ASSERT_EQ(c.health_policies.size(), 3u);
    EXPECT_EQ(c.health_policies[0].shvs, (std::vector<std::uint8_t>{0, 1}));
    EXPECT_EQ(c.health_policies[1].shvs, (std::vector<std::uint8_t>{0}));
    EXPECT_EQ(c.health_policies[2].condition, HealthCondition::undecided);
    EXPECT_EQ(c.health_policies[2].combine, Combine::all);
    EXPECT_EQ(c.health_policies[2].shvs, (std::vector<std::uint8_t>{0, 1}));

    ASSERT_EQ(c.remediation_groups.size(), 1u);
    const auto& servers = c.remediation_groups[0].servers;
    ASSERT_EQ(servers.size(), 3u);
    EXPECT_EQ(servers[0].address, ip("10.9.0.1"));
    EXPECT_EQ(servers[1].address, ip("2001:db8::53"));
    EXPECT_EQ(servers[1].name, "dns");
    EXPECT_EQ(servers[2].name, "");

    ASSERT_EQ(c.network_policies.size(), 5u);
    const NetworkPolicy& ok = c.network_policies[0];
    EXPECT_EQ(ok.nas_types, (std::vector<NasType>{NasType::WirelessAccessPoint, NasType::Dhcp}));
    EXPECT_EQ(ok.radius_clients, (std::vector<std::uint32_t>{0, 2}));
    ASSERT_EQ(ok.client_addresses.size(), 2u);
    EXPECT_EQ(ok.nas_addresses[0].to_string(), "10.1.0.0/16");
    ASSERT_EQ(ok.machine_names.size(), 2u);
    EXPECT_EQ(ok.machine_names[0].pattern(), "*.example.org");
    EXPECT_EQ(ok.health_policy, 0u);
    EXPECT_EQ(ok.grant, Grant::full);
    EXPECT_EQ(ok.session_timeout, 3600u);
    EXPECT_EQ(ok.filter_id, "all-access");
    EXPECT_EQ(ok.vlan, "10");
    const NetworkPolicy& grace = c.network_policies[1];
    EXPECT_EQ(grace.grant, Grant::probation);
    ASSERT_TRUE(grace.probation_until.has_value());
    EXPECT_EQ(grace.probation_until->to_string(), "2030-01-31T18:00:00.0000000Z");
    EXPECT_FALSE(grace.probation_for.has_value());
    EXPECT_EQ(grace.remediation_group, 0u);
    EXPECT_EQ(grace.help_url, "https://help.example.org/nap");
    EXPECT_TRUE(grace.auto_remediation);
    EXPECT_EQ(grace.extended_state, ExtendedIsolationState::Transition);
    EXPECT_EQ(grace.vlan, "quarantine-vlan");
    EXPECT_EQ(c.network_policies[2].probation_for, std::chrono::seconds(7 * 86400));
    EXPECT_EQ(c.network_policies[3].grant, Grant::restricted);
    EXPECT_FALSE(c.network_policies[3].auto_remediation);
    EXPECT_EQ(c.network_policies[4].grant, Grant::deny);
    EXPECT_EQ(c.network_policies[4].health_policy, kNoIndex);
}

TEST(PolicyConfig, ProbationDurations) {
    auto dur = [](std::string_view d) {
        const std::string text =
            "[[network_policy]]\nname = \"p\"\ngrant = \"probation\"\n"
            "probation_for = \"" +
            std::string(d) + "\"\n";
        return parse_ok(text).network_policies.at(0).probation_for.value();
    };
    EXPECT_EQ(dur("3600s"), std::chrono::seconds(3600));
    EXPECT_EQ(dur("90m"), std::chrono::seconds(5400));
    EXPECT_EQ(dur("36h"), std::chrono::seconds(129600));
    EXPECT_EQ(dur("3650d"), std::chrono::seconds(3650LL * 86400));
}

// ---- find_client --------------------------------------------------------------------------------

TEST(PolicyConfig, FindClientLongestPrefixWins) {
    const ServerConfig c = parse_ok(R"(
[[radius.client]]
name = "all"
address = "0.0.0.0/0"
secret = "a"
[[radius.client]]
name = "ten"
address = "10.0.0.0/8"
secret = "b"
[[radius.client]]
name = "ten-one"
address = "10.1.0.0/16"
secret = "c"
[[radius.client]]
name = "host"
address = "10.1.2.3"
secret = "d"
[[radius.client]]
name = "v6-net"
address = "2001:db8::/32"
secret = "e"
[[radius.client]]
name = "v6-host"
address = "2001:db8::1"
secret = "f"
)");
    auto name = [&](std::string_view a) {
        const RadiusClient* cl = find_client(c, ip(a));
        return cl == nullptr ? std::string("-") : cl->name;
    };
    EXPECT_EQ(name("10.1.2.3"), "host");
    EXPECT_EQ(name("10.1.2.4"), "ten-one");
    EXPECT_EQ(name("10.2.0.1"), "ten");
    EXPECT_EQ(name("192.0.2.1"), "all");
    EXPECT_EQ(name("::ffff:10.1.2.3"), "host");
    EXPECT_EQ(name("2001:db8::1"), "v6-host");
    EXPECT_EQ(name("2001:db8::2"), "v6-net");
    EXPECT_EQ(name("2001:db9::1"), "-");
    ASSERT_EQ(c.radius.index.v4.size(), 4u);
    EXPECT_EQ(c.radius.index.v4.front().length, 32);
    EXPECT_EQ(c.radius.index.v4.back().length, 0);
    EXPECT_EQ(c.radius.index.v6.front().length, 128);
}

TEST(PolicyConfig, FindClientWithoutClients) {
    EXPECT_EQ(find_client(ServerConfig{}, ip("127.0.0.1")), nullptr);
    EXPECT_EQ(find_client(ServerConfig{}, ip("::1")), nullptr);
}

// ---- mistakes -----------------------------------------------------------------------------------

TEST(PolicyConfig, SyntaxErrorNamesTheKeyBeingDefined) {
    const std::string e = error("[radius]\nmax_packets_per_second = 12x\n");
    EXPECT_EQ(e.substr(0, 4), "2:28") << e;
    EXPECT_NE(e.find("radius.max_packets_per_second: "), std::string::npos) << e;
}

TEST(PolicyConfig, UnknownTablesAndKeysWithSuggestions) {
    EXPECT_EQ(error("[servr]\n"), "1:2: servr: unknown table (did you mean \"server\"?)");
    EXPECT_EQ(error("[server]\nworker = 3\n"),
              "2:1: server.worker: unknown key (did you mean \"workers\"?)");
    EXPECT_EQ(error("[server]\ncolour = 3\n"),
              "2:1: server.colour: unknown key (expected one of: log_level, workers, "
              "shv_timeout_ms, name, description)");
    EXPECT_EQ(error("[[network_policy]]\nname = \"a\"\ngrant = \"deny\"\nhealth_polcy = \"x\"\n"),
              "4:1: network_policy[0].health_polcy: unknown key (did you mean "
              "\"health_policy\"?)");
}

TEST(PolicyConfig, WrongTypesAndRanges) {
    EXPECT_EQ(error("server = 3\n"), "1:1: server: expected a table, got an integer");
    EXPECT_EQ(error("[server]\nworkers = \"4\"\n"),
              "2:1: server.workers: expected an integer, got a string");
    EXPECT_EQ(error("[server]\nworkers = 257\n"),
              "2:1: server.workers: must be between 0 and 256, got 257");
    EXPECT_EQ(error("[server]\nshv_timeout_ms = 60001\n"),
              "2:1: server.shv_timeout_ms: must be between 10 and 60000, got 60001");
    EXPECT_EQ(error("[server]\nlog_level = \"verbose\"\n"),
              "2:1: server.log_level: must be one of trace, debug, info, warn, error, got "
              "\"verbose\"");
    EXPECT_EQ(error("[server]\nlog_level = \"inof\"\n"),
              "2:1: server.log_level: must be one of trace, debug, info, warn, error, got "
              "\"inof\" (did you mean \"info\"?)");
    EXPECT_EQ(error("[server]\nname = \"a\\tb\"\n"),
              "2:1: server.name: must not contain control characters");
    EXPECT_EQ(error("[radius]\nduplicate_cache_ms = 10\n"),
              "2:1: radius.duplicate_cache_ms: must be between 1000 and 600000, got 10");
    EXPECT_EQ(error("[audit]\nbatch_size = 0\n"),
              "2:1: audit.batch_size: must be between 1 and 100000, got 0");
    EXPECT_EQ(error("[audit]\nsqlite_path = \"audit.db\"\n"),
              "2:1: audit.sqlite_path: must be an absolute path, got \"audit.db\"");
    EXPECT_EQ(error("[audit]\nstore = \"postgresql\"\n"),
              "2:1: audit.postgresql: missing: store = \"postgresql\" needs a libpq conninfo, "
              "e.g. postgresql = \"host=db dbname=opennap user=napserver\"");
    EXPECT_EQ(error("[audit]\nstore = \"mysql\"\n"),
              "2:1: audit.store: must be one of sqlite, postgresql, got \"mysql\"");
    EXPECT_EQ(error("[metrics]\nlisten = \"9464\"\n"),
              "2:1: metrics.listen: \"9464\" has no port: write address:port, e.g. "
              "\"127.0.0.1:1812\" (leave the key out to turn metrics off)");
}

TEST(PolicyConfig, ListenAddresses) {
    EXPECT_EQ(error("[radius]\nlisten = []\n"),
              "2:1: radius.listen: must list at least one \"address:port\"");
    EXPECT_EQ(error("[radius]\nlisten = \"127.0.0.1:1812\"\n"),
              "2:1: radius.listen: expected an array of \"address:port\" strings, got a string");
    EXPECT_EQ(error("[radius]\nlisten = [\"127.0.0.1:1812\", \"127.0.0.1:1812\"]\n"),
              "2:29: radius.listen[1]: listed twice: 127.0.0.1:1812");
    EXPECT_EQ(error("[radius]\nlisten = [1812]\n"),
              "2:11: radius.listen[0]: expected a string \"address:port\", got an integer");
    EXPECT_EQ(error("[radius]\nlisten = [\"::1:1812\"]\n"),
              "2:11: radius.listen[0]: \"::1:1812\": put an IPv6 address in brackets, e.g. "
              "\"[::1]:1812\"");
}

TEST(PolicyConfig, RadiusClientMistakes) {
    EXPECT_EQ(error("[[radius.client]]\nname = \"a\"\nsecret = \"s\"\n"),
              "1:1: radius.client[0].address: missing: the client's address or block, e.g. "
              "\"192.0.2.10\" or \"10.0.0.0/8\"");
    EXPECT_EQ(error("[[radius.client]]\nname = \"a\"\naddress = \"10.0.0.1\"\n"),
              "1:1: radius.client[0].secret: missing: every client needs a shared secret "
              "(secret or secret_file)");
    EXPECT_EQ(error("[[radius.client]]\naddress = \"10.0.0.1\"\nsecret = \"s\"\n"),
              "1:1: radius.client[0].name: missing: every RADIUS client needs a name");
    EXPECT_EQ(error("[[radius.client]]\nname = \"a\"\naddress = \"10.0.0.1/8\"\nsecret = \"s\"\n"),
              "3:1: radius.client[0].address: \"10.0.0.1/8\" has host bits set (did you mean "
              "\"10.0.0.0/8\"?)");
    EXPECT_EQ(error("[[radius.client]]\nname = \"a\"\naddress = \"10.0.0.1\"\nsecret = \"\"\n"),
              "4:1: radius.client[0].secret: must not be empty");
    EXPECT_EQ(error("[[radius.client]]\nname = \"a\"\naddress = \"10.0.0.1\"\nsecret = \"" +
                    std::string(257, 'x') + "\"\n"),
              "4:1: radius.client[0].secret: is 257 bytes long; at most 256 are allowed");
    EXPECT_EQ(error("[[radius.client]]\nname = \"a\"\naddress = \"10.0.0.1\"\nsecret = \"s\"\n"
                    "secret_file = \"/etc/s\"\n"),
              "5:1: radius.client[0].secret_file: give either secret or secret_file, not both");
    EXPECT_EQ(error("[[radius.client]]\nname = \"a\"\naddress = \"10.0.0.1\"\nsecret_file = "
                    "\"s.txt\"\n"),
              "4:1: radius.client[0].secret_file: must be an absolute path, got \"s.txt\"");
    EXPECT_EQ(error("[[radius.client]]\nname = \"a\"\naddress = \"10.0.0.1\"\nsecret = \"s\"\n"
                    "nas_type = \"wifi\"\n"),
              "5:1: radius.client[0].nas_type: must be one of unspecified, ts-gateway, ras, "
              "dhcp, wireless, hra, hcap, got \"wifi\"");
    EXPECT_EQ(error("[[radius.client]]\nname = \"a\"\naddress = \"10.0.0.1\"\nsecret = \"s\"\n"
                    "require_message_authenticator = \"yes\"\n"),
              "5:1: radius.client[0].require_message_authenticator: expected a boolean (true or "
              "false), got a string");
    EXPECT_EQ(error("[radius]\nclient = 3\n"),
              "2:1: radius.client: expected an array of tables (write [[radius.client]]), got an "
              "integer");
}

TEST(PolicyConfig, IdenticalClientPrefixesAreRejected) {
    EXPECT_EQ(error(R"([[radius.client]]
name = "a"
address = "10.0.0.0/8"
secret = "s"
[[radius.client]]
name = "b"
address = "10.0.0.0/8"
secret = "t"
)"),
              "7:1: radius.client[1].address: 10.0.0.0/8 is already the address of "
              "radius.client[0] (\"a\")");
    EXPECT_EQ(error(R"([[radius.client]]
name = "a"
address = "2001:db8::1"
secret = "s"
[[radius.client]]
name = "b"
address = "2001:db8::1/128"
secret = "t"
)"),
              "7:1: radius.client[1].address: 2001:db8::1 is already the address of "
              "radius.client[0] (\"a\")");
    EXPECT_EQ(error(R"([[radius.client]]
name = "a"
address = "2001:db8::1"
secret = "s"
[[radius.client]]
name = "a"
address = "2001:db8::2"
secret = "t"
)"),
              "6:1: radius.client[1].name: duplicate name \"a\" (also radius.client[0])");
    // Overlapping but different blocks are fine (the longest prefix wins).
    EXPECT_TRUE(errors("[[radius.client]]\nname = \"a\"\naddress = \"10.0.0.0/8\"\nsecret = "
                       "\"s\"\n[[radius.client]]\nname = \"b\"\naddress = \"10.0.0.0/9\"\n"
                       "secret = \"t\"\n")
                    .empty());
}

class MapSecrets final : public SecretReader {
  public:
    explicit MapSecrets(std::map<std::string, std::string> files) : files_(std::move(files)) {}
    std::expected<std::string, std::string> read(const std::string& path) const override {
        auto it = files_.find(path);
        if (it == files_.end()) {
            return std::unexpected(std::string("cannot open: No such file or directory"));
        }
        return it->second;
    }

  private:
    std::map<std::string, std::string> files_;
};

TEST(PolicyConfig, SecretFiles) {
    const MapSecrets secrets({{"/s/unix", "abc\n"},
                              {"/s/dos", "def\r\n"},
                              {"/s/raw", "g h"},
                              {"/s/empty", "\n"},
                              {"/s/big", std::string(300, 'x')}});
    ParseOptions options;
    options.secrets = &secrets;
    auto text = [](std::string_view file) {
        return "[[radius.client]]\nname = \"a\"\naddress = \"10.0.0.1\"\nsecret_file = \"" +
               std::string(file) + "\"\n";
    };
    EXPECT_EQ(parse_ok(text("/s/unix"), options).radius.clients[0].secret, "abc");
    EXPECT_EQ(parse_ok(text("/s/dos"), options).radius.clients[0].secret, "def");
    const ServerConfig raw = parse_ok(text("/s/raw"), options);
    EXPECT_EQ(raw.radius.clients[0].secret, "g h");
    EXPECT_EQ(raw.radius.clients[0].secret_file, "/s/raw");
    EXPECT_EQ(error(text("/s/empty"), options),
              "4:1: radius.client[0].secret_file: \"/s/empty\" is empty");
    EXPECT_EQ(error(text("/s/big"), options),
              "4:1: radius.client[0].secret_file: \"/s/big\" holds 300 bytes; at most 256 are "
              "allowed");
    EXPECT_EQ(error(text("/s/none"), options),
              "4:1: radius.client[0].secret_file: \"/s/none\": cannot open: No such file or "
              "directory");
    // Without a reader the file is not read (and not an error).
    const ServerConfig unread = parse_ok(text("/s/none"));
    EXPECT_EQ(unread.radius.clients[0].secret, "");
    EXPECT_EQ(unread.radius.clients[0].secret_file, "/s/none");
}

TEST(PolicyConfig, LinuxShvAndTheWshvUnderOpenNapsId) {
    auto c = parse_config("[[shv]]\nkind = \"linux\"\n[[shv]]\nkind = \"wsha\"\nid = 0x7ED901\n",
                          "s.toml");
    ASSERT_TRUE(c) << c.error().to_string();
    ASSERT_EQ(c->shvs.size(), 2u);
    EXPECT_EQ(c->shvs[0].kind, ShvKind::linux);
    EXPECT_EQ(c->shvs[0].id, 0x007ED902u);
    EXPECT_EQ(c->shvs[0].name, "OpenNAP Linux SHV");
    EXPECT_EQ(to_string(ShvKind::linux), "linux");
    EXPECT_EQ(c->shvs[1].kind, ShvKind::wsha);
    EXPECT_EQ(c->shvs[1].id, 0x007ED901u);
}

TEST(PolicyConfig, ShvMistakes) {
    EXPECT_EQ(error("[[shv]]\nid = 0x13780\n"),
              "1:1: shv[0].kind: missing: \"wsha\", \"linux\" or \"plugin\"");
    // A wrong kind is the only complaint (no guesses about what the other keys should be).
    EXPECT_EQ(error("[[shv]]\nkind = \"plugn\"\nid = 0x137F0\nplugin = \"/x.so\"\n"),
              "2:1: shv[0].kind: must be one of wsha, plugin, linux, got \"plugn\" (did you mean "
              "\"plugin\"?)");
    EXPECT_EQ(error("[[shv]]\nkind = \"wsha\"\nid = 0x000137F0\n"),
              "3:1: shv[0].id: kind \"wsha\" validates the Windows Security Health Agent entry, "
              "under 0x00013780 or OpenNAP's security-center SHA 0x007ED901; got 0x000137F0");
    EXPECT_EQ(error("[[shv]]\nkind = \"plugin\"\nplugin = \"/x.so\"\n"),
              "1:1: shv[0].id: missing: the System-Health-ID the SHV validates, e.g. 0x000137F0");
    EXPECT_EQ(error("[[shv]]\nkind = \"plugin\"\nid = 0x137F0\n"),
              "1:1: shv[0].plugin: missing: the absolute path of the SHV's shared object");
    EXPECT_EQ(error("[[shv]]\nkind = \"plugin\"\nid = 0x137F0\nplugin = \"x.so\"\n"),
              "4:1: shv[0].plugin: must be an absolute path, got \"x.so\"");
    EXPECT_EQ(error("[[shv]]\nkind = \"wsha\"\nplugin = \"/x.so\"\n"),
              "3:1: shv[0].plugin: applies only to kind = \"plugin\"");
    EXPECT_EQ(error("[[shv]]\nkind = \"plugin\"\nid = 0x00013700\nplugin = \"/x.so\"\n"),
              "3:1: shv[0].id: 0x00013700 is the NAP system's own id (NapSystemId), not an "
              "SHV's");
    EXPECT_EQ(error("[[shv]]\nkind = \"plugin\"\nid = 0\nplugin = \"/x.so\"\n"),
              "3:1: shv[0].id: 0 is not a System-Health-ID");
    EXPECT_EQ(error("[[shv]]\nkind = \"plugin\"\nid = 0x100000000\nplugin = \"/x.so\"\n"),
              "3:1: shv[0].id: must be between 0 and 4294967295, got 4294967296");
    EXPECT_EQ(error("[[shv]]\nkind = \"wsha\"\n[[shv]]\nkind = \"wsha\"\nid = 79744\n"),
              "5:1: shv[1].id: System-Health-ID 0x00013780 is already configured (shv[0])");
    EXPECT_EQ(error("[[shv]]\nkind = \"wsha\"\n[shv.failure_category]\nother = \"ok\"\n"),
              "4:1: shv[0].failure_category.other: must be one of compliant, noncompliant, got "
              "\"ok\"");
    EXPECT_EQ(error("[[shv]]\nkind = \"wsha\"\n[shv.failure_category]\nserver = \"compliant\"\n"),
              "4:1: shv[0].failure_category.server: unknown key (expected one of: none, other, "
              "client_component, client_communication, server_component, "
              "server_communication)");
    EXPECT_EQ(error("[[shv]]\nkind = \"wsha\"\nsettings = 1\n"),
              "3:1: shv[0].settings: expected a table, got an integer");
}

TEST(PolicyConfig, AtMostTwentyShvs) {
    std::string text;
    for (int i = 0; i < 21; ++i) {
        text += "[[shv]]\nkind = \"plugin\"\nid = " + std::to_string(0x13790 + i) +
                "\nplugin = \"/x.so\"\n";
    }
    EXPECT_EQ(error(text),
              "81:1: shv[20]: too many SHVs: at most 20 can be configured "
              "(maxSystemHealthEntityCount)");
}

TEST(PolicyConfig, WshaSettingsHookSeesEveryTableAndReportsInPlace) {
    std::vector<std::string> seen;
    ParseOptions options;
    options.wsha_settings = [&](const toml::table& settings, std::string_view key,
                                TomlChecker& checker) {
        seen.push_back(std::string(key));
        checker.check_keys(settings, key, {"firewall"});
    };
    const auto all = errors(R"([server]
workers = 257
[[shv]]
kind = "wsha"
[shv.settings]
firewal = true
[[shv]]
kind = "plugin"
id = 0x137F0
plugin = "/x.so"
[shv.settings]
anything = "goes"
)",
                            options);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0], "2:1: server.workers: must be between 0 and 256, got 257");
    EXPECT_EQ(all[1], "6:1: shv[0].settings.firewal: unknown key (did you mean \"firewall\"?)");
    EXPECT_EQ(seen, (std::vector<std::string>{"shv[0].settings"}));
    // A wsha entry without a settings table is checked too (an empty table).
    seen.clear();
    EXPECT_TRUE(errors("[[shv]]\nkind = \"wsha\"\n", options).empty());
    EXPECT_EQ(seen, (std::vector<std::string>{"shv[0].settings"}));
}

TEST(PolicyConfig, HealthPolicyMistakes) {
    EXPECT_EQ(error("[[health_policy]]\nname = \"h\"\n"),
              "1:1: health_policy[0].condition: missing: e.g. \"passes-all\", "
              "\"fails-one-or-more\" or \"not-nap-capable\"");
    EXPECT_EQ(error("[[health_policy]]\nname = \"h\"\ncondition = \"pases-all\"\n"),
              "3:1: health_policy[0].condition: must be one of passes-all, fails-all, "
              "passes-one-or-more, fails-one-or-more, transitional, infected, unknown, "
              "unavailable, not-nap-capable, pass, fail, undecided, got \"pases-all\" (did you "
              "mean \"passes-all\"?)");
    EXPECT_EQ(error("[[health_policy]]\nname = \"h\"\ncondition = \"passes-all\"\ncombine = "
                    "\"any\"\n"),
              "4:1: health_policy[0].combine: applies only to the conditions pass, fail and "
              "undecided (condition \"passes-all\" has its own rule)");
    EXPECT_EQ(error("[[health_policy]]\nname = \"h\"\ncondition = \"pass\"\ncombine = "
                    "\"most\"\n"),
              "4:1: health_policy[0].combine: must be one of default, any, all, got \"most\"");
    EXPECT_EQ(error("[[health_policy]]\nname = \"h\"\ncondition = \"passes-all\"\nshvs = "
                    "[0x13780]\n"),
              "4:9: health_policy[0].shvs[0]: no [[shv]] has the id 0x00013780");
    EXPECT_EQ(error("[[shv]]\nkind = \"wsha\"\n[[health_policy]]\nname = \"h\"\ncondition = "
                    "\"fail\"\nshvs = [0x13780, 79744]\n"),
              "6:18: health_policy[0].shvs[1]: listed twice: 0x00013780");
    EXPECT_EQ(error("[[shv]]\nkind = \"wsha\"\n[[health_policy]]\nname = \"h\"\ncondition = "
                    "\"fail\"\nshvs = []\n"),
              "6:1: health_policy[0].shvs: must list at least one SHV id (leave the key out for "
              "every SHV)");
    EXPECT_EQ(error("[[shv]]\nkind = \"wsha\"\n[[health_policy]]\nname = \"h\"\ncondition = "
                    "\"fail\"\nshvs = [\"wsha\"]\n"),
              "6:9: health_policy[0].shvs[0]: expected an SHV id (an integer), got a string");
    EXPECT_EQ(error("[[shv]]\nkind = \"wsha\"\n[[health_policy]]\nname = \"h\"\ncondition = "
                    "\"not-nap-capable\"\nshvs = [0x13780]\n"),
              "6:1: health_policy[0].shvs: does not apply to not-nap-capable (no SHV is asked "
              "when there is no SoH)");
    EXPECT_EQ(error("[[health_policy]]\nname = \"h\"\ncondition = \"pass\"\n[[health_policy]]\n"
                    "name = \"h\"\ncondition = \"fail\"\n"),
              "5:1: health_policy[1].name: duplicate name \"h\" (also health_policy[0])");
    // The combined conditions default to the "default" rule.
    const ServerConfig c = parse_ok("[[health_policy]]\nname = \"h\"\ncondition = \"fail\"\n");
    EXPECT_EQ(c.health_policies[0].combine, Combine::default_);
}

TEST(PolicyConfig, NetworkPolicyReferencesAreResolved) {
    constexpr std::string_view kBase = R"([[radius.client]]
name = "campus"
address = "10.0.0.0/8"
secret = "s"
[[health_policy]]
name = "healthy"
condition = "passes-all"
[[remediation_server_group]]
name = "fix"
servers = ["10.9.0.1"]
[[network_policy]]
name = "n"
)";
    auto with = [&](std::string_view lines) { return std::string(kBase) + std::string(lines); };
    EXPECT_EQ(error(with("grant = \"full\"\nhealth_policy = \"helthy\"\n")),
              "14:1: network_policy[0].health_policy: no health policy is named \"helthy\" (did "
              "you mean \"healthy\"?)");
    EXPECT_EQ(error(with("grant = \"full\"\nradius_clients = [\"campsu\"]\n")),
              "14:19: network_policy[0].radius_clients[0]: no RADIUS client is named \"campsu\" "
              "(did you mean \"campus\"?)");
    EXPECT_EQ(error(with("grant = \"restricted\"\nremediation_group = \"elsewhere\"\n")),
              "14:1: network_policy[0].remediation_group: no remediation server group is named "
              "\"elsewhere\"");
    EXPECT_EQ(error(with("grant = \"full\"\nnas_types = [\"vpn\"]\n")),
              "14:14: network_policy[0].nas_types[0]: must be one of unspecified, ts-gateway, ras, "
              "dhcp, wireless, hra, hcap, got \"vpn\"");
    EXPECT_EQ(error(with("grant = \"full\"\nclient_addresses = [\"10.0.0.1/8\"]\n")),
              "14:21: network_policy[0].client_addresses[0]: \"10.0.0.1/8\" has host bits set "
              "(did you mean \"10.0.0.0/8\"?)");
    EXPECT_EQ(error(with("grant = \"full\"\nnas_addresses = []\n")),
              "14:1: network_policy[0].nas_addresses: must not be empty (leave the key out to "
              "match everything)");
    EXPECT_EQ(error(with("grant = \"full\"\nmachine_names = [\"\"]\n")),
              "14:18: network_policy[0].machine_names[0]: must be a pattern of 1 to 255 printable "
              "characters, got \"\"");
    EXPECT_EQ(error(with("grant = \"full\"\nmachine_names = \"pc-*\"\n")),
              "14:1: network_policy[0].machine_names: expected an array of machine-name "
              "patterns, got a string");
}

TEST(PolicyConfig, GrantsTakeOnlyTheirOwnSettings) {
    auto policy = [](std::string_view lines) {
        return "[[remediation_server_group]]\nname = \"fix\"\nservers = [\"10.9.0.1\"]\n"
               "[[network_policy]]\nname = \"n\"\n" +
               std::string(lines);
    };
    EXPECT_EQ(error(policy("")),
              "4:1: network_policy[0].grant: missing: \"full\", \"probation\", \"restricted\" or "
              "\"deny\"");
    EXPECT_EQ(error(policy("grant = \"allow\"\n")),
              "6:1: network_policy[0].grant: must be one of full, probation, restricted, deny, "
              "got \"allow\"");
    EXPECT_EQ(error(policy("grant = \"full\"\nremediation_group = \"fix\"\n")),
              "7:1: network_policy[0].remediation_group: does not apply to grant = \"full\" (only "
              "to restricted and probation)");
    EXPECT_EQ(error(policy("grant = \"full\"\nauto_remediation = true\n")),
              "7:1: network_policy[0].auto_remediation: does not apply to grant = \"full\" (only "
              "to restricted and probation)");
    EXPECT_EQ(error(policy("grant = \"restricted\"\nprobation_for = \"1d\"\n")),
              "7:1: network_policy[0].probation_for: does not apply to grant = \"restricted\" "
              "(only to probation)");
    EXPECT_EQ(error(policy("grant = \"deny\"\nvlan = 3\n")),
              "7:1: network_policy[0].vlan: does not apply to grant = \"deny\" (only to full, "
              "probation and restricted)");
    EXPECT_EQ(error(policy("grant = \"deny\"\nhelp_url = \"http://x\"\n")),
              "7:1: network_policy[0].help_url: does not apply to grant = \"deny\" (only to "
              "restricted and probation)");
    EXPECT_EQ(error(policy("grant = \"probation\"\n")),
              "6:1: network_policy[0].grant: probation needs an end: probation_until (a date-time "
              "with a UTC offset, e.g. 2030-01-31T18:00:00Z) or probation_for (e.g. \"7d\")");
    EXPECT_EQ(error(policy("grant = \"probation\"\nprobation_for = \"1d\"\nprobation_until = "
                           "2030-01-01T00:00:00Z\n")),
              "7:1: network_policy[0].probation_for: give either probation_until or "
              "probation_for, not both");
    EXPECT_EQ(error(policy("grant = \"probation\"\nprobation_until = 2030-01-01T00:00:00\n")),
              "7:1: network_policy[0].probation_until: needs a UTC offset (e.g. "
              "2030-01-31T18:00:00Z or 2030-01-31T19:00:00+01:00): a local time is ambiguous");
    EXPECT_EQ(error(policy("grant = \"probation\"\nprobation_until = 2030-01-01\n")),
              "7:1: network_policy[0].probation_until: expected a date-time with a UTC offset, "
              "e.g. 2030-01-31T18:00:00Z, got a date");
    EXPECT_EQ(error(policy("grant = \"probation\"\nprobation_until = 1600-12-31T00:00:00Z\n")),
              "7:1: network_policy[0].probation_until: is before 1601, which a FILETIME cannot "
              "hold");
    for (std::string_view bad : {"7", "0d", "1w", "-1d", "3651d", "d", "1.5h", " 1d"}) {
        EXPECT_NE(
            error(policy("grant = \"probation\"\nprobation_for = \"" + std::string(bad) + "\"\n"))
                .find("must be a positive number of seconds, minutes, hours or days"),
            std::string::npos)
            << bad;
    }
    EXPECT_EQ(error(policy("grant = \"restricted\"\nhelp_url = \"ftp://x\"\n")),
              "7:1: network_policy[0].help_url: must be an http:// or https:// URL of at most "
              "1024 bytes without spaces or control characters, got \"ftp://x\"");
    EXPECT_EQ(error(policy("grant = \"restricted\"\nhelp_url = \"http://a b\"\n")),
              "7:1: network_policy[0].help_url: must be an http:// or https:// URL of at most "
              "1024 bytes without spaces or control characters, got \"http://a b\"");
    EXPECT_EQ(error(policy("grant = \"full\"\nvlan = 4095\n")),
              "7:1: network_policy[0].vlan: a VLAN id must be between 1 and 4094, got 4095");
    EXPECT_EQ(error(policy("grant = \"full\"\nvlan = true\n")),
              "7:1: network_policy[0].vlan: expected a VLAN id (1..4094) or a VLAN name, got a "
              "boolean");
    EXPECT_EQ(error(policy("grant = \"full\"\nvlan = \"\"\n")),
              "7:1: network_policy[0].vlan: must not be empty");
    EXPECT_EQ(error(policy("grant = \"full\"\nsession_timeout = 0\n")),
              "7:1: network_policy[0].session_timeout: must be between 1 and 2147483647, got 0");
    EXPECT_EQ(error(policy("grant = \"full\"\nfilter_id = \"" + std::string(254, 'f') + "\"\n")),
              "7:1: network_policy[0].filter_id: is 254 bytes long; at most 253 are allowed");
    EXPECT_EQ(error(policy("grant = \"full\"\nextended_state = \"sick\"\n")),
              "7:1: network_policy[0].extended_state: must be one of no-data, transition, "
              "infected, unknown, got \"sick\"");
}

TEST(PolicyConfig, RemediationGroupMistakes) {
    EXPECT_EQ(error("[[remediation_server_group]]\nname = \"g\"\n"),
              "1:1: remediation_server_group[0].servers: missing: the group's server addresses");
    EXPECT_EQ(error("[[remediation_server_group]]\nname = \"g\"\nservers = []\n"),
              "3:1: remediation_server_group[0].servers: must list at least one server");
    EXPECT_EQ(error("[[remediation_server_group]]\nname = \"g\"\nservers = [\"wsus\"]\n"),
              "3:12: remediation_server_group[0].servers[0]: \"wsus\" is not an IPv4 or IPv6 "
              "address");
    EXPECT_EQ(error("[[remediation_server_group]]\nname = \"g\"\nservers = [\"10.0.0.1\", "
                    "\"::ffff:10.0.0.1\"]\n"),
              "3:24: remediation_server_group[0].servers[1]: listed twice: 10.0.0.1");
    EXPECT_EQ(error("[[remediation_server_group]]\nname = \"g\"\nservers = [{ name = \"x\" }]\n"),
              "3:12: remediation_server_group[0].servers[0].address: missing: the server's "
              "address");
    EXPECT_EQ(error("[[remediation_server_group]]\nname = \"g\"\nservers = [{ address = "
                    "\"10.0.0.1\", nam = \"x\" }]\n"),
              "3:36: remediation_server_group[0].servers[0].nam: unknown key (did you mean "
              "\"name\"?)");
    EXPECT_EQ(error("[[remediation_server_group]]\nname = \"g\"\nservers = [1]\n"),
              "3:12: remediation_server_group[0].servers[0]: expected an address string or a { "
              "address, name } table, got an integer");
    std::string many = "[[remediation_server_group]]\nname = \"g\"\nservers = [";
    for (int i = 0; i < 62; ++i) {
        many += "\"10.0.0." + std::to_string(i + 1) + "\", ";
    }
    many += "]\n";
    const std::string e = error(many);
    EXPECT_NE(e.find("remediation_server_group[0].servers[61]: too many IPv4 servers: at most 61 "
                     "fit one RADIUS remediation-servers attribute"),
              std::string::npos)
        << e;
}

TEST(PolicyConfig, EveryMistakeIsCollectedAndSorted) {
    const auto all = errors(R"([server]
workers = 300
log_level = "loud"
[radius]
listen = ["nowhere"]
[[radius.client]]
name = "x"
address = "10.0.0.0/33"
[[network_policy]]
name = "n"
grant = "full"
health_policy = "missing"
[audit]
flush_interval_ms = 5
)");
    ASSERT_EQ(all.size(), 7u) << ::testing::PrintToString(all);
    EXPECT_EQ(all[0].substr(0, 2), "2:");
    EXPECT_EQ(all[1].substr(0, 2), "3:");
    EXPECT_EQ(all[2].substr(0, 3), "5:1");
    EXPECT_EQ(all[3].substr(0, 2), "6:");  // the missing secret, reported at the table header
    EXPECT_EQ(all[4].substr(0, 2), "8:");
    EXPECT_EQ(all[5].substr(0, 3), "12:");
    EXPECT_EQ(all[6].substr(0, 3), "14:");
    // parse_config returns the first.
    auto r = parse_config(R"([server]
workers = 300
log_level = "loud"
)",
                          "x.toml");
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().to_string(),
              "x.toml:2:1: server.workers: must be between 0 and 256, got 300");
}

TEST(PolicyConfig, ErrorText) {
    EXPECT_EQ((ConfigError{"f.toml", 3, 7, "a.b", "bad"}).to_string(), "f.toml:3:7: a.b: bad");
    EXPECT_EQ((ConfigError{"f.toml", 0, 0, "", "cannot open"}).to_string(), "f.toml: cannot open");
    EXPECT_EQ((ConfigError{"f.toml", 4, 0, "", "x"}).to_string(), "f.toml:4: x");
}

// ---- load_config --------------------------------------------------------------------------------

class TempDir {
  public:
    TempDir() {
        char tmpl[] = "/tmp/opennap-policy-XXXXXX";
        path_ = mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path write(const std::string& name, const std::string& text) const {
        const auto p = path_ / name;
        std::ofstream(p, std::ios::binary) << text;
        return p;
    }

  private:
    std::filesystem::path path_;
};

TEST(PolicyConfig, LoadMissingFileGivesTheEmbeddedDefaults) {
    TempDir dir;
    auto r = load_config(dir.path() / "absent.toml");
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_TRUE(r->defaults_used);
    ServerConfig expected = default_config();
    expected.defaults_used = true;
    EXPECT_EQ(*r, expected);
}

TEST(PolicyConfig, LoadReadsSecretFiles) {
    TempDir dir;
    const auto secret = dir.write("secret", "from-a-file\n");
    const auto conf = dir.write("server.toml",
                                "[[radius.client]]\nname = \"a\"\naddress = "
                                "\"10.0.0.1\"\nsecret_file = \"" +
                                    secret.string() + "\"\n");
    auto r = load_config(conf);
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_FALSE(r->defaults_used);
    EXPECT_EQ(r->radius.clients.at(0).secret, "from-a-file");

    const auto missing = dir.write("server2.toml",
                                   "[[radius.client]]\nname = \"a\"\naddress = "
                                   "\"10.0.0.1\"\nsecret_file = \"" +
                                       (dir.path() / "nope").string() + "\"\n");
    auto e = load_config(missing);
    ASSERT_FALSE(e.has_value());
    EXPECT_EQ(e.error().source, missing.string());
    EXPECT_EQ(e.error().line, 4);
    EXPECT_NE(e.error().message.find("cannot open: No such file or directory"), std::string::npos);
}

TEST(PolicyConfig, LoadReportsAnUnreadableFile) {
    TempDir dir;
    // A directory exists but cannot be read as a file.
    auto r = load_config(dir.path());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().line, 0);
    EXPECT_EQ(r.error().source, dir.path().string());
}

TEST(PolicyConfig, LoadReportsErrorsWithTheFileName) {
    TempDir dir;
    const auto conf = dir.write("server.toml", "[server]\nworkers = 999\n");
    auto r = load_config(conf);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().to_string(),
              conf.string() + ":2:1: server.workers: must be between 0 and 256, got 999");
}

}  // namespace
