#include "opennap/client/remote_agent.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "opennap/agent/connection.h"
#include "opennap/agent/soh_response.h"
#include "opennap/ipc/convert.h"
#include "opennap/ipc/frame.h"

namespace opennap::client {

namespace v1 = ::opennap::ipc::v1;
using agent::BindingToken;
using agent::Caller;
using agent::ConnectionKey;
using agent::fail;
using agent::Result;
using agent::Status;

namespace {

// The RemoteAgent whose reader thread this is: while it waits for an answer itself (a callback
// called the agent), it runs the callbacks that arrive meanwhile, as no other thread would.
thread_local const void* t_inbox_runner = nullptr;

bool write_all(int fd, const std::uint8_t* p, std::size_t n) {
    while (n > 0) {
        const ssize_t k = ::send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        p += k;
        n -= static_cast<std::size_t>(k);
    }
    return true;
}

std::vector<std::uint8_t> to_bytes(const std::string& s) {
    return std::vector<std::uint8_t>(s.begin(), s.end());
}

std::string to_string_bytes(const std::vector<std::uint8_t>& v) {
    return std::string(v.begin(), v.end());
}

v1::ComponentKind kind_of(Caller::Kind k) {
    return k == Caller::Kind::HealthAgent ? v1::COMPONENT_KIND_HEALTH_AGENT
                                          : v1::COMPONENT_KIND_ENFORCEMENT_CLIENT;
}

}  // namespace

class RemoteAgent::Impl {
  public:
    explicit Impl(RemoteOptions o) : opt(std::move(o)) {}

    RemoteOptions opt;

    struct Waiter {  // under mu
        std::condition_variable cv;
        bool done = false;
        v1::Reply reply;
        HResult failure = hr::S_OK;
    };
    struct LocalBinding {
        Caller::Kind kind = Caller::Kind::EnforcementClient;
        NapComponentId id = 0;
        std::shared_ptr<agent::EnforcementClientCallback> ec;
        std::shared_ptr<agent::HealthAgentCallback> sha;
        BindingToken remote = 0;
        bool unbound = false;  // Uninitialize was called: the stale token is still sent
        // The daemon dropped it (a callback said RPC_S_SERVER_UNAVAILABLE, or went unanswered):
        // calls through it go to the daemon, which answers as the agent does for a dead binding.
        bool dropped = false;
        // SHA: the last ShaOutcome sent (ProcessSoHResponse's and GetFixupInfo's results).
        std::optional<std::string> last_outcome;
    };
    // A connection, under the key this library chose (the daemon maps it to its own).
    struct LocalConn {
        BindingToken owner = 0;  // local token
        // The daemon knows this key in the current connection generation (created one-way in a
        // reserved slot, or answered S_OK); false after a re-creation failed on reconnect.
        bool at_daemon = false;
        bool down = false;  // NotifyConnectionStateDown, or its binding went away
        // What the EC set, to create the connection again after a daemon restart.
        std::optional<ConnectionId> connection_id;
        std::optional<ProtocolMaxSize> max_size;
        std::optional<PrivateData> enforcer_private_data;
        std::optional<EnforcementEntityId> initialized;
        // The agent-set values as of the last GetSoHRequest / ProcessSoHResponse reply (only the
        // EC's own calls change them), so that the getters need no round trip (docs/ipc.md).
        bool mirrored = false;
        std::uint8_t flags = 0;
        std::optional<CorrelationId> correlation_id;
        std::optional<NetworkSoH> soh_request;
        std::optional<IsolationInfoEx> isolation;
        PrivateData private_data;
        std::vector<SystemHealthEntityId> installed_shvs;
        std::optional<NetworkSoH> soh_response;  // as the EC set it
    };

    mutable std::mutex mu;  // everything below except write_mu
    mutable std::condition_variable state_cv;
    int fd = -1;
    bool up = false;
    bool stopping = false;
    std::uint64_t generation = 0;
    std::string role;
    std::uint32_t max_frame = ipc::kDefaultMaxBody;
    std::uint32_t max_soh_size = maxNetworkSoHSize;
    std::map<std::uint64_t, std::shared_ptr<Waiter>> waiters;
    std::uint64_t next_id = 1;
    std::map<BindingToken, LocalBinding> bindings;
    BindingToken next_token = 1;
    std::map<ConnectionKey, LocalConn> conns;
    ConnectionKey next_key = 1;
    // Connection slots the daemon reserved for this client (Reply.connection_grant): that many
    // CreateConnection calls need no round trip. Zero again after every reconnect.
    std::uint32_t credit = 0;
    std::uint32_t max_connections = 0;  // per client, from Hello (0: unknown)
    std::map<std::pair<std::uint64_t, NapNotifyType>, std::shared_ptr<agent::NotificationSink>>
        sinks;

    std::mutex write_mu;  // one writer at a time; also guards closing fd, and:
    // One-way requests not written yet (docs/ipc.md, "Round trips"): they leave with the next
    // request that waits for an answer, or within about a millisecond from the reader thread,
    // which polls with that timeout while `ticking` (set by the first queued frame after a quiet
    // spell, which wakes it through tick_pipe).
    std::vector<std::uint8_t> pending_out;
    bool ticking = false;
    std::chrono::steady_clock::time_point last_queued{};
    int tick_pipe[2] = {-1, -1};

    // The read role (docs/ipc.md, "The client library"). Whoever holds it reads the socket and
    // hands out what arrives: answers to the threads waiting for them, callbacks and events to
    // the inbox, which the reader thread runs in order. A thread waiting for an answer takes the
    // role when it is free, so the answer needs no hand-over between threads; the reader thread
    // takes it only when no call has read for a moment (kPark), which is when callbacks, events
    // and ticks need it.
    static constexpr auto kPark = std::chrono::milliseconds(2);
    int reader_sock = -1;                    // under mu; set while connected
    ipc::FrameReader* reader_ptr = nullptr;  // used by the role holder only
    bool role_mode = false;                  // under mu: connected, past the handshake
    bool reading = false;                    // under mu: the role is held
    bool reader_thread_reading = false;      // under mu: ... by the reader thread
    bool kicked = false;                     // under mu: it was asked to let go
    bool broken = false;                     // under mu: the connection failed
    std::chrono::steady_clock::time_point last_call_read{};  // under mu
    std::condition_variable bg_cv;           // the reader thread: inbox, failure, stop
    std::deque<v1::Envelope> inbox;          // under mu
    Waiter* reader_thread_waiter = nullptr;  // under mu: the reader thread waits in call()
    int yield_pipe[2] = {-1, -1};

    // Callback pool.
    std::mutex q_mu;
    std::condition_variable q_cv;
    std::deque<std::function<void()>> queue;
    bool q_stop = false;
    std::vector<std::thread> workers;
    std::thread io;
    int wake_pipe[2] = {-1, -1};

    void start() {
        if (::pipe(wake_pipe) != 0)
            wake_pipe[0] = wake_pipe[1] = -1;
        if (::pipe2(tick_pipe, O_NONBLOCK | O_CLOEXEC) != 0)
            tick_pipe[0] = tick_pipe[1] = -1;
        if (::pipe2(yield_pipe, O_NONBLOCK | O_CLOEXEC) != 0)
            yield_pipe[0] = yield_pipe[1] = -1;
        for (unsigned i = 0; i < std::max(1u, opt.callback_threads); ++i)
            workers.emplace_back([this] { worker(); });
        io = std::thread([this] { io_loop(); });
    }

    void stop() {
        {
            std::lock_guard lock(mu);
            stopping = true;
        }
        bg_cv.notify_all();
        if (wake_pipe[1] >= 0) {
            const char c = 1;
            (void)!::write(wake_pipe[1], &c, 1);
        }
        {
            std::lock_guard w(write_mu);
            std::lock_guard lock(mu);
            if (fd >= 0)
                ::shutdown(fd, SHUT_RDWR);
        }
        if (io.joinable())
            io.join();
        {
            std::lock_guard lock(q_mu);
            q_stop = true;
        }
        q_cv.notify_all();
        for (auto& t : workers)
            t.join();
        if (wake_pipe[0] >= 0) {
            ::close(wake_pipe[0]);
            ::close(wake_pipe[1]);
        }
        for (int* p : {tick_pipe, yield_pipe}) {
            if (p[0] >= 0) {
                ::close(p[0]);
                ::close(p[1]);
            }
        }
    }

    void post(std::function<void()> f) {
        {
            std::lock_guard lock(q_mu);
            queue.push_back(std::move(f));
        }
        q_cv.notify_one();
    }

    void worker() {
        for (;;) {
            std::function<void()> f;
            {
                std::unique_lock lock(q_mu);
                q_cv.wait(lock, [&] { return q_stop || !queue.empty(); });
                if (queue.empty())
                    return;
                f = std::move(queue.front());
                queue.pop_front();
            }
            f();
        }
    }

    // ---- sending ----------------------------------------------------------------------------

    bool send_envelope(const v1::Envelope& env) {
        // Callback answers and one-way requests wait for the next write (the reader thread
        // writes what callbacks answered once it has run them all).
        if (env.has_callback_reply() || (env.has_request() && env.request().one_way()))
            return queue_envelope(env);
        std::vector<std::uint8_t> bytes;
        if (!ipc::encode_frame(env, bytes, max_frame))
            return false;
        std::lock_guard w(write_mu);
        return write_locked(bytes);
    }

