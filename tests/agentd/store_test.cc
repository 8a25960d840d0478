// SqliteStore and open_state (include/opennap/agentd/store.h; docs/napagent.md "Persistence"):
// round trips of every change, agreement with the agent core, crash safety (a committed change
// survives the process being killed), and what a corrupt, newer, locked or unreadable database
// gives.
#include "opennap/agentd/store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "agent/harness.h"
#include "opennap/agent/agent.h"
#include "opennap/agent/clock.h"
#include "support/sqlite.h"

namespace opennap::agentd {
namespace {

using namespace std::chrono_literals;
using agent::Change;
using agent::ComponentKind;
using agent::PersistedState;
namespace fs = std::filesystem;

class TempDir {
  public:
    TempDir() {
        std::string tmpl = (fs::path(::testing::TempDir()) / "opennap-store-XXXXXX").string();
        const char* d = ::mkdtemp(tmpl.data());
        path_ = d != nullptr ? fs::path(d) : fs::path(::testing::TempDir());
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }
    fs::path db() const { return path_ / "agent.db"; }

  private:
    fs::path path_;
};

std::shared_ptr<SqliteStore> open_ok(const fs::path& dir) {
    auto s = SqliteStore::open(dir);
    EXPECT_TRUE(s) << (s ? "" : s.error().to_string());
    return s ? *s : nullptr;
}

PersistedState load_ok(const fs::path& dir) {
    auto s = open_ok(dir);
    if (!s)
        return {};
    auto st = s->load();
    EXPECT_TRUE(st) << (st ? "" : st.error().to_string());
    return st ? *st : PersistedState{};
}

NapComponentRegistrationInfo reg_info(NapComponentId id, std::u16string name) {
    NapComponentRegistrationInfo i;
    i.id = id;
    i.friendly_name = std::move(name);
    i.description = u"description \u00e9\u4e2d";
    i.version = u"1.2.3";
    i.vendor_name = u"OpenNAP";
    i.info_clsid = Guid{0x11223344, 0x5566, 0x7788, {1, 2, 3, 4, 5, 6, 7, 8}};
    i.config_clsid = Guid{0xFFFFFFFF, 0xFFFF, 0, {0xFF, 0, 0, 0, 0, 0, 0, 0xFF}};
    i.registration_date = FileTime{0x01DD123456789ABCULL};
    i.component_type = ComponentTypeEnforcementClientSoH;
    return i;
}

agent::SoHPtr soh_of(SystemHealthEntityId id, std::uint8_t cls) {
    auto s = agent::test::make_soh(
        id, {agent::test::health_class(cls), SoHAttribute{7, std::vector<std::uint8_t>(300, 0xAB)},
             SoHAttribute{0x8000 | 9, {}}});
    return std::make_shared<const SoH>(std::move(s));
}

// Every kind of change, with awkward values.
std::vector<Change> sample_changes() {
    std::vector<Change> cs;
    cs.push_back(
        agent::ComponentRegistered{ComponentKind::Sha, reg_info(0x00013701, u"SHA"), true});
    NapComponentRegistrationInfo max = reg_info(0xFFFFFFFF, std::u16string(maxStringLength, u'x'));
    max.registration_date = FileTime{FileTime::kNone - 1};
    max.component_type = 0xFFFFFFFF;
    cs.push_back(agent::ComponentRegistered{ComponentKind::Sha, max, true});
    NapComponentRegistrationInfo zero;  // id 0, empty strings, nil GUIDs, date 0
    cs.push_back(agent::ComponentRegistered{ComponentKind::Ec, zero, true});
    cs.push_back(agent::ComponentRegistered{ComponentKind::Ec, reg_info(0x00013701, u"EC"), true});
    cs.push_back(agent::ComponentEnabled{ComponentKind::Ec, 0, false});
    cs.push_back(agent::ShaCacheChanged{0x00013701, soh_of(0x00013701, 1)});
    cs.push_back(agent::ShaCacheChanged{0xFFFFFFFF, soh_of(0xFFFFFFFF, 2)});
    SystemHealthAgentState st;
    st.id = 0x00013701;
    st.sha_result_codes = {HResult(0u), HResult(0xC0FF0001u), HResult(0xFFFFFFFFu)};
    st.failure_category = FailureCategory::ClientCommunication;
    st.fixup_info = FixupInfo{FixupState::InProgress, percentageNotSupported, {HResult(7u)}, 42};
    cs.push_back(agent::ShaStateChanged{st});
    cs.push_back(agent::CertSubscriptionChanged{0x00013701, u"subscriber \u00fc"});
    agent::SystemIsolation sys;
    sys.info = IsolationInfoEx{IsolationState::InProbation, ExtendedIsolationState::Infected,
                               FileTime{0x01DE000000000001ULL}, u"http://fix.example/\u00e9"};
    sys.unknown_connections = true;
    cs.push_back(agent::SystemIsolationChanged{sys});
    return cs;
}

TEST(SqliteStore, CreatesAnEmptyDatabaseInWalMode) {
    TempDir dir;
    EXPECT_EQ(load_ok(dir.path()), PersistedState{});
    EXPECT_TRUE(fs::exists(dir.db()));
    EXPECT_EQ(test::sqlite_value(dir.db(), "PRAGMA journal_mode"), "wal");
    EXPECT_EQ(test::sqlite_value(dir.db(), "SELECT version FROM schema_version"), "1");
    // Reopening an existing empty database is fine too.
    EXPECT_EQ(load_ok(dir.path()), PersistedState{});
}

TEST(SqliteStore, EveryChangeRoundTrips) {
    TempDir dir;
    PersistedState model;
    {
        auto store = open_ok(dir.path());
        ASSERT_TRUE(store);
        for (const Change& c : sample_changes()) {
            store->changed(c);
            agent::apply(model, c);
            auto now = store->load();
            ASSERT_TRUE(now);
            EXPECT_EQ(*now, model) << "after " << agent::to_string(c);
        }
        EXPECT_EQ(store->write_failures(), 0u);
    }
    EXPECT_EQ(load_ok(dir.path()), model);
    ASSERT_EQ(model.shas.size(), 2u);
    ASSERT_TRUE(model.shas[0].cached_soh);
    ASSERT_EQ(model.ecs.size(), 2u);
    EXPECT_FALSE(model.ecs[0].enabled);

    // Changes that take things away.
    std::vector<Change> removals = {
        agent::ShaCacheChanged{0xFFFFFFFF, nullptr},
        agent::CertSubscriptionChanged{0x00013701, std::nullopt},
        agent::ComponentUnregistered{ComponentKind::Sha, 0x00013701},  // its cache and state too
        agent::ComponentEnabled{ComponentKind::Ec, 0, true},
        agent::SystemIsolationChanged{agent::SystemIsolation{}},
    };
    {
        auto store = open_ok(dir.path());
        for (const Change& c : removals) {
            store->changed(c);
            agent::apply(model, c);
        }
    }
    EXPECT_EQ(load_ok(dir.path()), model);
    EXPECT_EQ(test::sqlite_value(dir.db(), "SELECT count(*) FROM sha_state"), "0");
    EXPECT_EQ(test::sqlite_value(dir.db(), "SELECT count(*) FROM sha_cache"), "0");
    // Re-registering an SHA starts it clean, whatever was stored for the id.
    {
        auto store = open_ok(dir.path());
        store->changed(agent::ShaCacheChanged{0xFFFFFFFF, soh_of(0xFFFFFFFF, 3)});
        store->changed(
            agent::ComponentRegistered{ComponentKind::Sha, reg_info(0xFFFFFFFF, u"new"), true});
    }
    const auto reloaded = load_ok(dir.path());
    ASSERT_EQ(reloaded.shas.size(), 1u);
    EXPECT_FALSE(reloaded.shas[0].cached_soh);
    EXPECT_EQ(reloaded.shas[0].info.friendly_name, u"new");
}

// The store behind a real agent holds what the agent says it would persist, and restoring it
// gives an agent in the same state.
TEST(SqliteStore, FollowsTheAgentAndRestoresIt) {
    using namespace agent;
    using namespace agent::test;
    TempDir dir;
    auto clock = std::make_shared<ManualClock>();
    PersistedState before;
    {
        auto store = open_ok(dir.path());
        AgentConfig cfg;
        cfg.observer = store;
        cfg.connections_refresh_interval = 0ms;
        auto a = std::make_shared<Agent>(cfg, clock);
        ClientManagement mgmt(a);
        ASSERT_EQ(mgmt.register_system_health_agent(info(kSha1, u"SHA one")), hr::S_OK);
        ASSERT_EQ(mgmt.register_system_health_agent(info(kSha2, u"SHA two")), hr::S_OK);
        ASSERT_EQ(mgmt.register_enforcement_client(info(kEcA, u"EC A")), hr::S_OK);
        ASSERT_EQ(mgmt.set_system_health_agent_enabled(kSha2, false), hr::S_OK);
        auto sha = std::make_shared<TestSha>(kSha1);
        auto sb = HealthAgentBinding::initialize(a, kSha1, sha);
        auto eb = EnforcementClientBinding::initialize(a, kEcA, std::make_shared<TestEc>());
        ASSERT_TRUE(sb && eb);
        auto conn = eb->create_connection();
        ASSERT_TRUE(conn);
        ASSERT_EQ((*conn)->set_connection_id(guid(1)), hr::S_OK);
        ASSERT_TRUE(eb->get_soh_request(**conn));
        SohrOptions o;
        o.state = IsolationState::RestrictedAccess;
        o.url = "http://fix.example/";
        o.entries = {{kSha1, 0xC0FF0003u}};
        ASSERT_EQ((*conn)->set_soh_response(make_sohr(*(*conn)->correlation_id(), o)), hr::S_OK);
        ASSERT_EQ(eb->process_soh_response(**conn), hr::S_OK);
        before = a->persisted_state();
        auto stored = store->load();
        ASSERT_TRUE(stored);
        EXPECT_EQ(*stored, before);
        ASSERT_EQ(sb->uninitialize(), hr::S_OK);  // keeps the cache
        (*conn).reset();
    }
    auto opened = open_state(dir.path());
    ASSERT_TRUE(opened) << opened.error().to_string();
    EXPECT_FALSE(opened->recovered_from);
    EXPECT_EQ(opened->state.shas, before.shas);
    EXPECT_EQ(opened->state.ecs, before.ecs);
    EXPECT_EQ(describe(opened->state), "2 SHAs, 1 ECs, 1 cached SoHs, system state not-restricted");
    AgentConfig cfg;
    cfg.observer = opened->store;
    auto b = std::make_shared<Agent>(cfg, clock);
    ASSERT_EQ(b->restore(opened->state), hr::S_OK);
    EXPECT_EQ(b->persisted_state().shas, before.shas);
    EXPECT_EQ(b->registered_ecs(),
              Result<std::vector<NapComponentRegistrationInfo>>(std::vector{before.ecs[0].info}));
}

TEST(SqliteStore, ACommittedChangeSurvivesTheProcessBeingKilled) {
    TempDir dir;
    { auto s = open_ok(dir.path()); }  // created
    int acks[2];
    ASSERT_EQ(::pipe(acks), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(acks[0]);
        auto s = SqliteStore::open(dir.path());
        if (!s)
            std::_Exit(2);
        for (NapComponentId id = 1;; ++id) {
            (*s)->changed(agent::ComponentRegistered{ComponentKind::Ec, reg_info(id, u"ec"), true});
            (*s)->changed(agent::SystemIsolationChanged{agent::SystemIsolation{
                IsolationInfoEx{IsolationState::RestrictedAccess, ExtendedIsolationState::NoData,
                                FileTime{id}, u""},
                false}});
            const char b = 1;
            if (::write(acks[1], &b, 1) != 1)
                std::_Exit(3);
        }
    }
    ::close(acks[1]);
    // Let it commit some, then kill it in the middle of whatever it is doing.
    std::uint64_t acknowledged = 0;
    char buf[64];
    while (acknowledged < 40) {
        const ssize_t n = ::read(acks[0], buf, sizeof buf);
        ASSERT_GT(n, 0);
        acknowledged += static_cast<std::uint64_t>(n);
    }
    ::kill(child, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status));
    ::close(acks[0]);

