#include "opennap/soh/radius.h"

#include <gtest/gtest.h>

#include <vector>

#include "support/vectors.h"

namespace opennap::soh::radius {
namespace {

using test::ByteVec;
using test::from_hex;
using test::load_vector;

ByteVec vec(Bytes b) {
    return {b.begin(), b.end()};
}

ByteVec cat(std::initializer_list<ByteVec> parts) {
    ByteVec out;
    for (const ByteVec& p : parts) {
        out.insert(out.end(), p.begin(), p.end());
    }
    return out;
}

// The attribute numbers of ms-soh.md §6.2 (checked there against MS-RNAP's hex).
static_assert(static_cast<int>(MsAttr::RasClientName) == 0x22);
static_assert(static_cast<int>(MsAttr::RasClientVersion) == 0x23);
static_assert(static_cast<int>(MsAttr::QuarantineIpFilter) == 0x24);
static_assert(static_cast<int>(MsAttr::QuarantineSessionTimeout) == 0x25);
static_assert(static_cast<int>(MsAttr::UserSecurityIdentity) == 0x28);
static_assert(static_cast<int>(MsAttr::IdentityType) == 0x29);
static_assert(static_cast<int>(MsAttr::ServiceClass) == 0x2A);
static_assert(static_cast<int>(MsAttr::QuarantineUserClass) == 0x2C);
static_assert(static_cast<int>(MsAttr::QuarantineState) == 0x2D);
static_assert(static_cast<int>(MsAttr::QuarantineGraceTime) == 0x2E);
static_assert(static_cast<int>(MsAttr::NetworkAccessServerType) == 0x2F);
static_assert(static_cast<int>(MsAttr::AfwZone) == 0x30);
static_assert(static_cast<int>(MsAttr::AfwProtectionLevel) == 0x31);
static_assert(static_cast<int>(MsAttr::MachineName) == 0x32);
static_assert(static_cast<int>(MsAttr::Ipv6Filter) == 0x33);
static_assert(static_cast<int>(MsAttr::Ipv4RemediationServers) == 0x34);
static_assert(static_cast<int>(MsAttr::Ipv6RemediationServers) == 0x35);
static_assert(static_cast<int>(MsAttr::NotQuarantineCapable) == 0x36);
static_assert(static_cast<int>(MsAttr::QuarantineSoh) == 0x37);
static_assert(static_cast<int>(MsAttr::RasCorrelationId) == 0x38);
static_assert(static_cast<int>(MsAttr::ExtendedQuarantineState) == 0x39);
static_assert(static_cast<int>(MsAttr::HcapUserGroups) == 0x3A);
static_assert(static_cast<int>(MsAttr::HcapLocationGroupName) == 0x3B);
static_assert(static_cast<int>(MsAttr::HcapUserName) == 0x3C);
static_assert(static_cast<int>(MsAttr::UserIpv4Address) == 0x3D);
static_assert(static_cast<int>(MsAttr::UserIpv6Address) == 0x3E);
static_assert(static_cast<int>(MsAttr::RdgDeviceRedirection) == 0x3F);

// ---- Wrapper -----------------------------------------------------------------------------------

TEST(RadiusWrapper, DetectsThePeapStyleWrapper) {
    const ByteVec v04 = load_vector("04-soh-wpas-v2.hex");
    const ByteVec v05 = load_vector("05-peap-soh-tlv-wpas-v2.hex");
    EXPECT_EQ(wrap_quarantine_soh(v04, Wrapping::PeapWrapper), v05);
    auto u = unwrap_quarantine_soh(v05);
    ASSERT_TRUE(u) << u.error().message();
    EXPECT_EQ(u->wrapping, Wrapping::PeapWrapper);
    EXPECT_EQ(vec(u->message), v04);
    EXPECT_EQ(u->message.data(), v05.data() + 12);
}

TEST(RadiusWrapper, BareMessagesOfBothInnerTypesAreNotMistakenForTheWrapper) {
    for (const char* name : {"04-soh-wpas-v2.hex", "07-soh-wpas-v1.hex", "08-soh-wsha-compact.hex",
                             "09-soh-wsha-full.hex", "15-sohr-synthesized.hex"}) {
        const ByteVec v = load_vector(name);
        auto u = unwrap_quarantine_soh(v);
        ASSERT_TRUE(u) << name << ": " << u.error().message();
        EXPECT_EQ(u->wrapping, Wrapping::Bare) << name;
        EXPECT_EQ(u->message.size(), v.size()) << name;
        EXPECT_EQ(wrap_quarantine_soh(v, Wrapping::Bare), v);
    }
}

TEST(RadiusWrapper, WrapperLengthsAreChecked) {
    const ByteVec v05 = load_vector("05-peap-soh-tlv-wpas-v2.hex");
    for (std::size_t at : {2u, 10u}) {
        const std::uint16_t len = load_be16(v05.data() + at);
        for (std::uint16_t bad :
             {static_cast<std::uint16_t>(len - 1), static_cast<std::uint16_t>(len + 1),
              std::uint16_t{0}, std::uint16_t{0xFFFF}}) {
            ByteVec b = v05;
            store_be16(b.data() + at, bad);
            auto u = unwrap_quarantine_soh(b, 8);
            ASSERT_FALSE(u) << at << " " << bad;
            EXPECT_EQ(u.error().code, Errc::BadLength);
            EXPECT_EQ(u.error().offset, 8 + at);
            EXPECT_EQ(u.error().value, bad);
        }
    }
}

TEST(RadiusWrapper, MessageMustBeAtLeastTwelveBytes) {
    auto u = unwrap_quarantine_soh(from_hex("00 07 00 07 00 00 01 37 00 02 00"));
    ASSERT_FALSE(u);
    EXPECT_EQ(u.error().code, Errc::BadLength);
    EXPECT_EQ(u.error().limit, 12u);
    EXPECT_TRUE(unwrap_quarantine_soh(from_hex("00 07 00 08 00 00 01 37 00 02 00 00")));
}

// ---- MS-Quarantine-SoH -------------------------------------------------------------------------

TEST(RadiusQuarantineSoh, Vector11IsVector04Wrapped) {
    const ByteVec v04 = load_vector("04-soh-wpas-v2.hex");
    const ByteVec v11 = load_vector("11-radius-vsa-ms-quarantine-soh-wpas-v2.hex");
    EXPECT_EQ(encode_quarantine_soh_vsas(v04, Wrapping::PeapWrapper), v11);
    auto d = decode_quarantine_soh(v11);
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(d->message, v04);
    EXPECT_EQ(d->wrapping, Wrapping::PeapWrapper);
    EXPECT_EQ(d->vsa_count, 1u);
    auto single = decode_quarantine_soh_vsa(v11);
    ASSERT_TRUE(single) << single.error().message();
    EXPECT_EQ(single->wrapping, Wrapping::PeapWrapper);
    EXPECT_EQ(single->message.data(), v11.data() + 20);
    EXPECT_EQ(vec(single->message), v04);
}

TEST(RadiusQuarantineSoh, Vector10IsVector08Wrapped) {
    const ByteVec v08 = load_vector("08-soh-wsha-compact.hex");
    const ByteVec v10 = load_vector("10-radius-vsa-ms-quarantine-soh-compact.hex");
    EXPECT_EQ(encode_quarantine_soh_vsas(v08, Wrapping::PeapWrapper), v10);
    auto d = decode_quarantine_soh(v10);
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(d->message, v08);
    EXPECT_EQ(d->wrapping, Wrapping::PeapWrapper);
    EXPECT_EQ(d->vsa_count, 1u);
}

TEST(RadiusQuarantineSoh, BareValue) {
    const ByteVec v08 = load_vector("08-soh-wsha-compact.hex");
    const ByteVec vsa = encode_quarantine_soh_vsas(v08, Wrapping::Bare);
    ASSERT_EQ(vsa.size(), v08.size() + 8);
    EXPECT_EQ(vsa[1], v08.size() + 8);
    EXPECT_EQ(vsa[7], v08.size() + 2);
    auto d = decode_quarantine_soh(vsa);
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(d->message, v08);
    EXPECT_EQ(d->wrapping, Wrapping::Bare);
}

TEST(RadiusQuarantineSoh, LongMessageSplitsIntoTwoVsasAndReassembles) {
    const ByteVec v09 = load_vector("09-soh-wsha-full.hex");
    ASSERT_EQ(v09.size(), 343u);
    for (Wrapping w : {Wrapping::Bare, Wrapping::PeapWrapper}) {
        const std::size_t value = v09.size() + (w == Wrapping::PeapWrapper ? 12 : 0);
        const ByteVec attrs = encode_quarantine_soh_vsas(v09, w);
        ASSERT_EQ(attrs.size(), value + 16);
        // First VSA: full (247-byte value); second: the rest, immediately after.
        EXPECT_EQ(vec(Bytes(attrs).first(8)), from_hex("1a ff 00 00 01 37 37 f9"));
        EXPECT_EQ(attrs[255], 0x1a);
        EXPECT_EQ(attrs[256], value - 247 + 8);
        EXPECT_EQ(attrs[261], 0x37);
        EXPECT_EQ(attrs[262], value - 247 + 2);
        auto d = decode_quarantine_soh(attrs);
        ASSERT_TRUE(d) << d.error().message();
        EXPECT_EQ(d->message, v09);
        EXPECT_EQ(d->wrapping, w);
        EXPECT_EQ(d->vsa_count, 2u);
    }
}

TEST(RadiusQuarantineSoh, ExactMultipleOf247) {
    ByteVec msg(494, 0x5a);
    const ByteVec attrs = encode_quarantine_soh_vsas(msg, Wrapping::Bare);
    EXPECT_EQ(attrs.size(), 494u + 16);
    auto d = decode_quarantine_soh(attrs);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->vsa_count, 2u);
    EXPECT_EQ(d->message, msg);
}

TEST(RadiusQuarantineSoh, OtherAttributesAreSkipped) {
    const ByteVec v04 = load_vector("04-soh-wpas-v2.hex");
    const ByteVec v09 = load_vector("09-soh-wsha-full.hex");
    const ByteVec user_name = from_hex("01 06 75 73 65 72");
    const ByteVec nas_ip = from_hex("04 06 7f 00 00 01");
    const ByteVec cisco = from_hex("1a 0c 00 00 00 09 01 06 61 62 63 64");
    const ByteVec ms_machine = from_hex("1a 0b 00 00 01 37 32 05 70 63 31");
    const ByteVec msg_auth = cat({from_hex("50 12"), ByteVec(16, 0xee)});
    const ByteVec split = encode_quarantine_soh_vsas(v09, Wrapping::PeapWrapper);
    // The two VSAs of `split` separated by other attributes: still concatenated in order.
    const ByteVec first(split.begin(), split.begin() + 255);
    const ByteVec second(split.begin() + 255, split.end());
    const ByteVec attrs = cat({user_name, first, nas_ip, cisco, ms_machine, second, msg_auth});
    auto d = decode_quarantine_soh(attrs);
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(d->message, v09);
    EXPECT_EQ(d->vsa_count, 2u);

    // Several Microsoft sub-attributes inside one VSA.
    ByteVec multi = from_hex("1a 00 00 00 01 37 32 05 70 63 31");
    const ByteVec value = wrap_quarantine_soh(v04, Wrapping::PeapWrapper);
    multi.push_back(0x37);
    multi.push_back(static_cast<std::uint8_t>(value.size() + 2));
    multi.insert(multi.end(), value.begin(), value.end());
    multi[1] = static_cast<std::uint8_t>(multi.size());
    ASSERT_LE(multi.size(), 255u);
    d = decode_quarantine_soh(cat({user_name, multi}));
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(d->message, v04);
    EXPECT_EQ(d->wrapping, Wrapping::PeapWrapper);
}

TEST(RadiusQuarantineSoh, MissingIsMissingField) {
    auto d = decode_quarantine_soh(from_hex("01 06 75 73 65 72 1a 0b 00 00 01 37 32 05 70 63 31"));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::MissingField);
    EXPECT_EQ(d.error().type, 55);
    d = decode_quarantine_soh({});
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::MissingField);
}

