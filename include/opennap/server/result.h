// Result types of the server-side NAP API: a value or the HRESULT the NAP documentation specifies.
#pragma once

#include <expected>

#include "opennap/core/hresult.h"

namespace opennap::server {

template <typename T>
using Result = std::expected<T, HResult>;

// For calls that return only a status: S_OK (or another success code) or a failure HRESULT.
using Status = HResult;

[[nodiscard]] inline std::unexpected<HResult> fail(HResult hr) noexcept {
    return std::unexpected(hr);
}

}  // namespace opennap::server
