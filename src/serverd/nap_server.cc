#include "opennap/serverd/nap_server.h"

#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <asio.hpp>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <span>
#include <thread>

#include "dup_cache.h"
#include "opennap/policy/evaluate.h"
#include "opennap/radius/dictionary.h"
#include "opennap/server/shv_host.h"
#include "opennap/serverd/pipeline.h"
#include "opennap/serverd/validators.h"
#include "opennap/store/server_metrics.h"

namespace opennap::serverd {

namespace {

using Clock = std::chrono::steady_clock;
using detail::DupCache;
using detail::DupKey;

policy::IpAddress address_of(const sockaddr_storage& ss, std::uint16_t* port) {
    policy::IpAddress ip;
    if (ss.ss_family == AF_INET) {
        const auto& a = reinterpret_cast<const sockaddr_in&>(ss);
        std::memcpy(ip.bytes.data(), &a.sin_addr, 4);
        *port = ntohs(a.sin_port);
        return ip;
    }
    const auto& a6 = reinterpret_cast<const sockaddr_in6&>(ss);
    ip.family = policy::IpAddress::Family::V6;
    std::memcpy(ip.bytes.data(), &a6.sin6_addr, 16);
    *port = ntohs(a6.sin6_port);
    return ip.unmapped();
}

// ---- the served configuration
// --------------------------------------------------------------------

struct State {
    policy::ServerConfig config;
    std::shared_ptr<server::ShvHost> host;
    std::uint64_t generation = 0;
};

// Per thread: a SharedSecret (OpenSSL contexts, not shareable between threads) per RADIUS client
// of the configuration generation the thread last used.
struct SecretCache {
    std::uint64_t generation = ~0ull;
    std::vector<std::optional<radius::SharedSecret>> secrets;
};
thread_local SecretCache t_secrets;

radius::SharedSecret* secret_for(const State& st, std::size_t client) {
    if (t_secrets.generation != st.generation) {
        t_secrets.secrets.clear();
        t_secrets.secrets.resize(st.config.radius.clients.size());
        t_secrets.generation = st.generation;
    }
    auto& slot = t_secrets.secrets[client];
    if (!slot) {
        auto s = radius::SharedSecret::create(st.config.radius.clients[client].secret);
        if (!s)
            return nullptr;
        slot.emplace(std::move(*s));
    }
    return &*slot;
}

std::expected<std::shared_ptr<server::ShvHost>, std::string> make_host(
    const policy::ServerConfig& config) {
    server::ShvHostOptions o;
    o.timeout = config.server.shv_timeout;
    o.info.server_name =
        utf8_to_utf16(config.server.name.empty() ? std::string("napserver") : config.server.name);
    o.info.server_description = utf8_to_utf16(config.server.description);
    auto host = std::make_shared<server::ShvHost>(std::move(o));
    for (const auto& shv : config.shvs) {
        auto r = registration_for(shv);
        if (!r)
            return std::unexpected(r.error());
        if (const auto s = host->register_validator(std::move(*r)); s.failed())
            return std::unexpected("SHV " + shv.name + ": registration failed: " + to_string(s));
    }
    return host;
}

// The CPUs this process may run on (its affinity mask: taskset, systemd's CPUAffinity=, a
// cpuset), at least 1; the machine's count when the mask cannot be read.
unsigned usable_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(0, sizeof set, &set) == 0) {
        const int n = CPU_COUNT(&set);
        if (n > 0)
            return static_cast<unsigned>(n);
    }
    return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

// ---- the server
// ----------------------------------------------------------------------------------

class NapServer::Impl {
  public:
    std::shared_ptr<store::AuditWriter> audit;
    std::shared_ptr<metrics::Registry> registry;
    std::unique_ptr<store::ServerMetrics> metrics;
    std::unique_ptr<DupCache> dups;

    mutable std::mutex state_mu;
    std::shared_ptr<const State> state;
    std::atomic<std::uint64_t> generation{0};

