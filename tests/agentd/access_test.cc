// roles_for, PeerRoles and the name resolvers.
#include "opennap/agentd/access.h"

#include <gtest/gtest.h>

#include "opennap/agentd/config.h"
#include "opennap/agentd/names.h"

namespace {

using namespace opennap::agentd;

PeerCredentials peer(uid_t uid, gid_t gid, std::vector<gid_t> groups = {}) {
    return PeerCredentials{uid, gid, 4242, std::move(groups)};
}

// alice 1000 (admins via wheel), bob 1001 (EC 0x13701 by name; EC 0x13702 by group napec),
// carol 1002 (SHA any via group napsha), dave 1003 (SHA 0x1 and 0x2 by two entries).
AccessPolicy policy() {
    const MapNameResolver names(
        {{"root", 0}, {"alice", 1000}, {"bob", 1001}, {"carol", 1002}, {"dave", 1003}},
        {{"wheel", 10}, {"napec", 2001}, {"napsha", 2002}});
    auto r = parse_config(R"(
[access]
administrators = { users = ["root"], groups = ["wheel"] }

[[access.enforcement_client]]
users = ["bob"]
ids = [0x00013701]

[[access.enforcement_client]]
groups = ["napec"]
ids = [0x00013702]

[[access.health_agent]]
groups = ["napsha"]
ids = "*"

[[access.health_agent]]
users = ["dave"]
ids = [1]

[[access.health_agent]]
users = ["dave"]
ids = [2, 1]
)",
                          "policy.toml", names);
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().to_string());
    return r ? r->access : AccessPolicy{};
}

TEST(AgentdAccess, SafeDefaultRootIsAdministratorNobodyElseHasARole) {
    const AccessPolicy p = AccessPolicy::safe_default();
    const PeerRoles root = roles_for(p, peer(0, 0));
    EXPECT_TRUE(root.administrator);
    EXPECT_TRUE(root.may_administer());
    EXPECT_TRUE(root.may_bind_ec(0x13701));
    EXPECT_TRUE(root.may_bind_sha(0x13700));
    EXPECT_TRUE(root.may_bind_sha(0xFFFFFFFF));
    EXPECT_EQ(root.describe(), "administrator");

    // Group 0 is not root: only uid 0 is.
    for (const PeerCredentials& other :
         {peer(1000, 1000), peer(1000, 0), peer(1000, 1000, {0}), peer(65534, 65534)}) {
        const PeerRoles r = roles_for(p, other);
        EXPECT_FALSE(r.administrator);
        EXPECT_FALSE(r.has_any_role());
        EXPECT_FALSE(r.may_bind_ec(0x13701));
        EXPECT_FALSE(r.may_bind_sha(0x13701));
        EXPECT_EQ(r.describe(), "no role");
        EXPECT_EQ(r, PeerRoles{});
    }
    // The default config has the same policy.
    EXPECT_EQ(default_config().access, p);
}

TEST(AgentdAccess, AdministratorByGroupMayBindAnything) {
    const AccessPolicy p = policy();
    const PeerRoles alice = roles_for(p, peer(1000, 1000, {10}));
    EXPECT_TRUE(alice.administrator);
    EXPECT_TRUE(alice.may_bind_ec(12345));
    EXPECT_TRUE(alice.may_bind_sha(12345));
    EXPECT_EQ(alice.describe(), "administrator");
    // Primary gid counts as well as supplementary groups.
    EXPECT_TRUE(roles_for(p, peer(1000, 10)).administrator);
    EXPECT_TRUE(roles_for(p, peer(0, 0)).administrator);
}

TEST(AgentdAccess, EnforcementClientByUserAndByGroup) {
    const AccessPolicy p = policy();
    const PeerRoles bob = roles_for(p, peer(1001, 1001));
    EXPECT_FALSE(bob.administrator);
    EXPECT_FALSE(bob.may_administer());
    EXPECT_TRUE(bob.may_bind_ec(0x13701));
    EXPECT_FALSE(bob.may_bind_ec(0x13702));
    EXPECT_FALSE(bob.may_bind_sha(0x13701));  // an EC id is not an SHA id
    EXPECT_EQ(bob.describe(), "enforcement client (0x00013701)");

    // Roles add up: bob in group napec gets both EC ids.
    const PeerRoles bob_ec = roles_for(p, peer(1001, 1001, {2001}));
    EXPECT_EQ(bob_ec.ec_ids, (std::set<std::uint32_t>{0x13701, 0x13702}));
    EXPECT_EQ(bob_ec.describe(), "enforcement client (0x00013701, 0x00013702)");

    // Someone else in group napec only.
    const PeerRoles other = roles_for(p, peer(3000, 2001));
    EXPECT_FALSE(other.may_bind_ec(0x13701));
    EXPECT_TRUE(other.may_bind_ec(0x13702));
}

