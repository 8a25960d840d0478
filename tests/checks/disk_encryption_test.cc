#include "opennap/checks/disk_encryption.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>

#include "helpers.h"

namespace opennap::checks {
namespace {

TEST(Mountinfo, ParsesFieldsAndEscapes) {
    auto m = parse_mountinfo(
        "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
        "27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
        "40 27 253:1 /home /home\\040dir rw master:2 shared:3 - btrfs /dev/mapper/a\\134b rw\n");
    ASSERT_TRUE(m) << m.error().to_string();
    ASSERT_EQ(m->size(), 3u);
    EXPECT_EQ((*m)[1].major, 254u);
    EXPECT_EQ((*m)[1].mount_point, "/");
    EXPECT_EQ((*m)[1].fstype, "ext4");
    EXPECT_EQ((*m)[1].source, "/dev/vda");
    EXPECT_EQ((*m)[2].mount_point, "/home dir");
    EXPECT_EQ((*m)[2].root, "/home");
    EXPECT_EQ((*m)[2].source, "/dev/mapper/a\\b");
    EXPECT_EQ(mount_of(*m, "/home dir/x")->mount_point, "/home dir");
    EXPECT_EQ(mount_of(*m, "/home")->mount_point, "/");  // "/home dir" is not a prefix of "/home"
    EXPECT_EQ(mount_of(*m, "/proc/1")->fstype, "proc");
}

TEST(Mountinfo, Errors) {
    auto e = parse_mountinfo("27 1 254:0 / / rw\n");
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().line, 1u);
    e = parse_mountinfo("22 27 0:21 / /proc rw - proc proc rw\n27 1 x:0 / / rw - ext4 /dev/v rw\n");
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().line, 2u);
    EXPECT_EQ(e.error().field, "major:minor");
    EXPECT_EQ(e.error().offset, 42u);
    e = parse_mountinfo("27 1 254:0 / / rw - ext4\n");
    ASSERT_FALSE(e);
    const std::string good = "27 1 254:0 / / rw shared:1 - ext4 /dev/vda rw\n";
    for (std::size_t n = 0; n < good.size(); ++n) {
        auto r = parse_mountinfo(std::string_view(good).substr(0, n));
        if (!r) {
            EXPECT_LE(r.error().offset, n);
        }
    }
}

TEST(ProcSwaps, Parses) {
    auto s = parse_proc_swaps(
        "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
        "/dev/dm-1                               partition\t1000\t0\t-2\n"
        "/swap\\040file                           file\t\t1000\t0\t-3\n");
    ASSERT_TRUE(s);
    ASSERT_EQ(s->size(), 2u);
    EXPECT_EQ((*s)[0].path, "/dev/dm-1");
    EXPECT_EQ((*s)[0].type, "partition");
    EXPECT_EQ((*s)[1].path, "/swap file");
    EXPECT_TRUE(parse_proc_swaps("Filename Type Size Used Priority\n")->empty());
    EXPECT_FALSE(parse_proc_swaps(""));
    EXPECT_FALSE(parse_proc_swaps("garbage\n"));
    EXPECT_FALSE(parse_proc_swaps("Filename\nonlyone\n"));
}

