// The SHV host (shv_host.h; nap-api.md §14; docs/shv.md).
#include "opennap/server/shv_host.h"

#include <algorithm>
#include <exception>
#include <new>
#include <thread>

#include "host_impl.h"
#include "log.h"

namespace opennap::server {

namespace detail {

namespace {

// From `t` to `now`, or to the scheduler's now when the caller has not read it.
std::chrono::nanoseconds since(const Scheduler& s, Scheduler::TimePoint t,
                               std::optional<Scheduler::TimePoint> now = std::nullopt) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>((now ? *now : s.now()) - t);
}

// Calls an SHV's validate(): an escaping exception fails only this SHV's check.
HResult call_validate(SystemHealthValidator& shv, const std::shared_ptr<ValidationRequest>& req,
                      std::chrono::milliseconds hint, const std::shared_ptr<ServerCallback>& cb,
                      const Run& run) {
    try {
        return shv.validate(req, hint, cb);
    } catch (const std::bad_alloc&) {
        OPENNAP_SERVER_LOG(warn, "corr {} SHV {}: validate() threw std::bad_alloc", run.corr_text(),
                           hex_id(req->shv_id()));
        return hr::E_OUTOFMEMORY;
    } catch (const std::exception& e) {
        OPENNAP_SERVER_LOG(warn, "corr {} SHV {}: validate() threw: {}", run.corr_text(),
                           hex_id(req->shv_id()), e.what());
        return hr::E_FAIL;
    } catch (...) {
        OPENNAP_SERVER_LOG(warn, "corr {} SHV {}: validate() threw", run.corr_text(),
                           hex_id(req->shv_id()));
        return hr::E_FAIL;
    }
}

Result<std::shared_ptr<SystemHealthValidator>> create(const ValidatorFactory& f) {
    try {
        auto r = f();
        if (r && !*r)
            return fail(hr::E_POINTER);
        return r;
    } catch (const std::bad_alloc&) {
        return fail(hr::E_OUTOFMEMORY);
    } catch (...) {
        return fail(hr::E_FAIL);
    }
}

}  // namespace

HostCore::HostCore(ShvHostOptions o)
    : options(std::move(o)),
      pool(options.worker_threads),
      timeout_ms(std::max<std::int64_t>(1, options.timeout.count())),
      snapshot_(std::make_shared<const Registry>()) {
    if (options.scheduler) {
        scheduler = options.scheduler;
    } else {
        auto s = std::make_shared<ThreadScheduler>();
        own_scheduler = s.get();
        scheduler = std::move(s);
    }
}

// ---- registry ----------------------------------------------------------------------------------

std::shared_ptr<const Registry> HostCore::snapshot() const {
    std::lock_guard lock(snapshot_mu);
    return snapshot_;
}

Status HostCore::register_validator(ValidatorRegistration r) {
    if (!r.factory || r.info.id == 0 || !r.info.is_valid())
        return hr::E_INVALIDARG;
    std::lock_guard management(registry_mu);
    const auto current = snapshot();
    for (const auto& e : *current) {
        if (e->id == r.info.id)
            return hr::NAP_E_CONFLICTING_ID;
    }
    if (current->size() >= options.max_validators) {
        OPENNAP_SERVER_LOG(warn, "SHV {} not registered: {} SHVs registered already (the limit)",
                           hex_id(r.info.id), current->size());
        return hr::E_OUTOFMEMORY;
    }
    if (fails("registry"))
        return hr::E_OUTOFMEMORY;
    auto instance = create(r.factory);
    if (!instance) {
        OPENNAP_SERVER_LOG(warn, "SHV {} not registered: creating it failed: {}", hex_id(r.info.id),
                           to_string(instance.error()));
        return instance.error();
    }
    try {
        auto e = std::make_shared<Entry>();
        e->id = r.info.id;
        e->info = std::move(r.info);
        e->info.registration_date = FileTime::now();
        e->clsid = r.validator_clsid;
        e->factory = std::move(r.factory);
        e->mode = r.call_mode;
        e->mapping = r.mapping;
        e->instance = std::move(*instance);
        auto next = std::make_shared<Registry>(*current);
        const auto at = std::lower_bound(
            next->begin(), next->end(), e->id,
            [](const std::shared_ptr<Entry>& x, SystemHealthEntityId id) { return x->id < id; });
        next->insert(at, e);
        std::lock_guard lock(snapshot_mu);
        snapshot_ = std::move(next);
        OPENNAP_SERVER_LOG(info, "SHV {} \"{}\" registered ({})", hex_id(e->id),
                           utf16_to_utf8(e->info.friendly_name),
                           e->mode == CallMode::Inline ? "inline" : "pool");
    } catch (const std::bad_alloc&) {
        return hr::E_OUTOFMEMORY;
    }
    return hr::S_OK;
}

Status HostCore::unregister_validator(SystemHealthEntityId id) {
    std::shared_ptr<Entry> gone;
    std::unordered_map<std::uint64_t, PendingRef> pending;
    std::shared_ptr<SystemHealthValidator> instance;
    ValidatorFactory factory;  // may hold the SHV (or its plug-in library): freed unlocked
    {
        std::lock_guard management(registry_mu);
        const auto current = snapshot();
        auto next = std::make_shared<Registry>();
        next->reserve(current->size());
        for (const auto& e : *current) {
            if (e->id == id)
                gone = e;
            else
                next->push_back(e);
        }
        if (!gone)
            return hr::NAP_E_ID_NOT_FOUND;
        {
            std::lock_guard lock(snapshot_mu);
            snapshot_ = std::move(next);
        }
        {
            std::lock_guard lock(gone->mu);
            gone->unregistered = true;
            pending.swap(gone->pending);
            instance = std::move(gone->instance);
        }
        // A re-creation in progress holds recreate_mu and sees `unregistered` before it calls
        // the factory; after this nothing calls it.
        std::lock_guard recreating(gone->recreate_mu);
        factory = std::move(gone->factory);
    }
    OPENNAP_SERVER_LOG(info, "SHV {} unregistered; {} pending validation(s) discarded", hex_id(id),
                       pending.size());
    for (auto& [key, ref] : pending) {
        auto run = ref.run.lock();
        if (!run)
            continue;
        bool last = false;
        {
            std::lock_guard lock(run->mu);
            Slot& s = run->slots[ref.slot];
            if (s.state == Slot::State::Done || s.pending_key != key)
                continue;
            s.pending_key = 0;  // already taken out of the entry
            last = complete_locked(*run, ref.slot, End::Discarded, hr::S_OK);
        }
        if (last)
            finish_later(run);
    }
    // `instance` and `factory` (the host's references to the SHV) go here, outside every lock.
    return hr::S_OK;
}

Status HostCore::set_mapping(SystemHealthEntityId id, const FailureCategoryMapping& m) {
    for (const auto& e : *snapshot()) {
        if (e->id == id) {
            std::lock_guard lock(e->mu);
            e->mapping = m;
            return hr::S_OK;
        }
    }
    return hr::NAP_E_ID_NOT_FOUND;
}

std::vector<RegisteredValidator> HostCore::registered() const {
    std::vector<RegisteredValidator> out;
    const auto current = snapshot();
    out.reserve(current->size());
    for (const auto& e : *current) {
        RegisteredValidator v;
        v.info = e->info;
        v.validator_clsid = e->clsid;
        v.call_mode = e->mode;
        std::lock_guard lock(e->mu);
        v.loaded = e->instance != nullptr;
        v.unload_reason = e->unload_reason;
        out.push_back(std::move(v));
    }
    return out;
}

Result<FailureCategoryMapping> HostCore::mapping(SystemHealthEntityId id) const {
    for (const auto& e : *snapshot()) {
        if (e->id == id) {
            std::lock_guard lock(e->mu);
            return e->mapping;
        }
    }
    return fail(hr::NAP_E_ID_NOT_FOUND);
}

void HostCore::unload(Entry& e, std::uint64_t generation, HResult why, const std::string& corr) {
    std::shared_ptr<SystemHealthValidator> dropped;
    std::lock_guard lock(e.mu);
    if (e.generation != generation || !e.instance)
        return;
    dropped = std::move(e.instance);
    e.unload_reason = why;
    OPENNAP_SERVER_LOG(err,
                       "corr {} SHV {} unloaded: {}; it stays unloaded until it is registered "
                       "again or the server restarts",
                       corr, hex_id(e.id), to_string(why));
}

// ---- validation --------------------------------------------------------------------------------

Status HostCore::validate(ValidationInput input, CompletionHandler done) {
    if (!done)
        return hr::E_INVALIDARG;
    if (closing.load())
        return kHostShutDown;
    if (fails("validation"))
        return hr::E_OUTOFMEMORY;
    if (in_flight.fetch_add(1) >= options.max_in_flight) {
        in_flight.fetch_sub(1);
        OPENNAP_SERVER_LOG(warn, "corr {}: refused, {} validations pending",
                           input.correlation_id.to_string(), options.max_in_flight);
        return hr::NAP_E_TOO_MANY_CALLS;
    }
    std::shared_ptr<Run> run;
    bool any_pool = false;
    try {
        auto registry = snapshot();
        run = std::make_shared<Run>();
        run->core = weak_from_this();
        run->done = std::move(done);
        run->correlation_id = input.correlation_id;
        run->machine_name = std::move(input.machine_name);
        run->soh_present = input.soh_present;
        run->private_data = std::move(input.private_data);
        run->started = scheduler->now();
        run->deadline = run->started + std::chrono::milliseconds(timeout_ms.load());
        run->slots.resize(registry->size());
        for (std::size_t i = 0; i < registry->size(); ++i) {
            Slot& s = run->slots[i];
            s.entry = (*registry)[i].get();
            any_pool = any_pool || s.entry->mode == CallMode::Pool;
            for (const ConfigSelection& c : input.config_ids) {
                if (c.id == s.entry->id)
                    s.config_id = c.config_id;
            }
        }
        for (ClientSoH& c : input.sohs) {
            auto it = std::lower_bound(
                run->slots.begin(), run->slots.end(), c.id,
                [](const Slot& s, SystemHealthEntityId id) { return s.entry->id < id; });
            if (it == run->slots.end() || it->entry->id != c.id || it->soh) {
                run->unmatched.push_back(c.id);
                continue;
            }
            it->soh = std::move(c.soh);
            it->system_generated = c.system_generated;
        }
        run->remaining = run->slots.size();
        run->registry = std::move(registry);
    } catch (const std::bad_alloc&) {
        in_flight.fetch_sub(1);
        return hr::E_OUTOFMEMORY;
    }
    if (run->slots.empty()) {
        finish(run);
        return hr::S_OK;
    }
    const auto n = static_cast<std::uint32_t>(run->slots.size());
    if (any_pool) {
        // The timer comes first: a pool slot may complete before this function returns.
        arm_timer(run);
        for (std::uint32_t i = 0; i < n; ++i) {
            if (run->slots[i].entry->mode != CallMode::Pool)
                continue;
            bool posted = false;
            try {
                posted = pool.post([self = shared_from_this(), run, i] { self->call(run, i); });
            } catch (const std::bad_alloc&) {
            }
            if (!posted) {
                bool last = false;
                {
                    std::lock_guard lock(run->mu);
                    if (run->slots[i].state != Slot::State::Done)
                        last = complete_locked(*run, i, End::Failed, hr::E_OUTOFMEMORY);
                }
                if (last)
                    finish(run);
            }
        }
    }
    for (std::uint32_t i = 0; i < n; ++i) {
        if (run->slots[i].entry->mode == CallMode::Inline)
            call(run, i);
    }
    arm_timer(run);  // no-op when finished or armed already
    finish(run);     // no-op unless every SHV is done (and nobody finished the run yet)
    return hr::S_OK;
}

void HostCore::arm_timer(const std::shared_ptr<Run>& run) {
    std::lock_guard lock(run->mu);
    if (run->finished || run->timer != 0)
        return;
    try {
        run->timer = scheduler->schedule_at(run->deadline, [weak = weak_from_this(), run] {
            if (auto self = weak.lock())
                self->on_deadline(run);
        });
        std::lock_guard runs(runs_mu);
        runs_.emplace(run.get(), run);
        run->tracked = true;
    } catch (const std::bad_alloc&) {
        // Without a timer a silent SHV would hold the run for ever: fail what is not done.
        for (std::uint32_t i = 0; i < run->slots.size(); ++i) {
            if (run->slots[i].state != Slot::State::Done)
                complete_locked(*run, i, End::Failed, hr::E_OUTOFMEMORY);
        }
        // The caller (validate) or the last completion finishes the run.
    }
}

void HostCore::call(const std::shared_ptr<Run>& run, std::uint32_t i) {
    std::shared_ptr<SystemHealthValidator> instance;
    std::shared_ptr<ValidationRequest> req;
    std::chrono::milliseconds hint{};
    bool last = false;
    {
        std::lock_guard lock(run->mu);
        Slot& s = run->slots[i];
        if (s.state == Slot::State::Done)
            return;  // timed out or discarded while queued
        Entry& e = *s.entry;
        End end = End::Answer;
        HResult why;
        {
            std::lock_guard elock(e.mu);
            if (e.unregistered) {
                end = End::Discarded;
            } else if (!e.instance) {
                end = End::Unavailable;
                why = e.unload_reason;
            } else {
                instance = e.instance;
                s.generation = e.generation;
                if (e.mode == CallMode::Pool && s.pending_key == 0) {
                    s.pending_key = e.next_pending++;
                    e.pending.emplace(s.pending_key, PendingRef{run, i});
                }
            }
        }
        const auto now = scheduler->now();
        if (end == End::Answer && now >= run->deadline) {
            end = End::TimedOut;
            why = hr::NAP_E_SHV_TIMEOUT;
        }
        if (end != End::Answer) {
            last = complete_locked(*run, i, end, why);
        } else {
            ValidationRequest::Params p;
            p.shv_id = e.id;
            p.correlation_id = run->correlation_id;
            p.machine_name = run->machine_name;
            p.soh = s.soh;
            p.nap_system_generated = s.system_generated;
            p.config_id = s.config_id;
            p.private_data = run->private_data;
            req = std::make_shared<ValidationRequest>(std::move(p));
            req->run_ = run;
            req->slot_ = i;
            s.request = req;
            s.state = Slot::State::Calling;
            s.early = false;
            hint = std::max(
                std::chrono::milliseconds(1),
                std::chrono::duration_cast<std::chrono::milliseconds>(run->deadline - now));
        }
    }
    if (!req) {
        if (last)
            finish(run);
        return;
    }
    const HResult hr = call_validate(*instance, req, hint, callback, *run);
    after_call(run, i, req, hr);
}

void HostCore::after_call(const std::shared_ptr<Run>& run, std::uint32_t i,
                          const std::shared_ptr<ValidationRequest>& req, HResult hr) {
    bool last = false;
    bool recreate = false;
    {
        std::lock_guard lock(run->mu);
        Slot& s = run->slots[i];
        if (s.state == Slot::State::Done || s.request != req)
            return;  // timed out or discarded during the call
        if (s.early) {
            hr = s.early_hr;  // on_complete() came first and decides
        } else if (hr == hr::E_PENDING) {
            Entry& e = *s.entry;
            bool discarded = false;
            {
                std::lock_guard elock(e.mu);
                if (e.unregistered) {
                    discarded = true;
                } else {
                    s.state = Slot::State::Pending;
                    if (s.pending_key == 0) {
                        s.pending_key = e.next_pending++;
                        e.pending.emplace(s.pending_key, PendingRef{run, i});
                    }
                }
            }
            if (!discarded)
                return;
            last = complete_locked(*run, i, End::Discarded, hr::S_OK);
            if (!last)
                return;
        }
        if (!last) {
            if (is_server_unavailable(hr)) {
                s.state = Slot::State::Pending;
                s.recreating = true;
                recreate = true;
            } else if (const auto now = scheduler->now(); now > run->deadline) {
                last = complete_locked(*run, i, End::TimedOut, hr::NAP_E_SHV_TIMEOUT, false, now);
            } else {
                // s.request and `req` are the same request: two references mean the SHV kept
                // none (an SHV that answers later holds one), and none can appear any more.
                last = complete_locked(*run, i, hr.succeeded() ? End::Answer : End::Failed, hr,
                                       req.use_count() == 2, now);
            }
        }
    }
    if (recreate) {
        bool posted = false;
        try {
            posted = pool.post([self = shared_from_this(), run, i, req] {
                self->recreate_and_retry(run, i, req);
            });
        } catch (const std::bad_alloc&) {
        }
        if (!posted) {
            std::lock_guard lock(run->mu);
            if (run->slots[i].state != Slot::State::Done)
                last = complete_locked(*run, i, End::Failed, hr::E_OUTOFMEMORY);
        }
    }
    if (last)
        finish(run);
}

void HostCore::recreate_and_retry(const std::shared_ptr<Run>& run, std::uint32_t i,
                                  const std::shared_ptr<ValidationRequest>& old) {
    Entry* entry = nullptr;  // alive while `run` is (its registry)
    std::uint64_t generation = 0;
    bool second = false;
    {
        std::lock_guard lock(run->mu);
        Slot& s = run->slots[i];
        if (s.state == Slot::State::Done || s.request != old)
            return;
        entry = s.entry;
        generation = s.generation;
        second = s.retried;
        (void)old->close();  // late answers of the gone SHV are NAP_E_NOT_PENDING
    }
    Entry& e = *entry;
    bool last = false;
    auto complete = [&](End end, HResult hr) {
        std::lock_guard lock(run->mu);
        if (run->slots[i].state != Slot::State::Done && run->slots[i].request == old)
            last = complete_locked(*run, i, end, hr);
    };
    if (second) {
        // The re-created SHV is gone too: unload it (nap-api.md §14.1).
        unload(e, generation, hr::RPC_S_SERVER_UNAVAILABLE, run->corr_text());
        complete(End::Unavailable, hr::RPC_S_SERVER_UNAVAILABLE);
    } else {
        std::lock_guard recreating(e.recreate_mu);
        bool needed = false;
        HResult state_error;
        End state_end = End::Answer;
        {
            std::lock_guard elock(e.mu);
            if (e.unregistered) {
                state_end = End::Discarded;
            } else if (!e.instance) {
                state_end = End::Unavailable;
                state_error = e.unload_reason;
            } else {
                needed = e.generation == generation;
            }
        }
        if (state_end != End::Answer) {
            complete(state_end, state_error);
        } else {
            if (needed) {
                OPENNAP_SERVER_LOG(warn,
                                   "corr {} SHV {} says its server is unavailable: "
                                   "re-creating it",
                                   run->corr_text(), hex_id(e.id));
                auto fresh = create(e.factory);
                if (!fresh) {
                    unload(e, generation, fresh.error(), run->corr_text());
                    complete(End::Unavailable, fresh.error());
                } else {
                    std::shared_ptr<SystemHealthValidator> old_instance;  // freed unlocked
                    std::lock_guard elock(e.mu);
                    if (!e.unregistered && e.generation == generation) {
                        old_instance = std::exchange(e.instance, std::move(*fresh));
                        ++e.generation;
                    }
                }
            }
            bool retry = false;
            {
                std::lock_guard lock(run->mu);
                Slot& s = run->slots[i];
                if (s.state != Slot::State::Done && s.request == old) {
                    unregister_pending_locked(s);
                    s.retried = true;
                    s.recreating = false;
                    s.state = Slot::State::Idle;
                    retry = true;
                }
            }
            if (retry) {
                call(run, i);
                return;
            }
        }
    }
    if (last)
        finish(run);
}

Status HostCore::on_complete(ValidationRequest& request, HResult hr) {
    auto run = request.run_.lock();
    if (!run)
        return hr::NAP_E_NOT_PENDING;
    bool last = false;
    bool recreate = false;
    std::shared_ptr<ValidationRequest> req;
    {
        std::lock_guard lock(run->mu);
        if (request.slot_ >= run->slots.size())
            return hr::NAP_E_NOT_PENDING;
        Slot& s = run->slots[request.slot_];
        if (s.request.get() != &request || s.state == Slot::State::Done || s.recreating ||
            (s.state == Slot::State::Calling && s.early)) {
            OPENNAP_SERVER_LOG(debug,
                               "corr {} SHV {}: OnComplete on a request not pending "
                               "(late or duplicate): ignored",
                               run->corr_text(), hex_id(request.shv_id()));
            return hr::NAP_E_NOT_PENDING;
        }
        if (s.state == Slot::State::Calling) {
            s.early = true;  // validate() has not returned yet: its return completes
            s.early_hr = hr;
            return hr::S_OK;
        }
        if (is_server_unavailable(hr)) {
            s.recreating = true;
            recreate = true;
            req = s.request;
        } else {
            last = complete_locked(*run, request.slot_, hr.succeeded() ? End::Answer : End::Failed,
                                   hr);
        }
    }
    const std::uint32_t i = request.slot_;
    if (recreate) {
        bool posted = false;
        try {
            posted = pool.post([self = shared_from_this(), run, i, req] {
                self->recreate_and_retry(run, i, req);
            });
        } catch (const std::bad_alloc&) {
        }
        if (!posted) {
            std::lock_guard lock(run->mu);
            if (run->slots[i].state != Slot::State::Done)
                last = complete_locked(*run, i, End::Failed, hr::E_OUTOFMEMORY);
        }
    }
    if (last)
        finish_later(run);
    return hr::S_OK;
}

void HostCore::on_deadline(const std::shared_ptr<Run>& run) {
    bool last = false;
    {
        std::lock_guard lock(run->mu);
        if (run->finished)
            return;
        run->timer = 0;  // this task is running: nothing to cancel
        for (std::uint32_t i = 0; i < run->slots.size(); ++i) {
            if (run->slots[i].state != Slot::State::Done)
                last = complete_locked(*run, i, End::TimedOut, hr::NAP_E_SHV_TIMEOUT) || last;
        }
    }
    if (last)
        finish_later(run);
}

void HostCore::unregister_pending_locked(Slot& s) {
    if (s.pending_key == 0)
        return;
    std::lock_guard elock(s.entry->mu);
    s.entry->pending.erase(s.pending_key);
    s.pending_key = 0;
}

bool HostCore::complete_locked(Run& run, std::uint32_t i, End end, HResult hr, bool sole_owner,
                               std::optional<Scheduler::TimePoint> now) {
    Slot& s = run.slots[i];
    Entry& e = *s.entry;
    ShvOutcome& o = s.outcome;
    o.id = e.id;
    o.result = hr;
    o.soh_present = s.soh != nullptr;
    o.soh_system_generated = s.system_generated;
    o.recreated = s.retried;
    o.elapsed = since(*scheduler, run.started, now);
    unregister_pending_locked(s);
    FailureCategoryMapping mapping;
    {
        std::lock_guard elock(e.mu);
        mapping = e.mapping;
    }
    ValidationRequest::Taken taken;
    if (s.request)
        taken = s.request->close(sole_owner);
    else
        taken.private_data = run.private_data;
    o.private_data = std::move(taken.private_data);

    OutcomeKind kind = OutcomeKind::Failed;
    HResult sent = hr;  // the error code of a host-generated response
    switch (end) {
        case End::Answer: {
            if (!taken.response) {
                kind = OutcomeKind::InvalidResponse;
                sent = hr::NAP_E_INVALID_PACKET;
                OPENNAP_SERVER_LOG(warn, "corr {} SHV {} completed with {} but set no response",
                                   run.corr_text(), hex_id(e.id), to_string(hr));
                break;
            }
            const ResponseAssessment a = assess_response(*taken.response, mapping);
            if (!a.usable) {
                kind = OutcomeKind::InvalidResponse;
                sent = hr::NAP_E_INVALID_PACKET;
                OPENNAP_SERVER_LOG(warn, "corr {} SHV {}: unusable response: {}", run.corr_text(),
                                   hex_id(e.id), a.problem);
                break;
            }
            o.kind = OutcomeKind::Responded;
            o.response = std::move(*taken.response);
            o.host_generated = false;
            o.compliance_codes = a.compliance_codes;
            o.failure_category = a.failure_category;
            o.verdict = a.verdict;
            OPENNAP_SERVER_LOG(debug, "corr {} SHV {}: {}", run.corr_text(), hex_id(e.id),
                               to_string(a.verdict));
            s.state = Slot::State::Done;
            return --run.remaining == 0;
        }
        case End::Failed:
            kind = OutcomeKind::Failed;
            OPENNAP_SERVER_LOG(warn, "corr {} SHV {} failed: {}", run.corr_text(), hex_id(e.id),
                               to_string(hr));
            break;
        case End::TimedOut:
            kind = OutcomeKind::TimedOut;
            o.result = hr::NAP_E_SHV_TIMEOUT;
            sent = hr::NAP_E_SHV_TIMEOUT;
            OPENNAP_SERVER_LOG(warn, "corr {} SHV {} timed out", run.corr_text(), hex_id(e.id));
            break;
        case End::Unavailable:
            kind = OutcomeKind::Unavailable;
            if (hr.succeeded()) {
                o.result = hr::RPC_S_SERVER_UNAVAILABLE;
                sent = hr::RPC_S_SERVER_UNAVAILABLE;
            }
            break;
        case End::Discarded:
            o.kind = OutcomeKind::Discarded;
            o.response = SoH{};
            o.host_generated = false;
            o.verdict = Verdict::None;
            s.state = Slot::State::Done;
            return --run.remaining == 0;
    }
    o.kind = kind;
    o.response = host_generated_response(e.id, FailureCategory::ServerComponent, sent);
    o.host_generated = true;
    o.compliance_codes.clear();
    o.failure_category = FailureCategory::ServerComponent;
    o.verdict = map_failure_category(mapping, FailureCategory::ServerComponent);
    s.state = Slot::State::Done;
    return --run.remaining == 0;
}

void HostCore::finish_later(const std::shared_ptr<Run>& run) {
    bool posted = false;
    try {
        posted = pool.post([self = shared_from_this(), run] { self->finish(run); });
    } catch (const std::bad_alloc&) {
    }
    if (!posted)
        finish(run);
}

void HostCore::finish(const std::shared_ptr<Run>& run) {
    CompletionHandler done;
    ValidationResult result;
    Scheduler::TaskId timer = 0;
    bool tracked = false;
    {
        std::lock_guard lock(run->mu);
        if (run->finished || run->remaining != 0)
            return;
        run->finished = true;
        timer = std::exchange(run->timer, 0);
        tracked = run->tracked;
        done = std::move(run->done);
        result.correlation_id = run->correlation_id;
        result.soh_present = run->soh_present;
        result.outcomes.reserve(run->slots.size());
        for (Slot& s : run->slots) {
            result.outcomes.push_back(std::move(s.outcome));
            s.request.reset();
        }
        result.unmatched_soh_ids = std::move(run->unmatched);
        result.elapsed = since(*scheduler, run->started);
    }
    if (timer != 0)
        scheduler->cancel(timer);
    if (tracked) {
        std::lock_guard runs(runs_mu);
        runs_.erase(run.get());
    }
    in_flight.fetch_sub(1);
    try {
        done(std::move(result));
    } catch (const std::exception& e) {
        OPENNAP_SERVER_LOG(err, "completion handler threw: {}", e.what());
    } catch (...) {
        OPENNAP_SERVER_LOG(err, "completion handler threw");
    }
}

void HostCore::shutdown() {
    if (shut_down.exchange(true))
        return;
    closing.store(true);
    std::vector<std::shared_ptr<Run>> runs;
    {
        std::lock_guard lock(runs_mu);
        for (auto& [key, weak] : runs_) {
            if (auto r = weak.lock())
                runs.push_back(std::move(r));
        }
    }
    for (auto& run : runs) {
        {
            std::lock_guard lock(run->mu);
            for (std::uint32_t i = 0; i < run->slots.size(); ++i) {
                if (run->slots[i].state != Slot::State::Done)
                    complete_locked(*run, i, End::Discarded, kHostShutDown);
            }
        }
        finish(run);
    }
    pool.stop();
    if (own_scheduler != nullptr)
        own_scheduler->stop();
    // Release every SHV (and its factory: a plug-in library) here, on the thread destroying the
    // host. The core itself may be freed later on another thread (an SHV's, still inside
    // on_complete), and an SHV must never be destroyed on a thread of its own.
    std::shared_ptr<const Registry> registry;
    {
        std::lock_guard lock(snapshot_mu);
        registry = std::exchange(snapshot_, std::make_shared<const Registry>());
    }
    std::vector<std::shared_ptr<SystemHealthValidator>> instances;
    std::vector<ValidatorFactory> factories;
    for (const auto& e : *registry) {
        {
            std::lock_guard elock(e->mu);
            e->unregistered = true;
            e->pending.clear();
            instances.push_back(std::move(e->instance));
        }
        factories.push_back(std::move(e->factory));  // no re-creation can run: the pool stopped
    }
    registry.reset();
    instances.clear();
    factories.clear();
}

Status HostCallback::on_complete(ValidationRequest& request, HResult error_code) {
    auto core = core_.lock();
    if (!core)
        return hr::NAP_E_NOT_PENDING;
    return core->on_complete(request, error_code);
}

}  // namespace detail

