// pack() / unpack() (record_pack.h).
#include "record_pack.h"

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace opennap::store::internal {

namespace {

static_assert(std::is_trivially_copyable_v<Guid>);
static_assert(std::is_trivially_copyable_v<CorrelationId>);
static_assert(std::is_trivially_copyable_v<HResult>);
static_assert(std::is_trivially_copyable_v<Timestamp>);

// Appends fixed-size values and length-prefixed strings to a buffer sized beforehand.
class Packer {
  public:
    explicit Packer(std::string& out) : out_(out) {}
    template <typename T>
    void put(const T& v) {
        static_assert(std::is_trivially_copyable_v<T>);
        out_.append(reinterpret_cast<const char*>(&v), sizeof v);
    }
    void put_text(const std::string& s) {
        put(static_cast<std::uint32_t>(s.size()));
        out_.append(s);
    }
    template <typename T>
    void put_optional(const std::optional<T>& v) {
        put(static_cast<std::uint8_t>(v.has_value()));
        if (v)
            put(*v);
    }

  private:
    std::string& out_;
};

// Reads what a Packer wrote, in the same order. Reads past the end yield zeros (the buffer always
// comes from pack(); this only keeps a mistake from reading out of bounds).
class Unpacker {
  public:
    explicit Unpacker(std::string_view in) : in_(in) {}
    template <typename T>
    T get() {
        static_assert(std::is_trivially_copyable_v<T>);
        T v{};
        if (in_.size() - pos_ >= sizeof v) {
            std::memcpy(&v, in_.data() + pos_, sizeof v);
            pos_ += sizeof v;
        } else {
            pos_ = in_.size();
        }
        return v;
    }
    void get_text(std::string& into) {
        const auto n = std::min<std::size_t>(get<std::uint32_t>(), in_.size() - pos_);
        into.assign(in_.data() + pos_, n);
        pos_ += n;
    }
    template <typename T>
    void get_optional(std::optional<T>& into) {
        if (get<std::uint8_t>() != 0)
            into = get<T>();
        else
            into.reset();
    }

  private:
    std::string_view in_;
    std::size_t pos_ = 0;
};

std::size_t packed_size(const DecisionRecord& r) {
    std::size_t n = 256;  // the fixed-size fields, generously
    for (const std::string* s : {&r.instance, &r.client_address, &r.client_name, &r.machine_name,
                                 &r.health_policy, &r.network_policy, &r.remediation_group, &r.url})
        n += 4 + s->size();
    for (const ShvResult& s : r.shvs)
        n += 24 + s.compliance_codes.size() * sizeof(HResult);
    for (const std::string& s : r.reasons)
        n += 4 + s.size();
    return n;
}

}  // namespace

std::string pack(const DecisionRecord& r) {
    std::string out;
    out.reserve(packed_size(r));
    Packer p(out);
    p.put(r.id);
    p.put(r.time);
    p.put_text(r.instance);
    p.put_text(r.client_address);
    p.put_text(r.client_name);
    p.put_optional(r.nas_type);
    p.put_text(r.machine_name);
    p.put_optional(r.connection_id);
    p.put_optional(r.correlation_id);
    p.put(static_cast<std::uint32_t>(r.shvs.size()));
    for (const ShvResult& s : r.shvs) {
        p.put(s.id);
        p.put(s.status);
        p.put(s.passed);
        p.put(static_cast<std::uint32_t>(s.compliance_codes.size()));
        for (const HResult& h : s.compliance_codes)
            p.put(h);
        p.put_optional(s.failure_category);
        p.put(s.latency_us);
    }
    p.put_text(r.health_policy);
    p.put_text(r.network_policy);
    p.put(r.outcome);
    p.put_optional(r.probation_end);
    p.put(r.extended_state);
    p.put_text(r.remediation_group);
    p.put_text(r.url);
    p.put(static_cast<std::uint32_t>(r.reasons.size()));
    for (const std::string& s : r.reasons)
        p.put_text(s);
    p.put(r.latency_us);
    return out;
}

void unpack(std::string_view packed, DecisionRecord& r) {
    Unpacker u(packed);
    r.id = u.get<std::int64_t>();
    r.time = u.get<Timestamp>();
    u.get_text(r.instance);
    u.get_text(r.client_address);
    u.get_text(r.client_name);
    u.get_optional(r.nas_type);
    u.get_text(r.machine_name);
    u.get_optional(r.connection_id);
    u.get_optional(r.correlation_id);
    // Counts come from pack(); the bound only stops a mistake from allocating without end.
    const auto shvs = std::min<std::size_t>(u.get<std::uint32_t>(), packed.size());
    r.shvs.resize(shvs);
    for (ShvResult& s : r.shvs) {
        s.id = u.get<SystemHealthEntityId>();
        s.status = u.get<ShvStatus>();
        s.passed = u.get<bool>();
        const auto codes = std::min<std::size_t>(u.get<std::uint32_t>(), packed.size());
        s.compliance_codes.resize(codes);
        for (HResult& h : s.compliance_codes)
            h = u.get<HResult>();
        u.get_optional(s.failure_category);
        s.latency_us = u.get<std::uint32_t>();
    }
    u.get_text(r.health_policy);
    u.get_text(r.network_policy);
    r.outcome = u.get<Outcome>();
    u.get_optional(r.probation_end);
    r.extended_state = u.get<ExtendedIsolationState>();
    u.get_text(r.remediation_group);
    u.get_text(r.url);
    const auto reasons = std::min<std::size_t>(u.get<std::uint32_t>(), packed.size());
    r.reasons.resize(reasons);
    for (std::string& s : r.reasons)
        u.get_text(s);
    r.latency_us = u.get<std::uint32_t>();
}

}  // namespace opennap::store::internal
