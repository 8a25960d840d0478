// parse_config / check_config / load_config / to_agent_config.
#include "opennap/agentd/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace {

using namespace opennap::agentd;
using namespace std::chrono_literals;

const MapNameResolver& names() {
    static const MapNameResolver resolver({{"root", 0}, {"alice", 1000}, {"bob", 1001}},
                                          {{"root", 0}, {"wheel", 10}, {"napsha", 2000}});
    return resolver;
}

// A resolver whose directory service is down.
class BrokenResolver final : public NameResolver {
  public:
    NameLookup<uid_t> user_id(std::string_view) const override {
        return std::unexpected(std::string("cannot look up user: directory unreachable"));
    }
    NameLookup<gid_t> group_id(std::string_view) const override {
        return std::unexpected(std::string("cannot look up group: directory unreachable"));
    }
};

DaemonConfig parse_ok(std::string_view text) {
    auto r = parse_config(text, "test.toml", names());
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().to_string());
    return r ? *r : DaemonConfig{};
}

ConfigError parse_err(std::string_view text) {
    auto r = parse_config(text, "test.toml", names());
    EXPECT_FALSE(r.has_value()) << "expected an error for:\n" << text;
    return r ? ConfigError{} : r.error();
}

// The first error as "line:column: key: message".
std::string first_error(std::string_view text) {
    ConfigError e = parse_err(text);
    return std::to_string(e.line) + ":" + std::to_string(e.column) + ": " + e.key + ": " +
           e.message;
}

// ---- defaults -----------------------------------------------------------------------------------

TEST(AgentdConfig, EmptyTextGivesTheDefaults) {
    DaemonConfig c = parse_ok("");
    EXPECT_EQ(c, default_config());
    EXPECT_FALSE(c.defaults_used);
    EXPECT_EQ(c.daemon.socket, "/run/opennap/agent.sock");
    EXPECT_EQ(c.daemon.socket_mode, 0666u);
    EXPECT_EQ(c.daemon.state_dir, "/var/lib/opennap");
    EXPECT_EQ(c.daemon.log_level, LogLevel::info);
    EXPECT_EQ(c.daemon.workers, 4u);
    EXPECT_EQ(c.limits.max_frame_size, 262144u);
    EXPECT_EQ(c.limits.max_clients, 256u);
    EXPECT_EQ(c.limits.per_client_connections, 1024u);
    EXPECT_EQ(c.limits.per_client_calls_in_flight, 64u);
    EXPECT_EQ(c.limits.per_client_pending_callbacks, 4096u);
    EXPECT_EQ(c.limits.max_soh_size, 4000u);
    EXPECT_EQ(c.limits.total_connections, 100000u);
    EXPECT_EQ(c.limits.callback_timeout, 2000ms);
    EXPECT_EQ(c.limits.callback_timeouts_before_unbind, 3u);
    EXPECT_EQ(c.agent.soh_change_retry_interval, 30000ms);
    EXPECT_EQ(c.agent.fixup_poll_interval, 5000ms);
    EXPECT_EQ(c.agent.connections_refresh_interval, 60000ms);
    EXPECT_EQ(c.agent.machine_name, "");
    EXPECT_EQ(c.access, AccessPolicy::safe_default());
    EXPECT_EQ(c.access.administrators.users, (std::set<uid_t>{0}));
    EXPECT_TRUE(c.access.administrators.groups.empty());
    EXPECT_TRUE(c.access.enforcement_clients.empty());
    EXPECT_TRUE(c.access.health_agents.empty());
}

TEST(AgentdConfig, EmptySectionsGiveTheDefaults) {
    EXPECT_EQ(parse_ok("[daemon]\n[limits]\n[agent]\n[access]\n"), default_config());
}

TEST(AgentdConfig, LogLevelNames) {
    EXPECT_EQ(to_string(LogLevel::trace), "trace");
    EXPECT_EQ(to_string(LogLevel::warn), "warn");
    EXPECT_EQ(to_string(LogLevel::error), "error");
}

// ---- a full valid file --------------------------------------------------------------------------

constexpr std::string_view kFull = R"(# a full configuration
[daemon]
socket = "/run/nap/a.sock"
socket_mode = 0o660
state_dir = "/srv/nap"
log_level = "debug"
workers = 8

