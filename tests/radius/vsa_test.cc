#include "opennap/radius/vsa.h"

#include <gtest/gtest.h>

#include <vector>

#include "helpers.h"

namespace opennap::radius {
namespace {

using namespace test;

AttributeView first_attribute(const PacketView& p) {
    return *p.attributes().begin();
}

TEST(RadiusVsa, Vector10IsOneMicrosoftSubAttribute) {
    const ByteVec b = packet(Code::AccessRequest, 1, vector10());
    auto p = decode_packet(b);
    ASSERT_TRUE(p) << p.error().message();
    auto v = decode_vsa(first_attribute(*p));
    ASSERT_TRUE(v) << v.error().message();
    EXPECT_EQ(v->vendor, 311u);
    EXPECT_EQ(v->sub_attribute_count, 1);
    EXPECT_EQ(v->string.data(), b.data() + 26);
    std::vector<SubAttributeView> subs(v->sub_attributes.begin(), v->sub_attributes.end());
    ASSERT_EQ(subs.size(), 1u);
    EXPECT_EQ(subs[0].vendor_type, 55);
    EXPECT_EQ(subs[0].value.size(), 222u);
    EXPECT_EQ(subs[0].value.data(), b.data() + 28);
    EXPECT_EQ(subs[0].offset, 26u);
    EXPECT_EQ(subs[0].index, 1);
    EXPECT_EQ(vendor_id(first_attribute(*p)), 311u);
}

TEST(RadiusVsa, SeveralSubAttributesInOneVsa) {
    // Microsoft: MS-Machine-Name "pc1", MS-Quarantine-State 1, an empty sub-attribute 99.
    const ByteVec b = packet(
        Code::AccessAccept, 1,
        cat({attr(1, text("u")), attr(26, from_hex("00000137 3205706331 2d0600000001 6302"))}));
    auto p = decode_packet(b);
    ASSERT_TRUE(p);
    auto a = p->find(Attr::VendorSpecific);
    ASSERT_TRUE(a);
    auto v = decode_vsa(*a);
    ASSERT_TRUE(v) << v.error().message();
    EXPECT_EQ(v->sub_attribute_count, 3);
    std::vector<SubAttributeView> subs(v->sub_attributes.begin(), v->sub_attributes.end());
    ASSERT_EQ(subs.size(), 3u);
    EXPECT_EQ(subs[0].vendor_type, 0x32);
    EXPECT_EQ(vec(subs[0].value), text("pc1"));
    EXPECT_EQ(subs[0].offset, 29u);
    EXPECT_EQ(subs[1].vendor_type, 0x2d);
    EXPECT_EQ(vec(subs[1].value), from_hex("00000001"));
    EXPECT_EQ(subs[1].offset, 34u);
    EXPECT_EQ(subs[1].index, 2);
    EXPECT_EQ(subs[2].vendor_type, 0x63);
    EXPECT_TRUE(subs[2].value.empty());
    EXPECT_EQ(subs[2].index, 3);
}

TEST(RadiusVsa, NotAVsa) {
    const ByteVec b = packet(Code::AccessRequest, 1, attr(1, text("user")));
    auto p = decode_packet(b);
    ASSERT_TRUE(p);
    auto v = decode_vsa(first_attribute(*p));
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, Errc::BadType);
    EXPECT_EQ(v.error().value, 1u);
    EXPECT_EQ(v.error().limit, 26u);
}

TEST(RadiusVsa, TooShortForVendorAndString) {
    for (const char* value : {"", "00", "000001", "00000137"}) {
        const ByteVec b = packet(Code::AccessRequest, 1, attr(26, from_hex(value)));
        auto p = decode_packet(b);
        ASSERT_TRUE(p) << "a malformed VSA must not invalidate the packet";
        auto v = decode_vsa(first_attribute(*p));
        ASSERT_FALSE(v) << value;
        EXPECT_EQ(v.error().code, Errc::BadLength);
        EXPECT_EQ(v.error().field, Field::VendorSpecific);
        EXPECT_EQ(v.error().limit, 7u);
        EXPECT_EQ(v.error().vendor, std::string_view(value).size() == 8 ? 311u : 0u);
    }
    const ByteVec short_vsa = packet(Code::AccessRequest, 1, attr(26, from_hex("00000137")));
    auto p = decode_packet(short_vsa);
    EXPECT_EQ(decode_vsa(first_attribute(*p)).error().message(),
              "attribute 1 (type 26, vendor 311) length 6 at offset 20 is below 7");
}

TEST(RadiusVsa, MalformedSubAttributes) {
    struct Case {
        const char* string;  // after the Vendor-Id
        Errc code;
        std::uint16_t sub;
        std::uint32_t offset;
        std::uint32_t value;
        std::uint32_t limit;
    };
    // The VSA starts at offset 20, its String at 26.
    for (const Case& c : {
             Case{"37", Errc::Truncated, 1, 26, 1, 2},
             Case{"3700", Errc::BadLength, 1, 26, 0, 2},
             Case{"3701", Errc::BadLength, 1, 26, 1, 2},
             Case{"3705 6162", Errc::LengthOverrun, 1, 26, 5, 4},
             Case{"3203 61 2d", Errc::Truncated, 2, 29, 1, 2},
             Case{"3203 61 2d01", Errc::BadLength, 2, 29, 1, 2},
             Case{"3203 61 2d09 000000", Errc::LengthOverrun, 2, 29, 9, 5},
         }) {
        const ByteVec b = packet(Code::AccessRequest, 1,
                                 cat({attr(26, cat({from_hex("00000137"), from_hex(c.string)})),
                                      attr(1, text("still-readable"))}));
        auto p = decode_packet(b);
        ASSERT_TRUE(p) << c.string;
        EXPECT_EQ(vec(p->find(Attr::UserName)->value), text("still-readable"));
        auto v = decode_vsa(first_attribute(*p));
        ASSERT_FALSE(v) << c.string;
        const Error& e = v.error();
        EXPECT_EQ(e.code, c.code) << c.string;
        EXPECT_EQ(e.field, Field::SubAttribute) << c.string;
        EXPECT_EQ(e.attribute, 1) << c.string;
        EXPECT_EQ(e.type, 26) << c.string;
        EXPECT_EQ(e.vendor, 311u) << c.string;
        EXPECT_EQ(e.sub_attribute, c.sub) << c.string;
        EXPECT_EQ(e.offset, c.offset) << c.string;
        EXPECT_EQ(e.value, c.value) << c.string;
        EXPECT_EQ(e.limit, c.limit) << c.string;
    }
    const ByteVec bad = packet(Code::AccessRequest, 1, attr(26, from_hex("00000137 3701")));
    auto p = decode_packet(bad);
    EXPECT_EQ(decode_vsa(first_attribute(*p)).error().message(),
              "attribute 1 (type 26, vendor 311) sub-attribute 1 (vendor type 55) length 1 at "
              "offset 26 is below 2");
}

TEST(RadiusVsa, CutShortAtEveryOctet) {
    // Vector 10's VSA with its Length octet lowered to every smaller value (the packet shrunk to
    // match): the packet always decodes, the VSA never does.
    const ByteVec v10 = vector10();
    for (std::size_t n = 2; n < v10.size(); ++n) {
        ByteVec vsa(v10.begin(), v10.begin() + static_cast<std::ptrdiff_t>(n));
        vsa[1] = static_cast<std::uint8_t>(n);
        const ByteVec b = packet(Code::AccessRequest, 1, vsa);
        auto p = decode_packet(b);
        ASSERT_TRUE(p) << n;
        auto v = decode_vsa(first_attribute(*p));
        ASSERT_FALSE(v) << n;
        if (n < 7) {
            EXPECT_EQ(v.error().code, Errc::BadLength) << n;
            EXPECT_EQ(v.error().field, Field::VendorSpecific) << n;
        } else if (n == 7) {
            EXPECT_EQ(v.error().code, Errc::Truncated) << n;
        } else {
            EXPECT_EQ(v.error().code, Errc::LengthOverrun) << n;
            EXPECT_EQ(v.error().value, 0xe0u) << n;
            EXPECT_EQ(v.error().limit, n - 6) << n;
        }
        EXPECT_LE(v.error().offset, b.size());
    }
}

TEST(RadiusVsa, ForEachVendorAttribute) {
    const ByteVec ms = attr(26, from_hex("00000137 3205706331 2d0600000001"));
    const ByteVec cisco_broken = attr(26, from_hex("00000009 0101"));
    const ByteVec ms2 = attr(26, from_hex("00000137 2f0600000002"));
    const ByteVec b =
        packet(Code::AccessRequest, 1,
               cat({attr(1, text("u")), ms, cisco_broken, attr(4, from_hex("7f000001")), ms2}));
    auto p = decode_packet(b);
    ASSERT_TRUE(p);
    std::vector<std::uint8_t> types;
    std::vector<std::uint16_t> attributes;
    auto r = for_each_vendor_attribute(*p, 311, [&](const VsaView& v, const SubAttributeView& s) {
        types.push_back(s.vendor_type);
        attributes.push_back(v.attribute.index);
        return true;
    });
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(types, (std::vector<std::uint8_t>{0x32, 0x2d, 0x2f}));
    EXPECT_EQ(attributes, (std::vector<std::uint16_t>{2, 2, 5}));
    // Stopping early.
    int seen = 0;
    ASSERT_TRUE(for_each_vendor_attribute(*p, 311, [&](const VsaView&, const SubAttributeView&) {
        ++seen;
        return false;
    }));
    EXPECT_EQ(seen, 1);
    // Cisco's broken VSA is an error only when Cisco's attributes are asked for.
    auto c = for_each_vendor_attribute(
        *p, 9, [](const VsaView&, const SubAttributeView&) { return true; });
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().attribute, 3);
    EXPECT_EQ(c.error().vendor, 9u);
    EXPECT_EQ(c.error().code, Errc::BadLength);
}

