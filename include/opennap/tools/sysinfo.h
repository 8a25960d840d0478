// This Linux machine's facts for a System SoH (SSoH), and the request message built from them.
//
// Mapping of Linux facts onto the Windows-shaped MS attributes (ms-soh.md §3.3), documented in
// docs/napctl.md ("What napdemo sends"):
//   MS-Machine-Inventory
//     osVersionMajor/Minor  VERSION_ID of /etc/os-release, "12" -> 12.0, "22.04" -> 22.4
//                           (0.0 when absent, e.g. Debian testing)
//     osVersionBuild        the running kernel, `uname -r` "a.b.c-..." encoded like
//                           LINUX_VERSION_CODE / KERNEL_VERSION(a, b, c) of <linux/version.h>:
//                           (a << 16) + (b << 8) + min(c, 255); "6.1.0-18-amd64" -> 0x060100
//     spVersionMajor/Minor  0 / 0 (Linux has no service packs)
//     processorArchitecture `uname -m`: x86_64/amd64 -> 9 (x64), i386..i686/x86 -> 0 (x86),
//                           aarch64/arm64 -> 12 (PROCESSOR_ARCHITECTURE_ARM64, winnt.h),
//                           arm* -> 5 (PROCESSOR_ARCHITECTURE_ARM), ia64 -> 6,
//                           anything else -> 0xFFFF (PROCESSOR_ARCHITECTURE_UNKNOWN)
//   MS-MachineName          gethostname(), plus "." + getdomainname() when the host name has no
//                           dot and the NIS domain is set (not "(none)"); sent with one trailing
//                           NUL like Windows and wpa_supplicant
//   MS-Machine-Inventory-Ex reserved 0xDECAFBAD, product type 1 (workstation)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "opennap/core/ids.h"
#include "opennap/soh/message.h"

namespace opennap::tools {

struct OsVersion {
    std::uint32_t major = 0;
    std::uint32_t minor = 0;
    std::string pretty_name;  // PRETTY_NAME, for display only ("" if absent)
};

struct SystemFacts {
    OsVersion os;
    std::string kernel_release;  // uname -r
    std::string machine;         // uname -m
    std::uint32_t os_build = 0;  // kernel_version_code(kernel_release)
    std::uint16_t processor_arch = 0xFFFF;
    std::string host_name;  // without the trailing NUL
};

// Parses /etc/os-release text (KEY=value lines, values optionally quoted).
[[nodiscard]] OsVersion parse_os_release(std::string_view text);
// KERNEL_VERSION(a, b, min(c, 255)) of the leading "a.b.c" of a kernel release; missing parts
// count as 0; 0 when the text does not start with a number.
[[nodiscard]] std::uint32_t kernel_version_code(std::string_view release) noexcept;
// processorArchitecture for a `uname -m` machine name (see the table above).
[[nodiscard]] std::uint16_t processor_arch_for(std::string_view machine) noexcept;

// Reads /etc/os-release (or /usr/lib/os-release), uname(2), gethostname(2), getdomainname(2).
// Never fails: unreadable facts keep their defaults (host name "localhost").
[[nodiscard]] SystemFacts gather_system_facts();

// A fresh correlation id: a random (version 4) GUID from std::random_device and FileTime::now().
[[nodiscard]] CorrelationId new_correlation_id();

// The SoH request of this machine: inner type 2 with the mode sub-header (correlation id `id`,
// intent 1, content type 0), then the SSoH with MS-Packet-Info 0x11, MS-Machine-Inventory,
// MS-MachineName, MS-CorrelationId (same id), MS-Quarantine-State (flags
// quarantine_flags::make(1, 0), probation none, URL "\0") and MS-Machine-Inventory-Ex
// (0xDECAFBAD, workstation). No report entries (no Linux SHAs yet).
[[nodiscard]] soh::Message build_request(const SystemFacts& facts, const CorrelationId& id);

}  // namespace opennap::tools
