// The agent core's persistence hooks (persistence.h, docs/agent.md "Persistence hooks"): the
// exact changes each operation reports to the StateObserver, none when nothing changed, the
// threading promises, and restore().
#include "opennap/agent/persistence.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "agent/harness.h"
#include "opennap/agent/agent.h"

namespace opennap::agent::test {
namespace {

using namespace std::chrono_literals;

class Recorder final : public StateObserver {
  public:
    void changed(const Change& c) override {
        if (on_change)
            on_change(c);
        std::lock_guard lock(mu);
        changes.push_back(c);
        history.push_back(c);
    }
    std::vector<Change> take() {
        std::lock_guard lock(mu);
        return std::exchange(changes, {});
    }
    // Every change ever reported (take() does not clear it).
    std::vector<Change> all() {
        std::lock_guard lock(mu);
        return history;
    }
    std::mutex mu;
    std::vector<Change> changes;  // since the last take()
    std::vector<Change> history;
    std::function<void(const Change&)> on_change;
};

std::string describe(const PersistedState& s) {
    std::string out;
    for (const auto& sha : s.shas) {
        out += "  SHA " + std::to_string(sha.info.id) + (sha.enabled ? "" : " disabled") +
               (sha.cached_soh ? " cached" : "") + " codes " +
               std::to_string(sha.state.sha_result_codes.size()) + " fixup " +
               std::to_string(static_cast<int>(sha.state.fixup_info.state)) + "/" +
               std::to_string(sha.state.fixup_info.percentage) + "\n";
    }
    for (const auto& ec : s.ecs) {
        out += "  EC " + std::to_string(ec.info.id) + (ec.enabled ? "" : " disabled") +
               (ec.cert_subscriber ? " subscribed" : "") + "\n";
    }
    out += "  system " + std::string(to_string(s.system.info.isolation_state)) + " end " +
           s.system.info.prob_end_time.to_string() +
           (s.system.unknown_connections ? " unknown" : "") + "\n";
    return out;
}

std::string describe(const std::vector<Change>& cs) {
    std::string s;
    for (const Change& c : cs)
        s += "  " + to_string(c) + "\n";
    return s.empty() ? "  (none)\n" : s;
}

#define EXPECT_CHANGES(recorder, ...)                                                         \
    do {                                                                                      \
        const std::vector<Change> got_ = (recorder).take();                                   \
        const std::vector<Change> want_ = __VA_ARGS__;                                        \
        EXPECT_EQ(got_, want_) << "got:\n" << describe(got_) << "want:\n" << describe(want_); \
    } while (0)

NapComponentRegistrationInfo registered(NapComponentId id, std::u16string name, FileTime when) {
    NapComponentRegistrationInfo i = info(id, std::move(name));
    i.registration_date = when;
    return i;
}

SystemIsolation isolation(IsolationState s, bool unknown, FileTime probation_end = {},
                          std::u16string url = {}) {
    SystemIsolation si;
    si.info.isolation_state = s;
    si.info.prob_end_time = probation_end;
    si.info.failure_url = std::move(url);
    si.unknown_connections = unknown;
    return si;
}

class PersistenceTest : public ::testing::Test {
  protected:
    PersistenceTest() : clock(std::make_shared<ManualClock>()) {
        set_tracing_level(NapTracingLevel::Undefined);
        agent = make_agent(recorder);
    }

    std::shared_ptr<Agent> make_agent(std::shared_ptr<StateObserver> observer) {
        AgentConfig c;
        c.machine.machine_name = "persistence.opennap.test";
        c.connections_refresh_interval = std::chrono::milliseconds(0);
        c.observer = std::move(observer);
        return std::make_shared<Agent>(std::move(c), clock);
    }

    // Registers kSha1 and kEcA and forgets those changes.
    void register_basics() {
        ClientManagement mgmt(agent);
        ASSERT_EQ(mgmt.register_system_health_agent(info(kSha1, u"SHA one")), hr::S_OK);
        ASSERT_EQ(mgmt.register_enforcement_client(info(kEcA, u"EC A")), hr::S_OK);
        recorder->take();
    }
    std::shared_ptr<Connection> connect(EnforcementClientBinding& ec, std::uint32_t n) {
        auto c = ec.create_connection();
        EXPECT_TRUE(c);
        EXPECT_EQ((*c)->set_connection_id(guid(n)), hr::S_OK);
        return *c;
    }
    Status exchange(EnforcementClientBinding& ec, Connection& c, const SohrOptions& o = {}) {
        auto hint = ec.get_soh_request(c);
        if (!hint)
            return hint.error();
        auto corr = c.correlation_id();
        EXPECT_TRUE(corr);
        EXPECT_EQ(c.set_soh_response(make_sohr(*corr, o)), hr::S_OK);
        return ec.process_soh_response(c);
    }
    // The recorded changes, applied to `base`, give what the agent says it would persist.
    void expect_model_matches(const PersistedState& base = {}) {
        PersistedState model = base;
        for (const Change& c : recorder->all())
            apply(model, c);
        const PersistedState now = agent->persisted_state();
        EXPECT_EQ(model, now) << "model:\n" << describe(model) << "agent:\n" << describe(now);
    }

