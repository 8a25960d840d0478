// What one validation produced: for every SHV, its answer (or why there is none) and the verdict
// it maps to, and the rules that turn an SHV's SoH response into that verdict (nap-api.md §14.1,
// §6.1 FailureCategoryMapping). See docs/shv.md, "From an answer to a verdict".
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "opennap/core/hresult.h"
#include "opennap/core/ids.h"
#include "opennap/core/nap_structs.h"
#include "opennap/core/nap_types.h"

namespace opennap::server {

enum class OutcomeKind : std::uint8_t {
    // The SHV completed with a success code and set a response carrying compliance result codes
    // or a failure category: the response decides.
    Responded,  // "responded"
    // The SHV completed with a success code but set no response, or one with neither usable
    // compliance result codes nor a failure category: a server-component failure.
    InvalidResponse,  // "invalid-response"
    // validate() or on_complete() reported a failure (or validate() threw): a server-component
    // failure.
    Failed,  // "failed"
    // No answer within the timeout (NAP_E_SHV_TIMEOUT): a server-component failure.
    TimedOut,  // "timed-out"
    // The SHV is not loaded: it said RPC_S_SERVER_UNAVAILABLE, and re-creating it failed or the
    // re-created SHV said so again. A server-component failure; stays so until re-registered.
    Unavailable,  // "unavailable"
    // The SHV was unregistered (or the host shut down) while this validation was pending: no
    // verdict, no response (nap-api.md §14.4: "discarded").
    Discarded,  // "discarded"
};

enum class Verdict : std::uint8_t {
    Compliant,     // "compliant"
    NonCompliant,  // "non-compliant"
    None,          // "none": Discarded outcomes only
};

// E_ABORT: the result of SHVs still pending when the host shut down.
inline constexpr HResult kHostShutDown{0x80004004u};

[[nodiscard]] std::string_view to_string(OutcomeKind k) noexcept;
[[nodiscard]] std::string_view to_string(Verdict v) noexcept;

// The verdict a failure category maps to: mapping_compliance[category - 1]; None and invalid
// categories are non-compliant.
[[nodiscard]] constexpr Verdict map_failure_category(const FailureCategoryMapping& m,
                                                     FailureCategory c) noexcept {
    const auto i = mapping_index(c);
    return i && m.mapping_compliance[*i] ? Verdict::Compliant : Verdict::NonCompliant;
}

// The reading of an SHV's SoH response (assess_response).
struct ResponseAssessment {
    bool usable = false;           // carries compliance result codes or a failure category
    ResultCodes compliance_codes;  // every Compliance-Result-Codes TLV, in order
    std::optional<FailureCategory> failure_category;  // the first one other than None
    Verdict verdict = Verdict::NonCompliant;
    std::string_view problem;  // why it is not usable ("" when usable)
};

// Judges a response (System-Health-ID first) with the SHV's mapping. Usable when it holds a
// Failure-Category TLV whose value is 1..5, or at least one well-formed Compliance-Result-Codes
// TLV (a multiple of 4 bytes, at least one code) and no malformed one. A failure category other
// than None decides the verdict through the mapping (every one present must map to compliant);
// otherwise the codes do: compliant iff every code is a success HRESULT (bit 31 clear).
[[nodiscard]] ResponseAssessment assess_response(const SoH& response,
                                                 const FailureCategoryMapping& mapping);

// The response the host sends on the SHV's behalf when the SHV gave none it could use:
// System-Health-ID, Failure-Category, Error-Codes = [error].
[[nodiscard]] SoH host_generated_response(SystemHealthEntityId id, FailureCategory category,
                                          HResult error);

// An SoH as the TLVs of a report entry (System-Health-ID first), ready to be appended to an
// SSoHR body. Attributes must be valid (ValidationRequest::set_soh_response checks that).
[[nodiscard]] std::vector<std::uint8_t> encode_entry(const SoH& soh);

struct ShvOutcome {
    SystemHealthEntityId id = 0;
    OutcomeKind kind = OutcomeKind::Discarded;
    // What completed the SHV: the success code of validate()/on_complete(), the failure they
    // returned, NAP_E_SHV_TIMEOUT, RPC_S_SERVER_UNAVAILABLE, E_ABORT (host shut down).
    HResult result;
    // The SoHR entry for the SHA: the SHV's response (Responded), or host_generated_response()
    // with failure category ServerComponent and Error-Codes = [result] (host_generated), or empty
    // (Discarded).
    SoH response;
    bool host_generated = false;
    ResultCodes compliance_codes;                     // from the SHV's response
    std::optional<FailureCategory> failure_category;  // the SHV's, or ServerComponent for failures
    Verdict verdict = Verdict::None;
    bool soh_present = false;            // the client sent an SoH for this SHV
    bool soh_system_generated = false;   // ... generated by its NAP agent (the SHA failed)
    bool recreated = false;              // the SHV was re-created during this validation
    std::chrono::nanoseconds elapsed{};  // from the validation's start to this SHV's completion
    PrivateData private_data;            // the request's private data at completion

    [[nodiscard]] std::vector<std::uint8_t> entry_bytes() const { return encode_entry(response); }
};

struct ValidationResult {
    CorrelationId correlation_id;
    bool soh_present = true;  // false: the client sent no SSoH at all
    // One per SHV registered when the validation started, in ascending id order.
    std::vector<ShvOutcome> outcomes;
    // Ids of SoHs in the SSoH that no registered SHV validates (and ids seen more than once:
    // only the first SoH of an id is validated).
    std::vector<SystemHealthEntityId> unmatched_soh_ids;
    std::chrono::nanoseconds elapsed{};
};

}  // namespace opennap::server
