// The audit store suite, run against every store: SQLite, and PostgreSQL with each insert method
// (a private server started by the fixture; skipped only when PostgreSQL is not installed).
// Round trips of every field, filters, ordering, counts, pruning, atomic batches, sanitized text,
// corrupt stored values, and the AuditWriter on top (batching, flush, clean stop).
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <thread>

#include "opennap/store/audit_writer.h"
#include "opennap/store/pg_store.h"
#include "opennap/store/sqlite_store.h"
#include "store/harness.h"

namespace opennap::store {
namespace {

using namespace std::chrono_literals;
using testing::PgServer;
using testing::sample_record;

enum class Backend { Sqlite, PgCopy, PgInsert };

std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
    switch (info.param) {
        case Backend::Sqlite:
            return "sqlite";
        case Backend::PgCopy:
            return "postgresql_copy";
        case Backend::PgInsert:
            return "postgresql_insert";
    }
    return "unknown";
}

class StoreTest : public ::testing::TestWithParam<Backend> {
  public:
    static void TearDownTestSuite() { pg_.reset(); }

  protected:
    void SetUp() override {
        if (GetParam() == Backend::Sqlite) {
            path_ = dir_.path() / "audit.db";
            return;
        }
        if (const std::string why = PgServer::unusable(); !why.empty())
            GTEST_SKIP() << why;
        if (!pg_) {
            pg_ = std::make_unique<PgServer>();
            std::string why;
            if (!pg_->start(why)) {
                pg_.reset();
                FAIL() << why;
            }
        }
        db_ = pg_->create_database();
    }

    bool is_pg() const { return GetParam() != Backend::Sqlite; }

    StoreResult<std::unique_ptr<AuditStore>> try_open(bool read_only = false) {
        if (!is_pg()) {
            SqliteOptions o;
            o.path = path_;
            o.read_only = read_only;
            return open_sqlite_store(o);
        }
        PgOptions o;
        o.conninfo = pg_->conninfo(db_);
        o.read_only = read_only;
        o.insert_method =
            GetParam() == Backend::PgCopy ? PgInsertMethod::Copy : PgInsertMethod::MultiRowInsert;
        return open_pg_store(o);
    }

    std::unique_ptr<AuditStore> open(bool read_only = false) {
        auto s = try_open(read_only);
        EXPECT_TRUE(s) << (s ? "" : s.error().to_string());
        return s ? std::move(*s) : nullptr;
    }

    // The table that holds the records: SQLite's view opennap_decision (schema version 2) cannot
    // be written to, its table can.
    std::string table() const { return is_pg() ? "opennap_decision" : "opennap_decision_row"; }

    // Runs SQL on the store's database with a connection of its own.
    void raw_sql(const std::string& text) {
        if (is_pg()) {
            EXPECT_EQ(pg_->sql(text, db_), "");
            return;
        }
        testing::sqlite_exec(path_, text);
    }

    std::vector<DecisionRecord> all(AuditStore& s) {
        DecisionQuery q;
        q.limit = 0;
        auto r = s.query(q);
        EXPECT_TRUE(r) << (r ? "" : r.error().to_string());
        return r ? *r : std::vector<DecisionRecord>{};
    }