    std::shared_ptr<ManualClock> clock;
    std::shared_ptr<Recorder> recorder = std::make_shared<Recorder>();
    std::shared_ptr<Agent> agent;
};

// ---- the registry ------------------------------------------------------------------------------

TEST_F(PersistenceTest, RegisterUnregisterEnableDisableReportExactlyTheirChange) {
    ClientManagement mgmt(agent);
    const FileTime t0 = clock->now();
    ASSERT_EQ(mgmt.register_system_health_agent(info(kSha1, u"SHA one")), hr::S_OK);
    EXPECT_CHANGES(*recorder, {ComponentRegistered{ComponentKind::Sha,
                                                   registered(kSha1, u"SHA one", t0), true}});
    clock->advance(1s);
    ASSERT_EQ(mgmt.register_enforcement_client(info(kEcA, u"EC A")), hr::S_OK);
    EXPECT_CHANGES(*recorder, {ComponentRegistered{ComponentKind::Ec,
                                                   registered(kEcA, u"EC A", clock->now()), true}});

    // Refused: nothing changes, nothing is reported.
    EXPECT_EQ(mgmt.register_system_health_agent(info(kSha1, u"again")), hr::NAP_E_CONFLICTING_ID);
    ClientManagement stranger(agent, Caller{Caller::Kind::EnforcementClient, kEcA, 99});
    EXPECT_EQ(stranger.register_system_health_agent(info(kSha2, u"x")), hr::E_ACCESSDENIED);
    EXPECT_EQ(mgmt.unregister_enforcement_client(kEcB), hr::NAP_E_ID_NOT_FOUND);
    EXPECT_EQ(mgmt.set_system_health_agent_enabled(kSha2, false), hr::NAP_E_ID_NOT_FOUND);
    EXPECT_CHANGES(*recorder, {});

    ASSERT_EQ(mgmt.set_system_health_agent_enabled(kSha1, false), hr::S_OK);
    EXPECT_CHANGES(*recorder, {ComponentEnabled{ComponentKind::Sha, kSha1, false}});
    ASSERT_EQ(mgmt.set_system_health_agent_enabled(kSha1, false), hr::S_OK);  // no change
    ASSERT_EQ(mgmt.set_enforcement_client_enabled(kEcA, true), hr::S_OK);     // no change
    EXPECT_CHANGES(*recorder, {});
    ASSERT_EQ(mgmt.set_system_health_agent_enabled(kSha1, true), hr::S_OK);
    ASSERT_EQ(mgmt.set_enforcement_client_enabled(kEcA, false), hr::S_OK);
    EXPECT_CHANGES(*recorder, {ComponentEnabled{ComponentKind::Sha, kSha1, true},
                               ComponentEnabled{ComponentKind::Ec, kEcA, false}});

    // Still bound: refused, nothing reported.
    auto sha = std::make_shared<TestSha>(kSha1);
    auto b = HealthAgentBinding::initialize(agent, kSha1, sha);
    ASSERT_TRUE(b);
    EXPECT_EQ(mgmt.unregister_system_health_agent(kSha1), hr::NAP_E_STILL_BOUND);
    EXPECT_CHANGES(*recorder, {});
    ASSERT_EQ(b->uninitialize(), hr::S_OK);
    ASSERT_EQ(mgmt.unregister_system_health_agent(kSha1), hr::S_OK);
    ASSERT_EQ(mgmt.unregister_enforcement_client(kEcA), hr::S_OK);
    EXPECT_CHANGES(*recorder, {ComponentUnregistered{ComponentKind::Sha, kSha1},
                               ComponentUnregistered{ComponentKind::Ec, kEcA}});
    expect_model_matches();
}

TEST_F(PersistenceTest, CertificateSubscriptionsAreReportedAndGoWithTheirEc) {
    ClientManagement mgmt(agent);
    NapComponentRegistrationInfo rp = info(kEcA, u"RP");
    rp.component_type = ComponentTypeEnforcementClientRp;
    ASSERT_EQ(mgmt.register_enforcement_client(rp), hr::S_OK);
    recorder->take();
    const Caller admin = Caller::admin();
    ASSERT_TRUE(agent->subscribe_cert_by_group(admin, kEcA, u"one"));
    EXPECT_CHANGES(*recorder, {CertSubscriptionChanged{kEcA, u"one"}});
    ASSERT_TRUE(agent->subscribe_cert_by_group(admin, kEcA, u"one"));  // the same: no change
    EXPECT_CHANGES(*recorder, {});
    ASSERT_TRUE(agent->subscribe_cert_by_group(admin, kEcA, u"two"));
    EXPECT_CHANGES(*recorder, {CertSubscriptionChanged{kEcA, u"two"}});
    expect_model_matches();
    ASSERT_EQ(agent->unsubscribe_cert_by_group(admin, kEcA), hr::S_OK);
    EXPECT_CHANGES(*recorder, {CertSubscriptionChanged{kEcA, std::nullopt}});
    EXPECT_EQ(agent->unsubscribe_cert_by_group(admin, kEcA), hr::ERROR_NOT_FOUND);
    EXPECT_CHANGES(*recorder, {});
    ASSERT_TRUE(agent->subscribe_cert_by_group(admin, kEcA, u"three"));
    ASSERT_EQ(mgmt.unregister_enforcement_client(kEcA), hr::S_OK);
    EXPECT_CHANGES(*recorder, {CertSubscriptionChanged{kEcA, u"three"},
                               ComponentUnregistered{ComponentKind::Ec, kEcA}});
    expect_model_matches();
}

// ---- SoH cache, SHA state, system isolation ----------------------------------------------------

TEST_F(PersistenceTest, CacheSetOnlyWhenTheSoHChangesAndFlushed) {
    register_basics();
    auto sha = std::make_shared<TestSha>(kSha1);
    sha->fixup = FixupInfo{};  // the default state: ProcessSoHResponse changes nothing
    auto sb = HealthAgentBinding::initialize(agent, kSha1, sha);
    ASSERT_TRUE(sb);
    auto ec = std::make_shared<TestEc>();
    auto eb = EnforcementClientBinding::initialize(agent, kEcA, ec);
    ASSERT_TRUE(eb);
    auto conn = connect(*eb, 1);
    EXPECT_CHANGES(*recorder,
                   {SystemIsolationChanged{isolation(IsolationState::NotRestricted, true)}});

    ASSERT_TRUE(eb->get_soh_request(*conn));
    EXPECT_CHANGES(*recorder, {ShaCacheChanged{kSha1, std::make_shared<const SoH>(sha->soh())}});
    // The SHA sets the same SoH again (and again): nothing to store.
    ASSERT_TRUE(eb->get_soh_request(*conn));
    ASSERT_TRUE(eb->get_soh_request(*conn));
    EXPECT_CHANGES(*recorder, {});
    sha->set_soh_value(1);
    ASSERT_TRUE(eb->get_soh_request(*conn));
    EXPECT_CHANGES(*recorder, {ShaCacheChanged{kSha1, std::make_shared<const SoH>(sha->soh())}});
    expect_model_matches();

    // Not for caching: the cache keeps the old SoH, nothing to store.
    sha->cache = false;
    sha->set_soh_value(2);
    ASSERT_TRUE(eb->get_soh_request(*conn));
    EXPECT_CHANGES(*recorder, {});

    ASSERT_EQ(sb->flush_cache(), hr::S_OK);
    EXPECT_CHANGES(*recorder, {ShaCacheChanged{kSha1, nullptr}});
    ASSERT_EQ(sb->flush_cache(), hr::S_OK);  // already empty
    EXPECT_CHANGES(*recorder, {});
    expect_model_matches();
}

TEST_F(PersistenceTest, AnSharUnavailableFlushesItsCacheAndThatIsReported) {
    register_basics();
    auto sha = std::make_shared<TestSha>(kSha1);
    auto sb = HealthAgentBinding::initialize(agent, kSha1, sha);
    ASSERT_TRUE(sb);
    auto eb = EnforcementClientBinding::initialize(agent, kEcA, std::make_shared<TestEc>());
    ASSERT_TRUE(eb);
    auto conn = connect(*eb, 1);
    ASSERT_TRUE(eb->get_soh_request(*conn));
    recorder->take();
    sha->result = hr::RPC_S_SERVER_UNAVAILABLE;
    ASSERT_TRUE(eb->get_soh_request(*conn));
    EXPECT_CHANGES(*recorder, {ShaCacheChanged{kSha1, nullptr}});
    expect_model_matches();
}

TEST_F(PersistenceTest, ShaStateChangesAreReportedOnlyWhenTheyDiffer) {
    register_basics();
    auto sha = std::make_shared<TestSha>(kSha1);
    sha->fixup = FixupInfo{};
    auto sb = HealthAgentBinding::initialize(agent, kSha1, sha);
    ASSERT_TRUE(sb);
    auto eb = EnforcementClientBinding::initialize(agent, kEcA, std::make_shared<TestEc>());
    ASSERT_TRUE(eb);
    auto conn = connect(*eb, 1);
    ASSERT_TRUE(eb->get_soh_request(*conn));
    recorder->take();

    SohrOptions o;
    o.state = IsolationState::RestrictedAccess;
    o.entries = {{kSha1, 0xC0FF0001u}};
    ASSERT_EQ(exchange(*eb, *conn, o), hr::S_OK);
    SystemHealthAgentState st;
    st.id = kSha1;
    st.sha_result_codes = {HResult(0xC0FF0001u)};
    EXPECT_CHANGES(*recorder, {ShaStateChanged{st}, SystemIsolationChanged{isolation(
                                                        IsolationState::RestrictedAccess, false)}});
    // The same answer again: nothing.
    ASSERT_EQ(exchange(*eb, *conn, o), hr::S_OK);
    ASSERT_EQ(exchange(*eb, *conn, o), hr::S_OK);
    EXPECT_CHANGES(*recorder, {});

    // The fix-up state the SHA reports after ProcessSoHResponse, then its polls.
    sha->fixup = FixupInfo{FixupState::InProgress, 40, {}, 7};
    ASSERT_EQ(exchange(*eb, *conn, o), hr::S_OK);
    st.fixup_info = sha->fixup;
    EXPECT_CHANGES(*recorder, {ShaStateChanged{st}});
    clock->advance(6s);
    (void)agent->run_pending();  // polls: the same fix-up state, nothing
    EXPECT_CHANGES(*recorder, {});
    {
        std::lock_guard lock(sha->mu);
        sha->fixup = FixupInfo{FixupState::Success, 100, {}, 7};
    }
    clock->advance(6s);
    (void)agent->run_pending();
    st.fixup_info = FixupInfo{FixupState::Success, 100, {}, 7};
    EXPECT_CHANGES(*recorder, {ShaStateChanged{st}});

    // Compliant now.
    o.state = IsolationState::NotRestricted;
    o.entries = {{kSha1, 0}};
    ASSERT_EQ(exchange(*eb, *conn, o), hr::S_OK);
    st.sha_result_codes = {HResult(0u)};
    EXPECT_CHANGES(*recorder, {ShaStateChanged{st}, SystemIsolationChanged{isolation(
                                                        IsolationState::NotRestricted, false)}});
    expect_model_matches();
}

TEST_F(PersistenceTest, ResponsesForShasNotInstalledChangeNothing) {
    register_basics();
    auto eb = EnforcementClientBinding::initialize(agent, kEcA, std::make_shared<TestEc>());
    ASSERT_TRUE(eb);
    auto conn = connect(*eb, 1);
    SohrOptions o;
    o.entries = {{0x00FFFF01, 0xC0FF0001u}};
    ASSERT_EQ(exchange(*eb, *conn, o), hr::S_OK);
    recorder->take();
    ASSERT_EQ(exchange(*eb, *conn, o), hr::S_OK);
    EXPECT_CHANGES(*recorder, {});
    // Nothing kept for it: registering it later starts from a clean state.
    ClientManagement mgmt(agent);
    ASSERT_EQ(mgmt.register_system_health_agent(info(0x00FFFF01, u"late")), hr::S_OK);
    for (const auto& s : agent->sha_status()) {
        if (s.info.id == 0x00FFFF01) {
            EXPECT_TRUE(s.state.sha_result_codes.empty());
        }
    }
    expect_model_matches();
}

TEST_F(PersistenceTest, SystemIsolationChangesAreReportedOnce) {
    register_basics();
    auto eb = EnforcementClientBinding::initialize(agent, kEcA, std::make_shared<TestEc>());
    ASSERT_TRUE(eb);
    auto a = connect(*eb, 1);
    EXPECT_CHANGES(*recorder,
                   {SystemIsolationChanged{isolation(IsolationState::NotRestricted, true)}});
    auto b = connect(*eb, 2);  // still "not restricted, unknown connections"
    EXPECT_CHANGES(*recorder, {});
    SohrOptions o;
    o.state = IsolationState::InProbation;
    o.probation_end = FileTime{clock->now().ticks + ticks(1h)};
    o.url = "http://fix.example/";
    ASSERT_EQ(exchange(*eb, *a, o), hr::S_OK);
    EXPECT_CHANGES(*recorder,
                   {SystemIsolationChanged{isolation(IsolationState::InProbation, true,
                                                     o.probation_end, u"http://fix.example/")}});
    ASSERT_EQ(exchange(*eb, *a, o), hr::S_OK);
    EXPECT_CHANGES(*recorder, {});
    ASSERT_EQ(eb->notify_connection_state_down(*b), hr::S_OK);
    EXPECT_CHANGES(*recorder,
                   {SystemIsolationChanged{isolation(IsolationState::InProbation, false,
                                                     o.probation_end, u"http://fix.example/")}});
    ASSERT_EQ(eb->notify_connection_state_down(*a), hr::S_OK);
    EXPECT_CHANGES(*recorder,
                   {SystemIsolationChanged{isolation(IsolationState::NotRestricted, false)}});
    expect_model_matches();
}

TEST_F(PersistenceTest, RepeatedIdenticalExchangesWriteNothing) {
    register_basics();
    auto sha = std::make_shared<TestSha>(kSha1);
    auto sb = HealthAgentBinding::initialize(agent, kSha1, sha);
    ASSERT_TRUE(sb);
    auto eb = EnforcementClientBinding::initialize(agent, kEcA, std::make_shared<TestEc>());
    ASSERT_TRUE(eb);
    auto conn = connect(*eb, 1);
    SohrOptions o;
    o.entries = {{kSha1, 0}};
    ASSERT_EQ(exchange(*eb, *conn, o), hr::S_OK);  // warm-up: cache, state, system state
    EXPECT_FALSE(recorder->take().empty());
    for (int i = 0; i < 10000; ++i)
        ASSERT_EQ(exchange(*eb, *conn, o), hr::S_OK);
    EXPECT_CHANGES(*recorder, {});
}

// ---- threading ---------------------------------------------------------------------------------

TEST_F(PersistenceTest, TheObserverRunsWithoutTheAgentLock) {
    // Reading the agent from inside changed() would deadlock if the lock were held.
    recorder->on_change = [this](const Change&) {
        (void)agent->sha_status();
        (void)agent->system_isolation();
    };
    register_basics();

    // A slow store does not stall other threads' agent calls.
    std::mutex m;
    std::condition_variable cv;
    bool inside = false;
    bool release = false;
    recorder->on_change = [&](const Change&) {
        std::unique_lock lock(m);
        inside = true;
        cv.notify_all();
        cv.wait(lock, [&] { return release; });
    };
    std::thread writer([&] {
        ClientManagement mgmt(agent);
        EXPECT_EQ(mgmt.register_system_health_agent(info(kSha2, u"SHA two")), hr::S_OK);
    });
    {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return inside; });
    }
    EXPECT_EQ(agent->sha_status().size(), 2u);  // not blocked by the store
    auto eb = EnforcementClientBinding::initialize(agent, kEcA, std::make_shared<TestEc>());
    EXPECT_TRUE(eb);
    {
        std::lock_guard lock(m);
        release = true;
    }
    cv.notify_all();
    writer.join();
    recorder->on_change = nullptr;
}

