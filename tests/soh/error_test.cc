#include "opennap/soh/error.h"

#include <gtest/gtest.h>

namespace opennap::soh {
namespace {

TEST(SohError, MessagesNameWhereAndWhat) {
    EXPECT_EQ((DecodeError{Errc::Truncated, Field::OuterHeader, 0, -1, 0, 12, 8}).message(),
              "SoH outer header: truncated, need 12 bytes but only 8 remain at offset 0");
    EXPECT_EQ((DecodeError{Errc::LengthOverrun, Field::Tlv, 187, 2, 11, 9, 4}).message(),
              "SoHReportEntry 2: TLV 11 length 9 runs past the entry end at offset 187 "
              "(4 bytes available)");
    EXPECT_EQ((DecodeError{Errc::LengthOverrun, Field::MsAttribute, 70, 0, 5, 21, 3}).message(),
              "SSoH: MS attribute 5 length 21 runs past the SSoH end at offset 70 "
              "(3 bytes available)");
    EXPECT_EQ((DecodeError{Errc::BadLength, Field::WshaEntry, 200, 1, 11, 3, 0}).message(),
              "SoHReportEntry 1: WSHA entry TLV 11: length 3 is not valid here at offset 200");
    EXPECT_EQ((DecodeError{Errc::MissingField, Field::WshaEntry, 137, 1, 0, 3, 4}).message(),
              "SoHReportEntry 1: WSHA entry: required field missing at offset 137");
    EXPECT_EQ((DecodeError{Errc::LimitExceeded, Field::ReportEntry, 300, 21, 2, 21, 20}).message(),
              "SoHReportEntry 21: SoHReportEntry: 21 exceeds the limit of 20 at offset 300");
    EXPECT_EQ(
        (DecodeError{Errc::ContentTypeNotSoh, Field::ModeSubHeader, 45, -1, 0, 1, 0}).message(),
        "SoH mode sub-header: content type 1 is not 0 at offset 45 (message ignored)");
}

TEST(SohError, IgnorableErrors) {
    EXPECT_TRUE((DecodeError{Errc::UnknownInnerType}).is_ignorable());
    EXPECT_TRUE((DecodeError{Errc::ContentTypeNotSoh}).is_ignorable());
    EXPECT_FALSE((DecodeError{Errc::LengthOverrun}).is_ignorable());
    EXPECT_FALSE((DecodeError{Errc::BadVendor}).is_ignorable());
}

TEST(SohError, EveryCodeAndFieldHasAName) {
    for (int c = 0; c <= static_cast<int>(Errc::NotRecognised); ++c) {
        EXPECT_NE(to_string(static_cast<Errc>(c)), "unknown error") << c;
    }
    for (int f = 0; f <= static_cast<int>(Field::LinuxEntry); ++f) {
        EXPECT_NE(to_string(static_cast<Field>(f)), "field") << f;
    }
}

}  // namespace
}  // namespace opennap::soh
