// Registry, Counter, Gauge, Histogram and the text exposition format 0.0.4
// (include/opennap/metrics/registry.h).
#include "opennap/metrics/registry.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <variant>

namespace opennap::metrics {

namespace detail {

std::size_t next_shard() noexcept {
    static std::atomic<std::size_t> next{0};
    return next.fetch_add(1, std::memory_order_relaxed) % kShards;
}

}  // namespace detail

// ---- Counter -----------------------------------------------------------------------------------

std::uint64_t Counter::value() const noexcept {
    std::uint64_t sum = 0;
    for (const auto& c : cells_)
        sum += c.value.load(std::memory_order_relaxed);
    return sum;
}

// ---- Histogram ---------------------------------------------------------------------------------

struct alignas(64) Histogram::Shard {
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets;  // per bound, then +Inf; not cumulative
    detail::AtomicDouble sum;
};

namespace {

void check_bounds(const std::vector<double>& bounds) {
    for (std::size_t i = 0; i < bounds.size(); ++i) {
        if (!std::isfinite(bounds[i]))
            throw std::logic_error("histogram bucket bounds must be finite");
        if (i > 0 && !(bounds[i - 1] < bounds[i]))
            throw std::logic_error("histogram bucket bounds must be increasing");
    }
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), shards_(new Shard[detail::kShards]) {
    check_bounds(bounds_);
    for (std::size_t s = 0; s < detail::kShards; ++s) {
        // One array per shard, each in its own allocation (and so on its own cache lines).
        shards_[s].buckets.reset(new std::atomic<std::uint64_t>[bounds_.size() + 1]);
        for (std::size_t b = 0; b <= bounds_.size(); ++b)
            shards_[s].buckets[b].store(0, std::memory_order_relaxed);
    }
}

Histogram::~Histogram() = default;

void Histogram::observe(double v) noexcept {
    if (std::isnan(v))
        return;
    // The first bound >= v (le is "less than or equal"); bounds_.size() is the +Inf bucket.
    const auto b = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) -
                                            bounds_.begin());
    Shard& s = shards_[detail::shard_index()];
    s.buckets[b].fetch_add(1, std::memory_order_relaxed);
    s.sum.add(v);
}

Histogram::Snapshot Histogram::snapshot() const {
    Snapshot out;
    out.cumulative.assign(bounds_.size() + 1, 0);
    for (std::size_t s = 0; s < detail::kShards; ++s) {
        for (std::size_t b = 0; b <= bounds_.size(); ++b)
            out.cumulative[b] += shards_[s].buckets[b].load(std::memory_order_relaxed);
        out.sum += shards_[s].sum.load();
    }
    for (std::size_t b = 1; b < out.cumulative.size(); ++b)
        out.cumulative[b] += out.cumulative[b - 1];
    return out;
}

std::vector<double> exponential_buckets(double start, double factor, int count) {
    std::vector<double> out;
    double v = start;
    for (int i = 0; i < count; ++i, v *= factor)
        out.push_back(v);
    return out;
}

std::vector<double> latency_buckets() {
    return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
            0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

// ---- names and text ----------------------------------------------------------------------------

namespace {

bool name_char(char c, bool first, bool colon) {
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (alpha || (colon && c == ':'))
        return true;
    return !first && c >= '0' && c <= '9';
}

}  // namespace

bool valid_metric_name(std::string_view name) noexcept {
    if (name.empty())
        return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (!name_char(name[i], i == 0, true))
            return false;
    }
    return true;
}

bool valid_label_name(std::string_view name) noexcept {
    if (name.empty() || name.starts_with("__"))
        return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (!name_char(name[i], i == 0, false))
            return false;
    }
    return true;
}