TEST_F(PersistenceTest, AChangeIsDeliveredBeforeTheCallReturnsAndInOrder) {
    ClientManagement mgmt(agent);
    constexpr int kThreads = 4;
    for (int t = 0; t < kThreads; ++t) {
        ASSERT_EQ(
            mgmt.register_system_health_agent(info(static_cast<NapComponentId>(0x100 + t), u"sha")),
            hr::S_OK);
    }
    recorder->on_change = [](const Change&) { std::this_thread::sleep_for(10us); };
    std::atomic<int> violations{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            const auto id = static_cast<NapComponentId>(0x100 + t);
            for (int i = 0; i < 200; ++i) {
                const bool enabled = i % 2 == 1;
                ClientManagement m(agent);
                EXPECT_EQ(m.set_system_health_agent_enabled(id, enabled), hr::S_OK);
                // The latest change for this SHA must already be the one just made.
                std::optional<bool> last;
                for (const Change& c : recorder->all()) {
                    if (const auto* e = std::get_if<ComponentEnabled>(&c); e && e->id == id)
                        last = e->enabled;
                }
                if (last != enabled)
                    ++violations;
            }
        });
    }
    for (auto& th : threads)
        th.join();
    EXPECT_EQ(violations.load(), 0);
    expect_model_matches();
}

