// napsha: OpenNAP's system health agents (docs/linux-sha.md) as a daemon. Binds the
// security-center SHA and the Linux SHA to napagent through the client library, measures with
// the checks of docs/checks.md, re-measures on a timer and on events (checks::ChangeMonitor) and
// calls NotifySoHChange only for the SHA whose SoH changed. `--measure` prints one measurement
// and exits.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <toml++/toml.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "opennap/agent/client_management.h"
#include "opennap/agent/health_agent.h"
#include "opennap/checks/config.h"
#include "opennap/checks/fixup.h"
#include "opennap/checks/measure.h"
#include "opennap/checks/monitor.h"
#include "opennap/client/remote_agent.h"
#include "opennap/core/hresult.h"
#include "opennap/shas/health_agents.h"

namespace {

using namespace opennap;
using shas::Which;

constexpr const char* kVersion = "1.0";
constexpr const char* kDefaultConfig = "/etc/opennap/agent.toml";
constexpr const char* kDefaultSocket = "/run/opennap/agent.sock";

std::atomic<bool> g_stop{false};

void on_signal(int) {
    g_stop = true;
}

std::string hex32(std::uint32_t v) {
    char b[16];
    std::snprintf(b, sizeof b, "0x%08X", v);
    return b;
}

struct Loaded {
    checks::ChecksConfig checks;
    std::string socket = kDefaultSocket;
    bool file_absent = false;
};

// The agent's TOML: [checks] for us, [daemon] socket to find napagent; the rest is napagent's.
std::optional<Loaded> load(const std::string& path) {
    Loaded out;
    std::ifstream in(path);
    if (!in) {
        if (access(path.c_str(), F_OK) == 0) {
            std::fprintf(stderr, "napsha: %s: cannot be read\n", path.c_str());
            return std::nullopt;
        }
        out.file_absent = true;
        return out;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto cfg = checks::parse_checks_config(text.str(), path);
    if (!cfg) {
        for (const auto& e : cfg.error())
            std::fprintf(stderr, "napsha: %s\n", e.to_string().c_str());
        return std::nullopt;
    }
    out.checks = std::move(*cfg);
    try {
        const toml::table doc = toml::parse(text.str(), path);
        if (auto s = doc["daemon"]["socket"].value<std::string>())
            out.socket = *s;
    } catch (const std::exception&) {
        // parse_checks_config already reported syntax errors
    }
    return out;
}

int measure_once(const checks::ChecksConfig& cfg, bool json) {
    checks::HealthChecks hc(cfg);
    const checks::Report r = hc.measure(checks::kAllChecks);
    shas::ShaOptions o;
    o.security_center_id = cfg.security_center_id;
    o.linux_id = cfg.linux_sha_id;
    o.version = kVersion;
    o.wsha = cfg.wsha;
    shas::HealthAgents agents(o, nullptr, nullptr);
    (void)agents.update(r);
    const auto size = [](const SoH& s) {
        std::size_t n = 0;
        for (const auto& a : s.attributes)
            n += 4 + a.value.size();
        return n;
    };
    if (json) {
        nlohmann::json j;
        j["elapsed_us"] = r.elapsed.count();
        j["checks"] = nlohmann::json::array();
        for (const auto& c : r.summary()) {
            if (!c.measured)
                continue;
            j["checks"].push_back({{"check", std::string(checks::to_string(c.id))},
                                   {"status", std::string(checks::to_string(c.status))},
                                   {"elapsed_us", c.elapsed.count()},
                                   {"reason", c.reason}});
        }
        j["shas"] = nlohmann::json::array();
        for (Which w : {Which::SecurityCenter, Which::Linux}) {
            j["shas"].push_back({{"sha", std::string(shas::to_string(w))},
                                 {"id", hex32(agents.id(w))},
                                 {"soh_bytes", size(agents.soh(w))}});
        }
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }
    std::printf("%-18s %-15s %10s  %s\n", "check", "status", "time", "reason");
    for (const auto& c : r.summary()) {
        if (!c.measured)
            continue;
        std::printf("%-18s %-15s %7.2f ms  %s\n", std::string(checks::to_string(c.id)).c_str(),
                    std::string(checks::to_string(c.status)).c_str(),
                    static_cast<double>(c.elapsed.count()) / 1000.0, c.reason.c_str());
    }
    std::printf("total %.2f ms\n", static_cast<double>(r.elapsed.count()) / 1000.0);
    for (Which w : {Which::SecurityCenter, Which::Linux}) {
        std::printf("%s SHA %s: SoH entry of %zu bytes\n", std::string(shas::to_string(w)).c_str(),
                    hex32(agents.id(w)).c_str(), size(agents.soh(w)));
    }
    return 0;
}

// Registration and binding of both SHAs, retried until they hold.
class Bindings {
  public:
    Bindings(std::shared_ptr<client::RemoteAgent> agent, shas::HealthAgents& shas, bool do_register)
        : agent_(std::move(agent)), shas_(shas), register_(do_register) {}

    // Registers (if asked) and binds what is not bound (calling NotifySoHChange for it); true
    // when both are bound. `renotify`: NotifySoHChange for those that were bound already, too.
    bool ensure(bool renotify = false) {
        bool all = true;
        for (Which w : {Which::SecurityCenter, Which::Linux}) {
            auto& b = slot(w);
            if (b) {
                if (renotify)
                    notify(w);
                continue;
            }
            const std::uint32_t id = shas_.id(w);
            if (register_) {
                NapComponentRegistrationInfo info;
                info.id = id;
                info.friendly_name = w == Which::SecurityCenter ? u"OpenNAP Security Center SHA"
                                                                : u"OpenNAP Linux SHA";
                info.vendor_name = u"OpenNAP";
                info.version = u"1.0";
                const auto s = agent::ClientManagement(agent_).register_system_health_agent(info);
                if (s != hr::S_OK && s != hr::NAP_E_CONFLICTING_ID) {
                    warn_once(w, "register", s);
                    all = false;
                    continue;
                }
            }
            auto bound = agent::HealthAgentBinding::initialize(agent_, id, shas_.callback(w));
            if (!bound) {
                warn_once(w, "bind", bound.error());
                all = false;
                continue;
            }
            b.emplace(std::move(*bound));
            spdlog::info("{} SHA {} bound to napagent", shas::to_string(w), hex32(id));
            notify(w);
        }
        return all;
    }

    void notify(Which w) {
        auto& b = slot(w);
        if (!b)
            return;
        const auto s = b->notify_soh_change();
        if (s == hr::S_OK) {
            spdlog::info("{} SHA: NotifySoHChange", shas::to_string(w));
        } else {
            spdlog::warn("{} SHA: NotifySoHChange failed: {}", shas::to_string(w), to_string(s));
            if (s == hr::NAP_E_NOT_REGISTERED || s == hr::NAP_E_NOT_INITIALIZED)
                b.reset();  // bound again by ensure()
        }
    }

    void unbind() {
        for (auto& b : slots_) {
            if (b)
                (void)b->uninitialize();
            b.reset();
        }
    }

  private:
    std::optional<agent::HealthAgentBinding>& slot(Which w) {
        return slots_[static_cast<std::size_t>(w)];
    }
    void warn_once(Which w, const char* what, HResult s) {
        auto& last = last_error_[static_cast<std::size_t>(w)];
        if (last == s)
            return;
        last = s;
        spdlog::warn("{} SHA {}: cannot {} yet: {} (retrying)", shas::to_string(w),
                     hex32(shas_.id(w)), what, to_string(s));
    }

    std::shared_ptr<client::RemoteAgent> agent_;
    shas::HealthAgents& shas_;
    bool register_;
    std::optional<agent::HealthAgentBinding> slots_[2];
    HResult last_error_[2] = {hr::S_OK, hr::S_OK};
};

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"napsha: OpenNAP's system health agents (security center and Linux)"};
    std::string config_path = kDefaultConfig;
    std::string socket_override;
    bool measure = false;
    bool json = false;
    bool no_register = false;
    bool verbose = false;
    app.add_option("-c,--config", config_path,
                   "the agent's configuration file (TOML; napsha reads [checks] and "
                   "daemon.socket)");
    app.add_option("-s,--socket", socket_override, "napagent's socket (overrides daemon.socket)");
    app.add_flag("--measure", measure, "measure once, print every check with its time, and exit");
    app.add_flag("--json", json, "with --measure: print JSON");
    app.add_flag("--no-register", no_register,
                 "do not register the SHAs (an administrator registered them)");
    app.add_flag("-v,--verbose", verbose, "debug logging");
    CLI11_PARSE(app, argc, argv);

