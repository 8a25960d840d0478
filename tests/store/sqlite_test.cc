// SQLite-only behaviour: another connection holding the write lock (busy: Unavailable, and the
// writer waits it out), readers during writes (WAL), kill -9 losing only what was not flushed,
// and paths that cannot be opened.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <thread>

#include "opennap/store/audit_writer.h"
#include "opennap/store/sqlite_store.h"
#include "store/harness.h"

namespace opennap::store {
namespace {

using namespace std::chrono_literals;
using testing::sample_record;
using testing::sqlite_exec;
using testing::sqlite_value;

class SqliteTest : public ::testing::Test {
  protected:
    std::unique_ptr<AuditStore> open(std::chrono::milliseconds busy = 2000ms) {
        SqliteOptions o;
        o.path = path();
        o.busy_timeout = busy;
        auto s = open_sqlite_store(o);
        EXPECT_TRUE(s) << (s ? "" : s.error().to_string());
        return s ? std::move(*s) : nullptr;
    }
    std::filesystem::path path() const { return dir_.path() / "audit.db"; }
    std::size_t count() {
        SqliteOptions o;
        o.path = path();
        o.read_only = true;
        auto s = open_sqlite_store(o);
        if (!s)
            return 0;
        auto c = (*s)->count_by_outcome({});
        return c ? static_cast<std::size_t>(c->total()) : 0;
    }

    // Another process's connection holding the write lock (BEGIN IMMEDIATE) until release().
    struct Locker {
        sqlite3* db = nullptr;
        explicit Locker(const std::filesystem::path& p) {
            EXPECT_EQ(sqlite3_open(p.c_str(), &db), SQLITE_OK);
            EXPECT_EQ(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
        }
        void release() {
            if (db != nullptr) {
                sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
                sqlite3_close(db);
                db = nullptr;
            }
        }
        ~Locker() { release(); }
    };