TEST_F(PersistenceTest, ConcurrentExchangesReportChangesInTheOrderMade) {
    register_basics();
    ClientManagement mgmt(agent);
    ASSERT_EQ(mgmt.register_enforcement_client(info(kEcB, u"EC B")), hr::S_OK);
    auto sha = std::make_shared<TestSha>(kSha1);
    auto sb = HealthAgentBinding::initialize(agent, kSha1, sha);
    ASSERT_TRUE(sb);
    std::vector<std::thread> threads;
    for (EnforcementEntityId id : {kEcA, kEcB}) {
        threads.emplace_back([&, id] {
            auto eb = EnforcementClientBinding::initialize(agent, id, std::make_shared<TestEc>());
            ASSERT_TRUE(eb);
            std::deque<std::shared_ptr<Connection>> live;  // a few at a time (quota)
            for (int i = 0; i < 300; ++i) {
                auto conn = connect(*eb, static_cast<std::uint32_t>(id + i));
                live.push_back(conn);
                SohrOptions o;
                o.state = static_cast<IsolationState>(1 + (i + id) % 3);
                if (o.state == IsolationState::InProbation)
                    o.probation_end = FileTime{clock->now().ticks + static_cast<std::uint64_t>(i)};
                o.entries = {{kSha1, i % 4 == 0 ? 0xC0FF0001u : 0u}};
                EXPECT_EQ(exchange(*eb, *conn, o), hr::S_OK);
                if (live.size() > 5) {
                    EXPECT_EQ(eb->notify_connection_state_down(*live.front()), hr::S_OK);
                    live.pop_front();
                }
            }
        });
    }
    for (auto& th : threads)
        th.join();
    expect_model_matches();
}

