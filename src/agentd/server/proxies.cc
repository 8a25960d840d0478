#include "proxies.h"

#include <spdlog/spdlog.h>

#include "opennap/agent/connection.h"
#include "opennap/ipc/convert.h"

namespace opennap::agentd {

namespace {
thread_local bool t_io_thread = false;
// Set by ShaProxy::process_soh_response for the GetFixupInfo the core makes right after it.
thread_local const ShaProxy* t_fixup_after_process = nullptr;

struct Waiter {
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    std::optional<v1::CallbackReply> reply;
    HResult failure = hr::S_OK;
};

std::optional<v1::CallbackReply> wait_for_reply(const std::weak_ptr<Session>& weak,
                                                BindingToken binding, v1::Callback& cb,
                                                HResult* failure) {
    auto session = weak.lock();
    if (!session) {
        *failure = hr::RPC_S_SERVER_UNAVAILABLE;
        return std::nullopt;
    }
    if (on_io_thread()) {
        // Never wait on the I/O thread: it is the one that would read the answer.
        *failure = hr::E_PENDING;
        return std::nullopt;
    }
    auto w = std::make_shared<Waiter>();
    HResult why = hr::S_OK;
    const bool sent = session->call(
        binding, cb,
        [w](const v1::CallbackReply* reply, HResult f) {
            std::lock_guard lock(w->m);
            if (reply != nullptr)
                w->reply = *reply;
            w->failure = f;
            w->done = true;
            w->cv.notify_one();
        },
        &why);
    const auto timeout = session->server().opt.limits.callback_timeout;
    session.reset();  // do not keep the session alive while waiting
    if (!sent) {
        *failure = why;
        return std::nullopt;
    }
    std::unique_lock lock(w->m);
    // The I/O thread's sweep expires the callback at its deadline; the extra margin only
    // matters if the I/O thread itself is stuck.
    if (!w->cv.wait_for(lock, timeout * 2 + std::chrono::seconds(1), [&] { return w->done; })) {
        *failure = hr::ERROR_TIMEOUT;
        return std::nullopt;
    }
    *failure = w->failure;
    return std::move(w->reply);
}

}  // namespace

bool on_io_thread() noexcept {
    return t_io_thread;
}
void mark_io_thread() noexcept {
    t_io_thread = true;
}

// ---- ShaProxy ----------------------------------------------------------------------------------

ShaProxy::ShaProxy(std::weak_ptr<Session> session, Caller caller)
    : session_(std::move(session)), caller_(caller) {}

ShaProxy::~ShaProxy() = default;

Caller ShaProxy::caller() const {
    std::lock_guard lock(token_mu_);
    return caller_;
}

Caller EcProxy::caller() const {
    std::lock_guard lock(token_mu_);
    return caller_;
}

std::optional<v1::CallbackReply> ShaProxy::round_trip(v1::Callback& cb, HResult* failure) {
    return wait_for_reply(session_, caller().binding, cb, failure);
}

agent::Status ShaProxy::get_soh_request(agent::ShaRequest& request) {
    auto session = session_.lock();
    if (!session)
        return hr::RPC_S_SERVER_UNAVAILABLE;
    const bool cached = request.has_soh_request();
    if (cached && fresh_.load() && session->server().opt.answer_from_cache)
        return hr::S_OK;  // the cached SoH is used (docs/ipc.md, "Answering from the cache")
    session.reset();
    v1::Callback cb;
    auto* rq = cb.mutable_sha_get_soh_request();
    ipc::to_proto(request.correlation_id(), *rq->mutable_correlation_id());
    if (auto c = request.soh_request(); c)
        ipc::to_proto(*c, *rq->mutable_cached());
    HResult failure = hr::S_OK;
    auto reply = round_trip(cb, &failure);
    if (!reply) {
        if (failure == hr::E_PENDING)
            return cached ? hr::S_OK : hr::NAP_E_NO_CACHED_SOH;
        return failure;
    }
    const HResult result(reply->hresult());
    if (result.failed())
        return result;
    if (reply->has_soh() && reply->soh().set()) {
        auto soh = ipc::soh_from_proto(reply->soh().soh(), "ShaSoH.soh");
        if (!soh) {
            spdlog::warn("SHA {:08X}: invalid SoH in its GetSoHRequest answer: {}", caller().id,
                         soh.error().message());
            return hr::E_INVALIDARG;
        }
        const bool cache = reply->soh().cache();
        const agent::Status s = request.set_soh_request(std::move(*soh), cache);
        if (s.failed())
            return s;
        fresh_.store(cache);
    }
    return result;
}

agent::Status ShaProxy::process_soh_response(agent::ShaRequest& request) {
    if (session_.expired())
        return hr::RPC_S_SERVER_UNAVAILABLE;
    const SoH* response = request.response_ptr();
    if (response == nullptr)
        return hr::NAP_E_NOT_PENDING;
    // One envelope per thread, filled in place each time: its messages and strings keep their
    // memory, so a notification allocates nothing once the first one has been made.
    thread_local v1::Envelope env;
    auto* rq = env.mutable_callback()->mutable_sha_process_soh_response();
    ipc::to_proto(request.correlation_id(), *rq->mutable_correlation_id());
    rq->mutable_response()->clear();
    ipc::append_tlvs(*response, *rq->mutable_response());
    rq->set_response_flags(request.response_flags());
    // Asynchronous and unanswered: the SHA's library reports ProcessSoHResponse's result and
    // GetFixupInfo's (ShaOutcome) when they differ from what it reported last, and outcome()
    // applies them; the GetFixupInfo the core makes right after this returns gets the last known
    // value. An identical outcome changes nothing in the agent, so none is lost.
    auto session = session_.lock();
    if (!session)
        return hr::RPC_S_SERVER_UNAVAILABLE;
    session->notify(caller().binding, env);
    t_fixup_after_process = this;
    return hr::S_OK;
}

void ShaProxy::outcome(const v1::ShaOutcome& o) {
    auto session = session_.lock();
    if (!session)
        return;
    agent::Result<FixupInfo> fix = agent::fail(HResult(o.fixup_hresult()));
    if (HResult(o.fixup_hresult()).succeeded()) {
        auto f = ipc::fixup_from_proto(o.fixup(), "ShaOutcome.fixup");
        if (f) {
            fix = *f;
            std::lock_guard lock(mu_);
            last_fixup_ = *f;
        } else {
            fix = agent::fail(hr::E_INVALIDARG);
        }
    }
    session->server().agent->sha_response_outcome(caller(), HResult(o.hresult()), fix);
}

agent::Status ShaProxy::notify_system_isolation_state_change() {
    auto session = session_.lock();
    if (!session)
        return hr::RPC_S_SERVER_UNAVAILABLE;
    v1::Callback cb;
    cb.mutable_sha_notify_isolation_change();
    session->notify(caller().binding, cb);
    return hr::S_OK;
}

agent::Result<FixupInfo> ShaProxy::get_fixup_info() {
    if (t_fixup_after_process == this) {
        t_fixup_after_process = nullptr;
        std::lock_guard lock(mu_);
        if (last_fixup_)
            return *last_fixup_;
        return agent::fail(hr::E_PENDING);  // not known yet: the core leaves the state alone
    }
    v1::Callback cb;
    cb.mutable_sha_get_fixup_info();
    HResult failure = hr::S_OK;
    auto reply = round_trip(cb, &failure);
    if (!reply)
        return agent::fail(failure);
    if (HResult(reply->hresult()).failed())
        return agent::fail(HResult(reply->hresult()));
    auto f = ipc::fixup_from_proto(reply->fixup(), "CallbackReply.fixup");
    if (!f)
        return agent::fail(hr::E_INVALIDARG);
    std::lock_guard lock(mu_);
    last_fixup_ = *f;
    return *f;
}

agent::Result<bool> ShaProxy::compare_soh_requests(const SoH& lhs, const SoH& rhs) {
    if (compare_.load() == Compare::NotImplemented)
        return agent::fail(hr::E_NOTIMPL);
    v1::Callback cb;
    auto* rq = cb.mutable_sha_compare();
    ipc::to_proto(lhs, *rq->mutable_lhs());
    ipc::to_proto(rhs, *rq->mutable_rhs());
    HResult failure = hr::S_OK;
    auto reply = round_trip(cb, &failure);
    if (!reply)
        return agent::fail(failure == hr::E_PENDING ? hr::E_NOTIMPL : failure);
    const HResult result(reply->hresult());
    if (result == hr::E_NOTIMPL) {
        compare_.store(Compare::NotImplemented);
        return agent::fail(result);
    }
    if (result.failed())
        return agent::fail(result);
    compare_.store(Compare::Implemented);
    return reply->equal();
}

agent::Status ShaProxy::notify_orphaned_soh_request(const CorrelationId& correlation_id) {
    auto session = session_.lock();
    if (!session)
        return hr::RPC_S_SERVER_UNAVAILABLE;
    v1::Callback cb;
    ipc::to_proto(correlation_id, *cb.mutable_sha_orphaned());
    session->notify(caller().binding, cb);
    return hr::S_OK;
}

// ---- EcProxy -----------------------------------------------------------------------------------

EcProxy::EcProxy(std::weak_ptr<Session> session, Caller caller)
    : session_(std::move(session)), caller_(caller) {}

agent::Status EcProxy::notify_soh_change() {
    auto session = session_.lock();
    if (!session)
        return hr::RPC_S_SERVER_UNAVAILABLE;
    v1::Callback cb;
    cb.mutable_ec_notify_soh_change();
    // Asynchronous: the EC answers (and usually calls GetSoHRequest) on its own time; an answer
    // of RPC_S_SERVER_UNAVAILABLE unbinds it as the documentation says.
    std::weak_ptr<Session> weak = session_;
    const Caller caller = this->caller();
    HResult why = hr::S_OK;
    session->call(
        caller.binding, cb,
        [weak, caller](const v1::CallbackReply* reply, HResult) {
            if (reply == nullptr || !is_server_unavailable(HResult(reply->hresult())))
                return;
            if (auto s = weak.lock())
                s->server().agent->binding_lost(caller);
        },
        &why);
    return hr::S_OK;
}

agent::Result<std::vector<std::shared_ptr<agent::Connection>>> EcProxy::get_connections() {
    v1::Callback cb;
    cb.mutable_ec_get_connections();
    HResult failure = hr::S_OK;
    const Caller caller = this->caller();
    auto reply = wait_for_reply(session_, caller.binding, cb, &failure);
    if (!reply)
        return agent::fail(failure);
    if (HResult(reply->hresult()).failed())
        return agent::fail(HResult(reply->hresult()));
    auto session = session_.lock();
    if (!session)
        return agent::fail(hr::RPC_S_SERVER_UNAVAILABLE);
    std::vector<std::shared_ptr<agent::Connection>> out;
    for (const auto client_key : reply->connections().keys()) {
        HResult create_failure = hr::S_OK;
        const ConnectionKey key = session->core_key(client_key, &create_failure);
        if (key == 0)
            continue;  // not a connection of this client: nothing to name
        // Handles without an agent: they only name the connection (dropping them frees nothing).
        out.push_back(std::make_shared<agent::Connection>(nullptr, key, caller));
    }
    return out;
}

}  // namespace opennap::agentd