    // Every acknowledged pair is there, each change whole: the ECs are 1..n with no gap, the
    // system state is that of EC n or n+1 (killed between the two commits of a pair).
    auto opened = open_state(dir.path());
    ASSERT_TRUE(opened) << opened.error().to_string();
    EXPECT_FALSE(opened->recovered_from);
    const auto& ecs = opened->state.ecs;
    ASSERT_GE(ecs.size(), acknowledged);
    for (std::size_t i = 0; i < ecs.size(); ++i) {
        ASSERT_EQ(ecs[i].info.id, i + 1);
        EXPECT_EQ(ecs[i].info.friendly_name, u"ec");
    }
    const std::uint64_t end = opened->state.system.info.prob_end_time.ticks;
    EXPECT_TRUE(end == ecs.size() || end + 1 == ecs.size()) << end << " " << ecs.size();
}

TEST(SqliteStore, AChangeCommittedBeforeExitWithoutClosingIsThere) {
    TempDir dir;
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        auto s = SqliteStore::open(dir.path());
        if (!s)
            std::_Exit(2);
        (*s)->changed(agent::ComponentRegistered{ComponentKind::Sha, reg_info(5, u"five"), true});
        std::_Exit(0);  // no destructor: no close, no checkpoint
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_TRUE(fs::exists(dir.path() / "agent.db-wal"));
    const auto st = load_ok(dir.path());
    ASSERT_EQ(st.shas.size(), 1u);
    EXPECT_EQ(st.shas[0].info.friendly_name, u"five");
}

// ---- bad databases -----------------------------------------------------------------------------

TEST(SqliteStore, GarbageIsCorruptAndOpenStateMovesItAside) {
    TempDir dir;
    {
        std::ofstream f(dir.db(), std::ios::binary);
        f << std::string(8192, 'Z');
    }
    auto s = SqliteStore::open(dir.path());
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().kind, StoreError::Kind::Corrupt) << s.error().to_string();

