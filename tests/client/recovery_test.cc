// Restart and crash recovery of napagent (issue 4): the real daemon is SIGKILLed in the middle of
// exchanges made through the client library by SHAs and ECs in "other processes" (their own
// RemoteAgent each), and comes back with its registry, the SHAs' cached SoHs, per-SHA state and
// the system isolation state (docs/napagent.md "Persistence"); the clients re-bind by themselves
// and their exchanges succeed again with no action from their code. A clean SIGTERM restart keeps
// the same state; a corrupt database is moved aside; an unusable one stops the daemon.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "agent/harness.h"
#include "opennap/client/remote_agent.h"
#include "support/daemon.h"

namespace opennap::client {
namespace {

using namespace std::chrono_literals;
using agent::ClientManagement;
using agent::Connection;
using agent::EnforcementClientBinding;
using agent::HealthAgentBinding;
using agent::test::info;
using agent::test::make_sohr;
using agent::test::SohrOptions;
using agent::test::TestEc;
using agent::test::TestSha;

constexpr SystemHealthEntityId kShaA = 0x000137A1;  // its process lives through the crash
constexpr SystemHealthEntityId kShaB = 0x000137A2;  // its process stopped before the crash
constexpr EnforcementEntityId kEc1 = 0x000137B1;
constexpr EnforcementEntityId kEc2 = 0x000137B2;

template <typename F>
bool eventually(F&& f, std::chrono::milliseconds timeout = 10s) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (f())
            return true;
        std::this_thread::sleep_for(5ms);
    }
    return f();
}

std::shared_ptr<RemoteAgent> connect(const test::NapagentProcess& d, const char* name) {
    RemoteOptions o;
    o.socket_path = d.socket();
    o.client_name = name;
    o.reconnect_max = 200ms;
    auto r = RemoteAgent::connect(o);
    EXPECT_TRUE(r->wait_connected(5s)) << name;
    return r;
}

// Waits until `r` has connected again after the daemon it knew went away (generation > `gen`).
bool reconnected(const RemoteAgent& r, std::uint64_t gen) {
    return eventually([&] { return r.generation() > gen && r.connected(); });
}

const agent::ShaStatus* find_sha(const std::vector<agent::ShaStatus>& v, SystemHealthEntityId id) {
    for (const auto& s : v) {
        if (s.info.id == id)
            return &s;
    }
    return nullptr;
}

bool bound(const std::vector<agent::ShaStatus>& shas, const std::vector<agent::EcStatus>& ecs,
           std::initializer_list<NapComponentId> ids) {
    for (NapComponentId id : ids) {
        bool found = false;
        for (const auto& s : shas)
            found = found || (s.info.id == id && s.bound);
        for (const auto& e : ecs)
            found = found || (e.info.id == id && e.bound);
        if (!found)
            return false;
    }
    return true;
}

class RecoveryTest : public ::testing::Test {
  protected:
    void TearDown() override {
        if (HasFailure())
            std::fprintf(stderr, "---- napagent log ----\n%s\n", daemon.log_text().c_str());
    }
    std::filesystem::path state_dir() const { return daemon.dir() / "state"; }

    test::NapagentProcess daemon{"[limits]\ncallback_timeout_ms = 1000\n"};
};

// One "EC process" thread: its own connection, exchanges in a loop. Records what every failed
// exchange returned, and in which phase of the test.
enum class Phase { Up, Killed, Down, Restarting, Recovered };

struct ExchangeLoop {
    std::atomic<int> ok{0};
    std::atomic<int> disconnected_while_down{0};
    std::atomic<int> other_while_down{0};
    std::mutex mu;
    std::set<std::uint32_t> codes;  // every failure code seen, any phase
    std::thread thread;

    void run(EnforcementClientBinding& eb, std::shared_ptr<Connection> conn,
             const std::atomic<Phase>& phase, const std::atomic<bool>& stop) {
        thread = std::thread([this, &eb, conn, &phase, &stop] {
            SohrOptions o;
            o.state = IsolationState::RestrictedAccess;
            o.url = "http://remediate.example/";
            o.entries = {{kShaA, 0xC0FF0001u}, {kShaB, 0}};
            while (!stop.load()) {
                agent::Status s = hr::S_OK;
                auto hint = eb.get_soh_request(*conn);
                if (!hint) {
                    s = hint.error();
                } else if (auto corr = conn->correlation_id(); !corr) {
                    s = corr.error();
                } else if (s = conn->set_soh_response(make_sohr(*corr, o)); s == hr::S_OK) {
                    s = eb.process_soh_response(*conn);
                }
                if (s == hr::S_OK) {
                    ++ok;
                } else {
                    if (phase.load() == Phase::Down) {
                        if (s == hr::RPC_E_DISCONNECTED) {
                            ++disconnected_while_down;
                        } else {
                            ++other_while_down;
                        }
                    }
                    std::lock_guard lock(mu);
                    codes.insert(s.bits());
                }
                std::this_thread::sleep_for(2ms);
            }
        });
    }
};

