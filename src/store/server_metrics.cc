// ServerMetrics (include/opennap/store/server_metrics.h).
#include "opennap/store/server_metrics.h"

#include <cstdio>

namespace opennap::store {

std::string_view to_string(DropReason r) noexcept {
    switch (r) {
        case DropReason::Malformed:
            return "malformed";
        case DropReason::UnknownClient:
            return "unknown_client";
        case DropReason::BadAuthenticator:
            return "bad_authenticator";
        case DropReason::Duplicate:
            return "duplicate";
        case DropReason::Overload:
            return "overload";
        case DropReason::AuditUnavailable:
            return "audit_unavailable";
    }
    return "invalid";
}

ServerMetrics::ServerMetrics(metrics::Registry& registry)
    : requests_(
          registry.counter("opennap_radius_requests_total", "RADIUS Access-Requests received.")),
      request_duration_(registry.histogram(
          "opennap_request_duration_seconds",
          "Time from reading an Access-Request to its answer being ready to send.",
          metrics::latency_buckets())),
      shv_(registry.histogram_family("opennap_shv_validation_seconds",
                                     "Time an SHV took to validate one SoH (or to time out).",
                                     {"shv"}, metrics::latency_buckets())) {
    auto decisions = registry.counter_family(
        "opennap_decisions_total", "Health policy decisions, by the access granted.", {"outcome"});
    for (std::size_t i = 0; i < kOutcomeCount; ++i)
        decisions_[i] = &decisions.with({to_string(static_cast<Outcome>(i))});
    auto drops = registry.counter_family("opennap_radius_dropped_total",
                                         "RADIUS requests dropped without an answer, by reason.",
                                         {"reason"});
    for (std::size_t i = 0; i < kDropReasonCount; ++i)
        drops_[i] = &drops.with({to_string(static_cast<DropReason>(i))});
}

metrics::Histogram& ServerMetrics::shv_latency(std::uint32_t shv_id) {
    const std::uint64_t key = std::uint64_t{shv_id} + 1;
    for (auto& slot : shv_slots_) {
        const std::uint64_t k = slot.key.load(std::memory_order_acquire);
        if (k == key)
            return *slot.histogram;
        if (k == 0)
            break;
    }
    char label[16];
    std::snprintf(label, sizeof label, "0x%08X", shv_id);
    metrics::Histogram& h = shv_.with({std::string_view(label)});
    std::lock_guard lock(shv_mu_);
    for (auto& slot : shv_slots_) {
        const std::uint64_t k = slot.key.load(std::memory_order_relaxed);
        if (k == key)
            break;  // another thread filled it meanwhile
        if (k == 0) {
            slot.histogram = &h;
            slot.key.store(key, std::memory_order_release);
            break;
        }
    }
    return h;
}

}  // namespace opennap::store