    // Datagrams a worker takes from the shared socket at a time (recvmmsg), and so the answers it
    // sends together (sendmmsg). The workers share one socket per address, so a request waits
    // only while every worker is busy, never behind a worker the kernel has descheduled (with a
    // socket each, what the kernel queued on that worker's socket waited for it: at 64 requests
    // in flight on 2 cores, a p99 of 4 ms). Taking few at a time keeps that so: a worker
    // preempted in the middle of its batch holds up only the rest of it. docs/napserver.md,
    // "Threads and memory". Message i is wired once to buffer i and address i; a call sets only
    // the lengths.
    static constexpr unsigned kBatch = 4;
    // Batches a worker reads in one go before it lets its other handlers run.
    static constexpr int kRounds = 32;
    struct Datagrams {
        std::array<std::array<std::uint8_t, 4096>, kBatch> bufs;
        std::array<mmsghdr, kBatch> msgs{};
        std::array<iovec, kBatch> iov{};
        std::array<sockaddr_storage, kBatch> addr;
        Datagrams() {
            for (unsigned i = 0; i < kBatch; ++i) {
                iov[i] = {bufs[i].data(), bufs[i].size()};
                msgs[i].msg_hdr.msg_iov = &iov[i];
                msgs[i].msg_hdr.msg_iovlen = 1;
                msgs[i].msg_hdr.msg_name = &addr[i];
            }
        }
    };

    // Answers made while a worker processes a received batch leave together in one sendmmsg (one
    // system call, and one wake-up of a waiting client, for several answers): at most kBatch
    // are held, and none past the end of the batch. Answers made elsewhere (an asynchronous
    // SHV's completion, on another thread) leave at once.
    struct Outbox {
        int fd = -1;
        unsigned count = 0;
        Datagrams out;
    };
    static inline thread_local Outbox* t_outbox = nullptr;  // the worker's, during a batch

    struct Worker {
        asio::io_context io;
        std::vector<std::unique_ptr<asio::ip::udp::socket>> sockets;
        std::thread thread;
        std::atomic<std::uint64_t> received{0};
        Outbox outbox;
    };
    std::vector<std::unique_ptr<Worker>> workers;
    std::vector<policy::Endpoint> bound;

    std::atomic<bool> stopping{false};
    std::atomic<std::uint64_t> in_flight{0};
    std::mutex drain_mu;
    std::condition_variable drain_cv;
    std::atomic<std::uint64_t> requests{0}, answered{0}, dropped{0};

    std::shared_ptr<const State> current() {
        thread_local std::shared_ptr<const State> cached;
        thread_local const Impl* owner = nullptr;
        if (owner != this || !cached || cached->generation != generation.load()) {
            std::lock_guard lock(state_mu);
            cached = state;
            owner = this;
        }
        return cached;
    }

    void drop(store::DropReason why) {
        ++dropped;
        if (metrics)
            metrics->dropped(why);
    }

    // A request waiting for its SHVs.
    struct Pending {
        std::shared_ptr<const State> state;
        std::size_t client = 0;
        std::vector<std::uint8_t> request;
        NapRequest nap;
        sockaddr_storage from{};
        socklen_t from_len = 0;
        policy::IpAddress source;
        int fd = -1;
        DupKey key;
        Clock::time_point t0;
        bool message_authenticator = false;
    };

    // Answers are counted before they go to the kernel (and taken back when it refuses one): a
    // client that holds its answer finds it counted.
    void flush(Outbox& o) {
        answered += o.count;
        unsigned done = 0;
        while (done < o.count) {
            const int n = ::sendmmsg(o.fd, o.out.msgs.data() + done, o.count - done, MSG_DONTWAIT);
            if (n <= 0) {
                --answered;  // this answer is lost, as a failed sendto loses it
                ++done;
                continue;
            }
            done += static_cast<unsigned>(n);
        }
        o.count = 0;
    }

