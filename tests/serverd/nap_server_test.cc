// napserver's UDP front-end (nap_server.h) in process, on 127.0.0.1 with a port the kernel picks:
// what it drops and why (counted in the metrics), Message-Authenticator policy, duplicate
// detection and its answer cache, Status-Server, Proxy-State. Datagrams come from real sockets.
#include "opennap/serverd/nap_server.h"

#include <gtest/gtest.h>
#include <sched.h>

#include "opennap/radius/authorization.h"
#include "opennap/shvs/wshv.h"
#include "serverd/helpers.h"

namespace opennap::serverd {
namespace {

using namespace opennap::serverd::test;
using namespace std::chrono_literals;

class ServerdFrontEnd : public ::testing::Test {
  protected:
    void start(ConfigOptions o = {}) {
        o.port = free_udp_port();
        policy::ParseOptions po;
        po.wsha_settings = shvs::wshv::settings_check();
        auto cfg = policy::parse_config(config_text(o), "test.toml", po);
        ASSERT_TRUE(cfg) << cfg.error().to_string();
        registry_ = std::make_shared<metrics::Registry>();
        auto s = NapServer::start(std::move(*cfg), nullptr, registry_);
        ASSERT_TRUE(s) << s.error();
        server_ = std::move(*s);
        ASSERT_EQ(server_->endpoints().size(), 1u);
        port_ = server_->endpoints()[0].port;
        ASSERT_NE(port_, 0);
    }
    double decisions(const char* outcome = "full") const {
        return metric(registry_->render(),
                      std::string("opennap_decisions_total{outcome=\"") + outcome + "\"}");
    }
    double dropped(const char* reason) const {
        return metric(registry_->render(),
                      std::string("opennap_radius_dropped_total{reason=\"") + reason + "\"}");
    }
    // Waits until the drop counter for `reason` reaches `n`, then checks that nothing was
    // answered to `client`.
    void expect_dropped(UdpClient& client, const char* reason, double n = 1) {
        EXPECT_TRUE(wait_for([&] { return dropped(reason) >= n; }))
            << reason << ": " << dropped(reason);
        EXPECT_EQ(dropped(reason), n);
        EXPECT_FALSE(client.receive(200ms)) << "a dropped request was answered";
    }

