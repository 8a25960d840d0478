#include "opennap/serverd/validators.h"

#include <sstream>

#include "opennap/server/isolated_plugin.h"
#include "opennap/shvs/linux_shv.h"
#include "opennap/shvs/wshv.h"
#include "opennap/soh/nap_soh.h"

namespace opennap::serverd {

namespace {

// The built-in WSHV as an SHV of the host: answers inside validate(), never blocks.
class WshvValidator final : public server::SystemHealthValidator {
  public:
    explicit WshvValidator(shvs::wshv::Settings settings) : settings_(std::move(settings)) {}

    server::Status validate(const std::shared_ptr<server::ValidationRequest>& request,
                            std::chrono::milliseconds,
                            const std::shared_ptr<server::ServerCallback>&) override {
        // The host hands this SHV the entry reported under its id: 0x00013780, or OpenNAP's
        // security-center SHA 0x007ED901 (docs/checks.md, "Ids"). The WSHA layout is the same
        // under either, and [MS-WSH] checks the id, so it is read as the WSHA's.
        const SoH* soh = request->soh_request();
        auto result =
            soh != nullptr
                ? shvs::wshv::validate_as_wsha(settings_, *soh, request->nap_system_generated(),
                                               shvs::wshv::Want::Response)
                : shvs::wshv::validate(settings_, std::optional<soh::EntryView>{}, false);
        // The answer goes to the SHA the request came from: under this SHV's id (the WSHA's
        // 0x00013780 in compatibility mode, OpenNAP's own id otherwise).
        result.response.id = request->shv_id();
        return request->set_soh_response(soh::to_soh(std::move(result.response)));
    }

  private:
    shvs::wshv::Settings settings_;
};

// The Linux SHA's validator (shvs/linux_shv.h): answers inside validate(), never blocks.
class LinuxShvValidator final : public server::SystemHealthValidator {
  public:
    explicit LinuxShvValidator(shvs::linux_shv::Settings settings)
        : settings_(std::move(settings)) {}

    server::Status validate(const std::shared_ptr<server::ValidationRequest>& request,
                            std::chrono::milliseconds,
                            const std::shared_ptr<server::ServerCallback>&) override {
        std::optional<soh::ReportEntry> entry;
        if (const SoH* soh = request->soh_request())
            entry = soh::to_entry(*soh);
        auto result = shvs::linux_shv::validate(settings_, entry, request->shv_id());
        return request->set_soh_response(soh::to_soh(std::move(result.response)));
    }

  private:
    shvs::linux_shv::Settings settings_;
};

// A built-in SHV: its settings read by `parse`, answering inline (it never blocks).
template <typename Validator, typename Parse>
std::expected<server::ValidatorRegistration, std::string> builtin(server::ValidatorRegistration r,
                                                                  const policy::ShvConfig& shv,
                                                                  Parse parse) {
    auto settings = parse(*shv.settings);
    if (!settings) {
        std::string text = "SHV " + shv.name + ": invalid settings";
        for (const auto& e : settings.error())
            text += "; " + e.to_string();
        return std::unexpected(text);
    }
    r.call_mode = server::CallMode::Inline;
    r.factory =
        [s = *settings]() -> server::Result<std::shared_ptr<server::SystemHealthValidator>> {
        return std::make_shared<Validator>(s);
    };
    return r;
}

}  // namespace

std::expected<server::ValidatorRegistration, std::string> registration_for(
    const policy::ShvConfig& shv) {
    server::ValidatorRegistration r;
    r.info.id = shv.id;
    r.info.friendly_name = utf8_to_utf16(shv.name.empty() ? "SHV" : shv.name);
    r.info.vendor_name = u"OpenNAP";
    r.info.version = u"1.0";
    r.mapping = shv.mapping;
    switch (shv.kind) {
        case policy::ShvKind::wsha:
            return builtin<WshvValidator>(std::move(r), shv, shvs::wshv::parse_settings);
        case policy::ShvKind::linux:
            return builtin<LinuxShvValidator>(std::move(r), shv, shvs::linux_shv::parse_settings);
        case policy::ShvKind::plugin: {
            if (shv.plugin.empty() || shv.plugin[0] != '/')
                return std::unexpected("SHV " + shv.name + ": plugin must be an absolute path");
            server::IsolatedPluginOptions o;
            o.helper_path = server::default_helper_path();
            o.plugin_path = shv.plugin;
            // The plug-in's configuration: its [[shv]] settings table as TOML text (nothing when
            // the entry has none); the plug-in parses it (docs/shv.md).
            if (!shv.settings->table.empty()) {
                std::ostringstream text;
                text << shv.settings->table;
                const std::string t = text.str();
                if (t.size() > 65535)
                    return std::unexpected("SHV " + shv.name + ": settings are " +
                                           std::to_string(t.size()) +
                                           " bytes as TOML text; at most 65535 reach a plug-in");
                o.config.assign(t.begin(), t.end());
            }
            r.call_mode = server::CallMode::Pool;
            r.factory = server::isolated_plugin_factory(std::move(o));
            return r;
        }
    }
    return std::unexpected("SHV " + shv.name + ": unknown kind");
}

}  // namespace opennap::serverd
