#include "opennap/radius/ms_rnap.h"

#include <gtest/gtest.h>

#include <array>
#include <chrono>

#include "helpers.h"
#include "opennap/soh/message.h"

namespace opennap::radius {
namespace {

using namespace test;
using namespace std::chrono_literals;

ByteVec ms_vsa(std::uint8_t type, const ByteVec& value) {
    return attr(26, cat({from_hex("00000137"),
                         ByteVec{type, static_cast<std::uint8_t>(value.size() + 2)}, value}));
}

PacketView view(Bytes b) {
    auto p = decode_packet(b);
    EXPECT_TRUE(p) << p.error().message();
    return *p;
}

// ---- MS-Quarantine-SoH -------------------------------------------------------------------------

TEST(RadiusMsRnap, Vectors10And11InAnAccessRequest) {
    struct Case {
        ByteVec vsa;
        const char* soh;
    };
    for (const Case& c :
         {Case{vector10(), "08-soh-wsha-compact.hex"}, Case{vector11(), "04-soh-wpas-v2.hex"}}) {
        const ByteVec b =
            packet(Code::AccessRequest, 1,
                   cat({attr(1, text("host/pc1")), attr(4, from_hex("0a000001")), c.vsa}));
        auto q = quarantine_soh(view(b));
        ASSERT_TRUE(q) << q.error().message();
        ASSERT_TRUE(*q);
        EXPECT_EQ((*q)->message, load_vector(c.soh));
        EXPECT_EQ((*q)->wrapping, Wrapping::PeapWrapper);
        EXPECT_EQ((*q)->vsa_count, 1u);
        // The message is an SoH the SoH codec accepts.
        EXPECT_TRUE(soh::decode((*q)->message));
    }
}

TEST(RadiusMsRnap, BareAndSplitSoh) {
    const ByteVec v09 = load_vector("09-soh-wsha-full.hex");
    for (Wrapping w : {Wrapping::Bare, Wrapping::PeapWrapper}) {
        PacketBuilder b(Code::AccessRequest, 4);
        b.add(Attr::UserName, "u");
        add_quarantine_soh(b, v09, w);
        b.add(Attr::NasPort, from_hex("00000001"));
        auto bytes = b.bytes();
        ASSERT_TRUE(bytes) << bytes.error().message();
        auto q = quarantine_soh(view(*bytes));
        ASSERT_TRUE(q) << q.error().message();
        ASSERT_TRUE(*q);
        EXPECT_EQ((*q)->message, v09);
        EXPECT_EQ((*q)->wrapping, w);
        EXPECT_EQ((*q)->vsa_count, 2u);
        EXPECT_EQ(b.attribute_count(), 4);
    }
}

TEST(RadiusMsRnap, AbsentSoh) {
    const ByteVec b = packet(Code::AccessRequest, 1,
                             cat({attr(1, text("u")), ms_vsa(0x2f, from_hex("00000002"))}));
    auto q = quarantine_soh(view(b));
    ASSERT_TRUE(q) << q.error().message();
    EXPECT_FALSE(*q);
}

TEST(RadiusMsRnap, SohWrapperErrorIsReportedInPacketOffsets) {
    ByteVec vsa = vector10();
    vsa[10] ^= 0x01;  // the wrapper's outer length (value offset 2)
    const ByteVec b = packet(Code::AccessRequest, 1, cat({attr(1, text("u")), vsa}));
    auto q = quarantine_soh(view(b));
    ASSERT_FALSE(q);
    const Error& e = q.error();
    EXPECT_EQ(e.code, Errc::Soh);
    ASSERT_TRUE(e.soh);
    EXPECT_EQ(e.soh->code, soh::Errc::BadLength);
    // VSA at 23, its value at 31, the wrapper's length field 2 octets later.
    EXPECT_EQ(e.offset, 33u);
    EXPECT_EQ(e.soh->offset, 33u);
    EXPECT_EQ(e.attribute, 2);
    EXPECT_EQ(e.type, 26);
    EXPECT_EQ(e.vendor, 311u);
    EXPECT_EQ(e.vendor_type, 55);
    EXPECT_NE(e.message().find("attribute 2 (type 26, vendor 311) at offset 33: "),
              std::string::npos)
        << e.message();
}

TEST(RadiusMsRnap, SohTooShort) {
    const ByteVec b = packet(Code::AccessRequest, 1, ms_vsa(55, from_hex("0007000400000137")));
    auto q = quarantine_soh(view(b));
    ASSERT_FALSE(q);
    EXPECT_EQ(q.error().code, Errc::Soh);
    EXPECT_EQ(q.error().soh->limit, 12u);
}

TEST(RadiusMsRnap, MalformedMicrosoftVsaHidesTheSoh) {
    // A Microsoft VSA with broken sub-attribute framing: the SoH accessor cannot say "absent"
    // or trust its reassembly. Another vendor's broken VSA does not matter.
    const ByteVec broken_ms = attr(26, from_hex("00000137 3201"));
    const ByteVec broken_other = attr(26, from_hex("00000009 0101"));
    auto q = quarantine_soh(view(packet(Code::AccessRequest, 1, cat({vector10(), broken_ms}))));
    ASSERT_FALSE(q);
    EXPECT_EQ(q.error().code, Errc::BadLength);
    EXPECT_EQ(q.error().field, Field::SubAttribute);
    EXPECT_EQ(q.error().attribute, 2);
    auto ok = quarantine_soh(view(packet(Code::AccessRequest, 1, cat({vector10(), broken_other}))));
    ASSERT_TRUE(ok) << ok.error().message();
    EXPECT_TRUE(*ok);
}

// ---- Request attributes ------------------------------------------------------------------------

TEST(RadiusMsRnap, NetworkAccessServerType) {
    auto t = network_access_server_type(
        view(packet(Code::AccessRequest, 1, ms_vsa(0x2f, from_hex("00000003")))));
    ASSERT_TRUE(t);
    EXPECT_EQ(*t, NasType::Dhcp);
    // Values MS-RNAP does not name pass through.
    t = network_access_server_type(
        view(packet(Code::AccessRequest, 1, ms_vsa(0x2f, from_hex("00000004")))));
    ASSERT_TRUE(t && *t);
    EXPECT_EQ(static_cast<std::uint32_t>(**t), 4u);
    // Absent.
    t = network_access_server_type(view(packet(Code::AccessRequest, 1, attr(1, text("u")))));
    ASSERT_TRUE(t);
    EXPECT_FALSE(*t);
    // Wrong length.
    t = network_access_server_type(
        view(packet(Code::AccessRequest, 1, ms_vsa(0x2f, from_hex("000003")))));
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error().code, Errc::BadLength);
    EXPECT_EQ(t.error().value, 5u);
    EXPECT_EQ(t.error().limit, 6u);
    EXPECT_EQ(t.error().vendor_type, 0x2f);
    // Twice, in two VSAs and in one.
    t = network_access_server_type(view(
        packet(Code::AccessRequest, 1,
               cat({ms_vsa(0x2f, from_hex("00000002")), ms_vsa(0x2f, from_hex("00000002"))}))));
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error().code, Errc::Duplicate);
    EXPECT_EQ(t.error().attribute, 2);
    t = network_access_server_type(view(
        packet(Code::AccessRequest, 1, attr(26, from_hex("00000137 2f0600000002 2f0600000002")))));
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error().code, Errc::Duplicate);
    EXPECT_EQ(t.error().sub_attribute, 2);
    EXPECT_EQ(t.error().offset, 32u);
}

