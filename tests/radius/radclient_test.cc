// Interoperability with FreeRADIUS's own client (`radclient` from Debian's freeradius-utils):
// requests radclient signs must verify with OpenNAP's code, and answers OpenNAP signs must be
// accepted by radclient, which prints "Received Access-Accept" only when the Response
// Authenticator (and any Message-Authenticator) is right. Negative controls check that radclient
// does reject a corrupted answer, so the positive cases can fail.
//
// The test plays the server on a loopback UDP socket of its own; radclient runs as a child
// process with its input and output in a temporary directory.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "helpers.h"
#include "opennap/radius/auth.h"
#include "opennap/radius/authorization.h"
#include "opennap/radius/ms_rnap.h"
#include "opennap/radius/tunnel.h"

extern char** environ;

namespace opennap::radius {
namespace {

using namespace test;
namespace fs = std::filesystem;

constexpr const char* kRadclient = "/usr/bin/radclient";
constexpr std::string_view kSecret = "opennap-interop-secret";

class UdpServer {
  public:
    UdpServer() {
        fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
    }
    ~UdpServer() { ::close(fd_); }
    UdpServer(const UdpServer&) = delete;
    UdpServer& operator=(const UdpServer&) = delete;

    std::uint16_t port() const { return port_; }

    // The next datagram within `ms` milliseconds; remembers its sender for reply().
    std::optional<ByteVec> receive(int ms) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, ms) != 1) {
            return std::nullopt;
        }
        ByteVec buf(65536);
        socklen_t len = sizeof peer_;
        const ssize_t n =
            ::recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&peer_), &len);
        if (n < 0) {
            return std::nullopt;
        }
        buf.resize(static_cast<std::size_t>(n));
        return buf;
    }
    void reply(Bytes datagram) {
        ::sendto(fd_, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&peer_),
                 sizeof peer_);
    }

  private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
    sockaddr_in peer_{};
};

// One radclient run: `radclient -x -r 1 -t 2 127.0.0.1:<port> <command> <secret>` < input.
class Radclient {
  public:
    Radclient(std::uint16_t port, const std::string& command, const std::string& input) {
        char tmpl[] = "/tmp/opennap-radclient-XXXXXX";
        dir_ = ::mkdtemp(tmpl);
        std::ofstream(dir_ / "input") << input;
        const std::string in = (dir_ / "input").string();
        const std::string out = (dir_ / "output").string();
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, in.c_str(), O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0644);
        posix_spawn_file_actions_adddup2(&actions, 1, 2);
        const std::string server = "127.0.0.1:" + std::to_string(port);
        const std::string secret(kSecret);
        std::vector<std::string> args = {kRadclient, "-x",   "-r",    "1",   "-t",
                                         "2",        server, command, secret};
        std::vector<char*> argv;
        for (std::string& a : args) {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);
        if (::posix_spawn(&pid_, kRadclient, &actions, nullptr, argv.data(), environ) != 0) {
            pid_ = -1;
        }
        posix_spawn_file_actions_destroy(&actions);
    }
    ~Radclient() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    Radclient(const Radclient&) = delete;
    Radclient& operator=(const Radclient&) = delete;

    bool started() const { return pid_ > 0; }

    // Waits for radclient to exit; returns its exit status (-1 if it did not exit normally).
    int wait() {
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::string output() const {
        std::ifstream in(dir_ / "output");
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }

  private:
    fs::path dir_;
    pid_t pid_ = -1;
};

// radclient's line for an answer it verified: "Received Access-Accept Id 12 from ...". (An
// answer it rejects is reported as "... Received Access-Accept packet from ... with invalid
// ...", which this does not match.)
bool received(const std::string& output, const std::string& code) {
    const std::string line = "Received " + code + " Id ";
    return output.rfind(line, 0) == 0 || output.find("\n" + line) != std::string::npos;
}

std::string hex_of(Bytes b) {
    return to_hex(vec(b));
}

class RadclientInterop : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!fs::exists(kRadclient)) {
            GTEST_SKIP() << kRadclient << " not installed (Debian package freeradius-utils)";
        }
        auto s = SharedSecret::create(kSecret);
        ASSERT_TRUE(s);
        secret_.emplace(std::move(*s));
    }
    std::optional<SharedSecret> secret_;
};

