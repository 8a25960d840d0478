// TomlChecker and ConfigError (include/opennap/config/toml_check.h, config_error.h).
#include "opennap/config/toml_check.h"

#include <algorithm>
#include <cstdio>
#include <tuple>

namespace opennap::config {

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        row[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::string join(std::span<const std::string_view> items) {
    std::string out;
    for (std::string_view item : items) {
        if (!out.empty()) {
            out += ", ";
        }
        out += item;
    }
    return out;
}

}  // namespace

std::string ConfigError::to_string() const {
    std::string out = source;
    if (line > 0) {
        out += ':' + std::to_string(line);
        if (column > 0) {
            out += ':' + std::to_string(column);
        }
    }
    out += ": ";
    if (!key.empty()) {
        out += key + ": ";
    }
    out += message;
    return out;
}

void sort_errors(std::vector<ConfigError>& errors) {
    // (std::stable_sort is avoided: clang warns about libstdc++ 12's get_temporary_buffer.)
    std::sort(errors.begin(), errors.end(), [](const ConfigError& a, const ConfigError& b) {
        return std::tie(a.line, a.column, a.key, a.message) <
               std::tie(b.line, b.column, b.key, b.message);
    });
}

std::string_view toml_type_name(const toml::node& n) noexcept {
    switch (n.type()) {
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return n.is_array_of_tables() ? "an array of tables" : "an array";
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a float";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

std::string quote_text(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20 || u == 0x7F) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned>(u));
            out += buf;
        } else {
            out += c;
        }
    }
    out += '"';
    return out;
}

std::string dotted(std::string_view prefix, std::string_view key) {
    if (prefix.empty()) {
        return std::string(key);
    }
    std::string out(prefix);
    out += '.';
    out += key;
    return out;
}

std::string indexed(std::string_view prefix, std::size_t index) {
    return std::string(prefix) + "[" + std::to_string(index) + "]";
}

std::string_view closest(std::string_view word, std::span<const std::string_view> candidates) {
    std::string_view best;
    std::size_t best_distance = 3;
    for (std::string_view candidate : candidates) {
        const std::size_t d = edit_distance(word, candidate);
        if (d < best_distance) {
            best_distance = d;
            best = candidate;
        }
    }
    return best;
}

void TomlChecker::error(const toml::source_region& at, std::string key, std::string message) {
    errors_.push_back(ConfigError{std::string(source_), static_cast<int>(at.begin.line),
                                  static_cast<int>(at.begin.column), std::move(key),
                                  std::move(message)});
}

void TomlChecker::type_error(const toml::source_region& at, std::string key,
                             std::string_view expected, const toml::node& got) {
    error(at, std::move(key),
          "expected " + std::string(expected) + ", got " + std::string(toml_type_name(got)));
}

void TomlChecker::check_keys(const toml::table& t, std::string_view prefix,
                             std::initializer_list<std::string_view> known) {
    const std::span<const std::string_view> names(known.begin(), known.size());
    for (auto&& [k, v] : t) {
        const std::string_view name = k.str();
        if (std::find(known.begin(), known.end(), name) != known.end()) {
            continue;
        }
        std::string message = v.is_table() ? "unknown table" : "unknown key";
        const std::string_view best = closest(name, names);
        if (!best.empty()) {
            message += " (did you mean " + quote_text(best) + "?)";
        } else {
            message += " (expected one of: " + join(names) + ")";
        }
        error(k.source(), dotted(prefix, name), std::move(message));
    }
}

const toml::table* TomlChecker::table(const toml::table& parent, std::string_view prefix,
                                      std::string_view name) {
    auto it = parent.find(name);
    if (it == parent.end()) {
        return nullptr;
    }
    if (const toml::table* t = it->second.as_table()) {
        return t;
    }
    type_error(it->first.source(), dotted(prefix, name), "a table", it->second);
    return nullptr;
}

const toml::array* TomlChecker::array(const toml::table& t, std::string_view prefix,
                                      std::string_view name, std::string_view expected) {
    auto it = t.find(name);
    if (it == t.end()) {
        return nullptr;
    }
    if (const toml::array* a = it->second.as_array()) {
        return a;
    }
    type_error(it->first.source(), dotted(prefix, name), expected, it->second);
    return nullptr;
}