    void send(int fd, const std::vector<std::uint8_t>& bytes, const sockaddr_storage& to,
              socklen_t len) {
        if (Outbox* o = t_outbox; o != nullptr && fd == o->fd &&
                                  bytes.size() <= o->out.bufs[0].size() &&
                                  len <= sizeof(sockaddr_storage)) {
            Datagrams& d = o->out;
            const unsigned i = o->count++;
            std::memcpy(d.bufs[i].data(), bytes.data(), bytes.size());
            std::memcpy(&d.addr[i], &to, len);
            d.iov[i].iov_len = bytes.size();
            d.msgs[i].msg_hdr.msg_namelen = len;
            if (o->count == kBatch)
                flush(*o);
            return;
        }
        ++answered;
        if (::sendto(fd, bytes.data(), bytes.size(), MSG_DONTWAIT,
                     reinterpret_cast<const sockaddr*>(&to), len) < 0)
            --answered;
    }

    void process(int fd, const std::uint8_t* data, std::size_t n, const sockaddr_storage& from,
                 socklen_t from_len) {
        ++requests;
        if (metrics)
            metrics->request();
        const auto t0 = Clock::now();
        std::uint16_t port = 0;
        const policy::IpAddress src = address_of(from, &port);
        auto st = current();
        const policy::RadiusClient* client = policy::find_client(st->config, src);
        if (client == nullptr) {
            spdlog::debug("datagram from {} dropped: not a configured RADIUS client",
                          src.to_string());
            drop(store::DropReason::UnknownClient);
            return;
        }
        const auto client_index =
            static_cast<std::size_t>(client - st->config.radius.clients.data());
        auto p = radius::decode_packet(std::span(data, n));
        if (!p) {
            spdlog::debug("datagram from {} dropped: {}", src.to_string(), p.error().message());
            drop(store::DropReason::Malformed);
            return;
        }
        radius::SharedSecret* secret = secret_for(*st, client_index);
        if (secret == nullptr) {
            drop(store::DropReason::BadAuthenticator);
            return;
        }
        if (p->code() == radius::Code::StatusServer) {
            if (!radius::verify_request(*p, *secret, true).ok()) {
                drop(store::DropReason::BadAuthenticator);
                return;
            }
            if (auto a = build_status_answer(*p, *secret))
                send(fd, *a, from, from_len);
            return;
        }
        if (p->code() != radius::Code::AccessRequest) {
            spdlog::debug("{} from {} dropped: napserver answers Access-Request and Status-Server",
                          radius::name(p->code()), src.to_string());
            drop(store::DropReason::Malformed);
            return;
        }
        if (auto check = radius::verify_request(*p, *secret, client->require_message_authenticator);
            !check.ok()) {
            spdlog::debug("Access-Request from {} ({}) dropped: {}", src.to_string(), client->name,
                          radius::to_string(check.status));
            drop(store::DropReason::BadAuthenticator);
            return;
        }
        DupKey key;
        key.address = src.bytes;
        key.family = src.is_v4() ? 4 : 6;
        key.port = port;
        key.identifier = p->identifier();
        std::copy(p->authenticator().begin(), p->authenticator().end(), key.authenticator.begin());
        std::vector<std::uint8_t> previous;
        switch (dups->check(key, previous, t0)) {
            case DupCache::Seen::Answered:
                send(fd, previous, from, from_len);
                return;
            case DupCache::Seen::InProgress:
                drop(store::DropReason::Duplicate);
                return;
            case DupCache::Seen::New:
                break;
        }
        auto pending = std::make_shared<Pending>();
        pending->state = st;
        pending->client = client_index;
        pending->request.assign(data, data + n);
        pending->nap = read_nap_request(*p);
        pending->from = from;
        pending->from_len = from_len;
        pending->source = src;
        pending->fd = fd;
        pending->key = key;
        pending->t0 = t0;
        pending->message_authenticator = client->require_message_authenticator ||
                                         p->find(radius::Attr::MessageAuthenticator).has_value();
        if (!pending->nap.problem.empty())
            spdlog::warn("Access-Request from {} ({}): {}; treated as not NAP-capable",
                         src.to_string(), client->name, pending->nap.problem);
        ++in_flight;
        if (!pending->nap.soh) {
            finish(*pending, nullptr);
            return;
        }
        // The SoHs go to the host without a copy; the record needs only the correlation id.
        server::ValidationInput input = std::move(pending->nap.input);
        pending->nap.input.correlation_id = input.correlation_id;
        const auto s = st->host->validate(
            std::move(input),
            [this, pending](server::ValidationResult&& r) { finish(*pending, &r); });
        if (s.failed()) {
            spdlog::warn("Access-Request from {} dropped: the SHV host refused it ({})",
                         src.to_string(), to_string(s));
            dups->forget(key);
            drop(store::DropReason::Overload);
            done_one();
        }
    }