    // write_mu held: writes the queued one-way requests, then `bytes`, in one send.
    bool write_locked(const std::vector<std::uint8_t>& bytes) {
        int f;
        {
            std::lock_guard lock(mu);
            f = fd;
        }
        if (f < 0)
            return false;
        if (pending_out.empty())
            return write_all(f, bytes.data(), bytes.size());
        pending_out.insert(pending_out.end(), bytes.begin(), bytes.end());
        const bool ok = write_all(f, pending_out.data(), pending_out.size());
        pending_out.clear();
        return ok;
    }

    // A one-way request: queued (see pending_out). false when it cannot be sent at all.
    bool queue_envelope(const v1::Envelope& env) {
        bool wake = false;
        {
            std::lock_guard w(write_mu);
            {
                std::lock_guard lock(mu);
                if (fd < 0)
                    return false;
            }
            if (!ipc::encode_frame(env, pending_out, max_frame))
                return false;
            wake = note_queued_locked();
        }
        if (wake)
            wake_ticker();
        return true;
    }

    // write_mu held, after appending to pending_out: whether the reader must be woken to start
    // ticking.
    bool note_queued_locked() {
        last_queued = std::chrono::steady_clock::now();
        if (ticking)
            return false;
        ticking = true;
        return true;
    }
    void wake_ticker() const {
        if (tick_pipe[1] >= 0) {
            const char c = 1;
            (void)!::write(tick_pipe[1], &c, 1);
        }
    }

    // Writes the queued callback answers and one-way requests.
    void flush_pending() {
        std::lock_guard w(write_mu);
        if (pending_out.empty())
            return;
        int f;
        {
            std::lock_guard lock(mu);
            f = fd;
        }
        if (f >= 0)
            (void)write_all(f, pending_out.data(), pending_out.size());
        pending_out.clear();
    }

    // Reader thread, after a poll timeout: the poll timeout to use next (-1: none). Ticking
    // stops after 100 ms without a queued request.
    int tick_timeout() {
        std::lock_guard w(write_mu);
        if (!ticking)
            return -1;
        if (pending_out.empty() &&
            std::chrono::steady_clock::now() - last_queued > std::chrono::milliseconds(100)) {
            ticking = false;
            return -1;
        }
        return 1;
    }

