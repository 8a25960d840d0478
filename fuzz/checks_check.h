// The checks the checks_fuzz target (and the corpus replay in tests/checks) applies to the pure
// parsers of the checks room on untrusted input. The first byte picks the parser; the
// rest is its input: 0 os-release, 1 ClamAV database header, 2 /proc/self/mountinfo, 3
// /proc/swaps, 4 `nft -j list ruleset`, 5 an efivarfs variable, 6 the lockdown file, 7 the
// [checks] TOML table. Every error must point inside the input; successful parses must be
// self-consistent.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_util.h"
#include "opennap/checks/clamav.h"
#include "opennap/checks/config.h"
#include "opennap/checks/disk_encryption.h"
#include "opennap/checks/firewall.h"
#include "opennap/checks/os_release.h"
#include "opennap/checks/secure_boot.h"

inline void check_checks_input(const std::uint8_t* data, std::size_t size) {
    using namespace opennap::checks;
    if (size == 0) {
        return;
    }
    const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
    switch (data[0] % 8) {
        case 0: {
            const OsRelease os = parse_os_release(in);
            for (const auto& e : os.skipped) {
                OPENNAP_FUZZ_CHECK(e.offset <= in.size());
                OPENNAP_FUZZ_CHECK(e.line >= 1);
            }
            for (const auto& [k, v] : os.fields) {
                OPENNAP_FUZZ_CHECK(!k.empty());
                OPENNAP_FUZZ_CHECK(v.size() <= in.size());
            }
            break;
        }
        case 1: {
            auto h = parse_cvd_header(in);
            if (!h) {
                OPENNAP_FUZZ_CHECK(h.error().offset <= std::min(in.size(), kCvdHeaderSize));
            } else {
                OPENNAP_FUZZ_CHECK(in.starts_with("ClamAV-VDB:"));
            }
            (void)parse_cvd_time(in);
            break;
        }
        case 2: {
            auto m = parse_mountinfo(in);
            if (!m) {
                OPENNAP_FUZZ_CHECK(m.error().offset <= in.size());
            } else {
                const MountEntry* e = mount_of(*m, "/home/user");
                OPENNAP_FUZZ_CHECK(e == nullptr || e->mount_point.size() <= in.size());
            }
            break;
        }
        case 3: {
            auto s = parse_proc_swaps(in);
            if (!s) {
                OPENNAP_FUZZ_CHECK(s.error().offset <= in.size());
            }
            break;
        }
        case 4: {
            auto c = evaluate_nft_ruleset(in);
            if (!c) {
                OPENNAP_FUZZ_CHECK(c.error().offset <= in.size());
            } else {
                for (const auto& chain : *c) {
                    OPENNAP_FUZZ_CHECK(chain.covers_ipv4() || chain.covers_ipv6());
                }
            }
            break;
        }
        case 5: {
            auto v = parse_efi_variable(in);
            OPENNAP_FUZZ_CHECK(v.has_value() == (in.size() >= 4));
            if (v) {
                OPENNAP_FUZZ_CHECK(v->data.size() + 4 == in.size());
            }
            break;
        }
        case 6: {
            auto l = parse_lockdown(in);
            if (l) {
                OPENNAP_FUZZ_CHECK(!l->mode.empty());
            } else {
                OPENNAP_FUZZ_CHECK(l.error().offset <= in.size());
            }
            break;
        }
        case 7: {
            auto c = parse_checks_config(in, "fuzz.toml");
            if (!c) {
                OPENNAP_FUZZ_CHECK(!c.error().empty());
            } else {
                OPENNAP_FUZZ_CHECK(c->interval.count() >= 10);
            }
            break;
        }
    }
}