    auto opened = open_state(dir.path());
    ASSERT_TRUE(opened) << opened.error().to_string();
    ASSERT_TRUE(opened->recovered_from);
    EXPECT_EQ(opened->recovered_from->kind, StoreError::Kind::Corrupt);
    ASSERT_TRUE(opened->moved_to);
    EXPECT_EQ(opened->moved_to->parent_path(), dir.path());
    EXPECT_EQ(opened->moved_to->filename().string().rfind("agent.db.corrupt-", 0), 0u);
    EXPECT_EQ(fs::file_size(*opened->moved_to), 8192u);  // kept as it was
    EXPECT_EQ(opened->state, PersistedState{});
    // The new database works.
    opened->store->changed(
        agent::ComponentRegistered{ComponentKind::Sha, reg_info(1, u"one"), true});
    opened->store.reset();
    EXPECT_EQ(load_ok(dir.path()).shas.size(), 1u);
}

TEST(SqliteStore, DamagedPagesAreCorrupt) {
    TempDir dir;
    {
        auto s = open_ok(dir.path());
        for (NapComponentId id = 1; id <= 20; ++id)
            s->changed(agent::ComponentRegistered{ComponentKind::Ec, reg_info(id, u"ec"), true});
    }
    test::sqlite_exec(dir.db(), "PRAGMA wal_checkpoint(TRUNCATE)");
    const auto size = fs::file_size(dir.db());
    ASSERT_GT(size, 4096u * 3);
    {
        std::fstream f(dir.db(), std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(4096 * 2);  // the third page: part of a table's b-tree
        const std::string junk(4096, '\xA5');
        f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    }
    auto s = SqliteStore::open(dir.path());
    std::expected<PersistedState, StoreError> st = s ? (*s)->load() : std::unexpected(s.error());
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().kind, StoreError::Kind::Corrupt) << st.error().to_string();
}

