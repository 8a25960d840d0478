// AuditWriter against a scripted store: batch sizes and the flush interval, a full queue (wait,
// then drop and count), retries with back-off, record-by-record retry of a rejected batch,
// retention pruning, and the metrics it registers.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "opennap/metrics/registry.h"
#include "opennap/store/audit_writer.h"
#include "store/harness.h"

namespace opennap::store {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::sample_record;

// Keeps what is appended; can fail, reject, or hold appends until released.
struct Script {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::size_t> batch_sizes;
    std::vector<DecisionRecord> stored;
    int fail_next = 0;  // Unavailable for this many calls
    bool hold = false;  // appends wait until hold is false
    int appends = 0;
    std::vector<Timestamp> prunes;
    // Writing in parts (AuditStore::begin_batch ...): off unless `parts`.
    bool parts = false;
    std::vector<DecisionRecord> staged;  // the open batch's parts, stored at its commit
    std::vector<std::size_t> part_sizes;
    int fail_part = 0;    // append_part fails (Unavailable) this many times
    int fail_commit = 0;  // commit_batch fails (Unavailable) this many times
    int commits = 0;
};

class FakeStore final : public AuditStore {
  public:
    explicit FakeStore(std::shared_ptr<Script> s) : s_(std::move(s)) {}
    std::string_view kind() const noexcept override { return "fake"; }
    const std::string& where() const noexcept override { return where_; }
    StoreResult<void> append(std::span<const DecisionRecord> batch) override {
        std::unique_lock lock(s_->mu);
        ++s_->appends;
        s_->cv.wait(lock, [&] { return !s_->hold; });
        if (s_->fail_next > 0) {
            --s_->fail_next;
            return down();
        }
        for (const auto& r : batch) {
            if (r.machine_name == "reject-me")
                return std::unexpected(
                    StoreError{StoreError::Kind::Rejected, where_, "no", 0, "", ""});
        }
        s_->batch_sizes.push_back(batch.size());
        s_->stored.insert(s_->stored.end(), batch.begin(), batch.end());
        return {};
    }
    StoreResult<bool> begin_batch() override {
        std::lock_guard lock(s_->mu);
        if (!s_->parts)
            return false;
        EXPECT_FALSE(open_) << "a batch is already open";
        s_->staged.clear();
        open_ = true;
        return true;
    }
    StoreResult<void> append_part(std::span<const DecisionRecord> part) override {
        std::lock_guard lock(s_->mu);
        EXPECT_TRUE(open_) << "a part without an open batch";
        if (s_->fail_part > 0) {
            --s_->fail_part;
            s_->staged.clear();
            open_ = false;
            return down();
        }
        s_->part_sizes.push_back(part.size());
        s_->staged.insert(s_->staged.end(), part.begin(), part.end());
        return {};
    }
    StoreResult<void> commit_batch() override {
        std::lock_guard lock(s_->mu);
        EXPECT_TRUE(open_) << "a commit without an open batch";
        open_ = false;
        if (s_->fail_commit > 0) {
            --s_->fail_commit;
            s_->staged.clear();
            return down();
        }
        ++s_->commits;
        s_->batch_sizes.push_back(s_->staged.size());
        s_->stored.insert(s_->stored.end(), s_->staged.begin(), s_->staged.end());
        s_->staged.clear();
        return {};
    }
    void abort_batch() override {
        std::lock_guard lock(s_->mu);
        s_->staged.clear();
        open_ = false;
    }
    StoreResult<std::vector<DecisionRecord>> query(const DecisionQuery&) override { return {}; }
    StoreResult<OutcomeCounts> count_by_outcome(const DecisionQuery&) override { return {}; }
    StoreResult<std::uint64_t> prune(Timestamp before) override {
        std::lock_guard lock(s_->mu);
        s_->prunes.push_back(before);
        return 7;
    }

  private:
    std::unexpected<StoreError> down() const {
        return std::unexpected(
            StoreError{StoreError::Kind::Unavailable, where_, "down", 0, "", ""});
    }

