// ShvVerdict: from codes, from an SHV's SoHR report entry.
#include "opennap/policy/verdict.h"

#include <gtest/gtest.h>

#include "opennap/soh/attributes.h"
#include "support/vectors.h"

namespace {

using namespace opennap;
using namespace opennap::policy;
using Status = ShvVerdict::Status;

soh::ReportEntry entry(std::vector<soh::Attribute> attrs) {
    return soh::ReportEntry{0x000137F0, std::move(attrs)};
}

soh::Attribute codes(std::vector<std::uint32_t> c) {
    return soh::attr::make_compliance_result_codes(c);
}

TEST(PolicyVerdict, FromCodes) {
    EXPECT_EQ(ShvVerdict::from_codes(1, {hr::S_OK}).status, Status::Compliant);
    EXPECT_EQ(ShvVerdict::from_codes(1, {hr::S_OK, hr::S_OK}).status, Status::Compliant);
    EXPECT_EQ(ShvVerdict::from_codes(1, {hr::S_OK, HResult{0xC0FF0001u}}).status,
              Status::NonCompliant);
    // No code says nothing about health; a success code other than S_OK is not compliance.
    EXPECT_EQ(ShvVerdict::from_codes(1, {}).status, Status::NonCompliant);
    EXPECT_EQ(ShvVerdict::from_codes(1, {HResult{0x00FF0008u}}).status, Status::NonCompliant);
    EXPECT_EQ(ShvVerdict::from_codes(1, {hr::S_FALSE}).status, Status::NonCompliant);
    const ShvVerdict v = ShvVerdict::from_codes(7, {HResult{0x80270050u}});
    EXPECT_EQ(v.id, 7u);
    EXPECT_EQ(v.compliance_codes, (std::vector<HResult>{HResult{0x80270050u}}));
    EXPECT_FALSE(v.failure.has_value());
}

TEST(PolicyVerdict, FailedAndUnavailable) {
    const ShvVerdict f = ShvVerdict::failed(3, FailureCategory::ClientCommunication);
    EXPECT_EQ(f.status, Status::Failed);
    EXPECT_EQ(f.failure, FailureCategory::ClientCommunication);
    const ShvVerdict u = ShvVerdict::unavailable(4);
    EXPECT_EQ(u.status, Status::Unavailable);
    EXPECT_EQ(u.id, 4u);
    EXPECT_EQ(to_string(Status::NonCompliant), "non-compliant");
    EXPECT_EQ(to_string(Status::Unavailable), "unavailable");
}

TEST(PolicyVerdict, FromResponseCodes) {
    const ShvVerdict v = ShvVerdict::from_response(
        entry({soh::attr::make_health_class(0), codes({0}), soh::attr::make_health_class(1),
               codes({0xC0FF0002, 0}), soh::attr::make_failure_category(2)}));
    EXPECT_EQ(v.id, 0x000137F0u);
    EXPECT_EQ(v.status, Status::NonCompliant);
    EXPECT_EQ(v.compliance_codes,
              (std::vector<HResult>{HResult{0u}, HResult{0xC0FF0002u}, HResult{0u}}));
    EXPECT_EQ(v.failure, FailureCategory::ClientComponent);  // kept as information
    EXPECT_FALSE(v.extended.has_value());

    const ShvVerdict ok = ShvVerdict::from_response(entry({codes({0})}));
    EXPECT_EQ(ok.status, Status::Compliant);
}

TEST(PolicyVerdict, FromResponseFailureCategoryAndExtendedState) {
    const ShvVerdict v = ShvVerdict::from_response(
        entry({soh::attr::make_failure_category(5), soh::attr::make_failure_category(1),
               soh::attr::make_extended_isolation_state(2),
               soh::attr::make_extended_isolation_state(1)}));
    EXPECT_EQ(v.status, Status::Failed);
    EXPECT_EQ(v.failure, FailureCategory::ServerCommunication);  // the first one
    EXPECT_EQ(v.extended, ExtendedIsolationState::Infected);
}

TEST(PolicyVerdict, UnusableResponsesAreServerComponentFailures) {
    auto check = [](std::vector<soh::Attribute> attrs, const char* what) {
        const ShvVerdict v = ShvVerdict::from_response(entry(std::move(attrs)));
        EXPECT_EQ(v.status, Status::Failed) << what;
        EXPECT_EQ(v.failure, FailureCategory::ServerComponent) << what;
    };
    check({}, "empty");
    check({soh::attr::make_health_class(0)}, "neither codes nor category");
    check({soh::Attribute{4, 0, {0, 0, 0}}}, "codes of 3 bytes");
    check({soh::Attribute{14, 0, {2, 2}}}, "category of 2 bytes");
    check({soh::attr::make_failure_category(6)}, "category 6");
    check({codes({0}), soh::attr::make_extended_isolation_state(4)}, "extended state 4");
    check({codes({0}), soh::Attribute{16, 0, {}}}, "empty extended state");
}

TEST(PolicyVerdict, FromAnEntryView) {
    // Vector 15's WSHV entry: firewall ok, antivirus 0xC0FF0002 + Failure-Category 2, the rest ok.
    const auto bytes = test::load_vector("15-sohr-synthesized.hex");
    auto view = soh::decode(bytes);
    ASSERT_TRUE(view.has_value()) << view.error().message();
    ASSERT_EQ(view->entry_count, 1);
    const soh::EntryView e = *view->entries.begin();
    const ShvVerdict v = ShvVerdict::from_response(e);
    EXPECT_EQ(v.id, NapOutOfBoxSystemHealthId);
    EXPECT_EQ(v.status, Status::NonCompliant);
    EXPECT_EQ(v.compliance_codes.size(), 5u);
    EXPECT_EQ(v.compliance_codes[1], HResult{0xC0FF0002u});
    EXPECT_EQ(v.failure, FailureCategory::ClientComponent);
    // The owned model reads the same.
    EXPECT_EQ(ShvVerdict::from_response(soh::Message::from(*view).entries.at(0)), v);
}

}  // namespace
