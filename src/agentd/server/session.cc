#include "session.h"

#include <array>
#include <cstddef>

#include <spdlog/spdlog.h>

#include "opennap/agent/tracing.h"
#include "opennap/ipc/convert.h"
#include "proxies.h"

namespace opennap::agentd {

namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
// A client that does not read its socket is cut off before its backlog grows past this.
constexpr std::size_t kMaxOutBacklog = 16 * 1024 * 1024;

void set_status(v1::Reply& reply, HResult s) {
    reply.set_hresult(s.bits());
}

template <typename T>
bool set_failed(v1::Reply& reply, const agent::Result<T>& r) {
    if (r)
        return false;
    set_status(reply, r.error());
    return true;
}

std::string describe_kind(v1::Request::CallCase c) {
    switch (c) {
        case v1::Request::kRegister:
            return "Register";
        case v1::Request::kUnregister:
            return "Unregister";
        case v1::Request::kSetEnabled:
            return "SetEnabled";
        case v1::Request::kTraceLevel:
            return "TraceLevel";
        case v1::Request::kCreateConnection:
            return "CreateConnection";
        case v1::Request::kConnSet:
            return "a connection setter";
        case v1::Request::kProcessSohResponse:
            return "ProcessSoHResponse";
        case v1::Request::kConnectionStateDown:
            return "NotifyConnectionStateDown";
        case v1::Request::kReleaseConnection:
            return "ReleaseConnection";
        default:
            return "call " + std::to_string(static_cast<int>(c));
    }
}

}  // namespace

Session::Session(Server::Impl& srv, stream_protocol::socket socket, PeerCredentials peer,
                 PeerRoles roles, std::uint64_t id)
    : srv_(srv),
      socket_(std::move(socket)),
      peer_(std::move(peer)),
      roles_(std::move(roles)),
      id_(id),
      reader_(srv.opt.limits.max_frame_size) {}

std::string Session::peer_tag() const {
    return fmt::format("client {} (uid {} pid {})", id_, peer_.uid, peer_.pid);
}

bool Session::closed() const {
    std::lock_guard lock(mu_);
    return closed_;
}

void Session::start() {
    read();
}

void Session::read() {
    auto buf = reader_.prepare(kReadChunk);
    socket_.async_read_some(asio::buffer(buf.data(), buf.size()),
                            [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                                self->on_read(ec, n);
                            });
}

void Session::on_read(const asio::error_code& ec, std::size_t n) {
    if (ec) {
        close(ec == asio::error::eof ? "the client closed the connection"
                                     : "read failed: " + ec.message());
        return;
    }
    reader_.commit(n);
    in_batch_ = true;
    // The batch's messages live in an arena on a block of the I/O thread's (freed at once when
    // the batch is done, instead of piece by piece).
    alignas(std::max_align_t) thread_local std::array<char, 64 * 1024> block;
    google::protobuf::ArenaOptions options;
    options.initial_block = block.data();
    options.initial_block_size = block.size();
    google::protobuf::Arena arena(options);
    for (;;) {
        if (closed())
            break;
        auto* env = google::protobuf::Arena::CreateMessage<v1::Envelope>(&arena);
        const auto st = reader_.next(env);
        if (st == ipc::FrameReader::Status::NeedMore)
            break;
        if (st == ipc::FrameReader::Status::Error) {
            in_batch_ = false;
            close("malformed frame: " + reader_.error().message());
            return;
        }
        handle(*env);
    }
    in_batch_ = false;
    if (closed())
        return;
    flush();
    read();
}

void Session::send(const v1::Envelope& envelope, bool lazy) {
    bool post = false;
    bool list = false;
    {
        std::lock_guard lock(mu_);
        if (closed_)
            return;
        if (!ipc::encode_frame(envelope, out_, srv_.opt.limits.max_frame_size)) {
            spdlog::error("{}: a frame for the client exceeds max_frame_size and was dropped",
                          peer_tag());
            return;
        }
        if (out_.size() > kMaxOutBacklog) {
            post = false;
        } else if (lazy) {
            if (!lazy_listed_ && !writing_ && !flush_posted_) {
                lazy_listed_ = true;
                list = true;
            }
        } else if (!writing_ && !flush_posted_ && !(on_io_thread() && in_batch_)) {
            flush_posted_ = true;
            post = true;
        }
    }
    if (post)
        asio::post(srv_.io, [self = shared_from_this()] { self->flush(); });
    if (list)
        srv_.flush_soon(shared_from_this());
}

void Session::flush_lazy() {
    {
        std::lock_guard lock(mu_);
        lazy_listed_ = false;
    }
    flush();
}

void Session::flush() {
    std::unique_lock lock(mu_);
    flush_posted_ = false;
    if (closed_ || writing_ || out_.empty())
        return;
    if (out_.size() > kMaxOutBacklog) {
        lock.unlock();
        close("the client does not read its socket (output backlog over 16 MiB)");
        return;
    }
    writing_ = true;
    writing_buf_.swap(out_);
    out_.clear();
    lock.unlock();
    asio::async_write(socket_, asio::buffer(writing_buf_),
                      [self = shared_from_this()](const asio::error_code& ec, std::size_t) {
                          {
                              std::lock_guard l(self->mu_);
                              self->writing_ = false;
                              self->writing_buf_.clear();
                          }
                          if (ec) {
                              self->close("write failed: " + ec.message());
                              return;
                          }
                          self->flush();
                      });
}