    auto cfg = load(config_path);
    if (!cfg)
        return 2;
    if (measure)
        return measure_once(cfg->checks, json);

    auto logger = spdlog::stderr_color_mt("napsha");
    spdlog::set_default_logger(logger);
    spdlog::set_pattern(::isatty(2) ? "%Y-%m-%d %H:%M:%S.%e %^%l%$ %v" : "<%l> %v");
    spdlog::set_level(verbose ? spdlog::level::debug : spdlog::level::info);
    if (cfg->file_absent)
        spdlog::info("{} does not exist: running on the built-in defaults", config_path);
    if (!socket_override.empty())
        cfg->socket = socket_override;

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGPIPE, SIG_IGN);

    const checks::ChecksConfig& cc = cfg->checks;
    shas::ShaOptions o;
    o.security_center_id = cc.security_center_id;
    o.linux_id = cc.linux_sha_id;
    o.version = kVersion;
    o.wsha = cc.wsha;
    auto fixups = std::make_unique<checks::FixupRunner>(cc.fixup, cc.bus);
    shas::HealthAgents agents(o, std::move(fixups), [](shas::LogLevel l, const std::string& m) {
        if (l == shas::LogLevel::Warn)
            spdlog::warn("{}", m);
        else if (l == shas::LogLevel::Debug)
            spdlog::debug("{}", m);
        else
            spdlog::info("{}", m);
    });

    checks::HealthChecks hc(cc);
    bool changed[2] = {false, false};
    checks::ChangeMonitor monitor(hc, [&](const checks::Report& r) {
        const auto [wsha, linux_changed] = agents.update(r);
        changed[0] = changed[0] || wsha;
        changed[1] = changed[1] || linux_changed;
        spdlog::info("state changed (security center {}, linux {}); measured in {} us",
                     wsha ? "changed" : "same", linux_changed ? "changed" : "same",
                     r.elapsed.count());
    });
    monitor.start();
    for (const auto& e : monitor.watch_errors())
        spdlog::warn("change watcher unavailable (the timer covers it): {}", e.to_string());
    (void)agents.update(monitor.last());
    for (const auto& c : monitor.last().summary()) {
        if (c.measured)
            spdlog::info("{}: {} ({} us) {}", checks::to_string(c.id), checks::to_string(c.status),
                         c.elapsed.count(), c.reason);
    }
    spdlog::info("first measurement in {} us; SHAs {} (security center) and {} (linux)",
                 monitor.last().elapsed.count(), hex32(o.security_center_id), hex32(o.linux_id));

    client::RemoteOptions ro;
    ro.socket_path = cfg->socket;
    ro.client_name = "napsha";
    ro.reconnect_max = std::chrono::milliseconds(2000);
    auto remote = client::RemoteAgent::connect(ro);
    Bindings bindings(remote, agents, !no_register);
    spdlog::info("napsha {} on {} (interval {} s)", kVersion, cfg->socket, cc.interval.count());

    // Bound once the client library has connected (the generation changes from 0).
    std::uint64_t generation = 0;
    bool bound = false;
    auto next_try = std::chrono::steady_clock::now();
    while (!g_stop) {
        (void)monitor.poll_once(std::chrono::milliseconds(500));
        const auto now = std::chrono::steady_clock::now();
        if (remote->generation() != generation) {
            // napagent came back: the client library re-bound the SHAs; tell it the SoHs again.
            generation = remote->generation();
            spdlog::info("napagent connection (re-)established");
            bound = bindings.ensure(/*renotify=*/true);
        } else if (!bound && now >= next_try && remote->connected()) {
            bound = bindings.ensure();
            next_try = now + std::chrono::seconds(1);
        }
        for (Which w : {Which::SecurityCenter, Which::Linux}) {
            auto& c = changed[static_cast<std::size_t>(w)];
            if (c) {
                c = false;
                bindings.notify(w);
            }
        }
    }
    spdlog::info("stopping");
    bindings.unbind();
    return 0;
}
