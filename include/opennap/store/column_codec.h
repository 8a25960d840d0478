// The JSON columns of the audit record (docs/audit.md, "Schema"): the per-SHV results and the
// policy engine's reasons are stored as JSON text (SQLite TEXT, PostgreSQL jsonb). Pure: text in,
// values or a ColumnError out. The decoders treat their input as untrusted (a database anyone
// with access may have edited): every value is checked, nothing throws.
//
// shvs:    [{"id":79744,"status":"non-compliant","passed":false,"codes":[2150039632],
//            "failure_category":"client-component","latency_us":1200}, ...]
//          "codes" are the HRESULTs' 32 bits as unsigned numbers; "failure_category" is absent
//          when the SHV sent none. Keys other than these are ignored (later versions may add
//          some); a missing required key or a value of the wrong type or range is an error.
// reasons: ["health policy \"compliant\" matched", ...]
#pragma once

#include <cstddef>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "opennap/store/decision.h"

namespace opennap::store {

struct ColumnError {
    std::string field;       // "shvs[2].codes[0]", "reasons[1]", "shvs" (the text itself)
    std::size_t offset = 0;  // byte offset in the text for syntax errors; 0 otherwise
    std::string message;     // "not an unsigned 32-bit number", "JSON syntax error: ..."
    // "shvs[2].codes[0]: not an unsigned 32-bit number"
    [[nodiscard]] std::string to_string() const;
};

[[nodiscard]] std::string encode_shvs(std::span<const ShvResult> shvs);
[[nodiscard]] std::expected<std::vector<ShvResult>, ColumnError> decode_shvs(std::string_view text);

[[nodiscard]] std::string encode_reasons(std::span<const std::string> reasons);
[[nodiscard]] std::expected<std::vector<std::string>, ColumnError> decode_reasons(
    std::string_view text);

}  // namespace opennap::store
