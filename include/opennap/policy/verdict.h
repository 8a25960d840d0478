// One SHV's outcome for one request, as the policy engine consumes it. The SHV host fills it from
// the SHV's SoHR report entry (from_response) or from what went wrong (unavailable); the built-in
// validators fill it directly (shvs::wshv::WshvResult::verdict()).
//
// How the engine reads it (docs/server-config.md, "From SHV answers to health policies"):
//   * Compliant / NonCompliant: the SHV judged the client (Compliance-Result-Codes).
//   * Failed: the SHV answered with a Failure-Category instead; the SHV's failure-category
//     mapping in server.toml decides pass or fail.
//   * Unavailable: no answer (timeout, SHV not loaded, SHV crashed, no verdict given at all);
//     counted as failureCategoryServerComponent (nap-api.md §14.1: any other Validate result is a
//     server-component failure) for the mapping, and "unavailable" for health policies.
// `extended` is the Extended-Isolation-State the SHV put in its response (TLV 16), if any.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "opennap/core/hresult.h"
#include "opennap/core/nap_types.h"
#include "opennap/soh/message.h"

namespace opennap::policy {

struct ShvVerdict {
    enum class Status : std::uint8_t { Compliant, NonCompliant, Failed, Unavailable };

    SystemHealthEntityId id = 0;
    Status status = Status::Unavailable;
    std::vector<HResult> compliance_codes;  // as sent, in order (every Compliance-Result-Codes TLV)
    std::optional<FailureCategory> failure;          // set for Failed; may be set otherwise
    std::optional<ExtendedIsolationState> extended;  // from the SHV's response, if any

    friend bool operator==(const ShvVerdict&, const ShvVerdict&) = default;

    // Compliant iff `codes` is non-empty and every code is S_OK (0). A success code other than
    // S_OK is not compliance: the WSHV echoes the client's 0x00FF0008, an error despite its
    // severity bit (docs/server-config.md).
    [[nodiscard]] static ShvVerdict from_codes(SystemHealthEntityId id, std::vector<HResult> codes);
    [[nodiscard]] static ShvVerdict failed(SystemHealthEntityId id, FailureCategory category);
    [[nodiscard]] static ShvVerdict unavailable(SystemHealthEntityId id);

    // Reads an SHV's SoHR report entry: every Compliance-Result-Codes TLV (codes appended in
    // order), the first Failure-Category and Extended-Isolation-State TLVs. Codes present ->
    // from_codes (the failure category, if any, is kept as information); else a failure
    // category -> Failed; else (an answer that is neither, against the SDK rule) -> Failed with
    // ServerComponent. A TLV whose value has the wrong length, or a category / state outside the
    // documented values, makes the answer unusable: Failed with ServerComponent.
    [[nodiscard]] static ShvVerdict from_response(const soh::EntryView& entry);
    [[nodiscard]] static ShvVerdict from_response(const soh::ReportEntry& entry);
};

[[nodiscard]] std::string_view to_string(ShvVerdict::Status s) noexcept;

}  // namespace opennap::policy
