// What the other src/win files need to know about the SHV-side objects. Internal.
#pragma once

#include <memory>

#include "opennap/server/validator.h"

#include "NapSystemHealthValidator.h"

namespace opennap::win {

// Private IID answered only by OpenNAP's validation request objects: QueryInterface with it
// returns the object itself, which is how OnComplete maps a COM request back to the C++ one.
// 3C7B9E52-1D0A-4F6B-8E21-9A4D5C6B7E80
inline constexpr IID IID_OpenNapValidationRequestObject = {
    0x3C7B9E52, 0x1D0A, 0x4F6B, {0x8E, 0x21, 0x9A, 0x4D, 0x5C, 0x6B, 0x7E, 0x80}};

// The C++ request behind one of our COM request objects; nullptr for NULL and for objects that
// are not ours.
std::shared_ptr<server::ValidationRequest> request_of(INapSystemHealthValidationRequest* request);

// A new INapSystemHealthValidationRequest2 over `request` (one reference).
HRESULT wrap_request(std::shared_ptr<server::ValidationRequest> request,
                     INapSystemHealthValidationRequest2** out) noexcept;
// A new INapServerCallback over `callback` (one reference).
HRESULT wrap_callback(std::shared_ptr<server::ServerCallback> callback,
                      INapServerCallback** out) noexcept;

}  // namespace opennap::win
