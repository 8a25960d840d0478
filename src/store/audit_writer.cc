// AuditWriter (include/opennap/store/audit_writer.h): the bounded queue and the writer thread.
#include "opennap/store/audit_writer.h"

#include <pthread.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "opennap/metrics/registry.h"
#include "record_pack.h"

namespace opennap::store {

using Clock = std::chrono::steady_clock;

class AuditWriter::Impl {
  public:
    Impl(std::unique_ptr<AuditStore> s, WriterOptions o) : store(std::move(s)), options(o) {
        options.batch_size = std::max<std::size_t>(options.batch_size, 1);
        options.queue_capacity = std::max(options.queue_capacity, options.batch_size);
        if (options.registry != nullptr)
            register_metrics(*options.registry);
    }

    std::unique_ptr<AuditStore> store;
    WriterOptions options;

    std::mutex mu;
    std::condition_variable work;  // the writer: records queued, flush asked, stop
    std::condition_variable room;  // submitters: room in the queue
    std::condition_variable done;  // flush(): `finished` moved
    struct Item {
        std::string packed;  // internal::pack(): one allocation (record_pack.h says why)
        Clock::time_point queued;
    };
    std::deque<Item> queue;      // mu
    std::size_t in_flight = 0;   // mu: taken by the writer, not yet written or given up
    std::uint64_t accepted = 0;  // mu: sequence number of the last queued record
    std::uint64_t finished = 0;  // mu: records written, rejected or lost, in queue order
    std::uint64_t flush_to = 0;  // mu: flush() asked for everything up to this
    bool stopping = false;       // mu
    bool stopped = false;        // mu: the thread is gone
    std::uint64_t lost_at_stop = 0;

    // Counters (also read by stats()).
    std::atomic<std::uint64_t> n_submitted{0}, n_written{0}, n_dropped{0}, n_rejected{0},
        n_blocked{0}, n_errors{0}, n_batches{0}, n_pruned{0};
    // Metrics (null without a registry).
    metrics::Counter* m_written = nullptr;
    metrics::Counter* m_dropped = nullptr;
    metrics::Counter* m_rejected = nullptr;
    metrics::Counter* m_blocked = nullptr;
    metrics::Counter* m_errors = nullptr;
    metrics::Gauge* m_queued = nullptr;
    metrics::Histogram* m_batch_seconds = nullptr;

    std::thread thread;

    void register_metrics(metrics::Registry& r) {
        m_written = &r.counter("opennap_audit_records_written_total",
                               "Decision records committed to the audit store.");
        m_dropped = &r.counter("opennap_audit_records_dropped_total",
                               "Decision records dropped because the audit queue stayed full.");
        m_rejected = &r.counter("opennap_audit_records_rejected_total",
                                "Decision records the audit store refused (logged one by one).");
        m_blocked = &r.counter("opennap_audit_submit_blocked_total",
                               "Submissions that waited for room in the full audit queue.");
        m_errors = &r.counter("opennap_audit_write_errors_total",
                              "Failed audit store writes (each retried with back-off).");
        m_queued = &r.gauge("opennap_audit_queue_records",
                            "Decision records queued or being written to the audit store.");
        m_batch_seconds =
            &r.histogram("opennap_audit_batch_seconds",
                         "Time spent in the audit store on one batch of decision records.",
                         metrics::latency_buckets());
    }

    static void bump(metrics::Counter* c, std::uint64_t n = 1) {
        if (c != nullptr)
            c->inc(n);
    }
    void gauge_locked() {
        if (m_queued != nullptr)
            m_queued->set(static_cast<double>(queue.size() + in_flight));
    }

    Submit submit(const DecisionRecord& record) {
        std::string packed = internal::pack(record);  // outside the lock
        std::unique_lock lock(mu);
        Submit how = Submit::Queued;
        if (queue.size() + in_flight >= options.queue_capacity && !stopping) {
            how = Submit::QueuedBlocked;
            n_blocked.fetch_add(1, std::memory_order_relaxed);
            bump(m_blocked);
            auto has_room = [&] {
                return stopping || queue.size() + in_flight < options.queue_capacity;
            };
            if (options.max_block == std::chrono::milliseconds::max())
                room.wait(lock, has_room);
            else
                room.wait_for(lock, options.max_block, has_room);
        }
        if (stopping || queue.size() + in_flight >= options.queue_capacity) {
            const auto n = n_dropped.fetch_add(1, std::memory_order_relaxed) + 1;
            bump(m_dropped);
            lock.unlock();
            if (n == 1 || n % 1000 == 0) {
                spdlog::error("audit: {} decision record(s) dropped so far: {}", n,
                              stopping ? "the writer is stopped"
                                       : "the queue stayed full (the audit store is too slow "
                                         "or unavailable)");
            }
            return Submit::Dropped;
        }
        queue.push_back(Item{std::move(packed), Clock::now()});
        ++accepted;
        n_submitted.fetch_add(1, std::memory_order_relaxed);
        gauge_locked();
        // A part to write (a whole one, or what fills the open batch), or a deadline to start
        // watching (the writer sleeps without one).
        if (queue.size() == wake_at || (queue.size() == 1 && idle_wait))
            work.notify_one();
        return how;
    }

