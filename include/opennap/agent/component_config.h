// INapComponentConfig / 2 / 3 (nap-api.md §12.5), implemented BY an SHV and called by the NAP
// server and its management tools: export/import of the component's configuration as an opaque,
// architecture-neutral blob, and (ComponentConfig3) several numbered configurations, id 0 being
// the default one.
//
// InMemoryComponentConfigStore implements the ComponentConfig3 semantics and is the building
// block SHVs use. Linux has no GUI: the store reports no UI (IsUISupported false), answers the
// InvokeUI* methods with E_NOTIMPL, and reports remote configuration through config blobs
// (Get/SetConfig). See docs/win-api.md for the Windows-shaped interfaces and their adapters
// (opennap/win/component_adapters.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string_view>
#include <vector>

#include "opennap/agent/result.h"
#include "opennap/core/nap_types.h"

namespace opennap::agent {

// A configuration blob. The Windows interface counts bytes in a UINT16: at most
// kMaxComponentConfigSize bytes (larger ones are E_INVALIDARG).
using ConfigBlob = std::vector<std::uint8_t>;
inline constexpr std::size_t kMaxComponentConfigSize = 0xFFFF;
// Configuration id 0: the default configuration (ComponentConfig3).
inline constexpr std::uint32_t kDefaultConfigId = 0;

// An owner window (HWND on Windows). Never dereferenced: there are no windows here.
using WindowHandle = void*;

class ComponentConfig {
  public:
    virtual ~ComponentConfig() = default;
    // IsUISupported.
    virtual Result<bool> is_ui_supported() = 0;
    // InvokeUI: E_NOTIMPL when there is no custom UI.
    virtual Status invoke_ui(WindowHandle parent) = 0;
    // GetConfig / SetConfig: the (default) configuration. E_INVALIDARG for a blob over
    // kMaxComponentConfigSize bytes.
    virtual Result<ConfigBlob> get_config() = 0;
    virtual Status set_config(std::span<const std::uint8_t> data) = 0;

  protected:
    ComponentConfig() = default;
    ComponentConfig(const ComponentConfig&) = default;
    ComponentConfig& operator=(const ComponentConfig&) = default;
};

class ComponentConfig2 : public ComponentConfig {
  public:
    // IsRemoteConfigSupported: supported = false means no remote configuration.
    struct RemoteConfigSupport {
        bool supported = false;
        RemoteConfigurationType type = RemoteConfigurationType::ConfigBlob;
        friend bool operator==(const RemoteConfigSupport&, const RemoteConfigSupport&) = default;
    };
    virtual Result<RemoteConfigSupport> is_remote_config_supported() = 0;
    // InvokeUIForMachine.
    virtual Status invoke_ui_for_machine(WindowHandle parent, std::u16string_view machine_name) = 0;
    // InvokeUIFromConfigBlob: the edited blob and whether it changed.
    struct EditedConfig {
        ConfigBlob data;
        bool changed = false;
        friend bool operator==(const EditedConfig&, const EditedConfig&) = default;
    };
    virtual Result<EditedConfig> invoke_ui_from_config_blob(WindowHandle parent,
                                                            std::span<const std::uint8_t> in) = 0;
};

class ComponentConfig3 : public ComponentConfig2 {
  public:
    // NewConfig: a copy of the default configuration under `id`. E_INVALIDARG (id 0),
    // NAP_E_SHV_CONFIG_EXISTED.
    virtual Status new_config(std::uint32_t id) = 0;
    // DeleteConfig: E_INVALIDARG (id 0), NAP_E_SHV_CONFIG_NOT_FOUND.
    virtual Status delete_config(std::uint32_t id) = 0;
    // DeleteAllConfig: keeps only the default configuration. S_OK.
    virtual Status delete_all_config() = 0;
    // GetConfigFromID / SetConfigToID: id 0 is the default configuration.
    // NAP_E_SHV_CONFIG_NOT_FOUND; E_INVALIDARG for a blob over kMaxComponentConfigSize bytes.
    virtual Result<ConfigBlob> get_config_from_id(std::uint32_t id) = 0;
    virtual Status set_config_to_id(std::uint32_t id, std::span<const std::uint8_t> data) = 0;
};

// ComponentConfig3 over an in-memory map of configurations; thread-safe. Get/SetConfig work on
// the default configuration (id 0). No UI: is_ui_supported() is false, the three InvokeUI*
// methods return E_NOTIMPL; is_remote_config_supported() is {true, ConfigBlob} (Get/SetConfig
// are what remote management uses).
class InMemoryComponentConfigStore final : public ComponentConfig3 {
  public:
    // The default configuration (truncated to kMaxComponentConfigSize bytes).
    explicit InMemoryComponentConfigStore(ConfigBlob default_config = {});

    Result<bool> is_ui_supported() override;
    Status invoke_ui(WindowHandle parent) override;
    Result<ConfigBlob> get_config() override;
    Status set_config(std::span<const std::uint8_t> data) override;

    Result<RemoteConfigSupport> is_remote_config_supported() override;
    Status invoke_ui_for_machine(WindowHandle parent, std::u16string_view machine_name) override;
    Result<EditedConfig> invoke_ui_from_config_blob(WindowHandle parent,
                                                    std::span<const std::uint8_t> in) override;

    Status new_config(std::uint32_t id) override;
    Status delete_config(std::uint32_t id) override;
    Status delete_all_config() override;
    Result<ConfigBlob> get_config_from_id(std::uint32_t id) override;
    Status set_config_to_id(std::uint32_t id, std::span<const std::uint8_t> data) override;

    // The ids present, default (0) first.
    [[nodiscard]] std::vector<std::uint32_t> config_ids() const;

  private:
    mutable std::mutex mu_;
    std::map<std::uint32_t, ConfigBlob> configs_;  // always holds kDefaultConfigId
};

}  // namespace opennap::agent
