// AuditWriter: appends decision records to an AuditStore in batches, on a thread of its own, so
// that the request path never waits for the database (docs/audit.md, "The writer").
//
// * submit() packs the record into one buffer (on the caller's thread: the writer thread then
//   frees one allocation per record, not a dozen) in a bounded queue and returns. A batch (one
//   transaction) is committed when it holds batch_size records, when its oldest record is
//   flush_interval old, on flush(), and on stop(). A store that writes in parts (SQLite:
//   AuditStore::begin_batch) gets the batch's records 64 at a time as they arrive, into the
//   open transaction, so that the batch's work is spread over time rather than done in one
//   piece; nothing of a batch is visible before its commit.
// * A full queue (the database is slower than the requests, or down) makes submit() wait up to
//   max_block for room; if there is still none, the record is dropped and counted
//   (Submit::Dropped; opennap_audit_records_dropped_total). NPS-style servers must not lose audit
//   records silently, so the default is to wait (bounded: a stalled database must not stall
//   RADIUS for ever) and the caller learns of every drop: napserver can then discard the request
//   as NPS's "discard connection requests if logging fails" did. max_block = duration::max()
//   blocks until there is room (nothing is ever dropped).
// * A failed batch (Unavailable) is kept and retried with exponential back-off (retry_min ..
//   retry_max); errors are logged (the first of a run, then one in 100) and counted, never thrown.
//   A batch the store rejects (Rejected) is retried record by record, and a record rejected
//   alone is dropped, logged and counted (opennap_audit_records_rejected_total).
// * stop() writes everything queued, retrying up to stop_timeout, then ends the thread; records
//   it could not write by then are logged with their count and returned. A clean shutdown loses
//   nothing while the database is reachable; kill -9 loses what was queued and not yet
//   committed (at most queue_capacity records, normally under one flush_interval's worth).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "opennap/store/audit_store.h"

namespace opennap::metrics {
class Registry;
}

namespace opennap::store {

struct WriterOptions {
    std::size_t batch_size = 1000;                   // records per transaction, at most
    std::chrono::milliseconds flush_interval{1000};  // the longest a record waits in the queue
    std::size_t queue_capacity = 100'000;            // records queued (in memory), at most
    std::chrono::milliseconds max_block{100};        // how long submit() waits on a full queue
    std::chrono::milliseconds retry_min{100};        // back-off after the first failed attempt
    std::chrono::milliseconds retry_max{10'000};     // back-off ceiling
    std::chrono::milliseconds stop_timeout{30'000};  // how long stop() keeps retrying
    // Retention: when set, records older than this are deleted (prune) every prune_interval,
    // by the writer's thread between batches. Unset: records are kept for ever.
    std::optional<std::chrono::seconds> retention;
    std::chrono::seconds prune_interval{3600};
    // When set, the writer's metrics are registered there (docs/audit.md, "Metrics"); the
    // registry must outlive the writer.
    metrics::Registry* registry = nullptr;
};

struct WriterStats {
    std::uint64_t submitted = 0;     // accepted into the queue
    std::uint64_t written = 0;       // committed
    std::uint64_t dropped = 0;       // the queue stayed full for max_block
    std::uint64_t rejected = 0;      // refused by the store record by record
    std::uint64_t blocked = 0;       // submit() calls that had to wait for room
    std::uint64_t write_errors = 0;  // failed append() calls
    std::uint64_t batches = 0;       // committed batches
    std::uint64_t pruned = 0;        // records deleted by retention
    std::size_t queued = 0;          // in the queue or being written now
};

class AuditWriter {
  public:
    enum class Submit : std::uint8_t {
        Queued,         // queued at once
        QueuedBlocked,  // queued after waiting for room
        Dropped,        // not queued: the queue stayed full (or the writer is stopped)
    };

    // Starts the writer thread. The store is used from that thread only (queries may still go
    // to another AuditStore object on the same database).
    AuditWriter(std::unique_ptr<AuditStore> store, WriterOptions options = {});
    // stop()s if not stopped.
    ~AuditWriter();
    AuditWriter(const AuditWriter&) = delete;
    AuditWriter& operator=(const AuditWriter&) = delete;

    // Thread-safe; never waits on I/O (only, on a full queue, up to max_block for room).
    Submit submit(const DecisionRecord& record);

    // Waits until every record submitted before the call is written (or rejected), or until
    // `timeout`; returns true when they were.
    bool flush(std::chrono::milliseconds timeout = std::chrono::milliseconds(30'000));

    // Writes what is queued (retrying up to stop_timeout), ends the thread, and returns the
    // number of records that could not be written. Later submit() calls return Dropped. Calling
    // it again returns 0.
    std::uint64_t stop();

    [[nodiscard]] WriterStats stats() const;
    [[nodiscard]] const AuditStore& store() const noexcept;

    class Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace opennap::store
