#include "opennap/tools/detect.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "opennap/soh/radius.h"
#include "support/vectors.h"

namespace opennap::tools {
namespace {

using test::ByteVec;
using test::load_vector;

struct Expected {
    Framing framing;
    bool has_message;
    const char* message_vector;  // the bare message it carries, if any
    std::size_t message_offset;
};

const std::map<std::string, Expected>& expectations() {
    static const std::map<std::string, Expected> kExpected = {
        {"01", {Framing::PeapVendorTlv, false, nullptr, 0}},
        {"02", {Framing::EapSoh, false, nullptr, 0}},
        {"03", {Framing::EapSoh, false, nullptr, 0}},
        {"04", {Framing::Bare, true, "04-soh-wpas-v2.hex", 0}},
        {"05", {Framing::PeapVendorTlv, true, "04-soh-wpas-v2.hex", 12}},
        {"06", {Framing::EapSoh, true, "04-soh-wpas-v2.hex", 20}},
        {"07", {Framing::Bare, true, "07-soh-wpas-v1.hex", 0}},
        {"08", {Framing::Bare, true, "08-soh-wsha-compact.hex", 0}},
        {"09", {Framing::Bare, true, "09-soh-wsha-full.hex", 0}},
        {"10", {Framing::Radius, true, "08-soh-wsha-compact.hex", 20}},
        {"11", {Framing::Radius, true, "04-soh-wpas-v2.hex", 20}},
        {"12", {Framing::Dhcp, false, nullptr, 0}},
        {"13a", {Framing::Dhcp, false, nullptr, 0}},
        {"13b", {Framing::Dhcp, false, nullptr, 0}},
        {"14", {Framing::Dhcp, false, nullptr, 0}},
        {"15", {Framing::Bare, true, "15-sohr-synthesized.hex", 0}},
        {"16", {Framing::EapTlv, true, "15-sohr-synthesized.hex", 19}},
    };
    return kExpected;
}

TEST(Detect, EveryVectorGetsItsFraming) {
    std::size_t checked = 0;
    for (const std::string& name : test::vector_names()) {
        SCOPED_TRACE(name);
        const ByteVec bytes = load_vector(name);
        auto d = detect(bytes);
        const auto it = expectations().find(name.substr(0, name.find('-')));
        if (it == expectations().end()) {
            // A vector this test does not know (e.g. a malformed one): detection must still
            // answer, with a match or with an error that names an offset inside the input.
            if (!d) {
                EXPECT_LE(d.error().offset, bytes.size());
            }
            continue;
        }
        ++checked;
        ASSERT_TRUE(d) << d.error().message();
        const Expected& e = it->second;
        EXPECT_EQ(d->framing, e.framing) << to_string(d->framing);
        EXPECT_EQ(d->message.has_value(), e.has_message) << d->payload;
        if (e.has_message && d->message) {
            EXPECT_EQ(*d->message, load_vector(e.message_vector));
            ASSERT_TRUE(d->message_offset);
            EXPECT_EQ(*d->message_offset, e.message_offset);
        }
        EXPECT_FALSE(d->description.empty());
        EXPECT_FALSE(d->payload.empty());
    }
    EXPECT_EQ(checked, expectations().size());
}

TEST(Detect, ReportsFramingDetails) {
    auto r = detect(load_vector("10-radius-vsa-ms-quarantine-soh-compact.hex"));
    ASSERT_TRUE(r);
    ASSERT_GE(r->details.size(), 2u);
    EXPECT_EQ(r->details[0].first, "MS-Quarantine-SoH VSAs");
    EXPECT_EQ(r->details[0].second, "1");
    EXPECT_NE(r->details[1].second.find("PEAP-style wrapper"), std::string::npos);

    auto e = detect(load_vector("03-peap-soh-request-eap-full.hex"));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->details[0].second, "code 1 (Request), identifier 7");
    EXPECT_EQ(e->payload, "SoH-Request (no message)");

    auto t = detect(load_vector("16-peap-eaptlv-result-plus-soh-response.hex"));
    ASSERT_TRUE(t);
    EXPECT_EQ(t->payload, "SoHR message");

