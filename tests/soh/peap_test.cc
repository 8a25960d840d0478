#include "opennap/soh/peap.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <vector>

#include "support/vectors.h"

namespace opennap::soh::peap {
namespace {

using test::ByteVec;
using test::from_hex;
using test::load_vector;

ByteVec vec(Bytes b) {
    return {b.begin(), b.end()};
}

// Adds the 4-byte EAP header to a header-less EAP method payload.
ByteVec with_header(const ByteVec& body, std::uint8_t code, std::uint8_t id) {
    ByteVec out(body.size() + 4);
    out[0] = code;
    out[1] = id;
    store_be16(out.data() + 2, static_cast<std::uint16_t>(body.size() + 4));
    std::copy(body.begin(), body.end(), out.begin() + 4);
    return out;
}

// ---- Vendor-Specific TLV ----------------------------------------------------------------------

TEST(PeapVendorTlv, SohRequestIsVector01) {
    const ByteVec v01 = load_vector("01-peap-soh-request-vendor-tlv.hex");
    EXPECT_EQ(encode_soh_request_tlv(), v01);
    auto d = decode_vendor_payload(v01);
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(d->kind, Kind::SohRequest);
    EXPECT_TRUE(d->message.empty());
    EXPECT_EQ(encode_vendor_payload(*d), v01);
}

TEST(PeapVendorTlv, SohTlvIsVector05FromVector04) {
    const ByteVec v04 = load_vector("04-soh-wpas-v2.hex");
    const ByteVec v05 = load_vector("05-peap-soh-tlv-wpas-v2.hex");
    EXPECT_EQ(encode_soh_tlv(v04), v05);
    auto d = decode_vendor_payload(v05);
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(d->kind, Kind::Soh);
    EXPECT_EQ(vec(d->message), v04);
    EXPECT_EQ(d->message.data(), v05.data() + 12);  // zero-copy
    EXPECT_EQ(encode_vendor_payload(*d), v05);
}

TEST(PeapVendorTlv, SohResponseRoundTrip) {
    const ByteVec v15 = load_vector("15-sohr-synthesized.hex");
    const ByteVec tlv = encode_soh_response_tlv(v15);
    ASSERT_EQ(tlv.size(), v15.size() + 12);
    EXPECT_EQ(tlv[9], 0x03);
    auto d = decode_vendor_payload(tlv);
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(d->kind, Kind::SohResponse);
    EXPECT_EQ(vec(d->message), v15);
}

TEST(PeapVendorTlv, MandatoryAndReservedBitsAreMasked) {
    ByteVec v05 = load_vector("05-peap-soh-tlv-wpas-v2.hex");
    v05[0] |= 0xC0;  // M and R on the Vendor-Specific TLV
    v05[8] |= 0x80;  // M on the SoH TLV
    auto d = decode_vendor_payload(v05);
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(d->kind, Kind::Soh);
}

TEST(PeapVendorTlv, RejectsWrongTypeVendorAndSubType) {
    ByteVec v01 = load_vector("01-peap-soh-request-vendor-tlv.hex");
    {
        ByteVec b = v01;
        b[1] = 0x03;
        auto d = decode_vendor_payload(b);
        ASSERT_FALSE(d);
        EXPECT_EQ(d.error().code, Errc::BadType);
        EXPECT_EQ(d.error().field, Field::PeapTlv);
        EXPECT_EQ(d.error().value, 3u);
    }
    {
        ByteVec b = v01;
        b[7] = 0x38;
        auto d = decode_vendor_payload(b, 100);
        ASSERT_FALSE(d);
        EXPECT_EQ(d.error().code, Errc::BadVendor);
        EXPECT_EQ(d.error().offset, 104u);  // base offset is added
        EXPECT_EQ(d.error().value, 0x138u);
        EXPECT_EQ(d.error().limit, 311u);
    }
    {
        ByteVec b = v01;
        b[9] = 0x04;
        auto d = decode_vendor_payload(b);
        ASSERT_FALSE(d);
        EXPECT_EQ(d.error().code, Errc::BadType);
        EXPECT_EQ(d.error().offset, 8u);
        EXPECT_EQ(d.error().type, 4);
    }
}

TEST(PeapVendorTlv, SohRequestMustBeEmpty) {
    const ByteVec b = from_hex("00 07 00 09 00 00 01 37 00 02 00 01 00");
    auto d = decode_vendor_payload(b);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::BadLength);
    EXPECT_EQ(d.error().offset, 10u);
}

TEST(PeapVendorTlv, ExactlyOneSubTlvAndNoTrailingBytes) {
    // Two sub-TLVs inside one Vendor-Specific TLV.
    const ByteVec two = from_hex("00 07 00 0c 00 00 01 37 00 02 00 00 00 02 00 00");
    auto d = decode_vendor_payload(two);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::TrailingBytes);
    EXPECT_EQ(d.error().offset, 12u);
    // Bytes after the Vendor-Specific TLV.
    ByteVec tail = load_vector("01-peap-soh-request-vendor-tlv.hex");
    tail.push_back(0);
    d = decode_vendor_payload(tail);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::TrailingBytes);
    EXPECT_EQ(d.error().offset, 12u);
    // Vendor id but no sub-TLV.
    d = decode_vendor_payload(from_hex("00 07 00 04 00 00 01 37"));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::MissingField);
    // Length too small for the vendor id.
    d = decode_vendor_payload(from_hex("00 07 00 02 00 00"));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::BadLength);
}

