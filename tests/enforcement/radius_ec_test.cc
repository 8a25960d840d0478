// The RADIUS enforcement client's pure halves: the Access-Request it builds and how it reads an
// answer (the UDP edge and the exchange with the agent are tested end to end with napserver).
#include <gtest/gtest.h>

#include "opennap/enforcement/radius_ec.h"
#include "opennap/radius/authorization.h"
#include "opennap/radius/dictionary.h"
#include "opennap/radius/tunnel.h"
#include "opennap/soh/message.h"
#include "support/vectors.h"

namespace opennap::enforcement {
namespace {

constexpr std::string_view kSecret = "testing123";

radius::SharedSecret secret(std::string_view s = kSecret) {
    return std::move(*radius::SharedSecret::create(s));
}

std::vector<std::uint8_t> soh_bytes() {
    // A bare SoH (vector 04, wpa_supplicant's): what the agent hands the EC.
    return test::load_vector("04-soh-wpas-v2.hex");
}

Guid conn_id() {
    return *Guid::parse("{5E3F3C8A-7A1B-4C55-9B2E-0D1F6A7C8B90}");
}

RadiusEcOptions options() {
    RadiusEcOptions o;
    o.secret = std::string(kSecret);
    o.machine_name = "host.example";
    o.nas_identifier = "test-nas";
    return o;
}

TEST(RadiusEcRequest, CarriesTheSohAndTheNapAttributesAndVerifies) {
    auto s = secret();
    auto rq = build_access_request(options(), 42, soh_bytes(), conn_id(), s);
    ASSERT_TRUE(rq) << rq.error().message;
    auto p = radius::decode_packet(*rq);
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_EQ(p->code(), radius::Code::AccessRequest);
    EXPECT_EQ(p->identifier(), 42);
    // Message-Authenticator present and right; a wrong secret fails it.
    auto s2 = secret();
    EXPECT_TRUE(radius::verify_request(*p, s2, /*require_message_authenticator=*/true).ok());
    auto wrong = secret("not-the-secret");
    EXPECT_FALSE(radius::verify_request(*p, wrong, true).ok());
    auto soh = radius::quarantine_soh(*p);
    ASSERT_TRUE(soh && *soh);
    EXPECT_EQ((*soh)->message, soh_bytes());
    EXPECT_EQ((*soh)->wrapping, radius::Wrapping::Bare);
    auto nas = radius::network_access_server_type(*p);
    ASSERT_TRUE(nas && *nas);
    EXPECT_EQ(**nas, radius::NasType::Ras);
    auto name = radius::machine_name(*p);
    ASSERT_TRUE(name && *name);
    EXPECT_EQ(**name, "host.example");
    auto corr = radius::ras_correlation_id(*p);
    ASSERT_TRUE(corr && *corr);
    EXPECT_EQ((*corr)->guid, conn_id());
    auto user = p->find(radius::Attr::UserName);
    ASSERT_TRUE(user);
    EXPECT_EQ(std::string(user->value.begin(), user->value.end()), "host.example");
}

TEST(RadiusEcRequest, PeapFramingAndNoMessageAuthenticator) {
    auto o = options();
    o.wrapping = radius::Wrapping::PeapWrapper;
    o.message_authenticator = false;
    o.nas_type = radius::NasType::Dhcp;
    auto s = secret();
    auto rq = build_access_request(o, 1, soh_bytes(), conn_id(), s);
    ASSERT_TRUE(rq);
    auto p = radius::decode_packet(*rq);
    ASSERT_TRUE(p);
    EXPECT_FALSE(p->find(radius::Attr::MessageAuthenticator));
    auto soh = radius::quarantine_soh(*p);
    ASSERT_TRUE(soh && *soh);
    EXPECT_EQ((*soh)->wrapping, radius::Wrapping::PeapWrapper);
    EXPECT_EQ((*soh)->message, soh_bytes());
}

TEST(RadiusEcRequest, TwoRequestsHaveDifferentAuthenticators) {
    auto s = secret();
    auto a = build_access_request(options(), 1, soh_bytes(), conn_id(), s);
    auto b = build_access_request(options(), 1, soh_bytes(), conn_id(), s);
    ASSERT_TRUE(a && b);
    EXPECT_NE(std::vector(a->begin() + 4, a->begin() + 20),
              std::vector(b->begin() + 4, b->begin() + 20));
}

// A server's answer, built with the radius codec as napserver does.
std::vector<std::uint8_t> answer(const std::vector<std::uint8_t>& request, radius::Code code,
                                 std::string_view with_secret, bool restricted,
                                 std::uint8_t identifier_delta = 0) {
    auto rq = radius::decode_packet(request);
    EXPECT_TRUE(rq);
    radius::PacketBuilder b(code, static_cast<std::uint8_t>(rq->identifier() + identifier_delta));
    b.add_message_authenticator();
    if (code == radius::Code::AccessAccept) {
        radius::add_quarantine_state(b, restricted ? radius::QuarantineState::Restricted
                                                   : radius::QuarantineState::FullAccess);
        if (restricted) {
            radius::add_ipv4_remediation_servers(b,
                                                 std::vector<radius::Ipv4Address>{{10, 0, 0, 5}});
            radius::add_filter_id(b, "quarantine");
            radius::add_vlan(b, 99);
        }
        radius::add_session_timeout(b, std::chrono::seconds(3600));
        radius::add_quarantine_soh(b, test::load_vector("15-sohr-synthesized.hex"),
                                   radius::Wrapping::Bare);
    }
    b.add(radius::Attr::ReplyMessage, "hello");
    auto s = radius::SharedSecret::create(with_secret);
    EXPECT_TRUE(radius::sign_response(b, *rq, *s));
    if (identifier_delta != 0)
        b.set_identifier(static_cast<std::uint8_t>(rq->identifier() + identifier_delta));
    return *b.take();
}

TEST(RadiusEcResponse, ReadsTheDecision) {
    auto s = secret();
    auto rq = build_access_request(options(), 7, soh_bytes(), conn_id(), s);
    ASSERT_TRUE(rq);
    const auto rs = answer(*rq, radius::Code::AccessAccept, kSecret, true);
    auto d = read_access_response(rs, *rq, s);
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_TRUE(d->accepted);
    EXPECT_EQ(d->quarantine_state, 1u);
    ASSERT_EQ(d->remediation_servers.size(), 1u);
    EXPECT_EQ(d->remediation_servers[0], "10.0.0.5");
    EXPECT_EQ(d->filter_id, "quarantine");
    EXPECT_EQ(d->vlan, "99");
    EXPECT_EQ(d->session_timeout, 3600u);
    EXPECT_EQ(d->reply_message, "hello");
    EXPECT_EQ(d->sohr, test::load_vector("15-sohr-synthesized.hex"));
}

TEST(RadiusEcResponse, RejectIsADecisionWithoutSohr) {
    auto s = secret();
    auto rq = build_access_request(options(), 7, soh_bytes(), conn_id(), s);
    ASSERT_TRUE(rq);
    auto d = read_access_response(answer(*rq, radius::Code::AccessReject, kSecret, false), *rq, s);
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_FALSE(d->accepted);
    EXPECT_TRUE(d->sohr.empty());
}

TEST(RadiusEcResponse, WrongSecretWrongIdentifierChallengeAndGarbageAreErrors) {
    auto s = secret();
    auto rq = build_access_request(options(), 7, soh_bytes(), conn_id(), s);
    ASSERT_TRUE(rq);
    auto bad_secret =
        read_access_response(answer(*rq, radius::Code::AccessAccept, "other", false), *rq, s);
    ASSERT_FALSE(bad_secret);
    EXPECT_EQ(bad_secret.error().code, hr::E_ACCESSDENIED);
    EXPECT_NE(bad_secret.error().message.find("secret"), std::string::npos);

    auto other_id =
        read_access_response(answer(*rq, radius::Code::AccessAccept, kSecret, false, 1), *rq, s);
    ASSERT_FALSE(other_id);
    EXPECT_EQ(other_id.error().code, hr::NAP_E_MISMATCHED_ID);

    auto challenge =
        read_access_response(answer(*rq, radius::Code::AccessChallenge, kSecret, false), *rq, s);
    ASSERT_FALSE(challenge);
    EXPECT_EQ(challenge.error().code, hr::E_NOTIMPL);

    const std::vector<std::uint8_t> garbage(10, 0x02);
    auto g = read_access_response(garbage, *rq, s);
    ASSERT_FALSE(g);
    EXPECT_EQ(g.error().code, hr::NAP_E_INVALID_PACKET);
    // Every truncation of a good answer is an error, never a crash.
    const auto good = answer(*rq, radius::Code::AccessAccept, kSecret, true);
    for (std::size_t n = 0; n < good.size(); ++n) {
        auto t = read_access_response(std::span(good.data(), n), *rq, s);
        EXPECT_FALSE(t) << "truncated to " << n;
    }
}

TEST(RadiusEcVerdict, FromTheAnswerAndTheAgentsDecision) {
    ExchangeResult r;
    EXPECT_EQ(verdict_of(r), "rejected");
    r.radius.accepted = true;
    EXPECT_EQ(verdict_of(r), "no-decision");
    r.isolation = IsolationInfoEx{};
    r.isolation->isolation_state = IsolationState::NotRestricted;
    EXPECT_EQ(verdict_of(r), "full-access");
    r.isolation->isolation_state = IsolationState::InProbation;
    EXPECT_EQ(verdict_of(r), "probation");
    r.isolation->isolation_state = IsolationState::RestrictedAccess;
    EXPECT_EQ(verdict_of(r), "restricted");
}

}  // namespace
}  // namespace opennap::enforcement