TEST(RadiusQuarantineSoh, ErrorsInASplitValueHaveAbsoluteOffsets) {
    // Two empty MS-Quarantine-SoH values, then a wrapped SoH whose inner wrapper length is wrong:
    // the error is reported at that length field in the third VSA, not in the concatenation.
    const ByteVec v04 = load_vector("04-soh-wpas-v2.hex");
    const ByteVec empty_vsa = from_hex("1a 08 00 00 01 37 37 02");
    ByteVec third = encode_quarantine_soh_vsas(v04, Wrapping::PeapWrapper);
    third[8 + 11] ^= 0x01;
    const ByteVec attrs = cat({empty_vsa, empty_vsa, third});
    auto d = decode_quarantine_soh(attrs);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::BadLength);
    EXPECT_EQ(d.error().offset, 16u + 8 + 10);
    EXPECT_EQ(d.error().field, Field::RadiusAttribute);
    // And in a plain two-VSA split: the outer wrapper length sits in the first VSA.
    const ByteVec v09 = load_vector("09-soh-wsha-full.hex");
    ByteVec split = encode_quarantine_soh_vsas(v09, Wrapping::PeapWrapper);
    split[8 + 3] ^= 0x01;
    d = decode_quarantine_soh(split);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().offset, 8u + 2);
}