TEST(PeapVendorTlv, EveryPrefixIsRejected) {
    for (const char* name : {"01-peap-soh-request-vendor-tlv.hex", "05-peap-soh-tlv-wpas-v2.hex"}) {
        const ByteVec v = load_vector(name);
        for (std::size_t n = 0; n < v.size(); ++n) {
            const ByteVec prefix(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n));
            auto d = decode_vendor_payload(prefix);
            ASSERT_FALSE(d) << name << " prefix " << n;
            EXPECT_LE(d.error().offset, n) << name << " prefix " << n;
        }
    }
}

// Every 16-bit length field set to len-1, len+1, 0 and 0xFFFF: always rejected (the TLV lengths
// must match the buffer exactly), never read past the buffer (ASan).
TEST(PeapVendorTlv, CorruptedLengthsAreRejected) {
    const ByteVec v05 = load_vector("05-peap-soh-tlv-wpas-v2.hex");
    for (std::size_t at : {2u, 10u}) {
        const std::uint16_t len = load_be16(v05.data() + at);
        for (std::uint16_t bad :
             {static_cast<std::uint16_t>(len - 1), static_cast<std::uint16_t>(len + 1),
              std::uint16_t{0}, std::uint16_t{0xFFFF}}) {
            ByteVec b = v05;
            store_be16(b.data() + at, bad);
            auto d = decode_vendor_payload(b);
            ASSERT_FALSE(d) << "field " << at << " = " << bad;
            EXPECT_EQ(d.error().field, Field::PeapTlv);
            EXPECT_LE(d.error().offset, b.size());
        }
    }
}

TEST(PeapVendorTlv, OversizedMessageCannotBeEncoded) {
    const ByteVec big(kMaxVendorMessage + 1, 0);
    EXPECT_TRUE(encode_soh_tlv(big).empty());
    const ByteVec max(kMaxVendorMessage, 0);
    const ByteVec tlv = encode_soh_tlv(max);
    ASSERT_EQ(tlv.size(), max.size() + 12);
    EXPECT_EQ(load_be16(tlv.data() + 2), 0xFFFF);
    EXPECT_TRUE(decode_vendor_payload(tlv));
}

// ---- SoH EAP Extensions Method ------------------------------------------------------------------

TEST(PeapEapSoh, HeaderlessRequestIsVector02) {
    const ByteVec v02 = load_vector("02-peap-soh-request-eap-intunnel.hex");
    EXPECT_EQ(encode_eap_soh(encode_soh_request_tlv()), v02);
    auto d = decode_eap_soh(v02);
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_FALSE(d->header);
    EXPECT_EQ(d->payload.kind, Kind::SohRequest);
    EXPECT_EQ(d->vendor_tlv.data(), v02.data() + 8);
    EXPECT_EQ(d->vendor_tlv.size(), 12u);
}

TEST(PeapEapSoh, FullRequestIsVector03) {
    const ByteVec v03 = load_vector("03-peap-soh-request-eap-full.hex");
    EXPECT_EQ(encode_eap_soh(encode_soh_request_tlv(), EapHeader{kEapCodeRequest, 7}), v03);
    auto d = decode_eap_soh(v03);
    ASSERT_TRUE(d) << d.error().message();
    ASSERT_TRUE(d->header);
    EXPECT_EQ(d->header->code, kEapCodeRequest);
    EXPECT_EQ(d->header->identifier, 7);
    EXPECT_EQ(d->payload.kind, Kind::SohRequest);
}

