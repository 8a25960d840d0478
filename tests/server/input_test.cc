// ValidationInput from decoded SSoHs (validation_input.h): reference vectors and hand-built ones.
#include "harness.h"

#include "support/vectors.h"

namespace opennap::server::test {
namespace {

TEST(ValidationInputTest, FromTheWpaSupplicantVector) {
    const auto bytes = opennap::test::load_vector("04-soh-wpas-v2.hex");
    auto view = soh::decode(bytes);
    ASSERT_TRUE(view.has_value());
    const ValidationInput in = ValidationInput::from(*view);
    EXPECT_EQ(in.machine_name, u"wpa_supplicant@w1.fi") << "trailing NUL dropped";
    EXPECT_EQ(in.correlation_id, CorrelationId::from_bytes(view->mode->correlation_id));
    EXPECT_TRUE(in.soh_present);
    EXPECT_TRUE(in.sohs.empty()) << "wpa_supplicant sends no report entry";
}

TEST(ValidationInputTest, FromTheWshaVectorCopiesTheEntry) {
    const auto bytes = opennap::test::load_vector("09-soh-wsha-full.hex");
    auto view = soh::decode(bytes);
    ASSERT_TRUE(view.has_value());
    const ValidationInput in = ValidationInput::from(*view);
    ASSERT_EQ(in.sohs.size(), 1u);
    EXPECT_EQ(in.sohs[0].id, NapOutOfBoxSystemHealthId);
    EXPECT_FALSE(in.sohs[0].system_generated);
    const SoH& s = *in.sohs[0].soh;
    const soh::EntryView e = *view->entries.begin();
    ASSERT_EQ(s.attributes.size(), std::size_t{e.attribute_count} + 1);
    EXPECT_EQ(s.attributes[0], owned(soh::attr::make_system_health_id(e.id)));
    std::size_t i = 1;
    for (const soh::TlvView& t : e.attributes) {
        EXPECT_EQ(s.attributes[i].type, t.type);
        EXPECT_TRUE(std::equal(t.value.begin(), t.value.end(), s.attributes[i].value.begin(),
                               s.attributes[i].value.end()));
        ++i;
    }
    // The SoH re-encodes to the entry's bytes exactly.
    const auto entry_bytes = encode_entry(s);
    const auto at = bytes.begin() + e.offset;
    EXPECT_TRUE(std::equal(entry_bytes.begin(), entry_bytes.end(), at));
}

TEST(ValidationInputTest, ViewAndOwningModelAgree) {
    soh::Message m = ssoh({entry(kShvA, 1), entry(kShvB, 0)}, {kShvB});
    const ValidationInput from_model = ValidationInput::from(m);
    const ValidationInput from_view = input_of(m);
    ASSERT_EQ(from_model.sohs.size(), 2u);
    ASSERT_EQ(from_view.sohs.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(from_model.sohs[i].id, from_view.sohs[i].id);
        EXPECT_EQ(*from_model.sohs[i].soh, *from_view.sohs[i].soh);
        EXPECT_EQ(from_model.sohs[i].system_generated, from_view.sohs[i].system_generated);
    }
    EXPECT_FALSE(from_view.sohs[0].system_generated);
    EXPECT_TRUE(from_view.sohs[1].system_generated);
    EXPECT_EQ(from_model.correlation_id, kCorr);
    EXPECT_EQ(from_view.correlation_id, kCorr);
    EXPECT_EQ(from_model.machine_name, u"client.example");
    EXPECT_EQ(from_view.machine_name, u"client.example");
}

TEST(ValidationInputTest, CorrelationIdFallsBackToMsCorrelationIdThenNil) {
    soh::Message m = ssoh({});
    m.mode.reset();
    EXPECT_EQ(input_of(m).correlation_id, kCorr) << "from MS-CorrelationId";
    m.system.items.erase(m.system.items.begin() + 2);  // MS-CorrelationId
    m.system.items.erase(m.system.items.begin() + 1);  // MS-MachineName
    const ValidationInput in = input_of(m);
    EXPECT_EQ(in.correlation_id, CorrelationId{});
    EXPECT_TRUE(in.machine_name.empty());
}

TEST(ValidationInputTest, WithoutSoh) {
    const ValidationInput in = ValidationInput::without_soh(kCorr, u"m");
    EXPECT_FALSE(in.soh_present);
    EXPECT_TRUE(in.sohs.empty());
    EXPECT_EQ(in.correlation_id, kCorr);
    EXPECT_EQ(in.machine_name, u"m");
}

}  // namespace
}  // namespace opennap::server::test