TEST(RadiusQuarantineSoh, EveryPrefixIsRejected) {
    for (const char* name : {"10-radius-vsa-ms-quarantine-soh-compact.hex",
                             "11-radius-vsa-ms-quarantine-soh-wpas-v2.hex"}) {
        const ByteVec v = load_vector(name);
        for (std::size_t n = 0; n < v.size(); ++n) {
            const Bytes prefix = Bytes(v).first(n);
            auto d = decode_quarantine_soh(prefix);
            ASSERT_FALSE(d) << name << " prefix " << n;
            EXPECT_LE(d.error().offset, n);
            EXPECT_FALSE(decode_quarantine_soh_vsa(prefix)) << name << " prefix " << n;
        }
    }
}

// Prefixes of a two-VSA encoding. Cut right after the first VSA, the attribute list is complete:
// with the PEAP-style wrapper the wrapper lengths then disagree and the value is rejected; a bare
// value cannot be checked here (the framing does not know the SoH's own length), so it decodes to
// the first 247 bytes and the SoH codec's outer-length check is what rejects it.
TEST(RadiusQuarantineSoh, PrefixesOfASplitMessage) {
    const ByteVec v09 = load_vector("09-soh-wsha-full.hex");
    for (Wrapping w : {Wrapping::Bare, Wrapping::PeapWrapper}) {
        const ByteVec attrs = encode_quarantine_soh_vsas(v09, w);
        for (std::size_t n = 0; n < attrs.size(); ++n) {
            auto d = decode_quarantine_soh(Bytes(attrs).first(n));
            if (n == 255 && w == Wrapping::Bare) {
                ASSERT_TRUE(d);
                EXPECT_EQ(d->message, ByteVec(v09.begin(), v09.begin() + 247));
                EXPECT_EQ(d->vsa_count, 1u);
                EXPECT_NE(load_be16(d->message.data() + 2) + 4u, d->message.size());
            } else {
                ASSERT_FALSE(d) << n;
            }
        }
    }
}