    std::shared_ptr<metrics::Registry> registry_;
    std::unique_ptr<NapServer> server_;
    std::uint16_t port_ = 0;
};

TEST_F(ServerdFrontEnd, AnswersAnAccessRequest) {
    start();
    UdpClient c;
    const auto rq = request({.identifier = 7, .soh = ssoh(healthy_entry(), "pc")});
    auto a = c.exchange(port_, rq);
    ASSERT_TRUE(a) << "no answer";
    auto p = radius::decode_packet(*a);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->code(), radius::Code::AccessAccept);
    EXPECT_EQ(p->identifier(), 7);
    EXPECT_TRUE(radius::verify_response(*p, radius::decode_packet(rq)->authenticator(), kSecret,
                                        /*require_message_authenticator=*/true)
                    .ok());
    EXPECT_TRUE(wait_for([&] { return decisions() == 1; })) << decisions();
    EXPECT_EQ(server_->stats().answered, 1u);
}

TEST_F(ServerdFrontEnd, UnknownClientIsDropped) {
    start({.client_address = "127.0.0.1"});
    UdpClient stranger("127.0.0.2");
    stranger.send(port_, request({.soh = ssoh(healthy_entry(), "pc")}));
    expect_dropped(stranger, "unknown_client");
}

TEST_F(ServerdFrontEnd, MalformedDatagramsAreDropped) {
    start();
    UdpClient c;
    c.send(port_, ByteVec{1, 2, 3, 4, 5});  // shorter than a header
    auto bad_length = request({});
    bad_length[3] = static_cast<std::uint8_t>(bad_length[3] + 7);  // Length past the datagram
    c.send(port_, bad_length);
    expect_dropped(c, "malformed", 2);
    EXPECT_EQ(server_->stats().requests, 2u);
    EXPECT_EQ(server_->stats().dropped, 2u);
}

TEST_F(ServerdFrontEnd, CodesOtherThanAccessRequestAndStatusServerAreDropped) {
    start();
    UdpClient c;
    c.send(port_,
           request({.message_authenticator = false, .code = radius::Code::AccountingRequest}));
    expect_dropped(c, "malformed");
}

TEST_F(ServerdFrontEnd, RequiredMessageAuthenticatorAbsentIsDropped) {
    start({.require_message_authenticator = true});
    UdpClient c;
    c.send(port_, request({.soh = ssoh(healthy_entry(), "pc"), .message_authenticator = false}));
    expect_dropped(c, "bad_authenticator");
    // With one, the same request is answered, and the answer has one too.
    auto a = c.exchange(port_, request({.soh = ssoh(healthy_entry(), "pc")}));
    ASSERT_TRUE(a);
    EXPECT_TRUE(radius::decode_packet(*a)->find(radius::Attr::MessageAuthenticator));
}

TEST_F(ServerdFrontEnd, NotRequiredAbsentIsAnsweredWithout) {
    start({.require_message_authenticator = false});
    UdpClient c;
    const auto rq = request({.soh = ssoh(healthy_entry(), "pc"), .message_authenticator = false});
    auto a = c.exchange(port_, rq);
    ASSERT_TRUE(a);
    auto p = radius::decode_packet(*a);
    EXPECT_FALSE(p->find(radius::Attr::MessageAuthenticator));
    EXPECT_TRUE(
        radius::verify_response(*p, radius::decode_packet(rq)->authenticator(), kSecret).ok());
}

TEST_F(ServerdFrontEnd, BadMessageAuthenticatorIsDroppedEvenWhenNotRequired) {
    // A wrong shared secret shows in the Message-Authenticator.
    start({.require_message_authenticator = false});
    UdpClient c;
    c.send(port_, request({.soh = ssoh(healthy_entry(), "pc"), .secret = "not-the-secret"}));
    expect_dropped(c, "bad_authenticator");
}

TEST_F(ServerdFrontEnd, RetransmissionIsAnsweredFromTheCache) {
    start();
    UdpClient c;
    const auto rq = request({.identifier = 33, .soh = ssoh(healthy_entry(), "pc")});
    auto first = c.exchange(port_, rq);
    ASSERT_TRUE(first);
    auto again = c.exchange(port_, rq);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, *first) << "the same answer, byte for byte";
    // (The counters are bumped just after the answer is sent: the worker that sent the first
    // answer may count its decision only after the retransmission was answered.)
    EXPECT_TRUE(wait_for([&] { return server_->stats().answered == 2; }));
    EXPECT_TRUE(wait_for([&] { return decisions() >= 1; }));
    EXPECT_EQ(decisions(), 1) << "decided once";
    // Same Identifier, new Request Authenticator: a new request, decided again.
    auto other = c.exchange(port_, request({.identifier = 33, .soh = ssoh(healthy_entry(), "pc")}));
    ASSERT_TRUE(other);
    EXPECT_NE(*other, *first);
    EXPECT_TRUE(wait_for([&] { return decisions() == 2; })) << decisions();
    // The same bytes from another source port are another client's request.
    UdpClient c2;
    auto from_elsewhere = c2.exchange(port_, rq);
    ASSERT_TRUE(from_elsewhere);
    EXPECT_TRUE(wait_for([&] { return decisions() == 3; })) << decisions();
}

// The workers share one socket: a burst from one RADIUS client (one source address and port, as
// a proxy in front of napserver is) is taken by whichever workers are free, not queued for the
// one its address hashes to; each request is decided and answered once, and a retransmission
// that reaches another worker than the original is answered from the shared duplicate cache.
TEST_F(ServerdFrontEnd, OneClientsBurstIsSharedByTheWorkers) {
    ConfigOptions o;
    o.workers = 4;
    start(o);
    UdpClient c;
    constexpr int kRequests = 200;
    std::vector<ByteVec> sent;
    for (int i = 0; i < kRequests; ++i) {
        sent.push_back(request(
            {.identifier = static_cast<std::uint8_t>(i), .soh = ssoh(healthy_entry(), "pc")}));
    }
    // In bursts of 50 (fewer than a default receive buffer holds, should the client not run as
    // root).
    constexpr int kBurst = 50;
    for (int first = 0; first < kRequests; first += kBurst) {
        for (int i = first; i < first + kBurst; ++i)
            c.send(port_, sent[static_cast<std::size_t>(i)]);
        for (int i = first; i < first + kBurst; ++i)
            ASSERT_TRUE(c.receive(5s)) << "no answer for the burst's request " << i;
    }
    const auto per_worker = server_->stats().per_worker;
    ASSERT_EQ(per_worker.size(), 4u);
    std::uint64_t total = 0;
    int busy = 0;
    for (const auto n : per_worker) {
        total += n;
        busy += n > 0 ? 1 : 0;
    }
    EXPECT_EQ(total, static_cast<std::uint64_t>(kRequests));
    EXPECT_GE(busy, 2) << "one worker took the whole burst";
    for (const auto& rq : sent)
        ASSERT_TRUE(c.exchange(port_, rq));  // each retransmission lands on any worker
    EXPECT_TRUE(wait_for([&] { return server_->stats().answered == 2 * kRequests; }));
    // A worker counts its decision just after its answer leaves (with 4 workers on 2 cores, one
    // may be descheduled in between until after the retransmissions): wait for the last ones.
    EXPECT_TRUE(wait_for([&] { return decisions() >= kRequests; })) << decisions();
    EXPECT_EQ(decisions(), kRequests) << "each request decided once";
}

