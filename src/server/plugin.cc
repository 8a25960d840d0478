// SHV plug-ins in this process (plugin.h, shv_plugin.h; docs/shv.md, "Plug-ins").
#include "opennap/server/plugin.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <limits>
#include <mutex>
#include <new>
#include <unordered_set>

#include "log.h"

namespace opennap::server {

namespace {
class PluginValidator;
}

}  // namespace opennap::server

// One validate() call: owns the C request (and keeps the C++ request and the callback alive)
// until validate() returned and, when it returned E_PENDING, complete() was called.
struct opennap_shv_call {
    std::shared_ptr<opennap::server::ValidationRequest> request;
    std::shared_ptr<opennap::server::ServerCallback> callback;
    opennap::server::PluginValidator* owner = nullptr;
    std::atomic<int> refs{2};  // the validate() frame + the completion
    std::atomic<bool> completed{false};
    std::string corr;
    std::string machine;
    std::vector<opennap_shv_attribute> attributes;
    opennap_shv_soh soh{};
    opennap_shv_request c{};
};

namespace opennap::server {

namespace {

PluginError error(PluginError::Kind kind, const std::string& file, std::string detail,
                  HResult hr = hr::E_FAIL) {
    return PluginError{kind, file, std::move(detail), hr};
}

class PluginValidator final : public SystemHealthValidator {
  public:
    PluginValidator(std::shared_ptr<const ShvPlugin> plugin, const opennap_shv_plugin* table,
                    void* instance)
        : plugin_(std::move(plugin)), table_(table), instance_(instance) {}

    ~PluginValidator() override {
        table_->destroy(instance_);
        // Calls the plug-in never completed: it may not use them any more (shv_plugin.h).
        std::unordered_set<opennap_shv_call*> left;
        {
            std::lock_guard lock(mu_);
            left.swap(outstanding_);
        }
        for (opennap_shv_call* call : left) {
            call->owner = nullptr;
            release(call);
        }
    }

    Status validate(const std::shared_ptr<ValidationRequest>& request,
                    std::chrono::milliseconds hint_timeout,
                    const std::shared_ptr<ServerCallback>& callback) override {
        auto* call = new opennap_shv_call;
        call->request = request;
        call->callback = callback;
        call->owner = this;
        call->corr = request->correlation_id().to_string();
        call->machine = utf16_to_utf8(request->machine_name());
        opennap_shv_request& c = call->c;
        c.struct_size = sizeof(opennap_shv_request);
        c.shv_id = request->shv_id();
        const auto corr = request->correlation_id().to_bytes();
        std::copy(corr.begin(), corr.end(), c.correlation_id);
        c.string_correlation_id = call->corr.c_str();
        c.machine_name = call->machine.c_str();
        if (const SoH* soh = request->soh_request()) {
            call->attributes.reserve(soh->attributes.size());
            for (const SoHAttribute& a : soh->attributes) {
                call->attributes.push_back(opennap_shv_attribute{
                    a.type, static_cast<std::uint16_t>(a.value.size()), a.value.data()});
            }
            call->soh.count = static_cast<std::uint16_t>(call->attributes.size());
            call->soh.attributes = call->attributes.data();
            c.soh = &call->soh;
        }
        c.nap_system_generated = request->nap_system_generated() ? 1 : 0;
        c.config_id = request->config_id();
        c.hint_timeout_ms = static_cast<std::uint32_t>(std::min<std::int64_t>(
            hint_timeout.count(), std::numeric_limits<std::uint32_t>::max()));
        {
            std::lock_guard lock(mu_);
            outstanding_.insert(call);
        }
        const HResult hr{table_->validate(instance_, call, &call->c)};
        if (hr != hr::E_PENDING && !call->completed.exchange(true)) {
            // Answered (or failed) synchronously: no complete() may follow.
            untrack(call);
            release(call);
        }
        release(call);  // the validate() frame's reference
        return hr;
    }

