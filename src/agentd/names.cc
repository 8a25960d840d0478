// MapNameResolver (pure). The NSS-backed SystemNameResolver is in system_names.cc.
#include "opennap/agentd/names.h"

namespace opennap::agentd {

NameLookup<uid_t> MapNameResolver::user_id(std::string_view name) const {
    if (auto it = users_.find(name); it != users_.end()) {
        return it->second;
    }
    return std::optional<uid_t>{};
}

NameLookup<gid_t> MapNameResolver::group_id(std::string_view name) const {
    if (auto it = groups_.find(name); it != groups_.end()) {
        return it->second;
    }
    return std::optional<gid_t>{};
}

}  // namespace opennap::agentd
