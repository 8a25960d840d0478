#include "opennap/checks/disk_encryption.h"

#include <libcryptsetup.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <memory>

namespace opennap::checks {

namespace {

constexpr std::uint32_t kMaxDepth = 16;

// Decodes the \ooo escapes the kernel writes for space, tab, newline and backslash.
std::string unescape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size()) {
            const char a = s[i + 1];
            const char b = s[i + 2];
            const char c = s[i + 3];
            if (a >= '0' && a <= '3' && b >= '0' && b <= '7' && c >= '0' && c <= '7') {
                out.push_back(static_cast<char>((a - '0') * 64 + (b - '0') * 8 + (c - '0')));
                i += 3;
                continue;
            }
        }
        out.push_back(s[i]);
    }
    return out;
}

std::vector<std::pair<std::string_view, std::size_t>> split_ws(std::string_view line,
                                                               std::size_t base) {
    std::vector<std::pair<std::string_view, std::size_t>> f;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
            ++i;
        }
        const std::size_t s = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t') {
            ++i;
        }
        if (i > s) {
            f.emplace_back(line.substr(s, i - s), base + s);
        }
    }
    return f;
}

bool parse_u32(std::string_view s, std::uint32_t& out) {
    if (s.empty()) {
        return false;
    }
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

bool parse_dev(std::string_view s, std::uint32_t& major, std::uint32_t& minor) {
    const std::size_t colon = s.find(':');
    return colon != std::string_view::npos && parse_u32(s.substr(0, colon), major) &&
           parse_u32(s.substr(colon + 1), minor);
}

template <typename F>
void for_each_line(std::string_view text, F f) {
    std::size_t pos = 0;
    std::size_t line = 1;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) {
            nl = text.size();
        }
        if (!f(text.substr(pos, nl - pos), pos, line)) {
            return;
        }
        pos = nl + 1;
        ++line;
    }
}

bool is_path_prefix(std::string_view mp, std::string_view path) {
    if (mp == "/") {
        return true;
    }
    return path.starts_with(mp) && (path.size() == mp.size() || path[mp.size()] == '/');
}

std::string base_name(const std::string& p) {
    const auto slash = p.find_last_of('/');
    return slash == std::string::npos ? p : p.substr(slash + 1);
}

bool encrypted_crypt_type(std::string_view uuid, std::string& type) {
    if (!uuid.starts_with("CRYPT-")) {
        return false;
    }
    std::string_view rest = uuid.substr(6);
    const std::size_t dash = rest.find('-');
    type = std::string(rest.substr(0, dash));
    static constexpr std::string_view kTypes[] = {"LUKS1",  "LUKS2", "PLAIN",  "LOOPAES",
                                                  "TCRYPT", "BITLK", "FVAULT2"};
    return std::find(std::begin(kTypes), std::end(kTypes), type) != std::end(kTypes);
}

// `dir`: the device's directory relative to the root ("/sys/devices/.../block/dm-0").
Result<bool> walk_dir(const SystemRoot& root, const std::string& dir, std::uint32_t depth,
                      std::vector<BlockNode>& chain);

Result<bool> walk_dev(const SystemRoot& root, std::uint32_t major, std::uint32_t minor,
                      std::uint32_t depth, std::vector<BlockNode>& chain) {
    if (depth > kMaxDepth) {
        return fail(errno_error("block device stack deeper than 16 levels", ELOOP));
    }
    const std::string link =
        "/sys/dev/block/" + std::to_string(major) + ":" + std::to_string(minor);
    std::error_code ec;
    const auto real = std::filesystem::canonical(root.path(link), ec);
    if (ec) {
        return fail(errno_error("resolve " + root.path(link).string(), ec.value()));
    }
    // Back to a root-relative path.
    std::string rel = real.string();
    const std::string prefix = root.is_host() ? "" : root.root().string();
    if (!prefix.empty()) {
        std::error_code ec2;
        const auto canon_root = std::filesystem::canonical(root.root(), ec2);
        const std::string cr = ec2 ? prefix : canon_root.string();
        if (!rel.starts_with(cr)) {
            return fail(plain_error(link + " leads outside the system root"));
        }
        rel = rel.substr(cr.size());
        if (rel.empty() || rel.front() != '/') {
            rel.insert(rel.begin(), '/');
        }
    }
    return walk_dir(root, rel, depth, chain);
}