TEST(PeapEapSoh, HeaderlessResponseIsVector06) {
    const ByteVec v04 = load_vector("04-soh-wpas-v2.hex");
    const ByteVec v05 = load_vector("05-peap-soh-tlv-wpas-v2.hex");
    const ByteVec v06 = load_vector("06-peap-soh-eap-response-wpas-v2-intunnel.hex");
    EXPECT_EQ(encode_eap_soh(v05), v06);
    auto d = decode_eap_soh(v06);
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_FALSE(d->header);
    EXPECT_EQ(d->payload.kind, Kind::Soh);
    EXPECT_EQ(vec(d->payload.message), v04);
    EXPECT_EQ(d->payload.message.data(), v06.data() + 20);
    EXPECT_EQ(vec(d->vendor_tlv), v05);
}

TEST(PeapEapSoh, FullResponseRoundTrip) {
    const ByteVec v04 = load_vector("04-soh-wpas-v2.hex");
    const ByteVec v06 = load_vector("06-peap-soh-eap-response-wpas-v2-intunnel.hex");
    const ByteVec full = encode_eap_soh(encode_soh_tlv(v04), EapHeader{kEapCodeResponse, 0x42});
    EXPECT_EQ(full, with_header(v06, kEapCodeResponse, 0x42));
    auto d = decode_eap_soh(full);
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(d->header, (EapHeader{kEapCodeResponse, 0x42}));
    EXPECT_EQ(vec(d->payload.message), v04);
}

TEST(PeapEapSoh, DirectionMustMatchTheEapCode) {
    const ByteVec v06 = load_vector("06-peap-soh-eap-response-wpas-v2-intunnel.hex");
    auto d = decode_eap_soh(with_header(v06, kEapCodeRequest, 1));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::WrongDirection);
    const ByteVec v02 = load_vector("02-peap-soh-request-eap-intunnel.hex");
    d = decode_eap_soh(with_header(v02, kEapCodeResponse, 1));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::WrongDirection);
}

TEST(PeapEapSoh, RejectsOtherMethodsAndVendors) {
    ByteVec v02 = load_vector("02-peap-soh-request-eap-intunnel.hex");
    {
        ByteVec b = v02;
        b[7] = 0x22;  // Capabilities Negotiation method
        auto d = decode_eap_soh(b);
        ASSERT_FALSE(d);
        EXPECT_EQ(d.error().code, Errc::BadType);
        EXPECT_EQ(d.error().field, Field::EapHeader);
        EXPECT_EQ(d.error().value, kEapVendorTypeCapabilities);
        EXPECT_EQ(d.error().offset, 4u);
    }
    {
        ByteVec b = v02;
        b[3] = 0x38;
        auto d = decode_eap_soh(b);
        ASSERT_FALSE(d);
        EXPECT_EQ(d.error().code, Errc::BadVendor);
        EXPECT_EQ(d.error().offset, 1u);
    }
    {
        // Header-less legacy NAK (type 3), as FreeRADIUS recognises it.
        auto d = decode_eap_soh(from_hex("03 fe"));
        ASSERT_FALSE(d);
        EXPECT_EQ(d.error().code, Errc::NotRecognised);
        EXPECT_EQ(d.error().value, 3u);
    }
    {
        // Full header, but a NAK (type 3) instead of the expanded type.
        auto d = decode_eap_soh(from_hex("02 05 00 06 03 fe"));
        ASSERT_FALSE(d);
        EXPECT_EQ(d.error().code, Errc::BadType);
        EXPECT_EQ(d.error().offset, 4u);
        EXPECT_EQ(d.error().value, 3u);
    }
    {
        // Error offsets inside the TLV are absolute: vendor id of the TLV is at 8 + 4 (+4 header).
        ByteVec b = with_header(v02, kEapCodeRequest, 9);
        b[4 + 8 + 7] = 0x38;
        auto d = decode_eap_soh(b);
        ASSERT_FALSE(d);
        EXPECT_EQ(d.error().code, Errc::BadVendor);
        EXPECT_EQ(d.error().field, Field::PeapTlv);
        EXPECT_EQ(d.error().offset, 16u);
    }
}