// Builds the sysfs shape of block devices the way the kernel lays it out:
// /sys/devices/virtual/block/<name>/{dev,dm/uuid,dm/name,slaves/<x> -> ../../<x>} and
// /sys/dev/block/M:m -> ../../devices/.../<name>; disks under a pci path with partitions below.
struct Sysfs {
    test::ScratchRoot s;
    void disk(const std::string& name, const std::string& dev) const {
        const std::string d = "/sys/devices/pci0000:00/0000:00:02.0/block/" + name;
        s.write(d + "/dev", dev + "\n");
        s.link("/sys/dev/block/" + dev, "../../devices/pci0000:00/0000:00:02.0/block/" + name);
        s.link("/sys/class/block/" + name, "../../devices/pci0000:00/0000:00:02.0/block/" + name);
    }
    void partition(const std::string& disk, const std::string& name, const std::string& dev) const {
        const std::string d = "/sys/devices/pci0000:00/0000:00:02.0/block/" + disk + "/" + name;
        s.write(d + "/dev", dev + "\n");
        s.write(d + "/partition", "1\n");
        s.link("/sys/dev/block/" + dev,
               "../../devices/pci0000:00/0000:00:02.0/block/" + disk + "/" + name);
        s.link("/sys/class/block/" + name,
               "../../devices/pci0000:00/0000:00:02.0/block/" + disk + "/" + name);
    }
    // A virtual device (dm-N, mdN, loopN, zramN) with slaves given by their sysfs dirs.
    void virt(const std::string& name, const std::string& dev, const std::string& dm_uuid,
              const std::vector<std::string>& slave_dirs) const {
        const std::string d = "/sys/devices/virtual/block/" + name;
        s.write(d + "/dev", dev + "\n");
        if (!dm_uuid.empty()) {
            s.write(d + "/dm/uuid", dm_uuid + "\n");
            s.write(d + "/dm/name", name + "-mapped\n");
        }
        if (name.starts_with("md")) {
            s.write(d + "/md/level", "raid1\n");
        }
        s.mkdir(d + "/slaves");
        for (const auto& sd : slave_dirs) {
            const std::string base = sd.substr(sd.find_last_of('/') + 1);
            s.link(d + "/slaves/" + base, "../../../../../.." + sd);
        }
        s.link("/sys/dev/block/" + dev, "../../devices/virtual/block/" + name);
        s.link("/sys/class/block/" + name, "../../devices/virtual/block/" + name);
    }
    void mounts(const std::string& text) const { s.write("/proc/self/mountinfo", text); }
    void swaps(const std::string& lines) const {
        s.write("/proc/swaps", "Filename\tType\tSize\tUsed\tPriority\n" + lines);
    }
};

const std::string kPart = "/sys/devices/pci0000:00/0000:00:02.0/block/sda/sda2";

TEST(DiskEncryption, LvmOnLuksPasses) {
    Sysfs f;
    f.disk("sda", "8:0");
    f.partition("sda", "sda2", "8:2");
    f.virt("dm-0", "253:0", "CRYPT-LUKS2-0123456789abcdef0123456789abcdef-sda2_crypt", {kPart});
    f.virt("dm-1", "253:1", "LVM-abcdefroot", {"/sys/devices/virtual/block/dm-0"});
    f.virt("dm-2", "253:2", "LVM-abcdefswap", {"/sys/devices/virtual/block/dm-0"});
    f.mounts("27 1 253:1 / / rw - ext4 /dev/mapper/vg-root rw\n");
    f.swaps("/dev/dm-2 partition 100 0 -2\n");
    auto m = check_disk_encryption(f.s.root());
    ASSERT_EQ(m.status, Status::Pass) << m.reason;
    ASSERT_EQ(m.details.targets.size(), 3u);
    const auto& root = m.details.targets[0];
    EXPECT_EQ(root.target, "/");
    EXPECT_EQ(root.device, "253:1");
    ASSERT_EQ(root.chain.size(), 2u);
    EXPECT_EQ(root.chain[0].kind, "lvm");
    EXPECT_EQ(root.chain[1].kind, "dm-crypt");
    EXPECT_EQ(root.chain[1].name, "dm-0");
    EXPECT_EQ(root.chain[1].depth, 1u);
    EXPECT_TRUE(root.crypt.empty());                  // libcryptsetup only on the live system
    EXPECT_EQ(m.details.targets[1].target, "/home");  // on the root file system
    EXPECT_EQ(m.details.targets[1].status, Status::Pass);
    EXPECT_EQ(m.details.targets[2].target, "swap /dev/dm-2");
    EXPECT_EQ(m.details.targets[2].status, Status::Pass);
}

