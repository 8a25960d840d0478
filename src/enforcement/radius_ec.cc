#include "opennap/enforcement/radius_ec.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <arpa/inet.h>
#include <openssl/rand.h>

#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include "opennap/agent/enforcement_client.h"
#include "opennap/radius/authorization.h"
#include "opennap/radius/dictionary.h"
#include "opennap/radius/tunnel.h"

namespace opennap::enforcement {

namespace {

EcError err(HResult code, std::string message) {
    return EcError{code, std::move(message)};
}

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0')
        return "localhost";
    return buf;
}

std::string ip_text(const std::uint8_t* bytes, bool v6) {
    char out[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(v6 ? AF_INET6 : AF_INET, bytes, out, sizeof out);
    return out;
}

// A UDP socket connected to the server (only its datagrams are received).
class UdpPeer {
  public:
    static EcResult<UdpPeer> open(const std::string& host, std::uint16_t port) {
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_DGRAM;
        addrinfo* found = nullptr;
        const std::string service = std::to_string(port);
        if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0)
            return std::unexpected(err(hr::E_INVALIDARG, "cannot resolve RADIUS server " + host +
                                                             ": " + ::gai_strerror(rc)));
        int fd = -1;
        std::string why;
        for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
            fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
            if (fd < 0)
                continue;
            if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0)
                break;
            why = std::strerror(errno);
            ::close(fd);
            fd = -1;
        }
        ::freeaddrinfo(found);
        if (fd < 0)
            return std::unexpected(
                err(hr::E_FAIL, "cannot reach RADIUS server " + host + ":" + service + ": " + why));
        return UdpPeer(fd);
    }
    UdpPeer(UdpPeer&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    UdpPeer& operator=(UdpPeer&&) = delete;
    ~UdpPeer() {
        if (fd_ >= 0)
            ::close(fd_);
    }

    // Sends `request` up to `attempts` times, each time waiting `timeout` for an answer that
    // `accept` accepts (answers it rejects are dropped, as RFC 2865 asks of a client).
    template <typename Accept>
    EcResult<std::vector<std::uint8_t>> transact(std::span<const std::uint8_t> request,
                                                 std::chrono::milliseconds timeout,
                                                 unsigned attempts, Accept&& accept) {
        std::vector<std::uint8_t> buf(4096);
        std::string last_drop;
        for (unsigned attempt = 0; attempt < std::max(1u, attempts); ++attempt) {
            if (::send(fd_, request.data(), request.size(), 0) < 0)
                return std::unexpected(err(hr::E_FAIL, std::string("sending the Access-Request: ") +
                                                           std::strerror(errno)));
            const auto deadline = std::chrono::steady_clock::now() + timeout;
            for (;;) {
                const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now());
                if (left.count() <= 0)
                    break;
                pollfd p{fd_, POLLIN, 0};
                const int n = ::poll(&p, 1, static_cast<int>(left.count()));
                if (n < 0 && errno == EINTR)
                    continue;
                if (n <= 0)
                    break;
                const ssize_t k = ::recv(fd_, buf.data(), buf.size(), 0);
                if (k < 0) {
                    if (errno == ECONNREFUSED) {
                        return std::unexpected(err(hr::E_FAIL,
                                                   "the RADIUS server refused the packet (nothing "
                                                   "listens on that port)"));
                    }
                    continue;
                }
                std::span<const std::uint8_t> got(buf.data(), static_cast<std::size_t>(k));
                std::string why;
                if (accept(got, why))
                    return std::vector<std::uint8_t>(got.begin(), got.end());
                last_drop = why;
                spdlog::warn("RADIUS EC: answer dropped: {}", why);
            }
        }
        std::string text = "no answer from the RADIUS server after " +
                           std::to_string(std::max(1u, attempts)) + " attempt(s) of " +
                           std::to_string(timeout.count()) + " ms";
        if (!last_drop.empty())
            text += " (last answer dropped: " + last_drop + ")";
        return std::unexpected(err(hr::ERROR_TIMEOUT, text));
    }

  private:
    explicit UdpPeer(int fd) : fd_(fd) {}
    int fd_ = -1;
};

}  // namespace

// ---- the pure halves
// -------------------------------------------------------------------------------

