// NapCommon.h: INapComponentInfo / INapComponentConfig(2,3) and the adapters both ways.
#include <gtest/gtest.h>

#include <memory>

#include "opennap/agent/component_config.h"
#include "opennap/agent/component_info.h"
#include "opennap/win/component_adapters.h"

#include <NapCommon.h>
#include <NapError.h>
#include <NapUtil.h>
#include <windows.h>

namespace {

namespace agent = opennap::agent;
using opennap::win::adapt_component_config;
using opennap::win::adapt_component_info;
using opennap::win::wrap_component_config;
using opennap::win::wrap_component_info;

INapComponentConfig3* wrap(std::shared_ptr<agent::ComponentConfig3> c) {
    INapComponentConfig3* p = nullptr;
    EXPECT_EQ(
        wrap_component_config(std::move(c), IID_INapComponentConfig3, reinterpret_cast<void**>(&p)),
        S_OK);
    return p;
}

TEST(WinComponentConfig, WrappedStoreReturnCodes) {
    auto store = std::make_shared<agent::InMemoryComponentConfigStore>(agent::ConfigBlob{1, 2, 3});
    INapComponentConfig3* c = wrap(store);
    ASSERT_NE(c, nullptr);

    UINT16 n = 0;
    BYTE* data = nullptr;
    ASSERT_EQ(c->GetConfig(&n, &data), S_OK);
    ASSERT_EQ(n, 3);
    EXPECT_EQ(data[2], 3);
    CoTaskMemFree(data);

    BYTE blob[] = {7, 8};
    EXPECT_EQ(c->SetConfig(2, blob), S_OK);
    EXPECT_EQ(store->get_config(), (agent::ConfigBlob{7, 8}));
    EXPECT_EQ(c->SetConfig(2, nullptr), E_POINTER);
    EXPECT_EQ(c->GetConfig(nullptr, &data), E_POINTER);

    EXPECT_EQ(c->NewConfig(0), E_INVALIDARG);
    EXPECT_EQ(c->NewConfig(4), S_OK);
    EXPECT_EQ(c->NewConfig(4), NAP_E_SHV_CONFIG_EXISTED);
    ASSERT_EQ(c->GetConfigFromID(4, &n, &data), S_OK);
    EXPECT_EQ(n, 2);
    CoTaskMemFree(data);
    EXPECT_EQ(c->GetConfigFromID(5, &n, &data), NAP_E_SHV_CONFIG_NOT_FOUND);
    EXPECT_EQ(n, 0);
    EXPECT_EQ(data, nullptr);
    EXPECT_EQ(c->SetConfigToID(5, 2, blob), NAP_E_SHV_CONFIG_NOT_FOUND);
    EXPECT_EQ(c->SetConfigToID(4, 0, nullptr), S_OK);  // an empty config
    ASSERT_EQ(c->GetConfigFromID(4, &n, &data), S_OK);
    EXPECT_EQ(n, 0);
    EXPECT_EQ(data, nullptr);
    EXPECT_EQ(c->DeleteConfig(0), E_INVALIDARG);
    EXPECT_EQ(c->DeleteConfig(6), NAP_E_SHV_CONFIG_NOT_FOUND);
    EXPECT_EQ(c->DeleteConfig(4), S_OK);
    EXPECT_EQ(c->NewConfig(9), S_OK);
    EXPECT_EQ(c->DeleteAllConfig(), S_OK);
    EXPECT_EQ(store->config_ids(), std::vector<std::uint32_t>{0});

    BOOL ui = TRUE;
    EXPECT_EQ(c->IsUISupported(&ui), S_OK);
    EXPECT_EQ(ui, FALSE);
    EXPECT_EQ(c->InvokeUI(nullptr), E_NOTIMPL);
    BOOL remote = FALSE;
    UINT8 type = 0;
    EXPECT_EQ(c->IsRemoteConfigSupported(&remote, &type), S_OK);
    EXPECT_EQ(remote, TRUE);
    EXPECT_EQ(type, remoteConfigTypeConfigBlob);
    EXPECT_EQ(c->InvokeUIForMachine(nullptr, nullptr), E_NOTIMPL);
    BOOL changed = TRUE;
    EXPECT_EQ(c->InvokeUIFromConfigBlob(nullptr, 2, blob, &n, &data, &changed), E_NOTIMPL);
    EXPECT_EQ(data, nullptr);
    EXPECT_EQ(c->InvokeUIFromConfigBlob(nullptr, 2, blob, nullptr, &data, &changed), E_POINTER);

    void* p = nullptr;
    for (const IID& iid : {IID_IUnknown, IID_INapComponentConfig, IID_INapComponentConfig2}) {
        ASSERT_EQ(c->QueryInterface(iid, &p), S_OK);
        static_cast<IUnknown*>(p)->Release();
    }
    EXPECT_EQ(c->QueryInterface(IID_INapComponentInfo, &p), E_NOINTERFACE);
    c->Release();
}

TEST(WinComponentConfig, WrapErrors) {
    void* p = nullptr;
    EXPECT_EQ(wrap_component_config(nullptr, IID_INapComponentConfig3, &p), E_INVALIDARG);
    EXPECT_EQ(wrap_component_config(std::make_shared<agent::InMemoryComponentConfigStore>(),
                                    IID_INapComponentConfig3, nullptr),
              E_POINTER);
    EXPECT_EQ(adapt_component_config(nullptr), nullptr);
    EXPECT_EQ(adapt_component_info(nullptr), nullptr);
}

TEST(WinComponentConfig, RoundTripThroughBothAdapters) {
    auto store = std::make_shared<agent::InMemoryComponentConfigStore>(agent::ConfigBlob{5});
    INapComponentConfig3* win = wrap(store);
    ASSERT_NE(win, nullptr);
    std::shared_ptr<agent::ComponentConfig3> cpp = adapt_component_config(win);
    win->Release();  // the adapter holds its own reference
    ASSERT_TRUE(cpp);

    EXPECT_EQ(cpp->get_config(), agent::ConfigBlob{5});
    const agent::ConfigBlob max(agent::kMaxComponentConfigSize, 0x5A);
    EXPECT_EQ(cpp->set_config(max), opennap::hr::S_OK);
    EXPECT_EQ(cpp->get_config(), max);
    const agent::ConfigBlob over(agent::kMaxComponentConfigSize + 1, 0x5A);
    EXPECT_EQ(cpp->set_config(over), opennap::hr::E_INVALIDARG);
    EXPECT_EQ(cpp->set_config_to_id(0, over), opennap::hr::E_INVALIDARG);
    EXPECT_EQ(cpp->invoke_ui_from_config_blob(nullptr, over).error(), opennap::hr::E_INVALIDARG);

    EXPECT_EQ(cpp->new_config(0), opennap::hr::E_INVALIDARG);
    EXPECT_EQ(cpp->new_config(1), opennap::hr::S_OK);
    EXPECT_EQ(cpp->new_config(1), opennap::hr::NAP_E_SHV_CONFIG_EXISTED);
    EXPECT_EQ(cpp->get_config_from_id(1), max);
    EXPECT_EQ(cpp->set_config_to_id(1, agent::ConfigBlob{1, 1}), opennap::hr::S_OK);
    EXPECT_EQ(store->get_config_from_id(1), (agent::ConfigBlob{1, 1}));
    EXPECT_EQ(cpp->get_config_from_id(2).error(), opennap::hr::NAP_E_SHV_CONFIG_NOT_FOUND);
    EXPECT_EQ(cpp->set_config_to_id(2, {}), opennap::hr::NAP_E_SHV_CONFIG_NOT_FOUND);
    EXPECT_EQ(cpp->delete_config(0), opennap::hr::E_INVALIDARG);
    EXPECT_EQ(cpp->delete_config(2), opennap::hr::NAP_E_SHV_CONFIG_NOT_FOUND);
    EXPECT_EQ(cpp->delete_config(1), opennap::hr::S_OK);
    EXPECT_EQ(cpp->new_config(3), opennap::hr::S_OK);
    EXPECT_EQ(cpp->delete_all_config(), opennap::hr::S_OK);
    EXPECT_EQ(store->config_ids(), std::vector<std::uint32_t>{0});

    EXPECT_EQ(cpp->is_ui_supported(), false);
    EXPECT_EQ(cpp->invoke_ui(nullptr), opennap::hr::E_NOTIMPL);
    EXPECT_EQ(cpp->invoke_ui_for_machine(nullptr, u"server"), opennap::hr::E_NOTIMPL);
    EXPECT_EQ(cpp->invoke_ui_from_config_blob(nullptr, agent::ConfigBlob{1}).error(),
              opennap::hr::E_NOTIMPL);
    auto remote = cpp->is_remote_config_supported();
    ASSERT_TRUE(remote);
    EXPECT_EQ(*remote, (agent::ComponentConfig2::RemoteConfigSupport{
                           true, opennap::RemoteConfigurationType::ConfigBlob}));
}

// A C++ component that edits blobs, to carry InvokeUIFromConfigBlob data both ways.
class Editing final : public agent::ComponentConfig3 {
  public:
    agent::Result<bool> is_ui_supported() override { return true; }
    agent::Status invoke_ui(agent::WindowHandle) override { return opennap::hr::S_OK; }
    agent::Result<agent::ConfigBlob> get_config() override {
        return agent::ConfigBlob(agent::kMaxComponentConfigSize + 1, 0);  // too big for UINT16
    }
    agent::Status set_config(std::span<const std::uint8_t>) override { return opennap::hr::S_OK; }
    agent::Result<RemoteConfigSupport> is_remote_config_supported() override {
        return RemoteConfigSupport{false, opennap::RemoteConfigurationType::Machine};
    }
    agent::Status invoke_ui_for_machine(agent::WindowHandle, std::u16string_view name) override {
        machine = name;
        return opennap::hr::S_OK;
    }
    agent::Result<EditedConfig> invoke_ui_from_config_blob(
        agent::WindowHandle, std::span<const std::uint8_t> in) override {
        agent::ConfigBlob out(in.begin(), in.end());
        out.push_back(0xEE);
        return EditedConfig{out, true};
    }
    agent::Status new_config(std::uint32_t) override { return opennap::hr::E_FAIL; }
    agent::Status delete_config(std::uint32_t) override { return opennap::hr::E_FAIL; }
    agent::Status delete_all_config() override { return opennap::hr::S_OK; }
    agent::Result<agent::ConfigBlob> get_config_from_id(std::uint32_t) override {
        return agent::fail(opennap::hr::E_FAIL);
    }
    agent::Status set_config_to_id(std::uint32_t, std::span<const std::uint8_t>) override {
        return opennap::hr::E_FAIL;
    }
    std::u16string machine;
};

TEST(WinComponentConfig, UiDataAndOversizedBlobs) {
    auto editing = std::make_shared<Editing>();
    INapComponentConfig3* win = wrap(editing);
    ASSERT_NE(win, nullptr);
    UINT16 n = 0;
    BYTE* data = nullptr;
    EXPECT_EQ(win->GetConfig(&n, &data), E_INVALIDARG);  // 65536 bytes do not fit a UINT16
    EXPECT_EQ(data, nullptr);
    BOOL remote = TRUE;
    UINT8 type = 9;
    EXPECT_EQ(win->IsRemoteConfigSupported(&remote, &type), S_OK);
    EXPECT_EQ(remote, FALSE);
    EXPECT_EQ(type, 0);

    auto cpp = adapt_component_config(win);
    win->Release();
    EXPECT_EQ(cpp->get_config().error(), opennap::hr::E_INVALIDARG);
    auto edited = cpp->invoke_ui_from_config_blob(nullptr, agent::ConfigBlob{1, 2});
    ASSERT_TRUE(edited);
    EXPECT_EQ(edited->data, (agent::ConfigBlob{1, 2, 0xEE}));
    EXPECT_TRUE(edited->changed);
    EXPECT_EQ(cpp->invoke_ui_for_machine(nullptr, u"nps01"), opennap::hr::S_OK);
    EXPECT_EQ(editing->machine, u"nps01");
    EXPECT_EQ(cpp->is_ui_supported(), true);
    EXPECT_EQ(cpp->is_remote_config_supported()->supported, false);
    EXPECT_EQ(cpp->get_config_from_id(1).error(), opennap::hr::E_FAIL);
}

// ---- INapComponentInfo --------------------------------------------------------------------------

class Info final : public agent::ComponentInfo {
  public:
    agent::Result<MessageId> friendly_name() override { return 1; }
    agent::Result<MessageId> description() override { return 2; }
    agent::Result<MessageId> vendor_name() override { return 3; }
    agent::Result<MessageId> version() override { return agent::fail(opennap::hr::E_NOTIMPL); }
    agent::Result<Icon> icon() override { return Icon{u"/usr/lib/opennap/sha.so", 42}; }
    agent::Result<MessageId> convert_error_code_to_message_id(opennap::HResult e) override {
        return e == opennap::hr::NAP_E_NOT_REGISTERED ? agent::Result<MessageId>(100)
                                                      : agent::fail(opennap::hr::E_INVALIDARG);
    }
    agent::Result<std::u16string> localized_string(MessageId id) override {
        if (id == 1)
            return u"Example SHA";
        return agent::fail(opennap::hr::E_INVALIDARG);
    }
};

TEST(WinComponentInfo, RoundTripThroughBothAdapters) {
    INapComponentInfo* win = nullptr;
    ASSERT_EQ(wrap_component_info(std::make_shared<Info>(), IID_INapComponentInfo,
                                  reinterpret_cast<void**>(&win)),
              S_OK);
    MessageId id = 0;
    EXPECT_EQ(win->GetFriendlyName(&id), S_OK);
    EXPECT_EQ(id, 1u);
    EXPECT_EQ(win->GetVersion(&id), E_NOTIMPL);
    EXPECT_EQ(win->GetDescription(nullptr), E_POINTER);
    CountedString* s = nullptr;
    UINT32 icon = 0;
    ASSERT_EQ(win->GetIcon(&s, &icon), S_OK);
    EXPECT_EQ(icon, 42u);
    EXPECT_EQ(std::u16string(s->string, s->length), u"/usr/lib/opennap/sha.so");
    FreeCountedString(s);
    EXPECT_EQ(win->ConvertErrorCodeToMessageId(NAP_E_NOT_REGISTERED, &id), S_OK);
    EXPECT_EQ(id, 100u);
    EXPECT_EQ(win->GetLocalizedString(7, &s), E_INVALIDARG);
    EXPECT_EQ(s, nullptr);

    auto cpp = adapt_component_info(win);
    win->Release();
    EXPECT_EQ(cpp->vendor_name(), 3u);
    EXPECT_EQ(cpp->description(), 2u);
    EXPECT_EQ(cpp->version().error(), opennap::hr::E_NOTIMPL);
    EXPECT_EQ(cpp->icon(), (agent::ComponentInfo::Icon{u"/usr/lib/opennap/sha.so", 42}));
    EXPECT_EQ(cpp->localized_string(1), std::u16string(u"Example SHA"));
    EXPECT_EQ(cpp->localized_string(2).error(), opennap::hr::E_INVALIDARG);
    EXPECT_EQ(cpp->convert_error_code_to_message_id(opennap::hr::NAP_E_NOT_REGISTERED), 100u);
    EXPECT_EQ(cpp->friendly_name(), 1u);
}

}  // namespace