[limits]
max_frame_size = 131072
max_clients = 10
per_client_connections = 50
per_client_calls_in_flight = 16
per_client_pending_callbacks = 32
max_soh_size = 12
total_connections = 500
callback_timeout_ms = 250
callback_timeouts_before_unbind = 1

[agent]
soh_change_retry_interval_ms = 1000
fixup_poll_interval_ms = 100
connections_refresh_interval_ms = 0
machine_name = "kiosk-7.example.org"

[access]
administrators = { users = ["root", "alice"], groups = ["wheel", 4242] }

[[access.enforcement_client]]
users = ["bob", 1500, "1600"]
ids = [0x00013701, 79618]

[[access.enforcement_client]]
groups = ["napsha"]
ids = [0x00013701]

[[access.health_agent]]
groups = ["napsha"]
ids = "*"
)";

TEST(AgentdConfig, FullFile) {
    DaemonConfig c = parse_ok(kFull);
    EXPECT_EQ(c.daemon.socket, "/run/nap/a.sock");
    EXPECT_EQ(c.daemon.socket_mode, 0660u);
    EXPECT_EQ(c.daemon.state_dir, "/srv/nap");
    EXPECT_EQ(c.daemon.log_level, LogLevel::debug);
    EXPECT_EQ(c.daemon.workers, 8u);
    EXPECT_EQ(c.limits.max_frame_size, 131072u);
    EXPECT_EQ(c.limits.max_clients, 10u);
    EXPECT_EQ(c.limits.per_client_connections, 50u);
    EXPECT_EQ(c.limits.per_client_calls_in_flight, 16u);
    EXPECT_EQ(c.limits.per_client_pending_callbacks, 32u);
    EXPECT_EQ(c.limits.max_soh_size, 12u);
    EXPECT_EQ(c.limits.total_connections, 500u);
    EXPECT_EQ(c.limits.callback_timeout, 250ms);
    EXPECT_EQ(c.limits.callback_timeouts_before_unbind, 1u);
    EXPECT_EQ(c.agent.soh_change_retry_interval, 1000ms);
    EXPECT_EQ(c.agent.fixup_poll_interval, 100ms);
    EXPECT_EQ(c.agent.connections_refresh_interval, 0ms);
    EXPECT_EQ(c.agent.machine_name, "kiosk-7.example.org");
    EXPECT_EQ(c.access.administrators.users, (std::set<uid_t>{0, 1000}));
    EXPECT_EQ(c.access.administrators.groups, (std::set<gid_t>{10, 4242}));
    ASSERT_EQ(c.access.enforcement_clients.size(), 2u);
    EXPECT_EQ(c.access.enforcement_clients[0].who.users, (std::set<uid_t>{1001, 1500, 1600}));
    EXPECT_TRUE(c.access.enforcement_clients[0].who.groups.empty());
    EXPECT_FALSE(c.access.enforcement_clients[0].any_id);
    EXPECT_EQ(c.access.enforcement_clients[0].ids, (std::set<std::uint32_t>{0x13701, 0x13702}));
    EXPECT_EQ(c.access.enforcement_clients[1].who.groups, (std::set<gid_t>{2000}));
    EXPECT_EQ(c.access.enforcement_clients[1].ids, (std::set<std::uint32_t>{0x13701}));
    ASSERT_EQ(c.access.health_agents.size(), 1u);
    EXPECT_TRUE(c.access.health_agents[0].any_id);
    EXPECT_EQ(c.access.health_agents[0].who.groups, (std::set<gid_t>{2000}));
}

TEST(AgentdConfig, AcceptsTheChecksTableOfNapsha) {
    // napsha reads [checks] from the same file (docs/checks.md); napagent must not reject it.
    const DaemonConfig c = parse_ok(
        "[daemon]\nsocket = \"/run/x.sock\"\n[checks]\ninterval_s = 60\n"
        "[checks.firewall]\nnftables = true\n");
    EXPECT_EQ(c.daemon.socket, "/run/x.sock");
}

TEST(AgentdConfig, SocketModeAsOctalString) {
    EXPECT_EQ(parse_ok("[daemon]\nsocket_mode = \"0600\"\n").daemon.socket_mode, 0600u);
    EXPECT_EQ(parse_ok("[daemon]\nsocket_mode = \"666\"\n").daemon.socket_mode, 0666u);
    EXPECT_EQ(parse_ok("[daemon]\nsocket_mode = 438\n").daemon.socket_mode, 0666u);
}