    testing::TempDir dir_;
    std::filesystem::path path_;
    std::string db_;
    static std::unique_ptr<PgServer> pg_;
};

std::unique_ptr<PgServer> StoreTest::pg_;

// Records as read back: ids are the store's.
std::vector<DecisionRecord> without_ids(std::vector<DecisionRecord> v) {
    for (auto& r : v)
        r.id = 0;
    return v;
}

TEST_P(StoreTest, EveryFieldRoundTrips) {
    auto s = open();
    ASSERT_TRUE(s);
    // 35 records: SQLite inserts 16 per statement and the rest one by one, so these are two
    // statements of 16 (the special records inside them, away from their first row) and 3 single
    // ones.
    std::vector<DecisionRecord> in;
    for (int i = 0; i < 8; ++i)
        in.push_back(sample_record(i));
    // The optional fields absent, empty strings and lists, the extremes of every number.
    DecisionRecord bare;
    bare.time = Timestamp(std::chrono::microseconds(0));
    bare.outcome = Outcome::Deny;
    in.push_back(bare);
    for (int i = 8; i < 20; ++i)
        in.push_back(sample_record(i));
    DecisionRecord big = sample_record(100);
    big.nas_type = 0xFFFFFFFFu;
    big.latency_us = 0xFFFFFFFFu;
    big.shvs[0].id = 0xFFFFFFFFu;
    big.shvs[0].latency_us = 0xFFFFFFFFu;
    big.shvs[0].compliance_codes = {HResult{0xFFFFFFFFu}, HResult{0u}};
    big.time = Timestamp(std::chrono::microseconds(253402300799999999));  // 9999-12-31
    big.correlation_id->time_stamp = FileTime{0xFFFFFFFFFFFFFFFEull};
    big.machine_name = "Ünïcödé-PC ☃ 𝄞";
    big.extended_state = ExtendedIsolationState::Unknown;
    in.push_back(big);
    for (int i = 20; i < 33; ++i)
        in.push_back(sample_record(i));
    in.push_back(bare);
    ASSERT_TRUE(s->append(in));

    auto out = all(*s);
    ASSERT_EQ(out.size(), in.size());
    // Newest first: the reverse of the input times.
    std::vector<DecisionRecord> expect = in;
    std::sort(expect.begin(), expect.end(),
              [](const auto& a, const auto& b) { return a.time > b.time; });
    EXPECT_EQ(without_ids(out), expect);
    for (const auto& r : out)
        EXPECT_GT(r.id, 0);

    // A second connection (and a read-only one) sees the same.
    auto ro = open(true);
    ASSERT_TRUE(ro);
    EXPECT_EQ(all(*ro), out);
    EXPECT_FALSE(ro->append(in));
}

TEST_P(StoreTest, EmptyBatchDoesNothing) {
    auto s = open();
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->append({}));
    EXPECT_TRUE(all(*s).empty());
}

TEST_P(StoreTest, NewestFirstByTimeThenId) {
    auto s = open();
    ASSERT_TRUE(s);
    // Same time for three records: the later appended (higher id) comes first.
    std::vector<DecisionRecord> batch;
    for (int i = 0; i < 3; ++i) {
        DecisionRecord r = sample_record(0);
        r.machine_name = "same-" + std::to_string(i);
        batch.push_back(r);
    }
    DecisionRecord older = sample_record(1);
    older.time = sample_record(0).time - 5s;
    batch.push_back(older);
    batch.push_back(sample_record(5));
    ASSERT_TRUE(s->append(batch));
    auto out = all(*s);
    ASSERT_EQ(out.size(), 5u);
    EXPECT_EQ(out[0].time, sample_record(5).time);
    EXPECT_EQ(out[1].machine_name, "same-2");
    EXPECT_EQ(out[2].machine_name, "same-1");
    EXPECT_EQ(out[3].machine_name, "same-0");
    EXPECT_EQ(out[4].time, older.time);
    EXPECT_GT(out[1].id, out[2].id);
}

TEST_P(StoreTest, Filters) {
    auto s = open();
    ASSERT_TRUE(s);
    std::vector<DecisionRecord> in;
    for (int i = 0; i < 40; ++i)
        in.push_back(sample_record(i));  // machine PC-<i>.corp.example, outcome i % 4
    in[7].machine_name = "under_score%pct";
    in[8].machine_name = "underXscoreYpct";
    in[9].machine_name = "star*name";
    ASSERT_TRUE(s->append(in));
    const Timestamp t0 = sample_record(0).time;

    auto ids_of = [&](DecisionQuery q) {
        auto r = s->query(q);
        EXPECT_TRUE(r) << (r ? "" : r.error().to_string());
        std::vector<std::string> names;
        for (const auto& rec : r ? *r : std::vector<DecisionRecord>{})
            names.push_back(rec.machine_name);
        return names;
    };
    DecisionQuery q;
    q.limit = 0;
    q.since = t0 + 10s;
    q.until = t0 + 13s;  // exclusive
    EXPECT_EQ(ids_of(q), (std::vector<std::string>{"PC-12.corp.example", "PC-11.corp.example",
                                                   "PC-10.corp.example"}));
    q = DecisionQuery{};
    q.machine = "pc-3.CORP.example";  // exact, any case
    EXPECT_EQ(ids_of(q), (std::vector<std::string>{"PC-3.corp.example"}));
    q.machine = "PC-3*";
    EXPECT_EQ(ids_of(q), (std::vector<std::string>{
                             "PC-39.corp.example", "PC-38.corp.example", "PC-37.corp.example",
                             "PC-36.corp.example", "PC-35.corp.example", "PC-34.corp.example",
                             "PC-33.corp.example", "PC-32.corp.example", "PC-31.corp.example",
                             "PC-30.corp.example", "PC-3.corp.example"}));
    q.machine = "pc-?.corp.example";
    EXPECT_EQ(ids_of(q).size(), 7u);  // 0..6 (7, 8, 9 renamed)
    // LIKE's own wildcards are literal in a glob.
    q.machine = "under_score%pct";
    EXPECT_EQ(ids_of(q), (std::vector<std::string>{"under_score%pct"}));
    q.machine = "under_score*";
    EXPECT_EQ(ids_of(q), (std::vector<std::string>{"under_score%pct"}));
    q.machine = "star\\*name";  // an escaped '*' is a literal star
    EXPECT_EQ(ids_of(q), (std::vector<std::string>{"star*name"}));
    q.machine = "nobody";
    EXPECT_TRUE(ids_of(q).empty());
    // Outcome, limit.
    q = DecisionQuery{};
    q.outcome = Outcome::Restricted;
    q.limit = 3;
    auto r = s->query(q);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->size(), 3u);
    for (const auto& rec : *r)
        EXPECT_EQ(rec.outcome, Outcome::Restricted);
    EXPECT_EQ((*r)[0].machine_name, "PC-38.corp.example");
    // Everything combined.
    q = DecisionQuery{};
    q.since = t0 + 20s;
    q.machine = "PC-2*";
    q.outcome = Outcome::Full;
    EXPECT_EQ(ids_of(q), (std::vector<std::string>{"PC-28.corp.example", "PC-24.corp.example",
                                                   "PC-20.corp.example"}));
    // The C++ matcher agrees with the database on every name and pattern used here.
    for (const char* pat : {"pc-3.CORP.example", "PC-3*", "pc-?.corp.example", "under_score%pct",
                            "under_score*", "star\\*name", "nobody", "PC-2*"}) {
        DecisionQuery all_q;
        all_q.limit = 0;
        all_q.machine = pat;
        std::size_t expect = 0;
        for (const auto& rec : in)
            expect += machine_matches(pat, rec.machine_name) ? 1 : 0;
        EXPECT_EQ(ids_of(all_q).size(), expect) << pat;
    }
}

