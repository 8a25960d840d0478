// Initialize (EC and SHA bindings) when the agent cannot allocate the binding (fault site
// "binding"): E_OUTOFMEMORY, nothing bound, and the id can be bound once memory is back.
#include "harness.h"

namespace opennap::agent::test {
namespace {

TEST_F(AgentTest, EcInitializeAllocationFailureIsOutOfMemoryAndBindsNothing) {
    *failing_site = "binding";
    auto b = EnforcementClientBinding::initialize(agent, kEcA, std::make_shared<TestEc>());
    ASSERT_FALSE(b);
    EXPECT_EQ(b.error(), hr::E_OUTOFMEMORY);
    for (const auto& s : agent->ec_status()) {
        EXPECT_FALSE(s.bound) << s.info.id;
    }
    failing_site->clear();
    EXPECT_TRUE(EnforcementClientBinding::initialize(agent, kEcA, std::make_shared<TestEc>()));
}

TEST_F(AgentTest, ShaInitializeAllocationFailureIsOutOfMemoryAndBindsNothing) {
    *failing_site = "binding";
    auto sha = std::make_shared<TestSha>(kSha1);
    auto b = HealthAgentBinding::initialize(agent, kSha1, sha);
    ASSERT_FALSE(b);
    EXPECT_EQ(b.error(), hr::E_OUTOFMEMORY);
    EXPECT_EQ(sha.use_count(), 1) << "no reference kept";
    failing_site->clear();
    EXPECT_TRUE(HealthAgentBinding::initialize(agent, kSha1, sha));
}

}  // namespace
}  // namespace opennap::agent::test