TEST(RadiusVsa, AVsaTooShortToNameItsVendorStopsEveryVendorWalk) {
    const ByteVec b =
        packet(Code::AccessRequest, 1,
               cat({attr(26, from_hex("000001")), attr(26, from_hex("00000137 2f0600000002"))}));
    auto p = decode_packet(b);
    ASSERT_TRUE(p);
    auto r = for_each_vendor_attribute(
        *p, 311, [](const VsaView&, const SubAttributeView&) { return true; });
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().attribute, 1);
    EXPECT_EQ(r.error().field, Field::VendorSpecific);
}

// ---- Encoding ----------------------------------------------------------------------------------

TEST(RadiusVsa, EncodesOneAndSeveralSubAttributes) {
    PacketBuilder b(Code::AccessAccept, 1);
    add_vsa_u32(b, 311, 45, 1);
    add_vsa(b, 311, 50, text("pc1"));
    const ByteVec name = text("pc1");
    const std::uint8_t state[] = {0, 0, 0, 2};
    const SubAttribute subs[] = {{50, name}, {45, Bytes(state)}, {99, {}}};
    add_vsa(b, 311, subs);
    auto out = b.bytes();
    ASSERT_TRUE(out) << out.error().message();
    EXPECT_EQ(vec(Bytes(*out).subspan(20)),
              from_hex("1a0c 00000137 2d06 00000001"
                       "1a0b 00000137 3205 706331"
                       "1a13 00000137 3205 706331 2d06 00000002 6302"));
    EXPECT_EQ(b.attribute_count(), 3);
    // The soh codec's encoder agrees.
    EXPECT_EQ(vec(Bytes(*out).subspan(20, 12)),
              soh::radius::encode_u32_vsa(MsAttr::QuarantineState, 1));
}

