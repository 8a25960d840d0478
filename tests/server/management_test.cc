// INapServerManagement / INapServerInfo in C++ (nap-api.md §14.4-14.5): ShvHost's registry and
// the ServerManagement / ServerInfo handles, every documented code and the ones OpenNAP adds.
#include "harness.h"

#include "opennap/server/server_info.h"
#include "opennap/server/server_management.h"

namespace opennap::server::test {
namespace {

TEST(ServerManagementTest, RegisterListsTheShvWithItsClsidAndDate) {
    auto host = std::make_shared<ShvHost>();
    ServerManagement mgmt(host);
    const FileTime before = FileTime::now();
    ASSERT_EQ(mgmt.register_system_health_validator(reg(kShvB, sync_shv())), hr::S_OK);
    ASSERT_EQ(mgmt.register_system_health_validator(reg(kShvA, sync_shv(), CallMode::Pool)),
              hr::S_OK);
    ServerInfo info(host);
    auto listed = info.registered_system_health_validators();
    ASSERT_EQ(listed.size(), 2u);
    EXPECT_EQ(listed[0].info.id, kShvA) << "ascending id order";
    EXPECT_EQ(listed[1].info.id, kShvB);
    EXPECT_EQ(listed[0].info.friendly_name, u"test SHV");
    EXPECT_EQ(listed[0].info.vendor_name, u"OpenNAP");
    EXPECT_EQ(listed[0].validator_clsid, reg(kShvA, nullptr).validator_clsid);
    EXPECT_EQ(listed[0].call_mode, CallMode::Pool);
    EXPECT_EQ(listed[1].call_mode, CallMode::Inline);
    EXPECT_TRUE(listed[0].loaded);
    EXPECT_GE(listed[0].info.registration_date, before) << "set by the host";
}

TEST(ServerManagementTest, RegisterIgnoresTheGivenRegistrationDate) {
    ShvHost host;
    auto r = reg(kShvA, sync_shv());
    r.info.registration_date = FileTime{1};
    ASSERT_EQ(host.register_validator(std::move(r)), hr::S_OK);
    EXPECT_NE(host.registered_validators()[0].info.registration_date, FileTime{1});
}

TEST(ServerManagementTest, RegisterTheSameIdTwiceIsConflictingId) {
    ShvHost host;
    auto first = sync_shv();
    ASSERT_EQ(host.register_validator(reg(kShvA, first)), hr::S_OK);
    int created = 0;
    auto r = reg(kShvA, sync_shv());
    r.factory = [&]() -> Result<std::shared_ptr<SystemHealthValidator>> {
        ++created;
        return sync_shv();
    };
    EXPECT_EQ(host.register_validator(std::move(r)), hr::NAP_E_CONFLICTING_ID);
    EXPECT_EQ(created, 0) << "nothing created for a conflicting id";
    ASSERT_EQ(host.registered_validators().size(), 1u);
    Collector c;
    ASSERT_EQ(host.validate(input_of(ssoh({entry(kShvA, 1)})), c.handler()), hr::S_OK);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(first->calls.load(), 1) << "the first registration stands";
}

TEST(ServerManagementTest, RegisterRejectsInvalidArguments) {
    ShvHost host;
    auto no_factory = reg(kShvA, sync_shv());
    no_factory.factory = nullptr;
    EXPECT_EQ(host.register_validator(std::move(no_factory)), hr::E_INVALIDARG);
    EXPECT_EQ(host.register_validator(reg(0, sync_shv())), hr::E_INVALIDARG);
    auto long_name = reg(kShvA, sync_shv());
    long_name.info.friendly_name = std::u16string(maxStringLength + 1, u'x');
    EXPECT_EQ(host.register_validator(std::move(long_name)), hr::E_INVALIDARG);
    auto ok_name = reg(kShvA, sync_shv());
    ok_name.info.description = std::u16string(maxStringLength, u'x');
    EXPECT_EQ(host.register_validator(std::move(ok_name)), hr::S_OK);
    EXPECT_EQ(host.registered_validators().size(), 1u);
}

TEST(ServerManagementTest, RegisterBeyondTheQuotaIsOutOfMemory) {
    ShvHost host;
    for (SystemHealthEntityId i = 1; i <= maxSystemHealthEntityCount; ++i)
        ASSERT_EQ(host.register_validator(reg(0x00013700 + i, sync_shv())), hr::S_OK) << i;
    EXPECT_EQ(host.register_validator(reg(0x000137FF, sync_shv())), hr::E_OUTOFMEMORY);
    EXPECT_EQ(host.registered_validators().size(), maxSystemHealthEntityCount);
    ShvHost small(opts([](ShvHostOptions& o) { o.max_validators = 1; }));
    ASSERT_EQ(small.register_validator(reg(kShvA, sync_shv())), hr::S_OK);
    EXPECT_EQ(small.register_validator(reg(kShvB, sync_shv())), hr::E_OUTOFMEMORY);
    ASSERT_EQ(small.unregister_validator(kShvA), hr::S_OK);
    EXPECT_EQ(small.register_validator(reg(kShvB, sync_shv())), hr::S_OK);
}

TEST(ServerManagementTest, RegistryAllocationFailureIsOutOfMemoryAndRegistersNothing) {
    bool fail = true;
    ShvHost host(opts([&](ShvHostOptions& o) {
        o.fail_allocation = [&](std::string_view site) { return fail && site == "registry"; };
    }));
    EXPECT_EQ(host.register_validator(reg(kShvA, sync_shv())), hr::E_OUTOFMEMORY);
    EXPECT_TRUE(host.registered_validators().empty());
    fail = false;
    EXPECT_EQ(host.register_validator(reg(kShvA, sync_shv())), hr::S_OK);
}

TEST(ServerManagementTest, AFactoryThatFailsRegistersNothing) {
    ShvHost host;
    auto r = reg(kShvA, nullptr);
    r.factory = []() -> Result<std::shared_ptr<SystemHealthValidator>> {
        return fail(hr::E_ACCESSDENIED);
    };
    EXPECT_EQ(host.register_validator(std::move(r)), hr::E_ACCESSDENIED);
    auto null = reg(kShvA, nullptr);
    EXPECT_EQ(host.register_validator(std::move(null)), hr::E_POINTER) << "factory gave null";
    auto throws = reg(kShvA, nullptr);
    throws.factory = []() -> Result<std::shared_ptr<SystemHealthValidator>> {
        throw std::runtime_error("no");
    };
    EXPECT_EQ(host.register_validator(std::move(throws)), hr::E_FAIL);
    EXPECT_TRUE(host.registered_validators().empty());
}

TEST(ServerManagementTest, UnregisterUnknownIdIsIdNotFound) {
    ShvHost host;
    EXPECT_EQ(host.unregister_validator(kShvA), hr::NAP_E_ID_NOT_FOUND);
    ASSERT_EQ(host.register_validator(reg(kShvA, sync_shv())), hr::S_OK);
    EXPECT_EQ(host.unregister_validator(kShvA), hr::S_OK);
    EXPECT_EQ(host.unregister_validator(kShvA), hr::NAP_E_ID_NOT_FOUND);
    EXPECT_TRUE(host.registered_validators().empty());
}

TEST(ServerManagementTest, UnregisteredShvIsNoLongerValidated) {
    ManualHost h;
    auto a = sync_shv();
    ASSERT_EQ(h.host->register_validator(reg(kShvA, a)), hr::S_OK);
    ASSERT_EQ(h.host->unregister_validator(kShvA), hr::S_OK);
    Collector c;
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1)})), c.handler()), hr::S_OK);
    ASSERT_TRUE(c.done());
    EXPECT_TRUE(c.result().outcomes.empty());
    EXPECT_EQ(a->calls.load(), 0);
}

