// MetricsServer with a real TCP client on 127.0.0.1: GET /metrics (checked by promtool when it
// is installed), HEAD, 404, 405, 400, 505, 431, a client that sends nothing, many at once.
#include "opennap/metrics/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "opennap/metrics/registry.h"

namespace opennap::metrics {
namespace {

using namespace std::chrono_literals;

// Sends `request` to 127.0.0.1:port (then half-closes when asked) and reads until EOF.
std::string exchange(std::uint16_t port, const std::string& request, bool half_close = false) {
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_GE(s, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(s);
        return "connect failed";
    }
    timeval tv{10, 0};
    ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::size_t sent = 0;
    while (sent < request.size()) {
        const ssize_t n = ::send(s, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        sent += static_cast<std::size_t>(n);
    }
    if (half_close)
        ::shutdown(s, SHUT_WR);
    std::string out;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::recv(s, buf, sizeof buf, 0);
        if (n <= 0)
            break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(s);
    return out;
}

std::string status_line(const std::string& response) {
    return response.substr(0, response.find("\r\n"));
}

std::string body(const std::string& response) {
    const auto at = response.find("\r\n\r\n");
    return at == std::string::npos ? "" : response.substr(at + 4);
}

class HttpServerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        registry_.counter("opennap_radius_requests_total", "RADIUS Access-Requests received.")
            .inc(5);
        auto d = registry_.counter_family("opennap_decisions_total", "Decisions by outcome.",
                                          {"outcome"});
        d.with({"full"}).inc(3);
        d.with({"restricted"}).inc(2);
        registry_
            .histogram_family("opennap_shv_validation_seconds", "SHV latency.", {"shv"},
                              latency_buckets())
            .with({"0x00013780"})
            .observe(0.004);
        registry_.gauge("opennap_audit_queue_records", "Queued.").set(3);
        HttpOptions o;
        o.timeout = 500ms;
        o.max_request_bytes = 1024;
        auto s = MetricsServer::start(registry_, o);
        ASSERT_TRUE(s) << s.error();
        server_ = std::move(*s);
        ASSERT_NE(server_->port(), 0);
    }

