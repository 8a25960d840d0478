// The result model of OpenNAP's Linux health checks (docs/checks.md).
//
// Every check returns a Measurement<Details>: a Status (pass / fail / not applicable / error), the
// check's typed details (what was read: the signature age, the device chain walked, ...), a
// one-line reason, and the wall time the measurement took. A failure to measure is Status::Error
// with a MeasureError (text, errno and HRESULT); it is never reported as a pass, and it is kept
// apart from Fail ("measured, and the machine is not healthy") and NotApplicable ("this check
// does not apply to this machine", e.g. no graphical session for the screen lock).
//
// Nothing in this room throws across its API (std::bad_alloc aside): fallible helpers return
// checks::Result<T>.
#pragma once

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "opennap/core/hresult.h"

namespace opennap::checks {

enum class Status : std::uint8_t {
    Pass,
    Fail,
    NotApplicable,
    Error,  // measuring failed: a client-component failure, never a pass
};
// "pass", "fail", "not-applicable", "error".
[[nodiscard]] std::string_view to_string(Status s) noexcept;

// Why a measurement could not be made.
struct MeasureError {
    std::string message;           // what failed, with the path / call / unit involved
    int errno_value = 0;           // errno of the failing call, 0 if none
    HResult hresult = hr::E_FAIL;  // hresult_from_errno(errno_value), or the call's HRESULT
    friend bool operator==(const MeasureError&, const MeasureError&) = default;

    // "message: strerror (errno N)" or "message".
    [[nodiscard]] std::string to_string() const;
};

// An errno as an HRESULT: ENOENT -> ERROR_FILE_NOT_FOUND, EACCES/EPERM -> E_ACCESSDENIED,
// ENOMEM -> E_OUTOFMEMORY, EINVAL -> E_INVALIDARG, ETIMEDOUT -> HRESULT_FROM_WIN32(ERROR_TIMEOUT),
// anything else E_FAIL (errno numbers are not Win32 codes: EIO is 5, ERROR_ACCESS_DENIED too;
// MeasureError::errno_value keeps the errno).
[[nodiscard]] HResult hresult_from_errno(int e) noexcept;

[[nodiscard]] MeasureError errno_error(std::string message, int e);
[[nodiscard]] MeasureError plain_error(std::string message, HResult hr = hr::E_FAIL);

template <typename T>
using Result = std::expected<T, MeasureError>;

[[nodiscard]] inline std::unexpected<MeasureError> fail(MeasureError e) {
    return std::unexpected<MeasureError>(std::move(e));
}

// Whether two measurements' details describe the same state. Details that carry ages derived
// from the clock (hours since a signature build, seconds since the last update) overload this to
// compare the absolute times instead, so that time passing alone is not a change.
template <typename Details>
[[nodiscard]] bool same_details(const Details& a, const Details& b) {
    return a == b;
}

template <typename Details>
struct Measurement {
    Status status = Status::Error;
    Details details{};
    std::string reason;                 // one line: why this status
    std::optional<MeasureError> error;  // set iff status == Error
    std::chrono::microseconds elapsed{0};

    friend bool operator==(const Measurement&, const Measurement&) = default;

    // The same status, details (same_details) and error: what "the SoH changed" compares. The
    // time taken and the reason text (which quotes ages) are left out.
    [[nodiscard]] bool same_state(const Measurement& o) const {
        return status == o.status && same_details(details, o.details) && error == o.error;
    }
};

template <typename Details>
[[nodiscard]] Measurement<Details> make(Status s, std::string reason, Details d = {}) {
    Measurement<Details> m;
    m.status = s;
    m.reason = std::move(reason);
    m.details = std::move(d);
    return m;
}

template <typename Details>
[[nodiscard]] Measurement<Details> make_error(MeasureError e, Details d = {}) {
    Measurement<Details> m;
    m.status = Status::Error;
    m.reason = e.to_string();
    m.error = std::move(e);
    m.details = std::move(d);
    return m;
}

// The checks, in report order. The first five are the Windows Security Health Agent's classes
// (soh/wsha.h); the rest make up OpenNAP's Linux SHA.
enum class CheckId : std::uint8_t {
    Firewall,
    Antivirus,
    Antispyware,
    AutomaticUpdates,
    SecurityUpdates,
    DiskEncryption,
    SecureBoot,
    KernelLockdown,
    ScreenLock,
    IpForwarding,
    OsIdentity,
};
inline constexpr std::size_t kCheckCount = 11;
// "firewall", "antivirus", "antispyware", "automatic-updates", "security-updates",
// "disk-encryption", "secure-boot", "kernel-lockdown", "screen-lock", "ip-forwarding",
// "os-identity".
[[nodiscard]] std::string_view to_string(CheckId id) noexcept;

// Worst of two statuses for a check made of parts: Error > Fail > Pass > NotApplicable
// (a part that does not apply does not make the whole not applicable when another part does).
[[nodiscard]] Status worst(Status a, Status b) noexcept;

}  // namespace opennap::checks
