// OS identity: /etc/os-release (else /usr/lib/os-release) and uname(2).
//
// parse_os_release() follows os-release(5): one VAR=value assignment per line; blank lines and
// lines starting with '#' are ignored; values may be unquoted (no whitespace; a backslash escapes
// the next character) or enclosed in double quotes (backslash escapes only \" \\ \$ \` and a
// newline; other backslashes are kept) or single quotes (no escapes); a value may be several
// quoted and unquoted pieces next to each other, as in the shell. Variable names are
// [A-Za-z_][A-Za-z0-9_]*. A line that breaks these rules is skipped and reported in `skipped`
// (CHOSEN: one bad line does not lose the file's other fields); a later assignment of the same
// name wins, as in the shell. Pure: no I/O.
//
// check_os_identity(): Pass with the fields and the kernel (release, version, machine) when an
// os-release file was read; Fail when `allowed_ids` is not empty and ID is not in it; Error when
// neither file can be read. uname(2) is the running kernel and is not redirected by the root.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "opennap/checks/parse_error.h"
#include "opennap/checks/result.h"
#include "opennap/checks/system_root.h"

namespace opennap::checks {

struct OsRelease {
    std::map<std::string, std::string, std::less<>> fields;
    std::vector<ParseError> skipped;
    friend bool operator==(const OsRelease&, const OsRelease&) = default;

    // The field's value, or `fallback` when absent (os-release(5) defaults: ID "linux", NAME
    // "Linux", PRETTY_NAME "Linux").
    [[nodiscard]] std::string get(std::string_view key, std::string_view fallback = {}) const;
};

[[nodiscard]] OsRelease parse_os_release(std::string_view text);

struct OsIdentityDetails {
    std::string source;  // the os-release file read ("/etc/os-release")
    std::string id;      // ID (default "linux")
    std::string id_like;
    std::string name;  // NAME (default "Linux")
    std::string pretty_name;
    std::string version_id;
    std::string version_codename;
    std::string variant_id;
    std::string build_id;
    std::string kernel_release;  // uname -r
    std::string kernel_version;  // uname -v
    std::string machine;         // uname -m
    std::size_t skipped_lines = 0;
    friend bool operator==(const OsIdentityDetails&, const OsIdentityDetails&) = default;
};

struct OsIdentityOptions {
    std::vector<std::string> allowed_ids;  // empty: any distribution passes
    friend bool operator==(const OsIdentityOptions&, const OsIdentityOptions&) = default;
};

[[nodiscard]] Measurement<OsIdentityDetails> check_os_identity(const SystemRoot& root,
                                                               const OsIdentityOptions& opt = {});

}  // namespace opennap::checks
