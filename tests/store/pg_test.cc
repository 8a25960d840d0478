// PostgreSQL-only behaviour (a private server, tests/store/harness.h): several napserver
// instances writing into one database at once, instances creating the schema together, the
// server going away and coming back (reconnect, batches kept and retried), an unreachable server
// at open, and conninfo redaction.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "opennap/metrics/registry.h"
#include "opennap/store/audit_writer.h"
#include "opennap/store/pg_store.h"
#include "store/harness.h"

namespace opennap::store {
namespace {

using namespace std::chrono_literals;
using testing::PgServer;
using testing::sample_record;

class PgTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (const std::string why = PgServer::unusable(); !why.empty())
            GTEST_SKIP() << why;
        std::string why;
        ASSERT_TRUE(pg_.start(why)) << why;
        db_ = pg_.create_database();
    }

    PgOptions options() const {
        PgOptions o;
        o.conninfo = pg_.conninfo(db_);
        return o;
    }
    std::unique_ptr<AuditStore> open(PgOptions o) {
        auto s = open_pg_store(o);
        EXPECT_TRUE(s) << (s ? "" : s.error().to_string());
        return s ? std::move(*s) : nullptr;
    }
    std::unique_ptr<AuditStore> open() { return open(options()); }
    std::size_t count() {
        return static_cast<std::size_t>(
            std::stoull(pg_.value("SELECT count(*) FROM opennap_decision", db_)));
    }

    PgServer pg_;
    std::string db_;
};

TEST_F(PgTest, InstancesCreatingTheSchemaTogether) {
    // Eight instances start at once on an empty database: one creates the schema, all open.
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&] {
            auto s = open_pg_store(options());
            if (s)
                ++ok;
            else
                ADD_FAILURE() << s.error().to_string();
        });
    }
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(ok.load(), 8);
    EXPECT_EQ(pg_.value("SELECT count(*) FROM opennap_schema", db_), "1");
}

TEST_F(PgTest, TwoWritersInParallelIntoOneDatabase) {
    WriterOptions wo;
    wo.batch_size = 64;
    wo.flush_interval = 20ms;
    PgOptions copy = options();
    PgOptions insert = options();
    insert.insert_method = PgInsertMethod::MultiRowInsert;
    AuditWriter a(open(copy), wo);
    AuditWriter b(open(insert), wo);
    constexpr int kEach = 2000;
    auto load = [](AuditWriter& w, const char* instance, int base) {
        for (int i = 0; i < kEach; ++i) {
            DecisionRecord r = sample_record(base + i);
            r.instance = instance;
            w.submit(r);
        }
    };
    std::thread ta(load, std::ref(a), "nps-a", 0);
    std::thread tb(load, std::ref(b), "nps-b", 100000);
    ta.join();
    tb.join();
    EXPECT_EQ(a.stop(), 0u);
    EXPECT_EQ(b.stop(), 0u);
    EXPECT_EQ(count(), std::size_t{2 * kEach});
    EXPECT_EQ(pg_.value("SELECT count(DISTINCT id) FROM opennap_decision", db_),
              std::to_string(2 * kEach));
    EXPECT_EQ(pg_.value("SELECT count(*) FROM opennap_decision WHERE instance = 'nps-a'", db_),
              std::to_string(kEach));
    // Both instances' batches interleave in the table (they really ran at once).
    auto reader = open();
    ASSERT_TRUE(reader);
    DecisionQuery q;
    q.limit = 0;
    q.machine = "PC-1999.*";
    auto r = reader->query(q);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->size(), 1u);
    EXPECT_EQ((*r)[0].instance, "nps-a");
}

TEST_F(PgTest, ReconnectsAfterTheServerRestarts) {
    auto s = open();
    ASSERT_TRUE(s);
    std::vector<DecisionRecord> one = {sample_record(1)};
    ASSERT_TRUE(s->append(one));
    ASSERT_TRUE(pg_.stop("fast"));
    // Down: Unavailable (retryable), for appends and queries alike.
    auto r = s->append(one);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, StoreError::Kind::Unavailable) << r.error().to_string();
    EXPECT_TRUE(r.error().retryable());
    auto q = s->query({});
    ASSERT_FALSE(q);
    EXPECT_EQ(q.error().kind, StoreError::Kind::Unavailable);
    ASSERT_TRUE(pg_.restart());
    // The next call reconnects.
    ASSERT_TRUE(s->append(one)) << "no reconnect";
    EXPECT_EQ(count(), 2u);
}

