// See agent_conn.h.
#include "agent_conn.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "commands.h"

namespace napctl {

namespace client = opennap::client;
namespace hr = opennap::hr;
using opennap::HResult;

// ---- connecting -------------------------------------------------------------------------------

ConnArgs& global_conn() {
    static ConnArgs args;
    return args;
}

void add_conn_options(CLI::App* cmd, ConnArgs& a) {
    cmd->add_option("--socket", a.socket,
                    std::string("The napagent socket (default: $") + kSocketEnv + ", else " +
                        kDefaultSocket + ")");
    cmd->add_option("--timeout", a.timeout,
                    "Seconds to wait for the daemon to accept the connection (default 5)")
        ->check(CLI::Range(0.0, 3600.0));
}

std::string socket_path(const ConnArgs& a) {
    if (!a.socket.empty())
        return a.socket;
    if (!global_conn().socket.empty())
        return global_conn().socket;
    if (const char* env = std::getenv(kSocketEnv); env != nullptr && *env != '\0')
        return env;
    return kDefaultSocket;
}

double timeout_seconds(const ConnArgs& a) {
    if (a.timeout >= 0)
        return a.timeout;
    if (global_conn().timeout >= 0)
        return global_conn().timeout;
    return 5.0;
}

// Why connect(2) to `path` fails now, for the "cannot reach" message.
std::string probe(const std::string& path) {
    sockaddr_un addr{};
    if (path.size() >= sizeof addr.sun_path)
        return "the socket path is longer than " + std::to_string(sizeof addr.sun_path - 1) +
               " bytes";
    const int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return std::strerror(errno);
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.data(), path.size());
    std::string why;
    if (::connect(s, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
        why = std::strerror(errno);
    else
        why = "the daemon accepts connections but did not answer";
    ::close(s);
    return why;
}

int unreachable(const std::string& path, std::string_view why) {
    std::cerr << "napctl: cannot reach the NAP agent at " << path << ": " << why
              << " (is napagent running?)\n";
    return kExitUnreachable;
}

// Connects to the daemon; nullopt (after printing why) when it does not answer in time.
std::optional<Agent> connect(const ConnArgs& a, int& exit_code) {
    // The client library logs rarely (a malformed frame, a failed re-bind); keep stdout clean.
    spdlog::set_default_logger(spdlog::stderr_logger_st("napctl"));
    spdlog::set_level(spdlog::level::warn);
    Agent out;
    out.path = socket_path(a);
    client::RemoteOptions o;
    o.socket_path = out.path;
    o.client_name = "napctl";
    o.reconnect_min = std::chrono::milliseconds(20);
    o.reconnect_max = std::chrono::milliseconds(250);
    o.call_timeout = std::chrono::seconds(10);
    o.callback_threads = 1;
    out.remote = client::RemoteAgent::connect(o);
    const auto wait =
        std::chrono::milliseconds(static_cast<long long>(timeout_seconds(a) * 1000.0));
    if (!out.remote->wait_connected(wait)) {
        exit_code = unreachable(out.path, probe(out.path));
        return std::nullopt;
    }
    return out;
}

// ---- HRESULTs ---------------------------------------------------------------------------------

// "E_ACCESSDENIED: access denied (0x80070005)"; unknown codes as opennap::to_string().
std::string describe(HResult h) {
    const std::string_view n = opennap::name(h);
    if (n.empty())
        return opennap::to_string(h);
    char bits[16];
    std::snprintf(bits, sizeof bits, "0x%08X", h.bits());
    return std::string(n) + ": " + std::string(opennap::message(h)) + " (" + bits + ")";
}

bool is_transport_failure(HResult h) {
    return h == hr::RPC_E_DISCONNECTED || h == hr::ERROR_TIMEOUT;
}

// Prints a failed call and returns its exit code.
int failed(const Agent& a, const std::string& what, HResult h) {
    if (is_transport_failure(h))
        return unreachable(a.path, describe(h));
    std::cerr << "napctl: " << what << ": " << describe(h) << '\n';
    return h == hr::E_ACCESSDENIED ? kExitAccessDenied : kExitAgentError;
}

int usage(const std::string& message) {
    std::cerr << "napctl: " << message << "\nRun 'napctl --help' for usage.\n";
    return kExitUsage;
}

bool write_stdout(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return std::fflush(stdout) == 0 && std::ferror(stdout) == 0;
}

int print(const std::string& text) {
    if (!write_stdout(text)) {
        std::cerr << "napctl: standard output: " << std::strerror(errno) << '\n';
        return kExitIo;
    }
    return kExitOk;
}

// ---- ids and names ----------------------------------------------------------------------------

// A component id: decimal, or hex after 0x / 0X; 0..0xFFFFFFFF.
std::optional<std::uint32_t> parse_id(std::string_view s) {
    int base = 10;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s.remove_prefix(2);
        base = 16;
    }
    if (s.empty() || s[0] == '+' || s[0] == '-')
        return std::nullopt;
    std::uint32_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
    if (ec != std::errc{} || end != s.data() + s.size())
        return std::nullopt;
    return v;
}

std::string hex_id(std::uint32_t id) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08X", id);
    return buf;
}

}  // namespace napctl
