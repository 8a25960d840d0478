// SHV plug-ins in the opennap-shvhost helper process (isolated_plugin.h): validation over the
// socket pair, typed start errors, and crash isolation: a plug-in that segfaults or exits takes
// only its helper down; the host re-creates it once and unloads it when it crashes again.
#include "harness.h"

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "opennap/server/isolated_plugin.h"

namespace opennap::server::test {
namespace {

IsolatedPluginOptions options(std::string_view config,
                              const char* plugin = OPENNAP_TEST_PLUGIN_SAMPLE) {
    IsolatedPluginOptions o;
    o.helper_path = OPENNAP_SHVHOST_HELPER_PATH;
    o.plugin_path = plugin;
    o.config.assign(config.begin(), config.end());
    return o;
}

ValidatorRegistration isolated_reg(std::string_view config) {
    ValidatorRegistration r = reg(kShvA, nullptr, CallMode::Inline);
    r.factory = isolated_plugin_factory(options(config));
    return r;
}

TEST(IsolatedPluginTest, ValidatesInTheHelperProcess) {
    for (std::string_view config : {"sync", "async"}) {
        ShvHost host;
        ASSERT_EQ(host.register_validator(isolated_reg(config)), hr::S_OK) << config;
        for (std::uint8_t firewall : {std::uint8_t{1}, std::uint8_t{0}}) {
            Collector c;
            ASSERT_EQ(host.validate(input_of(ssoh({entry(kShvA, firewall)})), c.handler()),
                      hr::S_OK);
            ASSERT_TRUE(c.wait());
            const ShvOutcome& o = c.outcome(kShvA);
            EXPECT_EQ(o.kind, OutcomeKind::Responded) << config;
            EXPECT_EQ(o.response, codes_response(kShvA, {firewall ? 0u : 0x80270050u}));
        }
        Collector missing;
        ASSERT_EQ(host.validate(input_of(ssoh({})), missing.handler()), hr::S_OK);
        ASSERT_TRUE(missing.wait());
        EXPECT_EQ(missing.outcome(kShvA).compliance_codes, ResultCodes{hr::NAP_E_MISSING_SOH});
    }
}

TEST(IsolatedPluginTest, ManyConcurrentValidations) {
    ShvHost host;
    ASSERT_EQ(host.register_validator(isolated_reg("async")), hr::S_OK);
    std::atomic<int> ok{0};
    std::atomic<int> done{0};
    for (int i = 0; i < 200; ++i) {
        ASSERT_EQ(host.validate(input_of(ssoh({entry(kShvA, 1)})),
                                [&](ValidationResult&& r) {
                                    if (r.outcomes.at(0).verdict == Verdict::Compliant)
                                        ++ok;
                                    ++done;
                                }),
                  hr::S_OK);
    }
    ASSERT_TRUE(eventually([&] { return done.load() == 200; }, 20s));
    EXPECT_EQ(ok.load(), 200);
}

TEST(IsolatedPluginTest, ASegfaultingPluginTakesOnlyItsHelperDown) {
    ShvHost host;
    ASSERT_EQ(host.register_validator(isolated_reg("crash")), hr::S_OK);
    ASSERT_EQ(host.register_validator(reg(kShvB, sync_shv(0))), hr::S_OK);
    Collector c;
    ASSERT_EQ(host.validate(input_of(ssoh({entry(kShvA, 1), entry(kShvB, 1)})), c.handler()),
              hr::S_OK);
    ASSERT_TRUE(c.wait(10s));
    const ShvOutcome& o = c.outcome(kShvA);
    EXPECT_EQ(o.kind, OutcomeKind::Unavailable) << "crashed, re-created, crashed again";
    EXPECT_TRUE(o.recreated);
    EXPECT_EQ(o.result, hr::RPC_S_SERVER_UNAVAILABLE);
    EXPECT_EQ(o.failure_category, FailureCategory::ServerComponent);
    EXPECT_EQ(c.outcome(kShvB).kind, OutcomeKind::Responded) << "this process lives on";
    EXPECT_FALSE(host.registered_validators().at(0).loaded);
}

TEST(IsolatedPluginTest, APluginThatCrashesOnceIsRecreatedAndAnswers) {
    const auto marker = std::filesystem::temp_directory_path() /
                        ("opennap-crash-once-" + std::to_string(::getpid()));
    std::filesystem::remove(marker);
    ShvHost host;
    ASSERT_EQ(host.register_validator(isolated_reg("crash-once:" + marker.string())), hr::S_OK);
    Collector c;
    ASSERT_EQ(host.validate(input_of(ssoh({entry(kShvA, 1)})), c.handler()), hr::S_OK);
    ASSERT_TRUE(c.wait(10s));
    EXPECT_EQ(c.outcome(kShvA).kind, OutcomeKind::Responded);
    EXPECT_TRUE(c.outcome(kShvA).recreated);
    EXPECT_TRUE(host.registered_validators().at(0).loaded);
    std::filesystem::remove(marker);
}

TEST(IsolatedPluginTest, APluginThatExitsIsServerUnavailable) {
    auto v = start_isolated_plugin(options("exit"));
    ASSERT_TRUE(v.has_value()) << v.error().message();
    ManualHost h;
    ValidatorRegistration r = reg(kShvA, *v);
    ASSERT_EQ(h.host->register_validator(std::move(r)), hr::S_OK);
    Collector c;
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1)})), c.handler()), hr::S_OK);
    ASSERT_TRUE(c.wait(10s));
    // The factory hands out the same dead instance: re-creation cannot help.
    EXPECT_EQ(c.outcome(kShvA).kind, OutcomeKind::Unavailable);
    EXPECT_EQ(c.outcome(kShvA).result, hr::RPC_S_SERVER_UNAVAILABLE);
}

