#include "opennap/soh/dhcp.h"

#include <gtest/gtest.h>

#include <vector>

#include "support/vectors.h"

namespace opennap::soh::dhcp {
namespace {

using test::ByteVec;
using test::from_hex;
using test::load_vector;

ByteVec cat(std::initializer_list<ByteVec> parts) {
    ByteVec out;
    for (const ByteVec& p : parts) {
        out.insert(out.end(), p.begin(), p.end());
    }
    return out;
}

// A successful decode must survive encode -> decode unchanged.
void expect_stable(const Option43& value) {
    auto again = decode_option43(encode_option43(value));
    ASSERT_TRUE(again) << again.error().message();
    EXPECT_EQ(*again, value);
    auto payload = decode_option43_payload(encode_option43_payload(value));
    ASSERT_TRUE(payload) << payload.error().message();
    EXPECT_EQ(*payload, value);
}

constexpr const char* kOptionVectors[] = {
    "12-dhcp-opt43-nap-discover-probe.hex", "13a-dhcp-opt43-nap-server-marker-spec.hex",
    "13b-dhcp-opt43-nap-server-marker-freeradius.hex", "14-dhcp-opt43-nap-request-probe.hex"};

TEST(DhcpOption43, DiscoverProbeIsVector12) {
    const ByteVec v12 = load_vector("12-dhcp-opt43-nap-discover-probe.hex");
    auto d = decode_option43(v12);
    ASSERT_TRUE(d) << d.error().message();
    ASSERT_TRUE(d->nap_soh);
    EXPECT_EQ(d->nap_soh->kind, NapSohKind::DiscoverProbe);
    ASSERT_TRUE(d->nap_coid);
    EXPECT_TRUE(std::equal(d->nap_coid->begin(), d->nap_coid->end(), v12.begin() + 4));
    EXPECT_FALSE(d->nap_mask);
    EXPECT_FALSE(d->nap_ipv6);
    EXPECT_TRUE(d->other.empty());
    EXPECT_EQ(encode_option43(*d), v12);
    // The same from the pieces.
    EXPECT_EQ(encode_option43(cat({encode_nap_coid(*d->nap_coid), encode_nap_discover_probe()})),
              v12);
    auto payload = decode_option43_payload(Bytes(v12).subspan(2));
    ASSERT_TRUE(payload);
    EXPECT_EQ(*payload, *d);
}

TEST(DhcpOption43, ServerMarkers) {
    const ByteVec v13a = load_vector("13a-dhcp-opt43-nap-server-marker-spec.hex");
    const ByteVec v13b = load_vector("13b-dhcp-opt43-nap-server-marker-freeradius.hex");
    auto a = decode_option43(v13a);
    ASSERT_TRUE(a) << a.error().message();
    EXPECT_EQ(a->nap_soh->kind, NapSohKind::NapMarker);
    EXPECT_EQ(encode_option43(*a), v13a);
    EXPECT_EQ(encode_option43(encode_nap_marker()), v13a);
    auto b = decode_option43(v13b);
    ASSERT_TRUE(b) << b.error().message();
    EXPECT_EQ(b->nap_soh->kind, NapSohKind::NapMarkerReversed);
    EXPECT_EQ(encode_option43(*b), v13b);
    EXPECT_EQ(encode_option43(encode_nap_marker(true)), v13b);
}

TEST(DhcpOption43, RequestProbeIsVector14) {
    const ByteVec v14 = load_vector("14-dhcp-opt43-nap-request-probe.hex");
    auto d = decode_option43(v14);
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(d->nap_soh->kind, NapSohKind::RequestProbe);
    EXPECT_EQ(encode_option43(*d), v14);
    EXPECT_EQ(encode_option43(encode_nap_request_probe()), v14);
}

TEST(DhcpOption43, WrappedSohAsFreeRadiusExpects) {
    // ms-soh.md §7.3 [LIVE]: option 43 = dc de + the PEAP-style wrapper + vector 08.
    const ByteVec v08 = load_vector("08-soh-wsha-compact.hex");
    const ByteVec v10 = load_vector("10-radius-vsa-ms-quarantine-soh-compact.hex");
    const ByteVec sub = encode_nap_soh(v08, radius::Wrapping::PeapWrapper);
    EXPECT_EQ(sub, cat({from_hex("dc de"), ByteVec(v10.begin() + 8, v10.end())}));
    const ByteVec option = encode_option43(sub);
    ASSERT_EQ(option.size(), 2u + 2 + 222);
    auto d = decode_option43(option);
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(d->nap_soh->kind, NapSohKind::Message);
    EXPECT_EQ(d->nap_soh->wrapping, radius::Wrapping::PeapWrapper);
    EXPECT_EQ(d->nap_soh->message, v08);
    EXPECT_EQ(encode_option43(*d), option);
    // Bare.
    auto bare = decode_option43(encode_option43(encode_nap_soh(v08, radius::Wrapping::Bare)));
    ASSERT_TRUE(bare);
    EXPECT_EQ(bare->nap_soh->wrapping, radius::Wrapping::Bare);
    EXPECT_EQ(bare->nap_soh->message, v08);
}

// A 343-byte SoH: sub-option 220 carries 255 bytes and sub-option 250 the remaining 88; the payload
// (with the 132-byte CoID: 479 bytes) goes out as option 43 (255) + option 250 (224).
TEST(DhcpOption43, LongSohUsesOption250Continuations) {
    const ByteVec v09 = load_vector("09-soh-wsha-full.hex");
    const ByteVec v12 = load_vector("12-dhcp-opt43-nap-discover-probe.hex");
    const ByteVec sub = encode_nap_soh(v09, radius::Wrapping::Bare);
    ASSERT_EQ(sub.size(), 2u + 255 + 2 + 88);
    EXPECT_EQ(sub[0], kSubNapSoh);
    EXPECT_EQ(sub[1], 255);
    EXPECT_EQ(sub[257], kOptionLongContinuation);
    EXPECT_EQ(sub[258], 88);

    Option43 value;
    value.nap_coid.emplace();
    std::copy_n(v12.begin() + 4, kNapCoIdSize, value.nap_coid->begin());
    value.nap_soh = NapSoh{NapSohKind::Message, radius::Wrapping::Bare, v09};
    const ByteVec payload = encode_option43_payload(value);
    ASSERT_EQ(payload.size(), 132u + 347);
    const ByteVec option = encode_option43(payload);
    ASSERT_EQ(option.size(), 2u + 255 + 2 + 224);
    EXPECT_EQ(option[0], kOptionVendorSpecific);
    EXPECT_EQ(option[1], 255);
    EXPECT_EQ(option[257], kOptionLongContinuation);
    EXPECT_EQ(option[258], 224);
    auto d = decode_option43(option);
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(*d, value);
    expect_stable(*d);
    // Wrapped: 355 bytes = 255 + 100.
    value.nap_soh->wrapping = radius::Wrapping::PeapWrapper;
    d = decode_option43(encode_option43(value));
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(*d, value);
}

TEST(DhcpOption43, Rfc3396StyleRepeatedSubOptionsAreConcatenated) {
    const ByteVec v09 = load_vector("09-soh-wsha-full.hex");
    ByteVec payload{kSubNapSoh, 200};
    payload.insert(payload.end(), v09.begin(), v09.begin() + 200);
    payload.push_back(kSubNapSoh);
    payload.push_back(143);
    payload.insert(payload.end(), v09.begin() + 200, v09.end());
    auto d = decode_option43_payload(payload);
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(d->nap_soh->message, v09);
    expect_stable(*d);
}

TEST(DhcpOption43, ContinuationErrorsMapToAbsoluteOffsets) {
    // Payload: CoID (132) + unknown sub-option 0x10 with 200 bytes (202) + `11 ff` (runs past the
    // end). Sent as option 43 (255 bytes) + option 250 (81 bytes): payload offset 335 (the bad
    // length byte) is absolute offset 2 + 255 + 2 + (335 - 255) = 339.
    ByteVec payload = encode_nap_coid({});
    payload.push_back(0x10);
    payload.push_back(200);
    payload.insert(payload.end(), 200, 0x77);
    payload.push_back(0x11);
    payload.push_back(0xff);
    ASSERT_EQ(payload.size(), 336u);
    const ByteVec option = encode_option43(payload);
    auto d = decode_option43(option);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::LengthOverrun);
    EXPECT_EQ(d.error().field, Field::DhcpOption);
    EXPECT_EQ(d.error().type, 0x11);
    EXPECT_EQ(d.error().offset, 339u);
    EXPECT_EQ(option[339], 0xff);