TEST(DiskEncryption, ClearPartitionAndMixedVolumeGroupFail) {
    Sysfs f;
    f.disk("sda", "8:0");
    f.partition("sda", "sda1", "8:1");
    f.partition("sda", "sda2", "8:2");
    f.virt("dm-0", "253:0", "CRYPT-LUKS1-aa-sda2_crypt", {kPart});
    // The VG spans the LUKS mapping and a clear partition.
    f.virt(
        "dm-1", "253:1", "LVM-mixed",
        {"/sys/devices/virtual/block/dm-0", "/sys/devices/pci0000:00/0000:00:02.0/block/sda/sda1"});
    f.mounts("27 1 8:1 / / rw - ext4 /dev/sda1 rw\n30 27 253:1 / /home rw - xfs /dev/dm-1 rw\n");
    f.swaps("");
    auto m = check_disk_encryption(f.s.root());
    EXPECT_EQ(m.status, Status::Fail);
    ASSERT_EQ(m.details.targets.size(), 3u);
    EXPECT_EQ(m.details.targets[0].status, Status::Fail);
    ASSERT_EQ(m.details.targets[0].chain.size(), 2u);
    EXPECT_EQ(m.details.targets[0].chain[0].kind, "partition");
    EXPECT_EQ(m.details.targets[0].chain[1].kind, "disk");
    EXPECT_EQ(m.details.targets[1].status, Status::Fail);
    EXPECT_EQ(m.details.targets[1].mount_point, "/home");
    EXPECT_EQ(m.details.targets[2].status, Status::NotApplicable);  // no swap
}

TEST(DiskEncryption, MdOfTwoCryptDevicesAndIntegrityIsNotEncryption) {
    Sysfs f;
    f.disk("sda", "8:0");
    f.disk("sdb", "8:16");
    f.virt("dm-0", "253:0", "CRYPT-PLAIN-a", {"/sys/devices/pci0000:00/0000:00:02.0/block/sda"});
    f.virt("dm-1", "253:1", "CRYPT-LUKS2-b", {"/sys/devices/pci0000:00/0000:00:02.0/block/sdb"});
    f.virt("md0", "9:0", "",
           {"/sys/devices/virtual/block/dm-0", "/sys/devices/virtual/block/dm-1"});
    f.virt("dm-2", "253:2", "CRYPT-VERITY-x", {"/sys/devices/pci0000:00/0000:00:02.0/block/sda"});
    f.mounts("27 1 9:0 / / rw - ext4 /dev/md0 rw\n28 27 253:2 / /usr ro - erofs /dev/dm-2 ro\n");
    DiskEncryptionOptions opt;
    opt.mounts = {"/", "/usr/lib"};
    opt.swap = false;
    auto m = check_disk_encryption(f.s.root(), opt);
    ASSERT_EQ(m.details.targets.size(), 2u);
    EXPECT_EQ(m.details.targets[0].status, Status::Pass);
    EXPECT_EQ(m.details.targets[0].chain[0].kind, "md");
    EXPECT_EQ(m.details.targets[0].chain.size(), 3u);
    EXPECT_EQ(m.details.targets[1].status, Status::Fail);  // dm-verity protects integrity only
    EXPECT_EQ(m.details.targets[1].chain[0].kind, "dm");
    EXPECT_EQ(m.status, Status::Fail);
}