TEST(AgentdConfig, DottedKeysAndSubTablesAreTheSameKeys) {
    DaemonConfig c =
        parse_ok("limits.max_clients = 7\n[access.administrators]\ngroups = [\"wheel\"]\n");
    EXPECT_EQ(c.limits.max_clients, 7u);
    EXPECT_TRUE(c.access.administrators.users.empty());  // replaces the default entirely
    EXPECT_EQ(c.access.administrators.groups, (std::set<gid_t>{10}));
}

TEST(AgentdConfig, AdministratorsMayBeNobody) {
    DaemonConfig c = parse_ok("[access]\nadministrators = {}\n");
    EXPECT_TRUE(c.access.administrators.empty());
}

TEST(AgentdConfig, DuplicateIdsAcrossRolesAndEntriesAreAllowed) {
    DaemonConfig c = parse_ok(R"(
[[access.enforcement_client]]
users = ["alice"]
ids = [1, 1, 2]
[[access.enforcement_client]]
users = ["bob"]
ids = [1]
[[access.health_agent]]
users = ["alice"]
ids = [1]
)");
    EXPECT_EQ(c.access.enforcement_clients[0].ids, (std::set<std::uint32_t>{1, 2}));
    EXPECT_EQ(c.access.enforcement_clients[1].ids, (std::set<std::uint32_t>{1}));
    EXPECT_EQ(c.access.health_agents[0].ids, (std::set<std::uint32_t>{1}));
}

TEST(AgentdConfig, InlineArrayOfTables) {
    DaemonConfig c =
        parse_ok("[access]\nhealth_agent = [ { users = [\"bob\"], ids = [0xFFFFFFFF, 0] } ]\n");
    ASSERT_EQ(c.access.health_agents.size(), 1u);
    EXPECT_EQ(c.access.health_agents[0].ids, (std::set<std::uint32_t>{0, 0xFFFFFFFF}));
}

TEST(AgentdConfig, RangeBoundsAreInclusive) {
    DaemonConfig lo = parse_ok(
        "[limits]\nper_client_connections = 1\nmax_frame_size = 131072\n"
        "[agent]\nconnections_refresh_interval_ms = 1000\n[daemon]\nworkers = 1\n");
    EXPECT_EQ(lo.limits.per_client_connections, 1u);
    DaemonConfig hi = parse_ok(
        "[limits]\nper_client_connections = 100000\nmax_frame_size = 67108864\n"
        "max_soh_size = 65535\n[agent]\nconnections_refresh_interval_ms = 86400000\n"
        "[daemon]\nworkers = 256\n");
    EXPECT_EQ(hi.limits.per_client_connections, 100000u);
    EXPECT_EQ(hi.limits.max_soh_size, 65535u);
}

// ---- mistakes: each with its line, column and dotted key ----------------------------------------

TEST(AgentdConfigErrors, ToStringNamesSourceLineColumnKey) {
    auto r = parse_config("\n\n[limits]\nper_client_connections = 0\n", "/etc/opennap/agent.toml",
                          names());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().to_string(),
              "/etc/opennap/agent.toml:4:1: limits.per_client_connections: must be between 1 "
              "and 100000, got 0");
}

TEST(AgentdConfigErrors, SyntaxErrors) {
    // The message is toml++'s own; the position and the key are ours.
    ConfigError e = parse_err("[daemon]\nworkers = = 4\n");
    EXPECT_EQ(e.line, 2);
    EXPECT_EQ(e.column, 11);
    EXPECT_EQ(e.key, "daemon.workers");
    EXPECT_TRUE(e.message.starts_with("Error while parsing")) << e.message;
    e = parse_err("[daemon]\nlog_level = \"info\n");
    EXPECT_EQ(e.line, 2);
    EXPECT_EQ(e.key, "daemon.log_level");
    e = parse_err("[limits]\nmax_clients = 1\n[limits]\n");
    EXPECT_EQ(e.line, 3);
    EXPECT_EQ(e.key, "limits");
    EXPECT_NE(e.message.find("redefine"), std::string::npos) << e.message;
    e = parse_err("[daemon]\nworkers = 1\nworkers = 2\n");
    EXPECT_EQ(e.line, 3);
    EXPECT_EQ(e.key, "daemon.workers");
    e = parse_err("[[access.enforcement_client]]\nids = [1,\n  2x]\n");
    EXPECT_EQ(e.line, 3);
    EXPECT_EQ(e.key, "access.enforcement_client.ids");
}