TEST(SqliteStore, ValuesOutOfRangeAreCorrupt) {
    const std::pair<const char*, const char*> cases[] = {
        {"UPDATE sha_state SET fixup_percentage = 102", "sha_state"},
        {"UPDATE sha_state SET failure_category = 99", "sha_state"},
        {"UPDATE sha_state SET result_codes = x'010203'", "bad result codes"},
        {"UPDATE sha_cache SET soh = x'0007000501'", "not a valid SoH"},
        {"UPDATE sha_cache SET soh = x'00070000'", "not a valid SoH"},  // not System-Health-ID
        {"UPDATE component SET info_clsid = 'nope'", "component"},
        {"UPDATE component SET friendly_name = x'00'", "component"},  // a blob, not text
        {"UPDATE system_isolation SET isolation_state = 7", "system_isolation"},
        {"UPDATE system_isolation SET failure_url = printf('%.2000c', 'u')", "system_isolation"},
    };
    for (const auto& [update, what] : cases) {
        SCOPED_TRACE(update);
        TempDir dir;
        {
            auto s = open_ok(dir.path());
            for (const Change& c : sample_changes())
                s->changed(c);
        }
        test::sqlite_exec(dir.db(), update);
        auto s = SqliteStore::open(dir.path());
        ASSERT_TRUE(s) << s.error().to_string();
        auto st = (*s)->load();
        ASSERT_FALSE(st);
        EXPECT_EQ(st.error().kind, StoreError::Kind::Corrupt);
        EXPECT_NE(st.error().message.find(what), std::string::npos) << st.error().to_string();
    }
}

