// Replays the committed fuzz corpus (and any crash reproducers) through the fuzz target's checks.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "checks_check.h"

namespace {

TEST(ChecksCorpus, ReplaysEveryInput) {
    std::size_t n = 0;
    for (const char* dir : {"fuzz/corpus/checks", "fuzz/regressions/checks"}) {
        const auto d = std::filesystem::path(OPENNAP_SOURCE_DIR) / dir;
        if (!std::filesystem::exists(d)) {
            continue;
        }
        for (const auto& e : std::filesystem::directory_iterator(d)) {
            std::ifstream f(e.path(), std::ios::binary);
            const std::vector<char> bytes((std::istreambuf_iterator<char>(f)),
                                          std::istreambuf_iterator<char>());
            check_checks_input(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
            ++n;
        }
    }
    EXPECT_GE(n, 12u);
}

}  // namespace