    auto p = detect(load_vector("13b-dhcp-opt43-nap-server-marker-freeradius.hex"));
    ASSERT_TRUE(p);
    EXPECT_NE(p->payload.find("PAN"), std::string::npos);

    const auto j = to_json(*r);
    EXPECT_EQ(j["kind"], "radius");
    EXPECT_EQ(j["message_offset"], 20);
    EXPECT_EQ(j["message_size"], 210);
}

TEST(Detect, SplitRadiusMessageHasNoSingleOffset) {
    // Vector 09 (343 bytes) needs two MS-Quarantine-SoH VSAs.
    ByteVec v09 = load_vector("09-soh-wsha-full.hex");
    ByteVec attrs = {0x01, 0x03, 'x'};  // User-Name "x" first
    ByteVec vsas = soh::radius::encode_quarantine_soh_vsas(v09, soh::radius::Wrapping::Bare);
    attrs.insert(attrs.end(), vsas.begin(), vsas.end());
    auto d = detect(attrs);
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(d->framing, Framing::Radius);
    EXPECT_EQ(d->details[0].second, "2");
    EXPECT_EQ(*d->message, v09);
    EXPECT_FALSE(d->message_offset);
}

TEST(Detect, BrokenBareMessageReportsTheMessageError) {
    ByteVec b = load_vector("08-soh-wsha-compact.hex");
    // The first Health-Class-Status TLV of the WSHA entry (type 11 at offset 150): length 4 -> 99.
    ASSERT_EQ(b[150], 0x00);
    ASSERT_EQ(b[151], 0x0b);
    b[153] = 99;
    auto d = detect(b);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().field, soh::Field::Tlv) << d.error().message();
    EXPECT_EQ(d.error().offset, 150u) << d.error().message();
    EXPECT_NE(d.error().message().find("offset 150"), std::string::npos) << d.error().message();
}

TEST(Detect, BrokenRadiusFramingReportsTheRadiusError) {
    ByteVec b = load_vector("11-radius-vsa-ms-quarantine-soh-wpas-v2.hex");
    b[7] = 0xF0;  // vendor length past the attribute
    auto d = detect(b);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().field, soh::Field::RadiusAttribute) << d.error().message();
}

TEST(Detect, GarbageGetsTheBareError) {
    const ByteVec b = {0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
    auto d = detect(b);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().field, soh::Field::OuterHeader) << d.error().message();
    EXPECT_EQ(d.error().code, soh::Errc::BadType);
}

TEST(Detect, ShortInputsNeverReadPastTheEnd) {
    // Prefixes of every vector (found by fuzzing: 10- and 11-byte SoH-looking inputs).
    for (const std::string& name : test::vector_names()) {
        const ByteVec bytes = load_vector(name);
        for (std::size_t n = 0; n <= std::min<std::size_t>(bytes.size(), 24); ++n) {
            const ByteVec prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
            auto d = detect(prefix);  // own buffer: an over-read hits ASan's redzone
            if (!d) {
                EXPECT_LE(d.error().offset, n) << name << " prefix " << n;
            }
        }
    }
}

TEST(Detect, IgnorableBareMessageStillMatches) {
    ByteVec b = load_vector("04-soh-wpas-v2.hex");
    b[45] = 1;  // content type
    auto d = detect(b);
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(d->framing, Framing::Bare);
}

TEST(Detect, PeapSlotWithoutSohIsNotPeap) {
    // An inner-type-1 bare SoH whose SSoH is broken looks like a PEAP vendor TLV whose SoH
    // sub-TLV holds the SSoH TLVs; detection must report the bare-SoH problem instead.
    ByteVec b = load_vector("07-soh-wpas-v1.hex");
    b[23] = 0x5f;  // Vendor-Specific(311) length 0x5e -> 0x5f: runs past the body
    auto d = detect(b);
    ASSERT_FALSE(d);
    EXPECT_NE(d.error().field, soh::Field::PeapTlv) << d.error().message();
    EXPECT_EQ(d.error().offset, 20u) << d.error().message();
}

}  // namespace
}  // namespace opennap::tools