TEST(RadiusMsRnap, MachineName) {
    const ByteVec b = packet(Code::AccessRequest, 1, ms_vsa(0x32, text("netbios.example.com")));
    auto n = machine_name(view(b));
    ASSERT_TRUE(n && *n);
    EXPECT_EQ(**n, "netbios.example.com");
    EXPECT_EQ(static_cast<const void*>((*n)->data()), static_cast<const void*>(b.data() + 28));
    // One trailing NUL is dropped.
    const ByteVec with_nul = packet(Code::AccessRequest, 1, ms_vsa(0x32, from_hex("706331 00")));
    n = machine_name(view(with_nul));
    ASSERT_TRUE(n && *n);
    EXPECT_EQ(**n, "pc1");
    // Empty, or only a NUL.
    n = machine_name(view(packet(Code::AccessRequest, 1, ms_vsa(0x32, {}))));
    ASSERT_FALSE(n);
    EXPECT_EQ(n.error().code, Errc::BadLength);
    n = machine_name(view(packet(Code::AccessRequest, 1, ms_vsa(0x32, from_hex("00")))));
    ASSERT_FALSE(n);
    EXPECT_EQ(n.error().code, Errc::BadValue);
    // Absent.
    n = machine_name(view(packet(Code::AccessRequest, 1, {})));
    ASSERT_TRUE(n);
    EXPECT_FALSE(*n);
}

