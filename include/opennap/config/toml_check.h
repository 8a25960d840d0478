// TomlChecker: reads values out of a parsed TOML table and records every mistake as a
// ConfigError with the source, line, column and dotted key. Every configuration file of the
// project is read through it -- napagent's agent.toml (src/agentd/config.cc), napserver's
// server.toml (src/policy/config.cc), the SHVs' settings tables (policy/shv_settings.h) and the
// [checks] table (checks/config.h) -- so that their mistakes all read alike.
//
// Every accessor leaves its output alone when the key is absent (the default stays) or wrong
// (reported); it returns true only when it stored a value. Nothing here throws.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "opennap/config/config_error.h"

namespace opennap::config {

// "a table", "an integer", "a string", ... for messages.
[[nodiscard]] std::string_view toml_type_name(const toml::node& n) noexcept;
// `s` in double quotes, with '"', '\\' and control characters escaped.
[[nodiscard]] std::string quote_text(std::string_view s);
// "prefix.key" ("key" when prefix is empty) and "prefix[i]".
[[nodiscard]] std::string dotted(std::string_view prefix, std::string_view key);
[[nodiscard]] std::string indexed(std::string_view prefix, std::size_t index);
// The candidate closest to `word` (edit distance below 3), or "".
[[nodiscard]] std::string_view closest(std::string_view word,
                                       std::span<const std::string_view> candidates);

class TomlChecker {
  public:
    TomlChecker(std::string_view source, std::vector<ConfigError>& errors)
        : source_(source), errors_(errors) {}

    [[nodiscard]] std::string_view source() const noexcept { return source_; }
    [[nodiscard]] std::size_t error_count() const noexcept { return errors_.size(); }

    void error(const toml::source_region& at, std::string key, std::string message);
    void type_error(const toml::source_region& at, std::string key, std::string_view expected,
                    const toml::node& got);

    // Every key of `t` must be one of `known`; a near miss is named ("did you mean ...?").
    void check_keys(const toml::table& t, std::string_view prefix,
                    std::initializer_list<std::string_view> known);

    // The sub-table `name`, or null when absent or not a table (reported).
    const toml::table* table(const toml::table& parent, std::string_view prefix,
                             std::string_view name);
    // The array `name`, or null when absent or not an array (reported as `expected`).
    const toml::array* array(const toml::table& t, std::string_view prefix, std::string_view name,
                             std::string_view expected);

    // An integer in [min, max].
    template <typename T>
    bool integer(const toml::table& t, std::string_view prefix, std::string_view name, T& out,
                 std::int64_t min, std::int64_t max) {
        std::int64_t v = 0;
        if (!integer64(t, prefix, name, v, min, max)) {
            return false;
        }
        out = static_cast<T>(v);
        return true;
    }
    bool integer64(const toml::table& t, std::string_view prefix, std::string_view name,
                   std::int64_t& out, std::int64_t min, std::int64_t max);

    bool boolean(const toml::table& t, std::string_view prefix, std::string_view name, bool& out);

    // An integer number of milliseconds in [min, max].
    bool milliseconds(const toml::table& t, std::string_view prefix, std::string_view name,
                      std::chrono::milliseconds& out, std::int64_t min, std::int64_t max);

    // An absolute path without NUL characters, at most `max_bytes` long.
    bool absolute_path(const toml::table& t, std::string_view prefix, std::string_view name,
                       std::string& out, std::size_t max_bytes);

    // A string, or null when absent or wrong (reported). `at` is set to the key's position.
    const std::string* string(const toml::table& t, std::string_view prefix, std::string_view name,
                              const toml::source_region*& at);

    // A string without control characters, at most `max_bytes` long, non-empty unless
    // `allow_empty`.
    bool text(const toml::table& t, std::string_view prefix, std::string_view name,
              std::string& out, std::size_t max_bytes, bool allow_empty = false);

    // One of the listed names ("must be one of a, b, c, got "x"", with a near miss named).
    // `choices` is a range of std::pair<std::string_view, E>.
    template <typename Choices, typename E>
    bool one_of(const toml::table& t, std::string_view prefix, std::string_view name,
                const Choices& choices, E& out) {
        const toml::source_region* at = nullptr;
        const std::string* s = string(t, prefix, name, at);
        if (s == nullptr) {
            return false;
        }
        for (const auto& [n, v] : choices) {
            if (n == *s) {
                out = v;
                return true;
            }
        }
        std::vector<std::string_view> names;
        names.reserve(std::size(choices));
        for (const auto& c : choices) {
            names.push_back(c.first);
        }
        not_one_of(*at, dotted(prefix, name), *s, names);
        return false;
    }

    // Reports "must be one of ..., got "value"" for `key` at `at`.
    void not_one_of(const toml::source_region& at, std::string key, std::string_view value,
                    std::span<const std::string_view> names);

  private:
    std::string_view source_;
    std::vector<ConfigError>& errors_;
};

}  // namespace opennap::config
