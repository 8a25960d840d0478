// ValidationRequest (INapSystemHealthValidationRequest(2), nap-api.md §14.3): accessors, the
// SetSoHResponse rules, GetSoHResponse, private data, and the closed state.
#include "harness.h"

namespace opennap::server::test {
namespace {

std::shared_ptr<ValidationRequest> make(std::shared_ptr<const SoH> soh = nullptr,
                                        bool generated = false) {
    ValidationRequest::Params p;
    p.shv_id = kShvA;
    p.correlation_id = kCorr;
    p.machine_name = u"client.example";
    p.soh = std::move(soh);
    p.nap_system_generated = generated;
    p.config_id = 7;
    p.private_data.data = {1, 2, 3};
    return std::make_shared<ValidationRequest>(std::move(p));
}

TEST(ValidationRequestTest, AccessorsReturnWhatTheHostGave) {
    auto soh = std::make_shared<const SoH>(codes_response(kShvA, {0}));
    auto r = make(soh, true);
    EXPECT_EQ(r->shv_id(), kShvA);
    EXPECT_EQ(r->correlation_id(), kCorr);
    EXPECT_EQ(r->string_correlation_id(),
              u"54468936-cb49-4374-b127-a6a3cc3bb11c@2009-12-09T14:03:13.3750000Z");
    EXPECT_EQ(r->machine_name(), u"client.example");
    ASSERT_NE(r->soh_request(), nullptr);
    EXPECT_EQ(*r->soh_request(), *soh);
    EXPECT_EQ(r->soh_request_ptr(), soh);
    EXPECT_TRUE(r->nap_system_generated());
    EXPECT_EQ(r->config_id(), 7u);
    EXPECT_EQ(r->private_data().data, (std::vector<std::uint8_t>{1, 2, 3}));
    EXPECT_FALSE(r->closed());
}

TEST(ValidationRequestTest, NoSohIsANullRequest) {
    auto r = make();
    EXPECT_EQ(r->soh_request(), nullptr);
    EXPECT_FALSE(r->nap_system_generated());
}

TEST(ValidationRequestTest, GetSohResponseBeforeSetIsNotInitialized) {
    auto r = make();
    auto s = r->soh_response();
    ASSERT_FALSE(s.has_value());
    EXPECT_EQ(s.error(), hr::NAP_E_NOT_INITIALIZED);
}

TEST(ValidationRequestTest, SetSohResponseStoresAndReplaces) {
    auto r = make();
    EXPECT_EQ(r->set_soh_response(codes_response(kShvA, {0})), hr::S_OK);
    EXPECT_EQ(*r->soh_response(), codes_response(kShvA, {0}));
    EXPECT_EQ(r->set_soh_response(category_response(kShvA, FailureCategory::Other)), hr::S_OK);
    EXPECT_EQ(*r->soh_response(), category_response(kShvA, FailureCategory::Other));
}

TEST(ValidationRequestTest, SetSohResponseRejectsResponsesThatBreakTheRules) {
    auto r = make();
    auto bad = [&](SoH s) { return r->set_soh_response(std::move(s)); };
    EXPECT_EQ(bad(SoH{}), hr::E_INVALIDARG) << "empty";
    SoH no_shid;
    no_shid.attributes.push_back(owned(soh::attr::make_failure_category(1)));
    EXPECT_EQ(bad(no_shid), hr::E_INVALIDARG) << "first is not System-Health-ID";
    EXPECT_EQ(bad(codes_response(kShvB, {0})), hr::E_INVALIDARG) << "another SHV's id";
    SoH short_id = codes_response(kShvA, {0});
    short_id.attributes[0].value.pop_back();
    EXPECT_EQ(bad(short_id), hr::E_INVALIDARG) << "3-byte System-Health-ID";
    SoH two_ids = codes_response(kShvA, {0});
    two_ids.attributes.push_back(owned(soh::attr::make_system_health_id(kShvA)));
    EXPECT_EQ(bad(two_ids), hr::E_INVALIDARG) << "second System-Health-ID";
    SoH too_many = codes_response(kShvA, {0});
    while (too_many.attributes.size() <= maxSoHAttributeCount)
        too_many.attributes.push_back({soh::tlv_type::kClientId, {}});
    EXPECT_EQ(bad(too_many), hr::E_INVALIDARG) << "101 attributes";
    SoH big = codes_response(kShvA, {0});
    big.attributes.push_back({soh::tlv_type::kClientId, std::vector<std::uint8_t>(4001)});
    EXPECT_EQ(bad(big), hr::E_INVALIDARG) << "4001-byte attribute";
    SoH type = codes_response(kShvA, {0});
    type.attributes.push_back({0x4000, {}});
    EXPECT_EQ(bad(type), hr::E_INVALIDARG) << "type over 14 bits";
    SoH huge = codes_response(kShvA, {0});
    for (int i = 0; i < 17; ++i)
        huge.attributes.push_back({soh::tlv_type::kClientId, std::vector<std::uint8_t>(4000)});
    EXPECT_EQ(bad(huge), hr::E_INVALIDARG) << "over kMaxResponseEntrySize encoded";
    EXPECT_FALSE(r->soh_response().has_value()) << "nothing was stored";
    // The largest entry that fits is accepted.
    SoH fits = codes_response(kShvA, {0});
    std::size_t size = 8 + 8;
    while (size + 4 + 4000 <= ValidationRequest::kMaxResponseEntrySize) {
        fits.attributes.push_back({soh::tlv_type::kClientId, std::vector<std::uint8_t>(4000)});
        size += 4 + 4000;
    }
    fits.attributes.push_back(
        {soh::tlv_type::kClientId,
         std::vector<std::uint8_t>(ValidationRequest::kMaxResponseEntrySize - size - 4)});
    EXPECT_EQ(bad(fits), hr::S_OK);
}

TEST(ValidationRequestTest, PrivateDataIsLimitedTo200Bytes) {
    auto r = make();
    EXPECT_EQ(r->set_private_data(PrivateData{std::vector<std::uint8_t>(201)}), hr::E_INVALIDARG);
    EXPECT_EQ(r->private_data().data, (std::vector<std::uint8_t>{1, 2, 3}));
    EXPECT_EQ(r->set_private_data(PrivateData{std::vector<std::uint8_t>(200, 9)}), hr::S_OK);
    EXPECT_EQ(r->private_data().data, std::vector<std::uint8_t>(200, 9));
    EXPECT_EQ(r->set_private_data(PrivateData{}), hr::S_OK);
    EXPECT_TRUE(r->private_data().data.empty());
}

// A request closed by the host (a completed validation) refuses the setters and keeps its data.
TEST(ValidationRequestTest, ClosedRequestRefusesSettersWithNotPending) {
    ShvHost host;
    std::shared_ptr<ValidationRequest> kept;
    ASSERT_EQ(
        host.register_validator(reg(kShvA, std::make_shared<FnShv>([&](const auto& r, auto, auto) {
                                        kept = r;
                                        return r->set_soh_response(codes_response(kShvA, {0}));
                                    }))),
        hr::S_OK);
    Collector c;
    ASSERT_EQ(host.validate(input_of(ssoh({entry(kShvA, 1)})), c.handler()), hr::S_OK);
    ASSERT_TRUE(c.done());
    ASSERT_TRUE(kept);
    EXPECT_TRUE(kept->closed());
    EXPECT_EQ(kept->set_soh_response(codes_response(kShvA, {1})), hr::NAP_E_NOT_PENDING);
    EXPECT_EQ(kept->set_private_data(PrivateData{{4}}), hr::NAP_E_NOT_PENDING);
    EXPECT_EQ(*kept->soh_response(), codes_response(kShvA, {0}));
    EXPECT_EQ(kept->machine_name(), u"client.example");
    // An invalid response is still E_INVALIDARG: the arguments are checked first.
    EXPECT_EQ(kept->set_soh_response(SoH{}), hr::E_INVALIDARG);
}

}  // namespace
}  // namespace opennap::server::test