    void untrack(opennap_shv_call* call) {
        std::lock_guard lock(mu_);
        outstanding_.erase(call);
    }

    static void release(opennap_shv_call* call) {
        if (call->refs.fetch_sub(1) == 1)
            delete call;
    }

  private:
    std::shared_ptr<const ShvPlugin> plugin_;  // keeps the library loaded
    const opennap_shv_plugin* table_;
    void* instance_;
    std::mutex mu_;
    std::unordered_set<opennap_shv_call*> outstanding_;  // completion reference still held
};

// ---- the host API handed to plug-ins -----------------------------------------------------------

opennap_hresult host_set_response(opennap_shv_call* call, const opennap_shv_soh* response) {
    if (call == nullptr || response == nullptr ||
        (response->count > 0 && response->attributes == nullptr))
        return hr::E_POINTER.value();
    try {
        SoH soh;
        soh.attributes.reserve(response->count);
        for (std::uint16_t i = 0; i < response->count; ++i) {
            const opennap_shv_attribute& a = response->attributes[i];
            if (a.size > 0 && a.value == nullptr)
                return hr::E_POINTER.value();
            soh.attributes.push_back(
                SoHAttribute{a.type, std::vector<std::uint8_t>(a.value, a.value + a.size)});
        }
        return call->request->set_soh_response(std::move(soh)).value();
    } catch (const std::bad_alloc&) {
        return hr::E_OUTOFMEMORY.value();
    }
}

opennap_hresult host_complete(opennap_shv_call* call, opennap_hresult result) {
    if (call == nullptr)
        return hr::E_POINTER.value();
    if (call->completed.exchange(true))
        return hr::NAP_E_NOT_PENDING.value();
    HResult hr = hr::NAP_E_NOT_PENDING;
    try {
        hr = call->callback->on_complete(*call->request, HResult{result});
    } catch (...) {
        hr = hr::E_FAIL;
    }
    if (call->owner != nullptr)
        call->owner->untrack(call);
    PluginValidator::release(call);
    return hr.value();
}

void host_log(int level, const char* message) {
    if (message == nullptr)
        return;
    switch (level) {
        case 0:
            OPENNAP_SERVER_LOG(debug, "plug-in: {}", message);
            break;
        case 1:
            OPENNAP_SERVER_LOG(info, "plug-in: {}", message);
            break;
        case 2:
            OPENNAP_SERVER_LOG(warn, "plug-in: {}", message);
            break;
        default:
            OPENNAP_SERVER_LOG(err, "plug-in: {}", message);
            break;
    }
}

constexpr opennap_shv_host_api kHostApi{sizeof(opennap_shv_host_api),
                                        OPENNAP_SHV_PLUGIN_ABI_VERSION, &host_set_response,
                                        &host_complete, &host_log};

}  // namespace

// ---- errors ------------------------------------------------------------------------------------

std::string_view to_string(PluginError::Kind k) noexcept {
    switch (k) {
        case PluginError::Kind::Open:
            return "open";
        case PluginError::Kind::MissingSymbol:
            return "missing-symbol";
        case PluginError::Kind::VersionMismatch:
            return "version-mismatch";
        case PluginError::Kind::BadTable:
            return "bad-table";
        case PluginError::Kind::Create:
            return "create";
        case PluginError::Kind::Helper:
            return "helper";
    }
    return "invalid";
}

std::string PluginError::message() const {
    std::string m = kind == Kind::Helper ? "SHV helper " : "SHV plug-in ";
    m += file;
    m += ": ";
    switch (kind) {
        case Kind::Open:
            m += "cannot load: ";
            break;
        case Kind::MissingSymbol:
            m += "missing symbol ";
            break;
        case Kind::VersionMismatch:
            m += "ABI version mismatch: ";
            break;
        case Kind::BadTable:
            m += "bad function table: ";
            break;
        case Kind::Create:
            m += "create() failed: ";
            break;
        case Kind::Helper:
            break;
    }
    m += detail;
    return m;
}

// ---- ShvPlugin ---------------------------------------------------------------------------------

PluginResult<std::shared_ptr<ShvPlugin>> ShvPlugin::load(const std::string& path) {
    if (::access(path.c_str(), F_OK) != 0 && errno == ENOENT)
        return std::unexpected(
            error(PluginError::Kind::Open, path, "no such file", hr::ERROR_FILE_NOT_FOUND));
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        const char* e = ::dlerror();
        return std::unexpected(error(PluginError::Kind::Open, path, e != nullptr ? e : "dlopen"));
    }
    auto fail_closing = [&](PluginError e) -> PluginResult<std::shared_ptr<ShvPlugin>> {
        ::dlclose(handle);
        return std::unexpected(std::move(e));
    };
    void* sym = ::dlsym(handle, OPENNAP_SHV_PLUGIN_ENTRY_NAME);
    if (sym == nullptr)
        return fail_closing(
            error(PluginError::Kind::MissingSymbol, path, OPENNAP_SHV_PLUGIN_ENTRY_NAME));
    auto entry = reinterpret_cast<opennap_shv_plugin_entry_fn>(sym);
    const opennap_shv_plugin* table = entry(OPENNAP_SHV_PLUGIN_ABI_VERSION);
    if (table == nullptr)
        return fail_closing(error(PluginError::Kind::VersionMismatch, path,
                                  "the plug-in refused host ABI version " +
                                      std::to_string(OPENNAP_SHV_PLUGIN_ABI_VERSION)));
    if (table->abi_version != OPENNAP_SHV_PLUGIN_ABI_VERSION)
        return fail_closing(error(PluginError::Kind::VersionMismatch, path,
                                  "plug-in version " + std::to_string(table->abi_version) +
                                      ", host version " +
                                      std::to_string(OPENNAP_SHV_PLUGIN_ABI_VERSION)));
    if (table->struct_size < sizeof(opennap_shv_plugin))
        return fail_closing(error(PluginError::Kind::BadTable, path,
                                  "struct_size " + std::to_string(table->struct_size) +
                                      " is below " + std::to_string(sizeof(opennap_shv_plugin))));
    if (table->name == nullptr || table->create == nullptr || table->validate == nullptr ||
        table->destroy == nullptr)
        return fail_closing(error(PluginError::Kind::BadTable, path,
                                  "name, create, validate and destroy must not be NULL"));
    try {
        return std::shared_ptr<ShvPlugin>(new ShvPlugin(path, handle, table));
    } catch (const std::bad_alloc&) {
        return fail_closing(
            error(PluginError::Kind::Open, path, "out of memory", hr::E_OUTOFMEMORY));
    }
}

ShvPlugin::~ShvPlugin() {
    ::dlclose(handle_);
}

PluginResult<std::shared_ptr<SystemHealthValidator>> ShvPlugin::create(
    std::span<const std::uint8_t> config) const {
    void* instance = nullptr;
    const HResult hr{table_->create(&kHostApi, config.data(), config.size(), &instance)};
    if (hr.failed())
        return std::unexpected(error(PluginError::Kind::Create, path_, to_string(hr), hr));
    try {
        return std::make_shared<PluginValidator>(shared_from_this(), table_, instance);
    } catch (const std::bad_alloc&) {
        table_->destroy(instance);
        return std::unexpected(
            error(PluginError::Kind::Create, path_, "out of memory", hr::E_OUTOFMEMORY));
    }
}

ValidatorFactory ShvPlugin::factory(std::vector<std::uint8_t> config) const {
    return [self = shared_from_this(),
            config = std::move(config)]() -> Result<std::shared_ptr<SystemHealthValidator>> {
        auto v = self->create(config);
        if (!v) {
            OPENNAP_SERVER_LOG(warn, "{}", v.error().message());
            return fail(v.error().hr);
        }
        return std::move(*v);
    };
}

}  // namespace opennap::server