EcResult<std::vector<std::uint8_t>> build_access_request(const RadiusEcOptions& o, std::uint8_t id,
                                                         std::span<const std::uint8_t> soh,
                                                         const ConnectionId& connection_id,
                                                         radius::SharedSecret& secret) {
    auto auth = radius::random_authenticator();
    if (!auth)
        return std::unexpected(
            err(hr::E_FAIL, "no random Request Authenticator: " + auth.error().message()));
    radius::PacketBuilder b(radius::Code::AccessRequest, id, *auth);
    if (o.message_authenticator)
        b.add_message_authenticator();  // first, as the BlastRADIUS mitigation advises
    const std::string machine = o.machine_name.empty() ? host_name() : o.machine_name;
    b.add(radius::Attr::UserName,
          o.user_name.empty() ? std::string_view(machine) : std::string_view(o.user_name));
    b.add(radius::Attr::NasIdentifier, o.nas_identifier);
    radius::add_network_access_server_type(b, o.nas_type);
    radius::add_machine_name(b, machine);
    radius::add_ras_correlation_id(b, connection_id);
    radius::add_quarantine_soh(b, soh, o.wrapping);
    if (!b.ok())
        return std::unexpected(
            err(hr::E_INVALIDARG, "building the Access-Request: " + b.error()->message()));
    if (auto s = radius::sign_request(b, secret); !s)
        return std::unexpected(
            err(hr::E_FAIL, "signing the Access-Request: " + s.error().message()));
    auto bytes = b.take();
    if (!bytes)
        return std::unexpected(
            err(hr::E_INVALIDARG, "building the Access-Request: " + bytes.error().message()));
    return std::move(*bytes);
}

EcResult<RadiusDecision> read_access_response(std::span<const std::uint8_t> response,
                                              std::span<const std::uint8_t> request,
                                              radius::SharedSecret& secret) {
    auto rq = radius::decode_packet(request);
    if (!rq)
        return std::unexpected(err(hr::E_INVALIDARG, "the request: " + rq.error().message()));
    auto p = radius::decode_packet(response);
    if (!p)
        return std::unexpected(
            err(hr::NAP_E_INVALID_PACKET, "malformed RADIUS answer: " + p.error().message()));
    if (p->identifier() != rq->identifier())
        return std::unexpected(err(hr::NAP_E_MISMATCHED_ID, "an answer to another request"));
    if (p->code() == radius::Code::AccessChallenge)
        return std::unexpected(err(hr::E_NOTIMPL,
                                   "the server sent an Access-Challenge (it wants EAP, which this "
                                   "enforcement client does not do)"));
    if (p->code() != radius::Code::AccessAccept && p->code() != radius::Code::AccessReject)
        return std::unexpected(
            err(hr::NAP_E_INVALID_PACKET,
                "unexpected RADIUS answer " + std::string(radius::name(p->code()))));
    if (auto check = radius::verify_response(*p, rq->authenticator(), secret); !check.ok())
        return std::unexpected(
            err(hr::E_ACCESSDENIED, "the answer failed authentication (" +
                                        std::string(radius::to_string(check.status)) +
                                        "): wrong shared secret?"));
    RadiusDecision d;
    d.accepted = p->code() == radius::Code::AccessAccept;
    auto nap = radius::nap_attributes(*p);
    if (!nap)
        return std::unexpected(err(hr::NAP_E_INVALID_PACKET,
                                   "malformed MS-RNAP attributes: " + nap.error().message()));
    d.quarantine_state = nap->quarantine_state;
    d.extended_state = nap->extended_quarantine_state;
    d.grace_time = nap->quarantine_grace_time;
    for (const auto& a : nap->ipv4_remediation_servers)
        d.remediation_servers.push_back(ip_text(a.data(), false));
    for (const auto& a : nap->ipv6_remediation_servers)
        d.remediation_servers.push_back(ip_text(a.data(), true));
    if (auto st = radius::session_timeout(*p); st && *st)
        d.session_timeout = static_cast<std::uint32_t>((*st)->count());
    if (auto f = p->find(radius::Attr::FilterId))
        d.filter_id.assign(reinterpret_cast<const char*>(f->value.data()), f->value.size());
    if (auto r = p->find(radius::Attr::ReplyMessage))
        d.reply_message.assign(reinterpret_cast<const char*>(r->value.data()), r->value.size());
    if (auto v = radius::vlan_assignment(*p, 0); v && *v)
        d.vlan = std::string((*v)->group);
    auto sohr = radius::quarantine_soh(*p);
    if (!sohr)
        return std::unexpected(err(hr::NAP_E_INVALID_PACKET,
                                   "malformed MS-Quarantine-SoH: " + sohr.error().message()));
    if (*sohr)
        d.sohr = std::move((*sohr)->message);
    return d;
}

