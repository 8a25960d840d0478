// A DecisionRecord flattened into one buffer, for the audit writer's queue (not a public header).
// The request path builds a record out of a dozen strings and vectors; queued as they are, every
// one of them is freed by the writer thread, and a free from another thread than the allocating
// one is the allocator's slow path (it showed as much time in the request path as napserver's own
// code). Packed, a record is one allocation, and the writer unpacks it into records it keeps and
// reuses, so that their strings keep their capacity from batch to batch.
//
// The format is private to one process (host byte order, no version): pack() and unpack() are
// only ever used together, by the audit writer.
#pragma once

#include <string>
#include <string_view>

#include "opennap/store/decision.h"

namespace opennap::store::internal {

// Every field of `record` (its id too), in one string.
[[nodiscard]] std::string pack(const DecisionRecord& record);

// Overwrites every field of `into` with the record `packed` holds (made by pack()); the strings
// and vectors of `into` are assigned, not replaced, so their capacity is reused.
void unpack(std::string_view packed, DecisionRecord& into);

}  // namespace opennap::store::internal
