// The per-SHV request object of one validation (INapSystemHealthValidationRequest(2),
// nap-api.md §14.3): what the client sent for this SHV, and the SoH response the SHV sets.
//
// The host creates one for every SHV of every validation and hands it to
// SystemHealthValidator::validate() as a shared_ptr: an SHV that answers asynchronously keeps it
// until it has called ServerCallback::on_complete(). Every method is thread-safe. Once the host has
// taken the SHV's answer (validate() returned, on_complete() was accepted, the SHV timed out or
// was unregistered) the request is *closed*: the getters keep working, the setters return
// NAP_E_NOT_PENDING. See docs/shv.md.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "opennap/core/ids.h"
#include "opennap/core/nap_structs.h"
#include "opennap/server/result.h"

namespace opennap::server {

namespace detail {
class Run;
class HostCore;
}  // namespace detail

class ValidationRequest {
  public:
    struct Params {
        SystemHealthEntityId shv_id = 0;  // the SHV the request is for
        CorrelationId correlation_id;
        std::u16string machine_name;
        // The client's SoH for this SHV (its SoHReportEntry: System-Health-ID first), or null
        // when the client sent none.
        std::shared_ptr<const SoH> soh;
        // The NAP agent generated the SoH because the SHA failed (MS-SystemGenerated-Ids).
        bool nap_system_generated = false;
        std::uint32_t config_id = 0;  // INapComponentConfig3 configuration for this request
        PrivateData private_data;     // the NAP server's own state (opaque)
    };

    explicit ValidationRequest(Params params);
    ValidationRequest(const ValidationRequest&) = delete;
    ValidationRequest& operator=(const ValidationRequest&) = delete;

    [[nodiscard]] SystemHealthEntityId shv_id() const noexcept { return p_.shv_id; }
    // GetCorrelationId: the SHV must log it.
    [[nodiscard]] const CorrelationId& correlation_id() const noexcept { return p_.correlation_id; }
    // GetStringCorrelationId: "{guid}@{ISO time}" (CorrelationId::to_string), as UTF-16.
    [[nodiscard]] std::u16string string_correlation_id() const;
    // GetMachineName: the client machine's name (MS-MachineName), for logging.
    [[nodiscard]] const std::u16string& machine_name() const noexcept { return p_.machine_name; }
    // GetSoHRequest: the client's SoH for this SHV, or nullptr when it sent none (the SHV then
    // answers NAP_E_MISSING_SOH); and whether the NAP agent generated it (napSystemGenerated).
    [[nodiscard]] const SoH* soh_request() const noexcept { return p_.soh.get(); }
    [[nodiscard]] const std::shared_ptr<const SoH>& soh_request_ptr() const noexcept {
        return p_.soh;
    }
    [[nodiscard]] bool nap_system_generated() const noexcept { return p_.nap_system_generated; }
    // GetConfigID (INapSystemHealthValidationRequest2).
    [[nodiscard]] std::uint32_t config_id() const noexcept { return p_.config_id; }

    // SetSoHResponse: the SoH response for the SHA (replaces one set before). E_INVALIDARG unless
    // the first attribute, and only it, is System-Health-ID = shv_id(), there are at most
    // maxSoHAttributeCount attributes of at most maxSoHAttributeSize bytes with 14-bit types, and
    // the entry fits an SSoHR (kMaxResponseEntrySize bytes encoded). NAP_E_NOT_PENDING once the
    // request is closed. Whether it carries compliance result codes or a failure category is
    // judged when the SHV completes (docs/shv.md).
    Status set_soh_response(SoH response);
    // GetSoHResponse: the response set so far; NAP_E_NOT_INITIALIZED before SetSoHResponse.
    [[nodiscard]] Result<SoH> soh_response() const;

    // SetPrivateData / GetPrivateData: the NAP server's opaque state (at most maxPrivateDataSize
    // bytes, else E_INVALIDARG); starts as Params::private_data. NAP_E_NOT_PENDING once closed.
    Status set_private_data(PrivateData data);
    [[nodiscard]] PrivateData private_data() const;

    // True once the host has taken the SHV's answer.
    [[nodiscard]] bool closed() const;

    // The largest encoded SoH response entry (TLV headers included): an SSoHR is at most
    // maxProtocolMaxSize bytes, of which the message header takes 12.
    static constexpr std::size_t kMaxResponseEntrySize = 0xFFFF - 12;

  private:
    friend class detail::Run;
    friend class detail::HostCore;

    struct Taken {
        std::optional<SoH> response;
        PrivateData private_data;
    };
    // Closes the request and hands over what the SHV set: a copy, as the getters keep working,
    // or, when the host holds the only references left (`sole_owner`: no SHV can call a getter
    // any more), the response itself.
    Taken close(bool sole_owner = false);

    Params p_;
    mutable std::mutex mu_;
    std::optional<SoH> response_;
    bool closed_ = false;
    // The host's link: which run and slot (and which attempt of that slot) this request belongs
    // to. Empty for requests made outside a host.
    std::weak_ptr<detail::Run> run_;
    std::uint32_t slot_ = 0;
};

}  // namespace opennap::server