    testing::TempDir dir_;
};

TEST_F(SqliteTest, BusyDatabaseIsUnavailableThenWorks) {
    auto s = open(50ms);
    ASSERT_TRUE(s);
    Locker lock(path());
    std::vector<DecisionRecord> one = {sample_record(1)};
    const auto t0 = std::chrono::steady_clock::now();
    auto r = s->append(one);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, StoreError::Kind::Unavailable) << r.error().to_string();
    EXPECT_GE(std::chrono::steady_clock::now() - t0, 40ms);  // waited busy_timeout
    EXPECT_NE(r.error().code.find("SQLite 5"), std::string::npos) << r.error().code;  // BUSY
    // Readers are not blocked by the writer's lock (WAL).
    EXPECT_TRUE(s->query({}));
    lock.release();
    EXPECT_TRUE(s->append(one));
    EXPECT_EQ(count(), 1u);
}

TEST_F(SqliteTest, WriterWaitsOutALockedDatabase) {
    WriterOptions wo;
    wo.batch_size = 10;
    wo.flush_interval = 10ms;
    wo.retry_min = 10ms;
    wo.retry_max = 50ms;
    AuditWriter w(open(20ms), wo);
    auto lock = std::make_unique<Locker>(path());
    for (int i = 0; i < 30; ++i)
        w.submit(sample_record(i));
    std::this_thread::sleep_for(300ms);
    EXPECT_GT(w.stats().write_errors, 0u);
    EXPECT_EQ(w.stats().written, 0u);
    lock.reset();
    EXPECT_TRUE(w.flush(10s));
    EXPECT_EQ(w.stop(), 0u);
    EXPECT_EQ(count(), 30u);
}

TEST_F(SqliteTest, SecondOpenerOnALockedNewDatabaseIsUnavailable) {
    // The schema is created under the write lock; an opener that cannot get it says so.
    { ASSERT_TRUE(open()); }
    std::filesystem::remove(path());
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    ASSERT_EQ(
        sqlite3_exec(db, "PRAGMA journal_mode=WAL; BEGIN IMMEDIATE", nullptr, nullptr, nullptr),
        SQLITE_OK);
    SqliteOptions o;
    o.path = path();
    o.busy_timeout = 20ms;
    auto s = open_sqlite_store(o);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().kind, StoreError::Kind::Unavailable) << s.error().to_string();
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    EXPECT_TRUE(open_sqlite_store(o));
}

TEST_F(SqliteTest, KillNineLosesOnlyWhatWasNotFlushed) {
    // A child process writes 100 records and flushes, queues 150 more (never committed: no batch
    // is full and the interval is an hour), then is killed with SIGKILL.
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        SqliteOptions o;
        o.path = path();
        auto s = open_sqlite_store(o);
        if (!s)
            ::_exit(2);
        WriterOptions wo;
        wo.batch_size = 1000;
        wo.flush_interval = 1h;
        AuditWriter w(std::move(*s), wo);
        for (int i = 0; i < 100; ++i)
            w.submit(sample_record(i));
        if (!w.flush(10s))
            ::_exit(3);
        // More than a part (64): the writer puts parts into a transaction it never commits.
        for (int i = 100; i < 250; ++i)
            w.submit(sample_record(i));
        ::usleep(200'000);
        ::kill(::getpid(), SIGKILL);
        ::_exit(4);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
    EXPECT_EQ(count(), 100u);
    // The database is intact and writable after the crash.
    auto s = open();
    ASSERT_TRUE(s);
    std::vector<DecisionRecord> one = {sample_record(500)};
    EXPECT_TRUE(s->append(one));
    EXPECT_EQ(count(), 101u);
}

TEST_F(SqliteTest, PathsThatCannotBeOpened) {
    SqliteOptions o;
    o.path = dir_.path() / "no" / "such" / "dir" / "audit.db";
    auto s = open_sqlite_store(o);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().kind, StoreError::Kind::Unreadable) << s.error().to_string();
    EXPECT_NE(s.error().to_string().find(o.path.string()), std::string::npos);
    // Not a database.
    {
        std::ofstream f(path());
        f << std::string(4096, 'x');
    }
    o.path = path();
    s = open_sqlite_store(o);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().kind, StoreError::Kind::Corrupt) << s.error().to_string();
    // Read-only on a missing file.
    o.path = dir_.path() / "missing.db";
    o.read_only = true;
    s = open_sqlite_store(o);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().kind, StoreError::Kind::Unreadable);
    EXPECT_FALSE(std::filesystem::exists(o.path));
}

TEST_F(SqliteTest, FullSyncOption) {
    SqliteOptions o;
    o.path = path();
    o.full_sync = true;
    auto s = open_sqlite_store(o);
    ASSERT_TRUE(s);
    std::vector<DecisionRecord> one = {sample_record(1)};
    EXPECT_TRUE((*s)->append(one));
    EXPECT_EQ((*s)->kind(), "sqlite");
    EXPECT_EQ((*s)->where(), path().string());
}

// sample_record(from) .. sample_record(to - 1).
std::vector<DecisionRecord> records(int from, int to) {
    std::vector<DecisionRecord> out;
    for (int i = from; i < to; ++i)
        out.push_back(sample_record(i));
    return out;
}

// How many of `file`'s pages are in the page cache (mincore() of a mapping), and its pages in all.
std::pair<std::size_t, std::size_t> cached_pages(const std::filesystem::path& file) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return {0, 0};
    struct stat st {};
    ::fstat(fd, &st);
    const auto len = static_cast<std::size_t>(st.st_size);
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    std::vector<unsigned char> in((len + page - 1) / page);
    void* m = len == 0 ? MAP_FAILED : ::mmap(nullptr, len, PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);
    if (m == MAP_FAILED)
        return {0, in.size()};
    std::size_t cached = 0;
    if (::mincore(m, len, in.data()) == 0)
        cached = static_cast<std::size_t>(
            std::count_if(in.begin(), in.end(), [](unsigned char c) { return (c & 1) != 0; }));
    ::munmap(m, len);
    return {cached, in.size()};
}