TEST(AgentdAccess, HealthAgentAnyIdAndAcrossEntries) {
    const AccessPolicy p = policy();
    const PeerRoles carol = roles_for(p, peer(1002, 1002, {2002}));
    EXPECT_TRUE(carol.any_sha);
    EXPECT_TRUE(carol.may_bind_sha(0));
    EXPECT_TRUE(carol.may_bind_sha(0x13700));
    EXPECT_TRUE(carol.may_bind_sha(0xFFFFFFFF));
    EXPECT_FALSE(carol.may_bind_ec(0x13701));
    EXPECT_FALSE(carol.may_administer());
    EXPECT_EQ(carol.describe(), "health agent (any id)");

    const PeerRoles dave = roles_for(p, peer(1003, 1003));
    EXPECT_FALSE(dave.any_sha);
    EXPECT_EQ(dave.sha_ids, (std::set<std::uint32_t>{1, 2}));
    EXPECT_TRUE(dave.may_bind_sha(1));
    EXPECT_TRUE(dave.may_bind_sha(2));
    EXPECT_FALSE(dave.may_bind_sha(3));
    EXPECT_EQ(dave.describe(), "health agent (0x00000001, 0x00000002)");
}

TEST(AgentdAccess, RolesCombine) {
    const AccessPolicy p = policy();
    // bob also in napsha and wheel: administrator + EC + SHA.
    const PeerRoles r = roles_for(p, peer(1001, 1001, {2002, 10}));
    EXPECT_TRUE(r.administrator);
    EXPECT_EQ(r.describe(),
              "administrator, enforcement client (0x00013701), health agent (any id)");
}

TEST(AgentdAccess, NoRoleForStrangers) {
    const AccessPolicy p = policy();
    const PeerRoles r = roles_for(p, peer(4000, 4000, {4001, 4002}));
    EXPECT_FALSE(r.has_any_role());
    EXPECT_FALSE(r.may_bind_ec(0x13701));
    EXPECT_FALSE(r.may_bind_sha(1));
    EXPECT_EQ(r.describe(), "no role");
}

TEST(AgentdAccess, AnEmptyPolicyGrantsNothingEvenToRoot) {
    const PeerRoles r = roles_for(AccessPolicy{}, peer(0, 0));
    EXPECT_FALSE(r.has_any_role());
}

// The example of docs/napagent.md ("Access rules"), and what the text there says it means.
TEST(AgentdAccess, DocsExample) {
    const MapNameResolver names({{"root", 0}, {"nap-dhcp", 101}, {"nap-vpn", 102}},
                                {{"nap-admin", 200}, {"nap-sha", 201}});
    auto r = parse_config(R"(
[access]
administrators = { users = ["root"], groups = ["nap-admin"] }

[[access.enforcement_client]]
users = ["nap-dhcp"]
ids = [0x00013701]

[[access.enforcement_client]]
users = ["nap-vpn"]
ids = [0x00013702]

[[access.health_agent]]
groups = ["nap-sha"]
ids = "*"

[[access.health_agent]]
users = [990]
ids = [0x00A1B201]
)",
                          "docs", names);
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    const AccessPolicy& p = r->access;

    const PeerRoles dhcp = roles_for(p, peer(101, 101));
    EXPECT_EQ(dhcp.describe(), "enforcement client (0x00013701)");
    const PeerRoles vpn = roles_for(p, peer(102, 102, {201}));
    EXPECT_TRUE(vpn.may_bind_ec(0x13702));
    EXPECT_FALSE(vpn.may_bind_ec(0x13701));
    EXPECT_TRUE(vpn.may_bind_sha(0x12345678));
    EXPECT_EQ(vpn.describe(), "enforcement client (0x00013702), health agent (any id)");
    const PeerRoles vendor = roles_for(p, peer(990, 990));
    EXPECT_EQ(vendor.describe(), "health agent (0x00A1B201)");
    EXPECT_TRUE(roles_for(p, peer(1000, 1000, {200})).administrator);
    EXPECT_FALSE(roles_for(p, peer(1000, 1000)).has_any_role());
}

TEST(AgentdNames, MapResolver) {
    const MapNameResolver names({{"alice", 1000}}, {{"staff", 50}});
    EXPECT_EQ(names.user_id("alice").value(), std::optional<uid_t>(1000));
    EXPECT_EQ(names.user_id("staff").value(), std::nullopt);
    EXPECT_EQ(names.group_id("staff").value(), std::optional<gid_t>(50));
    EXPECT_EQ(names.group_id("alice").value(), std::nullopt);
}

TEST(AgentdNames, SystemResolver) {
    const SystemNameResolver names;
    auto root = names.user_id("root");
    ASSERT_TRUE(root.has_value()) << root.error();
    EXPECT_EQ(*root, std::optional<uid_t>(0));
    auto root_group = names.group_id("root");
    ASSERT_TRUE(root_group.has_value()) << root_group.error();
    EXPECT_EQ(*root_group, std::optional<gid_t>(0));
    auto none = names.user_id("opennap-no-such-user-x9");
    ASSERT_TRUE(none.has_value()) << none.error();
    EXPECT_EQ(*none, std::nullopt);
    auto nul = names.group_id(std::string_view("root\0x", 6));
    ASSERT_TRUE(nul.has_value());
    EXPECT_EQ(*nul, std::nullopt);
}

}  // namespace
