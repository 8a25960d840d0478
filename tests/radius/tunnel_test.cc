#include "opennap/radius/tunnel.h"

#include <gtest/gtest.h>

#include "helpers.h"
#include "opennap/radius/authorization.h"

namespace opennap::radius {
namespace {

using namespace test;
using namespace std::chrono_literals;

PacketView view(Bytes b) {
    auto p = decode_packet(b);
    EXPECT_TRUE(p) << p.error().message();
    return *p;
}

ByteVec attributes_of(PacketBuilder& b) {
    auto bytes = b.bytes();
    EXPECT_TRUE(bytes) << bytes.error().message();
    return bytes ? vec(Bytes(*bytes).subspan(20)) : ByteVec{};
}

TEST(RadiusTunnel, UntaggedVlanLeavesTheTagOctetOutOfTheString) {
    PacketBuilder b(Code::AccessAccept, 1);
    add_vlan(b, std::uint16_t{10});
    EXPECT_EQ(attributes_of(b), from_hex("4006 0000000d 4106 00000006 5104 3130"));
    auto v = vlan_assignment(view(*b.bytes()));
    ASSERT_TRUE(v) << v.error().message();
    ASSERT_TRUE(*v);
    EXPECT_EQ((*v)->tag, 0);
    EXPECT_EQ((*v)->group, "10");
    EXPECT_EQ((*v)->vlan_id(), 10);
}

TEST(RadiusTunnel, TaggedVlan) {
    PacketBuilder b(Code::AccessAccept, 1);
    add_vlan(b, "quarantine", 1);
    add_vlan(b, std::uint16_t{4094}, 31);
    EXPECT_EQ(attributes_of(b),
              cat({from_hex("4006 0100000d 4106 01000006 510d 01"), text("quarantine"),
                   from_hex("4006 1f00000d 4106 1f000006 5107 1f"), text("4094")}));
    const PacketView p = view(*b.bytes());
    auto one = vlan_assignment(p, 1);
    ASSERT_TRUE(one && *one);
    EXPECT_EQ((*one)->group, "quarantine");
    EXPECT_FALSE((*one)->vlan_id());
    auto other = vlan_assignment(p, 31);
    ASSERT_TRUE(other && *other);
    EXPECT_EQ((*other)->vlan_id(), 4094);
    auto none = vlan_assignment(p, 0);
    ASSERT_TRUE(none);
    EXPECT_FALSE(*none);
}

TEST(RadiusTunnel, UntaggedStringStartingWithATagLikeOctetGetsAZeroTag) {
    PacketBuilder b(Code::AccessAccept, 1);
    add_tagged_string(b, Attr::TunnelPrivateGroupId, 0, "\x05vlan");
    add_tagged_string(b, Attr::TunnelPrivateGroupId, 0, " space");
    EXPECT_EQ(attributes_of(b),
              cat({from_hex("5108 00 05"), text("vlan"), from_hex("5108"), text(" space")}));
    const PacketView p = view(*b.bytes());
    std::vector<TaggedString> got;
    for (const AttributeView& a : p.attributes()) {
        auto s = decode_tagged_string(a);
        ASSERT_TRUE(s);
        got.push_back(*s);
    }
    ASSERT_EQ(got.size(), 2u);
    EXPECT_TRUE(got[0].has_tag_octet);
    EXPECT_EQ(got[0].tag, 0);
    EXPECT_EQ(vec(got[0].string), cat({from_hex("05"), text("vlan")}));
    EXPECT_FALSE(got[1].has_tag_octet);
    EXPECT_EQ(vec(got[1].string), text(" space"));
}

TEST(RadiusTunnel, TaggedStringDecodingRules) {
    struct Case {
        const char* value;
        bool has_tag;
        std::uint8_t tag;
        std::size_t string;
    };
    for (const Case& c :
         {Case{"00 3130", true, 0, 2}, Case{"01 3130", true, 1, 2}, Case{"1f 3130", true, 31, 2},
          Case{"20 3130", false, 0, 3}, Case{"3130", false, 0, 2}, Case{"07", true, 7, 0}}) {
        const ByteVec b = packet(Code::AccessAccept, 1, attr(81, from_hex(c.value)));
        auto s = decode_tagged_string(*view(b).attributes().begin());
        ASSERT_TRUE(s) << c.value;
        EXPECT_EQ(s->has_tag_octet, c.has_tag) << c.value;
        EXPECT_EQ(s->tag, c.tag) << c.value;
        EXPECT_EQ(s->string.size(), c.string) << c.value;
    }
    auto empty = decode_tagged_string(
        *view(packet(Code::AccessAccept, 1, attr(81, {}))).attributes().begin());
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().code, Errc::BadLength);
}

TEST(RadiusTunnel, TaggedIntegerDecodingRules) {
    auto get = [](const char* value) {
        const ByteVec b = packet(Code::AccessAccept, 1, attr(64, from_hex(value)));
        auto p = decode_packet(b);
        return decode_tagged_integer(*p->attributes().begin());
    };
    EXPECT_EQ(*get("00 00000d"), (TaggedInteger{0, 13}));
    EXPECT_EQ(*get("1f ffffff"), (TaggedInteger{31, 0xFFFFFF}));
    auto bad_tag = get("20 00000d");
    ASSERT_FALSE(bad_tag);
    EXPECT_EQ(bad_tag.error().code, Errc::BadValue);
    EXPECT_EQ(bad_tag.error().offset, 22u);
    EXPECT_EQ(bad_tag.error().value, 0x20u);
    for (const char* len : {"", "00", "0000 0d", "00 0000000d"}) {
        auto r = get(len);
        ASSERT_FALSE(r) << len;
        EXPECT_EQ(r.error().code, Errc::BadLength) << len;
        EXPECT_EQ(r.error().limit, 6u);
    }
}

TEST(RadiusTunnel, EncodingErrors) {
    {
        PacketBuilder b(Code::AccessAccept, 1);
        add_vlan(b, "10", 32);
        ASSERT_FALSE(b.ok());
        EXPECT_EQ(b.error()->code, Errc::BadValue);
        EXPECT_EQ(b.error()->value, 32u);
        EXPECT_EQ(b.attribute_count(), 0);
    }
    for (std::uint16_t id : {std::uint16_t{0}, std::uint16_t{4095}}) {
        PacketBuilder b(Code::AccessAccept, 1);
        add_vlan(b, id);
        ASSERT_FALSE(b.ok());
        EXPECT_EQ(b.error()->code, Errc::BadValue);
    }
    {
        PacketBuilder b(Code::AccessAccept, 1);
        add_vlan(b, std::string_view{});
        ASSERT_FALSE(b.ok());
        EXPECT_EQ(b.error()->code, Errc::BadLength);
        EXPECT_EQ(b.attribute_count(), 0);
    }
    {
        PacketBuilder b(Code::AccessAccept, 1);
        add_tagged_integer(b, Attr::TunnelType, 0, 0x1000000);
        ASSERT_FALSE(b.ok());
        EXPECT_EQ(b.error()->code, Errc::BadValue);
    }
    {
        PacketBuilder b(Code::AccessAccept, 1);
        add_tagged_string(b, Attr::TunnelPrivateGroupId, 1, std::string(253, 'a'));
        ASSERT_FALSE(b.ok());
        EXPECT_EQ(b.error()->code, Errc::TooLong);
        PacketBuilder c(Code::AccessAccept, 1);
        add_tagged_string(c, Attr::TunnelPrivateGroupId, 0, std::string(253, 'a'));
        EXPECT_TRUE(c.ok());
    }
}

TEST(RadiusTunnel, AssignmentErrors) {
    const ByteVec type = from_hex("4006 0000000d");
    const ByteVec medium = from_hex("4106 00000006");
    const ByteVec group = from_hex("5104 3130");
    // Missing one of the three.
    struct Missing {
        ByteVec attrs;
        std::uint8_t absent;
    };
    for (const Missing& m : {Missing{cat({medium, group}), 64}, Missing{cat({type, group}), 65},
                             Missing{cat({type, medium}), 81}}) {
        auto v = vlan_assignment(view(packet(Code::AccessAccept, 1, m.attrs)));
        ASSERT_FALSE(v);
        EXPECT_EQ(v.error().code, Errc::Missing);
        EXPECT_EQ(v.error().type, m.absent);
    }
    // Not a VLAN tunnel (L2TP): no VLAN assignment.
    auto l2tp = vlan_assignment(view(packet(
        Code::AccessAccept, 1, cat({from_hex("4006 00000003"), from_hex("4106 00000001")}))));
    ASSERT_TRUE(l2tp);
    EXPECT_FALSE(*l2tp);
    // Medium other than IEEE-802.
    auto ipv4 = vlan_assignment(
        view(packet(Code::AccessAccept, 1, cat({type, from_hex("4106 00000001"), group}))));
    ASSERT_FALSE(ipv4);
    EXPECT_EQ(ipv4.error().code, Errc::BadValue);
    EXPECT_EQ(ipv4.error().offset, 29u);
    // Duplicates within one tag.
    auto dup =
        vlan_assignment(view(packet(Code::AccessAccept, 1, cat({type, medium, group, group}))));
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error().code, Errc::Duplicate);
    EXPECT_EQ(dup.error().attribute, 4);
    // Empty group after a tag octet.
    auto empty = vlan_assignment(
        view(packet(Code::AccessAccept, 1, cat({type, medium, from_hex("5103 00")}))));
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().code, Errc::BadValue);
    // A malformed tunnel attribute of another tag still stops the read.
    auto malformed = vlan_assignment(
        view(packet(Code::AccessAccept, 1, cat({type, medium, group, from_hex("4005 050000")}))));
    ASSERT_FALSE(malformed);
    EXPECT_EQ(malformed.error().code, Errc::BadLength);
}