    // A wrapped SoH with a bad inner wrapper length: reported at the length field itself
    // (2 option header + 2 sub-option header + 10).
    const ByteVec v09 = load_vector("09-soh-wsha-full.hex");
    ByteVec bad = encode_option43(encode_nap_soh(v09, radius::Wrapping::PeapWrapper));
    bad[4 + 11] ^= 0x01;
    d = decode_option43(bad);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::BadLength);
    EXPECT_EQ(d.error().type, kSubNapSoh);
    EXPECT_EQ(d.error().offset, 14u);
}

TEST(DhcpOption43, NapMaskIsLittleEndian) {
    EXPECT_EQ(encode_nap_mask(0xFFFFFF00), from_hex("dd 04 00 ff ff ff"));
    auto d = decode_option43_payload(from_hex("dd 04 00 f0 ff ff"));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->nap_mask, 0xFFFFF000u);
    d = decode_option43_payload(from_hex("dd 03 00 ff ff"));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::BadLength);
    EXPECT_EQ(d.error().offset, 1u);
    EXPECT_EQ(d.error().type, kSubNapMask);
}

TEST(DhcpOption43, NapCoIdMustBe130Bytes) {
    auto d = decode_option43_payload(cat({from_hex("de 81"), ByteVec(129, 1)}));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::BadLength);
    EXPECT_EQ(d.error().type, kSubNapCoId);
}