TEST(AgentdConfigErrors, LeadingZeroSocketModeGetsAHint) {
    ConfigError e = parse_err("[daemon]\nsocket_mode = 0666\n");
    EXPECT_EQ(e.line, 2);
    EXPECT_EQ(e.key, "daemon.socket_mode");
    EXPECT_NE(e.message.find("write file modes as 0o666 or \"0666\""), std::string::npos)
        << e.message;
}

TEST(AgentdConfigErrors, UnknownTablesAndKeys) {
    EXPECT_EQ(first_error("[limit]\nmax_clients = 1\n"),
              "1:2: limit: unknown table (did you mean \"limits\"?)");
    EXPECT_EQ(first_error("[daemon]\n\nsockt = \"/run/x\"\n"),
              "3:1: daemon.sockt: unknown key (did you mean \"socket\"?)");
    EXPECT_EQ(first_error("verbose = true\n"),
              "1:1: verbose: unknown key (expected one of: daemon, limits, agent, access, checks)");
    EXPECT_EQ(first_error("[access]\nadministrators = { users = [\"root\"], grups = [] }\n"),
              "2:38: access.administrators.grups: unknown key (did you mean \"groups\"?)");
    EXPECT_EQ(first_error("[[access.health_agent]]\nusers = [\"alice\"]\nids = \"*\"\nid = 5\n"),
              "4:1: access.health_agent[0].id: unknown key (did you mean \"ids\"?)");
    EXPECT_EQ(first_error("[access.healthagent]\n"),
              "1:9: access.healthagent: unknown table (did you mean \"health_agent\"?)");
}

TEST(AgentdConfigErrors, WrongTypes) {
    EXPECT_EQ(first_error("daemon = 5\n"), "1:1: daemon: expected a table, got an integer");
    EXPECT_EQ(first_error("[daemon]\nworkers = \"4\"\n"),
              "2:1: daemon.workers: expected an integer, got a string");
    EXPECT_EQ(first_error("[daemon]\nsocket = 5\n"),
              "2:1: daemon.socket: expected a string, got an integer");
    EXPECT_EQ(first_error("[limits]\ncallback_timeout_ms = 2.5\n"),
              "2:1: limits.callback_timeout_ms: expected an integer, got a float");
    EXPECT_EQ(first_error("[daemon]\nsocket_mode = true\n"),
              "2:1: daemon.socket_mode: expected a file mode (0o666 or \"0666\"), got a boolean");
    EXPECT_EQ(first_error("[agent]\nmachine_name = [\"a\"]\n"),
              "2:1: agent.machine_name: expected a string, got an array");
    EXPECT_EQ(first_error("[access]\nadministrators = [\"root\"]\n"),
              "2:1: access.administrators: expected a table, got an array");
    EXPECT_EQ(first_error("[access.administrators]\nusers = \"root\"\n"),
              "2:1: access.administrators.users: expected an array of user names or uids, got "
              "a string");
    EXPECT_EQ(first_error("[access.administrators]\ngroups = [1.5]\n"),
              "2:11: access.administrators.groups[0]: expected a group name or gid, got a float");
    EXPECT_EQ(first_error("[access.enforcement_client]\nusers = [\"bob\"]\nids = [1]\n"),
              "1:9: access.enforcement_client: expected an array of tables (write "
              "[[access.enforcement_client]]), got a table");
    EXPECT_EQ(first_error("[access]\nhealth_agent = [1]\n"),
              "2:17: access.health_agent[0]: expected a table, got an integer");
    EXPECT_EQ(first_error("[agent]\nfixup_poll_interval_ms = 1979-05-27\n"),
              "2:1: agent.fixup_poll_interval_ms: expected an integer, got a date");
}

