#include "opennap/tools/sysinfo.h"

#include <gtest/gtest.h>

#include "opennap/soh/message.h"

namespace opennap::tools {
namespace {

TEST(SysInfo, ParsesOsRelease) {
    const auto debian = parse_os_release(
        "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n"
        "VERSION_ID=\"12\"\nID=debian\n");
    EXPECT_EQ(debian.major, 12u);
    EXPECT_EQ(debian.minor, 0u);
    EXPECT_EQ(debian.pretty_name, "Debian GNU/Linux 12 (bookworm)");
    const auto ubuntu = parse_os_release("# comment\nVERSION_ID='22.04'\n");
    EXPECT_EQ(ubuntu.major, 22u);
    EXPECT_EQ(ubuntu.minor, 4u);
    const auto sid = parse_os_release("PRETTY_NAME=\"Debian GNU/Linux trixie/sid\"\n");
    EXPECT_EQ(sid.major, 0u);
    EXPECT_EQ(sid.minor, 0u);
}

TEST(SysInfo, KernelVersionCode) {
    EXPECT_EQ(kernel_version_code("6.1.0-18-amd64"), 0x060100u);
    EXPECT_EQ(kernel_version_code("5.10.209-1"), (5u << 16) + (10u << 8) + 209u);
    EXPECT_EQ(kernel_version_code("4.19.300"), (4u << 16) + (19u << 8) + 255u);  // clamped
    EXPECT_EQ(kernel_version_code("6.8"), 0x060800u);
    EXPECT_EQ(kernel_version_code("weird"), 0u);
}

TEST(SysInfo, ProcessorArchitecture) {
    EXPECT_EQ(processor_arch_for("x86_64"), 9);
    EXPECT_EQ(processor_arch_for("i686"), 0);
    EXPECT_EQ(processor_arch_for("i386"), 0);
    EXPECT_EQ(processor_arch_for("aarch64"), 12);
    EXPECT_EQ(processor_arch_for("armv7l"), 5);
    EXPECT_EQ(processor_arch_for("ia64"), 6);
    EXPECT_EQ(processor_arch_for("riscv64"), 0xFFFF);
}

TEST(SysInfo, BuildsARequestThatRoundTrips) {
    SystemFacts f;
    f.os = {12, 0, "Debian"};
    f.os_build = 0x060100;
    f.processor_arch = 9;
    f.host_name = "host.example.org";
    const CorrelationId id = new_correlation_id();
    EXPECT_EQ(id.conn_id.data3 >> 12, 4);  // version 4 GUID
    const soh::Message m = build_request(f, id);
    ASSERT_TRUE(m.mode);
    EXPECT_EQ(m.correlation_id(), id);
    EXPECT_TRUE(m.is_request());
    ASSERT_NE(m.system.find<soh::MachineName>(), nullptr);
    EXPECT_EQ(m.system.find<soh::MachineName>()->bytes, std::string("host.example.org\0", 17));
    EXPECT_EQ(m.system.find<soh::QuarantineState>()->flags, soh::quarantine_flags::make(1, 0));
    EXPECT_EQ(m.system.find<soh::MachineInventoryEx>()->reserved, soh::kInventoryExReserved);
    EXPECT_EQ(m.system.find<soh::MsCorrelationId>()->bytes, id.to_bytes());

    auto bytes = soh::encode(m);
    ASSERT_TRUE(bytes) << bytes.error().message();
    auto view = soh::decode(*bytes, {.expect = soh::Direction::Request, .allow_partial = false});
    ASSERT_TRUE(view) << view.error().message();
    EXPECT_EQ(soh::Message::from(*view), m);
    // wpa_supplicant's MS attribute order: 3, 1, 5, 6, 2, 8.
    const std::uint8_t order[] = {3, 1, 5, 6, 2, 8};
    ASSERT_EQ(m.system.items.size(), 6u);
    for (std::size_t i = 0; i < 6; ++i)
        EXPECT_EQ(soh::ms_type_of(m.system.items[i]), order[i]);
}

TEST(SysInfo, GathersThisMachine) {
    const SystemFacts f = gather_system_facts();
    EXPECT_FALSE(f.host_name.empty());
    EXPECT_FALSE(f.kernel_release.empty());
    auto bytes = soh::encode(build_request(f, new_correlation_id()));
    ASSERT_TRUE(bytes);
    EXPECT_TRUE(soh::decode(*bytes));
}

}  // namespace
}  // namespace opennap::tools