TEST(RadiusMsRnap, RasCorrelationIdForms) {
    const Guid expect = *Guid::parse("54468936-cb49-4374-b127-a6a3cc3bb11c");
    const std::string upper = "{54468936-CB49-4374-B127-A6A3CC3BB11C}";
    ByteVec utf16;
    for (char c : upper) {
        utf16.push_back(static_cast<std::uint8_t>(c));
        utf16.push_back(0);
    }
    const auto le = expect.to_bytes_le();
    struct Case {
        ByteVec value;
        CorrelationIdForm form;
    };
    for (const Case& c :
         {Case{text(upper), CorrelationIdForm::Text},
          Case{text("{54468936-cb49-4374-b127-a6a3cc3bb11c}"), CorrelationIdForm::Text},
          Case{cat({text(upper), from_hex("00")}), CorrelationIdForm::Text},
          Case{utf16, CorrelationIdForm::Utf16Text},
          Case{cat({utf16, from_hex("0000")}), CorrelationIdForm::Utf16Text},
          Case{ByteVec(le.begin(), le.end()), CorrelationIdForm::Binary}}) {
        auto id = ras_correlation_id(view(packet(Code::AccessRequest, 1, ms_vsa(0x38, c.value))));
        ASSERT_TRUE(id) << id.error().message();
        ASSERT_TRUE(*id);
        EXPECT_EQ((*id)->guid, expect);
        EXPECT_EQ((*id)->form, c.form);
    }
    for (const ByteVec& bad : {text("54468936-cb49-4374-b127-a6a3cc3bb11c"),    // no braces (36)
                               text("(54468936-cb49-4374-b127-a6a3cc3bb11c)"),  // wrong brackets
                               text("{54468936-cb49-4374-b127-a6a3cc3bb11x}"),  // not hex
                               cat({text(upper), from_hex("20")}),  // 39th octet not NUL
                               ByteVec(15, 1)}) {
        auto id = ras_correlation_id(view(packet(Code::AccessRequest, 1, ms_vsa(0x38, bad))));
        EXPECT_FALSE(id) << to_hex(bad);
    }
    ByteVec bad16 = utf16;
    bad16[5] = 0x01;  // a high byte that is not zero
    auto id = ras_correlation_id(view(packet(Code::AccessRequest, 1, ms_vsa(0x38, bad16))));
    ASSERT_FALSE(id);
    EXPECT_EQ(id.error().code, Errc::BadValue);
    EXPECT_EQ(id.error().offset, 28u + 5);
}

TEST(RadiusMsRnap, NasSideWritersRoundTrip) {
    const Guid g = *Guid::parse("{0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9}");
    PacketBuilder b(Code::AccessRequest, 1);
    add_network_access_server_type(b, NasType::TsGateway);
    add_machine_name(b, "pc1.example.com");
    add_ras_correlation_id(b, g);
    auto bytes = b.bytes();
    ASSERT_TRUE(bytes);
    EXPECT_EQ(vec(Bytes(*bytes).subspan(20, 12)), from_hex("1a0c 00000137 2f06 00000001"));
    EXPECT_EQ(
        vec(Bytes(*bytes).subspan(55)),
        cat({from_hex("1a2e 00000137 3828"), text("{0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9}")}));
    const PacketView p = view(*bytes);
    EXPECT_EQ(*network_access_server_type(p), NasType::TsGateway);
    EXPECT_EQ(*machine_name(p), "pc1.example.com");
    EXPECT_EQ(*ras_correlation_id(p), (RasCorrelationId{g, CorrelationIdForm::Text}));

    PacketBuilder empty(Code::AccessRequest, 1);
    add_machine_name(empty, "");
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.error()->code, Errc::BadLength);
}

// ---- Access-Accept -----------------------------------------------------------------------------