// After a checkpoint the database file's pages leave the page cache (drop_written_pages, the
// default); without it they stay, which is what makes the test able to fail.
TEST_F(SqliteTest, TheDatabaseFilesPagesLeaveThePageCacheAfterACheckpoint) {
    struct statfs fs {};
    ASSERT_EQ(::statfs(dir_.path().c_str(), &fs), 0);
    if (fs.f_type == TMPFS_MAGIC)
        GTEST_SKIP() << dir_.path() << " is on tmpfs, whose pages cannot be dropped";
    for (const bool drop : {true, false}) {
        SCOPED_TRACE(drop ? "drop_written_pages" : "kept");
        SqliteOptions o;
        o.path = dir_.path() / (drop ? "drop.db" : "keep.db");
        o.checkpoint_pages = 16;
        o.drop_written_pages = drop;
        auto s = open_sqlite_store(o);
        ASSERT_TRUE(s);
        for (int b = 0; b < 40; ++b)
            ASSERT_TRUE((*s)->append(records(b * 100, b * 100 + 100)));
        // Measured with the store open: closing it checkpoints the WAL once more.
        const auto [cached, total] = cached_pages(o.path);
        ASSERT_GT(total, 256u) << "the database is smaller than the test needs";
        if (drop)
            EXPECT_LT(cached, total / 4) << cached << " of " << total << " pages cached";
        else
            EXPECT_GT(cached, total * 3 / 4) << cached << " of " << total << " pages cached";
    }
}

int page_size_of(const std::filesystem::path& p) {
    const std::string v = sqlite_value(p, "PRAGMA page_size");
    return v.empty() ? -1 : std::stoi(v);
}

// A new database gets 16 KiB pages (fewer pages written per record: docs/benchmarks.md).
TEST_F(SqliteTest, ANewDatabaseHasSixteenKibPages) {
    auto s = open();
    ASSERT_TRUE(s);
    std::vector<DecisionRecord> one = {sample_record(1)};
    ASSERT_TRUE(s->append(one));
    s.reset();
    EXPECT_EQ(page_size_of(path()), 16384);
}

// A database made with another page size (an older napserver's 4 KiB) keeps it and is written to
// and read as before.
TEST_F(SqliteTest, AnExistingDatabaseKeepsItsPageSize) {
    sqlite_exec(path(), "PRAGMA page_size=4096; PRAGMA journal_mode=WAL");
    auto s = open();
    ASSERT_TRUE(s);
    std::vector<DecisionRecord> two = {sample_record(1), sample_record(2)};
    ASSERT_TRUE(s->append(two));
    s.reset();
    EXPECT_EQ(page_size_of(path()), 4096);
    EXPECT_EQ(count(), 2u);
}

// Whether another connection can take the write lock now (false: a transaction holds it).
bool can_lock(const std::filesystem::path& p) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(p.c_str(), &db), SQLITE_OK);
    const int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK)
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    return rc == SQLITE_OK;
}

// A batch written in parts: nothing of it is visible until its commit, then all of it is, as
// written (docs/audit.md, "The writer").
TEST_F(SqliteTest, ABatchWrittenInPartsIsStoredWholeAtItsCommit) {
    auto s = open(50ms);
    ASSERT_TRUE(s);
    auto begun = s->begin_batch();
    ASSERT_TRUE(begun) << begun.error().to_string();
    EXPECT_TRUE(*begun);
    const auto first = records(0, 10);
    const auto second = records(10, 25);
    ASSERT_TRUE(s->append_part(first));
    EXPECT_EQ(count(), 0u);
    ASSERT_TRUE(s->append_part(second));
    EXPECT_EQ(count(), 0u);
    EXPECT_FALSE(can_lock(path()));  // the transaction is open
    ASSERT_TRUE(s->commit_batch());
    EXPECT_TRUE(can_lock(path()));
    EXPECT_EQ(count(), 25u);
    DecisionQuery q;
    q.limit = 0;
    auto got = s->query(q);
    ASSERT_TRUE(got);
    ASSERT_EQ(got->size(), 25u);
    for (DecisionRecord& r : *got) {  // newest first: sample_record(i) is i seconds later
        const int i = static_cast<int>(got->size()) - 1 - static_cast<int>(&r - got->data());
        r.id = 0;
        EXPECT_EQ(r, sample_record(i)) << i;
    }
}

