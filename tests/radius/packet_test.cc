#include "opennap/radius/packet.h"

#include <gtest/gtest.h>

#include <set>

#include "helpers.h"

namespace opennap::radius {
namespace {

using namespace test;

// RFC 2865 §7.1: "User Telnet to Specified Host" (secret xyzzy5461).
const ByteVec kRfcRequest = from_hex(
    "01 00 00 38 0f 40 3f 94 73 97 80 57 bd 83 d5 cb 98 f4 22 7a 01 06 6e 65 6d 6f 02 12 0d be "
    "70 8d 93 d4 13 ce 31 96 e4 3f 78 2a 0a ee 04 06 c0 a8 01 10 05 06 00 00 00 03");

TEST(RadiusPacket, DecodesTheRfc2865Example) {
    auto p = decode_packet(kRfcRequest);
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_EQ(p->code(), Code::AccessRequest);
    EXPECT_EQ(p->identifier(), 0);
    EXPECT_EQ(p->length(), 56);
    EXPECT_EQ(vec(p->authenticator()), from_hex("0f403f9473978057bd83d5cb98f4227a"));
    EXPECT_EQ(p->attribute_count(), 4u);
    std::vector<AttributeView> all(p->attributes().begin(), p->attributes().end());
    ASSERT_EQ(all.size(), 4u);
    EXPECT_EQ(all[0].type, Attr::UserName);
    EXPECT_EQ(vec(all[0].value), text("nemo"));
    EXPECT_EQ(all[0].offset, 20u);
    EXPECT_EQ(all[0].index, 1);
    EXPECT_EQ(all[1].type, Attr::UserPassword);
    EXPECT_EQ(all[1].value.size(), 16u);
    EXPECT_EQ(all[1].offset, 26u);
    EXPECT_EQ(all[2].type, Attr::NasIpAddress);
    EXPECT_EQ(vec(all[2].value), from_hex("c0 a8 01 10"));
    EXPECT_EQ(all[3].type, Attr::NasPort);
    EXPECT_EQ(all[3].offset, 50u);
    EXPECT_EQ(all[3].index, 4);
    // Zero copy: values point into the datagram.
    EXPECT_EQ(all[0].value.data(), kRfcRequest.data() + 22);
    EXPECT_EQ(p->bytes().data(), kRfcRequest.data());
    EXPECT_EQ(p->attribute_bytes().data(), kRfcRequest.data() + 20);
}

TEST(RadiusPacket, FindAndCount) {
    const ByteVec b = packet(Code::AccessRequest, 1,
                             cat({attr(1, text("a")), attr(18, text("x")), attr(18, text("y"))}));
    auto p = decode_packet(b);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->count(Attr::ReplyMessage), 2u);
    EXPECT_EQ(p->count(Attr::State), 0u);
    auto r = p->find(Attr::ReplyMessage);
    ASSERT_TRUE(r);
    EXPECT_EQ(vec(r->value), text("x"));
    EXPECT_EQ(r->index, 2);
    EXPECT_FALSE(p->find(Attr::State));
}

TEST(RadiusPacket, NoAttributes) {
    const ByteVec b = packet(Code::AccountingResponse, 9, {});
    auto p = decode_packet(b);
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->attributes().empty());
    EXPECT_EQ(p->attribute_count(), 0u);
    EXPECT_EQ(p->attributes().begin(), p->attributes().end());
}

TEST(RadiusPacket, OctetsPastLengthArePadding) {
    ByteVec b = kRfcRequest;
    b.insert(b.end(), {0xde, 0xad, 0x01});  // not even a well-formed attribute
    auto p = decode_packet(b);
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_EQ(p->bytes().size(), kRfcRequest.size());
    EXPECT_EQ(p->attribute_count(), 4u);
}

TEST(RadiusPacket, ShorterThanTheHeader) {
    for (std::size_t n = 0; n < 20; ++n) {
        auto p = decode_packet(Bytes(kRfcRequest).first(n));
        ASSERT_FALSE(p) << n;
        EXPECT_EQ(p.error().code, Errc::Truncated);
        EXPECT_EQ(p.error().field, Field::Packet);
        EXPECT_EQ(p.error().value, n);
        EXPECT_EQ(p.error().limit, 20u);
    }
    EXPECT_EQ(decode_packet(Bytes(kRfcRequest).first(7)).error().message(),
              "packet of 7 octets is shorter than the 20-octet header");
}

