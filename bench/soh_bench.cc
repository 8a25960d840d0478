// SoH codec benchmarks: decode and encode of vector 09 (343 bytes, full WSHA entry) and vector 04
// (152 bytes, wpa_supplicant). Reports bytes/s and heap allocations per operation.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include "opennap/soh/message.h"

namespace {

std::atomic<std::size_t> g_allocations{0};

std::vector<std::uint8_t> load(const char* name) {
    std::ifstream in(std::string(OPENNAP_VECTORS_DIR) + "/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    std::vector<std::uint8_t> out;
    std::string line;
    while (std::getline(ss, line)) {
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

void report(benchmark::State& state, std::size_t bytes, std::size_t allocs_before) {
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
    state.counters["allocs/op"] =
        benchmark::Counter(static_cast<double>(g_allocations.load() - allocs_before) /
                           static_cast<double>(state.iterations()));
}

void BM_Decode(benchmark::State& state, const char* name) {
    const auto bytes = load(name);
    const std::size_t before = g_allocations.load();
    for (auto _ : state) {
        auto v = opennap::soh::decode(bytes);
        benchmark::DoNotOptimize(v);
    }
    report(state, bytes.size(), before);
}

// Decode plus a walk over every entry and TLV, as a validator does.
void BM_DecodeAndWalk(benchmark::State& state, const char* name) {
    const auto bytes = load(name);
    const std::size_t before = g_allocations.load();
    for (auto _ : state) {
        auto v = opennap::soh::decode(bytes);
        std::size_t n = 0;
        for (const auto& e : v->entries) {
            for (const auto& t : e.attributes)
                n += t.value.size();
        }
        benchmark::DoNotOptimize(n);
    }
    report(state, bytes.size(), before);
}

void BM_ToOwned(benchmark::State& state, const char* name) {
    const auto bytes = load(name);
    const auto v = opennap::soh::decode(bytes);
    const std::size_t before = g_allocations.load();
    for (auto _ : state) {
        auto m = opennap::soh::Message::from(*v);
        benchmark::DoNotOptimize(m);
    }
    report(state, bytes.size(), before);
}

void BM_Encode(benchmark::State& state, const char* name) {
    const auto bytes = load(name);
    const auto m = opennap::soh::Message::from(*opennap::soh::decode(bytes));
    std::vector<std::uint8_t> out;
    out.reserve(4096);
    const std::size_t before = g_allocations.load();
    for (auto _ : state) {
        out.clear();
        auto r = opennap::soh::encode_to(m, out);
        benchmark::DoNotOptimize(r);
        benchmark::DoNotOptimize(out.data());
    }
    report(state, bytes.size(), before);
}

}  // namespace

// Counting replacement of the global allocation functions. GCC 12 flags free() in a replaced
// operator delete as mismatched even though it pairs with the malloc() below.
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

BENCHMARK_CAPTURE(BM_Decode, v09_wsha_full_343B, "09-soh-wsha-full.hex");
BENCHMARK_CAPTURE(BM_Decode, v04_wpas_152B, "04-soh-wpas-v2.hex");
BENCHMARK_CAPTURE(BM_DecodeAndWalk, v09_wsha_full_343B, "09-soh-wsha-full.hex");
BENCHMARK_CAPTURE(BM_ToOwned, v09_wsha_full_343B, "09-soh-wsha-full.hex");
BENCHMARK_CAPTURE(BM_Encode, v09_wsha_full_343B, "09-soh-wsha-full.hex");
BENCHMARK_CAPTURE(BM_Encode, v04_wpas_152B, "04-soh-wpas-v2.hex");

BENCHMARK_MAIN();
