// napagent: the NAP agent as a system service (docs/napagent.md). Serves the agent core on a
// Unix socket to enforcement clients, system health agents and management tools.
//
//   napagent [--config FILE] [--socket PATH] [--check-config]
//
// Exit codes: 0 stopped by SIGTERM/SIGINT; 1 could not start (socket); 2 bad configuration;
// 3 the state store cannot be used (docs/napagent.md, "Persistence").
#include <signal.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "opennap/agent/agent.h"
#include "opennap/agent/clock.h"
#include "opennap/agentd/config.h"
#include "opennap/agentd/names.h"
#include "opennap/agentd/server.h"
#include "opennap/agentd/store.h"

namespace {

spdlog::level::level_enum to_spdlog(opennap::agentd::LogLevel l) {
    using L = opennap::agentd::LogLevel;
    switch (l) {
        case L::trace:
            return spdlog::level::trace;
        case L::debug:
            return spdlog::level::debug;
        case L::info:
            return spdlog::level::info;
        case L::warn:
            return spdlog::level::warn;
        case L::error:
            return spdlog::level::err;
    }
    return spdlog::level::info;
}

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0)
        return "localhost";
    return buf;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"napagent: the OpenNAP NAP agent service"};
    std::string config_path(opennap::agentd::kDefaultConfigPath);
    std::string socket_override;
    bool check_only = false;
    app.add_option("-c,--config", config_path, "configuration file (TOML)");
    app.add_option("-s,--socket", socket_override, "socket path (overrides daemon.socket)");
    app.add_flag("--check-config", check_only, "check the configuration and exit");
    CLI11_PARSE(app, argc, argv);

    // journald adds its own time stamps; stderr is what systemd captures.
    auto logger = spdlog::stderr_color_mt("napagent");
    spdlog::set_default_logger(logger);
    spdlog::set_pattern(::isatty(2) ? "%Y-%m-%d %H:%M:%S.%e %^%l%$ %v" : "<%l> %v");

    opennap::agentd::SystemNameResolver names;
    auto cfg = opennap::agentd::load_config(config_path, names);
    if (!cfg) {
        std::fprintf(stderr, "napagent: %s\n", cfg.error().to_string().c_str());
        return 2;
    }
    if (check_only) {
        std::printf("napagent: %s: configuration is valid%s\n", config_path.c_str(),
                    cfg->defaults_used ? " (file absent: built-in defaults)" : "");
        return 0;
    }
    spdlog::set_level(to_spdlog(cfg->daemon.log_level));
    if (cfg->defaults_used)
        spdlog::info("{} does not exist: running on the built-in defaults", config_path);
    if (!socket_override.empty())
        cfg->daemon.socket = socket_override;

    // The persisted state, restored before anyone can connect. A corrupt database has been moved
    // aside (the daemon starts empty); an unreadable one stops the daemon.
    auto opened = opennap::agentd::open_state(cfg->daemon.state_dir);
    if (!opened) {
        spdlog::error("cannot use the state store: {}", opened.error().to_string());
        return 3;
    }
    if (opened->recovered_from) {
        spdlog::error("{}; moved to {}; starting with an empty state",
                      opened->recovered_from->to_string(),
                      opened->moved_to ? opened->moved_to->string() : std::string("?"));
    }

    opennap::agent::MachineFacts machine;
    machine.machine_name = cfg->agent.machine_name.empty() ? host_name() : cfg->agent.machine_name;
    opennap::agent::AgentConfig agent_config = opennap::agentd::to_agent_config(*cfg, machine);
    agent_config.observer = opened->store;
    auto agent = std::make_shared<opennap::agent::Agent>(
        std::move(agent_config), std::make_shared<opennap::agent::SystemClock>());
    if (const auto s = agent->restore(opened->state); s != opennap::hr::S_OK) {
        spdlog::error("{}: the stored state cannot be restored ({}); see the line above",
                      opened->store->path().string(), opennap::to_string(s));
        return 3;
    }
    spdlog::info("restored {} from {}", opennap::agentd::describe(opened->state),
                 opened->store->path().string());

    opennap::agentd::ServerOptions opt;
    opt.socket_path = cfg->daemon.socket;
    opt.socket_mode = cfg->daemon.socket_mode;
    opt.access = cfg->access;
    opt.workers = cfg->daemon.workers;
    const auto& l = cfg->limits;
    opt.limits.max_frame_size = l.max_frame_size;
    opt.limits.max_clients = l.max_clients;
    opt.limits.per_client_connections = l.per_client_connections;
    opt.limits.per_client_calls_in_flight = l.per_client_calls_in_flight;
    opt.limits.per_client_pending_callbacks = l.per_client_pending_callbacks;
    opt.limits.max_soh_size = l.max_soh_size;
    opt.limits.callback_timeout = l.callback_timeout;
    opt.limits.callback_timeouts_before_unbind = l.callback_timeouts_before_unbind;

    // Signals are taken by a thread of their own (sigwait), never by a handler.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);

    opennap::agentd::Server server(std::move(opt), agent);
    if (sd_listen_fds(1) == 1) {
        server.adopt(SD_LISTEN_FDS_START);
        spdlog::info("listening on the socket systemd passed");
    } else if (auto r = server.listen(); !r) {
        spdlog::error("cannot listen: {}", r.error());
        return 1;
    } else {
        spdlog::info("listening on {}", cfg->daemon.socket.string());
    }

    std::thread signals([&server, &opened, set] {
        int sig = 0;
        while (sigwait(&set, &sig) == 0) {
            if (sig == SIGPIPE)
                continue;
            spdlog::info("signal {}: stopping", sig);
            sd_notify(0, "STOPPING=1");
            // Closing the sessions unbinds their clients and drops their connections: that is
            // the daemon going away, not the machine's state changing. Keep the stored state.
            opened->store->close();
            server.stop();
            return;
        }
    });
    sd_notify(0, "READY=1\nSTATUS=serving");
    server.run();
    // run() returned: make the signal thread return too if stop() came from elsewhere.
    if (signals.joinable()) {
        pthread_kill(signals.native_handle(), SIGTERM);
        signals.join();
    }
    spdlog::info("stopped");
    return 0;
}