TEST(AgentdConfigErrors, OutOfRange) {
    EXPECT_EQ(first_error("[limits]\nmax_clients = 0\n"),
              "2:1: limits.max_clients: must be between 1 and 65536, got 0");
    EXPECT_EQ(first_error("[limits]\nmax_frame_size = 1024\n"),
              "2:1: limits.max_frame_size: must be between 131072 and 67108864, got 1024");
    EXPECT_EQ(first_error("[limits]\nmax_soh_size = 70000\n"),
              "2:1: limits.max_soh_size: must be between 12 and 65535, got 70000");
    EXPECT_EQ(first_error("[limits]\ntotal_connections = -1\n"),
              "2:1: limits.total_connections: must be between 1 and 10000000, got -1");
    EXPECT_EQ(first_error("[limits]\ncallback_timeout_ms = 5\n"),
              "2:1: limits.callback_timeout_ms: must be between 10 and 600000, got 5");
    EXPECT_EQ(first_error("[limits]\ncallback_timeouts_before_unbind = 0\n"),
              "2:1: limits.callback_timeouts_before_unbind: must be between 1 and 1000, got 0");
    EXPECT_EQ(first_error("[limits]\nper_client_calls_in_flight = 65537\n"),
              "2:1: limits.per_client_calls_in_flight: must be between 1 and 65536, got 65537");
    EXPECT_EQ(first_error("[limits]\nper_client_pending_callbacks = 0\n"),
              "2:1: limits.per_client_pending_callbacks: must be between 1 and 65536, got 0");
    EXPECT_EQ(first_error("[daemon]\nworkers = 0\n"),
              "2:1: daemon.workers: must be between 1 and 256, got 0");
    EXPECT_EQ(first_error("[agent]\nconnections_refresh_interval_ms = 500\n"),
              "2:1: agent.connections_refresh_interval_ms: must be 0 (disabled) or between 1000 "
              "and 86400000, got 500");
    EXPECT_EQ(first_error("[agent]\nsoh_change_retry_interval_ms = 0\n"),
              "2:1: agent.soh_change_retry_interval_ms: must be between 100 and 86400000, got 0");
    EXPECT_EQ(first_error("[agent]\nfixup_poll_interval_ms = 86400001\n"),
              "2:1: agent.fixup_poll_interval_ms: must be between 100 and 86400000, got 86400001");
    EXPECT_EQ(first_error("[daemon]\nsocket_mode = 0o1777\n"),
              "2:1: daemon.socket_mode: must be a file mode between 0o000 and 0o777 (write 0o666 "
              "or \"0666\"), got 1023");
    EXPECT_EQ(first_error("[daemon]\nsocket_mode = \"0686\"\n"),
              "2:1: daemon.socket_mode: must be a file mode between 0o000 and 0o777 (write 0o666 "
              "or \"0666\"), got \"0686\"");
}

TEST(AgentdConfigErrors, BadStrings) {
    EXPECT_EQ(first_error("[daemon]\nsocket = \"agent.sock\"\n"),
              "2:1: daemon.socket: must be an absolute path, got \"agent.sock\"");
    EXPECT_EQ(first_error("[daemon]\nstate_dir = \"\"\n"),
              "2:1: daemon.state_dir: must be an absolute path, got \"\"");
    EXPECT_EQ(first_error("[daemon]\nsocket = \"/" + std::string(107, 'a') + "\"\n"),
              "2:1: daemon.socket: is 108 bytes long; at most 107 are allowed");
    EXPECT_EQ(first_error("[daemon]\nlog_level = \"verbose\"\n"),
              "2:1: daemon.log_level: must be one of trace, debug, info, warn, error, got "
              "\"verbose\"");
    EXPECT_EQ(first_error("[daemon]\nlog_level = \"INFO\"\n"),
              "2:1: daemon.log_level: must be one of trace, debug, info, warn, error, got "
              "\"INFO\"");
    EXPECT_EQ(first_error("[agent]\nmachine_name = \"a\\tb\"\n"),
              "2:1: agent.machine_name: must not contain control characters");
    EXPECT_EQ(first_error("[agent]\nmachine_name = \"" + std::string(256, 'm') + "\"\n"),
              "2:1: agent.machine_name: is 256 bytes long; at most 255 are allowed");
}

TEST(AgentdConfigErrors, UnknownUsersAndGroups) {
    EXPECT_EQ(first_error("[access]\nadministrators = { users = [\"root\", \"mallory\"] }\n"),
              "2:37: access.administrators.users[1]: unknown user \"mallory\"");
    EXPECT_EQ(
        first_error("[[access.health_agent]]\ngroups = [\"napsha\", \"nogroup\"]\nids = [1]\n"),
        "2:21: access.health_agent[0].groups[1]: unknown group \"nogroup\"");
    EXPECT_EQ(first_error("[access.administrators]\nusers = [\"\"]\n"),
              "2:10: access.administrators.users[0]: empty user name");
    EXPECT_EQ(
        first_error("[access.administrators]\nusers = [-1]\n"),
        "2:10: access.administrators.users[0]: a uid must be between 0 and 4294967294, got -1");
    EXPECT_EQ(first_error("[access.administrators]\ngroups = [\"4294967295\"]\n"),
              "2:11: access.administrators.groups[0]: a gid must be between 0 and 4294967294, got "
              "4294967295");
    // A name that is a user only is not a group.
    EXPECT_EQ(first_error("[access.administrators]\ngroups = [\"alice\"]\n"),
              "2:11: access.administrators.groups[0]: unknown group \"alice\"");
}