std::string escape_help(std::string_view help) {
    std::string out;
    out.reserve(help.size());
    for (char c : help) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string format_value(double v) {
    if (std::isnan(v))
        return "NaN";
    if (std::isinf(v))
        return v > 0 ? "+Inf" : "-Inf";
    char buf[64];
    // Whole numbers up to 2^53 print as integers ("42", not "4.2e+01").
    if (v == std::trunc(v) && std::fabs(v) <= 9007199254740992.0) {
        const auto r = std::to_chars(buf, buf + sizeof buf, static_cast<long long>(v));
        return std::string(buf, r.ptr);
    }
    const auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip form
    return std::string(buf, r.ptr);
}

// ---- Registry ----------------------------------------------------------------------------------

using Metric =
    std::variant<std::unique_ptr<Counter>, std::unique_ptr<Gauge>, std::unique_ptr<Histogram>>;

namespace detail {

struct FamilyData {
    std::mutex* mu = nullptr;  // the registry's lock, which guards `children`
    std::string name;
    std::string help;
    Type type = Type::Counter;
    std::vector<std::string> labels;
    std::vector<double> bounds;                           // histograms
    std::map<std::vector<std::string>, Metric> children;  // by label values
};

}  // namespace detail

using detail::FamilyData;

namespace {

// The metric of `f` for `values`, created when absent (f.mu held).
Metric& child(FamilyData& f, std::span<const std::string_view> values) {
    if (values.size() != f.labels.size())
        throw std::logic_error("metric \"" + f.name + "\" takes " +
                               std::to_string(f.labels.size()) + " label value(s), not " +
                               std::to_string(values.size()));
    std::vector<std::string> key(values.begin(), values.end());
    auto it = f.children.find(key);
    if (it != f.children.end())
        return it->second;
    Metric m;
    switch (f.type) {
        case Type::Counter:
            m = std::make_unique<Counter>();
            break;
        case Type::Gauge:
            m = std::make_unique<Gauge>();
            break;
        case Type::Histogram:
            m = std::make_unique<Histogram>(f.bounds);
            break;
    }
    return f.children.emplace(std::move(key), std::move(m)).first->second;
}

template <typename M>
M& as(Metric& m) {
    return *std::get<std::unique_ptr<M>>(m);
}

}  // namespace

struct Registry::Impl {
    mutable std::mutex mu;
    // Families by name (std::map: rendered in name order); node addresses are stable.
    std::map<std::string, std::unique_ptr<FamilyData>, std::less<>> families;

    FamilyData& family(std::string_view name, std::string_view help, Type type,
                       std::vector<std::string> labels, std::vector<double> bounds) {
        if (!valid_metric_name(name))
            throw std::logic_error("invalid metric name \"" + std::string(name) + "\"");
        for (const auto& l : labels) {
            if (!valid_label_name(l) || (type == Type::Histogram && l == "le"))
                throw std::logic_error("invalid label name \"" + l + "\" for " + std::string(name));
        }
        for (std::size_t i = 0; i < labels.size(); ++i) {
            for (std::size_t j = i + 1; j < labels.size(); ++j) {
                if (labels[i] == labels[j])
                    throw std::logic_error("label \"" + labels[i] + "\" given twice for " +
                                           std::string(name));
            }
        }
        if (type == Type::Histogram)
            check_bounds(bounds);
        if (auto it = families.find(name); it != families.end()) {
            FamilyData& f = *it->second;
            if (f.type != type || f.labels != labels || f.bounds != bounds)
                throw std::logic_error("metric \"" + std::string(name) +
                                       "\" registered again with another type, labels or buckets");
            return f;
        }
        auto f = std::make_unique<FamilyData>();
        f->mu = &mu;
        f->name = std::string(name);
        f->help = std::string(help);
        f->type = type;
        f->labels = std::move(labels);
        f->bounds = std::move(bounds);
        FamilyData& ref = *f;
        families.emplace(std::string(name), std::move(f));
        return ref;
    }
};

template <typename M>
M& Family<M>::with(std::span<const std::string_view> values) {
    std::lock_guard lock(*d_->mu);
    return as<M>(child(*d_, values));
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Registry::Registry() : impl_(std::make_unique<Impl>()) {}
Registry::~Registry() = default;

Counter& Registry::counter(std::string_view name, std::string_view help) {
    std::lock_guard lock(impl_->mu);
    return as<Counter>(child(impl_->family(name, help, Type::Counter, {}, {}), {}));
}

Gauge& Registry::gauge(std::string_view name, std::string_view help) {
    std::lock_guard lock(impl_->mu);
    return as<Gauge>(child(impl_->family(name, help, Type::Gauge, {}, {}), {}));
}

Histogram& Registry::histogram(std::string_view name, std::string_view help,
                               std::vector<double> bounds) {
    std::lock_guard lock(impl_->mu);
    return as<Histogram>(
        child(impl_->family(name, help, Type::Histogram, {}, std::move(bounds)), {}));
}

Family<Counter> Registry::counter_family(std::string_view name, std::string_view help,
                                         std::vector<std::string> labels) {
    std::lock_guard lock(impl_->mu);
    return Family<Counter>(&impl_->family(name, help, Type::Counter, std::move(labels), {}));
}

Family<Gauge> Registry::gauge_family(std::string_view name, std::string_view help,
                                     std::vector<std::string> labels) {
    std::lock_guard lock(impl_->mu);
    return Family<Gauge>(&impl_->family(name, help, Type::Gauge, std::move(labels), {}));
}

Family<Histogram> Registry::histogram_family(std::string_view name, std::string_view help,
                                             std::vector<std::string> labels,
                                             std::vector<double> bounds) {
    std::lock_guard lock(impl_->mu);
    return Family<Histogram>(
        &impl_->family(name, help, Type::Histogram, std::move(labels), std::move(bounds)));
}

namespace {

// `name{a="x",b="y"}` (or `name` without labels); `extra` is one more label (le) already
// formatted as `le="0.5"`.
void series(std::string& out, std::string_view name, std::string_view suffix,
            const std::vector<std::string>& labels, const std::vector<std::string>& values,
            std::string_view extra = {}) {
    out += name;
    out += suffix;
    if (labels.empty() && extra.empty())
        return;
    out += '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (i > 0)
            out += ',';
        out += labels[i];
        out += "=\"";
        out += escape_label_value(values[i]);
        out += '"';
    }
    if (!extra.empty()) {
        if (!labels.empty())
            out += ',';
        out += extra;
    }
    out += '}';
}

std::string_view type_name(Type t) {
    switch (t) {
        case Type::Counter:
            return "counter";
        case Type::Gauge:
            return "gauge";
        case Type::Histogram:
            return "histogram";
    }
    return "untyped";
}

}  // namespace

std::string Registry::render() const {
    std::string out;
    std::lock_guard lock(impl_->mu);
    for (const auto& [name, f] : impl_->families) {
        out += "# HELP ";
        out += name;
        out += ' ';
        out += escape_help(f->help);
        out += "\n# TYPE ";
        out += name;
        out += ' ';
        out += type_name(f->type);
        out += '\n';
        for (const auto& [values, metric] : f->children) {
            switch (f->type) {
                case Type::Counter: {
                    series(out, name, "", f->labels, values);
                    out += ' ';
                    out += std::to_string(std::get<std::unique_ptr<Counter>>(metric)->value());
                    out += '\n';
                    break;
                }
                case Type::Gauge: {
                    series(out, name, "", f->labels, values);
                    out += ' ';
                    out += format_value(std::get<std::unique_ptr<Gauge>>(metric)->value());
                    out += '\n';
                    break;
                }
                case Type::Histogram: {
                    const Histogram& h = *std::get<std::unique_ptr<Histogram>>(metric);
                    const Histogram::Snapshot snap = h.snapshot();
                    for (std::size_t b = 0; b < snap.cumulative.size(); ++b) {
                        const std::string le = "le=\"" +
                                               (b < h.bounds().size() ? format_value(h.bounds()[b])
                                                                      : std::string("+Inf")) +
                                               "\"";
                        series(out, name, "_bucket", f->labels, values, le);
                        out += ' ';
                        out += std::to_string(snap.cumulative[b]);
                        out += '\n';
                    }
                    series(out, name, "_sum", f->labels, values);
                    out += ' ';
                    out += format_value(snap.sum);
                    out += '\n';
                    series(out, name, "_count", f->labels, values);
                    out += ' ';
                    out += std::to_string(snap.count());
                    out += '\n';
                    break;
                }
            }
        }
    }
    return out;
}

}  // namespace opennap::metrics
