// Internal to the napagent server: one client connection (Session) and the callback proxies that
// stand in for a remote EC or SHA inside the agent core. See include/opennap/agentd/server.h.
#pragma once

#include <asio.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "opennap/agent/agent.h"
#include "opennap/agent/driver.h"
#include "opennap/agentd/access.h"
#include "opennap/agentd/server.h"
#include "opennap/ipc/frame.h"

namespace opennap::agentd {

namespace v1 = ::opennap::ipc::v1;
using agent::BindingToken;
using agent::Caller;
using agent::ConnectionKey;
using stream_protocol = asio::local::stream_protocol;

class Session;
class ShaProxy;

// Runs on the I/O thread with the client's answer, or with nullptr and the reason (timeout,
// connection closed) when there is none.
using CallbackDone = std::function<void(const v1::CallbackReply* reply, HResult failure)>;

class Server::Impl {
  public:
    Impl(ServerOptions o, std::shared_ptr<agent::Agent> a);

    ServerOptions opt;
    std::shared_ptr<agent::Agent> agent;
    asio::io_context io;
    stream_protocol::acceptor acceptor{io};
    asio::thread_pool pool;
    asio::steady_timer sweep{io};
    // Output that may wait a moment (callbacks nobody waits for): written by this 1 ms tick, so
    // that a client gets them in batches instead of one write (and one wake-up) per exchange.
    asio::steady_timer lazy_timer{io};
    std::mutex lazy_mu;
    std::vector<std::weak_ptr<Session>> lazy;  // under lazy_mu
    bool lazy_armed = false;                   // under lazy_mu
    void flush_soon(const std::shared_ptr<Session>& session);
    std::unique_ptr<agent::AgentDriver> driver;
    std::uint64_t instance = 0;
    std::atomic<bool> stopping{false};

    mutable std::mutex mu;  // sessions, sha_proxies
    std::map<std::uint64_t, std::shared_ptr<Session>> sessions;
    std::uint64_t next_session = 1;
    std::set<ShaProxy*> sha_proxies;

    // Connection slots granted to clients and not yet used (docs/ipc.md, "Reserved slots"):
    // live connections plus these never exceed the agent's max_connections_total.
    std::mutex grant_mu;
    std::uint64_t reserved_total = 0;  // under grant_mu

    void accept();
    void schedule_sweep();
    void remove(std::uint64_t session_id);
    // True when every bound SHA can be answered without a round trip (GetSoHRequest may then
    // run on the I/O thread).
    [[nodiscard]] bool shas_answer_locally() const;
};

struct BindingEntry {
    Caller caller;
    std::shared_ptr<ShaProxy> sha;
    std::shared_ptr<agent::EnforcementClientCallback> ec;
    std::uint32_t consecutive_timeouts = 0;
};

class Session : public std::enable_shared_from_this<Session> {
  public:
    Session(Server::Impl& srv, stream_protocol::socket socket, PeerCredentials peer,
            PeerRoles roles, std::uint64_t id);

    void start();
    // Thread-safe. Queues a frame; it is written by the I/O thread, at once or (lazy) within
    // about a millisecond, with whatever else is queued for this client by then.
    void send(const v1::Envelope& envelope, bool lazy = false);
    // I/O thread: the lazy tick.
    void flush_lazy();
    // Thread-safe. Sends a callback for `binding`; `done` runs on the I/O thread. false (done not
    // called, *why set) when the session is closed or has too many callbacks pending.
    bool call(BindingToken binding, v1::Callback& callback, CallbackDone done, HResult* why);
    // Thread-safe. Sends a callback for `binding` that wants no answer.
    void notify(BindingToken binding, v1::Callback& callback);
    // The same for an envelope whose callback is set; the envelope is left as it is (for reuse).
    void notify(BindingToken binding, v1::Envelope& env);
    // I/O thread: closes the connection and cleans up its bindings and connections.
    void close(const std::string& reason);
    // Thread-safe.
    void close_later(const std::string& reason);
    // I/O thread: expires callbacks past their deadline.
    void sweep(std::chrono::steady_clock::time_point now);