TEST(DiskEncryption, TmpfsNetworkZramAndSwapFile) {
    Sysfs f;
    f.disk("vda", "254:0");
    f.virt("zram0", "252:0", "", {});
    f.mounts("1 0 0:30 / / rw - tmpfs tmpfs rw\n2 1 0:31 / /home rw - nfs4 srv:/home rw\n");
    f.swaps("/dev/zram0 partition 100 0 100\n");
    auto m = check_disk_encryption(f.s.root());
    ASSERT_EQ(m.details.targets.size(), 3u);
    EXPECT_EQ(m.details.targets[0].status, Status::NotApplicable);
    EXPECT_EQ(m.details.targets[1].status, Status::NotApplicable);
    EXPECT_EQ(m.details.targets[2].status, Status::Pass);
    EXPECT_EQ(m.details.targets[2].chain[0].kind, "zram");
    EXPECT_EQ(m.status, Status::Pass);
    // Everything not applicable: the check is not applicable.
    f.swaps("");
    m = check_disk_encryption(f.s.root());
    EXPECT_EQ(m.status, Status::NotApplicable);
    // A mount with neither device nor known kind is an error, not a pass.
    f.mounts("1 0 0:30 / / rw - overlay overlay rw,upperdir=/x\n");
    m = check_disk_encryption(f.s.root());
    EXPECT_EQ(m.status, Status::Error);
    // major 0 with a /dev source (btrfs): resolved through /sys/class/block.
    f.mounts("1 0 0:40 / / rw - btrfs /dev/vda rw\n");
    m = check_disk_encryption(f.s.root());
    EXPECT_EQ(m.details.targets[0].device, "254:0");
    EXPECT_EQ(m.details.targets[0].status, Status::Fail);
}

TEST(DiskEncryption, StackTooDeepIsAnError) {
    Sysfs f;
    // dm-0 is its own slave: a loop in a corrupt tree.
    f.virt("dm-0", "253:0", "LVM-x", {"/sys/devices/virtual/block/dm-0"});
    std::vector<BlockNode> chain;
    auto r = walk_block_device(f.s.root(), 253, 0, chain);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().errno_value, ELOOP);
    chain.clear();
    r = walk_block_device(f.s.root(), 1, 99, chain);
    EXPECT_FALSE(r);
}

TEST(DiskEncryption, LiveRootIsNeverAFalsePass) {
    auto m = check_disk_encryption(SystemRoot{});
    for (const auto& t : m.details.targets) {
        if (t.status == Status::Pass) {
            // Only through a dm-crypt (or zram) device really found in sysfs.
            bool crypt = false;
            for (const auto& n : t.chain) {
                crypt = crypt || n.kind == "dm-crypt" || n.kind == "zram";
            }
            EXPECT_TRUE(crypt) << t.target;
        }
    }
    EXPECT_FALSE(m.details.targets.empty());
}

// ---- a real LUKS volume on a loop device
// ---------------------------------------------------------

struct LoopLuks {
    test::ScratchRoot s;
    std::string loop;
    std::string mapping;
    std::string mountpoint;
    ~LoopLuks() {
        if (!mountpoint.empty()) {
            ::umount2(mountpoint.c_str(), MNT_DETACH);
        }
        if (!mapping.empty()) {
            test::sh("cryptsetup close " + mapping + " 2>/dev/null");
        }
        if (!loop.empty()) {
            test::sh("losetup -d " + loop);
        }
    }
};

std::string capture(const std::string& cmd) {
    std::string out;
    if (FILE* p = ::popen(cmd.c_str(), "r")) {
        char buf[256];
        while (std::fgets(buf, sizeof buf, p) != nullptr) {
            out += buf;
        }
        ::pclose(p);
    }
    while (!out.empty() && out.back() == '\n') {
        out.pop_back();
    }
    return out;
}