TEST(RadiusPacket, TruncationAtEveryByte) {
    for (const ByteVec& full :
         {kRfcRequest, packet(Code::AccessRequest, 3, cat({attr(1, text("u")), vector10()}))}) {
        for (std::size_t n = 0; n < full.size(); ++n) {
            auto p = decode_packet(Bytes(full).first(n));
            ASSERT_FALSE(p) << n;
            EXPECT_EQ(p.error().code, Errc::Truncated) << n;
            EXPECT_EQ(p.error().field, n < 20 ? Field::Packet : Field::Length) << n;
        }
        EXPECT_TRUE(decode_packet(full));
    }
}

TEST(RadiusPacket, LengthField) {
    ByteVec b = kRfcRequest;
    for (std::uint16_t len : {std::uint16_t{0}, std::uint16_t{1}, std::uint16_t{19}}) {
        store_be16(b.data() + 2, len);
        auto p = decode_packet(b);
        ASSERT_FALSE(p);
        EXPECT_EQ(p.error().code, Errc::BadLength);
        EXPECT_EQ(p.error().field, Field::Length);
        EXPECT_EQ(p.error().offset, 2u);
        EXPECT_EQ(p.error().value, len);
    }
    store_be16(b.data() + 2, 19);
    EXPECT_EQ(decode_packet(b).error().message(),
              "packet Length length 19 at offset 2 is below 20");
    // Length 20 is valid: the attributes are then padding.
    store_be16(b.data() + 2, 20);
    auto p = decode_packet(b);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->attribute_count(), 0u);
    // Length beyond the datagram.
    store_be16(b.data() + 2, 57);
    auto q = decode_packet(b);
    ASSERT_FALSE(q);
    EXPECT_EQ(q.error().code, Errc::Truncated);
    EXPECT_EQ(q.error().field, Field::Length);
    EXPECT_EQ(q.error().value, 57u);
    EXPECT_EQ(q.error().limit, 56u);
    EXPECT_EQ(q.error().message(), "packet Length 57 at offset 2 exceeds the 56-octet datagram");
}

TEST(RadiusPacket, OversizedPackets) {
    // Exactly 4096 octets: 20 + 16 x 254 + 12.
    ByteVec attrs;
    for (int i = 0; i < 16; ++i) {
        attrs = cat({attrs, attr(26, ByteVec(252, 0x11))});
    }
    attrs = cat({attrs, attr(25, ByteVec(10, 0x22))});
    ByteVec b = packet(Code::AccessAccept, 1, attrs);
    ASSERT_EQ(b.size(), 4096u);
    auto p = decode_packet(b);
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_EQ(p->attribute_count(), 17u);
    // 4097 octets.
    b = packet(Code::AccessAccept, 1, cat({attrs, attr(25, {})}));
    b.pop_back();
    store_be16(b.data() + 2, 4097);
    b.push_back(0);
    auto q = decode_packet(b);
    ASSERT_FALSE(q);
    EXPECT_EQ(q.error().code, Errc::TooLong);
    EXPECT_EQ(q.error().field, Field::Length);
    EXPECT_EQ(q.error().value, 4097u);
    EXPECT_EQ(q.error().limit, 4096u);
    // A datagram longer than 4096 whose Length is valid is fine (padding).
    ByteVec big = kRfcRequest;
    big.resize(9000, 0);
    EXPECT_TRUE(decode_packet(big));
    // Length 0xFFFF.
    store_be16(big.data() + 2, 0xFFFF);
    EXPECT_EQ(decode_packet(big).error().code, Errc::TooLong);
}