// ---- restore -----------------------------------------------------------------------------------

const PersistedSha& sha_of(const PersistedState& s, SystemHealthEntityId id) {
    for (const auto& sha : s.shas) {
        if (sha.info.id == id)
            return sha;
    }
    static const PersistedSha none;
    ADD_FAILURE() << "no SHA " << id;
    return none;
}

// A state with every kind of thing in it, made by a real agent.
PersistedState sample_state(PersistenceTest* /*unused*/, const std::shared_ptr<Agent>& agent,
                            ManualClock& clock) {
    ClientManagement mgmt(agent);
    EXPECT_EQ(mgmt.register_system_health_agent(info(kSha1, u"SHA one")), hr::S_OK);
    EXPECT_EQ(mgmt.register_system_health_agent(info(kSha2, u"SHA two")), hr::S_OK);
    NapComponentRegistrationInfo rp = info(kEcB, u"EC B (RP)");
    rp.component_type = ComponentTypeEnforcementClientRp | ComponentTypeEnforcementClientSoH;
    rp.info_clsid = guid(42);
    EXPECT_EQ(mgmt.register_enforcement_client(info(kEcA, u"EC A")), hr::S_OK);
    EXPECT_EQ(mgmt.register_enforcement_client(rp), hr::S_OK);
    EXPECT_EQ(mgmt.set_system_health_agent_enabled(kSha2, false), hr::S_OK);
    EXPECT_TRUE(agent->subscribe_cert_by_group(Caller::admin(), kEcB, u"subscriber"));
    auto sha = std::make_shared<TestSha>(kSha1);
    sha->fixup = FixupInfo{FixupState::InProgress, 30, {HResult(5u)}, 9};
    auto sb = HealthAgentBinding::initialize(agent, kSha1, sha);
    auto eb = EnforcementClientBinding::initialize(agent, kEcA, std::make_shared<TestEc>());
    EXPECT_TRUE(sb && eb);
    auto conn = (*eb).create_connection();
    EXPECT_TRUE(conn);
    EXPECT_EQ((*conn)->set_connection_id(guid(5)), hr::S_OK);
    EXPECT_TRUE(eb->get_soh_request(**conn));
    SohrOptions o;
    o.state = IsolationState::RestrictedAccess;
    o.ext = ExtendedIsolationState::Infected;
    o.url = "http://remediate.example/";
    o.entries = {{kSha1, 0xC0FF0002u}};
    auto corr = (*conn)->correlation_id();
    EXPECT_EQ((*conn)->set_soh_response(make_sohr(*corr, o)), hr::S_OK);
    EXPECT_EQ(eb->process_soh_response(**conn), hr::S_OK);
    (void)clock;
    // The SHA goes away cleanly (its cache stays); the EC's process keeps its connection.
    EXPECT_EQ(sb->uninitialize(), hr::S_OK);
    return agent->persisted_state();
}

