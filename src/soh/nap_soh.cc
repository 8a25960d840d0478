// opennap::SoH <-> soh::ReportEntry (include/opennap/soh/nap_soh.h).
#include "opennap/soh/nap_soh.h"

#include "opennap/core/endian.h"
#include "opennap/soh/attributes.h"

namespace opennap::soh {

ReportEntry to_entry(const SoH& soh) {
    ReportEntry e;
    e.attributes.reserve(soh.attributes.size());
    bool id_seen = false;
    for (const auto& a : soh.attributes) {
        if (!id_seen && a.type == tlv_type::kSystemHealthId && a.value.size() == 4) {
            e.id = load_be32(a.value.data());
            id_seen = true;
            continue;
        }
        e.attributes.push_back(Attribute{a.type, 0, a.value});
    }
    return e;
}

SoH to_soh(const ReportEntry& entry) {
    SoH soh;
    soh.attributes.reserve(entry.attributes.size() + 1);
    const auto id = attr::make_system_health_id(entry.id);
    soh.attributes.push_back({id.type, id.value});
    for (const auto& a : entry.attributes)
        soh.attributes.push_back({a.type, a.value});
    return soh;
}

}  // namespace opennap::soh