TEST_P(StoreTest, CountByOutcome) {
    auto s = open();
    ASSERT_TRUE(s);
    std::vector<DecisionRecord> in;
    for (int i = 0; i < 23; ++i)
        in.push_back(sample_record(i));
    ASSERT_TRUE(s->append(in));
    auto c = s->count_by_outcome({});
    ASSERT_TRUE(c) << c.error().to_string();
    EXPECT_EQ((*c)[Outcome::Full], 6u);
    EXPECT_EQ((*c)[Outcome::Probation], 6u);
    EXPECT_EQ((*c)[Outcome::Restricted], 6u);
    EXPECT_EQ((*c)[Outcome::Deny], 5u);
    EXPECT_EQ(c->total(), 23u);
    DecisionQuery q;
    q.since = sample_record(20).time;
    q.outcome = Outcome::Full;  // ignored
    q.limit = 1;                // ignored
    c = s->count_by_outcome(q);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->total(), 3u);
    EXPECT_EQ((*c)[Outcome::Full], 1u);  // 20
}

TEST_P(StoreTest, Prune) {
    auto s = open();
    ASSERT_TRUE(s);
    std::vector<DecisionRecord> in;
    for (int i = 0; i < 10; ++i)
        in.push_back(sample_record(i));
    ASSERT_TRUE(s->append(in));
    auto n = s->prune(sample_record(4).time);
    ASSERT_TRUE(n) << n.error().to_string();
    EXPECT_EQ(*n, 4u);
    auto out = all(*s);
    ASSERT_EQ(out.size(), 6u);
    EXPECT_EQ(out.back().time, sample_record(4).time);
    n = s->prune(sample_record(0).time);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 0u);
}

TEST_P(StoreTest, BatchIsAllOrNothing) {
    auto s = open();
    ASSERT_TRUE(s);
    std::vector<DecisionRecord> in = {sample_record(1), sample_record(2), sample_record(3)};
    in[1].time = Timestamp(std::chrono::microseconds(-1));  // before 1970: rejected
    auto r = s->append(in);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, StoreError::Kind::Rejected);
    EXPECT_EQ(r.error().field, "time");
    EXPECT_NE(r.error().message.find("record 1 of the batch"), std::string::npos)
        << r.error().message;
    EXPECT_FALSE(r.error().retryable());
    in[1] = sample_record(2);
    in[2].outcome = static_cast<Outcome>(9);
    r = s->append(in);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().field, "outcome");
    in[2] = sample_record(3);
    in[0].shvs[1].failure_category = static_cast<FailureCategory>(77);
    r = s->append(in);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().field, "shvs[1].failure_category");
    EXPECT_TRUE(all(*s).empty());
}