bool TomlChecker::integer64(const toml::table& t, std::string_view prefix, std::string_view name,
                            std::int64_t& out, std::int64_t min, std::int64_t max) {
    auto it = t.find(name);
    if (it == t.end()) {
        return false;
    }
    const toml::key& k = it->first;
    const auto* v = it->second.as_integer();
    if (v == nullptr) {
        type_error(k.source(), dotted(prefix, name), "an integer", it->second);
        return false;
    }
    const std::int64_t value = v->get();
    if (value < min || value > max) {
        error(k.source(), dotted(prefix, name),
              "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
                  std::to_string(value));
        return false;
    }
    out = value;
    return true;
}

bool TomlChecker::boolean(const toml::table& t, std::string_view prefix, std::string_view name,
                          bool& out) {
    auto it = t.find(name);
    if (it == t.end()) {
        return false;
    }
    const auto* v = it->second.as_boolean();
    if (v == nullptr) {
        type_error(it->first.source(), dotted(prefix, name), "a boolean (true or false)",
                   it->second);
        return false;
    }
    out = v->get();
    return true;
}

bool TomlChecker::milliseconds(const toml::table& t, std::string_view prefix, std::string_view name,
                               std::chrono::milliseconds& out, std::int64_t min, std::int64_t max) {
    std::int64_t ms = out.count();
    if (!integer64(t, prefix, name, ms, min, max)) {
        return false;
    }
    out = std::chrono::milliseconds(ms);
    return true;
}

bool TomlChecker::absolute_path(const toml::table& t, std::string_view prefix,
                                std::string_view name, std::string& out, std::size_t max_bytes) {
    const toml::source_region* at = nullptr;
    const std::string* s = string(t, prefix, name, at);
    if (s == nullptr) {
        return false;
    }
    if (s->empty() || s->front() != '/') {
        error(*at, dotted(prefix, name), "must be an absolute path, got " + quote_text(*s));
    } else if (s->find('\0') != std::string::npos) {
        error(*at, dotted(prefix, name), "must not contain a NUL character");
    } else if (s->size() > max_bytes) {
        error(*at, dotted(prefix, name),
              "is " + std::to_string(s->size()) + " bytes long; at most " +
                  std::to_string(max_bytes) + " are allowed");
    } else {
        out = *s;
        return true;
    }
    return false;
}

const std::string* TomlChecker::string(const toml::table& t, std::string_view prefix,
                                       std::string_view name, const toml::source_region*& at) {
    auto it = t.find(name);
    if (it == t.end()) {
        return nullptr;
    }
    at = &it->first.source();
    if (const auto* v = it->second.as_string()) {
        return &v->get();
    }
    type_error(it->first.source(), dotted(prefix, name), "a string", it->second);
    return nullptr;
}

bool TomlChecker::text(const toml::table& t, std::string_view prefix, std::string_view name,
                       std::string& out, std::size_t max_bytes, bool allow_empty) {
    const toml::source_region* at = nullptr;
    const std::string* s = string(t, prefix, name, at);
    if (s == nullptr) {
        return false;
    }
    const bool control = std::any_of(s->begin(), s->end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7F;
    });
    if (s->empty() && !allow_empty) {
        error(*at, dotted(prefix, name), "must not be empty");
        return false;
    }
    if (s->size() > max_bytes) {
        error(*at, dotted(prefix, name),
              "is " + std::to_string(s->size()) + " bytes long; at most " +
                  std::to_string(max_bytes) + " are allowed");
        return false;
    }
    if (control) {
        error(*at, dotted(prefix, name), "must not contain control characters");
        return false;
    }
    out = *s;
    return true;
}

void TomlChecker::not_one_of(const toml::source_region& at, std::string key, std::string_view value,
                             std::span<const std::string_view> names) {
    std::string message = "must be one of " + join(names) + ", got " + quote_text(value);
    const std::string_view best = closest(value, names);
    if (!best.empty()) {
        message += " (did you mean " + quote_text(best) + "?)";
    }
    error(at, std::move(key), std::move(message));
}

}  // namespace opennap::config