TEST_F(RecoveryTest, SigkillMidExchangeAndEverybodyRecoversByThemselves) {
    ASSERT_TRUE(daemon.start()) << daemon.log_text();
    auto admin = connect(daemon, "admin");
    {
        ClientManagement mgmt(admin);
        ASSERT_EQ(mgmt.register_system_health_agent(info(kShaA, u"SHA A")), hr::S_OK);
        ASSERT_EQ(mgmt.register_system_health_agent(info(kShaB, u"SHA B")), hr::S_OK);
        ASSERT_EQ(mgmt.register_enforcement_client(info(kEc1, u"EC 1")), hr::S_OK);
        ASSERT_EQ(mgmt.register_enforcement_client(info(kEc2, u"EC 2")), hr::S_OK);
    }

    // The SHA processes.
    auto sha_a_proc = connect(daemon, "sha-a");
    auto sha_a = std::make_shared<TestSha>(kShaA);
    auto sb_a = HealthAgentBinding::initialize(sha_a_proc, kShaA, sha_a);
    ASSERT_TRUE(sb_a) << to_string(sb_a.error());
    auto sha_b_proc = connect(daemon, "sha-b");
    auto sha_b = std::make_shared<TestSha>(kShaB);
    sha_b->set_soh_value(3);
    auto sb_b = HealthAgentBinding::initialize(sha_b_proc, kShaB, sha_b);
    ASSERT_TRUE(sb_b) << to_string(sb_b.error());

    // The EC process: two ECs, two connections each, each exchanging in its own thread.
    auto ec_proc = connect(daemon, "ec");
    auto ec1 = std::make_shared<TestEc>();
    auto ec2 = std::make_shared<TestEc>();
    auto eb1 = EnforcementClientBinding::initialize(ec_proc, kEc1, ec1);
    auto eb2 = EnforcementClientBinding::initialize(ec_proc, kEc2, ec2);
    ASSERT_TRUE(eb1 && eb2);
    std::atomic<Phase> phase{Phase::Up};
    std::atomic<bool> stop{false};
    ExchangeLoop loops[4];
    for (int i = 0; i < 4; ++i) {
        auto& eb = i < 2 ? *eb1 : *eb2;
        auto conn = eb.create_connection();
        ASSERT_TRUE(conn);
        ASSERT_EQ(
            (*conn)->set_connection_id(agent::test::guid(100 + static_cast<std::uint32_t>(i))),
            hr::S_OK);
        loops[i].run(eb, *conn, phase, stop);
    }
    auto stop_loops = [&] {
        stop = true;
        for (auto& l : loops) {
            if (l.thread.joinable())
                l.thread.join();
        }
    };
    struct Joiner {
        std::function<void()> f;
        ~Joiner() { f(); }
    } joiner{stop_loops};

    ASSERT_TRUE(eventually([&] {
        for (auto& l : loops) {
            if (l.ok.load() < 5)
                return false;
        }
        return true;
    })) << "exchanges before the crash";
    // SHA B's service stops cleanly (Uninitialize: the agent keeps its cached SoH).
    ASSERT_TRUE(find_sha(admin->sha_status(), kShaB)->has_cached_soh);
    ASSERT_EQ(sb_b->uninitialize(), hr::S_OK);
    sha_b_proc.reset();
    const int b_calls = sha_b->get_calls.load();
    const auto shas_before = admin->registered_shas();
    const auto ecs_before = admin->registered_ecs();
    ASSERT_TRUE(shas_before && ecs_before);
    const auto state_a_before = find_sha(admin->sha_status(), kShaA)->state;
    EXPECT_EQ(state_a_before.sha_result_codes, ResultCodes{HResult(0xC0FF0001u)});
    EXPECT_EQ(admin->system_isolation().info.isolation_state, IsolationState::RestrictedAccess);

    // ---- SIGKILL, in the middle of the exchanges.
    const std::uint64_t admin_gen = admin->generation();
    phase = Phase::Killed;
    daemon.kill();
    ASSERT_TRUE(eventually(
        [&] { return !admin->connected() && !sha_a_proc->connected() && !ec_proc->connected(); }));
    phase = Phase::Down;
    // While it is down every call fails with RPC_E_DISCONNECTED, the loops' too.
    {
        ClientManagement mgmt(admin);
        EXPECT_EQ(mgmt.register_system_health_agent(info(0x000137A9, u"x")),
                  hr::RPC_E_DISCONNECTED);
        EXPECT_EQ(mgmt.set_enforcement_client_enabled(kEc1, false), hr::RPC_E_DISCONNECTED);
        EXPECT_EQ(sb_a->notify_soh_change(), hr::RPC_E_DISCONNECTED);
        auto more = eb1->create_connection();
        ASSERT_FALSE(more);
        EXPECT_EQ(more.error(), hr::RPC_E_DISCONNECTED);
        auto bind =
            HealthAgentBinding::initialize(ec_proc, kShaB, std::make_shared<TestSha>(kShaB));
        ASSERT_FALSE(bind);
        EXPECT_EQ(bind.error(), hr::RPC_E_DISCONNECTED);
    }
    EXPECT_TRUE(eventually([&] {
        for (auto& l : loops) {
            if (l.disconnected_while_down.load() < 2)
                return false;
        }
        return true;
    }));
    phase = Phase::Restarting;
    for (auto& l : loops)
        EXPECT_EQ(l.other_while_down.load(), 0);
    int ok_before[4];
    for (int i = 0; i < 4; ++i)
        ok_before[i] = loops[i].ok.load();

    // ---- Restart on the same configuration and state directory. Nothing is done for the
    // clients: they reconnect and re-bind by themselves.
    ASSERT_TRUE(daemon.start()) << daemon.log_text();
    EXPECT_NE(daemon.log_text().find(
                  "restored 2 SHAs, 2 ECs, 2 cached SoHs, system state restricted-access"),
              std::string::npos);
    ASSERT_TRUE(reconnected(*admin, admin_gen));
    // The registry survived (dates included).
    EXPECT_EQ(admin->registered_shas(), shas_before);
    EXPECT_EQ(admin->registered_ecs(), ecs_before);
    // So did the cached SoHs and SHA A's state.
    {
        const auto st = admin->sha_status();
        ASSERT_TRUE(find_sha(st, kShaA) && find_sha(st, kShaB));
        EXPECT_TRUE(find_sha(st, kShaA)->has_cached_soh);
        EXPECT_TRUE(find_sha(st, kShaB)->has_cached_soh);
        EXPECT_EQ(find_sha(st, kShaA)->state, state_a_before);
    }
    // The bindings come back.
    ASSERT_TRUE(eventually([&] {
        return bound(admin->sha_status(), admin->ec_status(), {kShaA, kEc1, kEc2});
    })) << "re-binding";
    EXPECT_FALSE(find_sha(admin->sha_status(), kShaB)->bound);
    // And the exchanges succeed again.
    ASSERT_TRUE(eventually([&] {
        for (int i = 0; i < 4; ++i) {
            if (loops[i].ok.load() < ok_before[i] + 5)
                return false;
        }
        return true;
    })) << "exchanges after the restart";
    phase = Phase::Recovered;

    // SHA B (gone) is answered for from its restored cache, never asked, not made up.
    {
        auto conn = eb1->create_connection();
        ASSERT_TRUE(conn) << to_string(conn.error());
        ASSERT_EQ((*conn)->set_connection_id(agent::test::guid(200)), hr::S_OK);
        ASSERT_TRUE(eb1->get_soh_request(**conn));
        auto request = (*conn)->soh_request();
        ASSERT_TRUE(request);
        auto view = soh::decode(request->data, {.expect = soh::Direction::Request});
        ASSERT_TRUE(view) << view.error().message();
        bool found = false;
        for (const soh::EntryView& e : view->entries) {
            if (e.id != kShaB)
                continue;
            found = true;
            auto cls = e.find(soh::tlv_type::kHealthClass);
            ASSERT_TRUE(cls);
            ASSERT_EQ(cls->value.size(), 1u);
            EXPECT_EQ(cls->value[0], 3);  // SHA B's own SoH, not a system-generated one
        }
        EXPECT_TRUE(found);
        if (view->system.system_generated_ids) {
            for (std::size_t i = 0; i < view->system.system_generated_ids->size(); ++i)
                EXPECT_NE(view->system.system_generated_ids->u32(i), kShaB);
        }
        EXPECT_EQ(eb1->notify_connection_state_down(**conn), hr::S_OK);
    }
    EXPECT_EQ(sha_b->get_calls.load(), b_calls);
    // SHA A, re-bound, is answered from the cache again once it has answered after the restart
    // (the exchange above asked it at the latest; a few more let any ask in flight finish).
    const int ok_then = loops[0].ok.load();
    ASSERT_TRUE(eventually([&] { return loops[0].ok.load() >= ok_then + 5; }));
    const int a_calls = sha_a->get_calls.load();
    const int ok_now = loops[0].ok.load();
    ASSERT_TRUE(eventually([&] { return loops[0].ok.load() >= ok_now + 10; }));
    EXPECT_EQ(sha_a->get_calls.load(), a_calls);
}