Result<bool> walk_dir(const SystemRoot& root, const std::string& dir, std::uint32_t depth,
                      std::vector<BlockNode>& chain) {
    if (depth > kMaxDepth) {
        return fail(errno_error("block device stack deeper than 16 levels", ELOOP));
    }
    BlockNode n;
    n.name = base_name(dir);
    n.depth = depth;
    if (auto dev = root.read_value(dir + "/dev")) {
        n.dev = *dev;
    }
    const std::size_t index = chain.size();
    chain.push_back(n);
    auto set = [&](std::string kind, std::string detail = {}) {
        chain[index].kind = std::move(kind);
        chain[index].detail = std::move(detail);
    };

    if (auto uuid = root.read_value(dir + "/dm/uuid")) {
        std::string type;
        if (encrypted_crypt_type(*uuid, type)) {
            set("dm-crypt", *uuid);
            return true;
        }
        set(uuid->starts_with("LVM-") ? "lvm" : "dm", *uuid);
    } else if (root.exists(dir + "/md")) {
        set("md");
    } else if (root.exists(dir + "/partition")) {
        set("partition");
        const auto parent = dir.substr(0, dir.find_last_of('/'));
        return walk_dir(root, parent, depth + 1, chain);
    } else if (root.exists(dir + "/loop")) {
        auto backing = root.read_value(dir + "/loop/backing_file");
        if (!backing) {
            set("loop", "unbound");
            return false;
        }
        set("loop", *backing);
        std::string file = *backing;
        if (file.ends_with(" (deleted)")) {
            file.resize(file.size() - 10);
        }
        struct stat st {};
        if (::stat(root.path(file).c_str(), &st) != 0) {
            return fail(errno_error("stat the backing file " + root.path(file).string(), errno));
        }
        return walk_dev(root, ::major(st.st_dev), ::minor(st.st_dev), depth + 1, chain);
    } else if (n.name.starts_with("zram")) {
        set("zram");
        return true;
    }

    auto slaves = root.list(dir + "/slaves");
    if (!slaves || slaves->empty()) {
        if (chain[index].kind.empty()) {
            set("disk");
        }
        return false;
    }
    std::sort(slaves->begin(), slaves->end());
    bool all = true;
    for (const auto& s : *slaves) {
        auto dev = root.read_value(dir + "/slaves/" + s + "/dev");
        std::uint32_t ma = 0;
        std::uint32_t mi = 0;
        if (!dev || !parse_dev(*dev, ma, mi)) {
            return fail(
                plain_error("no device number in " + root.path(dir + "/slaves/" + s).string()));
        }
        auto r = walk_dev(root, ma, mi, depth + 1, chain);
        if (!r) {
            return r;
        }
        all = all && *r;
    }
    return all;
}

// The device number of /dev/<name> (or a /dev/mapper link) from sysfs, else stat().
Result<std::pair<std::uint32_t, std::uint32_t>> device_of_node(const SystemRoot& root,
                                                               const std::string& path) {
    std::string name;
    if (path.starts_with("/dev/mapper/")) {
        if (auto l = root.read_link(path)) {
            name = base_name(*l);
        }
    } else if (path.starts_with("/dev/") && path.find('/', 5) == std::string::npos) {
        name = path.substr(5);
    }
    if (!name.empty()) {
        if (auto dev = root.read_value("/sys/class/block/" + name + "/dev")) {
            std::uint32_t ma = 0;
            std::uint32_t mi = 0;
            if (parse_dev(*dev, ma, mi)) {
                return std::pair{ma, mi};
            }
        }
    }
    struct stat st {};
    if (::stat(root.path(path).c_str(), &st) != 0) {
        return fail(errno_error("stat " + root.path(path).string(), errno));
    }
    if (!S_ISBLK(st.st_mode)) {
        return fail(plain_error(path + " is not a block device"));
    }
    return std::pair{static_cast<std::uint32_t>(::major(st.st_rdev)),
                     static_cast<std::uint32_t>(::minor(st.st_rdev))};
}

bool network_fs(std::string_view t) {
    static constexpr std::string_view kNet[] = {"nfs",  "nfs4",      "cifs",     "smb3", "9p",
                                                "ceph", "glusterfs", "virtiofs", "afs",  "sshfs"};
    return std::find(std::begin(kNet), std::end(kNet), t) != std::end(kNet) ||
           t.starts_with("fuse.sshfs");
}

void add_crypt_info(const SystemRoot& root, EncryptionTarget& t) {
    if (!root.is_host()) {
        return;
    }
    for (const auto& n : t.chain) {
        if (n.kind != "dm-crypt") {
            continue;
        }
        auto name = root.read_value("/sys/class/block/" + n.name + "/dm/name");
        if (!name) {
            continue;
        }
        if (auto info = read_active_mapping(*name)) {
            t.crypt.push_back(*info);
        }
    }
}