// An aborted batch, and one whose part the database refuses, store nothing of any part; the
// store is usable at once after either.
TEST_F(SqliteTest, AnAbortedOrFailedBatchStoresNothingOfItsParts) {
    auto s = open();
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->begin_batch());
    ASSERT_TRUE(s->append_part(records(0, 10)));
    s->abort_batch();
    EXPECT_EQ(count(), 0u);
    EXPECT_TRUE(can_lock(path()));

    ASSERT_TRUE(s->begin_batch());
    ASSERT_TRUE(s->append_part(records(0, 10)));
    auto bad = records(10, 12);
    bad[1].time = Timestamp(std::chrono::microseconds(-1));  // before 1970: refused
    auto r = s->append_part(bad);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, StoreError::Kind::Rejected) << r.error().to_string();
    auto c = s->commit_batch();  // the transaction ended with the error
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().kind, StoreError::Kind::Invalid);
    EXPECT_EQ(count(), 0u);
    EXPECT_TRUE(can_lock(path()));
    ASSERT_TRUE(s->append(records(20, 22)));
    EXPECT_EQ(count(), 2u);
}

// While a batch is open only its parts and its end are accepted; parts and a commit without an
// open batch are refused. Each refusal is Invalid and changes nothing.
TEST_F(SqliteTest, WhileABatchIsOpenOnlyItsPartsAndItsEndAreAccepted) {
    auto s = open();
    ASSERT_TRUE(s);
    const auto one = records(0, 1);
    auto part = s->append_part(one);
    ASSERT_FALSE(part);
    EXPECT_EQ(part.error().kind, StoreError::Kind::Invalid);
    auto commit = s->commit_batch();
    ASSERT_FALSE(commit);
    EXPECT_EQ(commit.error().kind, StoreError::Kind::Invalid);

    ASSERT_TRUE(s->begin_batch());
    auto again = s->begin_batch();
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().kind, StoreError::Kind::Invalid);
    auto whole = s->append(one);
    ASSERT_FALSE(whole);
    EXPECT_EQ(whole.error().kind, StoreError::Kind::Invalid);
    auto pruned = s->prune(Timestamp(std::chrono::microseconds(1)));
    ASSERT_FALSE(pruned);
    EXPECT_EQ(pruned.error().kind, StoreError::Kind::Invalid);
    ASSERT_TRUE(s->append_part(records(1, 3)));
    ASSERT_TRUE(s->commit_batch());
    EXPECT_EQ(count(), 2u);
}

// The writer puts a batch's records into the database as they arrive (its transaction holds the
// write lock once a part is in) and commits them together: none is visible before.
TEST_F(SqliteTest, TheWriterWritesPartsAsTheyArriveAndCommitsThemTogether) {
    auto s = open();
    ASSERT_TRUE(s);
    WriterOptions wo;
    wo.batch_size = 1000;
    wo.flush_interval = 1h;
    AuditWriter w(std::move(s), wo);
    for (int i = 0; i < 200; ++i)
        w.submit(sample_record(i));
    EXPECT_TRUE(testing::eventually([&] { return !can_lock(path()); }))
        << "no part was written within 10 s";
    EXPECT_EQ(count(), 0u);
    EXPECT_EQ(w.stats().written, 0u);
    ASSERT_TRUE(w.flush(10s));
    EXPECT_EQ(count(), 200u);
    EXPECT_EQ(w.stats().written, 200u);
    EXPECT_EQ(w.stats().batches, 1u);
    EXPECT_TRUE(can_lock(path()));
}

// ---- schema version 2: reasons stored once per distinct list ---------------------------------

std::vector<DecisionRecord> with_reasons(int from, int to,
                                         const std::vector<std::vector<std::string>>& lists) {
    auto out = records(from, to);
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i].reasons = lists[i % lists.size()];
    return out;
}