TEST(RadiusQuarantineSoh, CorruptedLengthBytes) {
    const ByteVec v11 = load_vector("11-radius-vsa-ms-quarantine-soh-wpas-v2.hex");
    for (std::size_t at : {1u, 7u}) {
        for (int delta : {-1, +1}) {
            for (bool absolute : {false, true}) {
                ByteVec b = v11;
                if (absolute) {
                    b[at] = delta < 0 ? 0 : 0xFF;
                } else {
                    b[at] = static_cast<std::uint8_t>(b[at] + delta);
                }
                auto d = decode_quarantine_soh(b);
                ASSERT_FALSE(d) << at << " " << int{b[at]};
                EXPECT_EQ(d.error().field, Field::RadiusAttribute);
                EXPECT_LE(d.error().offset, b.size());
                EXPECT_FALSE(decode_quarantine_soh_vsa(b));
            }
        }
    }
    // Attribute and sub-attribute lengths below their minimum.
    for (std::uint8_t bad : {std::uint8_t{0}, std::uint8_t{1}}) {
        ByteVec b = v11;
        b[1] = bad;
        auto d = decode_quarantine_soh(b);
        ASSERT_FALSE(d);
        EXPECT_EQ(d.error().code, Errc::BadLength);
        b = v11;
        b[7] = bad;
        d = decode_quarantine_soh(b);
        ASSERT_FALSE(d);
        EXPECT_EQ(d.error().code, Errc::BadLength);
        EXPECT_EQ(d.error().offset, 7u);
    }
    // Vendor-Specific attribute too short for the vendor id.
    auto d = decode_quarantine_soh(from_hex("1a 05 00 00 01"));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::BadLength);
}

TEST(RadiusQuarantineSoh, SingleVsaHelperIsStrict) {
    const ByteVec v11 = load_vector("11-radius-vsa-ms-quarantine-soh-wpas-v2.hex");
    ByteVec b = v11;
    b[0] = 0x01;
    EXPECT_EQ(decode_quarantine_soh_vsa(b).error().code, Errc::BadType);
    b = v11;
    b[5] = 0x09;
    EXPECT_EQ(decode_quarantine_soh_vsa(b).error().code, Errc::BadVendor);
    b = v11;
    b[6] = 0x32;
    EXPECT_EQ(decode_quarantine_soh_vsa(b).error().code, Errc::BadType);
    b = v11;
    b.push_back(0);
    EXPECT_EQ(decode_quarantine_soh_vsa(b).error().code, Errc::TrailingBytes);
}