    bool flush(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mu);
        const std::uint64_t target = accepted;
        flush_to = std::max(flush_to, target);
        work.notify_one();
        return done.wait_for(lock, timeout, [&] { return finished >= target || stopped; }) &&
               finished >= target;
    }

    // A batch (batch_size records at most: one transaction) is written in parts of this many
    // records as they arrive, so that its work is spread over the time the requests take to make
    // it: a batch of 1,000 written at once was several milliseconds of CPU in one piece, which the
    // request workers waited out (docs/audit.md, "The writer"; docs/benchmarks.md, "napserver").
    static constexpr std::size_t kPart = 64;
    std::size_t part_size() const noexcept { return std::min(kPart, options.batch_size); }

    // Takes the next part (mu held) and says whether the batch is to be committed after it: it
    // is full, its oldest record is flush_interval old, flush() asked, or the writer is stopping.
    // Empty and false when there is nothing to do (stopping with nothing pending, a prune due).
    std::vector<std::string> take_part(std::unique_lock<std::mutex>& lock, bool& commit) {
        commit = false;
        for (;;) {
            if (!queue.empty() || open_n > 0) {
                const Clock::time_point oldest = open_n > 0 ? open_since : queue.front().queued;
                // A whole part, or what fills the open batch.
                const std::size_t part_n = std::min(part_size(), options.batch_size - open_n);
                const bool part = queue.size() >= part_n;
                const bool due = Clock::now() - oldest >= options.flush_interval;
                const bool flushing = flush_to > finished;
                if (part || due || flushing || stopping)
                    break;
                wake_at = part_n;  // submit() wakes the writer when the queue gets there
                work.wait_until(lock, oldest + options.flush_interval);
                continue;
            }
            if (stopping)
                return {};
            idle_wait = true;
            if (options.retention)
                work.wait_until(lock, next_prune);
            else
                work.wait(lock);
            idle_wait = false;
            if (options.retention && Clock::now() >= next_prune && queue.empty())
                return {};  // the caller prunes
        }
        const std::size_t n = std::min(queue.size(), options.batch_size - open_n);
        if (open_n == 0 && n > 0)
            open_since = queue.front().queued;
        std::vector<std::string> part;
        part.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            part.push_back(std::move(queue.front().packed));
            queue.pop_front();
        }
        in_flight += n;  // still counted against the capacity until written
        commit = open_n + n >= options.batch_size ||
                 Clock::now() - open_since >= options.flush_interval || flush_to > finished ||
                 stopping;
        return part;
    }

    void finish_batch(std::size_t written, std::size_t rejected, std::size_t lost) {
        std::lock_guard lock(mu);
        finished += written + rejected + lost;
        in_flight = 0;
        gauge_locked();
        room.notify_all();
        done.notify_all();
    }

    // Sleeps for `d` unless stopping past the stop deadline; false when it is time to give up.
    bool back_off(std::chrono::milliseconds d) {
        std::unique_lock lock(mu);
        const bool was_stopping = stopping;
        if (stopping) {
            if (Clock::now() >= stop_deadline)
                return false;
            d = std::min(d, std::chrono::duration_cast<std::chrono::milliseconds>(stop_deadline -
                                                                                  Clock::now()));
        }
        // Woken early only by stop() (which may shorten the wait to its deadline).
        work.wait_for(lock, d, [&] { return !was_stopping && stopping; });
        return true;
    }
    Clock::time_point stop_deadline = Clock::time_point::max();  // mu
    bool idle_wait = false;  // mu: the writer sleeps with nothing pending (no deadline)
    // mu: the queue's size at which a part is to be taken: a whole part, or fewer when they fill
    // the open batch (waking only at a whole part, the writer slept past a batch filled by a
    // short part until the next part or its flush_interval).
    std::size_t wake_at = kPart;
    Clock::time_point next_prune = Clock::time_point::max();  // writer thread
    // Writer thread: the batch being written is records[0, open_n), its first record queued at
    // open_since. Whether the store writes in parts is learnt from its first begin_batch().
    std::vector<DecisionRecord> records;  // reused: their strings keep their capacity
    std::size_t open_n = 0;
    Clock::time_point open_since;
    bool whole_batches = false;  // begin_batch() said the store does not write in parts
    bool store_open = false;     // the store's transaction holds every part so far
    bool part_failed = false;    // a part failed: the batch goes to write() whole
    double store_seconds = 0;    // time spent in the store on the open batch

    // Counts a batch the store committed.
    void batch_written(std::size_t n, double seconds, std::size_t failures) {
        if (m_batch_seconds != nullptr)
            m_batch_seconds->observe(seconds);
        n_written.fetch_add(n, std::memory_order_relaxed);
        n_batches.fetch_add(1, std::memory_order_relaxed);
        bump(m_written, n);
        if (failures > 0)
            spdlog::info("audit: {}: writing again after {} failed attempt(s)", store->where(),
                         failures);
        finish_batch(n, 0, 0);
    }

    // Adds a part to the store's open transaction, when the store writes in parts. A failure is
    // counted and makes the batch go to write() whole at its commit (nothing of it is stored:
    // the store rolled its transaction back).
    void add_part(std::span<const DecisionRecord> part) {
        if (part.empty() || whole_batches || part_failed)
            return;
        const auto t0 = Clock::now();
        if (!store_open) {
            auto r = store->begin_batch();
            if (r && !*r) {
                whole_batches = true;
                return;
            }
            if (!r) {
                part_failed = true;
                store_error(r.error());
                return;
            }
            store_open = true;
        }
        if (auto r = store->append_part(part); !r) {
            store->abort_batch();  // over already; says so to a store that kept it
            store_open = false;
            part_failed = true;
            store_error(r.error());
            return;
        }
        store_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
    }
    // Counts a failed part or commit (the batch then goes to write() whole).
    void store_error(const StoreError& e) {
        n_errors.fetch_add(1, std::memory_order_relaxed);
        bump(m_errors);
        spdlog::debug("audit: writing a batch in parts failed (it is written whole): {}",
                      e.to_string());
    }

    // Ends the open batch: commits the store's transaction when every part went in, or gives
    // the batch to write() whole. False when stop gave up on it.
    bool commit_open(std::span<const DecisionRecord> batch) {
        const bool in_store = store_open && !part_failed;
        const double seconds = store_seconds;
        store_open = false;
        part_failed = false;
        store_seconds = 0;
        if (in_store) {
            const auto t0 = Clock::now();
            auto r = store->commit_batch();
            if (r) {
                batch_written(batch.size(),
                              seconds + std::chrono::duration<double>(Clock::now() - t0).count(),
                              0);
                return true;
            }
            store_error(r.error());
        }
        return write(batch);
    }

    // Writes one batch, retrying as the header says. Returns false when stop gave up on it.
    bool write(std::span<const DecisionRecord> batch) {
        std::chrono::milliseconds delay = options.retry_min;
        std::size_t failures = 0;
        for (;;) {
            const auto t0 = Clock::now();
            auto r = store->append(batch);
            if (r) {
                batch_written(batch.size(),
                              std::chrono::duration<double>(Clock::now() - t0).count(), failures);
                return true;
            }
            const StoreError& e = r.error();
            n_errors.fetch_add(1, std::memory_order_relaxed);
            bump(m_errors);
            if (e.kind == StoreError::Kind::Rejected) {
                write_one_by_one(batch);
                return true;
            }
            ++failures;
            if (failures == 1 || failures % 100 == 0) {
                spdlog::error("audit: {} record(s) not written (attempt {}; retrying in {} ms): {}",
                              batch.size(), failures, delay.count(), e.to_string());
            }
            if (!back_off(delay))
                return false;
            delay = std::min(delay * 2, options.retry_max);
        }
    }

    // After a Rejected batch: each record alone; one rejected alone is dropped and logged.
    void write_one_by_one(std::span<const DecisionRecord> batch) {
        std::size_t written = 0;
        std::size_t rejected = 0;
        for (std::size_t i = 0; i < batch.size(); ++i) {
            std::chrono::milliseconds delay = options.retry_min;
            for (;;) {
                auto r = store->append(std::span(&batch[i], 1));
                if (r) {
                    ++written;
                    break;
                }
                if (r.error().kind == StoreError::Kind::Rejected) {
                    ++rejected;
                    n_rejected.fetch_add(1, std::memory_order_relaxed);
                    bump(m_rejected);
                    spdlog::error("audit: decision record of {} at {} (machine \"{}\") refused: {}",
                                  batch[i].client_address, to_iso(batch[i].time),
                                  batch[i].machine_name, r.error().to_string());
                    break;
                }
                n_errors.fetch_add(1, std::memory_order_relaxed);
                bump(m_errors);
                if (!back_off(delay)) {
                    finish_batch(written, rejected, batch.size() - written - rejected);
                    n_written.fetch_add(written, std::memory_order_relaxed);
                    bump(m_written, written);
                    lost_at_stop += batch.size() - written - rejected;
                    return;
                }
                delay = std::min(delay * 2, options.retry_max);
            }
        }
        n_written.fetch_add(written, std::memory_order_relaxed);
        bump(m_written, written);
        finish_batch(written, rejected, 0);
    }

    void prune() {
        const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(
            std::chrono::system_clock::now());
        const Timestamp before =
            now - std::chrono::duration_cast<std::chrono::microseconds>(*options.retention);
        auto r = store->prune(before);
        if (r) {
            n_pruned.fetch_add(*r, std::memory_order_relaxed);
            if (*r > 0)
                spdlog::info("audit: {} record(s) older than {} deleted (retention)", *r,
                             to_iso(before));
        } else {
            spdlog::warn("audit: pruning failed (retried in {} s): {}",
                         options.prune_interval.count(), r.error().to_string());
        }
        next_prune = Clock::now() + options.prune_interval;
    }

    void run() {
        if (options.retention)
            next_prune = Clock::now();  // once at start, then every prune_interval
        for (;;) {
            if (options.retention && open_n == 0 && Clock::now() >= next_prune)
                prune();
            std::vector<std::string> packed;
            bool commit = false;
            {
                std::unique_lock lock(mu);
                packed = take_part(lock, commit);
                if (packed.empty() && !commit) {
                    if (stopping && queue.empty() && open_n == 0)
                        break;
                    continue;
                }
            }
            if (records.size() < open_n + packed.size())
                records.resize(open_n + packed.size());
            for (std::size_t i = 0; i < packed.size(); ++i)
                internal::unpack(packed[i], records[open_n + i]);
            add_part(std::span<const DecisionRecord>(records.data() + open_n, packed.size()));
            open_n += packed.size();
            packed.clear();
            if (!commit || open_n == 0)
                continue;
            const std::span<const DecisionRecord> batch(records.data(), open_n);
            open_n = 0;
            if (!commit_open(batch)) {
                // Stop gave up: this batch and everything still queued is lost.
                std::lock_guard lock(mu);
                const std::uint64_t lost = batch.size() + queue.size();
                lost_at_stop += lost;
                finished += lost;
                queue.clear();
                in_flight = 0;
                gauge_locked();
                done.notify_all();
                room.notify_all();
                break;
            }
        }
        std::lock_guard lock(mu);
        stopped = true;
        done.notify_all();
        room.notify_all();
    }

    std::uint64_t stop() {
        {
            std::lock_guard lock(mu);
            if (stopping) {
                if (!thread.joinable())
                    return 0;
            } else {
                stopping = true;
                stop_deadline = Clock::now() + options.stop_timeout;
            }
            work.notify_all();
            room.notify_all();
        }
        if (!thread.joinable())
            return 0;
        thread.join();
        if (lost_at_stop > 0) {
            spdlog::error(
                "audit: {}: {} decision record(s) could not be written before the "
                "stop timeout ({} ms) and are lost",
                store->where(), lost_at_stop, options.stop_timeout.count());
        }
        return lost_at_stop;
    }
};

