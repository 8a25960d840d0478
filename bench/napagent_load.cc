// napagent_load: a load generator for the napagent daemon (docs/benchmarks.md).
//
// Starts napagent on a private socket (or uses a running one), registers 5 SHAs that answer from
// their cached SoH and N enforcement clients, then has each EC client (its own socket, its own
// thread) run full exchanges for a while:
//   CreateConnection, SetConnectionId, GetSoHRequest, read the SoH request, SetSoHResponse,
//   ProcessSoHResponse, read the isolation state, NotifyConnectionStateDown, release.
// Prints exchanges per second, GetSoHRequest latency percentiles, and the daemon's RSS; with
// --idle-connections K it then opens K connections and reports the RSS again.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "opennap/agent/client_management.h"
#include "opennap/agent/enforcement_client.h"
#include "opennap/agent/health_agent.h"
#include "opennap/client/remote_agent.h"
#include "opennap/soh/attributes.h"
#include "opennap/soh/message.h"

namespace {

using namespace opennap;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Options {
    std::string napagent;  // path of the daemon to start; empty: use --socket as is
    std::string socket = "/tmp/napagent-load/agent.sock";
    int clients = 8;
    int threads_per_client = 1;  // threads driving each EC client (one binding, one socket)
    int shas = 5;
    double seconds = 5;
    int idle_connections = 0;
};

class CachedSha : public agent::HealthAgentCallback {
  public:
    explicit CachedSha(SystemHealthEntityId id) {
        auto a = soh::attr::make_system_health_id(id);
        soh_.attributes.push_back({a.type, a.value});
        auto h = soh::attr::make_health_class(0);
        soh_.attributes.push_back({h.type, h.value});
        // Some payload, as a real SHA would send (about 60 bytes per SHA).
        soh_.attributes.push_back({0x0009u, std::vector<std::uint8_t>(48, 0x5A)});
    }
    agent::Status get_soh_request(agent::ShaRequest& r) override {
        return r.set_soh_request(soh_, true);
    }
    agent::Status process_soh_response(agent::ShaRequest&) override { return hr::S_OK; }
    agent::Status notify_system_isolation_state_change() override { return hr::S_OK; }
    agent::Result<FixupInfo> get_fixup_info() override {
        return FixupInfo{FixupState::Success, 100, {}, 0};
    }
    agent::Status notify_orphaned_soh_request(const CorrelationId&) override { return hr::S_OK; }

  private:
    SoH soh_;
};

class QuietEc : public agent::EnforcementClientCallback {
  public:
    agent::Status notify_soh_change() override { return hr::S_OK; }
    agent::Result<std::vector<std::shared_ptr<agent::Connection>>> get_connections() override {
        return std::vector<std::shared_ptr<agent::Connection>>{};
    }
};

NetworkSoH make_response(const CorrelationId& corr, const std::vector<SystemHealthEntityId>& ids) {
    soh::Message m;
    m.mode = soh::ModeSubHeader{};
    m.mode->correlation_id = corr.to_bytes();
    m.mode->intent = soh::kIntentResponse;
    m.system.items.emplace_back(soh::PacketInfo{soh::kPacketInfoResponse});
    m.system.items.emplace_back(soh::MsCorrelationId{m.mode->correlation_id});
    m.system.items.emplace_back(soh::QuarantineState{
        soh::quarantine_flags::make(static_cast<std::uint8_t>(IsolationState::NotRestricted), 0),
        FileTime{FileTime::kNone}, std::string(1, '\0')});
    for (auto id : ids) {
        soh::ReportEntry e{id, {}};
        const std::uint32_t ok = 0;
        e.attributes.push_back(
            soh::attr::make_compliance_result_codes(std::span<const std::uint32_t>(&ok, 1)));
        m.entries.push_back(std::move(e));
    }
    return NetworkSoH{*soh::encode(m)};
}

// CPU time (user + system) a process has used, in seconds (/proc/PID/stat fields 14 and 15).
double cpu_seconds(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = all.rfind(')');
    if (close == std::string::npos)
        return 0;
    std::istringstream rest(all.substr(close + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14 || i == 15)
            ticks += std::strtod(field.c_str(), nullptr);
    }
    return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

pid_t g_daemon = -1;  // the daemon this tool started, stopped on the way out

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "napagent_load: %s\n", what.c_str());
    if (g_daemon > 0) {
        ::kill(g_daemon, SIGTERM);
        ::waitpid(g_daemon, nullptr, 0);
    }
    std::exit(1);
}

