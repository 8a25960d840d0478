// Disk encryption: are the devices under `/`, `/home` (configurable mount points) and every
// swap area encrypted with dm-crypt?
//
// 1. The mount holding each path: /proc/self/mountinfo (parse_mountinfo(), pure), the entry with
//    the longest mount point that is a path prefix (the last such entry wins, as over-mounts
//    do). Its device: the major:minor of the entry; for major 0 (btrfs and other anonymous
//    devices) the mount source /dev/<name> looked up in /sys/class/block/<name>/dev.
//    tmpfs/ramfs are not persistent and network file systems (nfs, cifs, 9p, virtiofs, ...) keep
//    no data on this machine: not applicable (CHOSEN); other device-less file systems (overlay,
//    fuse) are an error (the backing device cannot be found).
// 2. Swap: /proc/swaps (parse_proc_swaps(), pure). A partition's device from
//    /sys/class/block/<name>/dev (following /dev/mapper/<name> links); a swap file's device is
//    that of the file system holding it (stat). No swap: not applicable.
// 3. The walk: /sys/dev/block/<major>:<minor> -> the device's sysfs directory, then down:
//      dm device with dm/uuid "CRYPT-<type>-..." (type LUKS1, LUKS2, PLAIN, LOOPAES, TCRYPT,
//        BITLK, FVAULT2)             -> encrypted (CRYPT-VERITY / CRYPT-INTEGRITY / CRYPT-SUBDEV
//                                       only protect integrity: not encryption);
//      a partition                   -> its parent disk;
//      a device with slaves/ (LVM, MD RAID, other dm targets) -> encrypted iff every slave is
//                                       (one clear PV of a volume group is enough to fail);
//      a loop device                 -> the device of its backing file (loop/backing_file);
//      zram                          -> volatile memory: counts as encrypted (CHOSEN);
//      anything else (a disk)        -> not encrypted.
//    The chain walked is reported. On the live system, libcryptsetup (crypt_init_by_name) adds
//    the LUKS type, cipher and key size of each dm-crypt device found.
//
// Per target: Pass (encrypted), Fail, NotApplicable, or Error; the check is the worst of them
// (all not applicable -> not applicable).
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "opennap/checks/parse_error.h"
#include "opennap/checks/result.h"
#include "opennap/checks/system_root.h"

namespace opennap::checks {

struct MountEntry {
    std::uint32_t major = 0;
    std::uint32_t minor = 0;
    std::string root;         // the mount's root within its file system
    std::string mount_point;  // octal escapes (\040) decoded
    std::string fstype;
    std::string source;
    friend bool operator==(const MountEntry&, const MountEntry&) = default;
};
[[nodiscard]] std::expected<std::vector<MountEntry>, ParseError> parse_mountinfo(
    std::string_view text);

struct SwapEntry {
    std::string path;  // decoded
    std::string type;  // "partition" or "file"
    friend bool operator==(const SwapEntry&, const SwapEntry&) = default;
};
// The header line ("Filename Type Size Used Priority") is required.
[[nodiscard]] std::expected<std::vector<SwapEntry>, ParseError> parse_proc_swaps(
    std::string_view text);

// The entry a path lives on (nullptr if none matches).
[[nodiscard]] const MountEntry* mount_of(const std::vector<MountEntry>& mounts,
                                         std::string_view path);

struct BlockNode {
    std::string name;    // "dm-0", "vda1", "md0", "loop3"
    std::string dev;     // "253:0"
    std::string kind;    // "dm-crypt", "lvm", "dm", "md", "partition", "loop", "zram", "disk"
    std::string detail;  // dm uuid, backing file, ...
    std::uint32_t depth = 0;
    friend bool operator==(const BlockNode&, const BlockNode&) = default;
};

struct CryptInfo {
    std::string type;    // "LUKS2", "PLAIN", ...
    std::string cipher;  // "aes-xts-plain64"
    std::uint32_t key_bits = 0;
    std::string uuid;
    friend bool operator==(const CryptInfo&, const CryptInfo&) = default;
};

struct EncryptionTarget {
    std::string target;       // "/", "/home", "swap /dev/dm-1"
    std::string mount_point;  // the mount found ("" for swap)
    std::string fstype;
    std::string device;  // "major:minor"
    Status status = Status::Error;
    std::string note;
    std::vector<BlockNode> chain;
    std::vector<CryptInfo> crypt;  // libcryptsetup's view of the dm-crypt devices (live only)
    friend bool operator==(const EncryptionTarget&, const EncryptionTarget&) = default;
};

struct DiskEncryptionDetails {
    std::vector<EncryptionTarget> targets;
    friend bool operator==(const DiskEncryptionDetails&, const DiskEncryptionDetails&) = default;
};

struct DiskEncryptionOptions {
    std::vector<std::string> mounts = {"/", "/home"};
    bool swap = true;
    friend bool operator==(const DiskEncryptionOptions&, const DiskEncryptionOptions&) = default;
};

// Walks from device major:minor (sysfs under `root`); true if encrypted per the rules above.
[[nodiscard]] Result<bool> walk_block_device(const SystemRoot& root, std::uint32_t major,
                                             std::uint32_t minor, std::vector<BlockNode>& chain);

// libcryptsetup on a device node holding a LUKS header (crypt_init + crypt_load).
[[nodiscard]] Result<CryptInfo> read_luks_header(const std::string& device);
// libcryptsetup on an active dm-crypt mapping (crypt_init_by_name).
[[nodiscard]] Result<CryptInfo> read_active_mapping(const std::string& dm_name);

[[nodiscard]] Measurement<DiskEncryptionDetails> check_disk_encryption(
    const SystemRoot& root, const DiskEncryptionOptions& opt = {});

}  // namespace opennap::checks