std::string_view verdict_of(const ExchangeResult& r) noexcept {
    if (!r.radius.accepted)
        return "rejected";
    if (!r.isolation)
        return "no-decision";
    switch (r.isolation->isolation_state) {
        case IsolationState::NotRestricted:
            return "full-access";
        case IsolationState::InProbation:
            return "probation";
        case IsolationState::RestrictedAccess:
            return "restricted";
    }
    return "no-decision";
}

// ---- the enforcement client
// ------------------------------------------------------------------------

struct RadiusEnforcementClient::Impl {
    RadiusEcOptions opt;
    std::shared_ptr<agent::AgentApi> agent;
    std::optional<agent::EnforcementClientBinding> binding;
    std::optional<radius::SharedSecret> secret;

    std::mutex exchange_mu;  // one exchange at a time
    std::shared_ptr<agent::Connection> conn;
    ConnectionId conn_id;
    std::uint8_t next_identifier = 0;

    std::mutex mu;  // below
    std::condition_variable cv;
    bool change_pending = false;
    bool stopping = false;
    std::function<void(const EcResult<ExchangeResult>&)> handler;
    std::thread worker;
};

EcResult<std::shared_ptr<RadiusEnforcementClient>> RadiusEnforcementClient::start(
    std::shared_ptr<agent::AgentApi> agent, RadiusEcOptions options) {
    if (!agent)
        return std::unexpected(err(hr::E_POINTER, "no NAP agent"));
    if (options.secret.empty())
        return std::unexpected(err(hr::E_INVALIDARG, "the RADIUS shared secret is empty"));
    auto secret = radius::SharedSecret::create(options.secret);
    if (!secret)
        return std::unexpected(err(hr::E_INVALIDARG, secret.error().message()));
    std::shared_ptr<RadiusEnforcementClient> ec(new RadiusEnforcementClient());
    ec->impl_ = std::make_unique<Impl>();
    auto& im = *ec->impl_;
    im.opt = std::move(options);
    im.agent = agent;
    im.secret.emplace(std::move(*secret));
    unsigned char seed = 0;
    (void)RAND_bytes(&seed, 1);
    im.next_identifier = seed;
    auto b = agent::EnforcementClientBinding::initialize(agent, im.opt.ec_id, ec);
    if (!b)
        return std::unexpected(
            err(b.error(), "cannot bind enforcement client " + std::string(to_string(b.error()))));
    im.binding.emplace(std::move(*b));
    im.worker = std::thread([weak = std::weak_ptr<RadiusEnforcementClient>(ec), &im] {
        for (;;) {
            {
                std::unique_lock lock(im.mu);
                im.cv.wait(lock, [&] { return im.stopping || im.change_pending; });
                if (im.stopping)
                    return;
                im.change_pending = false;
            }
            auto self = weak.lock();
            if (!self)
                return;
            auto r = self->exchange();
            std::function<void(const EcResult<ExchangeResult>&)> h;
            {
                std::lock_guard lock(im.mu);
                h = im.handler;
            }
            if (!r)
                spdlog::warn("RADIUS EC: exchange after an SoH change failed: {}",
                             r.error().message);
            if (h)
                h(r);
        }
    });
    return ec;
}

RadiusEnforcementClient::~RadiusEnforcementClient() {
    if (impl_)
        stop();
}

void RadiusEnforcementClient::on_exchange(
    std::function<void(const EcResult<ExchangeResult>&)> handler) {
    std::lock_guard lock(impl_->mu);
    impl_->handler = std::move(handler);
}

void RadiusEnforcementClient::stop() {
    auto& im = *impl_;
    {
        std::lock_guard lock(im.mu);
        im.stopping = true;
    }
    im.cv.notify_all();
    if (im.worker.joinable() && im.worker.get_id() != std::this_thread::get_id())
        im.worker.join();
    std::lock_guard lock(im.exchange_mu);
    if (im.binding && im.binding->bound()) {
        if (im.conn)
            (void)im.binding->notify_connection_state_down(*im.conn);
        im.conn.reset();
        (void)im.binding->uninitialize();
    }
}