TEST(ServerManagementTest, FailureCategoryMappingsSetAndGet) {
    auto host = std::make_shared<ShvHost>();
    ServerManagement mgmt(host);
    ServerInfo info(host);
    ASSERT_EQ(host->register_validator(reg(kShvA, sync_shv())), hr::S_OK);
    auto m = info.failure_category_mappings(kShvA);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(*m, FailureCategoryMapping{}) << "default: every category non-compliant";
    FailureCategoryMapping set;
    set.mapping_compliance = {true, false, true, false, true};
    EXPECT_EQ(mgmt.set_failure_category_mappings(kShvA, set), hr::S_OK);
    EXPECT_EQ(*info.failure_category_mappings(kShvA), set);
    EXPECT_EQ(mgmt.set_failure_category_mappings(kShvB, set), hr::NAP_E_ID_NOT_FOUND);
    auto missing = info.failure_category_mappings(kShvB);
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error(), hr::NAP_E_ID_NOT_FOUND);
    // A registration can bring its mapping.
    auto r = reg(kShvB, sync_shv());
    r.mapping = set;
    ASSERT_EQ(host->register_validator(std::move(r)), hr::S_OK);
    EXPECT_EQ(*info.failure_category_mappings(kShvB), set);
}

TEST(ServerManagementTest, ReadOnlyHandleIsAccessDeniedAndChangesNothing) {
    auto host = std::make_shared<ShvHost>();
    ASSERT_EQ(host->register_validator(reg(kShvA, sync_shv())), hr::S_OK);
    ServerManagement ro(host, Access::ReadOnly);
    EXPECT_EQ(ro.access(), Access::ReadOnly);
    EXPECT_EQ(ro.register_system_health_validator(reg(kShvB, sync_shv())), hr::E_ACCESSDENIED);
    EXPECT_EQ(ro.unregister_system_health_validator(kShvA), hr::E_ACCESSDENIED);
    FailureCategoryMapping all;
    all.mapping_compliance.fill(true);
    EXPECT_EQ(ro.set_failure_category_mappings(kShvA, all), hr::E_ACCESSDENIED);
    ASSERT_EQ(host->registered_validators().size(), 1u);
    EXPECT_EQ(*host->failure_category_mapping(kShvA), FailureCategoryMapping{});
    ServerManagement rw(host);
    EXPECT_EQ(rw.access(), Access::ReadWrite);
}

TEST(ServerInfoTest, NapServerInfoComesFromTheOptions) {
    auto host = std::make_shared<ShvHost>();
    ServerInfo info(host);
    const NapServerInfo d = info.nap_server_info();
    EXPECT_EQ(d.server_name, u"OpenNAP");
    EXPECT_EQ(d.server_description, u"OpenNAP health policy server (SHV host)");
    EXPECT_EQ(d.protocol_version, u"1.0");
    auto custom = std::make_shared<ShvHost>(opts([](ShvHostOptions& o) {
        o.info = NapServerInfo{u"nps1", u"the lab server", u"1.0"};
    }));
    EXPECT_EQ(ServerInfo(custom).nap_server_info(),
              (NapServerInfo{u"nps1", u"the lab server", u"1.0"}));
    EXPECT_TRUE(info.registered_system_health_validators().empty());
}

}  // namespace
}  // namespace opennap::server::test