    // The role holder: waits up to timeout_ms (-1: no limit) for the socket (the reader thread
    // also for its tick and yield pipes), reads what is there and dispatches every complete
    // frame. false when the connection failed or the daemon sent a malformed frame.
    bool read_some(int timeout_ms, bool reader_thread) {
        pollfd p[3] = {
            {reader_sock, POLLIN, 0}, {tick_pipe[0], POLLIN, 0}, {yield_pipe[0], POLLIN, 0}};
        const int n = ::poll(p, reader_thread ? 3 : 1, timeout_ms);
        if (n < 0)
            return errno == EINTR;
        if (reader_thread) {
            for (int i = 1; i < 3; ++i) {
                if ((p[i].revents & POLLIN) != 0) {
                    char drain[64];
                    while (::read(p[i].fd, drain, sizeof drain) > 0) {
                    }
                }
            }
        }
        if (n == 0 || (p[0].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
            return true;
        auto buf = reader_ptr->prepare(64 * 1024);
        const ssize_t k = ::recv(reader_sock, buf.data(), buf.size(), 0);
        if (k < 0)
            return errno == EINTR || errno == EAGAIN;
        if (k == 0)
            return false;
        reader_ptr->commit(static_cast<std::size_t>(k));
        return dispatch_buffered(*reader_ptr);
    }

    // Dispatches the complete frames `reader` holds. false on a malformed frame.
    bool dispatch_buffered(ipc::FrameReader& reader) {
        for (;;) {
            v1::Envelope env;
            const auto st = reader.next(&env);
            if (st == ipc::FrameReader::Status::NeedMore)
                return true;
            if (st == ipc::FrameReader::Status::Error) {
                spdlog::error("napagent: malformed frame from the daemon: {}",
                              reader.error().message());
                return false;
            }
            dispatch(std::move(env));
        }
    }

    // mu held, the role just released: the next thread waiting for an answer takes it.
    void pass_role_locked() {
        for (auto& [id, w] : waiters) {
            if (!w->done) {
                w->cv.notify_one();
                return;
            }
        }
    }

    // A request and its reply. RPC_E_DISCONNECTED while the daemon is not connected.
    Result<v1::Reply> call(v1::Request& rq, bool one_way = false) {
        auto w = std::make_shared<Waiter>();
        std::uint64_t id;
        {
            std::lock_guard lock(mu);
            if (!up)
                return fail(hr::RPC_E_DISCONNECTED);
            id = next_id++;
            if (!one_way)
                waiters.emplace(id, w);
        }
        rq.set_id(id);
        rq.set_one_way(one_way);
        v1::Envelope env;
        *env.mutable_request() = std::move(rq);
        if (!send_envelope(env)) {
            std::lock_guard lock(mu);
            waiters.erase(id);
            return fail(up ? HResult(hr::E_INVALIDARG) : HResult(hr::RPC_E_DISCONNECTED));
        }
        if (one_way)
            return v1::Reply{};
        const auto deadline = std::chrono::steady_clock::now() + opt.call_timeout;
        std::unique_lock lock(mu);
        while (!w->done) {
            if (!up || broken || !role_mode) {
                waiters.erase(id);
                return fail(hr::RPC_E_DISCONNECTED);
            }
            const auto now = std::chrono::steady_clock::now();
            if (now >= deadline) {
                waiters.erase(id);
                return fail(hr::ERROR_TIMEOUT);
            }
            if (t_inbox_runner == this && !inbox.empty()) {
                // A callback that called the agent: the callbacks that came meanwhile (often the
                // ones the daemon needs answered before it can answer us) run here, in order.
                v1::Envelope next = std::move(inbox.front());
                inbox.pop_front();
                lock.unlock();
                run_unsolicited(next);
                flush_pending();
                lock.lock();
                continue;
            }
            if (!reading) {
                // Read for ourselves (and for whoever else gets an answer meanwhile).
                reading = true;
                reader_thread_reading = false;
                lock.unlock();
                const auto left =
                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
                const bool ok = read_some(static_cast<int>(std::max<long long>(1, left)), false);
                lock.lock();
                reading = false;
                last_call_read = std::chrono::steady_clock::now();
                if (!ok) {
                    broken = true;
                    bg_cv.notify_all();
                }
                if (!inbox.empty())
                    bg_cv.notify_one();  // callbacks for the reader thread to run
                continue;
            }
            if (reader_thread_reading && !kicked) {
                // The reader thread is waiting on the socket: ask it to let go.
                kicked = true;
                if (yield_pipe[1] >= 0) {
                    const char c = 1;
                    (void)!::write(yield_pipe[1], &c, 1);
                }
            }
            if (t_inbox_runner == this)
                reader_thread_waiter = w.get();
            w->cv.wait_until(lock, deadline);
            if (t_inbox_runner == this)
                reader_thread_waiter = nullptr;
        }
        if (!reading)
            pass_role_locked();
        if (w->failure.failed())
            return fail(w->failure);
        return std::move(w->reply);
    }

    // The reply's HRESULT as a Status; transport failures pass through.
    static Status status_of(const Result<v1::Reply>& r) {
        if (!r)
            return r.error();
        return HResult(r->hresult());
    }

    // ---- token and key translation ------------------------------------------------------------

    BindingToken remote_token(const Caller& c) const {
        std::lock_guard lock(mu);
        auto it = bindings.find(c.binding);
        return it == bindings.end() ? 0 : it->second.remote;
    }
    // mu held. The local connection `key` if the caller may read it from the mirror: an EC
    // through the live binding that created it, after a snapshot arrived.
    const LocalConn* mirror(const Caller& c, ConnectionKey key) const {
        const LocalConn* conn = owned(c, key);
        return conn != nullptr && conn->mirrored ? conn : nullptr;
    }

    // mu held. The local connection `key` when this library knows everything the agent would
    // check about the call: the caller is an EC calling through the live binding that created the
    // connection, and the daemon has it. Calls that pass this can be answered here and sent
    // one-way (docs/ipc.md, "Round trips").
    LocalConn* owned(const Caller& c, ConnectionKey key) {
        if (c.kind != Caller::Kind::EnforcementClient || !up)
            return nullptr;
        auto it = conns.find(key);
        if (it == conns.end() || !it->second.at_daemon || it->second.owner != c.binding)
            return nullptr;
        auto b = bindings.find(c.binding);
        if (b == bindings.end() || b->second.unbound || b->second.dropped || b->second.remote == 0)
            return nullptr;
        return &it->second;
    }
    const LocalConn* owned(const Caller& c, ConnectionKey key) const {
        return const_cast<Impl*>(this)->owned(c, key);
    }

    // mu held. Every connection of binding `token` is down (it was unbound or dropped).
    void binding_gone(BindingToken token) {
        for (auto& [k, conn] : conns) {
            if (conn.owner == token)
                conn.down = true;
        }
    }

    // Sends a request without waiting for its reply; `expect` is what the caller was told.
    Status send_one_way(v1::Request& rq, Status expect) {
        rq.set_expect(expect.bits());
        auto r = call(rq, /*one_way=*/true);
        return r ? expect : Status(r.error());
    }

    void apply_snapshot(ConnectionKey key, const v1::ConnSnapshot& snap) {
        std::lock_guard lock(mu);
        auto it = conns.find(key);
        if (it == conns.end())
            return;
        LocalConn& c = it->second;
        c.mirrored = true;
        c.flags = static_cast<std::uint8_t>(snap.flags());
        c.correlation_id.reset();
        if (snap.has_correlation_id()) {
            if (auto id = ipc::correlation_from_proto(snap.correlation_id(), "snapshot"))
                c.correlation_id = *id;
        }
        c.soh_request.reset();
        if (!snap.soh_request().empty())
            c.soh_request = NetworkSoH{to_bytes(snap.soh_request())};
        c.isolation.reset();
        if (snap.has_isolation()) {
            if (auto iso = ipc::isolation_ex_from_proto(snap.isolation(), "snapshot"))
                c.isolation = *iso;
        }
        c.private_data = PrivateData{to_bytes(snap.private_data())};
        c.installed_shvs.assign(snap.installed_shvs().ids().begin(),
                                snap.installed_shvs().ids().end());
    }

    v1::Request binding_request(const Caller& c) const {
        v1::Request rq;
        rq.set_binding(remote_token(c));
        return rq;
    }

    Status conn_set(const Caller& c, ConnectionKey key, v1::ConnField field,
                    const std::function<void(v1::ConnValue&)>& fill) {
        v1::Request rq = binding_request(c);
        auto* set = rq.mutable_conn_set();
        set->set_key(key);
        set->set_field(field);
        if (fill)
            fill(*set->mutable_value());
        return status_of(call(rq));
    }
    // A connection property: read from the mirror when the caller may (no round trip), else asked
    // of the daemon. `local(const LocalConn&)` and `remote(const v1::ConnValue&)` both give a
    // Result<T>.
    template <typename T, typename Local, typename Remote>
    Result<T> read_conn(const Caller& c, ConnectionKey key, v1::ConnField field, Local local,
                        Remote remote) {
        {
            std::lock_guard lock(mu);
            if (const LocalConn* m = mirror(c, key))
                return local(*m);
        }
        auto v = conn_get(c, key, field);
        if (!v)
            return fail(v.error());
        return remote(*v);
    }
    // A value the agent has not set yet reads as NAP_E_NOT_INITIALIZED; a daemon value that does
    // not decode is E_UNEXPECTED.
    template <typename T>
    static Result<T> set_or_not_initialized(const std::optional<T>& v) {
        if (!v)
            return fail(hr::NAP_E_NOT_INITIALIZED);
        return *v;
    }
    template <typename T, typename E>
    static Result<T> decoded(std::expected<T, E>&& v) {
        if (!v)
            return fail(hr::E_UNEXPECTED);
        return std::move(*v);
    }

    Result<v1::ConnValue> conn_get(const Caller& c, ConnectionKey key, v1::ConnField field) {
        v1::Request rq = binding_request(c);
        auto* get = rq.mutable_conn_get();
        get->set_key(key);
        get->set_field(field);
        auto r = call(rq);
        if (!r)
            return fail(r.error());
        if (HResult(r->hresult()).failed())
            return fail(HResult(r->hresult()));
        return r->value();
    }

    // ---- the connection thread ----------------------------------------------------------------

    int open_socket() const {
        const int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0)
            return -1;
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        const std::string path = opt.socket_path.string();
        if (path.size() >= sizeof addr.sun_path) {
            ::close(s);
            return -1;
        }
        std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
        if (::connect(s, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
            ::close(s);
            return -1;
        }
        return s;
    }

    // Reads frames until the reply to `id` arrives (during the handshake, before `up`).
    std::optional<v1::Reply> handshake_call(int s, ipc::FrameReader& reader, v1::Request rq) {
        static std::uint64_t hid = 1ull << 62;
        const std::uint64_t id = ++hid;
        rq.set_id(id);
        v1::Envelope env;
        *env.mutable_request() = std::move(rq);
        std::vector<std::uint8_t> bytes;
        if (!ipc::encode_frame(env, bytes, max_frame))
            return std::nullopt;
        {
            std::lock_guard w(write_mu);
            if (!write_all(s, bytes.data(), bytes.size()))
                return std::nullopt;
        }
        for (;;) {
            v1::Envelope in;
            const auto st = reader.next(&in);
            if (st == ipc::FrameReader::Status::Error)
                return std::nullopt;
            if (st == ipc::FrameReader::Status::Frame) {
                if (in.has_reply() && in.reply().id() == id)
                    return in.reply();
                dispatch(std::move(in));
                continue;
            }
            pollfd p{s, POLLIN, 0};
            if (::poll(&p, 1, 5000) <= 0)
                return std::nullopt;
            auto buf = reader.prepare(64 * 1024);
            const ssize_t k = ::recv(s, buf.data(), buf.size(), 0);
            if (k <= 0)
                return std::nullopt;
            reader.commit(static_cast<std::size_t>(k));
        }
    }

    bool handshake(int s, ipc::FrameReader& reader) {
        v1::Request hello;
        hello.mutable_hello()->set_min_version(ipc::kMessageVersion);
        hello.mutable_hello()->set_max_version(ipc::kMessageVersion);
        hello.mutable_hello()->set_client_name(opt.client_name);
        auto r = handshake_call(s, reader, hello);
        if (!r || HResult(r->hresult()).failed())
            return false;
        {
            std::lock_guard lock(mu);
            role = r->hello().role();
            if (r->hello().limits().max_frame_size() != 0)
                max_frame = r->hello().limits().max_frame_size();
            if (r->hello().limits().max_soh_size() != 0)
                max_soh_size = r->hello().limits().max_soh_size();
            max_connections = r->hello().limits().max_connections();
            credit = 0;
        }
        // Re-bind every live binding with its id and callback, then re-create its connections.
        std::vector<std::pair<BindingToken, LocalBinding>> live;
        {
            std::lock_guard lock(mu);
            for (auto& [t, b] : bindings) {
                if (!b.unbound)
                    live.emplace_back(t, b);
            }
        }
        for (auto& [token, b] : live) {
            v1::Request rq;
            rq.mutable_bind()->set_kind(kind_of(b.kind));
            rq.mutable_bind()->set_id(b.id);
            auto br = handshake_call(s, reader, rq);
            if (!br)
                return false;
            std::lock_guard lock(mu);
            auto it = bindings.find(token);
            if (it == bindings.end())
                continue;
            if (HResult(br->hresult()).failed()) {
                spdlog::warn("napagent: re-binding {} {:08X} failed: {}",
                             b.kind == Caller::Kind::HealthAgent ? "SHA" : "EC", b.id,
                             to_string(HResult(br->hresult())));
                it->second.remote = 0;
                continue;
            }
            it->second.remote = br->token();
            it->second.dropped = false;
            it->second.last_outcome.reset();
        }
        std::vector<std::pair<ConnectionKey, LocalConn>> cs;
        {
            std::lock_guard lock(mu);
            for (auto& [k, c] : conns)
                cs.emplace_back(k, c);
        }
        for (auto& [key, c] : cs) {
            BindingToken remote;
            {
                std::lock_guard lock(mu);
                auto b = bindings.find(c.owner);
                remote = (b == bindings.end() || b->second.unbound) ? 0 : b->second.remote;
            }
            bool created = false;
            if (remote != 0) {
                v1::Request rq;
                rq.set_binding(remote);
                rq.mutable_create_connection()->set_key(key);
                auto cr = handshake_call(s, reader, rq);
                if (!cr)
                    return false;
                created = HResult(cr->hresult()).succeeded();
                if (created) {
                    std::lock_guard lock(mu);
                    credit += cr->connection_grant();
                }
            }
            auto send = [&](const std::function<void(v1::Request&)>& fill) {
                v1::Request rq;
                rq.set_binding(remote);
                fill(rq);
                return handshake_call(s, reader, rq).has_value();
            };
            auto set = [&](v1::ConnField f, const std::function<void(v1::ConnValue&)>& value) {
                return send([&](v1::Request& rq) {
                    rq.mutable_conn_set()->set_key(key);
                    rq.mutable_conn_set()->set_field(f);
                    value(*rq.mutable_conn_set()->mutable_value());
                });
            };
            if (created) {
                bool ok = true;
                if (c.initialized)
                    ok = ok && set(v1::CONN_FIELD_INITIALIZE,
                                   [&](v1::ConnValue& v) { v.set_u32(*c.initialized); });
                if (c.connection_id)
                    ok = ok && set(v1::CONN_FIELD_CONNECTION_ID, [&](v1::ConnValue& v) {
                             v.set_guid(ipc::guid_bytes(*c.connection_id));
                         });
                if (c.max_size)
                    ok = ok && set(v1::CONN_FIELD_MAX_SIZE,
                                   [&](v1::ConnValue& v) { v.set_u32(*c.max_size); });
                if (c.enforcer_private_data)
                    ok = ok && set(v1::CONN_FIELD_ENFORCER_PRIVATE_DATA, [&](v1::ConnValue& v) {
                             v.set_blob(to_string_bytes(c.enforcer_private_data->data));
                         });
                if (c.down) {
                    ok = ok && send([&](v1::Request& rq) {
                             rq.mutable_connection_state_down()->set_key(key);
                         });
                }
                if (!ok)
                    return false;
            }
            std::lock_guard lock(mu);
            if (auto it = conns.find(key); it != conns.end()) {
                it->second.at_daemon = created;
                // The new daemon's connection has no request, response or decision yet: the
                // getters ask it until the EC's next GetSoHRequest brings a snapshot.
                it->second.mirrored = false;
                it->second.soh_response.reset();
            }
        }
        std::vector<std::pair<std::uint64_t, NapNotifyType>> subs;
        {
            std::lock_guard lock(mu);
            for (auto& [k, sink] : sinks)
                subs.push_back(k);
        }
        for (auto& [sub, type] : subs) {
            v1::Request rq;
            rq.mutable_subscribe()->set_type(static_cast<std::uint32_t>(type));
            rq.mutable_subscribe()->set_subscribe(true);
            if (!handshake_call(s, reader, rq))
                return false;
        }
        return true;
    }

    void io_loop() {
        auto backoff = opt.reconnect_min;
        while (true) {
            {
                std::lock_guard lock(mu);
                if (stopping)
                    return;
            }
            const int s = open_socket();
            if (s < 0) {
                pollfd p{wake_pipe[0], POLLIN, 0};
                (void)::poll(&p, wake_pipe[0] >= 0 ? 1 : 0, static_cast<int>(backoff.count()));
                backoff = std::min(backoff * 2, opt.reconnect_max);
                continue;
            }
            {
                std::lock_guard w(write_mu);
                std::lock_guard lock(mu);
                fd = s;
                pending_out.clear();
            }
            ipc::FrameReader reader(max_frame);
            bool first = false;
            if (handshake(s, reader)) {
                backoff = opt.reconnect_min;
                std::vector<std::shared_ptr<agent::EnforcementClientCallback>> ecs;
                {
                    std::lock_guard lock(mu);
                    up = true;
                    reader_sock = s;
                    reader_ptr = &reader;
                    broken = false;
                    role_mode = true;
                    reading = true;  // held by the reader thread until read_loop starts
                    reader_thread_reading = true;
                    first = generation == 0;
                    ++generation;
                    for (auto& [t, b] : bindings) {
                        if (b.ec && !b.unbound && b.remote != 0)
                            ecs.push_back(b.ec);
                    }
                }
                state_cv.notify_all();
                if (!first) {
                    // The agent restarted: every EC runs its exchanges again.
                    for (auto& ec : ecs)
                        post([ec] { (void)ec->notify_soh_change(); });
                }
                read_loop(s, reader);
            }
            std::map<std::uint64_t, std::shared_ptr<Waiter>> failed;
            {
                std::lock_guard w(write_mu);
                std::lock_guard lock(mu);
                up = false;
                fd = -1;
                pending_out.clear();  // what was not sent is lost with the daemon's state
                failed.swap(waiters);
                ::close(s);
            }
            {
                std::lock_guard lock(mu);
                for (auto& [id, w] : failed) {
                    w->failure = hr::RPC_E_DISCONNECTED;
                    w->done = true;
                    w->cv.notify_one();
                }
            }
            state_cv.notify_all();
        }
    }

    // The reader thread while connected: runs the inbox (callbacks and events, in order, as an
    // ordinary thread: a call a callback makes takes the read role like any other), writes what
    // they answered, and reads the socket itself when no call has for kPark.
    void read_loop(int s, ipc::FrameReader& reader) {
        t_inbox_runner = this;
        struct Reset {
            ~Reset() { t_inbox_runner = nullptr; }
        } reset;
        // Entered holding the read role (io_loop took it with `up`): first what came after the
        // handshake's last answer.
        const bool leftovers_ok = dispatch_buffered(reader);
        std::unique_lock lock(mu);
        reading = false;
        reader_thread_reading = false;
        if (!leftovers_ok)
            broken = true;
        pass_role_locked();
        for (;;) {
            while (!inbox.empty()) {
                v1::Envelope env = std::move(inbox.front());
                inbox.pop_front();
                lock.unlock();
                run_unsolicited(env);
                lock.lock();
            }
            lock.unlock();
            flush_pending();
            lock.lock();
            if (broken || stopping || !inbox.empty()) {
                if (!inbox.empty())
                    continue;
                break;
            }
            const auto now = std::chrono::steady_clock::now();
            if (reading || now - last_call_read < kPark) {
                bg_cv.wait_until(lock, reading ? now + kPark : last_call_read + kPark);
                continue;
            }
            reading = true;
            reader_thread_reading = true;
            kicked = false;
            lock.unlock();
            const bool ok = read_some(tick_timeout(), true);
            lock.lock();
            reading = false;
            reader_thread_reading = false;
            if (!ok)
                broken = true;
            pass_role_locked();
        }
        role_mode = false;
        // Callers still holding the role see the socket shut down and let go.
        for (auto& [id, w] : waiters)
            w->cv.notify_all();
        lock.unlock();
        ::shutdown(s, SHUT_RDWR);
        lock.lock();
        while (reading)
            bg_cv.wait_for(lock, std::chrono::milliseconds(5));
        reader_sock = -1;
        reader_ptr = nullptr;
        inbox.clear();
    }

    void dispatch(v1::Envelope&& env) {
        if (env.has_reply()) {
            std::shared_ptr<Waiter> w;
            {
                std::lock_guard lock(mu);
                auto it = waiters.find(env.reply().id());
                if (it == waiters.end())
                    return;
                w = std::move(it->second);
                waiters.erase(it);
            }
            std::lock_guard lock(mu);
            w->reply = std::move(*env.mutable_reply());
            w->done = true;
            w->cv.notify_one();
            return;
        }
        {
            // Once connected, callbacks and events are run in order by the reader thread.
            // During the handshake, callbacks wait for the pool.
            std::lock_guard lock(mu);
            if (role_mode) {
                inbox.push_back(std::move(env));
                if (reader_thread_waiter != nullptr)
                    reader_thread_waiter->cv.notify_one();
                return;
            }
        }
        if (env.has_callback()) {
            post([this, cb = std::move(*env.mutable_callback())] { on_callback(cb); });
            return;
        }
        run_unsolicited(env);
    }

    void run_unsolicited(v1::Envelope& env) {
        if (env.has_callback()) {
            on_callback(env.callback());
            return;
        }
        if (env.has_event() && env.event().binding_lost() != 0) {
            std::lock_guard lock(mu);
            for (auto& [t, b] : bindings) {
                if (b.remote == env.event().binding_lost()) {
                    b.dropped = true;
                    binding_gone(t);
                }
            }
            return;
        }
        if (env.has_event()) {
            const auto type = static_cast<NapNotifyType>(env.event().notify_type());
            std::vector<std::shared_ptr<agent::NotificationSink>> targets;
            {
                std::lock_guard lock(mu);
                for (auto& [k, sink] : sinks) {
                    if (k.second == type)
                        targets.push_back(sink);
                }
            }
            for (auto& t : targets)
                t->notify(type);
        }
    }

    // An SHA's ProcessSoHResponse outcome, sent to the daemon when it differs from the last one
    // sent for that binding (an identical outcome would change nothing there).
    void report_outcome(BindingToken token, const v1::CallbackReply& answer) {
        // The outcome is built and serialized in objects of the thread's, which keep their memory:
        // the same outcome as last time (the usual case) allocates nothing and sends nothing.
        // Nothing below runs callbacks, so no nested use on this thread can overwrite them.
        thread_local v1::ShaOutcome o;
        thread_local std::string bytes;
        o.set_hresult(answer.hresult());
        o.set_fixup_hresult(answer.fixup_hresult());
        if (answer.has_fixup()) {
            *o.mutable_fixup() = answer.fixup();
        } else {
            o.clear_fixup();
        }
        bytes.clear();
        (void)o.SerializeToString(&bytes);
        v1::Request rq;
        {
            std::lock_guard lock(mu);
            auto it = bindings.find(token);
            if (it == bindings.end() || it->second.last_outcome == bytes)
                return;
            it->second.last_outcome = bytes;
            *rq.mutable_sha_outcome() = o;
            rq.set_binding(it->second.remote);
            if (is_server_unavailable(HResult(answer.hresult()))) {
                it->second.dropped = true;  // the agent unbinds it
                binding_gone(token);
            }
        }
        (void)call(rq, /*one_way=*/true);
    }

    void on_callback(const v1::Callback& cb) {
        v1::Envelope env;
        auto* reply = env.mutable_callback_reply();
        reply->set_id(cb.id());
        reply->set_hresult(hr::S_OK.bits());
        std::shared_ptr<agent::EnforcementClientCallback> ec;
        std::shared_ptr<agent::HealthAgentCallback> sha;
        Caller owner;
        {
            std::lock_guard lock(mu);
            for (auto& [t, b] : bindings) {
                if (b.remote == cb.binding() && !b.unbound && !b.dropped) {
                    ec = b.ec;
                    sha = b.sha;
                    owner = Caller{b.kind, b.id, t};
                    break;
                }
            }
        }
        auto set = [&](Status s) { reply->set_hresult(s.bits()); };
        if (!ec && !sha) {
            set(hr::RPC_S_SERVER_UNAVAILABLE);
        } else {
            switch (cb.call_case()) {
                case v1::Callback::kEcNotifySohChange:
                    if (ec)
                        set(ec->notify_soh_change());
                    break;
                case v1::Callback::kEcGetConnections:
                    if (ec) {
                        auto list = ec->get_connections();
                        if (!list) {
                            set(list.error());
                            break;
                        }
                        std::lock_guard lock(mu);
                        for (const auto& c : *list) {
                            if (!c)
                                continue;
                            auto it = conns.find(c->key());
                            if (it != conns.end() && it->second.at_daemon)
                                reply->mutable_connections()->add_keys(c->key());
                        }
                    }
                    break;
                case v1::Callback::kShaGetSohRequest:
                    if (sha) {
                        const auto& rq = cb.sha_get_soh_request();
                        auto corr = ipc::correlation_from_proto(rq.correlation_id(), "corr");
                        agent::SoHPtr cached;
                        if (rq.has_cached()) {
                            if (auto c = ipc::soh_from_proto(rq.cached(), "cached"))
                                cached = std::make_shared<const SoH>(std::move(*c));
                        }
                        agent::ShaRequest req(corr ? *corr : CorrelationId{}, cached, owner.id);
                        set(sha->get_soh_request(req));
                        const bool cache = req.cache_flag();
                        if (auto fresh = req.take_new_soh()) {
                            auto* out = reply->mutable_soh();
                            out->set_set(true);
                            out->set_cache(cache);
                            ipc::to_proto(*fresh, *out->mutable_soh());
                        }
                    }
                    break;
                case v1::Callback::kShaProcessSohResponse:
                    if (sha) {
                        const auto& rq = cb.sha_process_soh_response();
                        auto corr = ipc::correlation_from_proto(rq.correlation_id(), "corr");
                        // Parsed into an SoH of the thread's that keeps its memory from one
                        // response to the next (taken back from the request below; a callback
                        // nested in this one finds it empty and only allocates).
                        thread_local SoH scratch;
                        agent::ShaRequest req(corr ? *corr : CorrelationId{}, nullptr, owner.id);
                        if (auto r = ipc::soh_from_tlvs_into(rq.response(), scratch, "response")) {
                            req.set_response(std::move(scratch),
                                             static_cast<std::uint8_t>(rq.response_flags()));
                        } else {
                            spdlog::warn("napagent: ProcessSoHResponse for SHA {}: {}", owner.id,
                                         r.error().message());
                        }
                        const Status s = sha->process_soh_response(req);
                        if (auto back = req.take_response())
                            scratch = std::move(*back);
                        set(s);
                        if (!is_server_unavailable(s)) {
                            auto fix = sha->get_fixup_info();
                            if (fix) {
                                reply->set_fixup_hresult(hr::S_OK.bits());
                                ipc::to_proto(*fix, *reply->mutable_fixup());
                            } else {
                                reply->set_fixup_hresult(fix.error().bits());
                            }
                        }
                        if (cb.one_way())
                            report_outcome(owner.binding, *reply);
                    }
                    break;
                case v1::Callback::kShaNotifyIsolationChange:
                    if (sha)
                        set(sha->notify_system_isolation_state_change());
                    break;
                case v1::Callback::kShaGetFixupInfo:
                    if (sha) {
                        auto fix = sha->get_fixup_info();
                        if (fix)
                            ipc::to_proto(*fix, *reply->mutable_fixup());
                        else
                            set(fix.error());
                    }
                    break;
                case v1::Callback::kShaCompare:
                    if (sha) {
                        auto l = ipc::soh_from_proto(cb.sha_compare().lhs(), "lhs");
                        auto r = ipc::soh_from_proto(cb.sha_compare().rhs(), "rhs");
                        if (!l || !r) {
                            set(hr::E_INVALIDARG);
                            break;
                        }
                        auto eq = sha->compare_soh_requests(*l, *r);
                        if (eq)
                            reply->set_equal(*eq);
                        else
                            set(eq.error());
                    }
                    break;
                case v1::Callback::kShaOrphaned:
                    if (sha) {
                        auto corr = ipc::correlation_from_proto(cb.sha_orphaned(), "corr");
                        set(corr ? sha->notify_orphaned_soh_request(*corr)
                                 : Status(hr::E_INVALIDARG));
                    }
                    break;
                default:
                    set(hr::E_NOTIMPL);
                    break;
            }
        }
        if (!cb.one_way()) {
            if ((ec || sha) && is_server_unavailable(HResult(reply->hresult()))) {
                // The agent unbinds a component whose callback says this (docs/agent.md).
                std::lock_guard lock(mu);
                if (auto it = bindings.find(owner.binding); it != bindings.end()) {
                    it->second.dropped = true;
                    binding_gone(owner.binding);
                }
            }
            (void)send_envelope(env);
        }
    }
};

// ---- RemoteAgent ------------------------------------------------------------------------------

RemoteAgent::RemoteAgent(RemoteOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

std::shared_ptr<RemoteAgent> RemoteAgent::connect(RemoteOptions options) {
    std::shared_ptr<RemoteAgent> a(new RemoteAgent(std::move(options)));
    a->impl_->start();
    return a;
}

RemoteAgent::~RemoteAgent() {
    impl_->stop();
}

bool RemoteAgent::connected() const {
    std::lock_guard lock(impl_->mu);
    return impl_->up;
}

bool RemoteAgent::wait_connected(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(impl_->mu);
    return impl_->state_cv.wait_for(lock, timeout, [&] { return impl_->up; });
}

std::uint64_t RemoteAgent::generation() const {
    std::lock_guard lock(impl_->mu);
    return impl_->generation;
}

std::string RemoteAgent::role() const {
    std::lock_guard lock(impl_->mu);
    return impl_->role;
}

Status RemoteAgent::set_trace_level(NapTracingLevel level) {
    v1::Request rq;
    rq.mutable_trace_level()->set_level(static_cast<std::uint32_t>(level));
    return Impl::status_of(impl_->call(rq));
}

Result<NetworkSoH> RemoteAgent::preview_soh() {
    v1::Request rq;
    rq.mutable_soh_preview();
    auto r = impl_->call(rq);
    if (!r)
        return fail(r.error());
    if (HResult(r->hresult()).failed())
        return fail(HResult(r->hresult()));
    return NetworkSoH{std::vector<std::uint8_t>(r->soh().begin(), r->soh().end())};
}

// ---- management ----

Status RemoteAgent::register_sha(const Caller&, const NapComponentRegistrationInfo& info) {
    v1::Request rq;
    rq.mutable_register_()->set_kind(v1::COMPONENT_KIND_HEALTH_AGENT);
    ipc::to_proto(info, *rq.mutable_register_()->mutable_info());
    return Impl::status_of(impl_->call(rq));
}
Status RemoteAgent::register_ec(const Caller&, const NapComponentRegistrationInfo& info) {
    v1::Request rq;
    rq.mutable_register_()->set_kind(v1::COMPONENT_KIND_ENFORCEMENT_CLIENT);
    ipc::to_proto(info, *rq.mutable_register_()->mutable_info());
    return Impl::status_of(impl_->call(rq));
}
Status RemoteAgent::unregister_sha(const Caller&, SystemHealthEntityId id) {
    v1::Request rq;
    rq.mutable_unregister()->set_kind(v1::COMPONENT_KIND_HEALTH_AGENT);
    rq.mutable_unregister()->set_id(id);
    return Impl::status_of(impl_->call(rq));
}
Status RemoteAgent::unregister_ec(const Caller&, EnforcementEntityId id) {
    v1::Request rq;
    rq.mutable_unregister()->set_kind(v1::COMPONENT_KIND_ENFORCEMENT_CLIENT);
    rq.mutable_unregister()->set_id(id);
    return Impl::status_of(impl_->call(rq));
}
Status RemoteAgent::set_sha_enabled(const Caller&, SystemHealthEntityId id, bool enabled) {
    v1::Request rq;
    rq.mutable_set_enabled()->set_kind(v1::COMPONENT_KIND_HEALTH_AGENT);
    rq.mutable_set_enabled()->set_id(id);
    rq.mutable_set_enabled()->set_enabled(enabled);
    return Impl::status_of(impl_->call(rq));
}
Status RemoteAgent::set_ec_enabled(const Caller&, EnforcementEntityId id, bool enabled) {
    v1::Request rq;
    rq.mutable_set_enabled()->set_kind(v1::COMPONENT_KIND_ENFORCEMENT_CLIENT);
    rq.mutable_set_enabled()->set_id(id);
    rq.mutable_set_enabled()->set_enabled(enabled);
    return Impl::status_of(impl_->call(rq));
}

namespace {
Result<std::vector<NapComponentRegistrationInfo>> registrations(RemoteAgent::Impl& im,
                                                                v1::ComponentKind kind);
}

Result<std::vector<NapComponentRegistrationInfo>> RemoteAgent::registered_shas() const {
    return registrations(*impl_, v1::COMPONENT_KIND_HEALTH_AGENT);
}
Result<std::vector<NapComponentRegistrationInfo>> RemoteAgent::registered_ecs() const {
    return registrations(*impl_, v1::COMPONENT_KIND_ENFORCEMENT_CLIENT);
}

namespace {
Result<std::vector<NapComponentRegistrationInfo>> registrations(RemoteAgent::Impl& im,
                                                                v1::ComponentKind kind) {
    v1::Request rq;
    rq.mutable_list_registered()->set_kind(kind);
    auto r = im.call(rq);
    if (!r)
        return fail(r.error());
    if (HResult(r->hresult()).failed())
        return fail(HResult(r->hresult()));
    std::vector<NapComponentRegistrationInfo> out;
    for (const auto& item : r->registrations().items()) {
        auto info = ipc::registration_from_proto(item, "Registrations.items");
        if (!info)
            return fail(hr::E_UNEXPECTED);
        out.push_back(std::move(*info));
    }
    return out;
}

std::optional<ipc::StatusSnapshot> fetch_status(RemoteAgent::Impl& im) {
    v1::Request rq;
    rq.mutable_status();
    auto r = im.call(rq);
    if (!r || HResult(r->hresult()).failed())
        return std::nullopt;
    auto s = ipc::status_from_proto(r->status());
    if (!s)
        return std::nullopt;
    return std::move(*s);
}
}  // namespace

agent::NapClientInfo RemoteAgent::client_info() const {
    v1::Request rq;
    rq.mutable_client_info();
    auto r = impl_->call(rq);
    if (r && HResult(r->hresult()).succeeded()) {
        if (auto info = ipc::client_info_from_proto(r->client_info(), "ClientInfo"))
            return *info;
    }
    agent::NapClientInfo none;
    none.nap_enabled = false;
    return none;
}

agent::SystemIsolation RemoteAgent::system_isolation() const {
    v1::Request rq;
    rq.mutable_system_isolation();
    auto r = impl_->call(rq);
    if (r && HResult(r->hresult()).succeeded()) {
        if (auto s = ipc::system_isolation_from_proto(r->system_isolation(), "SystemIsolation"))
            return *s;
    }
    agent::SystemIsolation unknown;
    unknown.unknown_connections = true;
    return unknown;
}

std::vector<agent::ShaStatus> RemoteAgent::sha_status() const {
    auto s = fetch_status(*impl_);
    return s ? s->shas : std::vector<agent::ShaStatus>{};
}

std::vector<agent::EcStatus> RemoteAgent::ec_status() const {
    auto s = fetch_status(*impl_);
    return s ? s->ecs : std::vector<agent::EcStatus>{};
}

// ---- bindings ----

namespace {
template <typename Cb>
Result<BindingToken> bind(RemoteAgent::Impl& im, Caller::Kind kind, NapComponentId id,
                          std::shared_ptr<Cb> callback) {
    if (!callback)
        return fail(hr::E_POINTER);
    v1::Request rq;
    rq.mutable_bind()->set_kind(kind_of(kind));
    rq.mutable_bind()->set_id(id);
    auto r = im.call(rq);
    if (!r)
        return fail(r.error());
    if (HResult(r->hresult()).failed())
        return fail(HResult(r->hresult()));
    std::lock_guard lock(im.mu);
    const BindingToken local = im.next_token++;
    RemoteAgent::Impl::LocalBinding b;
    b.kind = kind;
    b.id = id;
    if constexpr (std::is_same_v<Cb, agent::HealthAgentCallback>)
        b.sha = std::move(callback);
    else
        b.ec = std::move(callback);
    b.remote = r->token();
    im.bindings.emplace(local, std::move(b));
    return local;
}

Status unbind(RemoteAgent::Impl& im, const Caller& c) {
    v1::Request rq;
    rq.set_binding(im.remote_token(c));
    rq.mutable_unbind();
    const Status s = RemoteAgent::Impl::status_of(im.call(rq));
    if (s.succeeded() || s == hr::RPC_E_DISCONNECTED) {
        std::lock_guard lock(im.mu);
        if (auto it = im.bindings.find(c.binding); it != im.bindings.end()) {
            im.binding_gone(c.binding);
            it->second.unbound = true;
            it->second.ec.reset();
            it->second.sha.reset();
        }
    }
    return s;
}
}  // namespace

Result<BindingToken> RemoteAgent::bind_ec(EnforcementEntityId id,
                                          std::shared_ptr<agent::EnforcementClientCallback> cb) {
    return bind(*impl_, Caller::Kind::EnforcementClient, id, std::move(cb));
}
Result<BindingToken> RemoteAgent::bind_sha(SystemHealthEntityId id,
                                           std::shared_ptr<agent::HealthAgentCallback> cb) {
    return bind(*impl_, Caller::Kind::HealthAgent, id, std::move(cb));
}
Status RemoteAgent::unbind_ec(const Caller& c) {
    return unbind(*impl_, c);
}
Status RemoteAgent::unbind_sha(const Caller& c) {
    return unbind(*impl_, c);
}

Result<ConnectionKey> RemoteAgent::create_connection(const Caller& c) {
    auto& im = *impl_;
    {
        // In a slot the daemon reserved for this client: created here and announced one-way.
        // write_mu is held from the check to the write, so a reconnect cannot slip in between
        // (its re-creation of every known connection would then announce this key twice).
        std::unique_lock w(im.write_mu);
        std::unique_lock lock(im.mu);
        auto b = im.bindings.find(c.binding);
        if (c.kind == Caller::Kind::EnforcementClient && b != im.bindings.end() &&
            !b->second.unbound && !b->second.dropped && b->second.remote != 0 && im.up &&
            im.fd >= 0 && im.credit > 0 &&
            (im.max_connections == 0 || im.conns.size() < im.max_connections)) {
            const ConnectionKey key = im.next_key++;
            --im.credit;
            Impl::LocalConn conn;
            conn.owner = c.binding;
            conn.at_daemon = true;
            im.conns.emplace(key, std::move(conn));
            v1::Envelope env;
            auto* rq = env.mutable_request();
            rq->set_id(im.next_id++);
            rq->set_one_way(true);
            rq->set_expect(hr::S_OK.bits());
            rq->set_binding(b->second.remote);
            rq->mutable_create_connection()->set_key(key);
            rq->mutable_create_connection()->set_reserved(true);
            lock.unlock();
            if (ipc::encode_frame(env, im.pending_out, im.max_frame)) {
                if (im.note_queued_locked()) {
                    w.unlock();
                    im.wake_ticker();
                }
                return key;
            }
            lock.lock();
            im.conns.erase(key);
            return fail(hr::E_UNEXPECTED);
        }
    }
    ConnectionKey key;
    {
        std::lock_guard lock(im.mu);
        key = im.next_key++;
    }
    v1::Request rq = im.binding_request(c);
    rq.mutable_create_connection()->set_key(key);
    auto r = im.call(rq);
    if (!r)
        return fail(r.error());
    if (HResult(r->hresult()).failed())
        return fail(HResult(r->hresult()));
    std::lock_guard lock(im.mu);
    Impl::LocalConn conn;
    conn.owner = c.binding;
    conn.at_daemon = true;
    im.conns.emplace(key, std::move(conn));
    im.credit += r->connection_grant();
    return key;
}

Result<bool> RemoteAgent::get_soh_request(const Caller& c, ConnectionKey key) {
    v1::Request rq = impl_->binding_request(c);
    rq.mutable_get_soh_request()->set_key(key);
    auto r = impl_->call(rq);
    if (!r)
        return fail(r.error());
    if (HResult(r->hresult()).failed())
        return fail(HResult(r->hresult()));
    if (r->has_snapshot())
        impl_->apply_snapshot(key, r->snapshot());
    if (r->connection_grant() != 0) {
        std::lock_guard lock(impl_->mu);
        impl_->credit += r->connection_grant();
    }
    return r->flag();
}

Status RemoteAgent::process_soh_response(const Caller& c, ConnectionKey key) {
    v1::Request rq = impl_->binding_request(c);
    rq.mutable_process_soh_response()->set_key(key);
    {
        // With the connection mirrored here, the agent's checks and its decision are made here
        // from the same bytes with the same function (agent::evaluate_soh_response), and the call
        // goes one-way; the daemon then runs it, in order, and tells the SHAs.
        std::unique_lock lock(impl_->mu);
        if (Impl::LocalConn* conn = impl_->owned(c, key); conn != nullptr && conn->mirrored) {
            Status local = hr::S_OK;
            if (conn->down || !conn->soh_response) {
                local = hr::E_INVALIDARG;
            } else if (!conn->correlation_id) {
                local = hr::NAP_E_NOT_PENDING;
            } else {
                auto d =
                    agent::evaluate_soh_response(conn->soh_response->data, *conn->correlation_id);
                if (!d) {
                    local = d.error();
                } else {
                    conn->isolation = d->isolation;
                    if (d->installed_shvs)
                        conn->installed_shvs = std::move(*d->installed_shvs);
                }
            }
            lock.unlock();
            return impl_->send_one_way(rq, local);
        }
    }
    auto r = impl_->call(rq);
    if (r && HResult(r->hresult()).succeeded() && r->has_snapshot())
        impl_->apply_snapshot(key, r->snapshot());
    return Impl::status_of(r);
}

Status RemoteAgent::notify_connection_state_down(const Caller& c, ConnectionKey key) {
    v1::Request rq = impl_->binding_request(c);
    rq.mutable_connection_state_down()->set_key(key);
    {
        std::unique_lock lock(impl_->mu);
        if (Impl::LocalConn* conn = impl_->owned(c, key)) {
            conn->down = true;
            lock.unlock();
            return impl_->send_one_way(rq, hr::S_OK);
        }
    }
    const Status s = Impl::status_of(impl_->call(rq));
    if (s.succeeded()) {
        std::lock_guard lock(impl_->mu);
        if (auto it = impl_->conns.find(key); it != impl_->conns.end())
            it->second.down = true;
    }
    return s;
}

Status RemoteAgent::notify_soh_change_failure(const Caller& c) {
    v1::Request rq = impl_->binding_request(c);
    rq.mutable_soh_change_failure();
    return Impl::status_of(impl_->call(rq));
}

void RemoteAgent::release_connection(ConnectionKey key) noexcept {
    try {
        {
            std::lock_guard lock(impl_->mu);
            auto it = impl_->conns.find(key);
            if (it == impl_->conns.end())
                return;
            const bool at_daemon = it->second.at_daemon;
            impl_->conns.erase(it);
            if (!at_daemon)
                return;
        }
        v1::Request rq;
        rq.mutable_release_connection()->set_key(key);
        (void)impl_->call(rq, /*one_way=*/true);
    } catch (...) {
        // noexcept: a connection the daemon does not hear about is freed when we disconnect.
    }
}

// ---- connection object ----

Status RemoteAgent::conn_initialize(const Caller& c, ConnectionKey key, EnforcementEntityId id) {
    const Status s = impl_->conn_set(c, key, v1::CONN_FIELD_INITIALIZE,
                                     [&](v1::ConnValue& v) { v.set_u32(id); });
    if (s.succeeded()) {
        std::lock_guard lock(impl_->mu);
        if (auto it = impl_->conns.find(key); it != impl_->conns.end())
            it->second.initialized = id;
    }
    return s;
}
Status RemoteAgent::conn_set_max_size(const Caller& c, ConnectionKey key, ProtocolMaxSize size) {
    const Status s = impl_->conn_set(c, key, v1::CONN_FIELD_MAX_SIZE,
                                     [&](v1::ConnValue& v) { v.set_u32(size); });
    if (s.succeeded()) {
        std::lock_guard lock(impl_->mu);
        if (auto it = impl_->conns.find(key); it != impl_->conns.end())
            it->second.max_size = size;
    }
    return s;
}
Result<ProtocolMaxSize> RemoteAgent::conn_get_max_size(const Caller& c, ConnectionKey key) const {
    auto v = impl_->conn_get(c, key, v1::CONN_FIELD_MAX_SIZE);
    if (!v)
        return fail(v.error());
    return static_cast<ProtocolMaxSize>(v->u32());
}
Status RemoteAgent::conn_set_flags(const Caller& c, ConnectionKey key, std::uint8_t flags) {
    return impl_->conn_set(c, key, v1::CONN_FIELD_FLAGS,
                           [&](v1::ConnValue& v) { v.set_u32(flags); });
}
Result<std::uint8_t> RemoteAgent::conn_get_flags(const Caller& c, ConnectionKey key) const {
    return impl_->read_conn<std::uint8_t>(
        c, key, v1::CONN_FIELD_FLAGS,
        [](const Impl::LocalConn& m) -> Result<std::uint8_t> { return m.flags; },
        [](const v1::ConnValue& v) -> Result<std::uint8_t> {
            return static_cast<std::uint8_t>(v.u32());
        });
}
Status RemoteAgent::conn_set_connection_id(const Caller& c, ConnectionKey key,
                                           const ConnectionId* id) {
    if (id == nullptr)
        return hr::E_POINTER;
    {
        // The EC's own connection through its live binding: every connection of that EC is this
        // binding's (one binding per EC id; an unbound binding's connections are down), so the
        // agent's checks, conflicts included, are made here and the value goes one-way.
        std::unique_lock lock(impl_->mu);
        if (Impl::LocalConn* conn = impl_->owned(c, key)) {
            if (id->is_nil())
                return hr::E_INVALIDARG;
            if (conn->connection_id == *id)
                return hr::S_OK;
            Status local = hr::S_OK;
            if (!conn->down) {
                for (const auto& [k, other] : impl_->conns) {
                    if (k != key && other.owner == c.binding && other.at_daemon && !other.down &&
                        other.connection_id == *id) {
                        local = hr::NAP_E_CONFLICTING_ID;
                        break;
                    }
                }
            }
            if (local.succeeded())
                conn->connection_id = *id;
            lock.unlock();
            v1::Request rq = impl_->binding_request(c);
            auto* set = rq.mutable_conn_set();
            set->set_key(key);
            set->set_field(v1::CONN_FIELD_CONNECTION_ID);
            set->mutable_value()->set_guid(ipc::guid_bytes(*id));
            return impl_->send_one_way(rq, local);
        }
    }
    const Status s = impl_->conn_set(c, key, v1::CONN_FIELD_CONNECTION_ID,
                                     [&](v1::ConnValue& v) { v.set_guid(ipc::guid_bytes(*id)); });
    if (s.succeeded()) {
        std::lock_guard lock(impl_->mu);
        if (auto it = impl_->conns.find(key); it != impl_->conns.end())
            it->second.connection_id = *id;
    }
    return s;
}
Result<ConnectionId> RemoteAgent::conn_get_connection_id(const Caller& c, ConnectionKey key) const {
    auto v = impl_->conn_get(c, key, v1::CONN_FIELD_CONNECTION_ID);
    if (!v)
        return fail(v.error());
    auto g = ipc::guid_from_bytes(v->guid(), "ConnValue.guid");
    if (!g)
        return fail(hr::E_UNEXPECTED);
    return *g;
}
Result<CorrelationId> RemoteAgent::conn_get_correlation_id(const Caller& c,
                                                           ConnectionKey key) const {
    return impl_->read_conn<CorrelationId>(
        c, key, v1::CONN_FIELD_CORRELATION_ID,
        [](const Impl::LocalConn& m) { return Impl::set_or_not_initialized(m.correlation_id); },
        [](const v1::ConnValue& v) {
            return Impl::decoded(
                ipc::correlation_from_proto(v.correlation_id(), "ConnValue.correlation_id"));
        });
}
Status RemoteAgent::conn_set_correlation_id(const Caller& c, ConnectionKey key,
                                            const CorrelationId& id) {
    return impl_->conn_set(c, key, v1::CONN_FIELD_CORRELATION_ID, [&](v1::ConnValue& v) {
        ipc::to_proto(id, *v.mutable_correlation_id());
    });
}
Status RemoteAgent::conn_set_soh_request(const Caller& c, ConnectionKey key,
                                         const NetworkSoH* request) {
    if (request == nullptr)
        return hr::E_POINTER;
    return impl_->conn_set(c, key, v1::CONN_FIELD_SOH_REQUEST,
                           [&](v1::ConnValue& v) { v.set_blob(to_string_bytes(request->data)); });
}
Result<NetworkSoH> RemoteAgent::conn_get_soh_request(const Caller& c, ConnectionKey key) const {
    return impl_->read_conn<NetworkSoH>(
        c, key, v1::CONN_FIELD_SOH_REQUEST,
        [](const Impl::LocalConn& m) { return Impl::set_or_not_initialized(m.soh_request); },
        [](const v1::ConnValue& v) -> Result<NetworkSoH> {
            return NetworkSoH{to_bytes(v.blob())};
        });
}
Status RemoteAgent::conn_set_soh_response(const Caller& c, ConnectionKey key,
                                          const NetworkSoH* response) {
    if (response == nullptr)
        return hr::E_POINTER;
    if (response->data.size() > maxProtocolMaxSize)
        return hr::E_INVALIDARG;
    // When the connection is mirrored here, every check the agent makes is made here too, so the
    // value is sent without waiting for an answer; the daemon runs a client's requests in order,
    // so the ProcessSoHResponse that follows sees it (docs/ipc.md, "Round trips").
    bool one_way = false;
    {
        std::lock_guard lock(impl_->mu);
        if (impl_->mirror(c, key) != nullptr && response->data.size() <= impl_->max_soh_size) {
            impl_->conns.at(key).soh_response = *response;
            one_way = true;
        }
    }
    v1::Request rq = impl_->binding_request(c);
    auto* set = rq.mutable_conn_set();
    set->set_key(key);
    set->set_field(v1::CONN_FIELD_SOH_RESPONSE);
    set->mutable_value()->set_blob(to_string_bytes(response->data));
    if (one_way)
        return impl_->send_one_way(rq, hr::S_OK);
    const Status s = Impl::status_of(impl_->call(rq));
    if (!one_way && s.succeeded()) {
        std::lock_guard lock(impl_->mu);
        if (auto it = impl_->conns.find(key); it != impl_->conns.end())
            it->second.soh_response = *response;
    }
    return s;
}
Result<NetworkSoH> RemoteAgent::conn_get_soh_response(const Caller& c, ConnectionKey key) const {
    auto v = impl_->conn_get(c, key, v1::CONN_FIELD_SOH_RESPONSE);
    if (!v)
        return fail(v.error());
    return NetworkSoH{to_bytes(v->blob())};
}
Status RemoteAgent::conn_set_isolation_info(const Caller& c, ConnectionKey key,
                                            const IsolationInfo* info) {
    if (info == nullptr)
        return hr::E_POINTER;
    return impl_->conn_set(c, key, v1::CONN_FIELD_ISOLATION_INFO,
                           [&](v1::ConnValue& v) { ipc::to_proto(*info, *v.mutable_isolation()); });
}
Result<IsolationInfo> RemoteAgent::conn_get_isolation_info(const Caller& c,
                                                           ConnectionKey key) const {
    return impl_->read_conn<IsolationInfo>(
        c, key, v1::CONN_FIELD_ISOLATION_INFO,
        [](const Impl::LocalConn& m) -> Result<IsolationInfo> {
            if (!m.isolation)
                return fail(hr::NAP_E_NOT_INITIALIZED);
            return IsolationInfo{m.isolation->isolation_state, m.isolation->prob_end_time,
                                 m.isolation->failure_url};
        },
        [](const v1::ConnValue& v) {
            return Impl::decoded(ipc::isolation_from_proto(v.isolation(), "ConnValue.isolation"));
        });
}
Status RemoteAgent::conn_set_isolation_info_ex(const Caller& c, ConnectionKey key,
                                               const IsolationInfoEx* info) {
    if (info == nullptr)
        return hr::E_POINTER;
    return impl_->conn_set(c, key, v1::CONN_FIELD_ISOLATION_INFO_EX,
                           [&](v1::ConnValue& v) { ipc::to_proto(*info, *v.mutable_isolation()); });
}
Result<IsolationInfoEx> RemoteAgent::conn_get_isolation_info_ex(const Caller& c,
                                                                ConnectionKey key) const {
    return impl_->read_conn<IsolationInfoEx>(
        c, key, v1::CONN_FIELD_ISOLATION_INFO_EX,
        [](const Impl::LocalConn& m) { return Impl::set_or_not_initialized(m.isolation); },
        [](const v1::ConnValue& v) {
            return Impl::decoded(
                ipc::isolation_ex_from_proto(v.isolation(), "ConnValue.isolation"));
        });
}
Status RemoteAgent::conn_set_private_data(const Caller& c, ConnectionKey key,
                                          const PrivateData* data) {
    if (data == nullptr)
        return hr::E_POINTER;
    return impl_->conn_set(c, key, v1::CONN_FIELD_PRIVATE_DATA,
                           [&](v1::ConnValue& v) { v.set_blob(to_string_bytes(data->data)); });
}
Result<PrivateData> RemoteAgent::conn_get_private_data(const Caller& c, ConnectionKey key) const {
    return impl_->read_conn<PrivateData>(
        c, key, v1::CONN_FIELD_PRIVATE_DATA,
        [](const Impl::LocalConn& m) -> Result<PrivateData> { return m.private_data; },
        [](const v1::ConnValue& v) -> Result<PrivateData> {
            return PrivateData{to_bytes(v.blob())};
        });
}
Status RemoteAgent::conn_set_enforcer_private_data(const Caller& c, ConnectionKey key,
                                                   const PrivateData* data) {
    if (data == nullptr)
        return hr::E_POINTER;
    const Status s =
        impl_->conn_set(c, key, v1::CONN_FIELD_ENFORCER_PRIVATE_DATA,
                        [&](v1::ConnValue& v) { v.set_blob(to_string_bytes(data->data)); });
    if (s.succeeded()) {
        std::lock_guard lock(impl_->mu);
        if (auto it = impl_->conns.find(key); it != impl_->conns.end())
            it->second.enforcer_private_data = *data;
    }
    return s;
}
Result<PrivateData> RemoteAgent::conn_get_enforcer_private_data(const Caller& c,
                                                                ConnectionKey key) const {
    auto v = impl_->conn_get(c, key, v1::CONN_FIELD_ENFORCER_PRIVATE_DATA);
    if (!v)
        return fail(v.error());
    return PrivateData{to_bytes(v->blob())};
}
Status RemoteAgent::conn_set_installed_shvs(const Caller& c, ConnectionKey key,
                                            const std::vector<SystemHealthEntityId>& ids) {
    return impl_->conn_set(c, key, v1::CONN_FIELD_INSTALLED_SHVS, [&](v1::ConnValue& v) {
        for (const auto id : ids)
            v.mutable_ids()->add_ids(id);
    });
}
Result<std::vector<SystemHealthEntityId>> RemoteAgent::conn_get_installed_shvs(
    const Caller& c, ConnectionKey key) const {
    auto v = impl_->conn_get(c, key, v1::CONN_FIELD_INSTALLED_SHVS);
    if (!v)
        return fail(v.error());
    return std::vector<SystemHealthEntityId>(v->ids().ids().begin(), v->ids().ids().end());
}

// ---- SHA binding ----

Status RemoteAgent::notify_soh_change(const Caller& c) {
    v1::Request rq = impl_->binding_request(c);
    rq.mutable_notify_soh_change();
    return Impl::status_of(impl_->call(rq));
}

Result<agent::SystemIsolation> RemoteAgent::get_system_isolation_info(const Caller& c) const {
    v1::Request rq = impl_->binding_request(c);
    rq.mutable_get_system_isolation_info();
    auto r = impl_->call(rq);
    if (!r)
        return fail(r.error());
    if (HResult(r->hresult()).failed())
        return fail(HResult(r->hresult()));
    auto s = ipc::system_isolation_from_proto(r->system_isolation(), "SystemIsolation");
    if (!s)
        return fail(hr::E_UNEXPECTED);
    return *s;
}

Status RemoteAgent::flush_cache(const Caller& c) {
    v1::Request rq = impl_->binding_request(c);
    rq.mutable_flush_cache();
    return Impl::status_of(impl_->call(rq));
}

// ---- notifications ----

Status RemoteAgent::subscribe(std::uint64_t subscriber, NapNotifyType type,
                              std::shared_ptr<agent::NotificationSink> sink) {
    if (!sink || type == NapNotifyType::Unknown)
        return hr::E_INVALIDARG;
    {
        std::lock_guard lock(impl_->mu);
        if (impl_->sinks.contains({subscriber, type}))
            return hr::ERROR_ALREADY_INITIALIZED;
        bool first = true;
        for (auto& [k, s] : impl_->sinks) {
            if (k.second == type)
                first = false;
        }
        impl_->sinks.emplace(std::make_pair(subscriber, type), std::move(sink));
        if (!first)
            return hr::S_OK;
    }
    v1::Request rq;
    rq.mutable_subscribe()->set_type(static_cast<std::uint32_t>(type));
    rq.mutable_subscribe()->set_subscribe(true);
    const Status s = Impl::status_of(impl_->call(rq));
    if (s.failed() && s != hr::RPC_E_DISCONNECTED) {
        std::lock_guard lock(impl_->mu);
        impl_->sinks.erase({subscriber, type});
    }
    return s == hr::RPC_E_DISCONNECTED ? Status(hr::S_OK) : s;
}

void RemoteAgent::unsubscribe(std::uint64_t subscriber, NapNotifyType type) noexcept {
    try {
        {
            std::lock_guard lock(impl_->mu);
            impl_->sinks.erase({subscriber, type});
            for (auto& [k, s] : impl_->sinks) {
                if (k.second == type)
                    return;
            }
        }
        v1::Request rq;
        rq.mutable_subscribe()->set_type(static_cast<std::uint32_t>(type));
        rq.mutable_subscribe()->set_subscribe(false);
        (void)impl_->call(rq, /*one_way=*/true);
    } catch (...) {
    }
}

// ---- certificate relying parties ----

Result<bool> RemoteAgent::subscribe_cert_by_group(const Caller& c, EnforcementEntityId id,
                                                  std::u16string_view subscriber_name,
                                                  bool reserved_present) {
    v1::Request rq = impl_->binding_request(c);
    auto* cs = rq.mutable_cert_subscribe();
    cs->set_id(id);
    cs->set_subscriber_name(ipc::u16_bytes(std::u16string(subscriber_name)));
    cs->set_reserved_present(reserved_present);
    cs->set_subscribe(true);
    auto r = impl_->call(rq);
    if (!r)
        return fail(r.error());
    if (HResult(r->hresult()).failed())
        return fail(HResult(r->hresult()));
    return r->flag();
}

Status RemoteAgent::unsubscribe_cert_by_group(const Caller& c, EnforcementEntityId id,
                                              bool reserved_present) {
    v1::Request rq = impl_->binding_request(c);
    auto* cs = rq.mutable_cert_subscribe();
    cs->set_id(id);
    cs->set_reserved_present(reserved_present);
    cs->set_subscribe(false);
    return Impl::status_of(impl_->call(rq));
}

Result<std::vector<EnforcementEntityId>> RemoteAgent::subscribed_relying_parties(
    const Caller& c) const {
    v1::Request rq = impl_->binding_request(c);
    rq.mutable_subscribed_relying_parties();
    auto r = impl_->call(rq);
    if (!r)
        return fail(r.error());
    if (HResult(r->hresult()).failed())
        return fail(HResult(r->hresult()));
    return std::vector<EnforcementEntityId>(r->ids().ids().begin(), r->ids().ids().end());
}

}  // namespace opennap::client
