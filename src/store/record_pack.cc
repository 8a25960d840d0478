// pack() / unpack() (record_pack.h).
#include "record_pack.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace opennap::store::internal {

namespace {

static_assert(std::is_trivially_copyable_v<Guid>);
static_assert(std::is_trivially_copyable_v<CorrelationId>);
static_assert(std::is_trivially_copyable_v<HResult>);
static_assert(std::is_trivially_copyable_v<Timestamp>);

// The three passes over a record share one list of its fields (fields() below), so that the
// size, the packing and the unpacking cannot disagree on the order. Each pass has value(),
// text(), optional() and list() (a count, then each element through `each`).

// Counts the octets pack() writes, for one exact reservation.
class Sizer {
  public:
    template <typename T>
    void value(const T& v) {
        n += sizeof v;
    }
    void text(const std::string& s) { n += sizeof(std::uint32_t) + s.size(); }
    template <typename T>
    void optional(const std::optional<T>& v) {
        n += 1 + (v ? sizeof(T) : 0);
    }
    template <typename T, typename Each>
    void list(const std::vector<T>& v, Each each) {
        n += sizeof(std::uint32_t);
        for (const T& x : v)
            each(x);
    }
    std::size_t n = 0;
};

// Appends fixed-size values and length-prefixed strings.
class Packer {
  public:
    explicit Packer(std::string& out) : out_(out) {}
    template <typename T>
    void value(const T& v) {
        static_assert(std::is_trivially_copyable_v<T>);
        out_.append(reinterpret_cast<const char*>(&v), sizeof v);
    }
    void text(const std::string& s) {
        value(static_cast<std::uint32_t>(s.size()));
        out_.append(s);
    }
    template <typename T>
    void optional(const std::optional<T>& v) {
        value(static_cast<std::uint8_t>(v.has_value()));
        if (v)
            value(*v);
    }
    template <typename T, typename Each>
    void list(const std::vector<T>& v, Each each) {
        value(static_cast<std::uint32_t>(v.size()));
        for (const T& x : v)
            each(x);
    }

  private:
    std::string& out_;
};

// Reads what a Packer wrote, in the same order. Reads past the end yield zeros, and counts are
// bounded by the buffer's size (the buffer always comes from pack(); this only keeps a mistake
// from reading out of bounds or allocating without end).
class Unpacker {
  public:
    explicit Unpacker(std::string_view in) : in_(in) {}
    template <typename T>
    void value(T& v) {
        static_assert(std::is_trivially_copyable_v<T>);
        v = T{};
        if (in_.size() - pos_ >= sizeof v) {
            std::memcpy(&v, in_.data() + pos_, sizeof v);
            pos_ += sizeof v;
        } else {
            pos_ = in_.size();
        }
    }
    void text(std::string& into) {
        const auto n = std::min<std::size_t>(count(), in_.size() - pos_);
        into.assign(in_.data() + pos_, n);
        pos_ += n;
    }
    template <typename T>
    void optional(std::optional<T>& into) {
        std::uint8_t present = 0;
        value(present);
        if (present == 0) {
            into.reset();
            return;
        }
        T v{};
        value(v);
        into = v;
    }
    template <typename T, typename Each>
    void list(std::vector<T>& v, Each each) {
        v.resize(std::min<std::size_t>(count(), in_.size()));  // keeps the elements' capacity
        for (T& x : v)
            each(x);
    }

  private:
    std::uint32_t count() {
        std::uint32_t n = 0;
        value(n);
        return n;
    }
    std::string_view in_;
    std::size_t pos_ = 0;
};

// Every field of a DecisionRecord (const for Sizer and Packer, mutable for Unpacker), in order.
template <typename Pass, typename Record>
void fields(Pass& p, Record& r) {
    p.value(r.id);
    p.value(r.time);
    p.text(r.instance);
    p.text(r.client_address);
    p.text(r.client_name);
    p.optional(r.nas_type);
    p.text(r.machine_name);
    p.optional(r.connection_id);
    p.optional(r.correlation_id);
    p.list(r.shvs, [&p](auto& s) {
        p.value(s.id);
        p.value(s.status);
        p.value(s.passed);
        p.list(s.compliance_codes, [&p](auto& h) { p.value(h); });
        p.optional(s.failure_category);
        p.value(s.latency_us);
    });
    p.text(r.health_policy);
    p.text(r.network_policy);
    p.value(r.outcome);
    p.optional(r.probation_end);
    p.value(r.extended_state);
    p.text(r.remediation_group);
    p.text(r.url);
    p.list(r.reasons, [&p](auto& s) { p.text(s); });
    p.value(r.latency_us);
}

}  // namespace

std::string pack(const DecisionRecord& r) {
    Sizer size;
    fields(size, r);
    std::string out;
    out.reserve(size.n);
    Packer p(out);
    fields(p, r);
    return out;
}

void unpack(std::string_view packed, DecisionRecord& r) {
    Unpacker u(packed);
    fields(u, r);
}

}  // namespace opennap::store::internal
