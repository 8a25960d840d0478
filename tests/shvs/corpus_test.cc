// The committed wshv fuzz corpus, replayed: the hand-built seeds give the answers they were built
// for, and every input gets a consistent answer under the default policy.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "opennap/shvs/wshv.h"
#include "opennap/soh/wsha.h"

namespace {

using namespace opennap;
using namespace opennap::shvs::wshv;
using Status = policy::ShvVerdict::Status;

const std::filesystem::path kCorpus =
    std::filesystem::path(OPENNAP_SOURCE_DIR) / "fuzz" / "corpus" / "wshv";

std::vector<std::uint8_t> read(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Result seed(const std::string& name, const Settings& s = {}) {
    const auto bytes = read(kCorpus / name);
    auto view = soh::decode(bytes);
    EXPECT_TRUE(view.has_value()) << name << ": " << view.error().message();
    return view ? validate(s, *view) : Result{};
}

std::vector<std::uint32_t> codes(const Result& r, soh::wsha::HealthClass c) {
    const auto* cr = r.classes.find(c);
    return cr == nullptr ? std::vector<std::uint32_t>{} : cr->codes;
}

TEST(WshvCorpus, HandBuiltSeeds) {
    using soh::wsha::HealthClass;
    // Vista SP1, all products fine, important updates missing, WSUS as the source.
    EXPECT_EQ(seed("healthy-missing-updates-wsus.bin").verdict.status, Status::Compliant);
    Settings enforce;
    enforce.security_updates.required = true;
    EXPECT_EQ(
        codes(seed("healthy-missing-updates-wsus.bin", enforce), HealthClass::SecurityUpdates),
        (std::vector<std::uint32_t>{soh::wsha::compliance::kBadUpdateSourceWuMu, 0x200}));
    enforce.security_updates.allow_wsus = true;
    EXPECT_EQ(
        codes(seed("healthy-missing-updates-wsus.bin", enforce), HealthClass::SecurityUpdates),
        (std::vector<std::uint32_t>{soh::wsha::compliance::kSyncAndInstallUpdates, 0x200}));
    // Windows XP: no antispyware; one of two antivirus products is fine; automatic updates never
    // configured (by policy).
    const Result xp = seed("xp-two-av-products.bin");
    EXPECT_EQ(xp.verdict.status, Status::NonCompliant);
    EXPECT_EQ(xp.classes.find(HealthClass::Antispyware), nullptr);
    EXPECT_EQ(codes(xp, HealthClass::Antivirus), (std::vector<std::uint32_t>{0, 0}));
    EXPECT_EQ(codes(xp, HealthClass::AutomaticUpdates),
              (std::vector<std::uint32_t>{soh::wsha::compliance::kProductNotEnabled}));
    // Listed in MS-SystemGenerated-Ids.
    const Result gen = seed("system-generated.bin");
    EXPECT_EQ(gen.verdict.status, Status::Failed);
    EXPECT_EQ(gen.verdict.failure, FailureCategory::ClientComponent);
}

TEST(WshvCorpus, EveryInputGetsAConsistentAnswer) {
    std::size_t decoded = 0;
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(kCorpus)) {
        ++files;
        const auto bytes = read(entry.path());
        auto view = soh::decode(bytes);
        if (!view) {
            continue;
        }
        ++decoded;
        const Result r = validate(Settings{}, *view);
        EXPECT_EQ(r.response.id, soh::wsha::kSystemHealthId) << entry.path();
        const auto wire = policy::ShvVerdict::from_response(r.response);
        EXPECT_EQ(wire.status, r.verdict.status) << entry.path();
        EXPECT_EQ(r.verdict.status == Status::Compliant, r.hints.empty()) << entry.path();
    }
    EXPECT_GT(files, 5u);
    EXPECT_GT(decoded, 5u);
}

}  // namespace
