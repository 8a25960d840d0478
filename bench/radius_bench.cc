// RADIUS codec benchmarks: what napserver does per Access-Request carrying an SoH (vector 10's
// MS-Quarantine-SoH VSA plus the usual NAS attributes and a Message-Authenticator):
// decode, verify (Message-Authenticator HMAC-MD5), read the SoH, then build the Access-Accept
// (Message-Authenticator, quarantine state, Session-Timeout, VLAN, the SoHR) and sign it.
// Reports operator-new and OpenSSL (CRYPTO_malloc) allocations per operation.
#include <benchmark/benchmark.h>
#include <openssl/crypto.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include "opennap/radius/auth.h"
#include "opennap/radius/authorization.h"
#include "opennap/radius/ms_rnap.h"
#include "opennap/radius/tunnel.h"

namespace {

using namespace opennap::radius;

std::atomic<std::size_t> g_allocations{0};
std::atomic<std::size_t> g_ossl_allocations{0};

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

constexpr std::string_view kSecret = "a-reasonably-long-shared-secret";

SharedSecret make_secret() {
    auto s = SharedSecret::create(kSecret);
    if (!s) {
        std::fprintf(stderr, "%s\n", s.error().message().c_str());
        std::exit(1);
    }
    return std::move(*s);
}

// The Access-Request a NAS would send: Message-Authenticator first, User-Name, NAS-IP-Address,
// NAS-Port-Type, Calling-Station-Id, MS-Network-Access-Server-Type, vector 10's VSA (331 octets).
std::vector<std::uint8_t> make_request(SharedSecret& secret) {
    PacketBuilder b(Code::AccessRequest, 42, Authenticator{0x10, 0x20, 0x30, 0x40, 0x50});
    b.add_message_authenticator()
        .add(Attr::UserName, "host/pc1.example.com")
        .add(Attr::NasIpAddress, std::vector<std::uint8_t>{10, 0, 0, 1})
        .add_u32(Attr::NasPortType, 15)
        .add(Attr::CallingStationId, "00-11-22-33-44-55");
    add_network_access_server_type(b, NasType::Ras);
    b.add_raw(load("10-radius-vsa-ms-quarantine-soh-compact.hex"));
    if (!sign_request(b, secret)) {
        std::exit(1);
    }
    return *b.take();
}

struct Counts {
    std::size_t news = g_allocations.load();
    std::size_t ossl = g_ossl_allocations.load();
};

void report(benchmark::State& state, std::size_t bytes, const Counts& before) {
    const auto n = static_cast<double>(state.iterations());
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
    state.counters["allocs/op"] =
        benchmark::Counter(static_cast<double>(g_allocations.load() - before.news) / n);
    state.counters["ossl_allocs/op"] =
        benchmark::Counter(static_cast<double>(g_ossl_allocations.load() - before.ossl) / n);
}

void BM_Decode(benchmark::State& state) {
    SharedSecret secret = make_secret();
    const auto request = make_request(secret);
    const Counts before;
    for (auto _ : state) {
        auto p = decode_packet(request);
        benchmark::DoNotOptimize(p);
    }
    report(state, request.size(), before);
}

void BM_DecodeVerify(benchmark::State& state) {
    SharedSecret secret = make_secret();
    const auto request = make_request(secret);
    const Counts before;
    for (auto _ : state) {
        auto p = decode_packet(request);
        const bool ok = p && verify_request(*p, secret, true).ok();
        benchmark::DoNotOptimize(ok);
    }
    report(state, request.size(), before);
}

// The one-shot verify_request(view, string_view secret, ...) builds the OpenSSL state per call.
void BM_DecodeVerifyOneShot(benchmark::State& state) {
    SharedSecret secret = make_secret();
    const auto request = make_request(secret);
    const Counts before;
    for (auto _ : state) {
        auto p = decode_packet(request);
        const bool ok = p && verify_request(*p, kSecret, true).ok();
        benchmark::DoNotOptimize(ok);
    }
    report(state, request.size(), before);
}

void build_accept(PacketBuilder& b, const std::vector<std::uint8_t>& sohr) {
    b.reset(Code::AccessAccept);
    b.add_message_authenticator();
    add_quarantine_state(b, QuarantineState::Restricted);
    add_session_timeout(b, std::chrono::seconds(3600));
    add_vlan(b, std::uint16_t{10});
    add_quarantine_soh(b, sohr, Wrapping::PeapWrapper);
}

void BM_EncodeSign(benchmark::State& state) {
    SharedSecret secret = make_secret();
    const auto request = make_request(secret);
    const auto view = *decode_packet(request);
    const auto sohr = load("15-sohr-synthesized.hex");
    PacketBuilder b(Code::AccessAccept);
    std::size_t size = 0;
    const Counts before;
    for (auto _ : state) {
        build_accept(b, sohr);
        const bool ok = sign_response(b, view, secret).has_value();
        size = b.size();
        benchmark::DoNotOptimize(ok);
    }
    report(state, size, before);
}

// Everything per request: decode, verify, read the SoH (reassembled into an owned vector),
// build and sign the answer.
void BM_FullExchange(benchmark::State& state) {
    SharedSecret secret = make_secret();
    const auto request = make_request(secret);
    const auto sohr = load("15-sohr-synthesized.hex");
    PacketBuilder b(Code::AccessAccept);
    const Counts before;
    for (auto _ : state) {
        auto p = decode_packet(request);
        if (!p || !verify_request(*p, secret, true).ok()) {
            state.SkipWithError("verify failed");
            break;
        }
        auto soh = quarantine_soh(*p);
        benchmark::DoNotOptimize(soh);
        build_accept(b, sohr);
        const bool ok = sign_response(b, *p, secret).has_value();
        benchmark::DoNotOptimize(ok);
        benchmark::DoNotOptimize(b.bytes());
    }
    report(state, request.size(), before);
}

void* counting_malloc(std::size_t n, const char*, int) {
    g_ossl_allocations.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(n);
}
void* counting_realloc(void* p, std::size_t n, const char*, int) {
    g_ossl_allocations.fetch_add(1, std::memory_order_relaxed);
    return std::realloc(p, n);
}
void plain_free(void* p, const char*, int) {
    std::free(p);
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

BENCHMARK(BM_Decode);
BENCHMARK(BM_DecodeVerify);
BENCHMARK(BM_DecodeVerifyOneShot);
BENCHMARK(BM_EncodeSign);
BENCHMARK(BM_FullExchange);

int main(int argc, char** argv) {
    // Before OpenSSL allocates anything: count its allocations too.
    if (CRYPTO_set_mem_functions(counting_malloc, counting_realloc, plain_free) != 1) {
        std::fprintf(stderr, "CRYPTO_set_mem_functions failed\n");
        return 1;
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        return 1;
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
