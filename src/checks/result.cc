#include "opennap/checks/result.h"

#include <cstring>

namespace opennap::checks {

std::string_view to_string(Status s) noexcept {
    switch (s) {
        case Status::Pass:
            return "pass";
        case Status::Fail:
            return "fail";
        case Status::NotApplicable:
            return "not-applicable";
        case Status::Error:
            return "error";
    }
    return "unknown";
}

std::string_view to_string(CheckId id) noexcept {
    switch (id) {
        case CheckId::Firewall:
            return "firewall";
        case CheckId::Antivirus:
            return "antivirus";
        case CheckId::Antispyware:
            return "antispyware";
        case CheckId::AutomaticUpdates:
            return "automatic-updates";
        case CheckId::SecurityUpdates:
            return "security-updates";
        case CheckId::DiskEncryption:
            return "disk-encryption";
        case CheckId::SecureBoot:
            return "secure-boot";
        case CheckId::KernelLockdown:
            return "kernel-lockdown";
        case CheckId::ScreenLock:
            return "screen-lock";
        case CheckId::IpForwarding:
            return "ip-forwarding";
        case CheckId::OsIdentity:
            return "os-identity";
    }
    return "unknown";
}

std::string MeasureError::to_string() const {
    if (errno_value == 0) {
        return message;
    }
    return message + ": " + std::strerror(errno_value) + " (errno " + std::to_string(errno_value) +
           ")";
}

HResult hresult_from_errno(int e) noexcept {
    switch (e) {
        case 0:
            return hr::S_OK;
        case ENOENT:
            return hr::ERROR_FILE_NOT_FOUND;
        case EACCES:
        case EPERM:
            return hr::E_ACCESSDENIED;
        case ENOMEM:
            return hr::E_OUTOFMEMORY;
        case EINVAL:
            return hr::E_INVALIDARG;
        case ETIMEDOUT:
            return hresult_from_win32(win32::ERROR_TIMEOUT);
        default:
            return hr::E_FAIL;  // errno numbers are not Win32 codes; errno_value keeps it
    }
}

MeasureError errno_error(std::string message, int e) {
    return MeasureError{std::move(message), e, hresult_from_errno(e)};
}

MeasureError plain_error(std::string message, HResult hr) {
    return MeasureError{std::move(message), 0, hr};
}

Status worst(Status a, Status b) noexcept {
    auto rank = [](Status s) {
        switch (s) {
            case Status::NotApplicable:
                return 0;
            case Status::Pass:
                return 1;
            case Status::Fail:
                return 2;
            case Status::Error:
                return 3;
        }
        return 3;
    };
    return rank(a) >= rank(b) ? a : b;
}

}  // namespace opennap::checks
