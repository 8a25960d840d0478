// What the napctl commands that talk to the napagent daemon share: --socket / --timeout, the
// connection through the client library, HRESULT printing, exit codes, ids (agent_conn.cc).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "opennap/client/remote_agent.h"
#include "opennap/core/hresult.h"

namespace napctl {

inline constexpr const char* kDefaultSocket = "/run/opennap/agent.sock";
inline constexpr const char* kSocketEnv = "OPENNAP_AGENT_SOCKET";

// `--socket` and `--timeout`, given after the command or before it (`napctl --socket P status`);
// after it wins.
struct ConnArgs {
    std::string socket;     // empty: not given
    double timeout = -1.0;  // seconds to wait for the daemon to answer; < 0: not given
};

ConnArgs& global_conn();
void add_conn_options(CLI::App* cmd, ConnArgs& a);
std::string socket_path(const ConnArgs& a);
double timeout_seconds(const ConnArgs& a);

// Prints why the daemon at `path` cannot be reached; returns kExitUnreachable.
int unreachable(const std::string& path, std::string_view why);

struct Agent {
    std::shared_ptr<opennap::client::RemoteAgent> remote;
    std::string path;
};

// Connects to the daemon; nullopt (after printing why, exit_code set) when it does not answer in
// time.
std::optional<Agent> connect(const ConnArgs& a, int& exit_code);

// "E_ACCESSDENIED: access denied (0x80070005)"; unknown codes as opennap::to_string().
std::string describe(opennap::HResult h);
bool is_transport_failure(opennap::HResult h);
// Prints a failed call and returns its exit code.
int failed(const Agent& a, const std::string& what, opennap::HResult h);
int usage(const std::string& message);
bool write_stdout(const std::string& text);
int print(const std::string& text);

// A component id: decimal, or hex after 0x / 0X; 0..0xFFFFFFFF.
std::optional<std::uint32_t> parse_id(std::string_view s);
std::string hex_id(std::uint32_t id);

}  // namespace napctl