    void done_one() {
        if (--in_flight == 0 && stopping.load()) {
            std::lock_guard lock(drain_mu);
            drain_cv.notify_all();
        }
    }

    void finish(Pending& q, server::ValidationResult* result) {
        const auto& config = q.state->config;
        const policy::RadiusClient& client = config.radius.clients[q.client];
        std::vector<policy::ShvVerdict> verdicts;
        std::vector<soh::ReportEntry> entries;  // the SHVs' answers, converted once
        if (result != nullptr) {
            entries = take_entries(*result);
            verdicts = verdicts_of(config, *result, entries);
        }
        policy::RequestFacts facts;
        facts.nas_type = q.nap.nas_type ? q.nap.nas_type : client.nas_type;
        facts.client_address = q.source;
        facts.nas_address = q.nap.nas_address;
        facts.machine_name = q.nap.machine_name;
        facts.soh_present = q.nap.soh.has_value();
        facts.now = FileTime::now();
        const policy::Decision decision = policy::evaluate(config, facts, verdicts);
        auto request = radius::decode_packet(q.request);
        radius::SharedSecret* secret = secret_for(*q.state, q.client);
        if (request && secret != nullptr) {
            auto sohr = result != nullptr
                            ? sohr_for(config, decision, q.nap, *result, std::move(entries))
                            : sohr_for(config, decision, q.nap, nullptr);
            auto answer = build_answer(*request, decision, sohr, q.nap.wrapping,
                                       q.message_authenticator, *secret);
            if (!answer && sohr) {
                spdlog::warn(
                    "the answer to {} with its SoH response does not fit a RADIUS "
                    "packet ({}); sent without it",
                    q.source.to_string(), answer.error().message());
                answer = build_answer(*request, decision, std::nullopt, q.nap.wrapping,
                                      q.message_authenticator, *secret);
            }
            if (answer) {
                // Into the cache before it leaves: a retransmission sent the moment the answer
                // arrives may reach another worker, which must find it answered, not in progress.
                dups->answered(q.key, *answer);
                send(q.fd, *answer, q.from, q.from_len);
            } else {
                spdlog::error("no answer to {}: {}", q.source.to_string(),
                              answer.error().message());
                dups->forget(q.key);
            }
        }
        const auto latency = Clock::now() - q.t0;
        // One record per thread, filled anew for each request: submit() packs a copy, and the
        // record's strings and vectors keep their memory for the next request.
        static thread_local store::DecisionRecord record;
        fill_record(record, RecordContext{config.server.name, &client, q.source, latency}, q.nap,
                    decision, result);
        if (spdlog::should_log(spdlog::level::debug))  // to_string() is not free
            spdlog::debug("{} ({}) machine '{}': {} (network policy '{}')", q.source.to_string(),
                          client.name, q.nap.machine_name, policy::to_string(decision.access),
                          decision.network_policy);
        if (metrics) {
            metrics->decision(record.outcome);
            metrics->request_seconds(std::chrono::duration<double>(latency).count());
            for (const auto& s : record.shvs) {
                if (s.latency_us != 0)
                    metrics->shv_latency(s.id).observe(s.latency_us / 1e6);
            }
        }
        if (audit && audit->submit(record) == store::AuditWriter::Submit::Dropped) {
            if (metrics)
                metrics->dropped(store::DropReason::AuditUnavailable);
        }
        done_one();
    }