// The SoH response, encoded once: an EC gets it from the network as bytes, so building it is the
// server's work, not part of an exchange's cost here. Each exchange patches its correlation id in.
class ResponseTemplate {
  public:
    explicit ResponseTemplate(const std::vector<SystemHealthEntityId>& ids) {
        CorrelationId marker;
        marker.conn_id.data1 = 0xA1A2A3A4u;
        marker.conn_id.data2 = 0xB1B2;
        marker.conn_id.data3 = 0xC1C2;
        for (std::size_t i = 0; i < 8; ++i)
            marker.conn_id.data4[i] = static_cast<std::uint8_t>(0xD0 + i);
        marker.time_stamp.ticks = 0x0123456789ABCDEFull;
        bytes_ = make_response(marker, ids).data;
        const auto m = marker.to_bytes();
        for (std::size_t at = 0; at + m.size() <= bytes_.size(); ++at) {
            if (std::equal(m.begin(), m.end(), bytes_.begin() + static_cast<std::ptrdiff_t>(at)))
                offsets_.push_back(at);
        }
        if (offsets_.empty())
            die("response template: correlation id not found");
    }
    NetworkSoH for_request(const CorrelationId& corr) const {
        NetworkSoH out{bytes_};
        const auto c = corr.to_bytes();
        for (auto at : offsets_)
            std::copy(c.begin(), c.end(), out.data.begin() + static_cast<std::ptrdiff_t>(at));
        return out;
    }

  private:
    std::vector<std::uint8_t> bytes_;
    std::vector<std::size_t> offsets_;
};

long rss_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0)
            return std::strtol(line.c_str() + 6, nullptr, 10);
    }
    return -1;
}