TEST(SqliteStore, SomebodyElsesDatabaseIsCorrupt) {
    TempDir dir;
    test::sqlite_exec(dir.db(), "CREATE TABLE foo (x)");
    auto s = SqliteStore::open(dir.path());
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().kind, StoreError::Kind::Corrupt);
    EXPECT_NE(s.error().message.find("not a napagent database"), std::string::npos);
}

TEST(SqliteStore, ANewerSchemaIsRefusedAndLeftAlone) {
    TempDir dir;
    { auto s = open_ok(dir.path()); }
    test::sqlite_exec(dir.db(), "UPDATE schema_version SET version = 2");
    auto s = SqliteStore::open(dir.path());
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().kind, StoreError::Kind::TooNew) << s.error().to_string();
    auto opened = open_state(dir.path());
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().kind, StoreError::Kind::TooNew);
    EXPECT_EQ(test::sqlite_value(dir.db(), "SELECT version FROM schema_version"), "2");
}

TEST(SqliteStore, AnUnreadableDatabaseIsRefusedAndLeftAlone) {
    TempDir dir;
    fs::create_directory(dir.db());  // agent.db is a directory
    auto s = SqliteStore::open(dir.path());
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().kind, StoreError::Kind::Unreadable) << s.error().to_string();
    auto opened = open_state(dir.path());
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().kind, StoreError::Kind::Unreadable);
    EXPECT_TRUE(fs::is_directory(dir.db()));

    // A state_dir that cannot be created.
    std::ofstream(dir.path() / "file") << "x";
    auto bad = open_state(dir.path() / "file" / "state");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().kind, StoreError::Kind::Unreadable);
}

TEST(SqliteStore, ASecondDaemonOnTheSameStateDirIsRefused) {
    TempDir dir;
    auto first = open_ok(dir.path());
    ASSERT_TRUE(first);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        auto s = SqliteStore::open(dir.path());
        std::_Exit(!s && s.error().kind == StoreError::Kind::Unreadable &&
                           s.error().message.find("locked") != std::string::npos
                       ? 0
                       : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    first->changed(agent::ComponentRegistered{ComponentKind::Sha, reg_info(1, u"one"), true});
    EXPECT_EQ(first->write_failures(), 0u);
}

TEST(OpenState, CreatesTheStateDirectoryPrivate) {
    TempDir dir;
    const fs::path state = dir.path() / "var" / "lib" / "opennap";
    auto opened = open_state(state);
    ASSERT_TRUE(opened) << opened.error().to_string();
    struct stat st {};
    ASSERT_EQ(::stat(state.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0700u);
    EXPECT_TRUE(fs::exists(state / "agent.db"));
}

TEST(SqliteStore, WritesAreCheapEnough) {
    // A write per real change: ShaStateChanged / SystemIsolationChanged (synchronous=NORMAL) and
    // a registry change (synchronous=FULL). Printed for docs/napagent.md; bounded loosely.
    TempDir dir;
    auto s = open_ok(dir.path());
    ASSERT_TRUE(s);
    s->changed(agent::ComponentRegistered{ComponentKind::Sha, reg_info(1, u"one"), true});
    constexpr int kN = 2000;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kN; ++i) {
        SystemHealthAgentState st;
        st.id = 1;
        st.sha_result_codes = {HResult(static_cast<std::uint32_t>(i))};
        s->changed(agent::ShaStateChanged{st});
    }
    const auto t1 = std::chrono::steady_clock::now();
    constexpr int kR = 50;
    for (int i = 0; i < kR; ++i)
        s->changed(agent::ComponentEnabled{ComponentKind::Sha, 1, i % 2 == 0});
    const auto t2 = std::chrono::steady_clock::now();
    const double normal_us = std::chrono::duration<double, std::micro>(t1 - t0).count() / kN;
    const double full_us = std::chrono::duration<double, std::micro>(t2 - t1).count() / kR;
    std::printf("store write: %.1f us (synchronous=NORMAL), %.1f us (registry, FULL)\n", normal_us,
                full_us);
    EXPECT_EQ(s->write_failures(), 0u);
    EXPECT_LT(normal_us, 5000.0);
}

}  // namespace
}  // namespace opennap::agentd