// radclient input carrying vector 10's MS-Quarantine-SoH value (the VSA minus its 8-octet
// framing) and a Message-Authenticator that radclient computes.
std::string soh_request_input() {
    const ByteVec v10 = vector10();
    return "User-Name = \"opennap-interop\"\nMessage-Authenticator = 0x00\n"
           "MS-Machine-Name = \"pc1.example.com\"\nMS-Network-Access-Server-Type = 2\n"
           "MS-Quarantine-SOH = 0x" +
           hex_of(Bytes(v10).subspan(8)) + "\n";
}

enum class Corrupt { Nothing, ResponseAuthenticator, MessageAuthenticator };

// Receives radclient's Access-Request, checks it, answers with a signed Access-Accept
// (optionally corrupted) and returns radclient's exit status and output.
std::pair<int, std::string> access_exchange(SharedSecret& secret, Corrupt corrupt) {
    UdpServer server;
    Radclient client(server.port(), "auth", soh_request_input());
    EXPECT_TRUE(client.started());
    auto datagram = server.receive(10'000);
    EXPECT_TRUE(datagram) << "no request from radclient";
    if (!datagram) {
        return {client.wait(), client.output()};
    }
    auto request = decode_packet(*datagram);
    EXPECT_TRUE(request) << request.error().message();
    if (!request) {
        return {client.wait(), client.output()};
    }
    EXPECT_EQ(request->code(), Code::AccessRequest);
    const AuthCheck check = verify_request(*request, secret, true);
    EXPECT_EQ(check.status, AuthStatus::Ok) << to_string(check.status);
    EXPECT_TRUE(check.message_authenticator);
    EXPECT_EQ(verify_request(*request, "wrong-secret", true).status,
              AuthStatus::BadMessageAuthenticator);
    // The Microsoft attributes as radclient encoded them.
    auto soh = quarantine_soh(*request);
    EXPECT_TRUE(soh && *soh);
    if (soh && *soh) {
        EXPECT_EQ((*soh)->message, load_vector("08-soh-wsha-compact.hex"));
        EXPECT_EQ((*soh)->wrapping, Wrapping::PeapWrapper);
    }
    EXPECT_EQ(*machine_name(*request), "pc1.example.com");
    EXPECT_EQ(*network_access_server_type(*request), NasType::Ras);

    PacketBuilder answer(Code::AccessAccept);
    answer.add_message_authenticator();
    add_quarantine_state(answer, QuarantineState::Restricted);
    add_quarantine_grace_time(answer,
                              std::chrono::sys_seconds(std::chrono::seconds(1'700'000'000)));
    add_session_timeout(answer, std::chrono::seconds(3600));
    add_filter_id(answer, "nap-restricted");
    add_vlan(answer, std::uint16_t{10});
    add_quarantine_soh(answer, load_vector("15-sohr-synthesized.hex"), Wrapping::PeapWrapper);
    const auto signed_ok = sign_response(answer, *request, secret);
    EXPECT_TRUE(signed_ok);
    ByteVec out = vec(*answer.bytes());
    if (corrupt == Corrupt::ResponseAuthenticator) {
        out[4] ^= 0x01;
    } else if (corrupt == Corrupt::MessageAuthenticator) {
        out[*answer.message_authenticator_offset() + 2] ^= 0x01;
    }
    server.reply(out);
    const int status = client.wait();
    return {status, client.output()};
}

TEST_F(RadclientInterop, AccessRequestVerifiesAndSignedAcceptIsAccepted) {
    const auto [status, output] = access_exchange(*secret_, Corrupt::Nothing);
    EXPECT_EQ(status, 0) << output;
    EXPECT_TRUE(received(output, "Access-Accept")) << output;
    // radclient decoded the attributes as OpenNAP meant them (names and value names from
    // FreeRADIUS's dictionaries; its "Quarantine" is MS-RNAP's 1, restricted).
    for (const std::string line :
         {"MS-Quarantine-State = Quarantine", "MS-Quarantine-Grace-Time = 1700000000",
          "Session-Timeout = 3600", "Filter-Id = \"nap-restricted\"", "Tunnel-Type:0 = VLAN",
          "Tunnel-Medium-Type:0 = IEEE-802", "Tunnel-Private-Group-Id:0 = \"10\""}) {
        EXPECT_NE(output.find("\t" + line + "\n"), std::string::npos) << line << "\n" << output;
    }
    const ByteVec sohr = soh::radius::wrap_quarantine_soh(load_vector("15-sohr-synthesized.hex"),
                                                          Wrapping::PeapWrapper);
    EXPECT_NE(output.find("MS-Quarantine-SOH = 0x" + to_hex(sohr)), std::string::npos) << output;
}

TEST_F(RadclientInterop, CorruptedResponseAuthenticatorIsRejected) {
    const auto [status, output] = access_exchange(*secret_, Corrupt::ResponseAuthenticator);
    EXPECT_NE(status, 0) << output;
    EXPECT_FALSE(received(output, "Access-Accept")) << output;
    EXPECT_NE(output.find("invalid Response Authenticator"), std::string::npos) << output;
}

TEST_F(RadclientInterop, CorruptedMessageAuthenticatorIsRejected) {
    const auto [status, output] = access_exchange(*secret_, Corrupt::MessageAuthenticator);
    EXPECT_NE(status, 0) << output;
    EXPECT_FALSE(received(output, "Access-Accept")) << output;
    EXPECT_NE(output.find("invalid Message-Authenticator"), std::string::npos) << output;
}

TEST_F(RadclientInterop, AccountingRequestBothWays) {
    for (bool with_ma : {false, true}) {
        UdpServer server;
        std::string input =
            "User-Name = \"opennap\"\nAcct-Status-Type = Start\n"
            "Acct-Session-Id = \"0123\"\n";
        if (with_ma) {
            input += "Message-Authenticator = 0x00\n";
        }
        Radclient client(server.port(), "acct", input);
        ASSERT_TRUE(client.started());
        auto datagram = server.receive(10'000);
        ASSERT_TRUE(datagram);
        auto request = decode_packet(*datagram);
        ASSERT_TRUE(request) << request.error().message();
        EXPECT_EQ(request->code(), Code::AccountingRequest);
        const AuthCheck check = verify_request(*request, *secret_, with_ma);
        EXPECT_EQ(check.status, AuthStatus::Ok) << to_string(check.status);
        EXPECT_EQ(check.message_authenticator, with_ma);
        EXPECT_FALSE(verify_request(*request, "wrong-secret", false).ok());
        PacketBuilder answer(Code::AccountingResponse);
        ASSERT_TRUE(sign_response(answer, *request, *secret_));
        server.reply(*answer.bytes());
        EXPECT_EQ(client.wait(), 0) << client.output();
        EXPECT_TRUE(received(client.output(), "Accounting-Response")) << client.output();
    }
}

TEST_F(RadclientInterop, StatusServer) {
    UdpServer server;
    Radclient client(server.port(), "status",
                     "NAS-Identifier = \"opennap\"\nMessage-Authenticator = 0x00\n");
    ASSERT_TRUE(client.started());
    auto datagram = server.receive(10'000);
    ASSERT_TRUE(datagram);
    auto request = decode_packet(*datagram);
    ASSERT_TRUE(request) << request.error().message();
    EXPECT_EQ(request->code(), Code::StatusServer);
    const AuthCheck check = verify_request(*request, *secret_, false);
    EXPECT_EQ(check.status, AuthStatus::Ok) << to_string(check.status);
    PacketBuilder answer(Code::AccessAccept);
    answer.add_message_authenticator().add(Attr::ReplyMessage, "OpenNAP alive");
    ASSERT_TRUE(sign_response(answer, *request, *secret_));
    server.reply(*answer.bytes());
    EXPECT_EQ(client.wait(), 0) << client.output();
    EXPECT_TRUE(received(client.output(), "Access-Accept")) << client.output();
}

}  // namespace
}  // namespace opennap::radius
