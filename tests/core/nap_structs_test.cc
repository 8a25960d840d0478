#include "opennap/core/nap_structs.h"

#include <gtest/gtest.h>

namespace opennap {
namespace {

TEST(NapStructs, CountedStringRange) {
    EXPECT_TRUE(is_valid_counted_string(std::u16string(maxStringLength, u'a')));
    EXPECT_FALSE(is_valid_counted_string(std::u16string(maxStringLength + 1, u'a')));
    IsolationInfo info;
    info.failure_url = std::u16string(1025, u'x');
    EXPECT_FALSE(info.is_valid());
    info.failure_url = u"http://remediation.example/";
    EXPECT_TRUE(info.is_valid());
    info.isolation_state = static_cast<IsolationState>(0);  // NAP has no 0 state
    EXPECT_FALSE(info.is_valid());
}

TEST(NapStructs, IsolationInfoExRanges) {
    IsolationInfoEx ex;
    EXPECT_TRUE(ex.is_valid());
    ex.extended_isolation_state = static_cast<ExtendedIsolationState>(4);
    EXPECT_FALSE(ex.is_valid());
}

TEST(NapStructs, FixupInfoPercentage) {
    FixupInfo f;
    f.state = FixupState::InProgress;
    f.percentage = percentageNotSupported;
    EXPECT_TRUE(f.is_valid());
    f.percentage = 102;
    EXPECT_FALSE(f.is_valid());
    f.percentage = 50;
    f.result_codes.assign(maxDwordCountPerSoHAttribute + 1, hr::S_OK);
    EXPECT_FALSE(f.is_valid());
    SystemHealthAgentState s{0x00013780, {}, FailureCategory::ClientComponent, {}};
    EXPECT_TRUE(s.is_valid());
    s.failure_category = static_cast<FailureCategory>(6);
    EXPECT_FALSE(s.is_valid());
}

TEST(NapStructs, SoHRules) {
    SoH soh;
    EXPECT_TRUE(soh.is_valid());
    soh.attributes.push_back({static_cast<std::uint16_t>(SoHAttributeType::HealthClass), {0}});
    EXPECT_FALSE(soh.is_valid()) << "the first attribute must be the System-Health-ID";
    soh.attributes.insert(
        soh.attributes.begin(),
        {static_cast<std::uint16_t>(SoHAttributeType::SystemHealthId), {0x00, 0x01, 0x37, 0x80}});
    EXPECT_TRUE(soh.is_valid());
    soh.attributes.back().value.assign(maxSoHAttributeSize + 1, 0);
    EXPECT_FALSE(soh.is_valid());
    soh.attributes.back().value = {0};
    soh.attributes.resize(maxSoHAttributeCount + 1, soh.attributes.back());
    EXPECT_FALSE(soh.is_valid());
}

TEST(NapStructs, NetworkSoHAndPrivateDataSizes) {
    NetworkSoH n;
    n.data.assign(minNetworkSoHSize - 1, 0);
    EXPECT_FALSE(n.is_valid());
    n.data.assign(minNetworkSoHSize, 0);
    EXPECT_TRUE(n.is_valid());
    n.data.assign(maxNetworkSoHSize + 1, 0);
    EXPECT_FALSE(n.is_valid());
    PrivateData p;
    p.data.assign(maxPrivateDataSize, 1);
    EXPECT_TRUE(p.is_valid());
    p.data.push_back(1);
    EXPECT_FALSE(p.is_valid());
}

TEST(NapStructs, Utf8Utf16) {
    EXPECT_EQ(utf8_to_utf16("NAP \xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92"),
              u"NAP \u00e9t\u00e9 \u20ac \U0001F512");
    EXPECT_EQ(utf16_to_utf8(u"NAP \u00e9t\u00e9 \u20ac \U0001F512"),
              "NAP \xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92");
    // Ill-formed input becomes U+FFFD, never a crash or a dropped tail.
    EXPECT_EQ(utf8_to_utf16("a\xff"
                            "b"),
              u"a\uFFFDb");
    EXPECT_EQ(utf8_to_utf16("a\xe2\x82"), u"a\uFFFD");
    EXPECT_EQ(utf8_to_utf16("\xed\xa0\x80"), u"\uFFFD");  // encoded surrogate
    EXPECT_EQ(utf8_to_utf16("\xc0\xaf"), u"\uFFFD");      // overlong
    EXPECT_EQ(utf16_to_utf8(std::u16string(1, char16_t{0xD800}) + u"x"), "\xef\xbf\xbdx");
}

TEST(NapStructs, RegistrationInfo) {
    NapComponentRegistrationInfo r;
    r.id = 0x000137F0;
    r.friendly_name = u"Sample SHA";
    EXPECT_TRUE(r.is_valid());
    r.vendor_name = std::u16string(2000, u'v');
    EXPECT_FALSE(r.is_valid());
}

}  // namespace
}  // namespace opennap
