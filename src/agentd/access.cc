#include "opennap/agentd/access.h"

#include <algorithm>
#include <cstdio>

namespace opennap::agentd {

bool Principals::matches(const PeerCredentials& peer) const {
    if (users.contains(peer.uid) || groups.contains(peer.gid)) {
        return true;
    }
    return std::any_of(peer.groups.begin(), peer.groups.end(),
                       [this](gid_t g) { return groups.contains(g); });
}

AccessPolicy AccessPolicy::safe_default() {
    AccessPolicy policy;
    policy.administrators.users.insert(0);
    return policy;
}

bool PeerRoles::may_bind_ec(std::uint32_t id) const {
    return administrator || any_ec || ec_ids.contains(id);
}

bool PeerRoles::may_bind_sha(std::uint32_t id) const {
    return administrator || any_sha || sha_ids.contains(id);
}

namespace {

std::string hex_id(std::uint32_t id) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08X", static_cast<unsigned>(id));
    return buf;
}

void describe_grant(std::string& out, std::string_view what, bool any,
                    const std::set<std::uint32_t>& ids) {
    if (!any && ids.empty()) {
        return;
    }
    if (!out.empty()) {
        out += ", ";
    }
    out += what;
    out += " (";
    if (any) {
        out += "any id";
    } else {
        bool first = true;
        for (std::uint32_t id : ids) {
            if (!first) {
                out += ", ";
            }
            first = false;
            out += hex_id(id);
        }
    }
    out += ')';
}

void grant(const std::vector<IdGrant>& grants, const PeerCredentials& peer, bool& any,
           std::set<std::uint32_t>& ids) {
    for (const IdGrant& g : grants) {
        if (!g.who.matches(peer)) {
            continue;
        }
        if (g.any_id) {
            any = true;
        } else {
            ids.insert(g.ids.begin(), g.ids.end());
        }
    }
}

}  // namespace

std::string PeerRoles::describe() const {
    std::string out;
    if (administrator) {
        out = "administrator";
    }
    describe_grant(out, "enforcement client", any_ec, ec_ids);
    describe_grant(out, "health agent", any_sha, sha_ids);
    if (out.empty()) {
        out = "no role";
    }
    return out;
}

PeerRoles roles_for(const AccessPolicy& policy, const PeerCredentials& peer) {
    PeerRoles roles;
    roles.administrator = policy.administrators.matches(peer);
    grant(policy.enforcement_clients, peer, roles.any_ec, roles.ec_ids);
    grant(policy.health_agents, peer, roles.any_sha, roles.sha_ids);
    return roles;
}

}  // namespace opennap::agentd