TEST_P(StoreTest, DatabaseRefusalRollsBackTheBatch) {
    auto s = open();
    ASSERT_TRUE(s);
    // A constraint the database enforces itself (not checked before): machine names must not
    // contain "forbidden".
    raw_sql(is_pg() ? "ALTER TABLE opennap_decision ADD CONSTRAINT no_forbidden CHECK "
                      "(machine_name NOT LIKE '%forbidden%')"
                    : "CREATE TRIGGER no_forbidden BEFORE INSERT ON opennap_decision_row WHEN "
                      "NEW.machine_name LIKE '%forbidden%' BEGIN SELECT RAISE(ABORT, "
                      "'forbidden'); END");
    std::vector<DecisionRecord> in = {sample_record(1), sample_record(2), sample_record(3)};
    in[2].machine_name = "forbidden-pc";
    auto r = s->append(in);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, StoreError::Kind::Rejected) << r.error().to_string();
    EXPECT_TRUE(all(*s).empty());
    // The same inside one of SQLite's 16-row statements, after one that went in.
    std::vector<DecisionRecord> many;
    for (int i = 0; i < 40; ++i)
        many.push_back(sample_record(i));
    many[21].machine_name = "forbidden-pc";
    r = s->append(many);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, StoreError::Kind::Rejected) << r.error().to_string();
    if (!is_pg()) {
        EXPECT_NE(r.error().message.find("inserting record 16 (or one of the 15 after it)"),
                  std::string::npos)
            << r.error().message;
    }
    EXPECT_TRUE(all(*s).empty());
    // The connection is usable afterwards.
    in.pop_back();
    EXPECT_TRUE(s->append(in));
    EXPECT_EQ(all(*s).size(), 2u);
}

TEST_P(StoreTest, UntrustedTextIsStoredSanitized) {
    auto s = open();
    ASSERT_TRUE(s);
    DecisionRecord r = sample_record(1);
    r.machine_name = std::string("bad\xff\xfe utf8\0nul", 14);
    r.reasons = {std::string("x\0y", 3), "\xc3\x28"};
    r.client_name = std::string(kMaxText + 100, 'a');
    ASSERT_TRUE(s->append(std::span(&r, 1)));
    auto out = all(*s);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].machine_name, "bad\xEF\xBF\xBD\xEF\xBF\xBD utf8\xEF\xBF\xBDnul");
    EXPECT_EQ(out[0].reasons, (std::vector<std::string>{"x\xEF\xBF\xBDy", "\xEF\xBF\xBD("}));
    EXPECT_EQ(out[0].client_name.size(), kMaxText);
}

// A record takes the encoded reasons of the record before it when they are the same
// (encode_batch): runs of equal reasons, changes, and reasons that are the same only once
// sanitized, each read back as its own.
TEST_P(StoreTest, EqualReasonsInABatchAreEachStoredRight) {
    auto s = open();
    ASSERT_TRUE(s);
    const std::vector<std::string> a = {"SHV 0x00013780: compliant -> pass", "policy \"p\""};
    const std::vector<std::string> b = {"no SoH: the client is not NAP-capable"};
    const std::vector<std::string> bad = {std::string("x\xffy")};
    const std::vector<std::string> bad_sanitized = {"x\xEF\xBF\xBDy"};
    const std::vector<std::vector<std::string>> reasons = {
        a, a, b, a, {}, {}, a, bad, bad, bad_sanitized, a, b};
    std::vector<DecisionRecord> in;
    for (std::size_t i = 0; i < reasons.size(); ++i) {
        in.push_back(sample_record(static_cast<int>(i)));
        in.back().reasons = reasons[i];
    }
    ASSERT_TRUE(s->append(in));
    auto out = all(*s);
    ASSERT_EQ(out.size(), reasons.size());
    std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.time < y.time; });
    for (std::size_t i = 0; i < reasons.size(); ++i) {
        const auto& want = reasons[i] == bad ? bad_sanitized : reasons[i];
        EXPECT_EQ(out[i].reasons, want) << "record " << i;
    }
}

