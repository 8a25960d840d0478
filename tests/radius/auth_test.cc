// Known-answer tests of the authenticators. The expected values were computed independently
// with Python's hashlib / hmac when these tests were written (script in docs/radius.md), except
// the first, which is RFC 2865 §7.1's own example.
#include "opennap/radius/auth.h"

#include <gtest/gtest.h>

#include <array>

#include "helpers.h"
#include "opennap/radius/authorization.h"
#include "opennap/radius/tunnel.h"
#include "opennap/radius/vsa.h"

namespace opennap::radius {
namespace {

using namespace test;
using namespace std::chrono_literals;

constexpr std::string_view kSecret = "testing123";

PacketView view(Bytes b) {
    auto p = decode_packet(b);
    EXPECT_TRUE(p) << p.error().message();
    return *p;
}

Authenticator counting(std::uint8_t first) {
    Authenticator a{};
    for (std::size_t i = 0; i < a.size(); ++i) {
        a[i] = static_cast<std::uint8_t>(first + i);
    }
    return a;
}

SharedSecret secret(std::string_view s = kSecret) {
    auto r = SharedSecret::create(s);
    EXPECT_TRUE(r);
    return std::move(*r);
}

// RFC 2865 §7.1 (secret "xyzzy5461").
const ByteVec kRfcRequest = from_hex(
    "01 00 00 38 0f 40 3f 94 73 97 80 57 bd 83 d5 cb 98 f4 22 7a 01 06 6e 65 6d 6f 02 12 0d be "
    "70 8d 93 d4 13 ce 31 96 e4 3f 78 2a 0a ee 04 06 c0 a8 01 10 05 06 00 00 00 03");
const ByteVec kRfcAccept = from_hex(
    "02 00 00 26 86 fe 22 0e 76 24 ba 2a 10 05 f6 bf 9b 55 e0 b2 06 06 00 00 00 01 0f 06 00 00 "
    "00 00 0e 06 c0 a8 01 03");

// A: Access-Request, Message-Authenticator first, User-Name, vector 10's VSA.
const ByteVec kA = from_hex(
    "012a0118000102030405060708090a0b0c0d0e0f5012395657d345f9e32084092950dadacf8a010c6e61702d63"
    "6c69656e741ae60000013737e0000700da00000137000100d2000700ce00000137000200c60007001e00000137"
    "54468936cb494374b127a6a3cc3bb11c01ca78d858ee1ef0010000020004000137000007004f00000137031101"
    "0000000600000000000017710001000000090500146e657462696f732e6578616d706c652e636f6d0006544689"
    "36cb494374b127a6a3cc3bb11c01ca78d858ee1ef008000000000100020004000137800008000100000b000400"
    "0000070008000101000b0004c0ff00020008000102000b0004000000070008000103000b000400000004000800"
    "0104000b000400ff0006");
// B: the Access-Accept answering A: Message-Authenticator, MS-Quarantine-State 0,
// Session-Timeout 3600, VLAN "10" untagged.
const ByteVec kB = from_hex(
    "022a00484b2db65ad3b5a0cd2d3967cbaa4a474d5012a994c3fd60c2d1891929988f1bb22b231a0c000001372d"
    "06000000001b0600000e1040060000000d41060000000651043130");
// C: Accounting-Request (Acct-Status-Type Start, Acct-Session-Id "abc", NAS-IP 192.168.0.1).
const ByteVec kC =
    from_hex("04070025e24444a72b3b323deddce2af43034b712806000000012c056162630406c0a80001");
// D: C with a Message-Authenticator first (identifier 8).
const ByteVec kD = from_hex(
    "0408003758ca0fd322e3d3504b7c1a88be747e4f50124bb4b8598e47cde0616e2da8d0af2db228060000000"
    "12c056162630406c0a80001");
// E: Status-Server (authenticator f0..ff), Message-Authenticator, NAS-Identifier "opennap".
const ByteVec kE = from_hex(
    "0c10002ff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff50122d7fcc6413e67e6ce0e7ee2c68319fd620096f70656e6e"
    "6170");
// F: the Accounting-Response answering C, no attributes.
const ByteVec kF = from_hex("05070014e818364700f82679790608de21852fb6");
// G: CoA-Request (Message-Authenticator, Acct-Session-Id "abc"); H: its CoA-ACK.
const ByteVec kG = from_hex(
    "2b09002be92d11ccc1fc359e95cb3ad8b168d9a65012e7ffe811c56abd3d7755ca24213aba2c2c05616263");
const ByteVec kH =
    from_hex("2c090026a6e13a34eeb836bd1641ba6b9448725a5012a15d28db367fd0cbd33e359666f6413c");

TEST(RadiusAuth, Primitives) {
    SharedSecret s = secret();
    const ByteVec abc = text("abc");
    const ByteVec def = text("def");
    const std::array<Bytes, 2> parts = {Bytes(abc), Bytes(def)};
    auto md5 = s.md5(parts);
    ASSERT_TRUE(md5);
    EXPECT_EQ(to_hex(vec(*md5)), "608b572fb97f2daeb3c25bc54bceb4f1");  // MD5("abcdef" + secret)
    auto mac = s.hmac_md5(parts);
    ASSERT_TRUE(mac);
    EXPECT_EQ(to_hex(vec(*mac)), "f43d99675f42fd3288ea918ffbc802ee");  // HMAC-MD5(secret, "abcdef")
    // Contexts are reused: the same answers many times over, interleaved.
    for (int i = 0; i < 100; ++i) {
        EXPECT_EQ(*s.hmac_md5(parts), *mac);
        EXPECT_EQ(*s.md5(parts), *md5);
    }
    // A moved-to secret still works.
    SharedSecret moved = std::move(s);
    EXPECT_EQ(*moved.md5(parts), *md5);
}

// RFC 2202 §2's HMAC-MD5 test cases: a key shorter than a block, a short text key, and a key
// longer than the 64-octet block (hashed first).
TEST(RadiusAuth, HmacMd5MatchesRfc2202) {
    struct Case {
        std::string key;
        std::string data;
        const char* mac;
    };
    const Case cases[] = {
        {std::string(16, '\x0b'), "Hi There", "9294727a3638bb1c13f48ef8158bfc9d"},
        {"Jefe", "what do ya want for nothing?", "750c783e6ab0b503eaa86e310a5db738"},
        {std::string(16, '\xaa'), std::string(50, '\xdd'), "56be34521d144c88dbb8c733f0e8b3f6"},
        {std::string(80, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First",
         "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd"},
        {std::string(80, '\xaa'),
         "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data",
         "6f630fad67cda0ee1fb1f562db3aa53e"},
    };
    for (const Case& c : cases) {
        SharedSecret s = secret(c.key);
        const ByteVec data = text(c.data);
        const std::array<Bytes, 1> parts = {Bytes(data)};
        auto mac = s.hmac_md5(parts);
        ASSERT_TRUE(mac);
        EXPECT_EQ(to_hex(vec(*mac)), c.mac) << c.data;
        // The same split in two parts at every octet.
        for (std::size_t cut = 0; cut <= data.size(); ++cut) {
            const std::array<Bytes, 2> two = {Bytes(data).subspan(0, cut),
                                              Bytes(data).subspan(cut)};
            EXPECT_EQ(to_hex(vec(*s.hmac_md5(two))), c.mac) << c.data << " cut at " << cut;
        }
    }
}

TEST(RadiusAuth, SecretMustNotBeEmpty) {
    auto s = SharedSecret::create("");
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::BadSecret);
    EXPECT_EQ(s.error().message(), "the shared secret is empty");
    EXPECT_EQ(verify_request(view(kA), std::string_view{}, false).status,
              AuthStatus::CryptoFailure);
}

TEST(RadiusAuth, Rfc2865ResponseAuthenticator) {
    const PacketView req = view(kRfcRequest);
    auto check = verify_response(view(kRfcAccept), req.authenticator(), "xyzzy5461");
    EXPECT_EQ(check.status, AuthStatus::Ok);
    EXPECT_FALSE(check.message_authenticator);
    EXPECT_EQ(verify_response(view(kRfcAccept), req.authenticator(), "xyzzy5460").status,
              AuthStatus::BadAuthenticator);
    // Signing the same answer reproduces the RFC's bytes.
    PacketBuilder b(Code::AccessAccept);
    b.add_u32(Attr::ServiceType, 1)
        .add_u32(Attr::LoginService, 0)
        .add(Attr::LoginIpHost, from_hex("c0a80103"));
    ASSERT_TRUE(sign_response(b, req, "xyzzy5461"));
    EXPECT_EQ(vec(*b.bytes()), kRfcAccept);
    // An Access-Request's own authenticator is random: only the Message-Authenticator (absent
    // here) can be checked.
    EXPECT_TRUE(verify_request(req, "xyzzy5461", false).ok());
    EXPECT_EQ(verify_request(req, "xyzzy5461", true).status,
              AuthStatus::MissingMessageAuthenticator);
}

TEST(RadiusAuth, AccessRequestMessageAuthenticator) {
    SharedSecret s = secret();
    PacketBuilder b(Code::AccessRequest, 0x2a, counting(0));
    b.add_message_authenticator().add(Attr::UserName, "nap-client").add_raw(vector10());
    ASSERT_TRUE(sign_request(b, s));
    EXPECT_EQ(vec(*b.bytes()), kA);

    auto check = verify_request(view(kA), s, true);
    EXPECT_EQ(check.status, AuthStatus::Ok);
    EXPECT_TRUE(check.message_authenticator);
    // Any change after the Code/Identifier/Length is detected.
    for (std::size_t i = 4; i < kA.size(); ++i) {
        ByteVec t = kA;
        t[i] ^= 0x40;
        auto p = decode_packet(t);
        if (!p) {
            continue;  // a length octet changed: no longer a packet
        }
        EXPECT_FALSE(verify_request(*p, s, true).ok()) << i;
    }
    // Wrong secret.
    auto wrong = verify_request(view(kA), "testing124", false);
    EXPECT_EQ(wrong.status, AuthStatus::BadMessageAuthenticator);
    EXPECT_EQ(wrong.offset, 20u);
    EXPECT_TRUE(wrong.message_authenticator);
}

TEST(RadiusAuth, AccessAcceptSignedInTheRightOrder) {
    SharedSecret s = secret();
    const PacketView req = view(kA);
    PacketBuilder b(Code::AccessAccept, 0);  // identifier copied from the request
    b.add_message_authenticator();
    add_vsa_u32(b, kVendorMicrosoft, static_cast<std::uint8_t>(MsAttr::QuarantineState), 0);
    add_session_timeout(b, 3600s);
    add_vlan(b, std::uint16_t{10});
    ASSERT_TRUE(sign_response(b, req, s));
    EXPECT_EQ(vec(*b.bytes()), kB);

    auto check = verify_response(view(kB), req.authenticator(), s, true);
    EXPECT_EQ(check.status, AuthStatus::Ok);
    EXPECT_TRUE(check.message_authenticator);
    for (std::size_t i = 4; i < kB.size(); ++i) {
        ByteVec t = kB;
        t[i] ^= 0x01;
        auto p = decode_packet(t);
        if (p) {
            EXPECT_FALSE(verify_response(*p, req.authenticator(), s).ok()) << i;
        }
    }
    // Against another request's authenticator.
    EXPECT_EQ(verify_response(view(kB), counting(1), s).status,
              AuthStatus::BadMessageAuthenticator);
    // A wrong Response Authenticator: the Message-Authenticator still matches (a response's HMAC
    // covers the request's authenticator, not its own), the Response Authenticator does not.
    ByteVec t = kB;
    t[4] ^= 0xff;
    auto bad = verify_response(view(t), req.authenticator(), s);
    EXPECT_EQ(bad.status, AuthStatus::BadAuthenticator);
    EXPECT_EQ(bad.offset, 4u);
    // Signing twice gives the same bytes (the placeholder is re-zeroed first).
    ASSERT_TRUE(sign_response(b, req, s));
    EXPECT_EQ(vec(*b.bytes()), kB);
}

TEST(RadiusAuth, AccountingRequestAndResponse) {
    SharedSecret s = secret();
    PacketBuilder c(Code::AccountingRequest, 7, counting(100));  // the authenticator is replaced
    c.add_u32(Attr::AcctStatusType, 1)
        .add(Attr::AcctSessionId, "abc")
        .add(Attr::NasIpAddress, from_hex("c0a80001"));
    ASSERT_TRUE(sign_request(c, s));
    EXPECT_EQ(vec(*c.bytes()), kC);
    auto check = verify_request(view(kC), s, false);
    EXPECT_EQ(check.status, AuthStatus::Ok);
    EXPECT_FALSE(check.message_authenticator);
    ByteVec t = kC;
    t[t.size() - 1] ^= 1;
    auto bad = verify_request(view(t), s, false);
    EXPECT_EQ(bad.status, AuthStatus::BadAuthenticator);
    EXPECT_EQ(bad.offset, 4u);
    EXPECT_EQ(verify_request(view(kC), s, true).status, AuthStatus::MissingMessageAuthenticator);

    PacketBuilder d(Code::AccountingRequest, 8);
    d.add_message_authenticator()
        .add_u32(Attr::AcctStatusType, 1)
        .add(Attr::AcctSessionId, "abc")
        .add(Attr::NasIpAddress, from_hex("c0a80001"));
    ASSERT_TRUE(sign_request(d, s));
    EXPECT_EQ(vec(*d.bytes()), kD);
    check = verify_request(view(kD), s, true);
    EXPECT_EQ(check.status, AuthStatus::Ok);
    EXPECT_TRUE(check.message_authenticator);

    PacketBuilder f(Code::AccountingResponse);
    ASSERT_TRUE(sign_response(f, view(kC), s));
    EXPECT_EQ(vec(*f.bytes()), kF);
    EXPECT_TRUE(verify_response(view(kF), view(kC).authenticator(), s).ok());
}

TEST(RadiusAuth, StatusServerRequiresAMessageAuthenticator) {
    SharedSecret s = secret();
    PacketBuilder e(Code::StatusServer, 0x10, counting(0xf0));
    e.add_message_authenticator().add(Attr::NasIdentifier, "opennap");
    ASSERT_TRUE(sign_request(e, s));
    EXPECT_EQ(vec(*e.bytes()), kE);
    EXPECT_TRUE(verify_request(view(kE), s, false).ok());

    PacketBuilder without(Code::StatusServer, 0x10, counting(0xf0));
    without.add(Attr::NasIdentifier, "opennap");
    auto signed_without = sign_request(without, s);
    ASSERT_FALSE(signed_without);
    EXPECT_EQ(signed_without.error().code, Errc::Missing);
    EXPECT_EQ(signed_without.error().type, 80);
    auto check = verify_request(view(*without.bytes()), s, false);
    EXPECT_EQ(check.status, AuthStatus::MissingMessageAuthenticator);
    EXPECT_EQ(check.offset, 29u);

    // Answered by an Access-Accept (authentication port) or Accounting-Response (accounting).
    for (Code answer : {Code::AccessAccept, Code::AccountingResponse}) {
        PacketBuilder r(answer);
        r.add_message_authenticator();
        ASSERT_TRUE(sign_response(r, view(kE), s));
        EXPECT_TRUE(verify_response(view(*r.bytes()), view(kE).authenticator(), s, true).ok());
    }
}

TEST(RadiusAuth, CoaRequestAndAck) {
    SharedSecret s = secret();
    PacketBuilder g(Code::CoaRequest, 9);
    g.add_message_authenticator().add(Attr::AcctSessionId, "abc");
    ASSERT_TRUE(sign_request(g, s));
    EXPECT_EQ(vec(*g.bytes()), kG);
    EXPECT_TRUE(verify_request(view(kG), s, true).ok());
    PacketBuilder h(Code::CoaAck);
    h.add_message_authenticator();
    ASSERT_TRUE(sign_response(h, view(kG), s));
    EXPECT_EQ(vec(*h.bytes()), kH);
    EXPECT_TRUE(verify_response(view(kH), view(kG).authenticator(), s, true).ok());
    // Disconnect-Request uses the same construction.
    PacketBuilder dm(Code::DisconnectRequest, 1);
    dm.add_message_authenticator().add(Attr::UserName, "u");
    ASSERT_TRUE(sign_request(dm, s));
    EXPECT_TRUE(verify_request(view(*dm.bytes()), s, true).ok());
}

TEST(RadiusAuth, EapMessageRequiresAMessageAuthenticator) {
    const ByteVec b = packet(Code::AccessRequest, 1,
                             cat({attr(1, text("u")), attr(79, from_hex("0201000601 75"))}));
    auto check = verify_request(view(b), kSecret, false);
    EXPECT_EQ(check.status, AuthStatus::MissingMessageAuthenticator);
}

TEST(RadiusAuth, DuplicateAndMalformedMessageAuthenticators) {
    SharedSecret s = secret();
    const ByteVec two =
        packet(Code::AccessRequest, 1,
               cat({attr(80, ByteVec(16, 0)), attr(1, text("u")), attr(80, ByteVec(16, 0))}));
    auto dup = verify_request(view(two), s, false);
    EXPECT_EQ(dup.status, AuthStatus::DuplicateMessageAuthenticator);
    EXPECT_EQ(dup.offset, 41u);
    for (std::size_t n : {0u, 15u, 17u}) {
        const ByteVec b = packet(Code::AccessRequest, 1, attr(80, ByteVec(n, 0)));
        auto m = verify_request(view(b), s, false);
        EXPECT_EQ(m.status, AuthStatus::MalformedMessageAuthenticator) << n;
        EXPECT_EQ(m.offset, 20u);
    }
}

TEST(RadiusAuth, CodesMustFitTheCheck) {
    SharedSecret s = secret();
    EXPECT_EQ(verify_request(view(kB), s, false).status, AuthStatus::WrongCode);
    EXPECT_EQ(verify_response(view(kA), counting(0), s).status, AuthStatus::WrongCode);
    ByteVec status_client = kA;
    status_client[0] = 13;
    EXPECT_EQ(verify_request(view(status_client), s, false).status, AuthStatus::WrongCode);

    PacketBuilder wrong_answer(Code::AccountingResponse);
    auto r = sign_response(wrong_answer, view(kA), s);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::WrongCode);
    EXPECT_EQ(r.error().value, 5u);
    EXPECT_EQ(r.error().limit, 1u);
    EXPECT_EQ(r.error().message(),
              "packet code 5 at offset 0 is not allowed here (in answer to code 1)");

    PacketBuilder to_a_response(Code::AccessAccept);
    EXPECT_EQ(sign_response(to_a_response, view(kB), s).error().code, Errc::WrongCode);
    PacketBuilder not_a_request(Code::AccessAccept);
    EXPECT_EQ(sign_request(not_a_request, s).error().code, Errc::WrongCode);

    PacketBuilder broken(Code::AccessAccept);
    broken.add(Attr::Class, ByteVec(300, 0));
    EXPECT_EQ(sign_response(broken, view(kA), s).error().code, Errc::TooLong);
}

TEST(RadiusAuth, RandomAuthenticators) {
    auto a = random_authenticator();
    auto b = random_authenticator();
    ASSERT_TRUE(a && b);
    EXPECT_NE(*a, *b);
}

TEST(RadiusAuth, StatusNames) {
    for (int i = 0; i <= static_cast<int>(AuthStatus::CryptoFailure); ++i) {
        EXPECT_NE(to_string(static_cast<AuthStatus>(i)), "unknown");
    }
}

}  // namespace
}  // namespace opennap::radius