    Registry registry_;
    std::unique_ptr<MetricsServer> server_;
};

TEST_F(HttpServerTest, GetMetrics) {
    const std::string r = exchange(
        server_->port(), "GET /metrics HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n");
    EXPECT_EQ(status_line(r), "HTTP/1.1 200 OK");
    EXPECT_NE(r.find("\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
              std::string::npos);
    EXPECT_NE(r.find("\r\nConnection: close\r\n"), std::string::npos);
    const std::string b = body(r);
    EXPECT_NE(r.find("\r\nContent-Length: " + std::to_string(b.size()) + "\r\n"),
              std::string::npos);
    EXPECT_EQ(b, registry_.render());
    EXPECT_NE(b.find("opennap_decisions_total{outcome=\"restricted\"} 2\n"), std::string::npos);
    EXPECT_EQ(server_->scrapes(), 1u);
    // The query string is ignored; HTTP/1.0 is served too.
    EXPECT_EQ(status_line(exchange(server_->port(), "GET /metrics?x=1 HTTP/1.0\r\n\r\n")),
              "HTTP/1.1 200 OK");
}

TEST_F(HttpServerTest, PromtoolAcceptsTheOutput) {
    if (std::system("command -v promtool >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "promtool (Debian package prometheus) is not installed";
    const std::string b = body(exchange(server_->port(), "GET /metrics HTTP/1.1\r\n\r\n"));
    ASSERT_FALSE(b.empty());
    const std::string path =
        ::testing::TempDir() + "opennap-metrics-" + std::to_string(::getpid()) + ".txt";
    {
        std::ofstream f(path);
        f << b;
    }
    const std::string cmd = "promtool check metrics < " + path + " > " + path + ".out 2>&1";
    const int rc = std::system(cmd.c_str());
    std::ifstream out(path + ".out");
    const std::string said((std::istreambuf_iterator<char>(out)), {});
    EXPECT_EQ(rc, 0) << said;
    // Lint problems (naming, help) are printed even with status 0.
    EXPECT_EQ(said, "") << said;
    std::remove(path.c_str());
    std::remove((path + ".out").c_str());
}

TEST_F(HttpServerTest, HeadHasHeadersOnly) {
    const std::string r = exchange(server_->port(), "HEAD /metrics HTTP/1.1\r\n\r\n");
    EXPECT_EQ(status_line(r), "HTTP/1.1 200 OK");
    EXPECT_EQ(body(r), "");
    EXPECT_NE(r.find("Content-Length: " + std::to_string(registry_.render().size())),
              std::string::npos);
}

TEST_F(HttpServerTest, Refusals) {
    EXPECT_EQ(status_line(exchange(server_->port(), "GET / HTTP/1.1\r\n\r\n")),
              "HTTP/1.1 404 Not Found");
    EXPECT_EQ(status_line(exchange(server_->port(), "GET /metrics/x HTTP/1.1\r\n\r\n")),
              "HTTP/1.1 404 Not Found");
    const std::string post =
        exchange(server_->port(), "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(status_line(post), "HTTP/1.1 405 Method Not Allowed");
    EXPECT_NE(post.find("\r\nAllow: GET, HEAD\r\n"), std::string::npos);
    EXPECT_EQ(status_line(exchange(server_->port(), "GET /metrics HTTP/2.0\r\n\r\n")),
              "HTTP/1.1 505 HTTP Version Not Supported");
    EXPECT_EQ(status_line(exchange(server_->port(), "\x16\x03\x01\x02\x00")),
              "HTTP/1.1 400 Bad Request");
    EXPECT_EQ(status_line(exchange(server_->port(),
                                   "GET /metrics HTTP/1.1\r\nX: " + std::string(2000, 'a'))),
              "HTTP/1.1 431 Request Header Fields Too Large");
    EXPECT_EQ(server_->scrapes(), 0u);
}

TEST_F(HttpServerTest, SilentAndHalfClosedClientsAreDropped) {
    // Nothing sent: closed after the timeout (500 ms), with no answer.
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(exchange(server_->port(), ""), "");
    EXPECT_GE(std::chrono::steady_clock::now() - t0, 400ms);
    // An incomplete head then EOF: closed without an answer.
    EXPECT_EQ(exchange(server_->port(), "GET /metrics HTTP/1.1\r\n", true), "");
    // The server still serves.
    EXPECT_EQ(status_line(exchange(server_->port(), "GET /metrics HTTP/1.1\r\n\r\n")),
              "HTTP/1.1 200 OK");
}

TEST_F(HttpServerTest, ManyClientsAtOnce) {
    std::vector<std::thread> ts;
    std::atomic<int> ok{0};
    for (int i = 0; i < 16; ++i) {
        ts.emplace_back([&] {
            for (int k = 0; k < 10; ++k) {
                if (status_line(exchange(server_->port(), "GET /metrics HTTP/1.1\r\n\r\n")) ==
                    "HTTP/1.1 200 OK")
                    ++ok;
            }
        });
    }
    for (auto& t : ts)
        t.join();
    EXPECT_EQ(ok.load(), 160);
    EXPECT_EQ(server_->scrapes(), 160u);
}

TEST(HttpServer, ConnectionLimit) {
    Registry r;
    HttpOptions o;
    o.max_connections = 1;
    o.timeout = 2s;
    auto s = MetricsServer::start(r, o);
    ASSERT_TRUE(s) << s.error();
    // One client holds the only slot (sends nothing); the next is closed at once.
    const int hog = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons((*s)->port());
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(hog, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    std::this_thread::sleep_for(100ms);
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(exchange((*s)->port(), "GET /metrics HTTP/1.1\r\n\r\n"), "");
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
    ::close(hog);
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(status_line(exchange((*s)->port(), "GET /metrics HTTP/1.1\r\n\r\n")),
              "HTTP/1.1 200 OK");
}

TEST(HttpServer, BindErrorsAndStop) {
    Registry r;
    HttpOptions o;
    o.address = "not-an-address";
    auto s = MetricsServer::start(r, o);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error(), "cannot listen on not-an-address:0: not an IP address");
    o.address = "127.0.0.1";
    auto first = MetricsServer::start(r, o);
    ASSERT_TRUE(first);
    o.port = (*first)->port();
    auto second = MetricsServer::start(r, o);
    ASSERT_FALSE(second);
    EXPECT_NE(second.error().find("cannot listen on 127.0.0.1:" + std::to_string(o.port) + ": "),
              std::string::npos)
        << second.error();
    (*first)->stop();
    (*first)->stop();
    EXPECT_EQ(exchange(o.port, "GET /metrics HTTP/1.1\r\n\r\n"), "connect failed");
    // IPv6 loopback.
    o.address = "::1";
    o.port = 0;
    auto v6 = MetricsServer::start(r, o);
    if (v6) {
        EXPECT_NE((*v6)->port(), 0);
    }
}

}  // namespace
}  // namespace opennap::metrics