TEST(RadiusPacket, Codes) {
    const std::set<int> known = {1, 2, 3, 4, 5, 11, 12, 13, 40, 41, 42, 43, 44, 45};
    for (int c = 0; c < 256; ++c) {
        ByteVec b = kRfcRequest;
        b[0] = static_cast<std::uint8_t>(c);
        auto p = decode_packet(b);
        EXPECT_EQ(p.has_value(), known.count(c) == 1) << c;
        EXPECT_EQ(is_known(static_cast<Code>(c)), known.count(c) == 1) << c;
        EXPECT_EQ(name(static_cast<Code>(c)).empty(), known.count(c) == 0) << c;
        if (!p) {
            EXPECT_EQ(p.error().code, Errc::BadCode);
            EXPECT_EQ(p.error().field, Field::Code);
            EXPECT_EQ(p.error().value, static_cast<std::uint32_t>(c));
        }
    }
    EXPECT_EQ(name(Code::StatusServer), "Status-Server");
    ByteVec b = kRfcRequest;
    b[0] = 99;
    EXPECT_EQ(decode_packet(b).error().message(),
              "packet code 99 at offset 0 is not a known RADIUS code");
}

TEST(RadiusPacket, RequestAndResponseKinds) {
    EXPECT_TRUE(is_request(Code::AccessRequest));
    EXPECT_TRUE(is_request(Code::AccountingRequest));
    EXPECT_TRUE(is_request(Code::StatusServer));
    EXPECT_TRUE(is_request(Code::CoaRequest));
    EXPECT_TRUE(is_request(Code::DisconnectRequest));
    EXPECT_FALSE(is_request(Code::StatusClient));
    EXPECT_FALSE(is_response(Code::StatusClient));
    EXPECT_FALSE(is_request(Code::AccessAccept));
    EXPECT_TRUE(is_response(Code::AccessChallenge));
    EXPECT_TRUE(is_response(Code::CoaNak));
    EXPECT_TRUE(is_response_to(Code::AccessReject, Code::AccessRequest));
    EXPECT_FALSE(is_response_to(Code::AccountingResponse, Code::AccessRequest));
    EXPECT_TRUE(is_response_to(Code::AccountingResponse, Code::StatusServer));
    EXPECT_TRUE(is_response_to(Code::AccessAccept, Code::StatusServer));
    EXPECT_FALSE(is_response_to(Code::AccessReject, Code::StatusServer));
    EXPECT_TRUE(is_response_to(Code::DisconnectNak, Code::DisconnectRequest));
    EXPECT_FALSE(is_response_to(Code::CoaAck, Code::DisconnectRequest));
    EXPECT_FALSE(is_response_to(Code::AccessAccept, Code::AccessAccept));
}

TEST(RadiusPacket, AttributeLengthBelowTwo) {
    // Attribute 3 at offset 45: User-Name (19 octets) + NAS-IP-Address (6) before it.
    const ByteVec attrs = cat({attr(1, text("abcdefghijklmnopq")), attr(4, from_hex("7f000001")),
                               from_hex("1a 01 00 00")});
    for (std::uint8_t bad : {std::uint8_t{0}, std::uint8_t{1}}) {
        ByteVec b = packet(Code::AccessRequest, 1, attrs);
        b[46] = bad;
        auto p = decode_packet(b);
        ASSERT_FALSE(p);
        const Error& e = p.error();
        EXPECT_EQ(e.code, Errc::BadLength);
        EXPECT_EQ(e.field, Field::Attribute);
        EXPECT_EQ(e.attribute, 3);
        EXPECT_EQ(e.type, 26);
        EXPECT_EQ(e.offset, 45u);
        EXPECT_EQ(e.value, bad);
        EXPECT_EQ(e.limit, 2u);
        if (bad == 1) {
            EXPECT_EQ(e.message(), "attribute 3 (type 26) length 1 at offset 45 is below 2");
        }
    }
}

TEST(RadiusPacket, AttributeOverrunsThePacket) {
    ByteVec b = packet(Code::AccessRequest, 1, cat({attr(1, text("ab")), attr(24, text("xyz"))}));
    b[25] = 6;  // State claims 6 octets, 5 remain
    auto p = decode_packet(b);
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().code, Errc::LengthOverrun);
    EXPECT_EQ(p.error().attribute, 2);
    EXPECT_EQ(p.error().type, 24);
    EXPECT_EQ(p.error().offset, 24u);
    EXPECT_EQ(p.error().value, 6u);
    EXPECT_EQ(p.error().limit, 5u);
    EXPECT_EQ(p.error().message(),
              "attribute 2 (type 24) length 6 at offset 24 runs past the end of its container "
              "(5 octets left)");
}