TEST(DhcpOption43, NapIpv6) {
    EXPECT_EQ(encode_nap_ipv6({}), from_hex("df 00"));
    Ipv6Address a{};
    a[0] = 0xfd;
    a[15] = 1;
    Ipv6Address b = a;
    b[15] = 2;
    const Ipv6Address two[] = {a, b};
    const ByteVec sub = encode_nap_ipv6(two);
    ASSERT_EQ(sub.size(), 2u + 33);
    EXPECT_EQ(sub[1], 33);
    EXPECT_EQ(sub[2], 2);
    auto d = decode_option43_payload(sub);
    ASSERT_TRUE(d) << d.error().message();
    ASSERT_TRUE(d->nap_ipv6);
    EXPECT_EQ(*d->nap_ipv6, (std::vector<Ipv6Address>{a, b}));
    // Empty: length 0, or length 1 with a zero count.
    d = decode_option43_payload(from_hex("df 00"));
    ASSERT_TRUE(d);
    ASSERT_TRUE(d->nap_ipv6);
    EXPECT_TRUE(d->nap_ipv6->empty());
    d = decode_option43_payload(from_hex("df 01 00"));
    ASSERT_TRUE(d);
    EXPECT_TRUE(d->nap_ipv6->empty());
    expect_stable(*d);
    // Count byte disagreeing with the length.
    ByteVec wrong = sub;
    wrong[2] = 3;
    d = decode_option43_payload(wrong);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::BadValue);
    EXPECT_EQ(d.error().offset, 2u);
    // Length not 16N + 1.
    d = decode_option43_payload(cat({from_hex("df 10"), ByteVec(16, 0)}));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::BadLength);
    // 16 addresses need 257 bytes: a sub-option 250 continuation.
    std::vector<Ipv6Address> many(16, a);
    const ByteVec long_sub = encode_nap_ipv6(many);
    EXPECT_EQ(long_sub[1], 255);
    EXPECT_EQ(long_sub[257], kOptionLongContinuation);
    d = decode_option43(encode_option43(long_sub));
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(*d->nap_ipv6, many);
}

TEST(DhcpOption43, UnknownSubOptionsPadAndEnd) {
    const ByteVec payload = from_hex("00 01 02 aa bb dc 00 00 05 00 ff 00 00");
    auto d = decode_option43_payload(payload);
    ASSERT_TRUE(d) << d.error().message();
    ASSERT_EQ(d->other.size(), 2u);
    EXPECT_EQ(d->other[0].code, 1);
    EXPECT_EQ(d->other[0].data, from_hex("aa bb"));
    EXPECT_EQ(d->other[1].code, 5);
    EXPECT_TRUE(d->other[1].data.empty());
    EXPECT_EQ(d->nap_soh->kind, NapSohKind::DiscoverProbe);
    expect_stable(*d);
    // Only pad may follow the end marker.
    d = decode_option43_payload(from_hex("dc 00 ff 00 07"));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::TrailingBytes);
    EXPECT_EQ(d.error().offset, 4u);
    // A continuation with nothing to continue.
    d = decode_option43_payload(from_hex("fa 01 00"));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::BadType);
    d = decode_option43_payload(from_hex("dc 00 00 fa 01 00"));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::BadType);
    EXPECT_EQ(d.error().offset, 3u);
    // A continuation of an unknown sub-option.
    d = decode_option43_payload(from_hex("07 01 aa fa 02 bb cc"));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->other[0].data, from_hex("aa bb cc"));
}

TEST(DhcpOption43, NapSohValuesThatAreNeitherProbeNorSoh) {
    for (const char* hex : {"dc 01 01", "dc 02 00 00", "dc 03 4e 41 51",
                            "dc 0b 00 07 00 07 00 00 "
                            "01 37 00 02 00"}) {
        auto d = decode_option43_payload(from_hex(hex));
        ASSERT_FALSE(d) << hex;
        EXPECT_EQ(d.error().code, Errc::BadLength) << hex;
        EXPECT_EQ(d.error().field, Field::DhcpOption) << hex;
        EXPECT_EQ(d.error().type, kSubNapSoh) << hex;
        EXPECT_EQ(d.error().offset, 2u) << hex;
    }
}