std::vector<DecisionRecord> all_of(AuditStore& s) {
    DecisionQuery q;
    q.limit = 0;
    auto r = s.query(q);
    EXPECT_TRUE(r) << (r ? "" : r.error().to_string());
    if (!r)
        return {};
    std::sort(r->begin(), r->end(), [](const auto& a, const auto& b) { return a.time < b.time; });
    return *r;
}

const std::vector<std::vector<std::string>> kLists = {
    {"SHV 0x00013780: non-compliant -> fail", "network policy \"r\" matched: restricted access"},
    {"no SoH: the client is not NAP-capable"},
    {}};

// Each distinct reasons list is one row of opennap_reasons, whichever batch and connection
// stores it; records name it, and read back with their own reasons, through the store and
// through the view opennap_decision, which shows them as version 1 did (a JSON array).
TEST_F(SqliteTest, ReasonsAreStoredOncePerDistinctList) {
    auto s = open();
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->append(with_reasons(0, 30, kLists)));
    ASSERT_TRUE(s->append(with_reasons(30, 60, kLists)));
    s.reset();
    s = open();  // a new connection, with nothing cached
    ASSERT_TRUE(s->append(with_reasons(60, 90, kLists)));
    EXPECT_EQ(sqlite_value(path(), "SELECT count(*) FROM opennap_reasons"), "3");
    EXPECT_EQ(sqlite_value(path(),
                           "SELECT count(*) FROM opennap_decision_row WHERE reasons <> '' "
                           "OR reasons_id IS NULL"),
              "0");
    EXPECT_EQ(sqlite_value(path(),
                           "SELECT reasons FROM opennap_decision WHERE machine_key = "
                           "'pc-1.corp.example'"),
              "[\"no SoH: the client is not NAP-capable\"]");
    EXPECT_EQ(sqlite_value(path(), "SELECT version FROM opennap_schema"), "2");
    const auto out = all_of(*s);
    ASSERT_EQ(out.size(), 90u);
    for (std::size_t i = 0; i < out.size(); ++i)
        EXPECT_EQ(out[i].reasons, kLists[i % kLists.size()]) << "record " << i;
}

// More distinct lists than the store keeps ids of in memory, by number and by bytes: each is
// still stored once and read back as its own, and a list seen again is found again.
TEST_F(SqliteTest, MoreDistinctListsThanTheCacheHoldsAreEachStoredOnce) {
    auto s = open();
    ASSERT_TRUE(s);
    std::vector<std::vector<std::string>> lists;
    for (int i = 0; i < 4200; ++i)
        lists.push_back({"list " + std::to_string(i)});
    for (int i = 0; i < 24; ++i)  // 24 x 64 x 4,000 bytes: past the cache's 4 MiB
        lists.emplace_back(64, std::string(4000, static_cast<char>('a' + i)));
    auto in = records(0, static_cast<int>(lists.size()));
    for (std::size_t i = 0; i < in.size(); ++i)
        in[i].reasons = lists[i];
    ASSERT_TRUE(s->append(in));
    auto again = records(10000, 10000 + static_cast<int>(lists.size()));
    for (std::size_t i = 0; i < again.size(); ++i)
        again[i].reasons = lists[lists.size() - 1 - i];
    ASSERT_TRUE(s->append(again));
    EXPECT_EQ(sqlite_value(path(), "SELECT count(*) FROM opennap_reasons"),
              std::to_string(lists.size()));
    const auto out = all_of(*s);
    ASSERT_EQ(out.size(), 2 * lists.size());
    for (std::size_t i = 0; i < lists.size(); ++i) {
        ASSERT_EQ(out[i].reasons, lists[i]) << "record " << i;
        ASSERT_EQ(out[lists.size() + i].reasons, lists[lists.size() - 1 - i]) << "again " << i;
    }
}