TEST(RadiusMsRnap, DecisionAttributesByteExact) {
    PacketBuilder b(Code::AccessAccept, 1);
    add_quarantine_state(b, QuarantineState::Restricted);
    add_extended_quarantine_state(b, ExtendedQuarantineState::Infected);
    add_quarantine_grace_time(b, std::chrono::sys_seconds(1'700'000'000s));
    const Ipv4Address v4[] = {{10, 0, 0, 5}, {10, 0, 0, 6}};
    add_ipv4_remediation_servers(b, v4);
    Ipv6Address v6{};
    v6[0] = 0x20;
    v6[1] = 0x01;
    v6[15] = 0x01;
    add_ipv6_remediation_servers(b, std::span<const Ipv6Address>(&v6, 1));
    add_ipv4_remediation_servers(b, {});  // nothing
    auto bytes = b.bytes();
    ASSERT_TRUE(bytes) << bytes.error().message();
    EXPECT_EQ(vec(Bytes(*bytes).subspan(20)),
              from_hex("1a0c 00000137 2d06 00000001"
                       "1a0c 00000137 3906 00000002"
                       "1a0c 00000137 2e06 6553f100"
                       "1a11 00000137 340b 00 0a000005 0a000006"
                       "1a19 00000137 3513 00 20010000000000000000000000000001"));
    EXPECT_EQ(b.attribute_count(), 5);
    auto nap = nap_attributes(view(*bytes));
    ASSERT_TRUE(nap) << nap.error().message();
    EXPECT_EQ(nap->quarantine_state, 1u);
    EXPECT_EQ(nap->extended_quarantine_state, 2u);
    EXPECT_EQ(nap->quarantine_grace_time, 1'700'000'000u);
    EXPECT_EQ(nap->ipv4_remediation_servers, (std::vector<Ipv4Address>{v4[0], v4[1]}));
    EXPECT_EQ(nap->ipv6_remediation_servers, std::vector<Ipv6Address>{v6});
    EXPECT_FALSE(nap->network_access_server_type);
}

TEST(RadiusMsRnap, GraceTimeRange) {
    for (auto t : {std::chrono::sys_seconds(-1s), std::chrono::sys_seconds(4'294'967'296s)}) {
        PacketBuilder b(Code::AccessAccept, 1);
        add_quarantine_grace_time(b, t);
        ASSERT_FALSE(b.ok());
        EXPECT_EQ(b.error()->code, Errc::BadValue);
        EXPECT_EQ(b.error()->vendor_type, 46);
    }
    PacketBuilder b(Code::AccessAccept, 1);
    add_quarantine_grace_time(b, std::chrono::sys_seconds(4'294'967'295s));
    EXPECT_TRUE(b.ok());
}

TEST(RadiusMsRnap, NapAttributesRoundTripThroughTheSohCodec) {
    NapAttributes n;
    n.quarantine_state = 2;
    n.extended_quarantine_state = 1;
    n.quarantine_grace_time = 1234;
    n.network_access_server_type = 6;
    for (std::uint8_t i = 0; i < 70; ++i) {
        n.ipv4_remediation_servers.push_back({192, 0, 2, i});
    }
    PacketBuilder b(Code::AccessAccept, 3);
    add_nap_attributes(b, n);
    auto bytes = b.bytes();
    ASSERT_TRUE(bytes) << bytes.error().message();
    EXPECT_EQ(vec(Bytes(*bytes).subspan(20)), soh::radius::encode_nap_attributes(n));
    auto back = nap_attributes(view(*bytes));
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(*back, n);
}

TEST(RadiusMsRnap, NapAttributesErrorsComeFromTheSohCodec) {
    const ByteVec b =
        packet(Code::AccessAccept, 1,
               cat({ms_vsa(0x2d, from_hex("00000000")), ms_vsa(0x2d, from_hex("00000001"))}));
    auto nap = nap_attributes(view(b));
    ASSERT_FALSE(nap);
    EXPECT_EQ(nap.error().code, Errc::Soh);
    EXPECT_EQ(nap.error().attribute, 2);
    EXPECT_EQ(nap.error().offset, 38u);
    EXPECT_EQ(nap.error().soh->code, soh::Errc::BadValue);
}

TEST(RadiusMsRnap, SohrInAnAccessAccept) {
    const ByteVec sohr = load_vector("15-sohr-synthesized.hex");
    for (Wrapping w : {Wrapping::Bare, Wrapping::PeapWrapper}) {
        PacketBuilder b(Code::AccessAccept, 9);
        b.add_message_authenticator();
        add_quarantine_state(b, QuarantineState::FullAccess);
        add_quarantine_soh(b, sohr, w);
        auto bytes = b.bytes();
        ASSERT_TRUE(bytes) << bytes.error().message();
        EXPECT_EQ(vec(Bytes(*bytes).subspan(50)), soh::radius::encode_quarantine_soh_vsas(sohr, w));
        auto q = quarantine_soh(view(*bytes));
        ASSERT_TRUE(q && *q);
        EXPECT_EQ((*q)->message, sohr);
        EXPECT_EQ((*q)->wrapping, w);
    }
    PacketBuilder shorty(Code::AccessAccept, 1);
    add_quarantine_soh(shorty, from_hex("0007000800000137000100"), Wrapping::Bare);
    ASSERT_FALSE(shorty.ok());
    EXPECT_EQ(shorty.error()->code, Errc::BadLength);
    EXPECT_EQ(shorty.error()->limit, 12u);

    PacketBuilder huge(Code::AccessAccept, 1);
    add_quarantine_soh(huge, ByteVec(4000, 0x11), Wrapping::Bare);
    ASSERT_FALSE(huge.ok());
    EXPECT_EQ(huge.error()->code, Errc::TooLong);
    EXPECT_EQ(huge.error()->field, Field::Length);
}

}  // namespace
}  // namespace opennap::radius