TEST_F(RecoveryTest, ACleanRestartKeepsTheSameState) {
    ASSERT_TRUE(daemon.start()) << daemon.log_text();
    auto admin = connect(daemon, "admin");
    ClientManagement mgmt(admin);
    NapComponentRegistrationInfo rp = info(kEc1, u"EC 1 (relying party)");
    rp.component_type = ComponentTypeEnforcementClientSoH | ComponentTypeEnforcementClientRp;
    ASSERT_EQ(mgmt.register_system_health_agent(info(kShaA, u"SHA A")), hr::S_OK);
    ASSERT_EQ(mgmt.register_enforcement_client(rp), hr::S_OK);
    ASSERT_EQ(mgmt.register_enforcement_client(info(kEc2, u"EC 2")), hr::S_OK);
    ASSERT_EQ(mgmt.set_enforcement_client_enabled(kEc2, false), hr::S_OK);
    ASSERT_TRUE(admin->subscribe_cert_by_group(agent::Caller::admin(), kEc1, u"subscriber"));

    auto sha_proc = connect(daemon, "sha");
    auto sha = std::make_shared<TestSha>(kShaA);
    sha->fixup = FixupInfo{FixupState::InProgress, 40, {}, 3};
    auto sb = HealthAgentBinding::initialize(sha_proc, kShaA, sha);
    ASSERT_TRUE(sb);
    auto ec_proc = connect(daemon, "ec");
    auto eb = EnforcementClientBinding::initialize(ec_proc, kEc1, std::make_shared<TestEc>());
    ASSERT_TRUE(eb);
    auto conn = eb->create_connection();
    ASSERT_TRUE(conn);
    ASSERT_EQ((*conn)->set_connection_id(agent::test::guid(1)), hr::S_OK);
    ASSERT_TRUE(eb->get_soh_request(**conn));
    SohrOptions o;
    o.state = IsolationState::InProbation;
    o.probation_end = FileTime{FileTime::now().ticks + agent::ticks(24h)};
    o.url = "http://fix.example/";
    o.entries = {{kShaA, 0xC0FF0002u}};
    ASSERT_EQ((*conn)->set_soh_response(make_sohr(*(*conn)->correlation_id(), o)), hr::S_OK);
    ASSERT_EQ(eb->process_soh_response(**conn), hr::S_OK);
    ASSERT_TRUE(eventually([&] {
        return find_sha(admin->sha_status(), kShaA)->state.fixup_info.state ==
               FixupState::InProgress;
    }));
    const auto shas = admin->registered_shas();
    const auto ecs = admin->registered_ecs();
    const auto sha_state = find_sha(admin->sha_status(), kShaA)->state;
    const auto system = admin->system_isolation();
    ASSERT_EQ(system.info.isolation_state, IsolationState::InProbation);

    // SIGTERM with every client still connected: the daemon unbinds them on its way out, which
    // must not count as the SHA going away (cache) or the connection going down (system state).
    const auto gens =
        std::array{admin->generation(), sha_proc->generation(), ec_proc->generation()};
    EXPECT_EQ(daemon.stop(), 0);
    ASSERT_TRUE(daemon.start()) << daemon.log_text();
    ASSERT_TRUE(reconnected(*admin, gens[0]));
    EXPECT_EQ(admin->registered_shas(), shas);
    EXPECT_EQ(admin->registered_ecs(), ecs);
    EXPECT_EQ(admin->subscribed_relying_parties(agent::Caller::admin()),
              agent::Result<std::vector<EnforcementEntityId>>(std::vector{kEc1}));
    const auto st = admin->sha_status();
    ASSERT_TRUE(find_sha(st, kShaA));
    EXPECT_TRUE(find_sha(st, kShaA)->has_cached_soh);
    EXPECT_EQ(find_sha(st, kShaA)->state, sha_state);
    // The restored decision stands, flagged as not coming from a live connection, until a
    // connection of this run gets one.
    agent::SystemIsolation restored = system;
    restored.unknown_connections = true;
    EXPECT_EQ(admin->system_isolation(), restored);
    EXPECT_NE(daemon.log_text().find("restored 1 SHAs, 2 ECs, 1 cached SoHs, system state "
                                     "in-probation (probation end "),
              std::string::npos);

    // The clients carry on (once their library has re-bound and re-created the connection).
    ASSERT_TRUE(reconnected(*sha_proc, gens[1]) && reconnected(*ec_proc, gens[2]));
    ASSERT_TRUE(eventually([&] {
        return bound(admin->sha_status(), admin->ec_status(), {kShaA, kEc1});
    }));
    auto hint = eb->get_soh_request(**conn);
    ASSERT_TRUE(hint) << to_string(hint.error());
    o.state = IsolationState::NotRestricted;
    o.entries = {{kShaA, 0}};
    ASSERT_EQ((*conn)->set_soh_response(make_sohr(*(*conn)->correlation_id(), o)), hr::S_OK);
    ASSERT_EQ(eb->process_soh_response(**conn), hr::S_OK);
    // Seen at once by the EC's own process; another process sees it as soon as the daemon has run
    // the call, which the EC's library sent without waiting (docs/ipc.md, "Round trips").
    EXPECT_EQ(ec_proc->system_isolation().info.isolation_state, IsolationState::NotRestricted);
    EXPECT_TRUE(eventually([&] {
        const auto sys = admin->system_isolation();
        return sys.info.isolation_state == IsolationState::NotRestricted &&
               !sys.unknown_connections;
    }));
}