// ---- NAP decision attributes -------------------------------------------------------------------

TEST(RadiusNapAttributes, U32Vsa) {
    EXPECT_EQ(encode_u32_vsa(MsAttr::QuarantineState, 1),
              from_hex("1a 0c 00 00 01 37 2d 06 00 00 00 01"));
    EXPECT_EQ(encode_u32_vsa(MsAttr::ExtendedQuarantineState, 2),
              from_hex("1a 0c 00 00 01 37 39 06 00 00 00 02"));
}

TEST(RadiusNapAttributes, RoundTrip) {
    NapAttributes a;
    a.quarantine_state = static_cast<std::uint32_t>(QuarantineState::Probation);
    a.extended_quarantine_state = static_cast<std::uint32_t>(ExtendedQuarantineState::Infected);
    a.quarantine_grace_time = 1700000000u;
    a.network_access_server_type = static_cast<std::uint32_t>(NasType::Dhcp);
    for (std::uint8_t i = 0; i < 70; ++i) {
        a.ipv4_remediation_servers.push_back({10, 0, 0, i});
    }
    for (std::uint8_t i = 0; i < 20; ++i) {
        Ipv6Address addr{};
        addr[0] = 0xfd;
        addr[15] = i;
        a.ipv6_remediation_servers.push_back(addr);
    }
    const ByteVec bytes = encode_nap_attributes(a);
    // 4 u32 VSAs, IPv4 in 2 VSAs (61 + 9), IPv6 in 2 VSAs (15 + 5).
    EXPECT_EQ(bytes.size(), 4 * 12 + (8 + 1 + 244) + (8 + 1 + 36) + (8 + 1 + 240) + (8 + 1 + 80));
    auto d = decode_nap_attributes(bytes);
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(*d, a);
    // Mixed with other attributes and the SoH.
    const ByteVec v11 = load_vector("11-radius-vsa-ms-quarantine-soh-wpas-v2.hex");
    ByteVec mixed = from_hex("01 06 75 73 65 72");
    mixed.insert(mixed.end(), bytes.begin(), bytes.end());
    mixed.insert(mixed.end(), v11.begin(), v11.end());
    d = decode_nap_attributes(mixed);
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, a);
    EXPECT_TRUE(decode_quarantine_soh(mixed));
    EXPECT_EQ(decode_nap_attributes({}).value(), NapAttributes{});
}

TEST(RadiusNapAttributes, RemediationServerEncoding) {
    const Ipv4Address one[] = {{192, 168, 1, 10}};
    EXPECT_EQ(encode_ipv4_remediation_servers(one),
              from_hex("1a 0d 00 00 01 37 34 07 00 c0 a8 01 0a"));
    EXPECT_TRUE(encode_ipv4_remediation_servers({}).empty());
}

TEST(RadiusNapAttributes, BadValuesAreRejected) {
    // u32 with 3 bytes.
    auto d = decode_nap_attributes(from_hex("1a 0b 00 00 01 37 2d 05 00 00 01"));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::BadLength);
    EXPECT_EQ(d.error().type, 45);
    EXPECT_EQ(d.error().offset, 7u);
    // Two conflicting quarantine states.
    ByteVec two = encode_u32_vsa(MsAttr::QuarantineState, 0);
    const ByteVec second = encode_u32_vsa(MsAttr::QuarantineState, 1);
    two.insert(two.end(), second.begin(), second.end());
    d = decode_nap_attributes(two);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::BadValue);
    EXPECT_EQ(d.error().offset, 18u);
    // IPv4 remediation: reserved byte only, and a partial address.
    EXPECT_EQ(decode_nap_attributes(from_hex("1a 09 00 00 01 37 34 03 00")).error().code,
              Errc::BadLength);
    EXPECT_EQ(decode_nap_attributes(from_hex("1a 0c 00 00 01 37 34 06 00 0a 00 00")).error().code,
              Errc::BadLength);
    // IPv6 remediation: 1 + 8 bytes.
    EXPECT_EQ(decode_nap_attributes(from_hex("1a 11 00 00 01 37 35 0b 00 fd 00 00 00 00 00 00 00"))
                  .error()
                  .code,
              Errc::BadLength);
}

}  // namespace
}  // namespace opennap::soh::radius