TEST(RadiusTunnel, VlanIdParsing) {
    for (const char* g : {"1", "10", "4094"}) {
        EXPECT_TRUE((VlanAssignment{0, g}.vlan_id())) << g;
    }
    for (const char* g : {"", "0", "4095", "010", "12a", "-1", "99999", " 10"}) {
        EXPECT_FALSE((VlanAssignment{0, g}.vlan_id())) << g;
    }
}

// ---- Session-Timeout, Filter-Id ----------------------------------------------------------------

TEST(RadiusAuthorization, SessionTimeoutAndFilterId) {
    PacketBuilder b(Code::AccessAccept, 1);
    add_session_timeout(b, 3600s);
    add_filter_id(b, "nap-restricted");
    add_filter_id(b, "second");
    EXPECT_EQ(attributes_of(b), cat({from_hex("1b06 00000e10 0b10"), text("nap-restricted"),
                                     from_hex("0b08"), text("second")}));
    const PacketView p = view(*b.bytes());
    auto t = session_timeout(p);
    ASSERT_TRUE(t && *t);
    EXPECT_EQ(**t, 3600s);
    EXPECT_EQ(p.count(Attr::FilterId), 2u);

    auto none = session_timeout(view(packet(Code::AccessAccept, 1, {})));
    ASSERT_TRUE(none);
    EXPECT_FALSE(*none);
    auto bad = session_timeout(view(packet(Code::AccessAccept, 1, from_hex("1b05 000e10"))));
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, Errc::BadLength);
    auto dup = session_timeout(
        view(packet(Code::AccessAccept, 1, from_hex("1b06 00000e10 1b06 00000e10"))));
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error().code, Errc::Duplicate);
    EXPECT_EQ(dup.error().attribute, 2);

    for (auto s : {-1s, 4'294'967'296s}) {
        PacketBuilder e(Code::AccessAccept, 1);
        add_session_timeout(e, s);
        ASSERT_FALSE(e.ok());
        EXPECT_EQ(e.error()->code, Errc::BadValue);
    }
    PacketBuilder e(Code::AccessAccept, 1);
    add_filter_id(e, "");
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.error()->code, Errc::BadLength);
}

}  // namespace
}  // namespace opennap::radius
