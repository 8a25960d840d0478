// Presenting audit records (napctl server decisions; docs/napctl.md): a text table for people,
// JSON for programs, and the parsing of the command's time arguments.
#pragma once

#include <expected>
#include <span>
#include <string>
#include <string_view>

#include "opennap/store/audit_store.h"
#include "opennap/store/decision.h"

namespace opennap::store {

// One line per record, newest first as given, under a header:
//   TIME                         OUTCOME     MACHINE          CLIENT          POLICY  SHVS
//   2026-12-02T01:43:39.123456Z  restricted  pc-17.corp       192.0.2.10      ...     0x00013780
//   non-compliant(0xC0FF0001)
// Empty input gives "no decisions\n".
[[nodiscard]] std::string format_table(std::span<const DecisionRecord> records);

// Everything about one record, one "key: value" per line, for a single-record view.
[[nodiscard]] std::string format_details(const DecisionRecord& record);

// The JSON form of a record (docs/napctl.md documents the keys): times in ISO 8601 UTC, GUIDs
// in canonical text, HRESULTs as "0x80270050" strings, enums as their names.
[[nodiscard]] std::string to_json(const DecisionRecord& record);
// A JSON array of to_json() objects, one per line.
[[nodiscard]] std::string format_json(std::span<const DecisionRecord> records);

// "full 10, probation 0, restricted 3, deny 1 (14 in all)".
[[nodiscard]] std::string format_counts(const OutcomeCounts& counts);

// A time argument: an absolute UTC time ("2026-12-02", "2026-12-02T01:43", "2026-12-02T01:43:39Z",
// "2026-12-02 01:43:39.5", optional trailing 'Z'), or a duration before `now` ("90s", "15m", "2h",
// "7d", "1w"). The error says what is wrong with the text.
[[nodiscard]] std::expected<Timestamp, std::string> parse_time_arg(std::string_view text,
                                                                   Timestamp now);

}  // namespace opennap::store