bool Session::call(BindingToken binding, v1::Callback& callback, CallbackDone done, HResult* why) {
    v1::Envelope env;
    {
        std::lock_guard lock(mu_);
        if (closed_) {
            *why = hr::RPC_S_SERVER_UNAVAILABLE;
            return false;
        }
        if (pending_.size() >= srv_.opt.limits.per_client_pending_callbacks) {
            spdlog::warn("{}: callback not sent, {} callbacks already pending", peer_tag(),
                         pending_.size());
            *why = hr::NAP_E_TOO_MANY_CALLS;
            return false;
        }
        const std::uint64_t id = next_callback_id_++;
        callback.set_id(id);
        callback.set_binding(binding);
        pending_.emplace(
            id,
            Pending{binding, std::chrono::steady_clock::now() + srv_.opt.limits.callback_timeout,
                    std::move(done)});
    }
    *env.mutable_callback() = std::move(callback);
    send(env);
    return true;
}

void Session::notify(BindingToken binding, v1::Callback& callback) {
    v1::Envelope env;
    *env.mutable_callback() = std::move(callback);
    notify(binding, env);
}

void Session::notify(BindingToken binding, v1::Envelope& env) {
    auto* callback = env.mutable_callback();
    callback->set_binding(binding);
    callback->set_one_way(true);
    send(env, /*lazy=*/true);
}

void Session::close_later(const std::string& reason) {
    asio::post(srv_.io, [self = shared_from_this(), reason] { self->close(reason); });
}

void Session::close(const std::string& reason) {
    std::map<BindingToken, BindingEntry> bindings;
    std::unordered_map<std::uint64_t, ConnSlot> keys;
    std::uint32_t reserved = 0;
    std::map<std::uint64_t, Pending> pending;
    std::set<NapNotifyType> subs;
    {
        std::lock_guard lock(mu_);
        if (closed_)
            return;
        closed_ = true;
        bindings.swap(bindings_);
        keys.swap(keys_);
        reserved = reserved_;
        reserved_ = 0;
        pending.swap(pending_);
        subs.swap(subscriptions_);
        out_.clear();
    }
    spdlog::info("{}: connection closed: {}", peer_tag(), reason);
    asio::error_code ignored;
    socket_.shutdown(stream_protocol::socket::shutdown_both, ignored);
    socket_.close(ignored);
    for (auto& [id, p] : pending)
        p.done(nullptr, hr::RPC_S_SERVER_UNAVAILABLE);
    auto& agent = *srv_.agent;
    for (const auto type : subs)
        agent.unsubscribe(id_, type);
    for (auto& [token, b] : bindings) {
        // A binding still live when its process goes away is unbound as if its callback had
        // returned RPC_S_SERVER_UNAVAILABLE (docs/ipc.md, "Recovery").
        agent.binding_lost(b.caller);
        if (b.sha) {
            std::lock_guard lock(srv_.mu);
            srv_.sha_proxies.erase(b.sha.get());
        }
    }
    for (const auto& [key, slot] : keys) {
        if (slot.core != 0)
            agent.release_connection(slot.core);
    }
    if (reserved != 0) {
        std::lock_guard lock(srv_.grant_mu);
        srv_.reserved_total -= reserved;
    }
    srv_.remove(id_);
}

