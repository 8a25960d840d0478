// From an SHV's answer to a verdict: assess_response, map_failure_category, the host-generated
// response and the entry encoding (outcome.h; docs/shv.md).
#include "harness.h"

#include "support/vectors.h"

namespace opennap::server::test {
namespace {

FailureCategoryMapping all(bool compliant) {
    FailureCategoryMapping m;
    m.mapping_compliance.fill(compliant);
    return m;
}

TEST(OutcomeTest, MapFailureCategoryUsesTheSlotOfEachCategory) {
    const FailureCategory cats[] = {FailureCategory::Other, FailureCategory::ClientComponent,
                                    FailureCategory::ClientCommunication,
                                    FailureCategory::ServerComponent,
                                    FailureCategory::ServerCommunication};
    for (std::size_t i = 0; i < 5; ++i) {
        FailureCategoryMapping m;
        m.mapping_compliance[i] = true;
        for (std::size_t k = 0; k < 5; ++k) {
            EXPECT_EQ(map_failure_category(m, cats[k]),
                      k == i ? Verdict::Compliant : Verdict::NonCompliant)
                << i << " " << k;
        }
    }
    EXPECT_EQ(map_failure_category(all(true), FailureCategory::None), Verdict::NonCompliant);
    EXPECT_EQ(map_failure_category(all(true), static_cast<FailureCategory>(9)),
              Verdict::NonCompliant);
}

TEST(OutcomeTest, CodesDecideWhenThereIsNoFailureCategory) {
    auto a = assess_response(codes_response(kShvA, {0, 0x40}), all(false));
    EXPECT_TRUE(a.usable);
    EXPECT_EQ(a.verdict, Verdict::Compliant) << "success codes (0x40 is a severity mask)";
    EXPECT_EQ(a.compliance_codes, (ResultCodes{HResult{0u}, HResult{0x40u}}));
    EXPECT_FALSE(a.failure_category);
    a = assess_response(codes_response(kShvA, {0, 0x80270050}), all(true));
    EXPECT_TRUE(a.usable);
    EXPECT_EQ(a.verdict, Verdict::NonCompliant);
}

TEST(OutcomeTest, EveryComplianceCodesAttributeCounts) {
    SoH s = codes_response(kShvA, {0});
    s.attributes.push_back(owned(soh::attr::make_health_class(1)));
    const std::uint32_t bad[] = {0xC0FF0004u};
    s.attributes.push_back(owned(soh::attr::make_compliance_result_codes(bad)));
    auto a = assess_response(s, all(true));
    EXPECT_TRUE(a.usable);
    EXPECT_EQ(a.compliance_codes.size(), 2u);
    EXPECT_EQ(a.verdict, Verdict::NonCompliant);
}

TEST(OutcomeTest, AFailureCategoryDecidesThroughTheMapping) {
    SoH s = category_response(kShvA, FailureCategory::ServerCommunication);
    auto a = assess_response(s, all(false));
    EXPECT_TRUE(a.usable);
    EXPECT_EQ(a.failure_category, FailureCategory::ServerCommunication);
    EXPECT_EQ(a.verdict, Verdict::NonCompliant);
    FailureCategoryMapping m;
    m.mapping_compliance[4] = true;  // ServerCommunication
    EXPECT_EQ(assess_response(s, m).verdict, Verdict::Compliant);
    // The category wins over success codes, and every category present must map to compliant.
    SoH both = codes_response(kShvA, {0});
    both.attributes.push_back(owned(soh::attr::make_failure_category(2)));
    both.attributes.push_back(owned(soh::attr::make_failure_category(5)));
    FailureCategoryMapping only5;
    only5.mapping_compliance[4] = true;
    a = assess_response(both, only5);
    EXPECT_TRUE(a.usable);
    EXPECT_EQ(a.failure_category, FailureCategory::ClientComponent) << "the first one";
    EXPECT_EQ(a.verdict, Verdict::NonCompliant) << "client component maps to non-compliant";
    FailureCategoryMapping both_ok;
    both_ok.mapping_compliance[1] = both_ok.mapping_compliance[4] = true;
    EXPECT_EQ(assess_response(both, both_ok).verdict, Verdict::Compliant);
}

TEST(OutcomeTest, FailureCategoryNoneLeavesTheDecisionToTheCodes) {
    SoH s = codes_response(kShvA, {0x80270050});
    s.attributes.push_back(owned(soh::attr::make_failure_category(0)));
    auto a = assess_response(s, all(true));
    EXPECT_TRUE(a.usable);
    EXPECT_FALSE(a.failure_category);
    EXPECT_EQ(a.verdict, Verdict::NonCompliant);
    // None alone is no answer.
    a = assess_response(category_response(kShvA, FailureCategory::None), all(true));
    EXPECT_FALSE(a.usable);
    EXPECT_EQ(a.problem, "neither Compliance-Result-Codes nor Failure-Category");
}

TEST(OutcomeTest, UnusableResponses) {
    SoH only_id;
    only_id.attributes.push_back(owned(soh::attr::make_system_health_id(kShvA)));
    EXPECT_FALSE(assess_response(only_id, all(true)).usable);

    SoH odd = only_id;
    odd.attributes.push_back({soh::tlv_type::kComplianceResultCodes, {0, 0, 0, 0, 0}});
    auto a = assess_response(odd, all(true));
    EXPECT_FALSE(a.usable);
    EXPECT_EQ(a.problem, "malformed Compliance-Result-Codes");

    SoH empty = only_id;
    empty.attributes.push_back({soh::tlv_type::kComplianceResultCodes, {}});
    EXPECT_FALSE(assess_response(empty, all(true)).usable) << "no code at all";

    SoH good_and_odd = codes_response(kShvA, {0});
    good_and_odd.attributes.push_back({soh::tlv_type::kComplianceResultCodes, {1, 2}});
    EXPECT_FALSE(assess_response(good_and_odd, all(true)).usable);

    SoH cat6 = only_id;
    cat6.attributes.push_back(owned(soh::attr::make_failure_category(6)));
    a = assess_response(cat6, all(true));
    EXPECT_FALSE(a.usable);
    EXPECT_EQ(a.problem, "malformed Failure-Category");

    SoH cat2bytes = codes_response(kShvA, {0});
    cat2bytes.attributes.push_back({soh::tlv_type::kFailureCategory, {1, 1}});
    EXPECT_FALSE(assess_response(cat2bytes, all(true)).usable);
}

TEST(OutcomeTest, HostGeneratedResponseIsByteExact) {
    const SoH s = host_generated_response(0x000137F0, FailureCategory::ServerComponent,
                                          hr::NAP_E_SHV_TIMEOUT);
    EXPECT_EQ(opennap::test::to_hex(encode_entry(s)),
              "00020004000137f0"    // System-Health-ID 0x000137F0
              "000e000104"          // Failure-Category 4 (server component)
              "000d000480270013");  // Error-Codes [NAP_E_SHV_TIMEOUT]
    ShvOutcome o;
    o.response = s;
    EXPECT_EQ(o.entry_bytes(), encode_entry(s));
    EXPECT_TRUE(encode_entry(SoH{}).empty());
}

TEST(OutcomeTest, EntryBytesAreTheTlvsInOrder) {
    SoH s = codes_response(0x00013780, {0, 0xC0FF0001u});
    s.attributes.push_back({soh::tlv_type::kVendorSpecific, {0x00, 0x01, 0x37, 0x80, 0xAA}});
    EXPECT_EQ(opennap::test::to_hex(encode_entry(s)),
              "0002000400013780"
              "000400080000000"
              "0c0ff0001"
              "0007000500013780aa");
}

TEST(OutcomeTest, Names) {
    EXPECT_EQ(to_string(OutcomeKind::Responded), "responded");
    EXPECT_EQ(to_string(OutcomeKind::InvalidResponse), "invalid-response");
    EXPECT_EQ(to_string(OutcomeKind::Failed), "failed");
    EXPECT_EQ(to_string(OutcomeKind::TimedOut), "timed-out");
    EXPECT_EQ(to_string(OutcomeKind::Unavailable), "unavailable");
    EXPECT_EQ(to_string(OutcomeKind::Discarded), "discarded");
    EXPECT_EQ(to_string(static_cast<OutcomeKind>(42)), "invalid");
    EXPECT_EQ(to_string(Verdict::Compliant), "compliant");
    EXPECT_EQ(to_string(Verdict::NonCompliant), "non-compliant");
    EXPECT_EQ(to_string(Verdict::None), "none");
    EXPECT_EQ(to_string(static_cast<Verdict>(42)), "invalid");
}

}  // namespace
}  // namespace opennap::server::test
