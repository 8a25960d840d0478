// InMemoryComponentConfigStore: the ComponentConfig3 rules of nap-api.md §12.5.
#include <gtest/gtest.h>

#include "opennap/agent/component_config.h"

namespace opennap::agent {
namespace {

const ConfigBlob kDefault{1, 2, 3};

TEST(ComponentConfigStore, DefaultConfigIsIdZeroAndGetSetConfig) {
    InMemoryComponentConfigStore s(kDefault);
    EXPECT_EQ(s.get_config(), kDefault);
    EXPECT_EQ(s.get_config_from_id(0), kDefault);
    const ConfigBlob other{9};
    EXPECT_EQ(s.set_config(other), hr::S_OK);
    EXPECT_EQ(s.get_config_from_id(kDefaultConfigId), other);
    EXPECT_EQ(s.set_config_to_id(0, kDefault), hr::S_OK);
    EXPECT_EQ(s.get_config(), kDefault);
    EXPECT_EQ(s.config_ids(), std::vector<std::uint32_t>{0});
}

TEST(ComponentConfigStore, NewConfigCopiesTheDefault) {
    InMemoryComponentConfigStore s(kDefault);
    EXPECT_EQ(s.new_config(7), hr::S_OK);
    EXPECT_EQ(s.get_config_from_id(7), kDefault);
    EXPECT_EQ(s.set_config_to_id(7, ConfigBlob{4}), hr::S_OK);
    EXPECT_EQ(s.get_config_from_id(7), ConfigBlob{4});
    EXPECT_EQ(s.get_config(), kDefault);  // the default is untouched
}

TEST(ComponentConfigStore, NewConfigErrors) {
    InMemoryComponentConfigStore s;
    EXPECT_EQ(s.new_config(0), hr::E_INVALIDARG);
    EXPECT_EQ(s.new_config(1), hr::S_OK);
    EXPECT_EQ(s.new_config(1), hr::NAP_E_SHV_CONFIG_EXISTED);
}

TEST(ComponentConfigStore, DeleteConfigErrorsAndReuse) {
    InMemoryComponentConfigStore s;
    EXPECT_EQ(s.delete_config(0), hr::E_INVALIDARG);
    EXPECT_EQ(s.delete_config(3), hr::NAP_E_SHV_CONFIG_NOT_FOUND);
    ASSERT_EQ(s.new_config(3), hr::S_OK);
    EXPECT_EQ(s.delete_config(3), hr::S_OK);
    EXPECT_EQ(s.get_config_from_id(3).error(), hr::NAP_E_SHV_CONFIG_NOT_FOUND);
    EXPECT_EQ(s.new_config(3), hr::S_OK);  // the id may be reused
}

TEST(ComponentConfigStore, DeleteAllKeepsTheDefault) {
    InMemoryComponentConfigStore s(kDefault);
    ASSERT_EQ(s.new_config(1), hr::S_OK);
    ASSERT_EQ(s.new_config(2), hr::S_OK);
    EXPECT_EQ(s.config_ids(), (std::vector<std::uint32_t>{0, 1, 2}));
    EXPECT_EQ(s.delete_all_config(), hr::S_OK);
    EXPECT_EQ(s.config_ids(), std::vector<std::uint32_t>{0});
    EXPECT_EQ(s.get_config(), kDefault);
    EXPECT_EQ(s.delete_all_config(), hr::S_OK);
}

TEST(ComponentConfigStore, GetSetUnknownIdIsNotFound) {
    InMemoryComponentConfigStore s;
    EXPECT_EQ(s.get_config_from_id(5).error(), hr::NAP_E_SHV_CONFIG_NOT_FOUND);
    EXPECT_EQ(s.set_config_to_id(5, kDefault), hr::NAP_E_SHV_CONFIG_NOT_FOUND);
}

TEST(ComponentConfigStore, SizeLimit) {
    InMemoryComponentConfigStore s;
    const ConfigBlob max(kMaxComponentConfigSize, 0xAB);
    const ConfigBlob over(kMaxComponentConfigSize + 1, 0xAB);
    EXPECT_EQ(s.set_config(max), hr::S_OK);
    EXPECT_EQ(s.set_config(over), hr::E_INVALIDARG);
    EXPECT_EQ(s.set_config_to_id(0, over), hr::E_INVALIDARG);
    EXPECT_EQ(s.get_config()->size(), kMaxComponentConfigSize);
    EXPECT_EQ(s.set_config({}), hr::S_OK);
    EXPECT_TRUE(s.get_config()->empty());
    InMemoryComponentConfigStore big(over);  // an oversized default is truncated
    EXPECT_EQ(big.get_config()->size(), kMaxComponentConfigSize);
}

TEST(ComponentConfigStore, NoUi) {
    InMemoryComponentConfigStore s;
    EXPECT_EQ(s.is_ui_supported(), false);
    EXPECT_EQ(s.invoke_ui(nullptr), hr::E_NOTIMPL);
    EXPECT_EQ(s.invoke_ui_for_machine(nullptr, u"host"), hr::E_NOTIMPL);
    EXPECT_EQ(s.invoke_ui_from_config_blob(nullptr, kDefault).error(), hr::E_NOTIMPL);
    auto r = s.is_remote_config_supported();
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->supported);
    EXPECT_EQ(r->type, RemoteConfigurationType::ConfigBlob);
}

}  // namespace
}  // namespace opennap::agent
