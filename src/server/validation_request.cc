// INapSystemHealthValidationRequest(2) (nap-api.md §14.3).
#include "opennap/server/validation_request.h"

#include "opennap/core/endian.h"
#include "opennap/soh/tlv.h"

namespace opennap::server {

namespace {

// The SetSoHResponse rules (validation_request.h).
bool valid_response(const SoH& soh, SystemHealthEntityId id) {
    if (soh.attributes.empty() || soh.attributes.size() > maxSoHAttributeCount)
        return false;
    const SoHAttribute& first = soh.attributes.front();
    if (first.type != soh::tlv_type::kSystemHealthId || first.value.size() != 4 ||
        load_be32(first.value.data()) != id) {
        return false;
    }
    std::size_t encoded = 0;
    for (std::size_t i = 0; i < soh.attributes.size(); ++i) {
        const SoHAttribute& a = soh.attributes[i];
        if (a.type > soh::kTlvTypeMask || a.value.size() > maxSoHAttributeSize)
            return false;
        if (i > 0 && a.type == soh::tlv_type::kSystemHealthId)
            return false;  // would start another entry on the wire
        encoded += soh::kTlvHeaderSize + a.value.size();
    }
    return encoded <= ValidationRequest::kMaxResponseEntrySize;
}

}  // namespace

ValidationRequest::ValidationRequest(Params params) : p_(std::move(params)) {}

std::u16string ValidationRequest::string_correlation_id() const {
    return utf8_to_utf16(p_.correlation_id.to_string());
}

Status ValidationRequest::set_soh_response(SoH response) {
    if (!valid_response(response, p_.shv_id))
        return hr::E_INVALIDARG;
    std::lock_guard lock(mu_);
    if (closed_)
        return hr::NAP_E_NOT_PENDING;
    response_ = std::move(response);
    return hr::S_OK;
}

Result<SoH> ValidationRequest::soh_response() const {
    std::lock_guard lock(mu_);
    if (!response_)
        return fail(hr::NAP_E_NOT_INITIALIZED);
    return *response_;
}

Status ValidationRequest::set_private_data(PrivateData data) {
    if (!data.is_valid())
        return hr::E_INVALIDARG;
    std::lock_guard lock(mu_);
    if (closed_)
        return hr::NAP_E_NOT_PENDING;
    p_.private_data = std::move(data);
    return hr::S_OK;
}

PrivateData ValidationRequest::private_data() const {
    std::lock_guard lock(mu_);
    return p_.private_data;
}

bool ValidationRequest::closed() const {
    std::lock_guard lock(mu_);
    return closed_;
}

ValidationRequest::Taken ValidationRequest::close(bool sole_owner) {
    std::lock_guard lock(mu_);
    closed_ = true;
    if (sole_owner)
        return Taken{std::move(response_), p_.private_data};
    return Taken{response_, p_.private_data};
}

}  // namespace opennap::server
