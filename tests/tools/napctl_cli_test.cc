// Runs the built napctl binary (path from the opennap_napctl_path interface target).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "support/vectors.h"

namespace {

using opennap::test::ByteVec;
using opennap::test::load_vector;
using opennap::test::to_hex;

struct CliResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

#ifdef OPENNAP_NAPCTL_PATH

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Runs `napctl <args>` through the shell, stdin from `stdin_text` when not empty.
CliResult napctl(const std::string& args, const std::string& stdin_text = "") {
    // Unique per test and process: ctest runs the discovered tests in parallel.
    const std::string dir = ::testing::TempDir() + "napctl_cli_" +
                            ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_" +
                            std::to_string(::getpid()) + "_";
    const std::string in = dir + "in", out = dir + "out", err = dir + "err";
    std::ofstream(in, std::ios::binary) << stdin_text;
    const std::string cmd = std::string("'") + OPENNAP_NAPCTL_PATH + "' " + args + " <'" + in +
                            "' >'" + out + "' 2>'" + err + "'";
    const int status = std::system(cmd.c_str());
    CliResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    std::remove(in.c_str());
    std::remove(out.c_str());
    std::remove(err.c_str());
    return r;
}

std::string vector_path(const std::string& name) {
    return std::string(OPENNAP_VECTORS_DIR) + "/" + name;
}

TEST(NapctlCli, DecodesAVectorFile) {
    CliResult r = napctl("soh decode --file '" +
                         vector_path("10-radius-vsa-ms-quarantine-soh-compact.hex") + "'");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("MS-Quarantine-SoH (55)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"netbios.example.com\""), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("antivirus error not-installed"), std::string::npos) << r.out;
}

TEST(NapctlCli, DecodesHexArgumentAndStdin) {
    const std::string hex = to_hex(load_vector("04-soh-wpas-v2.hex"));
    CliResult a = napctl("soh decode --json " + hex);
    EXPECT_EQ(a.exit_code, 0) << a.err;
    EXPECT_NE(a.out.find("\"machine_name\": \"wpa_supplicant@w1.fi\""), std::string::npos);
    CliResult b = napctl("soh decode --json", hex);
    EXPECT_EQ(b.exit_code, 0) << b.err;
    EXPECT_EQ(a.out.find("\"source\": \"argument\"") != std::string::npos, true);
    EXPECT_NE(b.out.find("\"source\": \"stdin\""), std::string::npos);
}

TEST(NapctlCli, UndecodableInputExits2WithOffset) {
    ByteVec b = load_vector("08-soh-wsha-compact.hex");
    b[153] = 99;  // Health-Class-Status length 4 -> 99
    CliResult r = napctl("soh decode " + to_hex(b));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("error: SoHReportEntry 1: TLV 11 length 99"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("at offset 150"), std::string::npos) << r.err;
    // Inside a framing the offset is into the user's input: vector 10 has the message at 20.
    ByteVec v = load_vector("10-radius-vsa-ms-quarantine-soh-compact.hex");
    v[20 + 153] = 99;
    CliResult w = napctl("soh decode " + to_hex(v));
    EXPECT_EQ(w.exit_code, 2);
    EXPECT_NE(w.err.find("at offset 170"), std::string::npos) << w.err;
}

TEST(NapctlCli, IgnorableAndPartialExit3) {
    ByteVec b = load_vector("04-soh-wpas-v2.hex");
    b[45] = 1;  // content type
    CliResult r = napctl("soh decode " + to_hex(b));
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_NE(r.err.find("ignored by receiver rules"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("offset 45"), std::string::npos) << r.err;

    // An unknown MS attribute type 9 after MS-Packet-Info: partial, or an error with --strict.
    const std::string json =
        R"({"mode": {"correlation_id": "000000000000000000000000000000000000000000000000"},
            "system": {"ms_attributes": [{"type": 3, "value": "0x11"}],
                       "undecoded_hex": "09aabb"}})";
    CliResult e = napctl("soh encode", json);
    ASSERT_EQ(e.exit_code, 0) << e.err;
    CliResult p = napctl("soh decode", e.out);
    EXPECT_EQ(p.exit_code, 3);
    EXPECT_NE(p.err.find("partial decode: unknown MS attribute type 9"), std::string::npos)
        << p.err;
    CliResult s = napctl("soh decode --strict", e.out);
    EXPECT_EQ(s.exit_code, 2) << s.err;
}

TEST(NapctlCli, UsageAndIoErrors) {
    EXPECT_EQ(napctl("soh decode --no-such-option").exit_code, 1);
    EXPECT_EQ(napctl("soh decode 0g").exit_code, 1);
    EXPECT_EQ(napctl("").exit_code, 1);
    EXPECT_EQ(napctl("soh decode --file /nonexistent/napctl-test").exit_code, 4);
    CliResult h = napctl("soh decode --help");
    EXPECT_EQ(h.exit_code, 0);
    EXPECT_NE(h.out.find("Exit codes:"), std::string::npos) << h.out;
}

TEST(NapctlCli, EncodeReproducesVectors) {
    CliResult d = napctl("soh decode --json --file '" + vector_path("04-soh-wpas-v2.hex") + "'");
    ASSERT_EQ(d.exit_code, 0) << d.err;
    CliResult e = napctl("soh encode --framing radius-peap", d.out);
    ASSERT_EQ(e.exit_code, 0) << e.err;
    EXPECT_EQ(opennap::test::from_hex(e.out),
              load_vector("11-radius-vsa-ms-quarantine-soh-wpas-v2.hex"));
    CliResult bad = napctl("soh encode", R"({"entries": [{"tlvs": []}]})");
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("$.entries[0]: missing \"id\""), std::string::npos) << bad.err;
}

#else

TEST(NapctlCli, Skipped) {
    GTEST_SKIP() << "napctl is not built (OPENNAP_BUILD_APPS=OFF)";
}

#endif

}  // namespace