agent::Status RadiusEnforcementClient::notify_soh_change() {
    {
        std::lock_guard lock(impl_->mu);
        if (impl_->stopping)
            return hr::S_OK;
        impl_->change_pending = true;
    }
    impl_->cv.notify_one();
    return hr::S_OK;  // the exchange runs on the EC's own thread: a callback must not block
}

agent::Result<std::vector<std::shared_ptr<agent::Connection>>>
RadiusEnforcementClient::get_connections() {
    std::lock_guard lock(impl_->exchange_mu);
    std::vector<std::shared_ptr<agent::Connection>> out;
    if (impl_->conn)
        out.push_back(impl_->conn);
    return out;
}

EcResult<ExchangeResult> RadiusEnforcementClient::exchange() {
    auto& im = *impl_;
    std::lock_guard lock(im.exchange_mu);
    if (!im.binding || !im.binding->bound())
        return std::unexpected(err(hr::NAP_E_NOT_INITIALIZED, "the enforcement client stopped"));
    auto& b = *im.binding;
    if (!im.conn) {
        auto c = b.create_connection();
        if (!c)
            return std::unexpected(
                err(c.error(), "CreateConnection failed: " + std::string(to_string(c.error()))));
        std::array<std::uint8_t, 16> raw{};
        if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1)
            return std::unexpected(err(hr::E_FAIL, "no random ConnectionId"));
        raw[6] = static_cast<std::uint8_t>((raw[6] & 0x0F) | 0x40);  // RFC 4122 version 4
        raw[8] = static_cast<std::uint8_t>((raw[8] & 0x3F) | 0x80);
        im.conn_id = Guid::from_bytes_be(raw);
        if (auto s = (*c)->set_connection_id(im.conn_id); s.failed())
            return std::unexpected(err(s, "SetConnectionId failed: " + std::string(to_string(s))));
        if (auto s = (*c)->set_max_size(im.opt.max_soh_size); s.failed())
            return std::unexpected(err(s, "SetMaxSize failed: " + std::string(to_string(s))));
        im.conn = std::move(*c);
    }
    auto& conn = *im.conn;
    ExchangeResult out;
    out.connection_id = im.conn_id;
    auto hint = b.get_soh_request(conn);
    if (!hint)
        return std::unexpected(
            err(hint.error(), "GetSoHRequest failed: " + std::string(to_string(hint.error()))));
    out.retrigger_hint = *hint;
    auto soh = conn.soh_request();
    auto corr = conn.correlation_id();
    if (!soh || !corr)
        return std::unexpected(err(soh ? corr.error() : soh.error(),
                                   "the agent gave no SoH request for the connection"));
    out.correlation_id = *corr;
    out.soh_bytes = soh->data.size();

    const std::uint8_t id = im.next_identifier++;
    auto request = build_access_request(im.opt, id, soh->data, im.conn_id, *im.secret);
    if (!request)
        return std::unexpected(request.error());
    auto peer = UdpPeer::open(im.opt.host, im.opt.port);
    if (!peer)
        return std::unexpected(peer.error());
    const auto t0 = std::chrono::steady_clock::now();
    std::optional<RadiusDecision> decision;
    auto answer = peer->transact(*request, im.opt.timeout, im.opt.attempts,
                                 [&](std::span<const std::uint8_t> got, std::string& why) {
                                     auto d = read_access_response(got, *request, *im.secret);
                                     if (!d) {
                                         why = d.error().message;
                                         return false;
                                     }
                                     decision = std::move(*d);
                                     return true;
                                 });
    if (!answer)
        return std::unexpected(answer.error());
    out.round_trip = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - t0);
    out.radius = std::move(*decision);

    if (!out.radius.sohr.empty()) {
        if (auto s = conn.set_soh_response(NetworkSoH{out.radius.sohr}); s.failed())
            return std::unexpected(err(s, "SetSoHResponse failed: " + std::string(to_string(s))));
        if (auto s = b.process_soh_response(conn); s.failed())
            return std::unexpected(
                err(s, "the agent refused the SoH response: " + std::string(to_string(s))));
        auto iso = conn.isolation_info_ex();
        if (iso)
            out.isolation = *iso;
    }
    spdlog::info("RADIUS EC: connection {} correlation {}: {} ({} µs)", im.conn_id.to_string(),
                 out.correlation_id.to_string(), verdict_of(out), out.round_trip.count());
    return out;
}

}  // namespace opennap::enforcement