NapComponentRegistrationInfo reg(NapComponentId id, const char* name) {
    NapComponentRegistrationInfo r;
    r.id = id;
    r.friendly_name = utf8_to_utf16(name);
    r.vendor_name = u"OpenNAP";
    r.version = u"1.0";
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc)
                die("missing value for " + a);
            return argv[++i];
        };
        if (a == "--napagent")
            opt.napagent = next();
        else if (a == "--socket")
            opt.socket = next();
        else if (a == "--clients")
            opt.clients = std::stoi(next());
        else if (a == "--threads-per-client")
            opt.threads_per_client = std::stoi(next());
        else if (a == "--shas")
            opt.shas = std::stoi(next());
        else if (a == "--seconds")
            opt.seconds = std::stod(next());
        else if (a == "--idle-connections")
            opt.idle_connections = std::stoi(next());
        else
            die("unknown option " + a +
                " (--napagent PATH --socket PATH --clients N --threads-per-client T --shas N "
                "--seconds S --idle-connections K)");
    }

    pid_t daemon = -1;
    if (!opt.napagent.empty()) {
        const std::string dir = "/tmp/napagent-load-" + std::to_string(::getpid());
        std::filesystem::create_directories(dir);
        opt.socket = dir + "/agent.sock";
        {
            std::ofstream cfg(dir + "/agent.toml");
            cfg << "[daemon]\nsocket = \"" << opt.socket << "\"\nstate_dir = \"" << dir
                << "/state\"\nlog_level = \"warn\"\n[limits]\nper_client_connections = "
                << std::max(1024, opt.idle_connections) << "\nmax_clients = 1024\n";
        }
        daemon = ::fork();
        if (daemon == 0) {
            ::execl(opt.napagent.c_str(), "napagent", "--config", (dir + "/agent.toml").c_str(),
                    static_cast<char*>(nullptr));
            std::_Exit(127);
        }
        g_daemon = daemon;
    }
    if (opt.clients < 1 || opt.clients > 20)
        die("--clients must be 1..20 (the NAP agent has room for 20 enforcement clients)");
    if (opt.threads_per_client < 1)
        die("--threads-per-client must be at least 1");

    client::RemoteOptions ro;
    ro.socket_path = opt.socket;
    ro.client_name = "napagent_load";
    auto admin = client::RemoteAgent::connect(ro);
    if (!admin->wait_connected(10s))
        die("cannot connect to " + opt.socket);
    agent::ClientManagement mgmt(admin);
    std::vector<SystemHealthEntityId> sha_ids;
    for (int i = 0; i < opt.shas; ++i) {
        sha_ids.push_back(0x00013800u + static_cast<unsigned>(i));
        (void)mgmt.register_system_health_agent(reg(sha_ids.back(), "load SHA"));
    }
    for (int i = 0; i < opt.clients; ++i)
        (void)mgmt.register_enforcement_client(reg(0x00013900u + static_cast<unsigned>(i), "EC"));

    // Each SHA in its own client connection, as separate SHA processes would be.
    std::vector<std::shared_ptr<client::RemoteAgent>> sha_agents;
    std::vector<agent::HealthAgentBinding> sha_bindings;
    for (auto id : sha_ids) {
        sha_agents.push_back(client::RemoteAgent::connect(ro));
        sha_agents.back()->wait_connected(10s);
        auto b = agent::HealthAgentBinding::initialize(sha_agents.back(), id,
                                                       std::make_shared<CachedSha>(id));
        if (!b)
            die("SHA bind: " + to_string(b.error()));
        sha_bindings.push_back(std::move(*b));
    }
    const ResponseTemplate response(sha_ids);

    std::atomic<bool> go{false}, stop{false};
    std::atomic<long> exchanges{0}, failures{0};
    const int nthreads = opt.clients * opt.threads_per_client;
    std::vector<std::vector<std::uint32_t>> lat(static_cast<std::size_t>(nthreads));
    std::vector<std::shared_ptr<client::RemoteAgent>> ec_agents;
    std::vector<agent::EnforcementClientBinding> ec_bindings;
    for (int i = 0; i < opt.clients; ++i) {
        ec_agents.push_back(client::RemoteAgent::connect(ro));
        ec_agents.back()->wait_connected(10s);
        auto b = agent::EnforcementClientBinding::initialize(
            ec_agents.back(), 0x00013900u + static_cast<unsigned>(i), std::make_shared<QuietEc>());
        if (!b)
            die("EC bind: " + to_string(b.error()));
        ec_bindings.push_back(std::move(*b));
    }
    std::vector<std::thread> threads;
    for (int i = 0; i < nthreads; ++i) {
        threads.emplace_back([&, i] {
            auto& eb = ec_bindings[static_cast<std::size_t>(i % opt.clients)];
            auto& l = lat[static_cast<std::size_t>(i)];
            l.reserve(1 << 20);
            std::uint32_t n = 0;
            while (!go.load())
                std::this_thread::yield();
            while (!stop.load()) {
                auto conn = eb.create_connection();
                if (!conn) {
                    ++failures;
                    continue;
                }
                Guid id{};
                id.data1 = static_cast<std::uint32_t>(i + 1);
                id.data2 = static_cast<std::uint16_t>(n >> 16);
                id.data3 = static_cast<std::uint16_t>(n++);
                bool ok = (*conn)->set_connection_id(id).succeeded();
                const auto t0 = Clock::now();
                auto r = eb.get_soh_request(**conn);
                const auto t1 = Clock::now();
                l.push_back(static_cast<std::uint32_t>(
                    std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count()));
                ok = ok && r.has_value();
                auto request = (*conn)->soh_request();
                auto corr = (*conn)->correlation_id();
                ok = ok && request.has_value() && corr.has_value();
                if (ok) {
                    ok = (*conn)->set_soh_response(response.for_request(*corr)).succeeded() &&
                         eb.process_soh_response(**conn).succeeded();
                    auto iso = (*conn)->isolation_info();
                    ok = ok && iso && iso->isolation_state == IsolationState::NotRestricted;
                }
                ok = eb.notify_connection_state_down(**conn).succeeded() && ok;
                if (ok)
                    ++exchanges;
                else
                    ++failures;
            }
        });
    }
    const double daemon_cpu0 = daemon > 0 ? cpu_seconds(daemon) : 0;
    const double cpu0 = cpu_seconds(::getpid()) + daemon_cpu0;
    const auto start = Clock::now();
    go = true;
    std::this_thread::sleep_for(std::chrono::duration<double>(opt.seconds));
    stop = true;
    for (auto& t : threads)
        t.join();
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    const double daemon_cpu = daemon > 0 ? cpu_seconds(daemon) - daemon_cpu0 : 0;
    const double cpu = cpu_seconds(::getpid()) + (daemon > 0 ? cpu_seconds(daemon) : 0) - cpu0;

    std::vector<std::uint32_t> all;
    for (auto& l : lat)
        all.insert(all.end(), l.begin(), l.end());
    std::sort(all.begin(), all.end());
    auto pct = [&](double p) -> std::uint32_t {
        if (all.empty())
            return 0;
        return all[std::min(all.size() - 1,
                            static_cast<std::size_t>(p * static_cast<double>(all.size())))];
    };
    std::printf("clients %d x %d threads, SHAs %d, %.1f s: %ld exchanges (%.0f/s), %ld failed\n",
                opt.clients, opt.threads_per_client, opt.shas, secs, exchanges.load(),
                static_cast<double>(exchanges.load()) / secs, failures.load());
    std::printf("GetSoHRequest latency: p50 %u us, p90 %u us, p99 %u us, max %u us\n", pct(0.5),
                pct(0.9), pct(0.99), all.empty() ? 0 : all.back());
    // CPU used by this process (ECs and SHAs) and the daemon per exchange: what the machine
    // could do if nothing else ran (the cores divided by it), a figure that holds up when other
    // work shares the machine.
    if (exchanges.load() > 0) {
        const double per = cpu / static_cast<double>(exchanges.load());
        std::printf(
            "CPU per exchange (clients + daemon): %.1f us (daemon %.1f us), i.e. %.0f "
            "exchanges/s on %ld cores\n",
            per * 1e6, daemon_cpu / static_cast<double>(exchanges.load()) * 1e6,
            static_cast<double>(::sysconf(_SC_NPROCESSORS_ONLN)) / per,
            ::sysconf(_SC_NPROCESSORS_ONLN));
    }
    if (daemon > 0)
        std::printf("daemon RSS after the run: %ld KiB\n", rss_kib(daemon));

    if (opt.idle_connections > 0 && daemon > 0) {
        std::vector<std::shared_ptr<agent::Connection>> idle;
        idle.reserve(static_cast<std::size_t>(opt.idle_connections));
        for (int k = 0; k < opt.idle_connections; ++k) {
            auto& eb = ec_bindings[static_cast<std::size_t>(k % opt.clients)];
            auto conn = eb.create_connection();
            if (!conn)
                die("idle connection " + std::to_string(k) + ": " + to_string(conn.error()));
            Guid id{};
            id.data1 = 0xFFFF0000u + static_cast<std::uint32_t>(k);
            (void)(*conn)->set_connection_id(id);
            idle.push_back(std::move(*conn));
        }
        std::printf("daemon RSS with %d live connections: %ld KiB\n", opt.idle_connections,
                    rss_kib(daemon));
    }

    ec_bindings.clear();
    sha_bindings.clear();
    ec_agents.clear();
    sha_agents.clear();
    admin.reset();
    if (daemon > 0) {
        ::kill(daemon, SIGTERM);
        int st = 0;
        ::waitpid(daemon, &st, 0);
    }
    return 0;
}