TEST_F(PersistenceTest, RestoreRoundTrip) {
    const PersistedState state = sample_state(this, agent, *clock);
    ASSERT_EQ(state.shas.size(), 2u);
    ASSERT_TRUE(sha_of(state, kSha1).cached_soh);
    EXPECT_FALSE(sha_of(state, kSha2).cached_soh);
    EXPECT_EQ(sha_of(state, kSha1).state.sha_result_codes, ResultCodes{HResult(0xC0FF0002u)});
    EXPECT_EQ(state.system.info.isolation_state, IsolationState::RestrictedAccess);
    expect_model_matches();

    auto other_recorder = std::make_shared<Recorder>();
    auto b = make_agent(other_recorder);
    ASSERT_EQ(b->restore(state), hr::S_OK);
    EXPECT_TRUE(other_recorder->all().empty()) << "restore() reports nothing";
    PersistedState expected = state;
    expected.system.unknown_connections = true;  // restored: no live connection behind it
    EXPECT_EQ(b->persisted_state(), expected);
    EXPECT_EQ(b->registered_shas(), agent->registered_shas());
    EXPECT_EQ(b->registered_ecs(), agent->registered_ecs());
    EXPECT_EQ(b->subscribed_relying_parties(Caller::admin()),
              Result<std::vector<EnforcementEntityId>>(std::vector<EnforcementEntityId>{kEcB}));
    EXPECT_EQ(b->system_isolation(), expected.system);
    const auto status = b->sha_status();
    ASSERT_EQ(status.size(), 2u);
    for (const auto& s : status) {
        EXPECT_FALSE(s.bound);
        EXPECT_EQ(s.has_cached_soh, s.info.id == kSha1);
        EXPECT_EQ(s.enabled, s.info.id == kSha1);
    }

    // The boot case: SHA one is not bound yet, its restored cache answers for it.
    auto eb = EnforcementClientBinding::initialize(b, kEcA, std::make_shared<TestEc>());
    ASSERT_TRUE(eb);
    auto conn = connect(*eb, 9);
    ASSERT_TRUE(eb->get_soh_request(*conn));
    auto request = conn->soh_request();
    ASSERT_TRUE(request);
    auto view = soh::decode(request->data, {.expect = soh::Direction::Request});
    ASSERT_TRUE(view) << view.error().message();
    ASSERT_EQ(view->entry_count, 1u);
    const soh::EntryView entry = *view->entries.begin();
    EXPECT_EQ(entry.id, kSha1);
    const SoH& cached = *sha_of(state, kSha1).cached_soh;
    EXPECT_EQ(std::size_t{entry.attribute_count} + 1, cached.attributes.size());
    EXPECT_FALSE(view->system.system_generated_ids.has_value());  // not made up: the cache

    // A binding SHA finds its cache.
    auto sha = std::make_shared<TestSha>(kSha1);
    sha->set_soh = false;  // answers from the cache
    auto sb = HealthAgentBinding::initialize(b, kSha1, sha);
    ASSERT_TRUE(sb);
    ASSERT_TRUE(eb->get_soh_request(*conn));
    EXPECT_EQ(sha->get_calls.load(), 1);
}

