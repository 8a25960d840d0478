// InMemoryComponentConfigStore: the ComponentConfig3 semantics of nap-api.md §12.5.
#include "opennap/agent/component_config.h"

#include <new>

namespace opennap::agent {

namespace {
template <typename F>
auto guarded_alloc(F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const std::bad_alloc&) {
        return decltype(f())(fail(hr::E_OUTOFMEMORY));
    }
}
}  // namespace

InMemoryComponentConfigStore::InMemoryComponentConfigStore(ConfigBlob default_config) {
    if (default_config.size() > kMaxComponentConfigSize)
        default_config.resize(kMaxComponentConfigSize);
    configs_.emplace(kDefaultConfigId, std::move(default_config));
}

Result<bool> InMemoryComponentConfigStore::is_ui_supported() {
    return false;
}

Status InMemoryComponentConfigStore::invoke_ui(WindowHandle /*parent*/) {
    return hr::E_NOTIMPL;
}

Result<ConfigBlob> InMemoryComponentConfigStore::get_config() {
    return get_config_from_id(kDefaultConfigId);
}

Status InMemoryComponentConfigStore::set_config(std::span<const std::uint8_t> data) {
    return set_config_to_id(kDefaultConfigId, data);
}

Result<ComponentConfig2::RemoteConfigSupport>
InMemoryComponentConfigStore::is_remote_config_supported() {
    return RemoteConfigSupport{true, RemoteConfigurationType::ConfigBlob};
}

Status InMemoryComponentConfigStore::invoke_ui_for_machine(WindowHandle /*parent*/,
                                                           std::u16string_view /*machine_name*/) {
    return hr::E_NOTIMPL;
}

Result<ComponentConfig2::EditedConfig> InMemoryComponentConfigStore::invoke_ui_from_config_blob(
    WindowHandle /*parent*/, std::span<const std::uint8_t> /*in*/) {
    return fail(hr::E_NOTIMPL);
}

Status InMemoryComponentConfigStore::new_config(std::uint32_t id) {
    if (id == kDefaultConfigId)
        return hr::E_INVALIDARG;
    std::lock_guard lock(mu_);
    if (configs_.contains(id))
        return hr::NAP_E_SHV_CONFIG_EXISTED;
    try {
        ConfigBlob copy = configs_.at(kDefaultConfigId);
        configs_.emplace(id, std::move(copy));
    } catch (const std::bad_alloc&) {
        return hr::E_OUTOFMEMORY;
    }
    return hr::S_OK;
}

Status InMemoryComponentConfigStore::delete_config(std::uint32_t id) {
    if (id == kDefaultConfigId)
        return hr::E_INVALIDARG;
    std::lock_guard lock(mu_);
    if (configs_.erase(id) == 0)
        return hr::NAP_E_SHV_CONFIG_NOT_FOUND;
    return hr::S_OK;
}

Status InMemoryComponentConfigStore::delete_all_config() {
    std::lock_guard lock(mu_);
    std::erase_if(configs_, [](const auto& e) { return e.first != kDefaultConfigId; });
    return hr::S_OK;
}

Result<ConfigBlob> InMemoryComponentConfigStore::get_config_from_id(std::uint32_t id) {
    std::lock_guard lock(mu_);
    auto it = configs_.find(id);
    if (it == configs_.end())
        return fail(hr::NAP_E_SHV_CONFIG_NOT_FOUND);
    return guarded_alloc([&]() -> Result<ConfigBlob> { return it->second; });
}

Status InMemoryComponentConfigStore::set_config_to_id(std::uint32_t id,
                                                      std::span<const std::uint8_t> data) {
    if (data.size() > kMaxComponentConfigSize)
        return hr::E_INVALIDARG;
    std::lock_guard lock(mu_);
    auto it = configs_.find(id);
    if (it == configs_.end())
        return hr::NAP_E_SHV_CONFIG_NOT_FOUND;
    try {
        it->second.assign(data.begin(), data.end());
    } catch (const std::bad_alloc&) {
        return hr::E_OUTOFMEMORY;
    }
    return hr::S_OK;
}

std::vector<std::uint32_t> InMemoryComponentConfigStore::config_ids() const {
    std::lock_guard lock(mu_);
    std::vector<std::uint32_t> ids;
    ids.reserve(configs_.size());
    for (const auto& [id, blob] : configs_)
        ids.push_back(id);
    return ids;
}

}  // namespace opennap::agent
