// shas_bench: a full measurement by both of napsha's SHAs -- every check, then the two SoHs built
// from it (shas::HealthAgents::update: the WSHA entry and the Linux SHA entry) -- wall time per
// run and per check. Figures in docs/benchmarks.md ("napsha").
//
//   shas_bench [runs]      (default 100)
//
// "first": a new HealthChecks with libapt's cache file present (napsha's first measurement after
// a start); "warm": napsha's re-measurements (timer or event), median and max.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "opennap/checks/measure.h"
#include "opennap/shas/health_agents.h"

using namespace opennap;
using Clock = std::chrono::steady_clock;

namespace {

double ms(Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    const int runs = argc > 1 ? std::atoi(argv[1]) : 100;
    char tmpl[] = "/tmp/shas-bench-XXXXXX";
    const char* dir = ::mkdtemp(tmpl);
    if (dir == nullptr)
        return 1;
    checks::ChecksConfig cfg;
    cfg.security_updates.cache_dir = dir;
    {
        checks::HealthChecks cold(cfg);  // libapt builds pkgcache.bin in `dir`
        (void)cold.measure();
    }
    shas::HealthAgents agents({cfg.security_center_id, cfg.linux_sha_id, "1.0", cfg.wsha}, nullptr,
                              nullptr);
    checks::HealthChecks hc(cfg);
    auto t0 = Clock::now();
    checks::Report r = hc.measure();
    (void)agents.update(r);
    std::printf("first (cache file present): measure + both SoHs %.2f ms\n", ms(Clock::now() - t0));

    std::map<checks::CheckId, std::vector<double>> per;
    std::vector<double> totals, sohs;
    for (int i = 0; i < runs; ++i) {
        t0 = Clock::now();
        r = hc.measure();
        const auto t1 = Clock::now();
        (void)agents.update(r);
        const auto t2 = Clock::now();
        totals.push_back(ms(t2 - t0));
        sohs.push_back(ms(t2 - t1));
        for (const auto& l : r.summary())
            per[l.id].push_back(static_cast<double>(l.elapsed.count()) / 1000.0);
    }
    std::printf("warm, %d runs: measure + both SoHs median %.3f ms, max %.3f ms\n", runs,
                median(totals), *std::max_element(totals.begin(), totals.end()));
    for (const auto& [id, v] : per) {
        std::printf("  %-18s median %8.3f ms  max %8.3f ms\n",
                    std::string(checks::to_string(id)).c_str(), median(v),
                    *std::max_element(v.begin(), v.end()));
    }
    std::printf("  %-18s median %8.3f ms  max %8.3f ms\n", "both SoHs built", median(sohs),
                *std::max_element(sohs.begin(), sohs.end()));
    std::filesystem::remove_all(dir);
    return 0;
}