TEST(DiskEncryptionLive, LuksHeaderOnALoopDeviceThroughLibcryptsetup) {
    if (!test::have("cryptsetup") || !test::have("losetup")) {
        GTEST_SKIP() << "cryptsetup / losetup not installed (scripts/bootstrap)";
    }
    LoopLuks v;
    const auto img = v.s.dir() / "disk.img";
    ASSERT_EQ(test::sh("truncate -s 24M " + img.string()), 0);
    v.loop = capture("losetup -f --show " + img.string());
    if (v.loop.empty()) {
        GTEST_SKIP() << "no loop device available";
    }
    v.s.write("/key", "0123456789abcdef0123456789abcdef");
    ASSERT_EQ(test::sh("cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 "
                       "--pbkdf-force-iterations 1000 --cipher aes-xts-plain64 --key-size 512 "
                       "--key-file " +
                       (v.s.dir() / "key").string() + " " + v.loop),
              0);
    auto info = read_luks_header(v.loop);
    ASSERT_TRUE(info) << info.error().to_string();
    EXPECT_EQ(info->type, "LUKS2");
    EXPECT_EQ(info->cipher, "aes-xts-plain64");
    EXPECT_EQ(info->key_bits, 512u);
    EXPECT_EQ(info->uuid, capture("cryptsetup luksUUID " + v.loop));
    // The clear loop device itself is walked as "not encrypted" from the real sysfs.
    struct stat st {};
    ASSERT_EQ(::stat(v.loop.c_str(), &st), 0);
    std::vector<BlockNode> chain;
    auto enc = walk_block_device(SystemRoot{}, ::major(st.st_rdev), ::minor(st.st_rdev), chain);
    ASSERT_TRUE(enc) << enc.error().to_string();
    EXPECT_FALSE(*enc);
    ASSERT_GE(chain.size(), 1u);
    EXPECT_EQ(chain[0].kind, "loop");
    EXPECT_EQ(chain[0].detail, img.string());
}

// Opens the volume, makes a file system, mounts it and measures that mount point. Needs
// device-mapper with dm-crypt in the kernel; skipped (with the reason) where it is missing.
TEST(DiskEncryptionLive, MountedLuksVolumePasses) {
    if (!test::have("cryptsetup") || !test::have("losetup") || !test::have("mkfs.ext4")) {
        GTEST_SKIP() << "cryptsetup / losetup / mkfs.ext4 not installed";
    }
    LoopLuks v;
    const auto img = v.s.dir() / "disk.img";
    ASSERT_EQ(test::sh("truncate -s 24M " + img.string()), 0);
    v.loop = capture("losetup -f --show " + img.string());
    if (v.loop.empty()) {
        GTEST_SKIP() << "no loop device available";
    }
    v.s.write("/key", "0123456789abcdef0123456789abcdef");
    ASSERT_EQ(test::sh("cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 "
                       "--pbkdf-force-iterations 1000 --key-file " +
                       (v.s.dir() / "key").string() + " " + v.loop),
              0);
    v.mapping = "opennap-test-" + std::to_string(::getpid());
    if (test::sh("cryptsetup open --key-file " + (v.s.dir() / "key").string() + " " + v.loop + " " +
                 v.mapping + " 2>/dev/null") != 0) {
        v.mapping.clear();
        // No mapping could be made: libcryptsetup does not pretend there is one.
        EXPECT_FALSE(read_active_mapping("opennap-test-none"));
        GTEST_SKIP() << "device-mapper / dm-crypt not available in this kernel";
    }
    v.mountpoint = (v.s.dir() / "mnt").string();
    std::filesystem::create_directories(v.mountpoint);
    ASSERT_EQ(test::sh("mkfs.ext4 -q /dev/mapper/" + v.mapping), 0);
    ASSERT_EQ(test::sh("mount /dev/mapper/" + v.mapping + " " + v.mountpoint), 0);
    DiskEncryptionOptions opt;
    opt.mounts = {v.mountpoint + "/data"};
    opt.swap = false;
    auto m = check_disk_encryption(SystemRoot{}, opt);
    ASSERT_EQ(m.status, Status::Pass) << m.reason;
    ASSERT_EQ(m.details.targets[0].chain[0].kind, "dm-crypt");
    ASSERT_EQ(m.details.targets[0].crypt.size(), 1u);
    EXPECT_EQ(m.details.targets[0].crypt[0].cipher, "aes-xts-plain64");
}

}  // namespace
}  // namespace opennap::checks