TEST_F(PersistenceTest, RestoreIsAllOrNothingAndOnlyOnAFreshAgent) {
    PersistedState good;
    PersistedSha s;
    s.info = registered(kSha1, u"one", FileTime{123});
    s.state.id = kSha1;
    good.shas.push_back(s);

    PersistedState twice = good;
    twice.shas.push_back(s);
    auto fresh = make_agent(recorder);
    EXPECT_EQ(fresh->restore(twice), hr::E_INVALIDARG);
    EXPECT_TRUE(fresh->persisted_state().shas.empty());

    PersistedState bad_soh = good;
    bad_soh.shas[0].cached_soh = SoH{{SoHAttribute{7, {1, 2}}}};  // not System-Health-ID first
    EXPECT_EQ(fresh->restore(bad_soh), hr::E_INVALIDARG);

    PersistedState too_many;
    for (NapComponentId id = 1; id <= 21; ++id) {
        PersistedEc e;
        e.info = registered(id, u"ec", FileTime{1});
        too_many.ecs.push_back(e);
    }
    EXPECT_EQ(fresh->restore(too_many), hr::E_INVALIDARG);
    EXPECT_TRUE(fresh->persisted_state().ecs.empty());

    ASSERT_EQ(fresh->restore(good), hr::S_OK);
    EXPECT_EQ(fresh->persisted_state().shas, good.shas);
    EXPECT_EQ(fresh->restore(good), hr::ERROR_ALREADY_INITIALIZED);
    EXPECT_TRUE(recorder->all().empty());
}