TEST(AgentdConfigErrors, LookupFailureIsNotUnknownName) {
    BrokenResolver broken;
    auto r = parse_config("[access.administrators]\nusers = [\"root\"]\n", "t", broken);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().to_string(),
              "t:2:10: access.administrators.users[0]: cannot look up user: directory unreachable");
    // Numeric ids need no lookup.
    EXPECT_TRUE(parse_config("[access.administrators]\nusers = [0, \"0\"]\n", "t", broken));
}

TEST(AgentdConfigErrors, MalformedIds) {
    EXPECT_EQ(first_error("[[access.enforcement_client]]\nusers = [\"bob\"]\nids = [1, -2]\n"),
              "3:11: access.enforcement_client[0].ids[1]: malformed id: must be between 0 and "
              "0xFFFFFFFF, got -2");
    EXPECT_EQ(
        first_error("[[access.enforcement_client]]\nusers = [\"bob\"]\nids = [0x100000000]\n"),
        "3:8: access.enforcement_client[0].ids[0]: malformed id: must be between 0 and "
        "0xFFFFFFFF, got 4294967296");
    EXPECT_EQ(
        first_error("[[access.enforcement_client]]\nusers = [\"bob\"]\nids = [\"0x13701\"]\n"),
        "3:8: access.enforcement_client[0].ids[0]: malformed id: expected an integer, got a "
        "string");
    EXPECT_EQ(first_error("[[access.health_agent]]\nusers = [\"bob\"]\nids = [1, \"*\"]\n"),
              "3:11: access.health_agent[0].ids[1]: malformed id: \"*\" stands alone, write ids = "
              "\"*\"");
    EXPECT_EQ(first_error("[[access.health_agent]]\nusers = [\"bob\"]\nids = \"all\"\n"),
              "3:1: access.health_agent[0].ids: expected \"*\" or an array of integer ids, got "
              "\"all\"");
    EXPECT_EQ(first_error("[[access.health_agent]]\nusers = [\"bob\"]\nids = 5\n"),
              "3:1: access.health_agent[0].ids: expected \"*\" or an array of integer ids, got an "
              "integer");
    EXPECT_EQ(first_error("[[access.health_agent]]\nusers = [\"bob\"]\nids = []\n"),
              "3:1: access.health_agent[0].ids: must list at least one id, or be \"*\"");
}

TEST(AgentdConfigErrors, IncompleteEntries) {
    EXPECT_EQ(first_error("[access]\n\n[[access.health_agent]]\nusers = [\"bob\"]\n"),
              "3:1: access.health_agent[0].ids: missing: every entry lists the ids it grants, "
              "or \"*\"");
    EXPECT_EQ(first_error("[[access.health_agent]]\nusers = [\"bob\"]\nids = [1]\n\n"
                          "[[access.health_agent]]\nids = [2]\n"),
              "5:1: access.health_agent[1]: names no users and no groups, so it would grant "
              "nothing");
    EXPECT_EQ(first_error("[[access.enforcement_client]]\nusers = []\ngroups = []\nids = \"*\"\n"),
              "1:1: access.enforcement_client[0]: names no users and no groups, so it would grant "
              "nothing");
}