    [[nodiscard]] std::uint64_t id() const noexcept { return id_; }
    [[nodiscard]] std::string peer_tag() const;
    [[nodiscard]] bool closed() const;
    Server::Impl& server() noexcept { return srv_; }
    // Thread-safe. The agent's key of this client's connection `client_key`: 0 when the client
    // holds no such connection, or when its creation in a reserved slot failed (*failure says
    // why).
    [[nodiscard]] ConnectionKey core_key(std::uint64_t client_key, HResult* failure) const;

  private:
    void read();
    void on_read(const asio::error_code& ec, std::size_t n);
    void flush();
    void handle(v1::Envelope& envelope);
    void on_request(v1::Request& request);
    void on_callback_reply(const v1::CallbackReply& reply);
    [[nodiscard]] bool is_slow(const v1::Request& request) const;
    void execute(const v1::Request& request, v1::Reply& reply);
    void execute_binding_call(const v1::Request& request, const Caller& c, v1::Reply& reply);
    void execute_conn_set(const Caller& c, const v1::ConnSet& set, v1::Reply& reply);
    void execute_conn_get(const Caller& c, const v1::ConnGet& get, v1::Reply& reply);
    void fill_snapshot(const Caller& c, ConnectionKey key, v1::Reply& reply);
    void execute_create(const v1::Request& rq, const Caller& c, v1::Reply& reply);
    // The agent's key of the client's connection `client_key`; false, with the reply's status
    // set, when the client holds no such connection (E_ACCESSDENIED, logged) or its creation in
    // a reserved slot failed (that failure).
    bool resolve(const char* what, std::uint64_t client_key, ConnectionKey* core, v1::Reply& reply);
    // Tops this client's reserved slots up (bounded by its own limit and the global one); the
    // number newly granted, to be sent in a reply.
    std::uint32_t grant_slots();
    [[nodiscard]] bool binding_caller(std::uint64_t token, Caller* out) const;
    // Logs a denial; `key` is the client's key of the connection involved (0: none).
    void deny(const char* what, std::uint64_t key = 0);

    Server::Impl& srv_;
    stream_protocol::socket socket_;
    const PeerCredentials peer_;
    const PeerRoles roles_;
    const std::uint64_t id_;
    ipc::FrameReader reader_;
    bool hello_done_ = false;  // I/O thread
    bool in_batch_ = false;    // I/O thread

    mutable std::mutex mu_;  // everything below
    bool closed_ = false;
    std::vector<std::uint8_t> out_;
    std::vector<std::uint8_t> writing_buf_;
    bool writing_ = false;
    bool flush_posted_ = false;
    bool lazy_listed_ = false;
    std::map<BindingToken, BindingEntry> bindings_;
    struct ConnSlot {
        ConnectionKey core = 0;
        HResult failure = hr::S_OK;  // a reserved-slot creation that failed
    };
    std::unordered_map<std::uint64_t, ConnSlot> keys_;  // the client's keys
    std::uint32_t reserved_ = 0;                        // slots granted, not yet used
    struct Pending {
        BindingToken binding = 0;
        std::chrono::steady_clock::time_point deadline;
        CallbackDone done;
    };
    std::map<std::uint64_t, Pending> pending_;
    std::uint64_t next_callback_id_ = 1;
    std::atomic<std::uint32_t> in_flight_{0};
    std::set<NapNotifyType> subscriptions_;
};

// Process notifications (InitializeNapAgentNotifier) for a subscribed client: Event frames.
class EventSink final : public agent::NotificationSink {
  public:
    explicit EventSink(std::weak_ptr<Session> session) : session_(std::move(session)) {}
    void notify(NapNotifyType type) override {
        if (auto s = session_.lock()) {
            v1::Envelope env;
            env.mutable_event()->set_notify_type(static_cast<std::uint32_t>(type));
            s->send(env);
        }
    }

  private:
    std::weak_ptr<Session> session_;
};

}  // namespace opennap::agentd
