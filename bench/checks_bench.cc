// checks_bench: the cost of a full measurement of both SHAs' checks on this machine, per check,
// and the CPU the change monitor uses while idle. Figures in docs/benchmarks.md.
//
//   checks_bench [runs] [idle-seconds]     (defaults 50 and 20)
//
// Reported: the first measurement in a fresh process with an empty libapt cache directory
// ("cold": libapt builds pkgcache.bin), the first measurement in a new HealthChecks with that
// cache file present ("cache file"), then `runs` measurements with the security-updates memo in
// place ("warm": median and max per check). Idle: a ChangeMonitor with the default timer (300 s)
// and every watcher, polled for `idle-seconds`; CPU from getrusage.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "opennap/checks/measure.h"
#include "opennap/checks/monitor.h"

using namespace opennap::checks;
using Clock = std::chrono::steady_clock;

namespace {

double cpu_seconds() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

void print_report(const char* title, const Report& r) {
    std::printf("%s: total %.2f ms\n", title, static_cast<double>(r.elapsed.count()) / 1000.0);
    for (const auto& l : r.summary()) {
        std::printf("  %-18s %-15s %9.3f ms  %s\n", std::string(to_string(l.id)).c_str(),
                    std::string(to_string(l.status)).c_str(),
                    static_cast<double>(l.elapsed.count()) / 1000.0, l.reason.c_str());
    }
}

}  // namespace

int main(int argc, char** argv) {
    const int runs = argc > 1 ? std::atoi(argv[1]) : 50;
    const int idle_s = argc > 2 ? std::atoi(argv[2]) : 20;
    char tmpl[] = "/tmp/checks-bench-XXXXXX";
    const char* dir = ::mkdtemp(tmpl);
    if (dir == nullptr) {
        return 1;
    }
    ChecksConfig cfg;
    cfg.security_updates.cache_dir = dir;

    {
        HealthChecks cold(cfg);
        print_report("cold (libapt builds its cache)", cold.measure());
    }
    HealthChecks checks(cfg);
    print_report("cache file present (new process state)", checks.measure());

    std::map<CheckId, std::vector<double>> per;
    std::vector<double> totals;
    for (int i = 0; i < runs; ++i) {
        const Report r = checks.measure();
        totals.push_back(static_cast<double>(r.elapsed.count()) / 1000.0);
        for (const auto& l : r.summary()) {
            per[l.id].push_back(static_cast<double>(l.elapsed.count()) / 1000.0);
        }
    }
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    std::printf("warm, %d runs: total median %.2f ms, max %.2f ms\n", runs, median(totals),
                *std::max_element(totals.begin(), totals.end()));
    for (const auto& [id, v] : per) {
        std::printf("  %-18s median %8.3f ms  max %8.3f ms\n", std::string(to_string(id)).c_str(),
                    median(v), *std::max_element(v.begin(), v.end()));
    }

    ChangeMonitor mon(checks, [](const Report&) {});
    mon.start();
    for (const auto& e : mon.watch_errors()) {
        std::printf("watcher not set up: %s\n", e.to_string().c_str());
    }
    const double c0 = cpu_seconds();
    const auto t0 = Clock::now();
    while (Clock::now() - t0 < std::chrono::seconds(idle_s)) {
        mon.poll_once(std::chrono::seconds(1));
    }
    const double cpu = cpu_seconds() - c0;
    const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf(
        "idle monitor: %.1f s wall, %.4f s CPU = %.4f %% of one core; %llu measurements, "
        "%llu events\n",
        wall, cpu, 100.0 * cpu / wall, static_cast<unsigned long long>(mon.measurements() - 1),
        static_cast<unsigned long long>(mon.events()));
    std::filesystem::remove_all(dir);
    return 0;
}
