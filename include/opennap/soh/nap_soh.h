// The NAP API's SoH (opennap::SoH: the attribute list with the System-Health-ID TLV first, as SHAs
// and SHVs hand it over) <-> the codec's SoHReportEntry (the id apart from the other TLVs).
#pragma once

#include "opennap/core/nap_structs.h"
#include "opennap/soh/message.h"

namespace opennap::soh {

// Whether `a` can be an entry's System-Health-ID: that type with a 4-octet value. to_entry()
// takes the first such attribute as the id.
[[nodiscard]] inline bool is_entry_id(const SoHAttribute& a) noexcept {
    return a.type == tlv_type::kSystemHealthId && a.value.size() == 4;
}

// The first 4-byte System-Health-ID TLV becomes the id (0 when there is none); every other TLV is
// kept in order.
[[nodiscard]] ReportEntry to_entry(const SoH& soh);
// The same, moving the attribute values instead of copying them.
[[nodiscard]] ReportEntry to_entry(SoH&& soh);
// System-Health-ID first, then the entry's TLVs in order.
[[nodiscard]] SoH to_soh(const ReportEntry& entry);
// The same, moving the attribute values instead of copying them.
[[nodiscard]] SoH to_soh(ReportEntry&& entry);

}  // namespace opennap::soh