TEST(PeapEapSoh, EapLengthMustEqualTheBufferSize) {
    const ByteVec v03 = load_vector("03-peap-soh-request-eap-full.hex");
    ByteVec longer = v03;
    longer.push_back(0);
    auto d = decode_eap_soh(longer);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::TrailingBytes);
    EXPECT_EQ(d.error().offset, 24u);
    for (std::uint16_t bad : {std::uint16_t{23}, std::uint16_t{25}, std::uint16_t{0},
                              std::uint16_t{4}, std::uint16_t{0xFFFF}}) {
        ByteVec b = v03;
        store_be16(b.data() + 2, bad);
        auto e = decode_eap_soh(b);
        ASSERT_FALSE(e) << bad;
        EXPECT_EQ(e.error().field, Field::EapHeader) << bad;
    }
}

TEST(PeapEapSoh, EveryPrefixIsRejected) {
    for (const char* name :
         {"02-peap-soh-request-eap-intunnel.hex", "03-peap-soh-request-eap-full.hex",
          "06-peap-soh-eap-response-wpas-v2-intunnel.hex"}) {
        const ByteVec v = load_vector(name);
        for (std::size_t n = 0; n < v.size(); ++n) {
            const ByteVec prefix(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n));
            auto d = decode_eap_soh(prefix);
            ASSERT_FALSE(d) << name << " prefix " << n;
            EXPECT_LE(d.error().offset, n) << name << " prefix " << n;
        }
    }
}

TEST(PeapEapSoh, CorruptedInnerLengthsAreRejected) {
    const ByteVec v06 = load_vector("06-peap-soh-eap-response-wpas-v2-intunnel.hex");
    for (std::size_t at : {10u, 18u}) {
        const std::uint16_t len = load_be16(v06.data() + at);
        for (std::uint16_t bad :
             {static_cast<std::uint16_t>(len - 1), static_cast<std::uint16_t>(len + 1),
              std::uint16_t{0}, std::uint16_t{0xFFFF}}) {
            ByteVec b = v06;
            store_be16(b.data() + at, bad);
            EXPECT_FALSE(decode_eap_soh(b)) << at << " " << bad;
        }
    }
}

// ---- EAP-TLV Extensions Method ------------------------------------------------------------------

TEST(PeapEapTlv, ResultPlusSohResponseIsVector16) {
    const ByteVec v15 = load_vector("15-sohr-synthesized.hex");
    const ByteVec v16 = load_vector("16-peap-eaptlv-result-plus-soh-response.hex");
    EXPECT_EQ(encode_eap_tlv_result(kResultSuccess, Bytes(v15)), v16);
    auto d = decode_eap_tlv(v16);
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_FALSE(d->header);
    EXPECT_EQ(d->result, kResultSuccess);
    ASSERT_TRUE(d->soh_response);
    EXPECT_EQ(vec(*d->soh_response), v15);
    EXPECT_EQ(d->soh_response->data(), v16.data() + 19);
    EXPECT_FALSE(d->crypto_binding);
    EXPECT_EQ(encode_eap_tlv(*d), v16);
}

TEST(PeapEapTlv, WithEapHeader) {
    const ByteVec v15 = load_vector("15-sohr-synthesized.hex");
    const ByteVec v16 = load_vector("16-peap-eaptlv-result-plus-soh-response.hex");
    const ByteVec full =
        encode_eap_tlv_result(kResultSuccess, Bytes(v15), EapHeader{kEapCodeRequest, 12});
    EXPECT_EQ(full, with_header(v16, kEapCodeRequest, 12));
    auto d = decode_eap_tlv(full);
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(d->header, (EapHeader{kEapCodeRequest, 12}));
    EXPECT_EQ(d->result, kResultSuccess);
    EXPECT_EQ(vec(*d->soh_response), v15);
    // Every prefix of the framed packet is rejected: the EAP length no longer matches.
    for (std::size_t n = 0; n < full.size(); ++n) {
        EXPECT_FALSE(decode_eap_tlv(Bytes(full).first(n))) << n;
    }
}

TEST(PeapEapTlv, FailureWithoutSohr) {
    const ByteVec b = encode_eap_tlv_result(kResultFailure);
    EXPECT_EQ(b, from_hex("21 80 03 00 02 00 02"));
    auto d = decode_eap_tlv(b);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->result, kResultFailure);
    EXPECT_FALSE(d->soh_response);
}