// workers = 0 starts one worker per CPU the process may run on: its affinity mask, not the
// machine's count (taskset, systemd's CPUAffinity=).
TEST_F(ServerdFrontEnd, ZeroWorkersMeansOnePerUsableCpu) {
    cpu_set_t all;
    CPU_ZERO(&all);
    ASSERT_EQ(::sched_getaffinity(0, sizeof all, &all), 0);
    int first = 0;
    while (!CPU_ISSET(first, &all))
        ++first;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    ASSERT_EQ(::sched_setaffinity(0, sizeof one, &one), 0);
    ConfigOptions o;
    o.workers = 0;
    start(o);
    ASSERT_EQ(::sched_setaffinity(0, sizeof all, &all), 0);
    EXPECT_EQ(server_->stats().per_worker.size(), 1u);
    UdpClient c;
    EXPECT_TRUE(c.exchange(port_, request({.identifier = 1, .soh = ssoh(healthy_entry(), "pc")})));
    server_.reset();
    start(o);
    EXPECT_EQ(server_->stats().per_worker.size(), static_cast<std::size_t>(CPU_COUNT(&all)));
}

// A burst queues up at one worker, which reads it in batches and answers each batch in one
// sendmmsg: every request is answered exactly once, with the answer that belongs to it.
TEST_F(ServerdFrontEnd, ABurstIsAnsweredInBatchesEachRequestOnce) {
    ConfigOptions o;
    o.workers = 1;
    start(o);
    UdpClient c;
    constexpr int kRequests = 200;
    std::vector<ByteVec> sent;
    for (int i = 0; i < kRequests; ++i) {
        sent.push_back(request(
            i % 10 == 9
                ? RequestOptions{.identifier = static_cast<std::uint8_t>(i),
                                 .code = radius::Code::StatusServer}
                : RequestOptions{.identifier = static_cast<std::uint8_t>(i),
                                 .soh = ssoh(healthy_entry(), "burst" + std::to_string(i))}));
    }
    for (const auto& rq : sent)
        c.send(port_, rq);
    std::vector<int> answers(kRequests, 0);
    for (int n = 0; n < kRequests; ++n) {
        auto a = c.receive(5s);
        ASSERT_TRUE(a) << n << " answers of " << kRequests;
        auto p = radius::decode_packet(*a);
        ASSERT_TRUE(p);
        const auto& rq = sent[p->identifier()];
        EXPECT_TRUE(
            radius::verify_response(*p, radius::decode_packet(rq)->authenticator(), kSecret, true)
                .ok())
            << "answer " << int{p->identifier()};
        ++answers[p->identifier()];
    }
    EXPECT_FALSE(c.receive(200ms)) << "an answer too many";
    for (int i = 0; i < kRequests; ++i)
        EXPECT_EQ(answers[i], 1) << "request " << i;
    EXPECT_EQ(server_->stats().answered, static_cast<std::uint64_t>(kRequests));
}

TEST_F(ServerdFrontEnd, StatusServer) {
    start();
    UdpClient c;
    const auto rq = request({.identifier = 5, .code = radius::Code::StatusServer});
    auto a = c.exchange(port_, rq);
    ASSERT_TRUE(a);
    auto p = radius::decode_packet(*a);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->code(), radius::Code::AccessAccept);
    EXPECT_TRUE(radius::verify_response(*p, radius::decode_packet(rq)->authenticator(), kSecret,
                                        /*require_message_authenticator=*/true)
                    .ok());
    // Without a Message-Authenticator (RFC 5997 §3 requires one): dropped.
    radius::PacketBuilder b(radius::Code::StatusServer, 6, *radius::random_authenticator());
    c.send(port_, *b.take());
    expect_dropped(c, "bad_authenticator");
}

