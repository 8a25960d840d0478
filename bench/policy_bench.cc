// Policy server hot path, per request: evaluate() over the demo policies, the built-in WSHV on
// vector 09, and building the SoHR. Reports allocations per operation (docs/benchmarks.md).
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include "opennap/policy/config.h"
#include "opennap/policy/evaluate.h"
#include "opennap/policy/sohr.h"
#include "opennap/shvs/wshv.h"

namespace {

using namespace opennap;

std::atomic<std::size_t> g_allocations{0};

std::vector<std::uint8_t> load(const char* name) {
    std::ifstream in(std::string(OPENNAP_VECTORS_DIR) + "/" + name);
    std::vector<std::uint8_t> out;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        std::istringstream ls(line);
        std::string hex;
        while (ls >> hex)
            out.push_back(static_cast<std::uint8_t>(std::stoul(hex, nullptr, 16)));
    }
    if (out.empty()) {
        std::fprintf(stderr, "cannot load vector %s\n", name);
        std::exit(1);
    }
    return out;
}

void report(benchmark::State& state, std::size_t allocs_before) {
    state.counters["allocs/op"] =
        benchmark::Counter(static_cast<double>(g_allocations.load() - allocs_before) /
                           static_cast<double>(state.iterations()));
}

policy::RequestFacts facts() {
    policy::RequestFacts f;
    f.client_address = policy::IpAddress::v4(127, 0, 0, 1);
    f.machine_name = "pc-1.example.org";
    f.soh_present = true;
    f.now = FileTime{0x01E0F6C0A005C000ull};
    return f;
}

// A compliant client: the first policy matches, full access.
void BM_EvaluateFullAccess(benchmark::State& state) {
    const policy::ServerConfig config = policy::default_config();
    const std::vector verdicts{policy::ShvVerdict::from_codes(0x00013780, {hr::S_OK})};
    const auto f = facts();
    const std::size_t before = g_allocations.load();
    for (auto _ : state) {
        auto d = policy::evaluate(config, f, verdicts);
        benchmark::DoNotOptimize(d);
    }
    report(state, before);
}

// A non-compliant client: the second policy, restricted access with remediation servers.
void BM_EvaluateRestricted(benchmark::State& state) {
    const policy::ServerConfig config = policy::default_config();
    const std::vector verdicts{policy::ShvVerdict::from_codes(
        0x00013780, {hr::S_OK, HResult{0xC0FF0002u}, hr::S_OK, hr::S_OK, hr::S_OK})};
    const auto f = facts();
    const std::size_t before = g_allocations.load();
    for (auto _ : state) {
        auto d = policy::evaluate(config, f, verdicts);
        benchmark::DoNotOptimize(d);
    }
    report(state, before);
}

void BM_FindClient(benchmark::State& state) {
    std::string text;
    for (int i = 0; i < 1000; ++i) {
        text += "[[radius.client]]\nname = \"c" + std::to_string(i) + "\"\naddress = \"10." +
                std::to_string(i / 250) + "." + std::to_string(i % 250) +
                ".0/24\"\nsecret = \"s\"\n";
    }
    text += "[[radius.client]]\nname = \"all\"\naddress = \"10.0.0.0/8\"\nsecret = \"s\"\n";
    const auto config = policy::parse_config(text, "bench");
    const auto ip = policy::IpAddress::v4(10, 3, 17, 9);
    const std::size_t before = g_allocations.load();
    for (auto _ : state) {
        auto c = policy::find_client(*config, ip);
        benchmark::DoNotOptimize(c);
    }
    report(state, before);
}

// The WSHV on vector 09 (decode included), security updates enforced.
void BM_WshvValidate(benchmark::State& state) {
    const auto bytes = load("09-soh-wsha-full.hex");
    shvs::wshv::Settings s;
    s.security_updates.required = true;
    const std::size_t before = g_allocations.load();
    for (auto _ : state) {
        auto v = soh::decode(bytes);
        auto r = shvs::wshv::validate(s, *v);
        benchmark::DoNotOptimize(r);
    }
    report(state, before);
}

void BM_BuildSohr(benchmark::State& state) {
    const auto request = load("09-soh-wsha-full.hex");
    const auto view = soh::decode(request);
    const auto echo = *policy::SohrEcho::from(*view);
    const auto wshv = shvs::wshv::validate(shvs::wshv::Settings{}, *view);
    const policy::ServerConfig config = policy::default_config();
    const std::vector verdicts{wshv.verdict};
    const auto d = policy::evaluate(config, facts(), verdicts);
    const std::vector entries{wshv.response};
    const std::size_t before = g_allocations.load();
    for (auto _ : state) {
        auto content = policy::SohrContent::from(d);
        auto bytes = policy::build_sohr(*content, echo, entries);
        benchmark::DoNotOptimize(bytes);
    }
    report(state, before);
}

}  // namespace

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n == 0 ? 1 : n))
        return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
#pragma GCC diagnostic pop

BENCHMARK(BM_EvaluateFullAccess);
BENCHMARK(BM_EvaluateRestricted);
BENCHMARK(BM_FindClient);
BENCHMARK(BM_WshvValidate);
BENCHMARK(BM_BuildSohr);

BENCHMARK_MAIN();
