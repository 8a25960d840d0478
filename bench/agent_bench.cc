// Agent core benchmarks (issue 3): one full in-process exchange with 5 SHAs answering from
// their cached SoH; SetConnectionId alone; memory per idle connection for 100,000 connections.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include "opennap/agent/client_management.h"
#include "opennap/agent/enforcement_client.h"
#include "opennap/agent/health_agent.h"
#include "opennap/agent/tracing.h"
#include "opennap/soh/attributes.h"
#include "opennap/soh/message.h"

using namespace opennap;
using namespace opennap::agent;

namespace {

std::atomic<std::size_t> g_bytes{0};

class CachedSha : public HealthAgentCallback {
  public:
    explicit CachedSha(SystemHealthEntityId id) : id_(id) {}
    Status get_soh_request(ShaRequest& r) override {
        if (r.soh_request())
            return hr::S_OK;  // answer from the cache
        SoH soh;
        auto a = soh::attr::make_system_health_id(id_);
        soh.attributes.push_back({a.type, a.value});
        auto h = soh::attr::make_health_class(0);
        soh.attributes.push_back({h.type, h.value});
        soh.attributes.push_back({soh::tlv_type::kHealthClassStatus, {0, 0, 0, 7}});
        return r.set_soh_request(std::move(soh), true);
    }
    Status process_soh_response(ShaRequest&) override { return hr::S_OK; }
    Status notify_system_isolation_state_change() override { return hr::S_OK; }
    Result<FixupInfo> get_fixup_info() override {
        return FixupInfo{FixupState::Success, 100, {}, 0};
    }
    Status notify_orphaned_soh_request(const CorrelationId&) override { return hr::S_OK; }

  private:
    SystemHealthEntityId id_;
    bool answered_ = false;
};

class QuietEc : public EnforcementClientCallback {
  public:
    Status notify_soh_change() override { return hr::S_OK; }
    Result<std::vector<std::shared_ptr<Connection>>> get_connections() override {
        return std::vector<std::shared_ptr<Connection>>{};
    }
};

NapComponentRegistrationInfo info(NapComponentId id) {
    NapComponentRegistrationInfo i;
    i.id = id;
    i.friendly_name = u"bench";
    return i;
}

struct World {
    explicit World(AgentConfig cfg = {}) {
        set_tracing_level(NapTracingLevel::Undefined);
        agent = std::make_shared<Agent>(std::move(cfg), std::make_shared<SystemClock>());
        ClientManagement m(agent);
        (void)m.register_enforcement_client(info(0x000137F1));
        for (std::uint32_t i = 0; i < 5; ++i) {
            (void)m.register_system_health_agent(info(0x000137A0 + i));
            shas.push_back(*HealthAgentBinding::initialize(
                agent, 0x000137A0 + i, std::make_shared<CachedSha>(0x000137A0 + i)));
        }
        ec.emplace(
            *EnforcementClientBinding::initialize(agent, 0x000137F1, std::make_shared<QuietEc>()));
    }
    std::shared_ptr<Agent> agent;
    std::vector<HealthAgentBinding> shas;
    std::optional<EnforcementClientBinding> ec;
};

// An SoHR template whose 24 correlation-id bytes (mode sub-header and MS-CorrelationId) are
// patched per exchange.
struct SohrTemplate {
    SohrTemplate() {
        soh::Message m;
        m.mode = soh::ModeSubHeader{};
        m.mode->correlation_id.fill(0xA5);
        m.mode->intent = soh::kIntentResponse;
        m.system.items.emplace_back(soh::PacketInfo{soh::kPacketInfoResponse});
        m.system.items.emplace_back(soh::MsCorrelationId{m.mode->correlation_id});
        m.system.items.emplace_back(soh::QuarantineState{
            soh::quarantine_flags::make(1, 0), FileTime{FileTime::kNone}, std::string(1, '\0')});
        for (std::uint32_t i = 0; i < 5; ++i) {
            const std::uint32_t ok = 0;
            m.entries.push_back({0x000137A0 + i,
                                 {soh::attr::make_compliance_result_codes(
                                     std::span<const std::uint32_t>(&ok, 1))}});
        }
        bytes = *soh::encode(m);
        for (std::size_t i = 0; i + 24 <= bytes.size(); ++i) {
            if (std::all_of(bytes.begin() + static_cast<std::ptrdiff_t>(i),
                            bytes.begin() + static_cast<std::ptrdiff_t>(i + 24),
                            [](std::uint8_t b) { return b == 0xA5; })) {
                at.push_back(i);
                i += 23;
            }
        }
    }
    NetworkSoH for_id(const CorrelationId& id) const {
        NetworkSoH n{bytes};
        const auto b = id.to_bytes();
        for (std::size_t off : at)
            std::memcpy(n.data.data() + off, b.data(), b.size());
        return n;
    }
    std::vector<std::uint8_t> bytes;
    std::vector<std::size_t> at;
};

void BM_FullExchange(benchmark::State& state) {
    World w;
    SohrTemplate sohr;
    std::uint32_t n = 0;
    for (auto _ : state) {
        auto c = *w.ec->create_connection();
        (void)c->set_connection_id(Guid{++n, 1, 2, {3, 4, 5, 6, 7, 8, 9, 10}});
        auto hint = w.ec->get_soh_request(*c);
        (void)c->set_soh_response(sohr.for_id(*c->correlation_id()));
        const Status s = w.ec->process_soh_response(*c);
        (void)w.ec->notify_connection_state_down(*c);
        if (!hint || s != hr::S_OK)
            state.SkipWithError("exchange failed");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_FullExchange);

void BM_SetConnectionId(benchmark::State& state) {
    World w;
    auto c = *w.ec->create_connection();
    std::uint32_t n = 0;
    for (auto _ : state) {
        const Status s = c->set_connection_id(Guid{++n, 1, 2, {3, 4, 5, 6, 7, 8, 9, 10}});
        benchmark::DoNotOptimize(s);
    }
}
BENCHMARK(BM_SetConnectionId);

void BM_IdleConnectionMemory(benchmark::State& state) {
    const std::size_t count = 100'000;
    for (auto _ : state) {
        AgentConfig cfg;
        cfg.max_connections_per_ec = count;
        cfg.max_connections_total = count;
        World w(cfg);
        std::vector<std::shared_ptr<Connection>> conns;
        conns.reserve(count);
        const std::size_t before = g_bytes.load();
        for (std::uint32_t i = 0; i < count; ++i) {
            auto c = *w.ec->create_connection();
            (void)c->set_connection_id(Guid{i + 1, 1, 2, {3, 4, 5, 6, 7, 8, 9, 10}});
            conns.push_back(std::move(c));
        }
        const std::size_t after = g_bytes.load();
        // Bytes allocated per connection, agent side plus the EC's handle (the vector of handles
        // was reserved beforehand and is not counted).
        state.counters["bytes/connection"] =
            static_cast<double>(after - before) / static_cast<double>(count);
    }
}
BENCHMARK(BM_IdleConnectionMemory)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
    g_bytes.fetch_add(n, std::memory_order_relaxed);
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

BENCHMARK_MAIN();