TEST_F(ServerdFrontEnd, ProxyStateComesBackInOrder) {
    start();
    UdpClient c;
    const std::vector<ByteVec> states = {{'a'}, {'b', 'b'}, ByteVec(253, 'c')};
    const auto rq = request({.soh = ssoh(unhealthy_entry(), "pc"), .proxy_states = states});
    auto a = c.exchange(port_, rq);
    ASSERT_TRUE(a);
    auto p = radius::decode_packet(*a);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->code(), radius::Code::AccessAccept);
    EXPECT_EQ(values_of(*p, radius::Attr::ProxyState), states);
    EXPECT_TRUE(
        radius::verify_response(*p, radius::decode_packet(rq)->authenticator(), kSecret).ok());
    auto rej = c.exchange(port_, request({.proxy_states = states}));
    ASSERT_TRUE(rej);
    auto pr = radius::decode_packet(*rej);
    EXPECT_EQ(pr->code(), radius::Code::AccessReject);
    EXPECT_EQ(values_of(*pr, radius::Attr::ProxyState), states);
}

TEST_F(ServerdFrontEnd, AnAnswerTooBigWithItsSohrIsSentWithoutIt) {
    // Proxy-State fills the request up to 4096 octets; the answer copies them, so it has no room
    // for the SoHR (bigger than the SoH here: an SSoH without SHA entries) but room for the rest.
    start();
    auto base = request({.soh = ssoh_without_entries("big.example.test")});
    std::size_t room = radius::kMaxPacketSize - base.size();
    std::vector<ByteVec> states;
    while (room > 0) {
        std::size_t take = std::min<std::size_t>(room, 255);
        if (room - take == 1 || room - take == 2)
            take -= 3;
        states.emplace_back(take - 2, static_cast<std::uint8_t>('0' + states.size() % 10));
        room -= take;
    }
    const auto rq =
        request({.soh = ssoh_without_entries("big.example.test"), .proxy_states = states});
    ASSERT_EQ(rq.size(), radius::kMaxPacketSize);
    UdpClient c;
    auto a = c.exchange(port_, rq);
    ASSERT_TRUE(a) << "no answer";
    auto p = radius::decode_packet(*a);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->code(), radius::Code::AccessAccept);
    EXPECT_TRUE(
        radius::verify_response(*p, radius::decode_packet(rq)->authenticator(), kSecret, true)
            .ok());
    auto nap = radius::nap_attributes(*p);
    ASSERT_TRUE(nap);
    EXPECT_EQ(nap->quarantine_state, 1u) << "no WSHA entry: not compliant, restricted";
    auto q = radius::quarantine_soh(*p);
    ASSERT_TRUE(q);
    EXPECT_FALSE(q->has_value()) << "sent without the SoHR";
    EXPECT_EQ(values_of(*p, radius::Attr::ProxyState), states);
    // The control: without the padding the same request gets its SoHR.
    auto small = c.exchange(port_, base);
    ASSERT_TRUE(small);
    auto q2 = radius::quarantine_soh(*radius::decode_packet(*small));
    ASSERT_TRUE(q2);
    EXPECT_TRUE(q2->has_value());
}

TEST_F(ServerdFrontEnd, ReloadChangesTheDecisionForNewRequests) {
    start();
    UdpClient c;
    auto a = c.exchange(port_, request({.soh = ssoh(healthy_entry(), "pc")}));
    ASSERT_TRUE(a);
    EXPECT_EQ(radius::decode_packet(*a)->code(), radius::Code::AccessAccept);
    policy::ParseOptions po;
    po.wsha_settings = shvs::wshv::settings_check();
    auto next = policy::parse_config(config_text({.compliant_grant = "deny"}), "next.toml", po);
    ASSERT_TRUE(next);
    auto r = server_->reload(std::move(*next));
    ASSERT_TRUE(r) << r.error();
    auto b = c.exchange(port_, request({.soh = ssoh(healthy_entry(), "pc")}));
    ASSERT_TRUE(b);
    EXPECT_EQ(radius::decode_packet(*b)->code(), radius::Code::AccessReject);
}

}  // namespace
}  // namespace opennap::serverd