// A reasons list first stored by a batch that is then rolled back is gone with it; the store
// must not name it afterwards (its id would name nothing, or another list). Whole batches
// refused by the database, and batches in parts aborted.
TEST_F(SqliteTest, ReasonsOfARolledBackBatchAreStoredAgainWithTheNextRecord) {
    auto s = open();
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->append(with_reasons(0, 1, {kLists[0]})));  // one list made and committed
    sqlite_exec(path(),
                "CREATE TRIGGER no_forbidden BEFORE INSERT ON opennap_decision_row WHEN "
                "NEW.machine_name LIKE '%forbidden%' BEGIN SELECT RAISE(ABORT, 'forbidden'); END");
    const std::vector<std::string> fresh = {"a list first seen in a refused batch"};
    auto refused = with_reasons(1, 3, {fresh});
    refused[1].machine_name = "forbidden-pc";
    ASSERT_FALSE(s->append(refused));
    const std::vector<std::string> fresh2 = {"a list first seen in an aborted batch"};
    ASSERT_TRUE(s->begin_batch());
    ASSERT_TRUE(s->append_part(with_reasons(3, 5, {fresh2})));
    s->abort_batch();
    EXPECT_EQ(sqlite_value(path(), "SELECT count(*) FROM opennap_reasons"), "1");
    // The next records carry those lists (and the committed one) again.
    auto next = with_reasons(5, 8, {fresh, fresh2, kLists[0]});
    ASSERT_TRUE(s->append(next));
    const auto out = all_of(*s);
    ASSERT_EQ(out.size(), 4u);
    EXPECT_EQ(out[0].reasons, kLists[0]);
    EXPECT_EQ(out[1].reasons, fresh);
    EXPECT_EQ(out[2].reasons, fresh2);
    EXPECT_EQ(out[3].reasons, kLists[0]);
    EXPECT_EQ(sqlite_value(path(), "SELECT count(*) FROM opennap_reasons"), "3");
}

// When SQLite itself rolls the transaction back (what a 16-row INSERT OR ROLLBACK does on a
// refused record; here a trigger's RAISE(ROLLBACK) inside such a statement), nothing of the
// batch stays, the store's own ROLLBACK after it does no harm, the reasons lists the batch made
// are made again by the next records, and the store goes on writing: whole batches and batches
// in parts.
TEST_F(SqliteTest, ABatchSqliteRolledBackItselfLeavesNothingAndTheStoreGoesOn) {
    auto s = open();
    ASSERT_TRUE(s);
    sqlite_exec(path(),
                "CREATE TRIGGER no_forbidden BEFORE INSERT ON opennap_decision_row WHEN "
                "NEW.machine_name LIKE '%forbidden%' BEGIN SELECT RAISE(ROLLBACK, 'forbidden'); "
                "END");
    const std::vector<std::string> fresh = {"a list first seen in a batch SQLite rolled back"};
    auto whole = with_reasons(0, 40, {fresh});
    whole[21].machine_name = "forbidden-pc";  // inside the second 16-row statement
    auto r = s->append(whole);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, StoreError::Kind::Rejected) << r.error().to_string();
    ASSERT_TRUE(s->begin_batch());
    auto part = with_reasons(40, 80, {fresh});
    ASSERT_TRUE(s->append_part(std::span<const DecisionRecord>(part).first(16)));
    part[37].machine_name = "forbidden-pc";
    EXPECT_FALSE(s->append_part(std::span<const DecisionRecord>(part).subspan(16)));
    EXPECT_FALSE(s->commit_batch());  // the failed part ended the batch
    EXPECT_EQ(sqlite_value(path(), "SELECT count(*) FROM opennap_decision_row"), "0");
    EXPECT_EQ(sqlite_value(path(), "SELECT count(*) FROM opennap_reasons"), "0");
    auto next = with_reasons(80, 120, {fresh});
    ASSERT_TRUE(s->append(next));
    const auto out = all_of(*s);
    ASSERT_EQ(out.size(), next.size());
    for (const auto& rec : out)
        EXPECT_EQ(rec.reasons, fresh);
}

