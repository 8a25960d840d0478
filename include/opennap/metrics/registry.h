// Metrics for Prometheus: counters, gauges and histograms in a Registry, rendered in the text
// exposition format 0.0.4 (docs/audit.md, "Metrics"; http_server.h serves it).
//
// The hot path is one relaxed atomic add on a cache line of the calling thread's own shard
// (Counter::inc, Histogram::observe): the RADIUS server bumps counters ~100k times/s from several
// threads, and a single shared atomic would bounce its cache line between cores. Reading (a
// scrape) sums the shards; a scrape concurrent with updates sees each shard's value at some
// moment, never a torn one.
//
// Registration (counter(), counter_family(), ..., Family::with()) is for start-up and for new
// label values: it takes a lock and may allocate. Keep the returned reference and bump it. A bad
// metric or label name, a name registered twice with another type or other labels, or a wrong
// number of label values is a programming error: std::logic_error is thrown (never on the hot
// path). Registering the same name again with the same type, labels (and buckets) returns the
// existing metric.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace opennap::metrics {

namespace detail {

inline constexpr std::size_t kShards = 16;  // a power of two

// The calling thread's shard: threads are given shards round-robin on first use.
std::size_t next_shard() noexcept;
inline std::size_t shard_index() noexcept {
    static thread_local const std::size_t index = next_shard();
    return index;
}

struct FamilyData;

struct alignas(64) CounterCell {
    std::atomic<std::uint64_t> value{0};
};

// A double in an atomic 64-bit word; add() is a compare-exchange loop.
class AtomicDouble {
  public:
    void store(double v) noexcept { bits_.store(std::bit_cast<std::uint64_t>(v), order); }
    [[nodiscard]] double load() const noexcept { return std::bit_cast<double>(bits_.load(order)); }
    void add(double d) noexcept {
        std::uint64_t old = bits_.load(order);
        while (!bits_.compare_exchange_weak(
            old, std::bit_cast<std::uint64_t>(std::bit_cast<double>(old) + d), order, order)) {
        }
    }

  private:
    static constexpr auto order = std::memory_order_relaxed;
    std::atomic<std::uint64_t> bits_{std::bit_cast<std::uint64_t>(0.0)};
};

}  // namespace detail

// A monotonic count.
class Counter {
  public:
    void inc(std::uint64_t n = 1) noexcept {
        cells_[detail::shard_index()].value.fetch_add(n, std::memory_order_relaxed);
    }
    [[nodiscard]] std::uint64_t value() const noexcept;

  private:
    std::array<detail::CounterCell, detail::kShards> cells_{};
};

// A value that goes up and down (queue length, connections). One atomic: gauges change far less
// often than counters.
class Gauge {
  public:
    void set(double v) noexcept { v_.store(v); }
    void add(double d) noexcept { v_.add(d); }
    void inc() noexcept { add(1.0); }
    void dec() noexcept { add(-1.0); }
    [[nodiscard]] double value() const noexcept { return v_.load(); }

  private:
    detail::AtomicDouble v_;
};

// Observations counted into buckets with upper bounds `bounds` (sorted, finite, distinct); the
// +Inf bucket is implicit.
class Histogram {
  public:
    explicit Histogram(std::vector<double> bounds);
    ~Histogram();
    Histogram(const Histogram&) = delete;
    Histogram& operator=(const Histogram&) = delete;

    // NaN observations are ignored.
    void observe(double v) noexcept;

    struct Snapshot {
        std::vector<std::uint64_t> cumulative;  // per bound, then +Inf (== count)
        double sum = 0;
        [[nodiscard]] std::uint64_t count() const noexcept {
            return cumulative.empty() ? 0 : cumulative.back();
        }
    };
    [[nodiscard]] Snapshot snapshot() const;
    [[nodiscard]] const std::vector<double>& bounds() const noexcept { return bounds_; }

  private:
    struct Shard;
    std::vector<double> bounds_;
    std::unique_ptr<Shard[]> shards_;
};

// Bucket bounds for latencies in seconds: 100 µs .. 10 s.
[[nodiscard]] std::vector<double> latency_buckets();
// `count` bounds start, start*factor, ...
[[nodiscard]] std::vector<double> exponential_buckets(double start, double factor, int count);

enum class Type : std::uint8_t { Counter, Gauge, Histogram };

class Registry;

// The metrics of one name, one per combination of label values.
template <typename M>
class Family {
  public:
    // The metric for these label values (as many as the family has label names), created on
    // first use.
    M& with(std::initializer_list<std::string_view> values) {
        return with(std::span<const std::string_view>(values.begin(), values.size()));
    }
    M& with(std::span<const std::string_view> values);

  private:
    friend class Registry;
    explicit Family(detail::FamilyData* d) : d_(d) {}
    detail::FamilyData* d_;
};

class Registry {
  public:
    Registry();
    ~Registry();
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

    Counter& counter(std::string_view name, std::string_view help);
    Gauge& gauge(std::string_view name, std::string_view help);
    Histogram& histogram(std::string_view name, std::string_view help, std::vector<double> bounds);
    Family<Counter> counter_family(std::string_view name, std::string_view help,
                                   std::vector<std::string> labels);
    Family<Gauge> gauge_family(std::string_view name, std::string_view help,
                               std::vector<std::string> labels);
    Family<Histogram> histogram_family(std::string_view name, std::string_view help,
                                       std::vector<std::string> labels, std::vector<double> bounds);

    // Everything, in the text exposition format 0.0.4: families in name order, each with
    // "# HELP" and "# TYPE", its metrics in label-value order.
    [[nodiscard]] std::string render() const;

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

// Text format helpers (exposed for tests).
// HELP text: '\' -> "\\", newline -> "\n".
[[nodiscard]] std::string escape_help(std::string_view help);
// Label value: '\' -> "\\", '"' -> "\"", newline -> "\n".
[[nodiscard]] std::string escape_label_value(std::string_view value);
// A sample value: integers without exponent where exact ("42"), "+Inf", "-Inf", "NaN", otherwise
// the shortest text that reads back as the same double.
[[nodiscard]] std::string format_value(double v);
[[nodiscard]] bool valid_metric_name(std::string_view name) noexcept;
[[nodiscard]] bool valid_label_name(std::string_view name) noexcept;

extern template class Family<Counter>;
extern template class Family<Gauge>;
extern template class Family<Histogram>;

}  // namespace opennap::metrics
