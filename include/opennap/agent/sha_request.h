// The per-exchange request object handed to an SHA's callbacks
// (INapSystemHealthAgentRequest, nap-api.md §11.4). A plain value: the SHA must not keep it
// after the callback returns.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "opennap/agent/result.h"
#include "opennap/core/ids.h"
#include "opennap/core/nap_structs.h"

namespace opennap::agent {

// An immutable SoH shared between the agent's cache, a connection's last request and the
// request objects (never copied on the exchange path).
using SoHPtr = std::shared_ptr<const SoH>;

class ShaRequest {
  public:
    // `sha` is the id of the SHA the request is for: SetSoHRequest accepts only its SoH.
    ShaRequest(CorrelationId correlation_id, SoHPtr cached_soh, SystemHealthEntityId sha)
        : correlation_id_(correlation_id), cached_(std::move(cached_soh)), sha_(sha) {}

    [[nodiscard]] const CorrelationId& correlation_id() const noexcept { return correlation_id_; }
    [[nodiscard]] SystemHealthEntityId sha_id() const noexcept { return sha_; }
    [[nodiscard]] std::string string_correlation_id() const { return correlation_id_.to_string(); }

    // The SHA's answer to GetSoHRequest. E_INVALIDARG when the SoH breaks the SoH rules
    // (first attribute System-Health-ID, limits of nap_structs.h) or names another SHA.
    Status set_soh_request(SoH soh, bool cache_soh_for_later_use);
    // The SoH the agent holds in its cache for this SHA (pre-set before GetSoHRequest), or the one
    // set by set_soh_request; NAP_E_NO_CACHED_SOH when there is none.
    [[nodiscard]] Result<SoH> soh_request() const;
    // Whether soh_request() would return an SoH (without copying it).
    [[nodiscard]] bool has_soh_request() const noexcept {
        return new_soh_.has_value() || cached_ != nullptr;
    }
    [[nodiscard]] bool cache_flag() const noexcept { return cache_flag_; }
    // True once the SHA has called set_soh_request.
    [[nodiscard]] bool has_new_soh() const noexcept { return new_soh_.has_value(); }

    // During ProcessSoHResponse: this SHA's SoH response and its flags (shaFixup).
    // NAP_E_NOT_PENDING outside ProcessSoHResponse.
    [[nodiscard]] Result<SoH> soh_response() const;
    [[nodiscard]] std::uint8_t response_flags() const noexcept { return response_flags_; }

    // Agent side.
    void set_response(SoH response, std::uint8_t flags) {
        response_ = std::move(response);
        response_flags_ = flags;
    }
    [[nodiscard]] std::optional<SoH> take_new_soh() { return std::move(new_soh_); }
    [[nodiscard]] std::optional<SoH> take_response() { return std::exchange(response_, {}); }
    // The response soh_response() copies, without the copy; nullptr outside ProcessSoHResponse.
    [[nodiscard]] const SoH* response_ptr() const noexcept {
        return response_ ? &*response_ : nullptr;
    }

  private:
    CorrelationId correlation_id_;
    SoHPtr cached_;
    SystemHealthEntityId sha_ = 0;
    std::optional<SoH> new_soh_;
    bool cache_flag_ = false;
    std::optional<SoH> response_;
    std::uint8_t response_flags_ = 0;
};

}  // namespace opennap::agent
