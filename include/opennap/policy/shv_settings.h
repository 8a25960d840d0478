// The SHV-specific settings of one [[shv]] entry: its `settings` table, kept as TOML for the SHV
// to parse with its own schema, and the hook through which an SHV kind checks that table while
// server.toml is parsed (so that its mistakes are collected, sorted and reported with all the
// others, with their file, line, column and dotted key).
#pragma once

#include <functional>
#include <string>
#include <string_view>

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

}  // namespace opennap::policy
