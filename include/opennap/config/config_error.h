// One mistake in a configuration file (agent.toml, server.toml, an SHV's settings table, the
// [checks] table): where it is and what is wrong, e.g.
// "/etc/opennap/server.toml:12:1: radius.client[0].secret: must not be empty".
#pragma once

#include <string>
#include <vector>

namespace opennap::config {

struct ConfigError {
    std::string source;  // file name as given, or the caller's name for the text
    int line = 0;        // 1-based; 0 when the error is about the whole source (unreadable)
    int column = 0;      // 1-based; 0 when unknown
    std::string key;     // dotted, with array indices: "network_policy[2].grant"; may be ""
    std::string message;

    // "source:line:column: key: message", leaving out what is empty or 0.
    [[nodiscard]] std::string to_string() const;
    friend bool operator==(const ConfigError&, const ConfigError&) = default;
};

// Sorts by line, column, key and message (the order they are reported in).
void sort_errors(std::vector<ConfigError>& errors);

}  // namespace opennap::config