TEST(IsolatedPluginTest, LoadErrorsComeBackTypedFromTheHelper) {
    auto missing = start_isolated_plugin(options("", "/nonexistent/x.so"));
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().kind, PluginError::Kind::Open);
    EXPECT_EQ(missing.error().file, "/nonexistent/x.so");
    EXPECT_EQ(missing.error().hr, hr::ERROR_FILE_NOT_FOUND);
    auto no_entry = start_isolated_plugin(options("", OPENNAP_TEST_PLUGIN_NO_ENTRY));
    ASSERT_FALSE(no_entry.has_value());
    EXPECT_EQ(no_entry.error().kind, PluginError::Kind::MissingSymbol);
    EXPECT_EQ(no_entry.error().message(), std::string("SHV plug-in ") +
                                              OPENNAP_TEST_PLUGIN_NO_ENTRY +
                                              ": missing symbol opennap_shv_plugin_entry");
    auto version = start_isolated_plugin(options("", OPENNAP_TEST_PLUGIN_BAD_VERSION));
    ASSERT_FALSE(version.has_value());
    EXPECT_EQ(version.error().kind, PluginError::Kind::VersionMismatch);
    auto create = start_isolated_plugin(options("fail-create"));
    ASSERT_FALSE(create.has_value());
    EXPECT_EQ(create.error().kind, PluginError::Kind::Create);
    EXPECT_EQ(create.error().hr, hr::E_ACCESSDENIED);
    ShvHost host;
    EXPECT_EQ(host.register_validator(isolated_reg("fail-create")), hr::E_ACCESSDENIED);
}

TEST(IsolatedPluginTest, HelperErrors) {
    IsolatedPluginOptions o = options("sync");
    o.helper_path = "/nonexistent/opennap-shvhost";
    auto v = start_isolated_plugin(o);
    ASSERT_FALSE(v.has_value());
    EXPECT_EQ(v.error().kind, PluginError::Kind::Helper);
    EXPECT_EQ(v.error().file, "/nonexistent/opennap-shvhost");
    EXPECT_NE(v.error().message().find("cannot start: No such file or directory"),
              std::string::npos)
        << v.error().message();
    // A "helper" that ends at once without reporting.
    o.helper_path = "/bin/true";
    v = start_isolated_plugin(o);
    ASSERT_FALSE(v.has_value());
    EXPECT_EQ(v.error().kind, PluginError::Kind::Helper);
    // Depending on how fast it ends: before or after the host sent the configuration.
    EXPECT_TRUE(v.error().message().find("ended before reporting") != std::string::npos ||
                v.error().message().find("cannot send the configuration") != std::string::npos)
        << v.error().message();
    EXPECT_NE(v.error().message().find("exited with status 0"), std::string::npos)
        << v.error().message();
    // One that never answers: a script that sleeps.
    const auto script = std::filesystem::temp_directory_path() /
                        ("opennap-silent-helper-" + std::to_string(::getpid()));
    {
        std::ofstream f(script);
        f << "#!/bin/sh\nexec sleep 30\n";
    }
    std::filesystem::permissions(script, std::filesystem::perms::owner_all);
    o.helper_path = script.string();
    o.start_timeout = 100ms;
    const auto start = std::chrono::steady_clock::now();
    v = start_isolated_plugin(o);
    ASSERT_FALSE(v.has_value());
    EXPECT_EQ(v.error().kind, PluginError::Kind::Helper);
    EXPECT_NE(v.error().message().find("no answer within 100 ms"), std::string::npos)
        << v.error().message();
    EXPECT_NE(v.error().message().find("killed by the host"), std::string::npos)
        << v.error().message();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    std::filesystem::remove(script);
}

TEST(IsolatedPluginTest, DefaultHelperPath) {
    ::setenv("OPENNAP_SHVHOST_HELPER", "/opt/x/opennap-shvhost", 1);
    EXPECT_EQ(default_helper_path(), "/opt/x/opennap-shvhost");
    ::unsetenv("OPENNAP_SHVHOST_HELPER");
    EXPECT_NE(default_helper_path().find("libexec/opennap/opennap-shvhost"), std::string::npos);
}

TEST(IsolatedPluginTest, UnregisterStopsTheHelper) {
    auto v = start_isolated_plugin(options("never"));
    ASSERT_TRUE(v.has_value()) << v.error().message();
    std::weak_ptr<SystemHealthValidator> weak = *v;
    ManualHost h;
    ASSERT_EQ(h.host->register_validator(reg(kShvA, std::move(*v))), hr::S_OK);
    Collector c;
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1)})), c.handler()), hr::S_OK);
    ASSERT_EQ(h.host->unregister_validator(kShvA), hr::S_OK);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.outcome(kShvA).kind, OutcomeKind::Discarded);
    EXPECT_TRUE(eventually([&] { return weak.expired(); })) << "the helper was stopped";
}

}  // namespace
}  // namespace opennap::server::test