// A record that names a reasons list the database no longer has (deleted by hand) is reported
// with its row and field, as any other damaged value is.
TEST_F(SqliteTest, ARecordWhoseReasonsListIsGoneIsReportedWithItsRowAndField) {
    auto s = open();
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->append(with_reasons(0, 2, {kLists[0], kLists[1]})));
    sqlite_exec(path(), "DELETE FROM opennap_reasons WHERE reasons LIKE '%not NAP-capable%'");
    auto r = s->query({});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, StoreError::Kind::Corrupt) << r.error().to_string();
    EXPECT_EQ(r.error().field, "reasons");
    EXPECT_EQ(r.error().row, 2);
}

// A database written by an earlier napserver (schema version 1: one table, reasons in each
// record) is read as it is when opened read-only (napctl), and brought to version 2 when
// opened for writing: its records keep their reasons, and new ones are stored by reference.
TEST_F(SqliteTest, AVersionOneDatabaseIsReadAndBroughtToVersionTwo) {
    sqlite_exec(path(), R"sql(
PRAGMA journal_mode=WAL;
CREATE TABLE opennap_schema (version INTEGER NOT NULL);
CREATE TABLE opennap_decision (
  id INTEGER PRIMARY KEY, time INTEGER NOT NULL, instance TEXT NOT NULL,
  client_address TEXT NOT NULL, client_name TEXT NOT NULL,
  nas_type INTEGER CHECK (nas_type BETWEEN 0 AND 4294967295), machine_name TEXT NOT NULL,
  machine_key TEXT NOT NULL, connection_id TEXT, correlation_guid TEXT, correlation_time INTEGER,
  shvs TEXT NOT NULL, health_policy TEXT NOT NULL, network_policy TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome = 'full' OR outcome = 'probation' OR
                              outcome = 'restricted' OR outcome = 'deny'),
  probation_end INTEGER, extended_state TEXT NOT NULL, remediation_group TEXT NOT NULL,
  url TEXT NOT NULL, reasons TEXT NOT NULL, latency_us INTEGER NOT NULL);
CREATE INDEX opennap_decision_time ON opennap_decision (time);
CREATE INDEX opennap_decision_machine ON opennap_decision (machine_key, time);
INSERT INTO opennap_schema (version) VALUES (1);
INSERT INTO opennap_decision VALUES (7, 1764640000123456, 'nps-a', '192.0.2.9', 'switch-1', 2,
  'PC-OLD', 'pc-old', NULL, NULL, NULL, '[]', 'h', 'n', 'full', NULL, 'no-data', '', '',
  '["written by version 1"]', 55);
)sql");
    {
        SqliteOptions o;
        o.path = path();
        o.read_only = true;
        auto ro = open_sqlite_store(o);
        ASSERT_TRUE(ro) << ro.error().to_string();
        const auto out = all_of(**ro);
        ASSERT_EQ(out.size(), 1u);
        EXPECT_EQ(out[0].reasons, std::vector<std::string>{"written by version 1"});
        EXPECT_EQ(out[0].machine_name, "PC-OLD");
    }
    EXPECT_EQ(sqlite_value(path(), "SELECT version FROM opennap_schema"), "1");
    auto s = open();
    ASSERT_TRUE(s);
    EXPECT_EQ(sqlite_value(path(), "SELECT version FROM opennap_schema"), "2");
    ASSERT_TRUE(s->append(with_reasons(100, 102, kLists)));
    const auto out = all_of(*s);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[0].id, 7);
    EXPECT_EQ(out[0].reasons, std::vector<std::string>{"written by version 1"});
    EXPECT_EQ(out[0].latency_us, 55u);
    EXPECT_EQ(out[1].reasons, kLists[0]);
    EXPECT_EQ(out[2].reasons, kLists[1]);
    EXPECT_EQ(sqlite_value(path(), "SELECT reasons_id FROM opennap_decision_row WHERE id = 7"), "");
    // Pruning deletes records of both kinds.
    ASSERT_TRUE(s->prune(out[2].time));
    EXPECT_EQ(all_of(*s).size(), 1u);
}

}  // namespace
}  // namespace opennap::store