void measure_device(const SystemRoot& root, std::uint32_t ma, std::uint32_t mi,
                    EncryptionTarget& t) {
    t.device = std::to_string(ma) + ":" + std::to_string(mi);
    auto enc = walk_block_device(root, ma, mi, t.chain);
    if (!enc) {
        t.status = Status::Error;
        t.note = enc.error().to_string();
        return;
    }
    t.status = *enc ? Status::Pass : Status::Fail;
    t.note = *enc ? "encrypted" : "not encrypted";
    add_crypt_info(root, t);
}

struct CryptFree {
    void operator()(crypt_device* cd) const noexcept { crypt_free(cd); }
};

CryptInfo info_of(crypt_device* cd) {
    CryptInfo i;
    const char* type = crypt_get_type(cd);
    i.type = type != nullptr ? type : "";
    const char* c = crypt_get_cipher(cd);
    const char* m = crypt_get_cipher_mode(cd);
    if (c != nullptr) {
        i.cipher = c;
        if (m != nullptr && *m != '\0') {
            i.cipher += std::string("-") + m;
        }
    }
    const int ks = crypt_get_volume_key_size(cd);
    i.key_bits = ks > 0 ? static_cast<std::uint32_t>(ks) * 8 : 0;
    const char* u = crypt_get_uuid(cd);
    i.uuid = u != nullptr ? u : "";
    return i;
}

}  // namespace

std::expected<std::vector<MountEntry>, ParseError> parse_mountinfo(std::string_view text) {
    std::vector<MountEntry> out;
    std::optional<ParseError> err;
    for_each_line(text, [&](std::string_view line, std::size_t off, std::size_t ln) {
        if (line.empty()) {
            return true;
        }
        const auto f = split_ws(line, off);
        // id parent major:minor root mount-point options [optional...] - fstype source super
        std::size_t sep = 0;
        for (std::size_t i = 6; i < f.size(); ++i) {
            if (f[i].first == "-") {
                sep = i;
                break;
            }
        }
        if (sep == 0) {
            err = ParseError{off, ln, "mountinfo", "no \"-\" separator after six fields"};
            return false;
        }
        if (sep + 2 >= f.size()) {
            err = ParseError{off, ln, "mountinfo", "no file system type and source after \"-\""};
            return false;
        }
        MountEntry e;
        if (!parse_dev(f[2].first, e.major, e.minor)) {
            err = ParseError{f[2].second, ln, "major:minor", "not two decimal numbers"};
            return false;
        }
        e.root = unescape(f[3].first);
        e.mount_point = unescape(f[4].first);
        e.fstype = std::string(f[sep + 1].first);
        e.source = unescape(f[sep + 2].first);
        out.push_back(std::move(e));
        return true;
    });
    if (err) {
        return std::unexpected(*err);
    }
    return out;
}

std::expected<std::vector<SwapEntry>, ParseError> parse_proc_swaps(std::string_view text) {
    std::vector<SwapEntry> out;
    std::optional<ParseError> err;
    bool header = false;
    for_each_line(text, [&](std::string_view line, std::size_t off, std::size_t ln) {
        if (!header) {
            if (!line.starts_with("Filename")) {
                err = ParseError{off, ln, "header", "not the /proc/swaps header"};
                return false;
            }
            header = true;
            return true;
        }
        if (line.empty()) {
            return true;
        }
        const auto f = split_ws(line, off);
        if (f.size() < 2) {
            err = ParseError{off, ln, "swap", "fewer than two fields"};
            return false;
        }
        out.push_back(SwapEntry{unescape(f[0].first), std::string(f[1].first)});
        return true;
    });
    if (err) {
        return std::unexpected(*err);
    }
    if (!header) {
        return std::unexpected(ParseError{0, 1, "header", "empty input"});
    }
    return out;
}

const MountEntry* mount_of(const std::vector<MountEntry>& mounts, std::string_view path) {
    const MountEntry* best = nullptr;
    for (const auto& m : mounts) {
        if (!is_path_prefix(m.mount_point, path)) {
            continue;
        }
        if (best == nullptr || m.mount_point.size() >= best->mount_point.size()) {
            best = &m;
        }
    }
    return best;
}

Result<bool> walk_block_device(const SystemRoot& root, std::uint32_t major, std::uint32_t minor,
                               std::vector<BlockNode>& chain) {
    return walk_dev(root, major, minor, 0, chain);
}