TEST(RadiusVsa, EncodingLimits) {
    PacketBuilder ok(Code::AccessAccept, 1);
    add_vsa(ok, 311, 55, ByteVec(247, 0x5a));
    ASSERT_TRUE(ok.ok());
    auto p = decode_packet(*ok.bytes());
    ASSERT_TRUE(p);
    EXPECT_EQ(p->find(Attr::VendorSpecific)->value.size(), 253u);

    PacketBuilder big(Code::AccessAccept, 1);
    add_vsa(big, 311, 55, ByteVec(248, 0x5a));
    ASSERT_FALSE(big.ok());
    EXPECT_EQ(big.error()->code, Errc::TooLong);
    EXPECT_EQ(big.error()->field, Field::VendorSpecific);
    EXPECT_EQ(big.error()->value, 250u);
    EXPECT_EQ(big.error()->limit, 249u);
    EXPECT_EQ(big.error()->vendor, 311u);

    PacketBuilder none(Code::AccessAccept, 1);
    add_vsa(none, 311, std::span<const SubAttribute>{});
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error()->code, Errc::Missing);

    // Sticky: nothing after an error.
    add_vsa_u32(big, 311, 45, 0);
    EXPECT_EQ(big.attribute_count(), 0);
}

}  // namespace
}  // namespace opennap::radius
