// INapSystemHealthValidator and INapServerCallback (nap-api.md §14.1-14.2) in C++.
//
// A System Health Validator (SHV) judges the SoH of its System Health Agent. The host calls
// validate() for EVERY registered SHV on every validation, also when the client sent no SoH for
// it (request.soh_request() is then null). The SHV either answers synchronously (sets the response
// on the request and returns S_OK) or asynchronously (returns E_PENDING and later, from another
// thread, calls callback->on_complete(request, hr) within hint_timeout). Returning
// hr::RPC_S_SERVER_UNAVAILABLE (or the bare Win32 1722) means "my process died": the host
// re-creates the SHV once. Anything else is a server-component failure for this SHV only; an
// exception escaping validate() is treated the same way. See docs/shv.md.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "opennap/server/result.h"
#include "opennap/server/validation_request.h"

namespace opennap::server {

// Implemented by the host, handed to every validate() call.
class ServerCallback {
  public:
    virtual ~ServerCallback() = default;
    // OnComplete: `request` (the object validate() was given) is complete; `error_code` is what
    // SetSoHResponse returned, or why the SHV could not set one. S_OK when accepted;
    // NAP_E_NOT_PENDING when the request is not pending: already completed (a duplicate call),
    // timed out (a late call), discarded (the SHV was unregistered), or not the host's.
    virtual Status on_complete(ValidationRequest& request, HResult error_code) = 0;
};

class SystemHealthValidator {
  public:
    virtual ~SystemHealthValidator() = default;
    // Validate. S_OK: the response is set; E_PENDING: on_complete() follows;
    // RPC_S_SERVER_UNAVAILABLE: the SHV is gone; anything else: a server-component failure.
    // Must not block: an SHV that needs I/O returns E_PENDING.
    virtual Status validate(const std::shared_ptr<ValidationRequest>& request,
                            std::chrono::milliseconds hint_timeout,
                            const std::shared_ptr<ServerCallback>& callback) = 0;
};

// Creates (and, after RPC_S_SERVER_UNAVAILABLE, re-creates) an SHV object: what COM's
// CoCreateInstance(validatorClsid) does for the Windows NAP server. A failure HRESULT when the
// SHV cannot be created.
using ValidatorFactory = std::function<Result<std::shared_ptr<SystemHealthValidator>>()>;

}  // namespace opennap::server