Result<CryptInfo> read_luks_header(const std::string& device) {
    crypt_device* raw = nullptr;
    int r = crypt_init(&raw, device.c_str());
    if (r < 0) {
        return fail(errno_error("libcryptsetup: crypt_init " + device, -r));
    }
    std::unique_ptr<crypt_device, CryptFree> cd(raw);
    r = crypt_load(raw, CRYPT_LUKS, nullptr);
    if (r < 0) {
        return fail(errno_error("libcryptsetup: no LUKS header on " + device, -r));
    }
    return info_of(raw);
}

Result<CryptInfo> read_active_mapping(const std::string& dm_name) {
    crypt_device* raw = nullptr;
    const int r = crypt_init_by_name(&raw, dm_name.c_str());
    if (r < 0) {
        return fail(errno_error("libcryptsetup: crypt_init_by_name " + dm_name, -r));
    }
    std::unique_ptr<crypt_device, CryptFree> cd(raw);
    return info_of(raw);
}

Measurement<DiskEncryptionDetails> check_disk_encryption(const SystemRoot& root,
                                                         const DiskEncryptionOptions& opt) {
    DiskEncryptionDetails d;
    if (!opt.mounts.empty()) {
        auto text = root.read("/proc/self/mountinfo", 4u << 20);
        if (!text) {
            return make_error(text.error(), std::move(d));
        }
        auto mounts = parse_mountinfo(*text);
        if (!mounts) {
            return make_error(plain_error("/proc/self/mountinfo: " + mounts.error().to_string()),
                              std::move(d));
        }
        for (const auto& path : opt.mounts) {
            EncryptionTarget t;
            t.target = path;
            const MountEntry* m = mount_of(*mounts, path);
            if (m == nullptr) {
                t.status = Status::Error;
                t.note = "no mount holds " + path;
                d.targets.push_back(std::move(t));
                continue;
            }
            t.mount_point = m->mount_point;
            t.fstype = m->fstype;
            if (m->fstype == "tmpfs" || m->fstype == "ramfs") {
                t.status = Status::NotApplicable;
                t.note = "in memory (" + m->fstype + "), nothing persistent";
            } else if (network_fs(m->fstype)) {
                t.status = Status::NotApplicable;
                t.note = "network file system (" + m->fstype + "), no local data";
            } else if (m->major != 0) {
                measure_device(root, m->major, m->minor, t);
            } else if (m->source.starts_with("/dev/")) {
                auto dev = device_of_node(root, m->source);
                if (!dev) {
                    t.status = Status::Error;
                    t.note = dev.error().to_string();
                } else {
                    measure_device(root, dev->first, dev->second, t);
                }
            } else {
                t.status = Status::Error;
                t.note = "no block device behind " + m->fstype + " mount " + m->mount_point;
            }
            d.targets.push_back(std::move(t));
        }
    }
    if (opt.swap) {
        auto text = root.read("/proc/swaps", 1u << 20);
        if (!text) {
            return make_error(text.error(), std::move(d));
        }
        auto swaps = parse_proc_swaps(*text);
        if (!swaps) {
            return make_error(plain_error("/proc/swaps: " + swaps.error().to_string()),
                              std::move(d));
        }
        if (swaps->empty()) {
            EncryptionTarget t;
            t.target = "swap";
            t.status = Status::NotApplicable;
            t.note = "no swap in use";
            d.targets.push_back(std::move(t));
        }
        for (const auto& s : *swaps) {
            EncryptionTarget t;
            t.target = "swap " + s.path;
            if (s.type == "file") {
                struct stat st {};
                if (::stat(root.path(s.path).c_str(), &st) != 0) {
                    t.status = Status::Error;
                    t.note = errno_error("stat " + root.path(s.path).string(), errno).to_string();
                } else {
                    measure_device(root, ::major(st.st_dev), ::minor(st.st_dev), t);
                }
            } else {
                auto dev = device_of_node(root, s.path);
                if (!dev) {
                    t.status = Status::Error;
                    t.note = dev.error().to_string();
                } else {
                    measure_device(root, dev->first, dev->second, t);
                }
            }
            d.targets.push_back(std::move(t));
        }
    }
    Status overall = Status::NotApplicable;
    std::string why;
    for (const auto& t : d.targets) {
        overall = worst(overall, t.status);
        if (!why.empty()) {
            why += "; ";
        }
        why += t.target + ": " + std::string(to_string(t.status)) + " (" + t.note + ")";
    }
    if (overall == Status::Error) {
        for (const auto& t : d.targets) {
            if (t.status == Status::Error) {
                auto m = make_error(plain_error(t.target + ": " + t.note), std::move(d));
                return m;
            }
        }
    }
    return make(overall, std::move(why), std::move(d));
}

}  // namespace opennap::checks
