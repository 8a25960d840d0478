// ValidationInput from a decoded SSoH (validation_input.h).
#include "opennap/server/validation_input.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "opennap/soh/attributes.h"

namespace opennap::server {

namespace {

std::u16string machine_name_of(std::string_view raw) {
    while (!raw.empty() && raw.back() == '\0')
        raw.remove_suffix(1);
    return utf8_to_utf16(raw);
}

SoHAttribute owned(const soh::Attribute& a) {
    return SoHAttribute{a.type, a.value};
}

// The entry's System-Health-ID as the API's attribute, its value moved rather than copied.
SoHAttribute system_health_id(std::uint32_t id) {
    soh::Attribute a = soh::attr::make_system_health_id(id);
    return SoHAttribute{a.type, std::move(a.value)};
}

}  // namespace

ValidationInput ValidationInput::from(const soh::MessageView& ssoh) {
    ValidationInput in;
    if (ssoh.mode) {
        in.correlation_id = CorrelationId::from_bytes(ssoh.mode->correlation_id);
    } else if (ssoh.system.correlation_id) {
        in.correlation_id = CorrelationId::from_bytes(*ssoh.system.correlation_id);
    }
    if (ssoh.system.machine_name) {
        const Bytes b = *ssoh.system.machine_name;
        in.machine_name =
            machine_name_of(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
    }
    in.sohs.reserve(ssoh.entry_count);
    for (const soh::EntryView& e : ssoh.entries) {
        auto soh = std::make_shared<SoH>();
        soh->attributes.reserve(std::size_t{e.attribute_count} + 1);
        soh->attributes.push_back(system_health_id(e.id));
        for (const soh::TlvView& t : e.attributes)
            soh->attributes.push_back(
                {t.type, std::vector<std::uint8_t>(t.value.begin(), t.value.end())});
        bool generated = false;
        if (ssoh.system.system_generated_ids) {
            const auto& ids = *ssoh.system.system_generated_ids;
            for (std::size_t i = 0; i < ids.size() && !generated; ++i)
                generated = ids.u32(i) == e.id;
        }
        in.sohs.push_back(ClientSoH{e.id, std::move(soh), generated});
    }
    return in;
}

ValidationInput ValidationInput::from(const soh::Message& ssoh) {
    ValidationInput in;
    if (auto c = ssoh.correlation_id())
        in.correlation_id = *c;
    if (const auto* name = ssoh.system.find<soh::MachineName>())
        in.machine_name = machine_name_of(name->bytes);
    const auto* generated = ssoh.system.find<soh::SystemGeneratedIds>();
    in.sohs.reserve(ssoh.entries.size());
    for (const soh::ReportEntry& e : ssoh.entries) {
        auto soh = std::make_shared<SoH>();
        soh->attributes.reserve(e.attributes.size() + 1);
        soh->attributes.push_back(system_health_id(e.id));
        for (const soh::Attribute& a : e.attributes)
            soh->attributes.push_back(owned(a));
        const bool gen =
            generated != nullptr &&
            std::find(generated->ids.begin(), generated->ids.end(), e.id) != generated->ids.end();
        in.sohs.push_back(ClientSoH{e.id, std::move(soh), gen});
    }
    return in;
}

ValidationInput ValidationInput::without_soh(const CorrelationId& correlation_id,
                                             std::u16string machine_name) {
    ValidationInput in;
    in.correlation_id = correlation_id;
    in.machine_name = std::move(machine_name);
    in.soh_present = false;
    return in;
}

}  // namespace opennap::server
