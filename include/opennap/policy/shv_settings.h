// The SHV-specific settings of one [[shv]] entry: its `settings` table, kept as TOML for the SHV
// to parse with its own schema, and the hook through which an SHV kind checks that table while
// server.toml is parsed (so that its mistakes are collected, sorted and reported with all the
// others, with their file, line, column and dotted key).
#pragma once

#include <expected>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "opennap/policy/toml_check.h"

namespace opennap::policy {

struct ShvSettingsTable {
    toml::table table;   // empty when the entry has no settings table
    std::string source;  // the file it came from (for the SHV's own error messages)
    std::string key;     // its dotted key, e.g. "shv[0].settings"

    // Equal contents (source positions, file and key are not compared).
    friend bool operator==(const ShvSettingsTable& a, const ShvSettingsTable& b) {
        return a.table == b.table;
    }
};

// Checks `settings` (the table at `key`, e.g. "shv[0].settings") and reports every mistake
// through `checker`. Must not throw.
using ShvSettingsCheck =
    std::function<void(const toml::table& settings, std::string_view key, TomlChecker& checker)>;

// What a built-in SHV kind offers on top of its reader `check(table, key, checker, Settings&)`
// (which reports every mistake and fills in what is right): its settings, or every mistake sorted;
// and the ShvSettingsCheck for server.toml's parser.
template <typename Settings, typename Check>
[[nodiscard]] std::expected<Settings, std::vector<ConfigError>> parse_shv_settings(
    const ShvSettingsTable& table, Check check) {
    std::vector<ConfigError> errors;
    TomlChecker checker(table.source, errors);
    Settings s;
    check(table.table, table.key, checker, s);
    if (!errors.empty()) {
        sort_errors(errors);
        return std::unexpected(std::move(errors));
    }
    return s;
}
template <typename Settings, typename Check>
[[nodiscard]] ShvSettingsCheck shv_settings_check(Check check) {
    return [check](const toml::table& table, std::string_view key, TomlChecker& checker) {
        Settings ignored;
        check(table, key, checker, ignored);
    };
}

}  // namespace opennap::policy