TEST_F(RecoveryTest, ACorruptDatabaseIsMovedAsideAndTheDaemonStartsEmpty) {
    std::filesystem::create_directories(state_dir());
    {
        std::ofstream f(state_dir() / "agent.db", std::ios::binary);
        f << std::string(10000, '\x7f');
    }
    ASSERT_TRUE(daemon.start()) << daemon.log_text();
    const std::string log = daemon.log_text();
    EXPECT_NE(log.find("corrupt database"), std::string::npos) << log;
    EXPECT_NE(log.find("starting with an empty state"), std::string::npos) << log;
    int aside = 0;
    for (const auto& e : std::filesystem::directory_iterator(state_dir())) {
        if (e.path().filename().string().rfind("agent.db.corrupt-", 0) == 0) {
            ++aside;
            EXPECT_EQ(e.file_size(), 10000u);
        }
    }
    EXPECT_EQ(aside, 1);
    auto admin = connect(daemon, "admin");
    auto shas = admin->registered_shas();
    ASSERT_TRUE(shas);
    EXPECT_TRUE(shas->empty());
    // It keeps what it is given from now on.
    ClientManagement mgmt(admin);
    ASSERT_EQ(mgmt.register_system_health_agent(info(kShaA, u"SHA A")), hr::S_OK);
    const std::uint64_t gen = admin->generation();
    daemon.kill();
    ASSERT_TRUE(daemon.start()) << daemon.log_text();
    ASSERT_TRUE(reconnected(*admin, gen));
    shas = admin->registered_shas();
    ASSERT_TRUE(shas);
    EXPECT_EQ(shas->size(), 1u);
}

TEST_F(RecoveryTest, AnUnusableStateStoreStopsTheDaemon) {
    // agent.db is a directory: not something to move aside and forget.
    std::filesystem::create_directories(state_dir() / "agent.db");
    EXPECT_FALSE(daemon.start(3s));
    EXPECT_NE(daemon.log_text().find("cannot use the state store"), std::string::npos)
        << daemon.log_text();
    EXPECT_TRUE(std::filesystem::is_directory(state_dir() / "agent.db"));
}

}  // namespace
}  // namespace opennap::client