TEST_F(PgTest, WriterKeepsBatchesWhileTheServerIsDownAndRetries) {
    metrics::Registry registry;
    WriterOptions wo;
    wo.batch_size = 10;
    wo.flush_interval = 10ms;
    wo.retry_min = 20ms;
    wo.retry_max = 100ms;
    wo.registry = &registry;
    AuditWriter w(open(), wo);
    for (int i = 0; i < 25; ++i)
        w.submit(sample_record(i));
    ASSERT_TRUE(w.flush(10s));
    // Killed hard (no clean shutdown of the sessions).
    ASSERT_TRUE(pg_.stop("immediate"));
    for (int i = 25; i < 60; ++i)
        EXPECT_EQ(w.submit(sample_record(i)), AuditWriter::Submit::Queued);
    std::this_thread::sleep_for(300ms);  // several failed attempts
    EXPECT_FALSE(w.flush(50ms));
    EXPECT_GT(w.stats().write_errors, 0u);
    EXPECT_EQ(w.stats().queued, 35u);
    ASSERT_TRUE(pg_.restart());
    EXPECT_TRUE(w.flush(10s));
    EXPECT_EQ(w.stop(), 0u);
    EXPECT_EQ(count(), 60u);
    EXPECT_EQ(w.stats().written, 60u);
    const std::string text = registry.render();
    EXPECT_NE(text.find("opennap_audit_records_written_total 60\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("opennap_audit_write_errors_total 0\n"), std::string::npos) << text;
}

TEST_F(PgTest, StopGivesUpAfterItsTimeoutAndSaysHowManyWereLost) {
    WriterOptions wo;
    wo.batch_size = 5;
    wo.flush_interval = 1h;
    wo.retry_min = 10ms;
    wo.retry_max = 50ms;
    wo.stop_timeout = 300ms;
    AuditWriter w(open(), wo);
    ASSERT_TRUE(pg_.stop("immediate"));
    for (int i = 0; i < 12; ++i)
        w.submit(sample_record(i));
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(w.stop(), 12u);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
    EXPECT_EQ(w.stop(), 0u);
}

TEST_F(PgTest, UnreachableOrRefusingServers) {
    PgOptions o;
    o.conninfo = "host=" + pg_.socket_dir() + " port=1 user=opennap dbname=postgres";
    auto s = open_pg_store(o);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().kind, StoreError::Kind::Unavailable) << s.error().to_string();
    o.conninfo = pg_.conninfo("no_such_database");
    s = open_pg_store(o);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().kind, StoreError::Kind::Unreadable) << s.error().to_string();
    for (const char* bad : {"this is not a conninfo", "host=/tmp nosuchoption=1", "port='"}) {
        o.conninfo = bad;
        s = open_pg_store(o);
        ASSERT_FALSE(s);
        EXPECT_EQ(s.error().kind, StoreError::Kind::Unreadable) << s.error().to_string();
        EXPECT_NE(s.error().message.find("not a libpq connection string"), std::string::npos)
            << s.error().message;
    }
}

TEST(PgConninfo, PasswordsAreRedacted) {
    EXPECT_EQ(redact_conninfo("host=/tmp port=5433 dbname=audit password=s3cret user=nap"),
              "user=nap password=*** dbname=audit host=/tmp port=5433");
    const std::string uri = redact_conninfo("postgresql://nap:s3cret@db.example:5432/audit");
    EXPECT_EQ(uri.find("s3cret"), std::string::npos) << uri;
    EXPECT_NE(uri.find("password=***"), std::string::npos) << uri;
    EXPECT_EQ(redact_conninfo("password='unterminated"), "(a conninfo libpq cannot parse)");
}

}  // namespace
}  // namespace opennap::store
