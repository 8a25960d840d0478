// The daemon's access policy (docs/napagent.md, "Access"): who may administer the agent and which
// enforcement-client (EC) and system-health-agent (SHA) ids each local user or group may bind.
//
// Pure: the socket server identifies a peer by SO_PEERCRED / SO_PEERGROUPS and asks roles_for()
// what that peer may do; the policy itself comes from the [access] section of the configuration
// (config.h). Rules:
//   * an administrator may register, unregister, enable and disable components, and may also bind
//     any EC or SHA id;
//   * a peer matched by an [[access.enforcement_client]] entry may bind that entry's EC ids, and
//     likewise for [[access.health_agent]] and SHA ids;
//   * a peer is matched by an entry when its uid is one of the entry's users, or its primary gid or
//     one of its supplementary groups is one of the entry's groups;
//   * roles add up across entries; a peer matched by none has no role at all.
// Safe default (AccessPolicy::safe_default()): root (uid 0) is administrator, nobody else has a
// role.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace opennap::agentd {

// What the kernel says about the process at the other end of a Unix socket.
struct PeerCredentials {
    uid_t uid = static_cast<uid_t>(-1);
    gid_t gid = static_cast<gid_t>(-1);
    pid_t pid = 0;
    std::vector<gid_t> groups;  // supplementary groups (SO_PEERGROUPS)
};

// A set of local users and groups, by numeric id (names are resolved when the config is read).
struct Principals {
    std::set<uid_t> users;
    std::set<gid_t> groups;

    // True when the peer's uid is in users, or its gid or a supplementary group is in groups.
    [[nodiscard]] bool matches(const PeerCredentials& peer) const;
    [[nodiscard]] bool empty() const noexcept { return users.empty() && groups.empty(); }
    friend bool operator==(const Principals&, const Principals&) = default;
};

// One [[access.enforcement_client]] or [[access.health_agent]] entry: who, and which ids.
struct IdGrant {
    Principals who;
    bool any_id = false;          // ids = "*"
    std::set<std::uint32_t> ids;  // ignored when any_id
    friend bool operator==(const IdGrant&, const IdGrant&) = default;
};

struct AccessPolicy {
    Principals administrators;
    std::vector<IdGrant> enforcement_clients;
    std::vector<IdGrant> health_agents;

    // root (uid 0) is administrator; no EC or SHA grants.
    [[nodiscard]] static AccessPolicy safe_default();
    friend bool operator==(const AccessPolicy&, const AccessPolicy&) = default;
};

// What one peer may do.
struct PeerRoles {
    bool administrator = false;
    bool any_ec = false;             // some matching EC entry has ids = "*"
    std::set<std::uint32_t> ec_ids;  // union of the matching EC entries' ids
    bool any_sha = false;
    std::set<std::uint32_t> sha_ids;

    // Register / unregister / enable / disable, and the other management calls.
    [[nodiscard]] bool may_administer() const noexcept { return administrator; }
    // Administrators may bind any id.
    [[nodiscard]] bool may_bind_ec(std::uint32_t id) const;
    [[nodiscard]] bool may_bind_sha(std::uint32_t id) const;
    [[nodiscard]] bool has_any_role() const noexcept {
        return administrator || any_ec || !ec_ids.empty() || any_sha || !sha_ids.empty();
    }
    // For logs: "administrator", "enforcement client (0x00013701, 0x00013702)",
    // "administrator, health agent (any id)", "no role".
    [[nodiscard]] std::string describe() const;
    friend bool operator==(const PeerRoles&, const PeerRoles&) = default;
};

[[nodiscard]] PeerRoles roles_for(const AccessPolicy& policy, const PeerCredentials& peer);

}  // namespace opennap::agentd