    std::shared_ptr<Script> s_;
    std::string where_ = "fake";
    bool open_ = false;
};

// Every record 0..n-1 stored once, in order.
void expect_in_order(Script& s, int n) {
    std::lock_guard lock(s.mu);
    ASSERT_EQ(s.stored.size(), static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
        EXPECT_EQ(s.stored[static_cast<std::size_t>(i)], sample_record(i)) << i;
}

std::unique_ptr<AuditStore> fake(const std::shared_ptr<Script>& s) {
    return std::make_unique<FakeStore>(s);
}

// Writer options with batches of `size` records, committed at the latest `flush_interval`
// after their first record.
WriterOptions batches(std::size_t size, std::chrono::milliseconds flush_interval) {
    WriterOptions o;
    o.batch_size = size;
    o.flush_interval = flush_interval;
    return o;
}

// Submits sample_record(i) for i in [from, to).
void submit_range(AuditWriter& w, int from, int to) {
    for (int i = from; i < to; ++i)
        w.submit(sample_record(i));
}

// Whether the open batch's parts hold n records within the harness's wait.
bool staged_reaches(Script& s, std::size_t n) {
    return eventually([&] {
        std::lock_guard lock(s.mu);
        return s.staged.size() == n;
    });
}

TEST(AuditWriter, FullBatchesAreWrittenWithoutWaitingForTheInterval) {
    auto s = std::make_shared<Script>();
    WriterOptions o = batches(10, 1h);
    AuditWriter w(fake(s), o);
    submit_range(w, 0, 35);
    eventually([&] { return w.stats().written >= 30; });
    EXPECT_EQ(w.stats().written, 30u);
    EXPECT_EQ(w.stats().queued, 5u);  // waits for the interval (an hour) or stop
    EXPECT_EQ(w.stop(), 0u);
    expect_in_order(*s, 35);
    std::lock_guard lock(s->mu);
    EXPECT_EQ(s->batch_sizes, (std::vector<std::size_t>{10, 10, 10, 5}));
}

// The queue holds records packed into one buffer each, and the writer thread unpacks them into
// records it reuses from batch to batch: every field must arrive as it was submitted, including
// fields a record before it in the same slot had and this one has not (optionals unset, shorter
// lists, empty strings), and the record's id.
TEST(AuditWriter, RecordsArriveExactlyWhateverTheRecordBeforeThemInTheirSlotHeld) {
    auto s = std::make_shared<Script>();
    WriterOptions o = batches(4, 1h);
    AuditWriter w(fake(s), o);
    auto sparse = [](int i) {
        DecisionRecord r;
        r.time = Timestamp(std::chrono::microseconds(1'000'000 + i));
        r.outcome = Outcome::Deny;
        return r;
    };
    auto odd = [](int i) {
        DecisionRecord r = sample_record(i);
        r.id = 77 + i;
        r.nas_type.reset();
        r.connection_id.reset();
        r.shvs.resize(1);
        r.shvs[0].compliance_codes.clear();
        r.shvs[0].failure_category = FailureCategory::ClientComponent;
        r.reasons = {"", std::string("nul\0inside", 10), std::string(3000, 'x')};
        r.url.clear();
        r.probation_end = r.time;
        return r;
    };
    std::vector<DecisionRecord> sent;
    for (int i = 0; i < 24; ++i)
        sent.push_back(i % 3 == 0 ? sample_record(i) : i % 3 == 1 ? sparse(i) : odd(i));
    // Rich records first in each slot, then sparse ones: batches of 4 over 24 records.
    for (const auto& r : sent)
        w.submit(r);
    ASSERT_TRUE(w.flush(10s));
    EXPECT_EQ(w.stop(), 0u);
    std::lock_guard lock(s->mu);
    ASSERT_EQ(s->stored.size(), sent.size());
    for (std::size_t i = 0; i < sent.size(); ++i)
        EXPECT_EQ(s->stored[i], sent[i]) << "record " << i;
}

TEST(AuditWriter, FlushWritesAPartialBatch) {
    auto s = std::make_shared<Script>();
    WriterOptions o = batches(100, 1h);
    AuditWriter w(fake(s), o);
    w.submit(sample_record(1));
    w.submit(sample_record(2));
    EXPECT_TRUE(w.flush(5s));
    EXPECT_EQ(w.stats().written, 2u);
    EXPECT_TRUE(w.flush(5s));  // nothing to do
}

TEST(AuditWriter, FullQueueWaitsThenDropsAndCounts) {
    auto s = std::make_shared<Script>();
    s->hold = true;  // the database is stuck
    metrics::Registry reg;
    WriterOptions o;
    o.batch_size = 2;
    o.queue_capacity = 4;
    o.flush_interval = 1ms;
    o.max_block = 30ms;
    o.registry = &reg;
    AuditWriter w(fake(s), o);
    for (int i = 0; i < 4; ++i)
        EXPECT_EQ(w.submit(sample_record(i)), AuditWriter::Submit::Queued);
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(w.submit(sample_record(4)), AuditWriter::Submit::Dropped);
    EXPECT_GE(std::chrono::steady_clock::now() - t0, 25ms);
    EXPECT_EQ(w.stats().dropped, 1u);
    EXPECT_EQ(w.stats().blocked, 1u);
    // Room comes while a submitter waits: it is queued after waiting.
    std::thread release([&] {
        std::this_thread::sleep_for(5ms);
        std::lock_guard lock(s->mu);
        s->hold = false;
        s->cv.notify_all();
    });
    const auto r = w.submit(sample_record(5));
    release.join();
    EXPECT_TRUE(r == AuditWriter::Submit::QueuedBlocked || r == AuditWriter::Submit::Dropped);
    EXPECT_EQ(w.stop(), 0u);
    const std::uint64_t queued_blocked = r == AuditWriter::Submit::QueuedBlocked ? 1 : 0;
    EXPECT_EQ(w.stats().written, 4u + queued_blocked);
    const std::string text = reg.render();
    EXPECT_NE(text.find("opennap_audit_records_dropped_total " +
                        std::to_string(2 - queued_blocked) + "\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("opennap_audit_submit_blocked_total 2\n"), std::string::npos) << text;
    EXPECT_NE(text.find("opennap_audit_queue_records 0\n"), std::string::npos) << text;
}

TEST(AuditWriter, UnboundedBlockingNeverDrops) {
    auto s = std::make_shared<Script>();
    WriterOptions o;
    o.batch_size = 1;
    o.queue_capacity = 1;
    o.flush_interval = 1ms;
    o.max_block = std::chrono::milliseconds::max();
    AuditWriter w(fake(s), o);
    {
        std::lock_guard lock(s->mu);
        s->hold = true;
    }
    std::thread release([&] {
        std::this_thread::sleep_for(50ms);
        std::lock_guard lock(s->mu);
        s->hold = false;
        s->cv.notify_all();
    });
    int blocked = 0;
    for (int i = 0; i < 20; ++i)
        blocked += w.submit(sample_record(i)) == AuditWriter::Submit::QueuedBlocked ? 1 : 0;
    release.join();
    EXPECT_GT(blocked, 0);
    EXPECT_EQ(w.stop(), 0u);
    EXPECT_EQ(w.stats().dropped, 0u);
    EXPECT_EQ(w.stats().written, 20u);
}

TEST(AuditWriter, RetriesWithBackOff) {
    auto s = std::make_shared<Script>();
    s->fail_next = 4;
    WriterOptions o = batches(5, 1ms);
    o.retry_min = 10ms;
    o.retry_max = 20ms;
    AuditWriter w(fake(s), o);
    submit_range(w, 0, 5);
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_TRUE(w.flush(5s));
    // 10 + 20 + 20 + 20 ms of back-off.
    EXPECT_GE(std::chrono::steady_clock::now() - t0, 65ms);
    EXPECT_EQ(w.stats().write_errors, 4u);
    EXPECT_EQ(w.stats().written, 5u);
    std::lock_guard lock(s->mu);
    EXPECT_EQ(s->appends, 5);
    EXPECT_EQ(s->batch_sizes, (std::vector<std::size_t>{5}));  // the same batch, kept whole
}

TEST(AuditWriter, ARejectedBatchIsRetriedRecordByRecord) {
    auto s = std::make_shared<Script>();
    metrics::Registry reg;
    WriterOptions o = batches(4, 1h);
    o.registry = &reg;
    AuditWriter w(fake(s), o);
    for (int i = 0; i < 4; ++i) {
        DecisionRecord r = sample_record(i);
        if (i == 2)
            r.machine_name = "reject-me";
        w.submit(r);
    }
    EXPECT_TRUE(w.flush(5s));
    EXPECT_EQ(w.stats().written, 3u);
    EXPECT_EQ(w.stats().rejected, 1u);
    EXPECT_NE(reg.render().find("opennap_audit_records_rejected_total 1\n"), std::string::npos);
    std::lock_guard lock(s->mu);
    EXPECT_EQ(s->batch_sizes, (std::vector<std::size_t>{1, 1, 1}));
}

TEST(AuditWriter, RetentionPrunesPeriodically) {
    auto s = std::make_shared<Script>();
    WriterOptions o;
    o.retention = std::chrono::hours(24 * 30);
    o.prune_interval = std::chrono::seconds(3600);
    AuditWriter w(fake(s), o);
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (w.stats().pruned == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(1ms);
    EXPECT_EQ(w.stats().pruned, 7u);  // once at start; the next in an hour
    w.stop();
    std::lock_guard lock(s->mu);
    ASSERT_EQ(s->prunes.size(), 1u);
    const auto now = std::chrono::system_clock::now();
    const auto age = now - s->prunes[0];
    EXPECT_GE(age, std::chrono::hours(24 * 30));
    EXPECT_LT(age, std::chrono::hours(24 * 30) + std::chrono::minutes(1));
}

TEST(AuditWriter, SubmitAfterStopIsDroppedAndStopIsIdempotent) {
    auto s = std::make_shared<Script>();
    AuditWriter w(fake(s));
    w.submit(sample_record(1));
    EXPECT_EQ(w.stop(), 0u);
    EXPECT_EQ(w.stop(), 0u);
    EXPECT_EQ(w.submit(sample_record(2)), AuditWriter::Submit::Dropped);
    EXPECT_EQ(w.stats().written, 1u);
    EXPECT_EQ(w.store().kind(), "fake");
}

std::shared_ptr<Script> parts_script() {
    auto s = std::make_shared<Script>();
    s->parts = true;
    return s;
}

// A store that writes in parts gets a batch's records as they arrive, in parts of at most 64
// once the writer keeps up, and commits them together: nothing is stored before the commit.
TEST(AuditWriter, PartsGoToTheStoreAsTheyArriveAndAreCommittedTogether) {
    auto s = parts_script();
    WriterOptions o = batches(1000, 1h);
    AuditWriter w(fake(s), o);
    submit_range(w, 0, 64);
    ASSERT_TRUE(staged_reaches(*s, 64));
    submit_range(w, 64, 200);
    {
        std::lock_guard lock(s->mu);
        EXPECT_TRUE(s->stored.empty());
    }
    EXPECT_EQ(w.stats().written, 0u);
    EXPECT_EQ(w.stats().queued, 200u);
    ASSERT_TRUE(w.flush(5s));
    EXPECT_EQ(w.stats().written, 200u);
    EXPECT_EQ(w.stats().batches, 1u);
    EXPECT_EQ(w.stats().queued, 0u);
    expect_in_order(*s, 200);
    std::lock_guard lock(s->mu);
    EXPECT_EQ(s->commits, 1);
    EXPECT_EQ(s->batch_sizes, (std::vector<std::size_t>{200}));
    ASSERT_GE(s->part_sizes.size(), 2u);
    EXPECT_EQ(s->part_sizes[0], 64u);
}

// A batch is committed when it is full, and when its oldest record is flush_interval old.
TEST(AuditWriter, APartsBatchEndsWhenFullOrWhenItsOldestRecordIsDue) {
    {
        auto s = parts_script();
        WriterOptions o = batches(100, 1h);
        AuditWriter w(fake(s), o);
        submit_range(w, 0, 250);
        ASSERT_TRUE(eventually([&] { return w.stats().written == 200; }));
        EXPECT_EQ(w.stats().queued, 50u);  // waits for the interval (an hour) or stop
        {
            std::lock_guard lock(s->mu);
            EXPECT_EQ(s->batch_sizes, (std::vector<std::size_t>{100, 100}));
        }
        EXPECT_EQ(w.stop(), 0u);
        expect_in_order(*s, 250);
    }
    auto s = parts_script();
    WriterOptions o = batches(1000, 100ms);
    AuditWriter w(fake(s), o);
    submit_range(w, 0, 70);  // a part of 64 goes in at once, the rest waits
    ASSERT_TRUE(eventually([&] { return w.stats().written == 70; }));  // no flush(): due
    expect_in_order(*s, 70);
}

// Records that fill the open batch without making a whole part wake the writer: with 64 of 100
// records in the open batch, the 36th queued record commits it (it used to wait for a 64th, or
// for the batch's flush_interval, here an hour).
TEST(AuditWriter, AShortPartThatFillsTheOpenBatchIsTakenAtOnce) {
    auto s = parts_script();
    WriterOptions o = batches(100, 1h);
    AuditWriter w(fake(s), o);
    submit_range(w, 0, 64);
    ASSERT_TRUE(staged_reaches(*s, 64));
    submit_range(w, 64, 110);
    ASSERT_TRUE(eventually([&] { return w.stats().written == 100; }));
    EXPECT_EQ(w.stats().queued, 10u);
    {
        std::lock_guard lock(s->mu);
        EXPECT_EQ(s->batch_sizes, (std::vector<std::size_t>{100}));
        EXPECT_EQ(s->part_sizes, (std::vector<std::size_t>{64, 36}));
    }
    EXPECT_EQ(w.stop(), 0u);
    expect_in_order(*s, 110);
}

// A part or a commit that fails leaves nothing of the batch in the store: the batch is then
// written whole through append(), once, in order, and the failure is counted.
TEST(AuditWriter, AFailedPartOrCommitSendsTheBatchWhole) {
    for (const bool commit : {false, true}) {
        SCOPED_TRACE(commit ? "commit fails" : "a part fails");
        auto s = parts_script();
        if (commit)
            s->fail_commit = 1;
        else
            s->fail_part = 1;
        WriterOptions o = batches(1000, 1h);
        AuditWriter w(fake(s), o);
        submit_range(w, 0, 150);
        ASSERT_TRUE(w.flush(5s));
        EXPECT_EQ(w.stats().written, 150u);
        EXPECT_EQ(w.stats().write_errors, 1u);
        expect_in_order(*s, 150);
        std::lock_guard lock(s->mu);
        EXPECT_EQ(s->commits, 0);
        EXPECT_EQ(s->appends, 1);  // the whole batch
        EXPECT_EQ(s->batch_sizes, (std::vector<std::size_t>{150}));
    }
}

// stop() commits the open batch.
TEST(AuditWriter, StopCommitsTheOpenBatch) {
    auto s = parts_script();
    WriterOptions o = batches(1000, 1h);
    AuditWriter w(fake(s), o);
    submit_range(w, 0, 130);
    EXPECT_EQ(w.stop(), 0u);
    EXPECT_EQ(w.stats().written, 130u);
    expect_in_order(*s, 130);
}

}  // namespace
}  // namespace opennap::store
