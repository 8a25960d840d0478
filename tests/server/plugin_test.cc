// SHV plug-ins loaded in this process (plugin.h, shv_plugin.h): the sample C plug-in validates
// through the host synchronously and asynchronously, and every load error is typed and names the
// file.
#include "harness.h"

#include <filesystem>
#include <fstream>

#include "opennap/server/plugin.h"

namespace opennap::server::test {
namespace {

std::vector<std::uint8_t> text(std::string_view s) {
    return {s.begin(), s.end()};
}

ValidatorRegistration plugin_reg(const std::shared_ptr<ShvPlugin>& p, std::string_view config,
                                 CallMode mode = CallMode::Pool) {
    ValidatorRegistration r = reg(kShvA, nullptr, mode);
    r.factory = p->factory(text(config));
    return r;
}

TEST(ShvPluginTest, LoadsTheSamplePluginAndReportsItsTable) {
    auto p = ShvPlugin::load(OPENNAP_TEST_PLUGIN_SAMPLE);
    ASSERT_TRUE(p.has_value()) << p.error().message();
    EXPECT_EQ((*p)->name(), "sample C plug-in");
    EXPECT_EQ((*p)->shv_id(), kShvA);
    EXPECT_EQ((*p)->path(), OPENNAP_TEST_PLUGIN_SAMPLE);
}

TEST(ShvPluginTest, SynchronousPluginValidatesThroughTheHost) {
    auto p = ShvPlugin::load(OPENNAP_TEST_PLUGIN_SAMPLE);
    ASSERT_TRUE(p.has_value());
    for (CallMode mode : {CallMode::Inline, CallMode::Pool}) {
        ManualHost h;
        ASSERT_EQ(h.host->register_validator(plugin_reg(*p, "sync", mode)), hr::S_OK);
        for (std::uint8_t firewall : {std::uint8_t{0}, std::uint8_t{1}}) {
            Collector c;
            ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, firewall)})), c.handler()),
                      hr::S_OK);
            ASSERT_TRUE(c.wait());
            const ShvOutcome& o = c.outcome(kShvA);
            EXPECT_EQ(o.kind, OutcomeKind::Responded);
            EXPECT_EQ(o.verdict, firewall ? Verdict::Compliant : Verdict::NonCompliant);
            EXPECT_EQ(o.response, codes_response(kShvA, {firewall ? 0u : 0x80270050u}));
        }
        Collector missing;
        ASSERT_EQ(h.host->validate(input_of(ssoh({})), missing.handler()), hr::S_OK);
        ASSERT_TRUE(missing.wait());
        EXPECT_EQ(missing.outcome(kShvA).compliance_codes, ResultCodes{hr::NAP_E_MISSING_SOH});
    }
}

TEST(ShvPluginTest, AsynchronousPluginCompletesFromItsThread) {
    auto p = ShvPlugin::load(OPENNAP_TEST_PLUGIN_SAMPLE);
    ASSERT_TRUE(p.has_value());
    ShvHost host;
    ASSERT_EQ(host.register_validator(plugin_reg(*p, "async")), hr::S_OK);
    std::vector<std::unique_ptr<Collector>> cs;
    for (int i = 0; i < 20; ++i) {
        cs.push_back(std::make_unique<Collector>());
        ASSERT_EQ(host.validate(input_of(ssoh({entry(kShvA, 1)})), cs.back()->handler()), hr::S_OK);
    }
    for (auto& c : cs) {
        ASSERT_TRUE(c->wait());
        EXPECT_EQ(c->outcome(kShvA).verdict, Verdict::Compliant);
    }
}

TEST(ShvPluginTest, NeverCompletingPluginTimesOutAndIsDestroyedCleanly) {
    auto p = ShvPlugin::load(OPENNAP_TEST_PLUGIN_SAMPLE);
    ASSERT_TRUE(p.has_value());
    ManualHost h;
    ASSERT_EQ(h.host->register_validator(plugin_reg(*p, "never")), hr::S_OK);
    Collector c;
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1)})), c.handler()), hr::S_OK);
    ASSERT_TRUE(eventually([&] { return h.clock->pending() == 1; }));
    std::this_thread::sleep_for(20ms);  // let the worker enter and leave validate()
    h.clock->advance(2000ms);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.outcome(kShvA).kind, OutcomeKind::TimedOut);
    // Unregistering destroys the instance; the host frees the call it never completed (ASan
    // checks that nothing leaks).
    EXPECT_EQ(h.host->unregister_validator(kShvA), hr::S_OK);
}

