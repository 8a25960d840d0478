#include "opennap/checks/secure_boot.h"

#include <cerrno>

namespace opennap::checks {

std::expected<EfiVariable, ParseError> parse_efi_variable(std::string_view b) {
    if (b.size() < 4) {
        return std::unexpected(ParseError{b.size(), 0, "attributes", "shorter than 4 bytes"});
    }
    EfiVariable v;
    for (int i = 3; i >= 0; --i) {
        v.attributes =
            (v.attributes << 8) | static_cast<unsigned char>(b[static_cast<std::size_t>(i)]);
    }
    v.data = std::string(b.substr(4));
    return v;
}

namespace {

std::expected<bool, ParseError> bool_variable(std::string_view bytes, std::uint32_t& attrs) {
    auto v = parse_efi_variable(bytes);
    if (!v) {
        return std::unexpected(v.error());
    }
    if (v->data.size() != 1) {
        return std::unexpected(ParseError{4, 0, "value", "not exactly one byte"});
    }
    const auto c = static_cast<unsigned char>(v->data[0]);
    if (c > 1) {
        return std::unexpected(ParseError{4, 0, "value", "neither 0 nor 1"});
    }
    attrs = v->attributes;
    return c == 1;
}

}  // namespace

Measurement<SecureBootDetails> check_secure_boot(const SystemRoot& root) {
    SecureBootDetails d;
    if (!root.exists("/sys/firmware/efi")) {
        return make(Status::NotApplicable, "not booted through UEFI (no /sys/firmware/efi)", d);
    }
    d.uefi = true;
    const std::string dir = "/sys/firmware/efi/efivars";
    auto entries = root.list(dir);
    if (!entries) {
        return make_error(entries.error(), d);
    }
    if (entries->empty()) {
        return make_error(plain_error("efivarfs is not mounted at " + root.path(dir).string()), d);
    }
    const std::string guid(kEfiGlobalVariableGuid);
    if (auto setup = root.read(dir + "/SetupMode-" + guid, 4096)) {
        std::uint32_t a = 0;
        if (auto v = bool_variable(*setup, a)) {
            d.setup_mode = *v;
        }
    }
    auto sb = root.read(dir + "/SecureBoot-" + guid, 4096);
    if (!sb) {
        if (sb.error().errno_value == ENOENT) {
            return make(Status::Fail, "firmware has no SecureBoot variable", d);
        }
        return make_error(sb.error(), d);
    }
    auto v = bool_variable(*sb, d.attributes);
    if (!v) {
        return make_error(plain_error("SecureBoot variable: " + v.error().to_string()), d);
    }
    d.secure_boot = *v;
    if (*v) {
        return make(Status::Pass, "Secure Boot enabled", d);
    }
    return make(Status::Fail,
                d.setup_mode.value_or(false) ? "Secure Boot disabled (firmware in setup mode)"
                                             : "Secure Boot disabled",
                d);
}

std::expected<Lockdown, ParseError> parse_lockdown(std::string_view text) {
    Lockdown l;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\n')) {
            ++i;
        }
        const std::size_t s = i;
        while (i < text.size() && text[i] != ' ' && text[i] != '\n') {
            ++i;
        }
        if (i == s) {
            break;
        }
        std::string_view w = text.substr(s, i - s);
        bool current = false;
        if (w.front() == '[') {
            if (w.size() < 3 || w.back() != ']') {
                return std::unexpected(ParseError{s, 0, "mode", "unbalanced brackets"});
            }
            w = w.substr(1, w.size() - 2);
            current = true;
        }
        for (char c : w) {
            if (!(c >= 'a' && c <= 'z')) {
                return std::unexpected(ParseError{s, 0, "mode", "not a lower-case word"});
            }
        }
        if (current) {
            if (!l.mode.empty()) {
                return std::unexpected(ParseError{s, 0, "mode", "two current modes"});
            }
            l.mode = std::string(w);
        }
        l.modes.emplace_back(w);
    }
    if (l.mode.empty()) {
        return std::unexpected(ParseError{0, 0, "mode", "no [current] mode"});
    }
    return l;
}

Measurement<LockdownDetails> check_kernel_lockdown(const SystemRoot& root,
                                                   const LockdownOptions& opt) {
    LockdownDetails d;
    auto entries = root.list("/sys/kernel/security");
    if (!entries || entries->empty()) {
        return make_error(plain_error("securityfs is not mounted at " +
                                      root.path("/sys/kernel/security").string()),
                          d);
    }
    d.securityfs = true;
    auto text = root.read("/sys/kernel/security/lockdown", 4096);
    if (!text) {
        if (text.error().errno_value == ENOENT) {
            return make(Status::Fail, "the kernel has no lockdown LSM", d);
        }
        return make_error(text.error(), d);
    }
    d.lsm = true;
    auto l = parse_lockdown(*text);
    if (!l) {
        return make_error(plain_error("lockdown: " + l.error().to_string()), d);
    }
    d.mode = l->mode;
    const LockdownMode m = l->mode == "confidentiality" ? LockdownMode::Confidentiality
                           : l->mode == "integrity"     ? LockdownMode::Integrity
                                                        : LockdownMode::None;
    if (static_cast<int>(m) >= static_cast<int>(opt.minimum)) {
        return make(Status::Pass, "kernel lockdown: " + d.mode, d);
    }
    return make(Status::Fail, "kernel lockdown: " + d.mode, d);
}

}  // namespace opennap::checks
