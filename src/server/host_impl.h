// The SHV host's internals: the registry entries, one validation ("run") and its per-SHV slots,
// and the core that drives them. Internal to src/server; docs/shv.md describes the design.
//
// Locks, always taken in this order: Run::mu -> Entry::mu -> ValidationRequest::mu, and
// Run::mu -> HostCore::runs_mu. Entry::recreate_mu and HostCore::registry_mu are taken with no
// other lock held. No SHV code, factory or completion handler is ever called with a lock held.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "opennap/server/shv_host.h"

#include "thread_pool.h"

namespace opennap::server::detail {

class Run;

struct PendingRef {
    std::weak_ptr<Run> run;
    std::uint32_t slot = 0;
};

// One registered SHV.
struct Entry {
    SystemHealthEntityId id = 0;
    NapComponentRegistrationInfo info;
    Guid clsid;
    ValidatorFactory factory;
    CallMode mode = CallMode::Pool;

    std::mutex recreate_mu;  // one re-creation at a time

    std::mutex mu;                                    // everything below
    std::shared_ptr<SystemHealthValidator> instance;  // null: not loaded
    std::uint64_t generation = 1;                     // bumped by every re-creation
    FailureCategoryMapping mapping;
    bool unregistered = false;
    HResult unload_reason;
    std::uint64_t next_pending = 1;
    std::unordered_map<std::uint64_t, PendingRef> pending;  // slots waiting for this SHV
};

using Registry = std::vector<std::shared_ptr<Entry>>;  // ascending id

// One SHV of one validation.
struct Slot {
    enum class State : std::uint8_t { Idle, Calling, Pending, Done };

    // The run's registry (Run::registry) keeps it alive: a plain pointer, so that a request does
    // not count references on entries every worker shares.
    Entry* entry = nullptr;
    std::shared_ptr<const SoH> soh;
    bool system_generated = false;
    std::uint32_t config_id = 0;

    State state = State::Idle;
    bool retried = false;     // re-created once already
    bool recreating = false;  // said server-unavailable; re-creation queued
    bool early = false;       // on_complete() arrived while validate() was still running
    HResult early_hr;
    std::shared_ptr<ValidationRequest> request;  // the current attempt's
    std::uint64_t generation = 0;                // of the instance called
    std::uint64_t pending_key = 0;               // in entry->pending; 0: none
    ShvOutcome outcome;
};

class Run {
  public:
    std::weak_ptr<HostCore> core;
    std::mutex mu;
    std::shared_ptr<const Registry> registry;  // the snapshot the slots' entries are from
    std::vector<Slot> slots;
    std::size_t remaining = 0;
    bool finished = false;
    bool tracked = false;
    Scheduler::TaskId timer = 0;
    CompletionHandler done;

    CorrelationId correlation_id;
    // correlation_id as text, for log lines: made when the first line needs it (most requests
    // log nothing at the default level). Never throws: "?" when it cannot be made.
    const std::string& corr_text() const noexcept {
        std::call_once(corr_once_, [this]() noexcept {
            try {
                corr_text_ = correlation_id.to_string();
            } catch (...) {
                corr_text_.clear();  // no allocation: "?" fits the small-string buffer
                corr_text_ += '?';
            }
        });
        return corr_text_;
    }
    std::u16string machine_name;
    bool soh_present = true;
    PrivateData private_data;
    std::vector<SystemHealthEntityId> unmatched;
    Scheduler::TimePoint started;
    Scheduler::TimePoint deadline;

  private:
    mutable std::once_flag corr_once_;
    mutable std::string corr_text_;
};

class HostCallback;

class HostCore : public std::enable_shared_from_this<HostCore> {
  public:
    explicit HostCore(ShvHostOptions options);

    // ---- registry -----------------------------------------------------------------------------
    Status register_validator(ValidatorRegistration r);
    Status unregister_validator(SystemHealthEntityId id);
    Status set_mapping(SystemHealthEntityId id, const FailureCategoryMapping& m);
    std::vector<RegisteredValidator> registered() const;
    Result<FailureCategoryMapping> mapping(SystemHealthEntityId id) const;
    std::shared_ptr<const Registry> snapshot() const;

    // ---- validation ---------------------------------------------------------------------------
    Status validate(ValidationInput input, CompletionHandler done);
    Status on_complete(ValidationRequest& request, HResult hr);
    // Idempotent: the first call does the work, later ones return at once.
    void shutdown();
    // True on one of the host's own threads (its pool's workers, its own scheduler's thread),
    // where shutdown() cannot run: it joins them.
    [[nodiscard]] bool on_own_thread() const noexcept {
        return pool.on_worker() || (own_scheduler != nullptr && own_scheduler->on_thread());
    }

    ShvHostOptions options;
    std::shared_ptr<Scheduler> scheduler;
    ThreadScheduler* own_scheduler = nullptr;
    ThreadPool pool;
    std::shared_ptr<HostCallback> callback;
    std::atomic<std::int64_t> timeout_ms;
    std::atomic<std::size_t> in_flight{0};
    std::atomic<bool> closing{false};
    std::atomic<bool> shut_down{false};  // shutdown() has begun

  private:
    enum class End : std::uint8_t { Answer, Failed, TimedOut, Unavailable, Discarded };

    void call(const std::shared_ptr<Run>& run, std::uint32_t i);
    void after_call(const std::shared_ptr<Run>& run, std::uint32_t i,
                    const std::shared_ptr<ValidationRequest>& req, HResult hr);
    void recreate_and_retry(const std::shared_ptr<Run>& run, std::uint32_t i,
                            const std::shared_ptr<ValidationRequest>& old);
    void on_deadline(const std::shared_ptr<Run>& run);
    // Completes slot i (Run::mu held). True when it was the last one.
    // `sole_owner`: the host holds the only references to the slot's request, so its response
    // is moved out rather than copied (ValidationRequest::close).
    // `now`: the time the caller read just before (the slot's elapsed time is measured to it);
    // nullopt: read it here.
    bool complete_locked(Run& run, std::uint32_t i, End end, HResult hr, bool sole_owner = false,
                         std::optional<Scheduler::TimePoint> now = std::nullopt);
    void unregister_pending_locked(Slot& s);
    void arm_timer(const std::shared_ptr<Run>& run);
    void finish(const std::shared_ptr<Run>& run);
    // finish() on a worker; inline if the pool is stopping.
    void finish_later(const std::shared_ptr<Run>& run);
    void unload(Entry& e, std::uint64_t generation, HResult why, const std::string& corr);
    bool fails(std::string_view site) const {
        return options.fail_allocation && options.fail_allocation(site);
    }

    std::mutex registry_mu;  // serialises management calls
    mutable std::mutex snapshot_mu;
    std::shared_ptr<const Registry> snapshot_;
    std::mutex runs_mu;
    std::unordered_map<const Run*, std::weak_ptr<Run>> runs_;  // runs with a timer
};

// The ServerCallback handed to every SHV.
class HostCallback final : public ServerCallback {
  public:
    explicit HostCallback(std::weak_ptr<HostCore> core) : core_(std::move(core)) {}
    Status on_complete(ValidationRequest& request, HResult error_code) override;

  private:
    std::weak_ptr<HostCore> core_;
};

}  // namespace opennap::server::detail