TEST(RadiusPacket, OneOctetLeftOver) {
    ByteVec b = packet(Code::AccessRequest, 1, cat({attr(1, text("ab")), from_hex("4f")}));
    auto p = decode_packet(b);
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().code, Errc::Truncated);
    EXPECT_EQ(p.error().field, Field::Attribute);
    EXPECT_EQ(p.error().attribute, 2);
    EXPECT_EQ(p.error().type, 0x4f);
    EXPECT_EQ(p.error().offset, 24u);
}

TEST(RadiusPacket, EveryLengthOctetValue) {
    // One attribute whose value is `01 02 01 02 ...`: every length octet value either decodes
    // into attributes that exactly fill the packet or fails at an offset inside it.
    ByteVec value;
    for (int i = 0; i < 40; ++i) {
        value.push_back(i % 2 == 0 ? 0x01 : 0x02);
    }
    for (int len = 0; len < 256; ++len) {
        ByteVec b = packet(Code::AccessRequest, 1, attr(1, value));
        b[21] = static_cast<std::uint8_t>(len);
        auto p = decode_packet(b);
        if (len < 2) {
            ASSERT_FALSE(p);
            EXPECT_EQ(p.error().code, Errc::BadLength);
        } else if (len > 42) {
            ASSERT_FALSE(p);
            EXPECT_EQ(p.error().code, Errc::LengthOverrun);
            EXPECT_EQ(p.error().limit, 42u);
        } else if (len == 42) {
            ASSERT_TRUE(p);
            EXPECT_EQ(p->attribute_count(), 1u);
        } else {
            // The rest is read as `01 02` pairs (empty User-Name attributes), as `02 01`
            // (BadLength) or ends in a single octet (Truncated).
            if (p) {
                std::size_t total = 0;
                for (const AttributeView& a : p->attributes()) {
                    total += a.value.size() + 2;
                }
                EXPECT_EQ(total, 42u) << len;
            } else {
                EXPECT_LT(p.error().offset, b.size()) << len;
                EXPECT_EQ(p.error().code, len == 41 ? Errc::Truncated : Errc::BadLength) << len;
            }
        }
    }
}

// ---- Builder -----------------------------------------------------------------------------------

TEST(RadiusBuilder, RebuildsTheRfc2865Example) {
    Authenticator auth{};
    std::copy(kRfcRequest.begin() + 4, kRfcRequest.begin() + 20, auth.begin());
    PacketBuilder b(Code::AccessRequest, 0, auth);
    b.add(Attr::UserName, "nemo")
        .add(Attr::UserPassword, Bytes(kRfcRequest).subspan(28, 16))
        .add(Attr::NasIpAddress, from_hex("c0a80110"))
        .add_u32(Attr::NasPort, 3);
    auto out = b.bytes();
    ASSERT_TRUE(out) << out.error().message();
    EXPECT_EQ(vec(*out), kRfcRequest);
    EXPECT_EQ(b.attribute_count(), 4);
    EXPECT_EQ(b.size(), 56u);
}

TEST(RadiusBuilder, RoundTrip) {
    PacketBuilder b(Code::AccessAccept, 77);
    b.add_message_authenticator()
        .add(Attr::ReplyMessage, "hello")
        .add(Attr::Class, Bytes{})
        .add_u32(Attr::SessionTimeout, 3600)
        .add_raw(vector11());
    auto bytes = b.bytes();
    ASSERT_TRUE(bytes);
    auto p = decode_packet(*bytes);
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_EQ(p->code(), Code::AccessAccept);
    EXPECT_EQ(p->identifier(), 77);
    EXPECT_EQ(p->length(), bytes->size());
    EXPECT_EQ(p->attribute_count(), 5u);
    EXPECT_EQ(b.message_authenticator_offset(), 20u);
    auto ma = p->find(Attr::MessageAuthenticator);
    ASSERT_TRUE(ma);
    EXPECT_EQ(vec(ma->value), ByteVec(16, 0));
    EXPECT_EQ(vec(p->find(Attr::VendorSpecific)->value), vec(Bytes(vector11()).subspan(2)));
    EXPECT_EQ(p->find(Attr::Class)->value.size(), 0u);
    EXPECT_EQ(vec(p->find(Attr::SessionTimeout)->value), from_hex("00000e10"));
}

