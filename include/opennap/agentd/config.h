// napagent's configuration: the TOML file (/etc/opennap/agent.toml by default), its defaults, and
// what every mistake in it is reported as. Every key, default and range is documented in
// docs/napagent.md ("Configuration") and in packaging/agent.toml, which parses to the defaults.
//
// parse_config() is pure (the user database is reached only through the NameResolver);
// load_config() is the I/O edge that reads the file. Neither throws for anything in the file.
//
// Errors: the parser collects every mistake it can find (after a TOML syntax error there is no
// document to check, so that one is alone) and sorts them by position. check_config() returns all
// of them; parse_config() returns the first. Each names the source, line, column and dotted key,
// e.g. "/etc/opennap/agent.toml:12:1: limits.per_client_connections: must be between 1 and
// 100000, got 0". Unknown tables and keys are errors: a typo is never silently ignored.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "opennap/agent/agent.h"
#include "opennap/agentd/access.h"
#include "opennap/agentd/names.h"
#include "opennap/config/config_error.h"

namespace opennap::agentd {

inline constexpr std::string_view kDefaultConfigPath = "/etc/opennap/agent.toml";

enum class LogLevel : std::uint8_t { trace, debug, info, warn, error };

// "trace", "debug", "info", "warn", "error".
[[nodiscard]] std::string_view to_string(LogLevel level) noexcept;

// [daemon]
struct DaemonSettings {
    std::filesystem::path socket = "/run/opennap/agent.sock";
    // Access is decided per peer from SO_PEERCRED, not by the file mode: the default lets every
    // local process connect so that it can be told "access denied" (and be logged) instead of
    // failing with EACCES before the daemon sees it.
    mode_t socket_mode = 0666;
    std::filesystem::path state_dir = "/var/lib/opennap";
    LogLevel log_level = LogLevel::info;
    unsigned workers = 4;  // threads for slow calls
    friend bool operator==(const DaemonSettings&, const DaemonSettings&) = default;
};

// [limits]: going over one is E_OUTOFMEMORY (or NAP_E_TOO_MANY_CALLS) for that client only.
struct LimitSettings {
    std::uint32_t max_frame_size = 262144;  // bytes of one frame body, both directions
    std::uint32_t max_clients = 256;        // simultaneous client sockets
    std::uint32_t per_client_connections = 1024;
    std::uint32_t per_client_calls_in_flight = 64;
    std::uint32_t per_client_pending_callbacks = 4096;
    std::uint32_t max_soh_size = 4000;  // bytes of one SoH set by an SHA
    std::uint32_t total_connections = 100000;
    std::chrono::milliseconds callback_timeout{2000};
    std::uint32_t callback_timeouts_before_unbind = 3;  // consecutive timeouts
    friend bool operator==(const LimitSettings&, const LimitSettings&) = default;
};

// [agent]: the agent core's timers (docs/agent.md) and the machine name it reports.
struct AgentSettings {
    std::chrono::milliseconds soh_change_retry_interval{30000};
    std::chrono::milliseconds fixup_poll_interval{5000};
    std::chrono::milliseconds connections_refresh_interval{60000};  // 0 disables
    std::string machine_name;  // empty: the host name, found at run time
    friend bool operator==(const AgentSettings&, const AgentSettings&) = default;
};

struct DaemonConfig {
    DaemonSettings daemon;
    LimitSettings limits;
    AgentSettings agent;
    AccessPolicy access = AccessPolicy::safe_default();  // [access]
    // Set by load_config() when the file does not exist and these are the built-in defaults, so
    // that the daemon can say so in its log.
    bool defaults_used = false;
    friend bool operator==(const DaemonConfig&, const DaemonConfig&) = default;
};

// The project's configuration error: "source:line:column: key: message"
// (include/opennap/config/config_error.h).
using config::ConfigError;

// The built-in defaults (what an empty file gives).
[[nodiscard]] DaemonConfig default_config();

// Parses and checks `toml_text`; `source_name` is used in error messages only.
[[nodiscard]] std::expected<DaemonConfig, ConfigError> parse_config(std::string_view toml_text,
                                                                    std::string_view source_name,
                                                                    const NameResolver& names);

// Every mistake in `toml_text`, sorted by line and column; empty when it is valid.
[[nodiscard]] std::vector<ConfigError> check_config(std::string_view toml_text,
                                                    std::string_view source_name,
                                                    const NameResolver& names);

// Reads and parses the file. A file that does not exist gives default_config() with
// defaults_used = true; a file that exists but cannot be read is an error (line 0).
[[nodiscard]] std::expected<DaemonConfig, ConfigError> load_config(
    const std::filesystem::path& path, const NameResolver& names);

// The agent core's configuration: the [agent] timers; the connection quotas from [limits]
// (per EC: per_client_connections, since one EC id is bound by at most one client; in all:
// total_connections); the machine facts found at run time, with machine_name replaced when the
// config sets one. The registration quotas keep the AgentConfig defaults (the NAP maxima).
[[nodiscard]] agent::AgentConfig to_agent_config(const DaemonConfig& config,
                                                 agent::MachineFacts machine);

}  // namespace opennap::agentd
