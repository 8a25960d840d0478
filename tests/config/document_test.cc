// parse_document and key_at_line (include/opennap/config/document.h), and the shared TomlChecker's
// path and duration readers (include/opennap/config/toml_check.h).
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "opennap/config/document.h"
#include "opennap/config/toml_check.h"

namespace opennap::config {
namespace {

TEST(ConfigDocument, ParsesAValidDocument) {
    std::vector<ConfigError> errors;
    auto doc = parse_document("[a]\nb = 1\n", "t.toml", errors);
    ASSERT_TRUE(doc.has_value());
    EXPECT_TRUE(errors.empty());
    EXPECT_EQ((*doc)["a"]["b"].value<int>(), 1);
}

TEST(ConfigDocument, SyntaxErrorNamesPositionAndKey) {
    std::vector<ConfigError> errors;
    auto doc = parse_document("[server]\nname = \"x\"\nworkers = = 4\n", "s.toml", errors);
    EXPECT_FALSE(doc.has_value());
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].source, "s.toml");
    EXPECT_EQ(errors[0].line, 3);
    EXPECT_GT(errors[0].column, 0);
    EXPECT_EQ(errors[0].key, "server.workers");
    EXPECT_FALSE(errors[0].message.empty());
}

TEST(ConfigDocument, KeyAtLine) {
    const std::string text =
        "# comment\n"
        "top = 1\n"
        "[daemon] # header with a comment\n"
        "socket = \"/x\"\n"
        "\n"
        "[[access.administrator]]\n"
        "users = [\n";
    EXPECT_EQ(key_at_line(text, 0), "");
    EXPECT_EQ(key_at_line(text, 1), "");
    EXPECT_EQ(key_at_line(text, 2), "top");
    EXPECT_EQ(key_at_line(text, 3), "daemon");
    EXPECT_EQ(key_at_line(text, 4), "daemon.socket");
    EXPECT_EQ(key_at_line(text, 5), "daemon.socket");
    EXPECT_EQ(key_at_line(text, 6), "access.administrator");
    EXPECT_EQ(key_at_line(text, 7), "access.administrator.users");
    EXPECT_EQ(key_at_line(text, 99), "");
}

TEST(ConfigTomlChecker, AbsolutePathAndMilliseconds) {
    std::vector<ConfigError> errors;
    auto doc = parse_document(
        "ok = \"/var/lib/x\"\nrel = \"var\"\nlong = \"/abcdef\"\nms = 250\nbad_ms = 5\n", "c.toml",
        errors);
    ASSERT_TRUE(doc.has_value());
    TomlChecker c("c.toml", errors);
    std::string path = "unchanged";
    EXPECT_TRUE(c.absolute_path(*doc, "", "ok", path, 100));
    EXPECT_EQ(path, "/var/lib/x");
    path = "unchanged";
    EXPECT_FALSE(c.absolute_path(*doc, "", "rel", path, 100));
    EXPECT_FALSE(c.absolute_path(*doc, "", "long", path, 4));
    EXPECT_FALSE(c.absolute_path(*doc, "", "absent", path, 100));
    EXPECT_EQ(path, "unchanged");
    std::chrono::milliseconds ms{7};
    EXPECT_TRUE(c.milliseconds(*doc, "", "ms", ms, 10, 1000));
    EXPECT_EQ(ms.count(), 250);
    EXPECT_FALSE(c.milliseconds(*doc, "", "bad_ms", ms, 10, 1000));
    EXPECT_EQ(ms.count(), 250);
    ASSERT_EQ(errors.size(), 3u);
    EXPECT_EQ(errors[0].to_string(), "c.toml:2:1: rel: must be an absolute path, got \"var\"");
    EXPECT_EQ(errors[1].to_string(), "c.toml:3:1: long: is 7 bytes long; at most 4 are allowed");
    EXPECT_EQ(errors[2].to_string(), "c.toml:5:1: bad_ms: must be between 10 and 1000, got 5");
}

}  // namespace
}  // namespace opennap::config
