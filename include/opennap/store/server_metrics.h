// The napserver's request metrics (docs/audit.md, "Metrics"), registered in one place so that their
// names, help texts and labels are the same wherever they are bumped.
//
//   opennap_radius_requests_total            counter: Access-Requests received
//   opennap_decisions_total{outcome}         counter: full / probation / restricted / deny
//   opennap_shv_validation_seconds{shv}      histogram: one SHV's Validate() latency
//   opennap_request_duration_seconds         histogram: request read to answer ready
//   opennap_radius_dropped_total{reason}     counter: requests dropped unanswered
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string_view>

#include "opennap/metrics/registry.h"
#include "opennap/store/decision.h"

namespace opennap::store {

// Reasons a request is dropped without an answer. Labels are these names.
enum class DropReason : std::uint8_t {
    Malformed = 0,         // "malformed": not a valid RADIUS packet
    UnknownClient = 1,     // "unknown_client": from an address no [[radius.client]] covers
    BadAuthenticator = 2,  // "bad_authenticator": Message-Authenticator or secret mismatch
    Duplicate = 3,         // "duplicate": a retransmission already being processed
    Overload = 4,          // "overload": the request queue is full
    AuditUnavailable = 5,  // "audit_unavailable": the audit record could not be queued
};
inline constexpr std::size_t kDropReasonCount = 6;
[[nodiscard]] std::string_view to_string(DropReason r) noexcept;

class ServerMetrics {
  public:
    explicit ServerMetrics(metrics::Registry& registry);

    void request() noexcept { requests_.inc(); }
    void decision(Outcome o) noexcept { decisions_[static_cast<std::size_t>(o)]->inc(); }
    void dropped(DropReason r) noexcept { drops_[static_cast<std::size_t>(r)]->inc(); }
    void request_seconds(double s) noexcept { request_duration_.observe(s); }
    // The histogram of one SHV (label "0x00013780"). Called for every SHV of every request:
    // the first kShvSlots SHVs seen are found again without a lock, a string or the family's
    // map; any further ones take the family's lookup.
    metrics::Histogram& shv_latency(std::uint32_t shv_id);

  private:
    metrics::Counter& requests_;
    std::array<metrics::Counter*, kOutcomeCount> decisions_{};
    std::array<metrics::Counter*, kDropReasonCount> drops_{};
    metrics::Histogram& request_duration_;
    metrics::Family<metrics::Histogram> shv_;
    static constexpr std::size_t kShvSlots = 32;
    struct ShvSlot {
        std::atomic<std::uint64_t> key{0};  // SHV id + 1 once `histogram` is set; 0: free
        metrics::Histogram* histogram = nullptr;
    };
    std::array<ShvSlot, kShvSlots> shv_slots_{};
    std::mutex shv_mu_;  // fills the slots
};

}  // namespace opennap::store
