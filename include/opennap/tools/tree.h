// Readable, `tshark -V`-style rendering of a decoded message: one field per line, nested fields
// indented by four spaces. The input is the JSON of to_json() (and, for format_document, the
// `napctl soh decode --json` document), so the tree and the JSON can never disagree.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace opennap::tools {

// The tree of one message (the output of to_json()), each line prefixed by `indent` spaces.
[[nodiscard]] std::string format_message_tree(const nlohmann::json& message, int indent = 0);

// The tree of a whole decode document {"input": {...}, "framing": {...}, "message": {...}|null,
// "status": ...}: input size, the framing layers, then the message.
[[nodiscard]] std::string format_document_tree(const nlohmann::json& document);

}  // namespace opennap::tools
