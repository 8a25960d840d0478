// Parsing a TOML configuration document without exceptions: toml++ reports a syntax error by
// throwing toml::parse_error with a position only; parse_document() turns it into a ConfigError
// that also names the key being defined there (key_at_line), and never lets anything escape.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "opennap/config/config_error.h"

namespace opennap::config {

// The parsed document, or nullopt with the syntax error appended to `errors` (one error: after a
// syntax error there is no document to check).
[[nodiscard]] std::optional<toml::table> parse_document(std::string_view text,
                                                        std::string_view source_name,
                                                        std::vector<ConfigError>& errors);

// Best effort for a syntax error at `line` (1-based): the dotted key being defined there -- the
// table header on that line, or the nearest "key =" at or above it under the table header above
// that. "" when nothing is found.
[[nodiscard]] std::string key_at_line(std::string_view text, std::size_t line);

}  // namespace opennap::config