// ---- ShvHost -----------------------------------------------------------------------------------

ShvHost::ShvHost(ShvHostOptions options)
    : core_(std::make_shared<detail::HostCore>(std::move(options))) {
    core_->callback = std::make_shared<detail::HostCallback>(core_);
}

ShvHost::~ShvHost() {
    if (core_->on_own_thread() && !core_->shut_down.load()) {
        // The last reference to the host was released by one of its own tasks (a completion
        // handler holding it, run from a worker or the scheduler: a configuration replaced by a
        // reload, a server stopping). A thread cannot join itself: the shutdown runs on a thread
        // of its own, which joins this one once its task has returned.
        std::thread([core = core_] { core->shutdown(); }).detach();
        return;
    }
    core_->shutdown();
}

void ShvHost::shutdown() {
    core_->shutdown();
}

Status ShvHost::register_validator(ValidatorRegistration registration) {
    return core_->register_validator(std::move(registration));
}

Status ShvHost::unregister_validator(SystemHealthEntityId id) {
    return core_->unregister_validator(id);
}

Status ShvHost::set_failure_category_mapping(SystemHealthEntityId id,
                                             const FailureCategoryMapping& mapping) {
    return core_->set_mapping(id, mapping);
}

NapServerInfo ShvHost::server_info() const {
    return core_->options.info;
}

std::vector<RegisteredValidator> ShvHost::registered_validators() const {
    return core_->registered();
}

Result<FailureCategoryMapping> ShvHost::failure_category_mapping(SystemHealthEntityId id) const {
    return core_->mapping(id);
}

std::chrono::milliseconds ShvHost::timeout() const {
    return std::chrono::milliseconds(core_->timeout_ms.load());
}

void ShvHost::set_timeout(std::chrono::milliseconds timeout) {
    core_->timeout_ms.store(std::max<std::int64_t>(1, timeout.count()));
}

Status ShvHost::validate(ValidationInput input, CompletionHandler done) {
    return core_->validate(std::move(input), std::move(done));
}

std::size_t ShvHost::in_flight() const noexcept {
    return core_->in_flight.load();
}

}  // namespace opennap::server
