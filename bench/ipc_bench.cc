// napagent protocol benchmarks: the reply to GetSoHRequest, the call every connection makes at
// every exchange, carrying a ConnSnapshot with a 5-SHA SSoH of about 400 bytes (vector 04's SSoH
// plus five SoHReportEntries). Measures protobuf (Envelope + frame) encode, decode, the
// conversions to the C++ types, and a whole round trip; and, as the floor a hand-written codec
// could reach, the same fields written and read as fixed big-endian fields with bounds checks.
// Reports ns/op, bytes/s and heap allocations per operation.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "opennap/core/endian.h"
#include "opennap/ipc/convert.h"
#include "opennap/ipc/frame.h"
#include "opennap/soh/message.h"

namespace {

using namespace opennap;
namespace v1 = opennap::ipc::v1;

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

soh::Attribute attr(std::uint16_t type, std::vector<std::uint8_t> value) {
    return soh::Attribute{type, 0, std::move(value)};
}

// Vector 04 (wpa_supplicant's SSoH, no entries) plus five SHAs, each with result codes, a health
// class, a product name and a software version.
std::vector<std::uint8_t> five_sha_ssoh() {
    const auto base = load("04-soh-wpas-v2.hex");
    auto view = soh::decode(base);
    if (!view) {
        std::fprintf(stderr, "vector 04 does not decode\n");
        std::exit(1);
    }
    soh::Message m = soh::Message::from(*view);
    for (std::uint8_t i = 0; i < 5; ++i) {
        soh::ReportEntry e;
        e.id = 0x000137F0u + i;
        e.attributes.push_back(attr(4, {0, 0, 0, 0}));
        e.attributes.push_back(attr(8, {i}));
        e.attributes.push_back(attr(10, {'A', 'V', ' ', 'P', 'r', 'o', 'd', 'u', 'c', 't', ' ',
                                         static_cast<std::uint8_t>('1' + i)}));
        e.attributes.push_back(attr(9, {'1', '.', '2', '.', '3', '.', '4', 0}));
        m.entries.push_back(std::move(e));
    }
    auto bytes = soh::encode(m);
    if (!bytes) {
        std::fprintf(stderr, "cannot encode the 5-SHA SSoH\n");
        std::exit(1);
    }
    return *bytes;
}

// What the daemon knows when it answers GetSoHRequest.
struct Snapshot {
    std::uint64_t id = 0;
    std::uint32_t hresult = 0;
    bool retrigger = false;
    std::uint8_t flags = 0;
    CorrelationId correlation;
    NetworkSoH soh_request;
    std::optional<IsolationInfoEx> isolation;
    PrivateData private_data;
    std::vector<SystemHealthEntityId> installed_shvs;
};

Snapshot typical() {
    Snapshot s;
    s.id = 12345;
    s.retrigger = false;
    s.flags = freshSoHRequest;
    s.correlation = CorrelationId{
        Guid{0x54468936, 0xcb49, 0x4374, {0xb1, 0x27, 0xa6, 0xa3, 0xcc, 0x3b, 0xb1, 0x1c}},
        FileTime{0x01ca78d858ee1ef0}};
    s.soh_request.data = five_sha_ssoh();
    s.isolation = IsolationInfoEx{IsolationState::NotRestricted, ExtendedIsolationState::NoData,
                                  FileTime{}, u""};
    s.private_data.data.assign(16, 0x5A);
    s.installed_shvs = {0x000137F0, 0x000137F1, 0x000137F2, 0x000137F3, 0x000137F4};
    return s;
}

// C++ values -> Envelope.
void fill(const Snapshot& s, v1::Envelope& env) {
    v1::Reply& r = *env.mutable_reply();
    r.set_id(s.id);
    r.set_hresult(s.hresult);
    r.set_flag(s.retrigger);
    v1::ConnSnapshot& c = *r.mutable_snapshot();
    c.set_flags(s.flags);
    ipc::to_proto(s.correlation, *c.mutable_correlation_id());
    c.set_soh_request(s.soh_request.data.data(), s.soh_request.data.size());
    if (s.isolation)
        ipc::to_proto(*s.isolation, *c.mutable_isolation());
    c.set_private_data(s.private_data.data.data(), s.private_data.data.size());
    c.mutable_installed_shvs()->mutable_ids()->Assign(s.installed_shvs.begin(),
                                                      s.installed_shvs.end());
}

// Envelope -> C++ values (what the client library does with the reply).
bool extract(const v1::Envelope& env, Snapshot& s) {
    if (!env.has_reply())
        return false;
    const v1::Reply& r = env.reply();
    s.id = r.id();
    s.hresult = r.hresult();
    s.retrigger = r.flag();
    const v1::ConnSnapshot& c = r.snapshot();
    s.flags = static_cast<std::uint8_t>(c.flags());
    auto corr = ipc::correlation_from_proto(c.correlation_id());
    if (!corr)
        return false;
    s.correlation = *corr;
    const auto* soh = reinterpret_cast<const std::uint8_t*>(c.soh_request().data());
    s.soh_request.data.assign(soh, soh + c.soh_request().size());
    if (c.has_isolation()) {
        auto iso = ipc::isolation_ex_from_proto(c.isolation());
        if (!iso)
            return false;
        s.isolation = std::move(*iso);
    } else {
        s.isolation.reset();
    }
    const auto* pd = reinterpret_cast<const std::uint8_t*>(c.private_data().data());
    s.private_data.data.assign(pd, pd + c.private_data().size());
    s.installed_shvs.assign(c.installed_shvs().ids().begin(), c.installed_shvs().ids().end());
    return true;
}

void report(benchmark::State& state, std::size_t bytes, std::size_t allocs_before) {
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
    state.counters["frame_bytes"] = static_cast<double>(bytes);
    state.counters["ssoh_bytes"] = static_cast<double>(five_sha_ssoh().size());
    state.counters["allocs/op"] =
        benchmark::Counter(static_cast<double>(g_allocations.load() - allocs_before) /
                           static_cast<double>(state.iterations()));
}

std::vector<std::uint8_t> typical_frame() {
    v1::Envelope env;
    fill(typical(), env);
    std::vector<std::uint8_t> out;
    if (!ipc::encode_frame(env, out)) {
        std::fprintf(stderr, "cannot encode the frame\n");
        std::exit(1);
    }
    return out;
}

// C++ values -> Envelope -> frame bytes (into a reused buffer).
void BM_ProtobufEncode(benchmark::State& state) {
    const Snapshot s = typical();
    std::vector<std::uint8_t> out;
    out.reserve(4096);
    const std::size_t before = g_allocations.load();
    for (auto _ : state) {
        v1::Envelope env;
        fill(s, env);
        out.clear();
        const bool ok = ipc::encode_frame(env, out);
        benchmark::DoNotOptimize(ok);
        benchmark::DoNotOptimize(out.data());
    }
    report(state, out.size(), before);
}

// Frame bytes -> Envelope (decode_frame) -> C++ values.
void BM_ProtobufDecode(benchmark::State& state) {
    const auto frame = typical_frame();
    Snapshot s;
    const std::size_t before = g_allocations.load();
    for (auto _ : state) {
        auto env = ipc::decode_frame(frame);
        const bool ok = env && extract(*env, s);
        benchmark::DoNotOptimize(ok);
    }
    report(state, frame.size(), before);
}

// The receive path of the daemon / client: FrameReader (feed, next into a reused Envelope).
void BM_ProtobufReaderDecode(benchmark::State& state) {
    const auto frame = typical_frame();
    ipc::FrameReader reader;
    v1::Envelope env;
    Snapshot s;
    const std::size_t before = g_allocations.load();
    for (auto _ : state) {
        reader.feed(frame);
        const bool ok = reader.next(&env) == ipc::FrameReader::Status::Frame && extract(env, s);
        benchmark::DoNotOptimize(ok);
    }
    report(state, frame.size(), before);
}

// Encode + decode: one reply from the daemon's values to the client's.
void BM_ProtobufRoundTrip(benchmark::State& state) {
    const Snapshot s = typical();
    std::vector<std::uint8_t> out;
    out.reserve(4096);
    Snapshot back;
    const std::size_t before = g_allocations.load();
    for (auto _ : state) {
        v1::Envelope env;
        fill(s, env);
        out.clear();
        bool ok = ipc::encode_frame(env, out);
        auto d = ipc::decode_frame(out);
        ok = ok && d && extract(*d, back);
        benchmark::DoNotOptimize(ok);
    }
    report(state, out.size(), before);
}

// ---- the hand-written floor ---------------------------------------------------------------------
// Fixed big-endian fields and length-prefixed blobs, every read bounds-checked; no field tags, no
// optional fields, no forward compatibility. Not a proposal: a lower bound for comparison.

void put_blob(std::vector<std::uint8_t>& out, const std::uint8_t* p, std::size_t n) {
    append_be32(out, static_cast<std::uint32_t>(n));
    out.insert(out.end(), p, p + n);
}

void hand_encode(const Snapshot& s, std::vector<std::uint8_t>& out) {
    append_be64(out, s.id);
    append_be32(out, s.hresult);
    out.push_back(s.retrigger ? 1 : 0);
    out.push_back(s.flags);
    const auto corr = s.correlation.to_bytes();
    out.insert(out.end(), corr.begin(), corr.end());
    put_blob(out, s.soh_request.data.data(), s.soh_request.data.size());
    out.push_back(s.isolation ? 1 : 0);
    if (s.isolation) {
        append_be32(out, static_cast<std::uint32_t>(s.isolation->isolation_state));
        append_be32(out, static_cast<std::uint32_t>(s.isolation->extended_isolation_state));
        append_be64(out, s.isolation->prob_end_time.ticks);
        append_be32(out, static_cast<std::uint32_t>(s.isolation->failure_url.size()));
        for (const char16_t c : s.isolation->failure_url)
            append_be16(out, static_cast<std::uint16_t>(c));
    }
    put_blob(out, s.private_data.data.data(), s.private_data.data.size());
    append_be32(out, static_cast<std::uint32_t>(s.installed_shvs.size()));
    for (const auto id : s.installed_shvs)
        append_be32(out, id);
}

struct Cursor {
    const std::uint8_t* p;
    std::size_t left;
    bool take(std::size_t n, const std::uint8_t*& at) {
        if (left < n)
            return false;
        at = p;
        p += n;
        left -= n;
        return true;
    }
};

bool hand_decode(const std::vector<std::uint8_t>& in, Snapshot& s) {
    Cursor c{in.data(), in.size()};
    const std::uint8_t* at = nullptr;
    if (!c.take(8 + 4 + 1 + 1 + 24 + 4, at))
        return false;
    s.id = load_be64(at);
    s.hresult = load_be32(at + 8);
    s.retrigger = at[12] != 0;
    s.flags = at[13];
    s.correlation = CorrelationId::from_bytes(std::span<const std::uint8_t, 24>(at + 14, 24));
    const std::uint32_t soh_len = load_be32(at + 38);
    if (!c.take(soh_len, at))
        return false;
    s.soh_request.data.assign(at, at + soh_len);
    if (!c.take(1, at))
        return false;
    if (*at != 0) {
        if (!c.take(20, at))
            return false;
        IsolationInfoEx iso;
        iso.isolation_state = static_cast<IsolationState>(load_be32(at));
        iso.extended_isolation_state = static_cast<ExtendedIsolationState>(load_be32(at + 4));
        iso.prob_end_time = FileTime{load_be64(at + 8)};
        const std::uint32_t n = load_be32(at + 16);
        if (n > maxStringLength || !c.take(std::size_t{n} * 2, at))
            return false;
        iso.failure_url.resize(n);
        for (std::uint32_t i = 0; i < n; ++i)
            iso.failure_url[i] = static_cast<char16_t>(load_be16(at + 2 * i));
        if (!iso.is_valid())
            return false;
        s.isolation = std::move(iso);
    } else {
        s.isolation.reset();
    }
    if (!c.take(4, at))
        return false;
    const std::uint32_t pd_len = load_be32(at);
    if (!c.take(pd_len, at))
        return false;
    s.private_data.data.assign(at, at + pd_len);
    if (!c.take(4, at))
        return false;
    const std::uint32_t ids = load_be32(at);
    if (ids > maxSystemHealthEntityCount || !c.take(std::size_t{ids} * 4, at))
        return false;
    s.installed_shvs.resize(ids);
    for (std::uint32_t i = 0; i < ids; ++i)
        s.installed_shvs[i] = load_be32(at + 4 * i);
    return c.left == 0;
}

void BM_HandWrittenRoundTrip(benchmark::State& state) {
    const Snapshot s = typical();
    std::vector<std::uint8_t> out;
    out.reserve(4096);
    Snapshot back;
    const std::size_t before = g_allocations.load();
    for (auto _ : state) {
        out.clear();
        hand_encode(s, out);
        const bool ok = hand_decode(out, back);
        benchmark::DoNotOptimize(ok);
    }
    report(state, out.size(), before);
}

}  // namespace

// Counting replacement of the global allocation functions (as in soh_bench.cc).
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

BENCHMARK(BM_ProtobufEncode);
BENCHMARK(BM_ProtobufDecode);
BENCHMARK(BM_ProtobufReaderDecode);
BENCHMARK(BM_ProtobufRoundTrip);
BENCHMARK(BM_HandWrittenRoundTrip);

BENCHMARK_MAIN();