    // Waits until the socket is readable, then reads it.
    void arm(Worker& w, asio::ip::udp::socket& s) {
        s.async_wait(asio::socket_base::wait_read, [this, &w, &s](const asio::error_code& ec) {
            if (ec || stopping.load())
                return;
            read(w, s);
        });
    }

    // Reads and answers what the socket has, kBatch datagrams at a time, then waits
    // again. After kRounds batches with more still there, it goes on after the worker's other
    // handlers instead: waiting now would leave those datagrams until the next one arrives.
    void read(Worker& w, asio::ip::udp::socket& s) {
        // The batch's buffers and headers are the thread's, set up once: zeroing 6 KiB of
        // headers and addresses on every wake-up showed in the profile.
        static thread_local Datagrams batch;
        auto& bufs = batch.bufs;
        auto& msgs = batch.msgs;
        auto& from = batch.addr;
        const int fd = s.native_handle();
        bool drained = false;
        for (int rounds = 0; rounds < kRounds && !drained; ++rounds) {
            for (unsigned i = 0; i < kBatch; ++i) {
                msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);  // in and out
                msgs[i].msg_hdr.msg_flags = 0;
            }
            const int n = ::recvmmsg(fd, msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
            if (n <= 0) {
                drained = true;
                break;
            }
            w.received.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
            w.outbox.fd = fd;
            t_outbox = &w.outbox;
            for (int i = 0; i < n; ++i) {
                if ((msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0) {
                    drop(store::DropReason::Malformed);  // over 4096 octets
                    continue;
                }
                process(fd, bufs[i].data(), msgs[i].msg_len, from[i], msgs[i].msg_hdr.msg_namelen);
            }
            t_outbox = nullptr;
            flush(w.outbox);
            drained = static_cast<unsigned>(n) < kBatch;
        }
        if (!drained) {
            asio::post(w.io, [this, &w, &s] {
                if (!stopping.load())
                    read(w, s);
            });
            return;
        }
        arm(w, s);
    }
};

std::expected<std::unique_ptr<NapServer>, std::string> NapServer::start(
    policy::ServerConfig config, std::shared_ptr<store::AuditWriter> audit,
    std::shared_ptr<metrics::Registry> registry) {
    std::unique_ptr<NapServer> server(new NapServer());
    server->impl_ = std::make_unique<Impl>();
    auto& im = *server->impl_;
    im.audit = std::move(audit);
    im.registry = std::move(registry);
    if (im.registry)
        im.metrics = std::make_unique<store::ServerMetrics>(*im.registry);
    im.dups = std::make_unique<DupCache>(config.radius.duplicate_cache, 1u << 18);
    auto host = make_host(config);
    if (!host)
        return std::unexpected(host.error());
    auto st = std::make_shared<State>();
    st->host = std::move(*host);
    st->generation = 1;
    const unsigned nworkers = config.server.workers != 0 ? config.server.workers : usable_cpus();
    const auto listen = config.radius.listen;
    st->config = std::move(config);
    im.state = st;
    im.generation = 1;

    for (unsigned i = 0; i < nworkers; ++i)
        im.workers.push_back(std::make_unique<Impl::Worker>());
    for (const auto& ep : listen) {
        policy::Endpoint actual = ep;
        for (auto& w : im.workers) {
            asio::ip::address addr;
            if (ep.address.is_v4()) {
                addr = asio::ip::make_address_v4(
                    asio::ip::address_v4::bytes_type{ep.address.bytes[0], ep.address.bytes[1],
                                                     ep.address.bytes[2], ep.address.bytes[3]});
            } else {
                addr = asio::ip::make_address_v6(ep.address.bytes);
            }
            asio::ip::udp::endpoint where(addr, actual.port);
            auto sock = std::make_unique<asio::ip::udp::socket>(w->io);
            asio::error_code ec;
            if (&w != &im.workers.front()) {
                // The same socket, through a descriptor of this worker's own (each worker's
                // io_context registers it in its own epoll set).
                const int fd = ::dup(im.workers.front()->sockets.back()->native_handle());
                if (fd < 0)
                    ec = asio::error_code(errno, asio::system_category());
                else if (sock->assign(where.protocol(), fd, ec); ec)
                    ::close(fd);
                if (ec) {
                    return std::unexpected("cannot share the socket on " + ep.to_string() +
                                           " with a worker: " + ec.message());
                }
                w->sockets.push_back(std::move(sock));
                continue;
            }
            sock->open(where.protocol(), ec);
            if (!ec) {
                const int rcvbuf = 4 << 20;
                ::setsockopt(sock->native_handle(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
                if (!ep.address.is_v4())
                    sock->set_option(asio::ip::v6_only(true), ec);
                sock->bind(where, ec);
            }
            if (ec)
                return std::unexpected("cannot listen on " + ep.to_string() + ": " + ec.message());
            actual.port = sock->local_endpoint().port();
            w->sockets.push_back(std::move(sock));
        }
        im.bound.push_back(actual);
    }
    for (std::size_t i = 0; i < im.workers.size(); ++i) {
        auto& w = im.workers[i];
        for (auto& s : w->sockets)
            im.arm(*w, *s);
        w->thread = std::thread([&io = w->io, i] {
            const std::string name = "radius-io-" + std::to_string(i);  // top -H, ps -L
            ::pthread_setname_np(::pthread_self(), name.c_str());
            io.run();
        });
    }
    return server;
}

NapServer::~NapServer() {
    if (impl_)
        stop();
}

std::expected<std::vector<std::string>, std::string> NapServer::reload(
    policy::ServerConfig config) {
    auto& im = *impl_;
    auto host = make_host(config);
    if (!host)
        return std::unexpected(host.error());
    std::vector<std::string> warnings;
    std::shared_ptr<const State> old;
    {
        std::lock_guard lock(im.state_mu);
        old = im.state;
    }
    const auto& was = old->config;
    if (config.radius.listen != was.radius.listen)
        warnings.push_back("radius.listen changed: takes effect at the next start");
    if (config.server.workers != was.server.workers)
        warnings.push_back("server.workers changed: takes effect at the next start");
    if (config.audit != was.audit)
        warnings.push_back("[audit] changed: takes effect at the next start");
    if (config.metrics != was.metrics)
        warnings.push_back("[metrics] changed: takes effect at the next start");
    auto st = std::make_shared<State>();
    st->host = std::move(*host);
    st->config = std::move(config);
    st->generation = old->generation + 1;
    {
        std::lock_guard lock(im.state_mu);
        im.state = st;
    }
    im.generation = st->generation;
    return warnings;
}

void NapServer::stop() {
    auto& im = *impl_;
    if (im.stopping.exchange(true))
        return;
    for (auto& w : im.workers) {
        asio::post(w->io, [&w] {
            for (auto& s : w->sockets) {
                asio::error_code ignored;
                s->cancel(ignored);
            }
        });
    }
    for (auto& w : im.workers) {
        w->io.stop();
        if (w->thread.joinable())
            w->thread.join();
    }
    // Requests waiting for their SHVs get their answers (the SHV timeout bounds the wait).
    std::shared_ptr<const State> st;
    {
        std::lock_guard lock(im.state_mu);
        st = im.state;
    }
    const auto bound = st->config.server.shv_timeout + std::chrono::seconds(2);
    {
        std::unique_lock lock(im.drain_mu);
        im.drain_cv.wait_for(lock, bound, [&] { return im.in_flight.load() == 0; });
    }
    // The SHV host's threads are joined here, on the stopping thread: an answer completed on one
    // of them may still be releasing its request (and with it a reference to the configuration
    // and its host) after it was counted as done, and the host must not be destroyed there.
    st->host->shutdown();
}

std::vector<policy::Endpoint> NapServer::endpoints() const {
    return impl_->bound;
}

NapServerStats NapServer::stats() const {
    NapServerStats s{impl_->requests.load(), impl_->answered.load(), impl_->dropped.load(), {}};
    for (const auto& w : impl_->workers)
        s.per_worker.push_back(w->received.load(std::memory_order_relaxed));
    return s;
}

}  // namespace opennap::serverd