// Header-less prefixes of vector 16: most are rejected, but two are complete shorter packets:
// length 1 (`21`, an EAP-TLV with no TLVs) and length 7 (`21 80 03 00 02 00 01`, Result TLV only).
// For those the decode must be exactly that shorter packet.
TEST(PeapEapTlv, EveryPrefixIsRejectedOrAShorterPacket) {
    const ByteVec v16 = load_vector("16-peap-eaptlv-result-plus-soh-response.hex");
    for (std::size_t n = 0; n < v16.size(); ++n) {
        auto d = decode_eap_tlv(Bytes(v16).first(n));
        if (n == 1) {
            ASSERT_TRUE(d);
            EXPECT_EQ(*d, EapTlv{});
        } else if (n == 7) {
            ASSERT_TRUE(d);
            EXPECT_EQ(d->result, kResultSuccess);
            EXPECT_FALSE(d->soh_response);
        } else {
            ASSERT_FALSE(d) << n;
            EXPECT_LE(d.error().offset, n) << n;
        }
    }
}

TEST(PeapEapTlv, CorruptedLengthsAreRejected) {
    const ByteVec v16 = load_vector("16-peap-eaptlv-result-plus-soh-response.hex");
    for (std::size_t at : {3u, 9u, 17u}) {  // Result TLV, Vendor TLV, SoH-Response sub-TLV
        const std::uint16_t len = load_be16(v16.data() + at);
        for (std::uint16_t bad :
             {static_cast<std::uint16_t>(len - 1), static_cast<std::uint16_t>(len + 1),
              std::uint16_t{0}, std::uint16_t{0xFFFF}}) {
            ByteVec b = v16;
            store_be16(b.data() + at, bad);
            auto d = decode_eap_tlv(b);
            ASSERT_FALSE(d) << at << " " << bad;
            EXPECT_EQ(d.error().field, Field::PeapTlv);
        }
    }
}

TEST(PeapEapTlv, UnknownTlvsAndMandatoryBit) {
    // Unknown TLV 0x0020 with M=0 is skipped.
    auto d = decode_eap_tlv(from_hex("21 00 20 00 01 aa 80 03 00 02 00 01"));
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(d->result, kResultSuccess);
    // ... with M=1 the packet is rejected.
    d = decode_eap_tlv(from_hex("21 80 03 00 02 00 01 80 20 00 01 aa"));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::BadType);
    EXPECT_EQ(d.error().offset, 7u);
    EXPECT_EQ(d.error().value, 0x20u);
    // A non-Microsoft vendor TLV: skipped with M=0, rejected with M=1.
    d = decode_eap_tlv(from_hex("21 00 07 00 05 00 00 00 09 ff 80 03 00 02 00 02"));
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(d->result, kResultFailure);
    d = decode_eap_tlv(from_hex("21 80 07 00 05 00 00 00 09 ff"));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::BadVendor);
    // Crypto-Binding is recognised and reported raw, even with M=1.
    // (Decoded spans point into the input: keep the buffers alive.)
    const ByteVec with_cb = from_hex("21 80 0c 00 03 01 02 03 80 03 00 02 00 01");
    d = decode_eap_tlv(with_cb);
    ASSERT_TRUE(d) << d.error().message();
    ASSERT_TRUE(d->crypto_binding);
    EXPECT_EQ(vec(*d->crypto_binding), from_hex("01 02 03"));
    const ByteVec reencoded = encode_eap_tlv(*d);
    EXPECT_EQ(reencoded, from_hex("21 80 03 00 02 00 01 00 0c 00 03 01 02 03"));
    auto again = decode_eap_tlv(reencoded);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, *d);
}

TEST(PeapEapTlv, ResultAndVendorChecks) {
    auto d = decode_eap_tlv(from_hex("21 80 03 00 02 00 03"));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::BadValue);
    EXPECT_EQ(d.error().offset, 5u);
    d = decode_eap_tlv(from_hex("21 80 03 00 03 00 01 00"));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::BadLength);
    d = decode_eap_tlv(from_hex("21 80 03 00 02 00 01 80 03 00 02 00 02"));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::BadValue);  // two Result TLVs
    // An SoH (not an SoH Response) in the EAP-TLV method.
    const ByteVec v05 = load_vector("05-peap-soh-tlv-wpas-v2.hex");
    ByteVec b{0x21};
    b.insert(b.end(), v05.begin(), v05.end());
    d = decode_eap_tlv(b);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::WrongDirection);
    EXPECT_EQ(d.error().offset, 9u);
}

}  // namespace
}  // namespace opennap::soh::peap