TEST(RadiusBuilder, ValueTooLong) {
    PacketBuilder b(Code::AccessAccept, 1);
    b.add(Attr::ReplyMessage, ByteVec(253, 'a'));
    EXPECT_TRUE(b.ok());
    b.add(Attr::ReplyMessage, ByteVec(254, 'a'));
    ASSERT_FALSE(b.ok());
    const Error e = *b.error();
    EXPECT_EQ(e.code, Errc::TooLong);
    EXPECT_EQ(e.field, Field::Value);
    EXPECT_EQ(e.attribute, 2);
    EXPECT_EQ(e.type, 18);
    EXPECT_EQ(e.value, 254u);
    EXPECT_EQ(e.limit, 253u);
    EXPECT_EQ(e.offset, 275u);
    // Sticky: later calls do nothing and bytes() reports the first error.
    b.add(Attr::UserName, "x");
    EXPECT_EQ(b.attribute_count(), 1);
    EXPECT_FALSE(b.bytes());
    EXPECT_EQ(b.bytes().error(), e);
    EXPECT_TRUE(b.append(Attr::State, 3).empty());
    // reset() starts over.
    b.reset(Code::AccessReject, 2);
    EXPECT_TRUE(b.ok());
    EXPECT_EQ(b.size(), 20u);
    EXPECT_EQ(b.code(), Code::AccessReject);
}

TEST(RadiusBuilder, PacketTooLong) {
    PacketBuilder b(Code::AccessAccept, 1);
    for (int i = 0; i < 16; ++i) {
        b.add(Attr::Class, ByteVec(252, 1));
    }
    b.add(Attr::Class, ByteVec(10, 1));
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b.size(), 4096u);
    b.add(Attr::Class, Bytes{});
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error()->code, Errc::TooLong);
    EXPECT_EQ(b.error()->field, Field::Length);
    EXPECT_EQ(b.error()->value, 4098u);
    EXPECT_EQ(b.error()->attribute, 18);
    // add_raw past the limit.
    PacketBuilder r(Code::AccessAccept, 1);
    for (int i = 0; i < 16; ++i) {
        r.add(Attr::Class, ByteVec(252, 1));
    }
    r.add_raw(vector11());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error()->code, Errc::TooLong);
}

TEST(RadiusBuilder, MessageAuthenticatorOnlyThroughItsPlaceholder) {
    PacketBuilder b(Code::AccessRequest, 1);
    b.add(Attr::MessageAuthenticator, ByteVec(16, 0));
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error()->code, Errc::BadType);
    EXPECT_EQ(b.error()->type, 80);

    PacketBuilder raw(Code::AccessRequest, 1);
    raw.add_raw(cat({attr(1, text("u")), attr(80, ByteVec(16, 0))}));
    ASSERT_FALSE(raw.ok());
    EXPECT_EQ(raw.error()->code, Errc::BadType);
    EXPECT_EQ(raw.error()->attribute, 2);
    EXPECT_EQ(raw.error()->offset, 23u);

    PacketBuilder twice(Code::AccessRequest, 1);
    twice.add_message_authenticator().add(Attr::UserName, "u").add_message_authenticator();
    ASSERT_FALSE(twice.ok());
    EXPECT_EQ(twice.error()->code, Errc::Duplicate);
    EXPECT_EQ(twice.error()->attribute, 3);

    PacketBuilder none(Code::AccessRequest, 1);
    EXPECT_FALSE(none.message_authenticator_offset());
    none.set_message_authenticator(Authenticator{1});  // no placeholder: no-op
    EXPECT_EQ(none.size(), 20u);
}

TEST(RadiusBuilder, AddRawChecksFraming) {
    struct Case {
        const char* hex;
        Errc code;
        std::size_t offset;
    };
    for (const Case& c : {Case{"01", Errc::Truncated, 20}, Case{"01 01", Errc::BadLength, 20},
                          Case{"01 03 61 1a 09 00", Errc::LengthOverrun, 23}}) {
        PacketBuilder b(Code::AccessAccept, 1);
        b.add_raw(from_hex(c.hex));
        ASSERT_FALSE(b.ok()) << c.hex;
        EXPECT_EQ(b.error()->code, c.code) << c.hex;
        EXPECT_EQ(b.error()->offset, c.offset) << c.hex;
    }
    PacketBuilder empty(Code::AccessAccept, 1);
    empty.add_raw({});
    EXPECT_TRUE(empty.ok());
    EXPECT_EQ(empty.attribute_count(), 0);
}

