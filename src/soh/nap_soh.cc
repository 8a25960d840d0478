// opennap::SoH <-> soh::ReportEntry (include/opennap/soh/nap_soh.h).
#include "opennap/soh/nap_soh.h"

#include <type_traits>

#include "opennap/core/endian.h"
#include "opennap/soh/attributes.h"

namespace opennap::soh {

namespace {

// One body for the copying and the moving conversions: `Src` is const SoH& or SoH&.
template <typename Src>
ReportEntry entry_of(Src& soh) {
    ReportEntry e;
    e.attributes.reserve(soh.attributes.size());
    bool id_seen = false;
    for (auto& a : soh.attributes) {
        if (!id_seen && is_entry_id(a)) {
            e.id = load_be32(a.value.data());
            id_seen = true;
            continue;
        }
        if constexpr (std::is_const_v<Src>)
            e.attributes.push_back(Attribute{a.type, 0, a.value});
        else
            e.attributes.push_back(Attribute{a.type, 0, std::move(a.value)});
    }
    return e;
}

template <typename Src>
SoH soh_of(Src& entry) {
    SoH soh;
    soh.attributes.reserve(entry.attributes.size() + 1);
    auto id = attr::make_system_health_id(entry.id);
    soh.attributes.push_back({id.type, std::move(id.value)});
    for (auto& a : entry.attributes) {
        if constexpr (std::is_const_v<Src>)
            soh.attributes.push_back({a.type, a.value});
        else
            soh.attributes.push_back({a.type, std::move(a.value)});
    }
    return soh;
}

}  // namespace

ReportEntry to_entry(const SoH& soh) {
    return entry_of(soh);
}

ReportEntry to_entry(SoH&& soh) {
    return entry_of(soh);
}

SoH to_soh(const ReportEntry& entry) {
    return soh_of(entry);
}

SoH to_soh(ReportEntry&& entry) {
    return soh_of(entry);
}

}  // namespace opennap::soh