TEST(DhcpOption43, FullOptionFraming) {
    auto d = decode_option43(from_hex("2c 02 dc 00"));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::BadType);
    d = decode_option43(from_hex("2b 02 dc 00 35 01 03"));  // option 53 after option 43
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::TrailingBytes);
    EXPECT_EQ(d.error().offset, 4u);
    d = decode_option43(from_hex("2b 00"));
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, Option43{});
    EXPECT_EQ(encode_option43(Option43{}), from_hex("2b 00"));
    // Continuation split at an arbitrary point (inside a sub-option).
    d = decode_option43(from_hex("2b 03 dc 03 4e fa 02 41 50"));
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(d->nap_soh->kind, NapSohKind::NapMarker);
}

TEST(DhcpOption43, EveryPrefixIsRejected) {
    for (const char* name : kOptionVectors) {
        const ByteVec v = load_vector(name);
        for (std::size_t n = 0; n < v.size(); ++n) {
            auto d = decode_option43(Bytes(v).first(n));
            ASSERT_FALSE(d) << name << " prefix " << n;
            EXPECT_LE(d.error().offset, n);
        }
    }
}

// Prefixes of the bare payloads: the empty payload is a valid (empty) option-43 payload, and for
// vector 12 the 132-byte prefix is exactly the CoID sub-option, a complete shorter payload.
TEST(DhcpOption43, PayloadPrefixes) {
    for (const char* name : kOptionVectors) {
        const ByteVec v = load_vector(name);
        const Bytes payload = Bytes(v).subspan(2);
        for (std::size_t n = 0; n < payload.size(); ++n) {
            auto d = decode_option43_payload(payload.first(n));
            if (n == 0) {
                ASSERT_TRUE(d);
                EXPECT_EQ(*d, Option43{});
            } else if (n == 132 && payload.size() == 134) {
                ASSERT_TRUE(d) << d.error().message();
                EXPECT_TRUE(d->nap_coid);
                EXPECT_FALSE(d->nap_soh);
            } else {
                ASSERT_FALSE(d) << name << " prefix " << n;
                EXPECT_LE(d.error().offset, n);
            }
        }
    }
}

TEST(DhcpOption43, CorruptedLengthBytes) {
    const ByteVec v09 = load_vector("09-soh-wsha-full.hex");
    std::vector<ByteVec> samples;
    for (const char* name : kOptionVectors) {
        samples.push_back(load_vector(name));
    }
    samples.push_back(encode_option43(encode_nap_soh(v09, radius::Wrapping::PeapWrapper)));
    auto mutate = [](ByteVec b, std::size_t at, int variant) {
        const std::uint8_t orig = b[at];
        b[at] = variant == 0   ? static_cast<std::uint8_t>(orig - 1)
                : variant == 1 ? static_cast<std::uint8_t>(orig + 1)
                : variant == 2 ? 0
                               : 0xFF;
        return b;
    };
    auto check = [](const Result<Option43>& d, std::size_t size) {
        if (d) {
            expect_stable(*d);  // a different but valid structure: must be self-consistent
        } else {
            EXPECT_EQ(d.error().field, Field::DhcpOption);
            EXPECT_LE(d.error().offset, size);
        }
    };
    for (const ByteVec& v : samples) {
        ASSERT_TRUE(decode_option43(v));
        // Length bytes of the option and its option-250 continuations, and the reassembled payload.
        ByteVec payload;
        for (std::size_t pos = 0; pos < v.size(); pos += 2 + v[pos + 1]) {
            for (int variant = 0; variant < 4; ++variant) {
                const ByteVec b = mutate(v, pos + 1, variant);
                check(decode_option43(b), b.size());
            }
            payload.insert(payload.end(), v.begin() + static_cast<std::ptrdiff_t>(pos + 2),
                           v.begin() + static_cast<std::ptrdiff_t>(pos + 2 + v[pos + 1]));
        }
        // Length bytes of the sub-options (no pads in these samples).
        for (std::size_t pos = 0; pos < payload.size(); pos += 2 + payload[pos + 1]) {
            for (int variant = 0; variant < 4; ++variant) {
                const ByteVec b = mutate(payload, pos + 1, variant);
                check(decode_option43_payload(b), b.size());
                check(decode_option43(encode_option43(b)), b.size() + 2 * (b.size() / 255 + 1));
            }
        }
    }
}

}  // namespace
}  // namespace opennap::soh::dhcp
