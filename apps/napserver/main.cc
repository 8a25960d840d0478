// napserver: the OpenNAP health policy server (docs/napserver.md). Reads server.toml, opens the
// audit store, serves RADIUS, reloads on SIGHUP, stops cleanly on SIGTERM / SIGINT (what is in
// flight is answered and every audit record is written).
#include <signal.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "opennap/metrics/http_server.h"
#include "opennap/policy/config.h"
#include "opennap/serverd/nap_server.h"
#include "opennap/shvs/linux_shv.h"
#include "opennap/shvs/wshv.h"
#include "opennap/store/pg_store.h"
#include "opennap/store/sqlite_store.h"

namespace {

namespace policy = opennap::policy;

spdlog::level::level_enum to_spdlog(policy::LogLevel l) {
    switch (l) {
        case policy::LogLevel::trace:
            return spdlog::level::trace;
        case policy::LogLevel::debug:
            return spdlog::level::debug;
        case policy::LogLevel::info:
            return spdlog::level::info;
        case policy::LogLevel::warn:
            return spdlog::level::warn;
        case policy::LogLevel::error:
            return spdlog::level::err;
    }
    return spdlog::level::info;
}

policy::ParseOptions parse_options() {
    static const policy::FileSecretReader secrets;
    policy::ParseOptions o;
    o.secrets = &secrets;
    o.wsha_settings = opennap::shvs::wshv::settings_check();
    o.linux_settings = opennap::shvs::linux_shv::settings_check();
    return o;
}

// Every mistake of the file, one per line; true when there is none.
bool report_mistakes(const std::string& path) {
    std::ifstream in(path);
    if (!in)
        return true;  // load_config() reports an unreadable or absent file
    std::stringstream text;
    text << in.rdbuf();
    const auto errors = policy::check_config(text.str(), path, parse_options());
    for (const auto& e : errors)
        spdlog::error("{}", e.to_string());
    return errors.empty();
}

std::expected<policy::ServerConfig, std::string> load(const std::string& path) {
    if (!report_mistakes(path))
        return std::unexpected(path + ": invalid configuration (the errors are above)");
    auto cfg = policy::load_config(path, parse_options());
    if (!cfg)
        return std::unexpected(cfg.error().to_string());
    return std::move(*cfg);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"napserver: the OpenNAP health policy server (RADIUS)"};
    std::string config_path(policy::kDefaultConfigPath);
    bool check_only = false;
    app.add_option("-c,--config", config_path, "configuration file (TOML)");
    app.add_flag("--check-config", check_only, "check the configuration and exit");
    CLI11_PARSE(app, argc, argv);

    auto logger = spdlog::stderr_color_mt("napserver");
    spdlog::set_default_logger(logger);
    spdlog::set_pattern(::isatty(2) ? "%Y-%m-%d %H:%M:%S.%e %^%l%$ %v" : "<%l> %v");

    auto cfg = load(config_path);
    if (!cfg) {
        spdlog::error("{}", cfg.error());
        return 2;
    }
    if (check_only) {
        std::cout << config_path << ": OK\n";
        return 0;
    }
    spdlog::set_level(to_spdlog(cfg->server.log_level));
    if (cfg->defaults_used)
        spdlog::info("{} does not exist: running on the built-in defaults", config_path);

    // The audit store.
    std::unique_ptr<opennap::store::AuditStore> store;
    if (cfg->audit.store == policy::AuditStore::sqlite) {
        std::error_code ec;
        std::filesystem::create_directories(
            std::filesystem::path(cfg->audit.sqlite_path).parent_path(), ec);
        auto s = opennap::store::open_sqlite_store({.path = cfg->audit.sqlite_path});
        if (!s) {
            spdlog::error("audit store {}: {}", cfg->audit.sqlite_path, s.error().message);
            return 3;
        }
        store = std::move(*s);
        spdlog::info("audit store: SQLite {}", cfg->audit.sqlite_path);
    } else {
        auto s = opennap::store::open_pg_store({.conninfo = cfg->audit.postgresql});
        if (!s) {
            spdlog::error("audit store (PostgreSQL {}): {}",
                          opennap::store::redact_conninfo(cfg->audit.postgresql),
                          s.error().message);
            return 3;
        }
        store = std::move(*s);
        spdlog::info("audit store: PostgreSQL {}",
                     opennap::store::redact_conninfo(cfg->audit.postgresql));
    }
    auto registry = std::make_shared<opennap::metrics::Registry>();
    opennap::store::WriterOptions wo;
    wo.batch_size = cfg->audit.batch_size;
    wo.flush_interval = cfg->audit.flush_interval;
    wo.registry = registry.get();  // the opennap_audit_* series (docs/audit.md)
    auto audit = std::make_shared<opennap::store::AuditWriter>(std::move(store), wo);

    std::unique_ptr<opennap::metrics::MetricsServer> metrics_http;
    if (cfg->metrics.listen) {
        opennap::metrics::HttpOptions ho;
        ho.address = cfg->metrics.listen->address.to_string();
        ho.port = cfg->metrics.listen->port;
        auto m = opennap::metrics::MetricsServer::start(*registry, ho);
        if (!m) {
            spdlog::error("metrics: {}", m.error());
            return 4;
        }
        metrics_http = std::move(*m);
        spdlog::info("metrics on http://{}/metrics", cfg->metrics.listen->to_string());
    }

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);

    const std::size_t shv_count = cfg->shvs.size();
    auto server = opennap::serverd::NapServer::start(std::move(*cfg), audit, registry);
    if (!server) {
        spdlog::error("{}", server.error());
        return 4;
    }
    for (const auto& ep : (*server)->endpoints())
        spdlog::info("RADIUS on {} ({} SHVs)", ep.to_string(), shv_count);
    sd_notify(0, "READY=1\nSTATUS=serving");

    int sig = 0;
    while (sigwait(&set, &sig) == 0) {
        if (sig == SIGPIPE)
            continue;
        if (sig == SIGHUP) {
            sd_notify(0, "RELOADING=1");
            auto next = load(config_path);
            if (!next) {
                spdlog::error("reload refused, the running configuration stays: {}", next.error());
            } else if (auto r = (*server)->reload(std::move(*next)); !r) {
                spdlog::error("reload refused, the running configuration stays: {}", r.error());
            } else {
                for (const auto& w : *r)
                    spdlog::warn("reload: {}", w);
                spdlog::info("configuration reloaded from {}", config_path);
            }
            sd_notify(0, "READY=1");
            continue;
        }
        spdlog::info("signal {}: stopping", sig);
        sd_notify(0, "STOPPING=1");
        break;
    }
    (*server)->stop();
    const auto stats = (*server)->stats();
    const auto lost = audit->stop();
    if (metrics_http)
        metrics_http->stop();
    spdlog::info("stopped: {} requests, {} answers, {} dropped; audit records not written: {}",
                 stats.requests, stats.answered, stats.dropped, lost);
    return lost == 0 ? 0 : 5;
}
