// parse_document and key_at_line (include/opennap/config/document.h).
#include "opennap/config/document.h"

#include <algorithm>
#include <exception>

#include "opennap/config/toml_check.h"

namespace opennap::config {

namespace {

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = s.find_last_not_of(" \t\r");
    return s.substr(first, last - first + 1);
}

// The name in a table header line "[a.b]" / "[[a.b]]" (comment allowed after it), or "".
std::string_view header_name(std::string_view line) {
    line = trim(line);
    if (line.empty() || line.front() != '[') {
        return {};
    }
    const std::size_t open = line.starts_with("[[") ? 2 : 1;
    const std::size_t close = line.find(']', open);
    return trim(
        line.substr(open, close == std::string_view::npos ? std::string_view::npos : close - open));
}

// The key of a "key = value" line, or "".
std::string_view assigned_key(std::string_view line) {
    line = trim(line);
    if (line.empty() || line.front() == '#' || line.front() == '[') {
        return {};
    }
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
        return {};
    }
    const std::string_view key = trim(line.substr(0, eq));
    const bool plain = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.' || c == ' ' || c == '"' || c == '\'';
    });
    return plain ? key : std::string_view{};
}

}  // namespace

std::string key_at_line(std::string_view text, std::size_t line) {
    std::vector<std::string_view> lines;
    for (std::size_t pos = 0; pos <= text.size() && lines.size() < line;) {
        const std::size_t nl = text.find('\n', pos);
        lines.push_back(
            text.substr(pos, nl == std::string_view::npos ? text.size() - pos : nl - pos));
        if (nl == std::string_view::npos) {
            break;
        }
        pos = nl + 1;
    }
    if (lines.size() < line || line == 0) {
        return {};
    }
    std::string_view key;
    for (std::size_t i = line; i-- > 0;) {
        if (std::string_view h = header_name(lines[i]); !h.empty()) {
            if (i + 1 == line) {
                return std::string(h);
            }
            return key.empty() ? std::string(h) : dotted(h, key);
        }
        if (key.empty()) {
            key = assigned_key(lines[i]);
        }
    }
    return std::string(key);
}

std::optional<toml::table> parse_document(std::string_view text, std::string_view source_name,
                                          std::vector<ConfigError>& errors) {
    try {
        return toml::parse(text, source_name);
    } catch (const toml::parse_error& e) {
        const auto& at = e.source().begin;
        errors.push_back(ConfigError{std::string(source_name), static_cast<int>(at.line),
                                     static_cast<int>(at.column), key_at_line(text, at.line),
                                     std::string(e.description())});
    } catch (const std::exception& e) {
        // toml++ only throws parse_error; anything else (bad_alloc) is reported, not propagated.
        errors.push_back(ConfigError{std::string(source_name), 0, 0, "", e.what()});
    }
    return std::nullopt;
}

}  // namespace opennap::config
