#include "opennap/tools/sysinfo.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <random>
#include <sstream>

namespace opennap::tools {

namespace {

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

std::string unquote(std::string_view v) {
    v = trim(v);
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
        v = v.substr(1, v.size() - 2);
        std::string out;
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (v[i] == '\\' && i + 1 < v.size())
                ++i;
            out.push_back(v[i]);
        }
        return out;
    }
    return std::string(v);
}

// Leading decimal number of `s` (advancing it); nullopt when s does not start with a digit.
std::optional<std::uint32_t> take_number(std::string_view& s) noexcept {
    if (s.empty() || s.front() < '0' || s.front() > '9')
        return std::nullopt;
    std::uint64_t v = 0;
    while (!s.empty() && s.front() >= '0' && s.front() <= '9') {
        v = std::min<std::uint64_t>(v * 10 + static_cast<std::uint64_t>(s.front() - '0'),
                                    0xFFFFFFFFu);
        s.remove_prefix(1);
    }
    return static_cast<std::uint32_t>(v);
}

std::string read_file(const char* path) {
    std::ifstream in(path);
    if (!in)
        return {};
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

OsVersion parse_os_release(std::string_view text) {
    OsVersion v;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        std::string_view line = trim(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (line.empty() || line.front() == '#')
            continue;
        const auto eq = line.find('=');
        if (eq == std::string_view::npos)
            continue;
        const std::string_view key = trim(line.substr(0, eq));
        const std::string value = unquote(line.substr(eq + 1));
        if (key == "VERSION_ID") {
            std::string_view s = value;
            v.major = take_number(s).value_or(0);
            v.minor = 0;
            if (!s.empty() && s.front() == '.') {
                s.remove_prefix(1);
                v.minor = take_number(s).value_or(0);
            }
        } else if (key == "PRETTY_NAME") {
            v.pretty_name = value;
        }
    }
    return v;
}

std::uint32_t kernel_version_code(std::string_view release) noexcept {
    std::array<std::uint32_t, 3> parts{};
    for (std::size_t i = 0; i < parts.size(); ++i) {
        auto n = take_number(release);
        if (!n)
            break;
        parts[i] = *n;
        if (release.empty() || release.front() != '.')
            break;
        release.remove_prefix(1);
    }
    return (std::min<std::uint32_t>(parts[0], 0xFFFF) << 16) +
           (std::min<std::uint32_t>(parts[1], 255) << 8) + std::min<std::uint32_t>(parts[2], 255);
}

std::uint16_t processor_arch_for(std::string_view m) noexcept {
    if (m == "x86_64" || m == "amd64")
        return 9;
    if (m == "x86" ||
        (m.size() == 4 && m[0] == 'i' && m[1] >= '3' && m[1] <= '6' && m.substr(2) == "86")) {
        return 0;
    }
    if (m == "aarch64" || m == "arm64" || m == "aarch64_be")
        return 12;
    if (m.starts_with("arm"))
        return 5;
    if (m == "ia64")
        return 6;
    return 0xFFFF;
}

SystemFacts gather_system_facts() {
    SystemFacts f;
    std::string os = read_file("/etc/os-release");
    if (os.empty())
        os = read_file("/usr/lib/os-release");
    f.os = parse_os_release(os);
    struct utsname u {};
    if (uname(&u) == 0) {
        f.kernel_release = u.release;
        f.machine = u.machine;
    }
    f.os_build = kernel_version_code(f.kernel_release);
    f.processor_arch = processor_arch_for(f.machine);
    std::array<char, 256> buf{};
    if (gethostname(buf.data(), buf.size() - 1) == 0 && buf[0] != '\0')
        f.host_name = buf.data();
    else
        f.host_name = "localhost";
    if (f.host_name.find('.') == std::string::npos) {
        std::array<char, 256> dom{};
        if (getdomainname(dom.data(), dom.size() - 1) == 0) {
            const std::string_view d = dom.data();
            if (!d.empty() && d != "(none)") {
                // Appended piecewise: g++ 12 -O3 reports a false -Wrestrict for "." + string.
                f.host_name += '.';
                f.host_name.append(d);
            }
        }
    }
    return f;
}

CorrelationId new_correlation_id() {
    std::random_device rd;
    std::array<std::uint8_t, 16> b{};
    for (std::size_t i = 0; i < b.size(); i += 4) {
        const std::uint32_t r = rd();
        for (std::size_t k = 0; k < 4; ++k)
            b[i + k] = static_cast<std::uint8_t>(r >> (8 * k));
    }
    b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40);  // version 4
    b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
    return CorrelationId{Guid::from_bytes_be(b), FileTime::now()};
}

soh::Message build_request(const SystemFacts& facts, const CorrelationId& id) {
    soh::Message m;
    m.mode = soh::ModeSubHeader{};
    m.mode->intent = soh::kIntentRequest;
    m.mode->content_type = 0;
    auto& items = m.system.items;
    items.emplace_back(soh::PacketInfo{soh::kPacketInfoRequest});
    items.emplace_back(soh::MachineInventory{facts.os.major, facts.os.minor, facts.os_build, 0, 0,
                                             facts.processor_arch});
    items.emplace_back(soh::MachineName{facts.host_name + std::string(1, '\0')});
    items.emplace_back(soh::MsCorrelationId{});
    items.emplace_back(soh::QuarantineState{soh::quarantine_flags::make(1, 0),
                                            FileTime{FileTime::kNone}, std::string(1, '\0')});
    items.emplace_back(soh::MachineInventoryEx{
        soh::kInventoryExReserved, static_cast<std::uint8_t>(soh::ProductType::Workstation)});
    m.set_correlation_id(id);
    return m;
}

}  // namespace opennap::tools