void Session::sweep(std::chrono::steady_clock::time_point now) {
    std::vector<std::pair<Pending, BindingEntry*>> expired;
    std::vector<Caller> unbind;
    {
        std::lock_guard lock(mu_);
        for (auto it = pending_.begin(); it != pending_.end();) {
            if (it->second.deadline <= now) {
                auto b = bindings_.find(it->second.binding);
                BindingEntry* entry = b == bindings_.end() ? nullptr : &b->second;
                if (entry != nullptr && ++entry->consecutive_timeouts ==
                                            srv_.opt.limits.callback_timeouts_before_unbind) {
                    unbind.push_back(entry->caller);
                }
                expired.emplace_back(std::move(it->second), entry);
                it = pending_.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (auto& [p, entry] : expired) {
        spdlog::warn("{}: a callback got no answer within {} ms", peer_tag(),
                     srv_.opt.limits.callback_timeout.count());
        p.done(nullptr, hr::ERROR_TIMEOUT);
    }
    for (const auto& c : unbind) {
        spdlog::warn("{}: {} {:08X} unbound after {} callbacks without an answer", peer_tag(),
                     c.kind == Caller::Kind::HealthAgent ? "SHA" : "EC", c.id,
                     srv_.opt.limits.callback_timeouts_before_unbind);
        srv_.agent->binding_lost(c);
        // Tell the client library, which answers some calls through this binding locally.
        v1::Envelope env;
        env.mutable_event()->set_binding_lost(c.binding);
        send(env);
    }
}

void Session::handle(v1::Envelope& envelope) {
    switch (envelope.kind_case()) {
        case v1::Envelope::kRequest:
            on_request(*envelope.mutable_request());
            return;
        case v1::Envelope::kCallbackReply:
            if (!hello_done_) {
                close("protocol error: a callback reply before Hello");
                return;
            }
            on_callback_reply(envelope.callback_reply());
            return;
        default:
            close(fmt::format("protocol error: a client may not send envelope kind {}",
                              static_cast<int>(envelope.kind_case())));
            return;
    }
}

void Session::on_callback_reply(const v1::CallbackReply& reply) {
    Pending p;
    {
        std::lock_guard lock(mu_);
        if (reply.id() == 0 || reply.id() >= next_callback_id_) {
            // Answers a callback never sent: out of order.
        } else {
            auto it = pending_.find(reply.id());
            if (it == pending_.end()) {
                spdlog::debug("{}: late answer to callback {} ignored", peer_tag(), reply.id());
                return;
            }
            p = std::move(it->second);
            pending_.erase(it);
            if (auto b = bindings_.find(p.binding); b != bindings_.end())
                b->second.consecutive_timeouts = 0;
        }
    }
    if (!p.done) {
        close(fmt::format("protocol error: answer to callback {} that was never sent", reply.id()));
        return;
    }
    p.done(&reply, hr::S_OK);
}

void Session::on_request(v1::Request& request) {
    if (!hello_done_) {
        if (request.call_case() != v1::Request::kHello) {
            close("protocol error: the first frame must be Hello");
            return;
        }
        const auto& h = request.hello();
        v1::Envelope env;
        auto* reply = env.mutable_reply();
        reply->set_id(request.id());
        if (h.min_version() > ipc::kMessageVersion || h.max_version() < ipc::kMessageVersion) {
            set_status(*reply, hr::E_NOTIMPL);
            send(env);
            flush();
            close(fmt::format("protocol versions {}..{} not supported (this daemon speaks {})",
                              h.min_version(), h.max_version(), ipc::kMessageVersion));
            return;
        }
        hello_done_ = true;
        set_status(*reply, hr::S_OK);
        auto* hr_ = reply->mutable_hello();
        hr_->set_version(ipc::kMessageVersion);
        hr_->set_instance(srv_.instance);
        auto* l = hr_->mutable_limits();
        l->set_max_connections(srv_.opt.limits.per_client_connections);
        l->set_max_calls_in_flight(srv_.opt.limits.per_client_calls_in_flight);
        l->set_max_frame_size(srv_.opt.limits.max_frame_size);
        l->set_max_soh_size(srv_.opt.limits.max_soh_size);
        l->set_callback_timeout_ms(
            static_cast<std::uint32_t>(srv_.opt.limits.callback_timeout.count()));
        hr_->set_role(roles_.describe());
        spdlog::info("{}: connected as {} ({}), role: {}", peer_tag(),
                     h.client_name().substr(0, 64), ipc::kMessageVersion, roles_.describe());
        send(env);
        return;
    }
    if (request.call_case() == v1::Request::kHello) {
        close("protocol error: a second Hello");
        return;
    }
    if (request.call_case() == v1::Request::CALL_NOT_SET) {
        close("protocol error: a request without a call");
        return;
    }
    const bool one_way = request.one_way();
    if (in_flight_.load() >= srv_.opt.limits.per_client_calls_in_flight) {
        spdlog::warn("{}: request refused, {} calls already in flight", peer_tag(),
                     in_flight_.load());
        if (!one_way) {
            v1::Envelope env;
            env.mutable_reply()->set_id(request.id());
            set_status(*env.mutable_reply(), hr::NAP_E_TOO_MANY_CALLS);
            send(env);
        }
        return;
    }
    if (is_slow(request)) {
        in_flight_.fetch_add(1);
        asio::post(srv_.pool, [self = shared_from_this(), rq = std::move(request), one_way] {
            v1::Envelope env;
            env.mutable_reply()->set_id(rq.id());
            self->execute(rq, *env.mutable_reply());
            self->in_flight_.fetch_sub(1);
            if (!one_way)
                self->send(env);
        });
        return;
    }
    auto& env = *google::protobuf::Arena::CreateMessage<v1::Envelope>(request.GetArena());
    env.mutable_reply()->set_id(request.id());
    execute(request, *env.mutable_reply());
    if (!one_way) {
        send(env);
    } else if (env.reply().hresult() != request.expect()) {
        // The client library answered this call itself; the agent disagrees (a state change the
        // library had not seen yet, such as a binding dropped a moment ago).
        spdlog::warn("{}: a call the client library answered {} locally got {} here ({})",
                     peer_tag(), to_string(HResult(request.expect())),
                     to_string(HResult(env.reply().hresult())), describe_kind(request.call_case()));
    }
}

bool Session::is_slow(const v1::Request& request) const {
    switch (request.call_case()) {
        case v1::Request::kUnbind:  // waits for the binding's calls in flight
            return true;
        case v1::Request::kGetSohRequest:
            return !(srv_.opt.answer_from_cache && srv_.shas_answer_locally());
        default:
            return false;
    }
}

bool Session::binding_caller(std::uint64_t token, Caller* out) const {
    std::lock_guard lock(mu_);
    auto it = bindings_.find(token);
    if (it == bindings_.end())
        return false;
    *out = it->second.caller;
    return true;
}

void Session::deny(const char* what, std::uint64_t key) {
    if (key != 0) {
        HResult failure = hr::S_OK;
        const ConnectionKey core = core_key(key, &failure);
        auto id = core != 0 ? srv_.agent->conn_get_connection_id(Caller::agent(), core)
                            : agent::Result<ConnectionId>(agent::fail(hr::E_INVALIDARG));
        spdlog::warn("{}: E_ACCESSDENIED: {} on connection {} (ConnectionId {}), role {}",
                     peer_tag(), what, key, id ? id->to_string() : std::string("unset"),
                     roles_.describe());
    } else {
        spdlog::warn("{}: E_ACCESSDENIED: {}, role {}", peer_tag(), what, roles_.describe());
    }
}

ConnectionKey Session::core_key(std::uint64_t client_key, HResult* failure) const {
    std::lock_guard lock(mu_);
    auto it = keys_.find(client_key);
    if (it == keys_.end())
        return 0;
    *failure = it->second.failure;
    return it->second.core;
}

bool Session::resolve(const char* what, std::uint64_t client_key, ConnectionKey* core,
                      v1::Reply& reply) {
    HResult failure = hr::S_OK;
    bool held = false;
    {
        std::lock_guard lock(mu_);
        if (auto it = keys_.find(client_key); it != keys_.end()) {
            held = true;
            *core = it->second.core;
            failure = it->second.failure;
        }
    }
    if (!held) {
        // Keys are the client's own: one it does not hold names no connection it created.
        deny((std::string(what) + " on a connection this client did not create").c_str(),
             client_key);
        set_status(reply, hr::E_ACCESSDENIED);
        return false;
    }
    if (failure.failed()) {
        set_status(reply, failure);
        return false;
    }
    return true;
}

std::uint32_t Session::grant_slots() {
    // Enough for a burst of exchanges without a round trip each, small enough that the slots
    // clients hold in reserve are a sliver of the global limit.
    constexpr std::uint32_t kGrantTarget = 16;
    {
        // Topped up in steps of at least half the target, so that most replies pay one lock.
        std::lock_guard lock(mu_);
        if (closed_ || reserved_ > kGrantTarget / 2)
            return 0;
    }
    const auto& lim = srv_.opt.limits;
    const std::size_t total = srv_.agent->config().max_connections_total;
    std::lock_guard g(srv_.grant_mu);
    const std::size_t live = srv_.agent->live_connection_count();
    std::lock_guard lock(mu_);
    if (closed_ || reserved_ >= kGrantTarget)
        return 0;
    std::size_t n = kGrantTarget - reserved_;
    const std::size_t mine = keys_.size() + reserved_;
    n = std::min(n, mine >= lim.per_client_connections ? 0 : lim.per_client_connections - mine);
    const std::size_t used = live + srv_.reserved_total;
    n = std::min(n, used >= total ? 0 : total - used);
    reserved_ += static_cast<std::uint32_t>(n);
    srv_.reserved_total += n;
    return static_cast<std::uint32_t>(n);
}

void Session::execute_create(const v1::Request& rq, const Caller& c, v1::Reply& reply) {
    auto& agent = *srv_.agent;
    const std::uint64_t ck = rq.create_connection().key();
    if (rq.create_connection().reserved()) {
        // One-way, in a slot granted earlier: nothing is answered, so a broken promise is a
        // protocol error.
        std::string error;
        {
            std::lock_guard lock(mu_);
            if (reserved_ == 0)
                error = "protocol error: CreateConnection in a reserved slot it was not granted";
            else if (ck == 0 || keys_.contains(ck))
                error = fmt::format("protocol error: CreateConnection with key {} in use", ck);
            else {
                --reserved_;
                keys_.emplace(ck, ConnSlot{});
            }
        }
        if (!error.empty()) {
            close(error);
            return;
        }
        auto key = agent.create_connection(c);
        {
            std::lock_guard g(srv_.grant_mu);
            --srv_.reserved_total;  // after the agent counted it live: never over the limit
        }
        std::lock_guard lock(mu_);
        auto it = keys_.find(ck);
        if (it == keys_.end())
            return;  // closed meanwhile
        if (key) {
            it->second.core = *key;
        } else {
            it->second.failure = key.error();
            set_status(reply, key.error());
            spdlog::warn("{}: CreateConnection {} in a reserved slot failed: {}", peer_tag(), ck,
                         to_string(key.error()));
        }
        return;
    }
    {
        std::lock_guard lock(mu_);
        if (ck == 0 || keys_.contains(ck)) {
            spdlog::warn("{}: CreateConnection with key {}, which is in use", peer_tag(), ck);
            set_status(reply, hr::E_INVALIDARG);
            return;
        }
        if (keys_.size() + reserved_ >= srv_.opt.limits.per_client_connections) {
            spdlog::warn(
                "{}: E_OUTOFMEMORY: CreateConnection over the limit of {} connections per client",
                peer_tag(), srv_.opt.limits.per_client_connections);
            set_status(reply, hr::E_OUTOFMEMORY);
            return;
        }
    }
    agent::Result<ConnectionKey> key = agent::fail(hr::E_UNEXPECTED);
    {
        std::lock_guard g(srv_.grant_mu);
        const std::size_t total = agent.config().max_connections_total;
        if (agent.live_connection_count() + srv_.reserved_total >= total) {
            spdlog::warn(
                "{}: E_OUTOFMEMORY: CreateConnection over the limit of {} connections "
                "in all ({} held in reserve by clients)",
                peer_tag(), total, srv_.reserved_total);
            set_status(reply, hr::E_OUTOFMEMORY);
            return;
        }
        key = agent.create_connection(c);
    }
    if (set_failed(reply, key))
        return;
    {
        std::lock_guard lock(mu_);
        keys_[ck] = ConnSlot{*key, hr::S_OK};
    }
    reply.set_connection_grant(grant_slots());
}

void Session::execute(const v1::Request& rq, v1::Reply& reply) {
    auto& agent = *srv_.agent;
    set_status(reply, hr::S_OK);
    const auto call = rq.call_case();

    // Calls made through a binding.
    Caller c;
    const bool needs_binding =
        call == v1::Request::kUnbind || call == v1::Request::kCreateConnection ||
        call == v1::Request::kGetSohRequest || call == v1::Request::kProcessSohResponse ||
        call == v1::Request::kConnectionStateDown || call == v1::Request::kSohChangeFailure ||
        call == v1::Request::kConnSet || call == v1::Request::kConnGet ||
        call == v1::Request::kNotifySohChange || call == v1::Request::kGetSystemIsolationInfo ||
        call == v1::Request::kFlushCache || call == v1::Request::kShaOutcome;
    if (needs_binding && !binding_caller(rq.binding(), &c)) {
        std::uint64_t key = 0;
        if (call == v1::Request::kConnSet)
            key = rq.conn_set().key();
        deny("a call through a binding this client does not hold", key);
        set_status(reply, hr::E_ACCESSDENIED);
        return;
    }

    switch (call) {
        case v1::Request::kRegister: {
            if (!roles_.may_administer()) {
                deny("Register (administrators only)");
                set_status(reply, hr::E_ACCESSDENIED);
                return;
            }
            auto info = ipc::registration_from_proto(rq.register_().info(), "Register.info");
            if (!info) {
                set_status(reply, hr::E_INVALIDARG);
                return;
            }
            set_status(reply, rq.register_().kind() == v1::COMPONENT_KIND_HEALTH_AGENT
                                  ? agent.register_sha(Caller::admin(), *info)
                                  : agent.register_ec(Caller::admin(), *info));
            return;
        }
        case v1::Request::kUnregister:
        case v1::Request::kSetEnabled: {
            if (!roles_.may_administer()) {
                deny((describe_kind(call) + " (administrators only)").c_str());
                set_status(reply, hr::E_ACCESSDENIED);
                return;
            }
            if (call == v1::Request::kUnregister) {
                const auto& u = rq.unregister();
                set_status(reply, u.kind() == v1::COMPONENT_KIND_HEALTH_AGENT
                                      ? agent.unregister_sha(Caller::admin(), u.id())
                                      : agent.unregister_ec(Caller::admin(), u.id()));
            } else {
                const auto& e = rq.set_enabled();
                set_status(reply, e.kind() == v1::COMPONENT_KIND_HEALTH_AGENT
                                      ? agent.set_sha_enabled(Caller::admin(), e.id(), e.enabled())
                                      : agent.set_ec_enabled(Caller::admin(), e.id(), e.enabled()));
            }
            return;
        }
        case v1::Request::kListRegistered: {
            auto list = rq.list_registered().kind() == v1::COMPONENT_KIND_HEALTH_AGENT
                            ? agent.registered_shas()
                            : agent.registered_ecs();
            if (set_failed(reply, list))
                return;
            auto* out = reply.mutable_registrations();
            for (const auto& r : *list)
                ipc::to_proto(r, *out->add_items());
            return;
        }
        case v1::Request::kClientInfo:
            ipc::to_proto(agent.client_info(), *reply.mutable_client_info());
            return;
        case v1::Request::kSystemIsolation:
            ipc::to_proto(agent.system_isolation(), *reply.mutable_system_isolation());
            return;
        case v1::Request::kStatus: {
            ipc::StatusSnapshot snap{agent.system_isolation(), agent.sha_status(),
                                     agent.ec_status()};
            ipc::to_proto(snap, *reply.mutable_status());
            return;
        }
        case v1::Request::kTraceLevel: {
            if (!roles_.may_administer()) {
                deny("TraceLevel (administrators only)");
                set_status(reply, hr::E_ACCESSDENIED);
                return;
            }
            const auto level = static_cast<NapTracingLevel>(rq.trace_level().level());
            if (!is_valid(level)) {
                set_status(reply, hr::E_INVALIDARG);
                return;
            }
            agent::set_tracing_level(level);
            spdlog::info("{}: tracing level set to {}", peer_tag(), to_string(level));
            return;
        }
        case v1::Request::kBind: {
            const auto& b = rq.bind();
            const bool sha = b.kind() == v1::COMPONENT_KIND_HEALTH_AGENT;
            if (!sha && b.kind() != v1::COMPONENT_KIND_ENFORCEMENT_CLIENT) {
                set_status(reply, hr::E_INVALIDARG);
                return;
            }
            if (sha ? !roles_.may_bind_sha(b.id()) : !roles_.may_bind_ec(b.id())) {
                const std::string what =
                    fmt::format("Initialize of {} {:08X}", sha ? "SHA" : "EC", b.id());
                deny(what.c_str());
                set_status(reply, hr::E_ACCESSDENIED);
                return;
            }
            BindingEntry entry;
            agent::Result<BindingToken> token = agent::fail(hr::E_UNEXPECTED);
            if (sha) {
                auto proxy = std::make_shared<ShaProxy>(
                    weak_from_this(), Caller{Caller::Kind::HealthAgent, b.id(), 0});
                // The proxy learns its token under its bind lock, so a callback the core makes
                // at once waits for it.
                auto lock = proxy->bind_lock();
                token = agent.bind_sha(b.id(), proxy);
                if (token)
                    proxy->set_token(*token);
                entry.sha = std::move(proxy);
            } else {
                auto proxy = std::make_shared<EcProxy>(
                    weak_from_this(), Caller{Caller::Kind::EnforcementClient, b.id(), 0});
                auto lock = proxy->bind_lock();
                token = agent.bind_ec(b.id(), proxy);
                if (token)
                    proxy->set_token(*token);
                entry.ec = std::move(proxy);
            }
            if (set_failed(reply, token))
                return;
            entry.caller = Caller{sha ? Caller::Kind::HealthAgent : Caller::Kind::EnforcementClient,
                                  b.id(), *token};
            {
                std::lock_guard lock(mu_);
                bindings_.emplace(*token, entry);
            }
            if (entry.sha) {
                std::lock_guard lock(srv_.mu);
                srv_.sha_proxies.insert(entry.sha.get());
            }
            spdlog::info("{}: bound {} {:08X}", peer_tag(), sha ? "SHA" : "EC", b.id());
            reply.set_token(*token);
            return;
        }
        case v1::Request::kSubscribe: {
            const auto type = static_cast<NapNotifyType>(rq.subscribe().type());
            if (!rq.subscribe().subscribe()) {
                agent.unsubscribe(id_, type);
                std::lock_guard lock(mu_);
                subscriptions_.erase(type);
                return;
            }
            auto sink = std::make_shared<EventSink>(weak_from_this());
            const agent::Status s = agent.subscribe(id_, type, std::move(sink));
            set_status(reply, s);
            if (s.succeeded()) {
                std::lock_guard lock(mu_);
                subscriptions_.insert(type);
            }
            return;
        }
        case v1::Request::kCertSubscribe: {
            const auto& cs = rq.cert_subscribe();
            // Through the client's binding of that EC id, or as administrator.
            Caller cc = Caller::admin();
            if (!roles_.may_administer()) {
                if (!binding_caller(rq.binding(), &cc)) {
                    deny("INapCertRelyingParty (no binding, not an administrator)");
                    set_status(reply, hr::E_ACCESSDENIED);
                    return;
                }
            }
            if (cs.subscribe()) {
                auto name = ipc::u16_from_bytes(cs.subscriber_name(), "CertSubscribe.name");
                if (!name) {
                    set_status(reply, hr::E_INVALIDARG);
                    return;
                }
                auto r = agent.subscribe_cert_by_group(cc, cs.id(), *name, cs.reserved_present());
                if (set_failed(reply, r))
                    return;
                reply.set_flag(*r);
            } else {
                set_status(reply,
                           agent.unsubscribe_cert_by_group(cc, cs.id(), cs.reserved_present()));
            }
            return;
        }
        case v1::Request::kSubscribedRelyingParties: {
            Caller cc = Caller::admin();
            if (!roles_.may_administer() && !binding_caller(rq.binding(), &cc)) {
                deny("INapCertRelyingParty (no binding, not an administrator)");
                set_status(reply, hr::E_ACCESSDENIED);
                return;
            }
            auto r = agent.subscribed_relying_parties(cc);
            if (set_failed(reply, r))
                return;
            for (const auto id : *r)
                reply.mutable_ids()->add_ids(id);
            return;
        }
        case v1::Request::kReleaseConnection: {
            const std::uint64_t ck = rq.release_connection().key();
            ConnectionKey core = 0;
            bool held = false;
            {
                std::lock_guard lock(mu_);
                if (auto it = keys_.find(ck); it != keys_.end()) {
                    held = true;
                    core = it->second.core;
                    keys_.erase(it);
                }
            }
            if (!held) {
                deny("ReleaseConnection of a connection this client did not create", ck);
                set_status(reply, hr::E_ACCESSDENIED);
                return;
            }
            if (core != 0)
                agent.release_connection(core);
            return;
        }
        case v1::Request::kSohPreview: {  // any peer: it shows what the agent sends anyway
            auto soh = agent.preview_soh_request();
            if (set_failed(reply, soh))
                return;
            reply.set_soh(std::string(soh->data.begin(), soh->data.end()));
            return;
        }
        default:
            break;
    }
    execute_binding_call(rq, c, reply);
}

void Session::execute_binding_call(const v1::Request& rq, const Caller& c, v1::Reply& reply) {
    auto& agent = *srv_.agent;
    switch (rq.call_case()) {
        case v1::Request::kUnbind: {
            const agent::Status s =
                c.kind == Caller::Kind::HealthAgent ? agent.unbind_sha(c) : agent.unbind_ec(c);
            set_status(reply, s);
            // The entry stays (without its proxy) so that later calls through the stale token
            // get the core's own answer (NAP_E_NOT_INITIALIZED, ...), as in process.
            std::shared_ptr<ShaProxy> sha;
            {
                std::lock_guard lock(mu_);
                auto it = bindings_.find(c.binding);
                if (it != bindings_.end() && s.succeeded()) {
                    sha = std::move(it->second.sha);
                    it->second.ec.reset();
                }
            }
            if (sha) {
                std::lock_guard lock(srv_.mu);
                srv_.sha_proxies.erase(sha.get());
            }
            return;
        }
        case v1::Request::kCreateConnection:
            execute_create(rq, c, reply);
            return;
        case v1::Request::kGetSohRequest: {
            const std::uint64_t ck = rq.get_soh_request().key();
            ConnectionKey key = 0;
            if (!resolve("GetSoHRequest", ck, &key, reply))
                return;
            auto r = agent.get_soh_request(c, key);
            if (!r && r.error() == hr::E_ACCESSDENIED)
                deny("GetSoHRequest", ck);
            if (set_failed(reply, r))
                return;
            reply.set_flag(*r);
            fill_snapshot(c, key, reply);
            reply.set_connection_grant(grant_slots());
            return;
        }
        case v1::Request::kProcessSohResponse: {
            const std::uint64_t ck = rq.process_soh_response().key();
            ConnectionKey key = 0;
            if (!resolve("ProcessSoHResponse", ck, &key, reply))
                return;
            const agent::Status s = agent.process_soh_response(c, key);
            if (s == hr::E_ACCESSDENIED)
                deny("ProcessSoHResponse", ck);
            set_status(reply, s);
            if (s.succeeded() && !rq.one_way())
                fill_snapshot(c, key, reply);
            return;
        }
        case v1::Request::kConnectionStateDown: {
            const std::uint64_t ck = rq.connection_state_down().key();
            ConnectionKey key = 0;
            if (!resolve("NotifyConnectionStateDown", ck, &key, reply))
                return;
            const agent::Status s = agent.notify_connection_state_down(c, key);
            if (s == hr::E_ACCESSDENIED)
                deny("NotifyConnectionStateDown", ck);
            set_status(reply, s);
            return;
        }
        case v1::Request::kSohChangeFailure:
            set_status(reply, agent.notify_soh_change_failure(c));
            return;
        case v1::Request::kConnSet:
            execute_conn_set(c, rq.conn_set(), reply);
            return;
        case v1::Request::kConnGet:
            execute_conn_get(c, rq.conn_get(), reply);
            return;
        case v1::Request::kNotifySohChange: {
            {
                std::lock_guard lock(mu_);
                if (auto it = bindings_.find(c.binding); it != bindings_.end() && it->second.sha)
                    it->second.sha->mark_stale();
            }
            set_status(reply, agent.notify_soh_change(c));
            return;
        }
        case v1::Request::kGetSystemIsolationInfo: {
            auto r = agent.get_system_isolation_info(c);
            if (set_failed(reply, r))
                return;
            ipc::to_proto(*r, *reply.mutable_system_isolation());
            return;
        }
        case v1::Request::kShaOutcome: {
            std::shared_ptr<ShaProxy> proxy;
            {
                std::lock_guard lock(mu_);
                if (auto it = bindings_.find(c.binding); it != bindings_.end())
                    proxy = it->second.sha;
            }
            if (c.kind != Caller::Kind::HealthAgent || !proxy) {
                set_status(reply, c.kind != Caller::Kind::HealthAgent ? hr::E_ACCESSDENIED
                                                                      : hr::NAP_E_NOT_INITIALIZED);
                return;
            }
            proxy->outcome(rq.sha_outcome());
            return;
        }
        case v1::Request::kFlushCache: {
            {
                std::lock_guard lock(mu_);
                if (auto it = bindings_.find(c.binding); it != bindings_.end() && it->second.sha)
                    it->second.sha->mark_stale();
            }
            set_status(reply, agent.flush_cache(c));
            return;
        }
        default:
            set_status(reply, hr::E_NOTIMPL);
            return;
    }
}

void Session::fill_snapshot(const Caller& c, ConnectionKey key, v1::Reply& reply) {
    auto& agent = *srv_.agent;
    auto* snap = reply.mutable_snapshot();
    if (auto f = agent.conn_get_flags(c, key))
        snap->set_flags(*f);
    if (auto id = agent.conn_get_correlation_id(c, key))
        ipc::to_proto(*id, *snap->mutable_correlation_id());
    if (auto rq = agent.conn_get_soh_request(c, key))
        snap->set_soh_request(std::string(rq->data.begin(), rq->data.end()));
    if (auto iso = agent.conn_get_isolation_info_ex(c, key))
        ipc::to_proto(*iso, *snap->mutable_isolation());
    if (auto pd = agent.conn_get_private_data(c, key))
        snap->set_private_data(std::string(pd->data.begin(), pd->data.end()));
    if (auto shvs = agent.conn_get_installed_shvs(c, key)) {
        for (const auto id : *shvs)
            snap->mutable_installed_shvs()->add_ids(id);
    }
}

}  // namespace opennap::agentd

namespace opennap::agentd {

namespace {

std::vector<std::uint8_t> blob(const std::string& s) {
    return std::vector<std::uint8_t>(s.begin(), s.end());
}

}  // namespace

void Session::execute_conn_set(const Caller& c, const v1::ConnSet& set, v1::Reply& reply) {
    auto& agent = *srv_.agent;
    ConnectionKey key = 0;
    if (!resolve("a connection setter", set.key(), &key, reply))
        return;
    const v1::ConnValue& v = set.value();
    const bool present = set.has_value() && v.value_case() != v1::ConnValue::VALUE_NOT_SET;
    agent::Status s = hr::S_OK;
    switch (set.field()) {
        case v1::CONN_FIELD_INITIALIZE:
            s = agent.conn_initialize(c, key, v.u32());
            break;
        case v1::CONN_FIELD_MAX_SIZE:
            s = agent.conn_set_max_size(c, key, v.u32());
            break;
        case v1::CONN_FIELD_FLAGS:
            s = v.u32() > 0xFF ? agent::Status(hr::E_INVALIDARG)
                               : agent.conn_set_flags(c, key, static_cast<std::uint8_t>(v.u32()));
            break;
        case v1::CONN_FIELD_CONNECTION_ID: {
            if (!present) {
                s = agent.conn_set_connection_id(c, key, nullptr);
                break;
            }
            auto id = ipc::guid_from_bytes(v.guid(), "ConnSet.guid");
            s = id ? agent.conn_set_connection_id(c, key, &*id) : agent::Status(hr::E_INVALIDARG);
            break;
        }
        case v1::CONN_FIELD_CORRELATION_ID: {
            auto id = ipc::correlation_from_proto(v.correlation_id(), "ConnSet.correlation_id");
            s = id ? agent.conn_set_correlation_id(c, key, *id) : agent::Status(hr::E_INVALIDARG);
            break;
        }
        case v1::CONN_FIELD_SOH_REQUEST:
        case v1::CONN_FIELD_SOH_RESPONSE: {
            if (!present) {
                s = set.field() == v1::CONN_FIELD_SOH_REQUEST
                        ? agent.conn_set_soh_request(c, key, nullptr)
                        : agent.conn_set_soh_response(c, key, nullptr);
                break;
            }
            if (v.blob().size() > srv_.opt.limits.max_soh_size &&
                v.blob().size() <= maxNetworkSoHSize) {
                spdlog::warn("{}: E_OUTOFMEMORY: a {}-byte SoH over the limit of {} bytes",
                             peer_tag(), v.blob().size(), srv_.opt.limits.max_soh_size);
                s = hr::E_OUTOFMEMORY;
                break;
            }
            NetworkSoH soh{blob(v.blob())};
            s = set.field() == v1::CONN_FIELD_SOH_REQUEST
                    ? agent.conn_set_soh_request(c, key, &soh)
                    : agent.conn_set_soh_response(c, key, &soh);
            break;
        }
        case v1::CONN_FIELD_ISOLATION_INFO: {
            if (!present) {
                s = agent.conn_set_isolation_info(c, key, nullptr);
                break;
            }
            auto info = ipc::isolation_from_proto(v.isolation(), "ConnSet.isolation");
            s = info ? agent.conn_set_isolation_info(c, key, &*info)
                     : agent::Status(hr::E_INVALIDARG);
            break;
        }
        case v1::CONN_FIELD_ISOLATION_INFO_EX: {
            if (!present) {
                s = agent.conn_set_isolation_info_ex(c, key, nullptr);
                break;
            }
            auto info = ipc::isolation_ex_from_proto(v.isolation(), "ConnSet.isolation");
            s = info ? agent.conn_set_isolation_info_ex(c, key, &*info)
                     : agent::Status(hr::E_INVALIDARG);
            break;
        }
        case v1::CONN_FIELD_PRIVATE_DATA:
        case v1::CONN_FIELD_ENFORCER_PRIVATE_DATA: {
            const bool agents = set.field() == v1::CONN_FIELD_PRIVATE_DATA;
            if (!present) {
                s = agents ? agent.conn_set_private_data(c, key, nullptr)
                           : agent.conn_set_enforcer_private_data(c, key, nullptr);
                break;
            }
            PrivateData d{blob(v.blob())};
            s = agents ? agent.conn_set_private_data(c, key, &d)
                       : agent.conn_set_enforcer_private_data(c, key, &d);
            break;
        }
        case v1::CONN_FIELD_INSTALLED_SHVS: {
            std::vector<SystemHealthEntityId> ids(v.ids().ids().begin(), v.ids().ids().end());
            s = agent.conn_set_installed_shvs(c, key, ids);
            break;
        }
        default:
            s = hr::E_INVALIDARG;
            break;
    }
    if (s == hr::E_ACCESSDENIED)
        deny("a connection setter", set.key());
    set_status(reply, s);
}

void Session::execute_conn_get(const Caller& c, const v1::ConnGet& get, v1::Reply& reply) {
    auto& agent = *srv_.agent;
    ConnectionKey key = 0;
    if (!resolve("a connection getter", get.key(), &key, reply))
        return;
    auto* v = reply.mutable_value();
    HResult s = hr::S_OK;
    auto take = [&](const auto& r) {
        if (!r)
            s = r.error();
        return static_cast<bool>(r);
    };
    switch (get.field()) {
        case v1::CONN_FIELD_MAX_SIZE:
            if (auto r = agent.conn_get_max_size(c, key); take(r))
                v->set_u32(*r);
            break;
        case v1::CONN_FIELD_FLAGS:
            if (auto r = agent.conn_get_flags(c, key); take(r))
                v->set_u32(*r);
            break;
        case v1::CONN_FIELD_CONNECTION_ID:
            if (auto r = agent.conn_get_connection_id(c, key); take(r))
                v->set_guid(ipc::guid_bytes(*r));
            break;
        case v1::CONN_FIELD_CORRELATION_ID:
            if (auto r = agent.conn_get_correlation_id(c, key); take(r))
                ipc::to_proto(*r, *v->mutable_correlation_id());
            break;
        case v1::CONN_FIELD_SOH_REQUEST:
            if (auto r = agent.conn_get_soh_request(c, key); take(r))
                v->set_blob(std::string(r->data.begin(), r->data.end()));
            break;
        case v1::CONN_FIELD_SOH_RESPONSE:
            if (auto r = agent.conn_get_soh_response(c, key); take(r))
                v->set_blob(std::string(r->data.begin(), r->data.end()));
            break;
        case v1::CONN_FIELD_ISOLATION_INFO:
            if (auto r = agent.conn_get_isolation_info(c, key); take(r))
                ipc::to_proto(*r, *v->mutable_isolation());
            break;
        case v1::CONN_FIELD_ISOLATION_INFO_EX:
            if (auto r = agent.conn_get_isolation_info_ex(c, key); take(r))
                ipc::to_proto(*r, *v->mutable_isolation());
            break;
        case v1::CONN_FIELD_PRIVATE_DATA:
            if (auto r = agent.conn_get_private_data(c, key); take(r))
                v->set_blob(std::string(r->data.begin(), r->data.end()));
            break;
        case v1::CONN_FIELD_ENFORCER_PRIVATE_DATA:
            if (auto r = agent.conn_get_enforcer_private_data(c, key); take(r))
                v->set_blob(std::string(r->data.begin(), r->data.end()));
            break;
        case v1::CONN_FIELD_INSTALLED_SHVS:
            if (auto r = agent.conn_get_installed_shvs(c, key); take(r)) {
                for (const auto id : *r)
                    v->mutable_ids()->add_ids(id);
            }
            break;
        default:
            s = hr::E_INVALIDARG;
            break;
    }
    if (s == hr::E_ACCESSDENIED)
        deny("a connection getter", get.key());
    set_status(reply, s);
    if (s.failed())
        reply.clear_value();
}

}  // namespace opennap::agentd