TEST(ShvPluginTest, ServerUnavailableRecreatesThroughCreate) {
    auto p = ShvPlugin::load(OPENNAP_TEST_PLUGIN_SAMPLE);
    ASSERT_TRUE(p.has_value());
    ManualHost h;
    ASSERT_EQ(h.host->register_validator(plugin_reg(*p, "gone")), hr::S_OK);
    Collector c;
    ASSERT_EQ(h.host->validate(input_of(ssoh({entry(kShvA, 1)})), c.handler()), hr::S_OK);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.outcome(kShvA).kind, OutcomeKind::Unavailable) << "every instance says gone";
    EXPECT_TRUE(c.outcome(kShvA).recreated);
}

TEST(ShvPluginTest, CreateFailureIsTypedAndRefusesTheRegistration) {
    auto p = ShvPlugin::load(OPENNAP_TEST_PLUGIN_SAMPLE);
    ASSERT_TRUE(p.has_value());
    auto v = (*p)->create(text("fail-create"));
    ASSERT_FALSE(v.has_value());
    EXPECT_EQ(v.error().kind, PluginError::Kind::Create);
    EXPECT_EQ(v.error().hr, hr::E_ACCESSDENIED);
    EXPECT_EQ(v.error().file, OPENNAP_TEST_PLUGIN_SAMPLE);
    EXPECT_NE(v.error().message().find("create() failed: E_ACCESSDENIED"), std::string::npos)
        << v.error().message();
    ShvHost host;
    EXPECT_EQ(host.register_validator(plugin_reg(*p, "fail-create")), hr::E_ACCESSDENIED);
}

struct BadCase {
    const char* path;
    PluginError::Kind kind;
    const char* words;
};

TEST(ShvPluginTest, LoadErrorsAreTypedAndNameTheFile) {
    const BadCase cases[] = {
        {OPENNAP_TEST_PLUGIN_NO_ENTRY, PluginError::Kind::MissingSymbol,
         "missing symbol opennap_shv_plugin_entry"},
        {OPENNAP_TEST_PLUGIN_BAD_VERSION, PluginError::Kind::VersionMismatch,
         "ABI version mismatch: plug-in version 99, host version 1"},
        {OPENNAP_TEST_PLUGIN_REFUSES, PluginError::Kind::VersionMismatch,
         "ABI version mismatch: the plug-in refused host ABI version 1"},
        {OPENNAP_TEST_PLUGIN_BAD_TABLE, PluginError::Kind::BadTable,
         "bad function table: name, create, validate and destroy must not be NULL"},
    };
    for (const BadCase& c : cases) {
        auto p = ShvPlugin::load(c.path);
        ASSERT_FALSE(p.has_value()) << c.path;
        EXPECT_EQ(p.error().kind, c.kind) << c.path;
        EXPECT_EQ(p.error().file, c.path);
        EXPECT_EQ(p.error().message(), std::string("SHV plug-in ") + c.path + ": " + c.words);
    }
}

TEST(ShvPluginTest, MissingFileAndNotALibrary) {
    auto missing = ShvPlugin::load("/nonexistent/plugin.so");
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().kind, PluginError::Kind::Open);
    EXPECT_EQ(missing.error().hr, hr::ERROR_FILE_NOT_FOUND);
    EXPECT_EQ(missing.error().message(),
              "SHV plug-in /nonexistent/plugin.so: cannot load: no such file");
    const auto junk = std::filesystem::temp_directory_path() / "opennap-not-a-plugin.so";
    std::ofstream(junk) << "not an ELF file";
    auto bad = ShvPlugin::load(junk.string());
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().kind, PluginError::Kind::Open);
    EXPECT_EQ(bad.error().file, junk.string());
    EXPECT_NE(bad.error().message().find("cannot load: "), std::string::npos);
    std::filesystem::remove(junk);
}

TEST(ShvPluginTest, KindNames) {
    EXPECT_EQ(to_string(PluginError::Kind::Open), "open");
    EXPECT_EQ(to_string(PluginError::Kind::MissingSymbol), "missing-symbol");
    EXPECT_EQ(to_string(PluginError::Kind::VersionMismatch), "version-mismatch");
    EXPECT_EQ(to_string(PluginError::Kind::BadTable), "bad-table");
    EXPECT_EQ(to_string(PluginError::Kind::Create), "create");
    EXPECT_EQ(to_string(PluginError::Kind::Helper), "helper");
}

}  // namespace
}  // namespace opennap::server::test