TEST_P(StoreTest, CorruptStoredValuesAreReportedWithRowAndField) {
    auto s = open();
    ASSERT_TRUE(s);
    std::vector<DecisionRecord> in = {sample_record(1), sample_record(2)};
    ASSERT_TRUE(s->append(in));
    const auto rows = all(*s);
    ASSERT_EQ(rows.size(), 2u);
    const std::int64_t id = rows[1].id;  // sample_record(1)
    raw_sql("UPDATE " + table() +
            " SET shvs = '[{\"id\":1,\"status\":\"bogus\",\"passed\":true,"
            "\"codes\":[],\"latency_us\":0}]' WHERE id = " +
            std::to_string(id));
    DecisionQuery q;
    auto r = s->query(q);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, StoreError::Kind::Corrupt);
    EXPECT_EQ(r.error().row, id);
    EXPECT_EQ(r.error().field, "shvs[0].status");
    raw_sql("UPDATE " + table() +
            " SET shvs = '[]', outcome = 'full', connection_id = NULL, "
            "nas_type = NULL WHERE id = " +
            std::to_string(id));
    r = s->query(q);
    ASSERT_TRUE(r) << r.error().to_string();
    // The counts still read (outcome values are checked there too).
    auto c = s->count_by_outcome({});
    ASSERT_TRUE(c);
    EXPECT_EQ(c->total(), 2u);
    if (!is_pg()) {
        // SQLite holds any value: a text where the time should be.
        raw_sql("UPDATE " + table() + " SET time = 'yesterday' WHERE id = " + std::to_string(id));
        r = s->query(q);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().field, "time");
        raw_sql("UPDATE " + table() +
                " SET time = 0, extended_state = 'sick' WHERE id = " + std::to_string(id));
        r = s->query(q);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().field, "extended_state");
    }
}

TEST_P(StoreTest, ReopenKeepsRecordsAndSchema) {
    {
        auto s = open();
        ASSERT_TRUE(s);
        std::vector<DecisionRecord> in = {sample_record(1)};
        ASSERT_TRUE(s->append(in));
    }
    auto s = open();
    ASSERT_TRUE(s);
    EXPECT_EQ(all(*s).size(), 1u);
}

TEST_P(StoreTest, NewerSchemaIsRefused) {
    { ASSERT_TRUE(open()); }
    raw_sql("UPDATE opennap_schema SET version = 99");
    auto s = try_open();
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().kind, StoreError::Kind::TooNew) << s.error().to_string();
}

TEST_P(StoreTest, TablesThatAreNotOursAreRefused) {
    { ASSERT_TRUE(open()); }
    raw_sql("ALTER TABLE " + table() + " RENAME COLUMN shvs TO something_else");
    auto s = try_open();
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().kind, StoreError::Kind::Corrupt) << s.error().to_string();
}

TEST_P(StoreTest, ReadOnlyOpenOfAnEmptyDatabaseFails) {
    auto s = try_open(true);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().kind, StoreError::Kind::Unreadable) << s.error().to_string();
}

// ---- the writer on each store ------------------------------------------------------------------

TEST_P(StoreTest, WriterBatchesAndCleanStopWritesEverything) {
    auto s = open();
    ASSERT_TRUE(s);
    WriterOptions o;
    o.batch_size = 50;
    o.flush_interval = 1h;  // only full batches and stop() write
    AuditWriter w(std::move(s), o);
    constexpr int kThreads = 4;
    constexpr int kEach = 130;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&w, t] {
            for (int i = 0; i < kEach; ++i)
                EXPECT_EQ(w.submit(sample_record(t * 1000 + i)), AuditWriter::Submit::Queued);
        });
    }
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(w.stop(), 0u);
    const WriterStats st = w.stats();
    EXPECT_EQ(st.submitted, std::uint64_t{kThreads * kEach});
    EXPECT_EQ(st.written, std::uint64_t{kThreads * kEach});
    EXPECT_EQ(st.queued, 0u);
    // 520 records in batches of at most 50: at least 11 transactions.
    EXPECT_GE(st.batches, 11u);
    EXPECT_LE(st.batches, 520u / 50 + 2);
    auto reader = open(true);
    ASSERT_TRUE(reader);
    EXPECT_EQ(all(*reader).size(), std::size_t{kThreads * kEach});
    EXPECT_EQ(w.submit(sample_record(1)), AuditWriter::Submit::Dropped);
}

TEST_P(StoreTest, WriterFlushesOnIntervalAndOnRequest) {
    auto s = open();
    ASSERT_TRUE(s);
    WriterOptions o;
    o.batch_size = 1000;
    o.flush_interval = 100ms;
    AuditWriter w(std::move(s), o);
    auto reader = open(true);
    ASSERT_TRUE(reader);
    w.submit(sample_record(1));
    // Written by the interval, without flush().
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (all(*reader).empty() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    EXPECT_EQ(all(*reader).size(), 1u);
    w.submit(sample_record(2));
    w.submit(sample_record(3));
    EXPECT_TRUE(w.flush(5s));
    EXPECT_EQ(all(*reader).size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreTest,
                         ::testing::Values(Backend::Sqlite, Backend::PgCopy, Backend::PgInsert),
                         backend_name);

}  // namespace
}  // namespace opennap::store