TEST(AgentdConfigErrors, EveryMistakeIsCollectedInFileOrder) {
    constexpr std::string_view text = R"([limits]
max_clients = 0
[daemon]
wokers = 2
log_level = "loud"
[access]
administrators = { users = ["nobody-here"] }
[[access.enforcement_client]]
users = ["bob"]
ids = [-1]
)";
    std::vector<ConfigError> errors = check_config(text, "f.toml", names());
    ASSERT_EQ(errors.size(), 5u);
    EXPECT_EQ(errors[0].to_string(),
              "f.toml:2:1: limits.max_clients: must be between 1 and 65536, got 0");
    EXPECT_EQ(errors[1].key, "daemon.wokers");
    EXPECT_EQ(errors[1].line, 4);
    EXPECT_EQ(errors[2].key, "daemon.log_level");
    EXPECT_EQ(errors[2].line, 5);
    EXPECT_EQ(errors[3].key, "access.administrators.users[0]");
    EXPECT_EQ(errors[3].line, 7);
    EXPECT_EQ(errors[4].key, "access.enforcement_client[0].ids[0]");
    EXPECT_EQ(errors[4].line, 10);
    // parse_config reports the first.
    auto r = parse_config(text, "f.toml", names());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errors[0]);
    EXPECT_TRUE(check_config(kFull, "f.toml", names()).empty());
}

// ---- load_config --------------------------------------------------------------------------------

class AgentdLoadConfig : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::path(::testing::TempDir()) /
               ("agentd_config_" + std::to_string(::getpid()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::filesystem::path dir_;
};

TEST_F(AgentdLoadConfig, MissingFileGivesDefaultsAndSaysSo) {
    auto r = load_config(dir_ / "absent.toml", names());
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_TRUE(r->defaults_used);
    DaemonConfig expected = default_config();
    expected.defaults_used = true;
    EXPECT_EQ(*r, expected);
}

TEST_F(AgentdLoadConfig, ReadsAFile) {
    std::ofstream(dir_ / "a.toml") << "[daemon]\nworkers = 9\n";
    auto r = load_config(dir_ / "a.toml", names());
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_FALSE(r->defaults_used);
    EXPECT_EQ(r->daemon.workers, 9u);
}

TEST_F(AgentdLoadConfig, ErrorsNameTheFile) {
    const auto path = dir_ / "bad.toml";
    std::ofstream(path) << "[daemon]\nworkers = 0\n";
    auto r = load_config(path, names());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().to_string(),
              path.string() + ":2:1: daemon.workers: must be between 1 and 256, got 0");
}

TEST_F(AgentdLoadConfig, UnreadableIsAnError) {
    auto r = load_config(dir_, names());  // a directory
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().line, 0);
    EXPECT_EQ(r.error().to_string(), dir_.string() + ": cannot read: Is a directory");
    r = load_config(dir_ / "not-a-dir" / "x.toml", names());
    EXPECT_TRUE(r.has_value());  // ENOENT: missing
    std::ofstream(dir_ / "file") << "";
    r = load_config(dir_ / "file" / "x.toml", names());  // ENOTDIR
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().to_string(),
              (dir_ / "file" / "x.toml").string() + ": cannot open: Not a directory");
}

// ---- to_agent_config ----------------------------------------------------------------------------

TEST(AgentdConfig, ToAgentConfig) {
    DaemonConfig c = parse_ok(kFull);
    opennap::agent::MachineFacts facts;
    facts.machine_name = "host-from-runtime";
    facts.product_type = 3;
    opennap::agent::AgentConfig a = to_agent_config(c, facts);
    EXPECT_EQ(a.max_connections_per_ec, 50u);
    EXPECT_EQ(a.max_connections_total, 500u);
    EXPECT_EQ(a.soh_change_retry_interval, 1000ms);
    EXPECT_EQ(a.fixup_poll_interval, 100ms);
    EXPECT_EQ(a.connections_refresh_interval, 0ms);
    EXPECT_EQ(a.machine.machine_name, "kiosk-7.example.org");
    EXPECT_EQ(a.machine.product_type, 3);
    const opennap::agent::AgentConfig agent_defaults;
    EXPECT_EQ(a.max_registered_shas, agent_defaults.max_registered_shas);
    EXPECT_EQ(a.max_registered_ecs, agent_defaults.max_registered_ecs);

    opennap::agent::AgentConfig d = to_agent_config(default_config(), facts);
    EXPECT_EQ(d.machine.machine_name, "host-from-runtime");  // empty machine_name: the host's
    EXPECT_EQ(d.max_connections_per_ec, 1024u);
    EXPECT_EQ(d.max_connections_total, 100000u);
    EXPECT_EQ(d.soh_change_retry_interval, agent_defaults.soh_change_retry_interval);
    EXPECT_EQ(d.fixup_poll_interval, agent_defaults.fixup_poll_interval);
    EXPECT_EQ(d.connections_refresh_interval, agent_defaults.connections_refresh_interval);
}

}  // namespace