TEST_F(PersistenceTest, TheRestoredSystemStateStandsUntilAConnectionDecides) {
    PersistedState st;
    PersistedEc e;
    e.info = registered(kEcA, u"EC A", FileTime{1});
    st.ecs.push_back(e);
    st.system = isolation(IsolationState::RestrictedAccess, false, {}, u"http://fix.example/");
    ASSERT_EQ(agent->restore(st), hr::S_OK);
    const SystemIsolation restored =
        isolation(IsolationState::RestrictedAccess, true, {}, u"http://fix.example/");
    EXPECT_EQ(agent->system_isolation(), restored);

    auto eb = EnforcementClientBinding::initialize(agent, kEcA, std::make_shared<TestEc>());
    ASSERT_TRUE(eb);
    auto conn = connect(*eb, 1);
    ASSERT_TRUE(eb->get_soh_request(*conn));
    EXPECT_EQ(agent->system_isolation(), restored);  // an undecided connection changes nothing
    // The SSoH says so too (MS-Quarantine-State).
    auto view = soh::decode(conn->soh_request()->data, {.expect = soh::Direction::Request});
    ASSERT_TRUE(view);
    ASSERT_TRUE(view->system.quarantine_state);
    EXPECT_EQ(soh::quarantine_flags::isolation_state(view->system.quarantine_state->flags),
              static_cast<std::uint8_t>(IsolationState::RestrictedAccess));
    EXPECT_CHANGES(*recorder, {});

    auto corr = conn->correlation_id();
    ASSERT_EQ(conn->set_soh_response(make_sohr(*corr, {})), hr::S_OK);  // not restricted
    ASSERT_EQ(eb->process_soh_response(*conn), hr::S_OK);
    EXPECT_EQ(agent->system_isolation(), isolation(IsolationState::NotRestricted, false));
    EXPECT_CHANGES(*recorder,
                   {SystemIsolationChanged{isolation(IsolationState::NotRestricted, false)}});
    // Gone for good: the connection going down does not bring it back.
    ASSERT_EQ(eb->notify_connection_state_down(*conn), hr::S_OK);
    EXPECT_EQ(agent->system_isolation(), isolation(IsolationState::NotRestricted, false));
}

TEST_F(PersistenceTest, ARestoredProbationEndAsksTheEcsToRunTheirExchanges) {
    PersistedState st;
    PersistedEc e;
    e.info = registered(kEcA, u"EC A", FileTime{1});
    st.ecs.push_back(e);
    const FileTime end{clock->now().ticks + ticks(1h)};
    st.system = isolation(IsolationState::InProbation, false, end);
    ASSERT_EQ(agent->restore(st), hr::S_OK);
    auto ec = std::make_shared<TestEc>();
    auto eb = EnforcementClientBinding::initialize(agent, kEcA, ec);
    ASSERT_TRUE(eb);
    EXPECT_EQ(agent->run_pending(), std::optional<FileTime>(end));
    EXPECT_EQ(ec->notifications.load(), 0);
    clock->set(end);
    (void)agent->run_pending();
    EXPECT_EQ(ec->notifications.load(), 1);
    // Reported as it was (the live agent keeps an ended probation too, until a decision).
    EXPECT_EQ(agent->system_isolation(), isolation(IsolationState::InProbation, true, end));
    EXPECT_EQ(agent->run_pending(), std::nullopt);
    EXPECT_EQ(ec->notifications.load(), 1);
}

TEST_F(PersistenceTest, ARestoredProbationEndInThePastIsActedOnAtOnce) {
    PersistedState st;
    PersistedEc e;
    e.info = registered(kEcA, u"EC A", FileTime{1});
    st.ecs.push_back(e);
    const FileTime end{clock->now().ticks - ticks(1h)};
    st.system = isolation(IsolationState::InProbation, true, end);
    ASSERT_EQ(agent->restore(st), hr::S_OK);
    auto ec = std::make_shared<TestEc>();
    auto eb = EnforcementClientBinding::initialize(agent, kEcA, ec);
    ASSERT_TRUE(eb);
    (void)agent->run_pending();
    EXPECT_EQ(ec->notifications.load(), 1);
}

TEST_F(PersistenceTest, ADefaultSystemStateIsNotARestoredOne) {
    PersistedState st;  // system: not restricted, no unknown connections
    ASSERT_EQ(agent->restore(st), hr::S_OK);
    EXPECT_EQ(agent->system_isolation(), SystemIsolation{});
}

}  // namespace
}  // namespace opennap::agent::test
