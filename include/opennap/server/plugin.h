// Loading SHV plug-ins (opennap/server/shv_plugin.h) into this process with dlopen, and the
// typed errors of loading (which name the file). For plug-ins in a process of their own see
// isolated_plugin.h.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "opennap/server/shv_plugin.h"
#include "opennap/server/validator.h"

namespace opennap::server {

struct PluginError {
    enum class Kind : std::uint8_t {
        Open,             // dlopen failed (missing file, not a shared library, unresolved symbols)
        MissingSymbol,    // no OPENNAP_SHV_PLUGIN_ENTRY_NAME
        VersionMismatch,  // the entry point returned NULL or another abi_version
        BadTable,         // a NULL function or name, or a struct_size too small
        Create,           // the plug-in's create() failed
        Helper,           // the opennap-shvhost helper could not be started or died
    };
    Kind kind = Kind::Open;
    std::string file;         // the plug-in (or, for Helper, the helper executable)
    std::string detail;       // dlerror(), the versions, the failing HRESULT, ...
    HResult hr = hr::E_FAIL;  // what a ValidatorFactory returns for it

    // "SHV plug-in /usr/lib/x.so: missing symbol opennap_shv_plugin_entry"
    [[nodiscard]] std::string message() const;
};

[[nodiscard]] std::string_view to_string(PluginError::Kind k) noexcept;

template <typename T>
using PluginResult = std::expected<T, PluginError>;

// A plug-in library loaded in this process. The library stays loaded while this object or any
// SHV it created is alive.
class ShvPlugin : public std::enable_shared_from_this<ShvPlugin> {
  public:
    // dlopen(RTLD_NOW | RTLD_LOCAL), then the entry point and its table are checked.
    [[nodiscard]] static PluginResult<std::shared_ptr<ShvPlugin>> load(const std::string& path);

    ShvPlugin(const ShvPlugin&) = delete;
    ShvPlugin& operator=(const ShvPlugin&) = delete;
    ~ShvPlugin();

    [[nodiscard]] const std::string& path() const noexcept { return path_; }
    [[nodiscard]] std::string_view name() const noexcept { return table_->name; }
    [[nodiscard]] SystemHealthEntityId shv_id() const noexcept { return table_->shv_id; }

    // A new instance (the plug-in's create()) as an SHV. Error kind Create, hr = its result.
    [[nodiscard]] PluginResult<std::shared_ptr<SystemHealthValidator>> create(
        std::span<const std::uint8_t> config) const;
    // A factory calling create() each time (re-creation makes a new instance); errors are
    // logged with message() and returned as their hr.
    [[nodiscard]] ValidatorFactory factory(std::vector<std::uint8_t> config) const;

  private:
    ShvPlugin(std::string path, void* handle, const opennap_shv_plugin* table)
        : path_(std::move(path)), handle_(handle), table_(table) {}

    std::string path_;
    void* handle_;
    const opennap_shv_plugin* table_;
};

}  // namespace opennap::server
