// Cost of bumping a metric from several threads at once (docs/benchmarks.md, "Metrics"): the
// registry's sharded Counter and Histogram against one shared std::atomic, which every core
// would have to pass its cache line around for.
#include <benchmark/benchmark.h>

#include <atomic>

#include "opennap/metrics/registry.h"

namespace {

opennap::metrics::Registry& registry() {
    static opennap::metrics::Registry r;
    return r;
}

void BM_CounterInc(benchmark::State& state) {
    static opennap::metrics::Counter& c = registry().counter("bench_total", "Bench.");
    for (auto _ : state)
        c.inc();
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CounterInc)->Threads(1)->Threads(2)->Threads(4)->Threads(8)->UseRealTime();

void BM_LabelledCounterInc(benchmark::State& state) {
    static auto fam = registry().counter_family("bench_labelled_total", "Bench.", {"outcome"});
    opennap::metrics::Counter& c = fam.with({"restricted"});  // looked up once per thread
    for (auto _ : state)
        c.inc();
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LabelledCounterInc)->Threads(1)->Threads(4)->UseRealTime();

void BM_SharedAtomicInc(benchmark::State& state) {
    static std::atomic<std::uint64_t> v{0};
    for (auto _ : state)
        v.fetch_add(1, std::memory_order_relaxed);
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SharedAtomicInc)->Threads(1)->Threads(2)->Threads(4)->Threads(8)->UseRealTime();

void BM_HistogramObserve(benchmark::State& state) {
    static opennap::metrics::Histogram& h =
        registry().histogram("bench_seconds", "Bench.", opennap::metrics::latency_buckets());
    double v = 0.0001;
    for (auto _ : state) {
        h.observe(v);
        v = v < 5 ? v * 1.7 : 0.0001;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramObserve)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

void BM_Render(benchmark::State& state) {
    opennap::metrics::Registry r;
    auto f = r.counter_family("x_total", "X.", {"l"});
    for (int i = 0; i < 20; ++i)
        f.with({std::to_string(i)}).inc();
    auto h = r.histogram_family("y_seconds", "Y.", {"shv"}, opennap::metrics::latency_buckets());
    for (int i = 0; i < 10; ++i)
        h.with({std::to_string(i)}).observe(0.01);
    for (auto _ : state)
        benchmark::DoNotOptimize(r.render());
}
BENCHMARK(BM_Render);

}  // namespace

BENCHMARK_MAIN();