AuditWriter::AuditWriter(std::unique_ptr<AuditStore> store, WriterOptions options)
    : impl_(std::make_unique<Impl>(std::move(store), options)) {
    Impl* im = impl_.get();
    im->thread = std::thread([im] {
        ::pthread_setname_np(::pthread_self(), "audit-writer");  // as top -H and ps -L show it
        im->run();
    });
}

AuditWriter::~AuditWriter() {
    impl_->stop();
}

AuditWriter::Submit AuditWriter::submit(const DecisionRecord& record) {
    return impl_->submit(record);
}

bool AuditWriter::flush(std::chrono::milliseconds timeout) {
    return impl_->flush(timeout);
}

std::uint64_t AuditWriter::stop() {
    return impl_->stop();
}

WriterStats AuditWriter::stats() const {
    WriterStats s;
    s.submitted = impl_->n_submitted.load();
    s.written = impl_->n_written.load();
    s.dropped = impl_->n_dropped.load();
    s.rejected = impl_->n_rejected.load();
    s.blocked = impl_->n_blocked.load();
    s.write_errors = impl_->n_errors.load();
    s.batches = impl_->n_batches.load();
    s.pruned = impl_->n_pruned.load();
    std::lock_guard lock(impl_->mu);
    s.queued = impl_->queue.size() + impl_->in_flight;
    return s;
}

const AuditStore& AuditWriter::store() const noexcept {
    return *impl_->store;
}

}  // namespace opennap::store