TEST(RadiusBuilder, AppendAndAuthenticator) {
    Authenticator a{};
    a.fill(0xab);
    PacketBuilder b(Code::AccessRequest, 5, a);
    MutableBytes v = b.append(Attr::State, 3);
    ASSERT_EQ(v.size(), 3u);
    EXPECT_EQ(vec(v), ByteVec(3, 0));
    v[0] = 'x';
    EXPECT_EQ(vec(b.authenticator()), ByteVec(16, 0xab));
    b.set_authenticator(Authenticator{});
    b.set_identifier(6);
    auto out = b.bytes();
    ASSERT_TRUE(out);
    EXPECT_EQ(vec(*out),
              cat({from_hex("01 06 00 19"), ByteVec(16, 0), from_hex("18 05 78 00 00")}));
    auto taken = b.take();
    ASSERT_TRUE(taken);
    EXPECT_EQ(taken->size(), 25u);
    // take() leaves a fresh packet with the same code and identifier.
    EXPECT_EQ(b.size(), 20u);
    EXPECT_EQ(b.code(), Code::AccessRequest);
    EXPECT_EQ(b.identifier(), 6);
}

TEST(RadiusError, MessagesNameEveryPart) {
    Error e;
    e.code = Errc::BadLength;
    e.field = Field::SubAttribute;
    e.offset = 53;
    e.attribute = 3;
    e.type = 26;
    e.vendor = 311;
    e.sub_attribute = 2;
    e.vendor_type = 55;
    e.value = 1;
    e.limit = 2;
    EXPECT_EQ(e.message(),
              "attribute 3 (type 26, vendor 311) sub-attribute 2 (vendor type 55) length 1 at "
              "offset 53 is below 2");
    for (int c = 0; c <= static_cast<int>(Errc::Soh); ++c) {
        e.code = static_cast<Errc>(c);
        EXPECT_FALSE(e.message().empty());
        EXPECT_NE(to_string(e.code), "unknown error");
    }
    for (int f = 0; f <= static_cast<int>(Field::Secret); ++f) {
        EXPECT_NE(to_string(static_cast<Field>(f)), "field");
    }
}

TEST(RadiusDictionary, Names) {
    EXPECT_EQ(name(Attr::MessageAuthenticator), "Message-Authenticator");
    EXPECT_EQ(name(Attr::TunnelPrivateGroupId), "Tunnel-Private-Group-ID");
    EXPECT_EQ(name(Attr::VendorSpecific), "Vendor-Specific");
    EXPECT_EQ(name(static_cast<Attr>(17)), "");
    EXPECT_EQ(name(static_cast<Attr>(200)), "");
    EXPECT_EQ(name(MsAttr::QuarantineSoh), "MS-Quarantine-SoH");
    EXPECT_EQ(name(static_cast<MsAttr>(1)), "");
    static_assert(static_cast<int>(Attr::EapMessage) == 79);
    static_assert(static_cast<int>(Attr::MessageAuthenticator) == 80);
    static_assert(static_cast<int>(Attr::TunnelType) == 64);
    static_assert(static_cast<int>(Attr::TunnelMediumType) == 65);
    static_assert(static_cast<int>(Attr::TunnelPrivateGroupId) == 81);
    static_assert(static_cast<int>(Attr::FramedIpv6Pool) == 100);
    static_assert(static_cast<int>(TunnelType::Vlan) == 13);
    static_assert(static_cast<int>(TunnelMediumType::Ieee802) == 6);
    static_assert(static_cast<int>(ExtendedQuarantineState::NoData) == 0);
    static_assert(static_cast<int>(MsAttr::QuarantineGraceTime) == 46);
    static_assert(kVendorMicrosoft == 311);
}

}  // namespace
}  // namespace opennap::radius
