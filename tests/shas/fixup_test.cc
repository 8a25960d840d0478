// napsha's fix-ups (shas/health_agents.h): an SoH response that asks for newer signatures or
// updates starts the fix-up through systemd -- only when the server sets shaFixup and
// [checks.fixup] enables it -- and GetFixupInfo reports its progress. systemd is the stand-in
// service on a private D-Bus (tests/checks/fake_bus.h); the fix-up runner's sd-bus code is real.
#include <gtest/gtest.h>

#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "checks/fake_bus.h"
#include "opennap/agent/sha_request.h"
#include "opennap/shas/health_agents.h"
#include "opennap/soh/nap_soh.h"
#include "opennap/soh/wsha.h"

namespace opennap::shas {
namespace {

namespace wsha = soh::wsha;

constexpr std::uint32_t kSc = 0x007ED901;
constexpr std::uint32_t kLx = 0x007ED902;

// The security-center part of an SoH response: one class with one compliance code.
SoH response(wsha::HealthClass cls, std::uint32_t code) {
    wsha::SohrEntry e;
    e.classes.push_back(wsha::ClassResult{cls, {code}, std::nullopt});
    soh::ReportEntry r = wsha::build_sohr_entry(e);
    r.id = kSc;
    return soh::to_soh(r);
}

class ShaFixupTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!checks::test::have("dbus-daemon")) {
            GTEST_SKIP() << "dbus-daemon not installed";
        }
        bus_ = std::make_unique<checks::test::PrivateBus>();
        ASSERT_TRUE(bus_->ok()) << "dbus-daemon did not start";
        fake_ = std::make_unique<checks::test::FakeServices>(bus_->address());
        ASSERT_TRUE(fake_->ready());
        fake_->set_unit("apt-daily.service", {});
        fake_->set_unit("clamav-freshclam.service", {"loaded", "active", "running", "enabled"});
    }
    void TearDown() override {
        agents_.reset();
        fake_.reset();
        bus_.reset();
    }
    HealthAgents& agents(bool enabled) {
        checks::FixupOptions opt;
        opt.enabled = enabled;
        agents_ = std::make_unique<HealthAgents>(
            ShaOptions{kSc, kLx, "1.0", {}},
            std::make_unique<checks::FixupRunner>(opt, bus_->address()),
            [this](LogLevel, const std::string& m) { log_.push_back(m); });
        return *agents_;
    }
    bool logged(const std::string& part) const {
        for (const auto& l : log_) {
            if (l.find(part) != std::string::npos)
                return true;
        }
        return false;
    }

    std::unique_ptr<checks::test::PrivateBus> bus_;
    std::unique_ptr<checks::test::FakeServices> fake_;
    std::unique_ptr<HealthAgents> agents_;
    std::vector<std::string> log_;
};

TEST_F(ShaFixupTest, OldSignaturesStartFreshclamAndGetFixupInfoFollowsTheJob) {
    HealthAgents& a = agents(true);
    ASSERT_EQ(a.process_response(Which::SecurityCenter,
                                 response(wsha::HealthClass::Antivirus,
                                          wsha::compliance::kThirdPartyProductNotUpToDate),
                                 shaFixup),
              hr::S_OK);
    EXPECT_FALSE(a.decision(Which::SecurityCenter).compliant);
    ASSERT_FALSE(fake_->calls().empty());
    EXPECT_EQ(fake_->calls().back(), "RestartUnit clamav-freshclam.service replace");
    EXPECT_TRUE(logged("fix-up started")) << testing::PrintToString(log_);

    auto info = a.fixup_info();
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->state, FixupState::InProgress);
    EXPECT_EQ(info->percentage, 10);
    const std::uint32_t job = fake_->last_job();
    fake_->set_job_state(job, "running");
    EXPECT_EQ(a.fixup_info()->percentage, 50);
    fake_->finish_job(job, "done");
    for (int k = 0; k < 2000 && a.fixup_info()->state == FixupState::InProgress; ++k) {
        ::usleep(5000);
    }
    info = a.fixup_info();
    EXPECT_EQ(info->state, FixupState::Success);
    EXPECT_EQ(info->percentage, 100);
}

TEST_F(ShaFixupTest, PendingSecurityUpdatesRefreshThePackageLists) {
    HealthAgents& a = agents(true);
    ASSERT_EQ(a.process_response(Which::SecurityCenter,
                                 response(wsha::HealthClass::SecurityUpdates,
                                          wsha::compliance::kSyncAndInstallUpdates),
                                 shaFixup),
              hr::S_OK);
    ASSERT_FALSE(fake_->calls().empty());
    EXPECT_EQ(fake_->calls().back(), "StartUnit apt-daily.service replace");
    EXPECT_EQ(a.fixup_info()->state, FixupState::InProgress);
}

TEST_F(ShaFixupTest, NothingStartsWithoutShaFixupOrWhenDisabledOrWhenCompliant) {
    HealthAgents& a = agents(true);
    const SoH old =
        response(wsha::HealthClass::Antivirus, wsha::compliance::kThirdPartyProductNotUpToDate);
    // The server did not allow a fix-up.
    ASSERT_EQ(a.process_response(Which::SecurityCenter, old, 0), hr::S_OK);
    // A compliant answer asks for nothing.
    ASSERT_EQ(
        a.process_response(Which::SecurityCenter,
                           response(wsha::HealthClass::Antivirus, wsha::compliance::kOk), shaFixup),
        hr::S_OK);
    EXPECT_TRUE(fake_->calls().empty() ||
                fake_->calls().back().find("RestartUnit") == std::string::npos);
    EXPECT_EQ(a.fixup_info()->state, FixupState::Success);
    EXPECT_EQ(a.fixup_info()->percentage, 0);

    // [checks.fixup] enabled = false (the default): refused, and said so in the log.
    HealthAgents& off = agents(false);
    ASSERT_EQ(off.process_response(Which::SecurityCenter, old, shaFixup), hr::S_OK);
    for (const auto& c : fake_->calls())
        EXPECT_EQ(c.find("RestartUnit"), std::string::npos) << c;
    EXPECT_TRUE(logged("not started")) << testing::PrintToString(log_);
    EXPECT_EQ(off.fixup_info()->state, FixupState::Success);
}

}  // namespace
}  // namespace opennap::shas
