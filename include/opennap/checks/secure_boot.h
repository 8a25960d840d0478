// Secure Boot and kernel lockdown.
//
// Secure Boot: the UEFI variable SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c in efivarfs
// (/sys/firmware/efi/efivars): 4 bytes of attributes (little-endian) followed by the value, one
// byte, 1 = enabled (parse_efi_variable(), pure). SetupMode (same GUID) is reported too.
//   NotApplicable  no /sys/firmware/efi: the machine did not boot through UEFI (CHOSEN: a BIOS
//                  machine cannot have Secure Boot; the validator decides whether that is
//                  acceptable);
//   Fail           the SecureBoot variable is 0, or absent (firmware without Secure Boot);
//   Pass           it is 1;
//   Error          efivarfs is not mounted (the directory is empty) or the variable is malformed.
//
// Kernel lockdown: /sys/kernel/security/lockdown reads like "none [integrity] confidentiality"
// (the bracketed word is the mode; parse_lockdown(), pure).
//   Pass           the mode is at least `minimum` (integrity < confidentiality);
//   Fail           a lower mode, or securityfs mounted without the lockdown LSM;
//   Error          securityfs is not mounted at /sys/kernel/security (nothing can be read).
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "opennap/checks/parse_error.h"
#include "opennap/checks/result.h"
#include "opennap/checks/system_root.h"

namespace opennap::checks {

inline constexpr std::string_view kEfiGlobalVariableGuid = "8be4df61-93ca-11d2-aa0d-00e098032b8c";

struct EfiVariable {
    std::uint32_t attributes = 0;
    std::string data;
    friend bool operator==(const EfiVariable&, const EfiVariable&) = default;
};
[[nodiscard]] std::expected<EfiVariable, ParseError> parse_efi_variable(std::string_view bytes);

struct SecureBootDetails {
    bool uefi = false;
    std::optional<bool> secure_boot;
    std::optional<bool> setup_mode;
    std::uint32_t attributes = 0;
    friend bool operator==(const SecureBootDetails&, const SecureBootDetails&) = default;
};

[[nodiscard]] Measurement<SecureBootDetails> check_secure_boot(const SystemRoot& root);

struct Lockdown {
    std::string mode;  // the bracketed entry
    std::vector<std::string> modes;
    friend bool operator==(const Lockdown&, const Lockdown&) = default;
};
[[nodiscard]] std::expected<Lockdown, ParseError> parse_lockdown(std::string_view text);

struct LockdownDetails {
    bool securityfs = false;
    bool lsm = false;
    std::string mode;
    friend bool operator==(const LockdownDetails&, const LockdownDetails&) = default;
};

enum class LockdownMode : std::uint8_t { None, Integrity, Confidentiality };
struct LockdownOptions {
    LockdownMode minimum = LockdownMode::Integrity;
    friend bool operator==(const LockdownOptions&, const LockdownOptions&) = default;
};

[[nodiscard]] Measurement<LockdownDetails> check_kernel_lockdown(const SystemRoot& root,
                                                                 const LockdownOptions& opt = {});

}  // namespace opennap::checks
