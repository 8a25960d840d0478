// parse_request_head: the request line, field lines, line ends, and every refusal with its
// offset; truncation at every byte of a valid head is Incomplete, never an error.
#include "opennap/metrics/http_request.h"

#include <gtest/gtest.h>

#include <string>

namespace opennap::metrics {
namespace {

TEST(HttpRequest, ParsesAGet) {
    const std::string in =
        "GET /metrics?name[]=x HTTP/1.1\r\nHost: 127.0.0.1:9464\r\nAccept: text/plain;"
        "version=0.0.4;q=0.5,*/*;q=0.1\r\nUser-Agent: Prometheus/2.42.0\r\n\r\nextra";
    auto h = parse_request_head(in);
    ASSERT_TRUE(h) << h.error().what;
    EXPECT_EQ(h->method, "GET");
    EXPECT_EQ(h->target, "/metrics?name[]=x");
    EXPECT_EQ(h->path, "/metrics");
    EXPECT_EQ(h->minor_version, 1);
    EXPECT_EQ(h->head_size, in.size() - 5);
}

TEST(HttpRequest, BareLfAndHttp10) {
    auto h = parse_request_head("HEAD / HTTP/1.0\nX: y\n\n");
    ASSERT_TRUE(h);
    EXPECT_EQ(h->method, "HEAD");
    EXPECT_EQ(h->path, "/");
    EXPECT_EQ(h->minor_version, 0);
    EXPECT_EQ(h->head_size, 22u);
}

TEST(HttpRequest, EveryPrefixIsIncomplete) {
    const std::string in = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    for (std::size_t n = 0; n < in.size(); ++n) {
        auto h = parse_request_head(std::string_view(in).substr(0, n));
        ASSERT_FALSE(h) << n;
        EXPECT_EQ(h.error().code, HttpErrc::Incomplete) << n << ": " << h.error().what;
    }
    EXPECT_TRUE(parse_request_head(in));
}

TEST(HttpRequest, Refusals) {
    struct Case {
        const char* in;
        HttpErrc code;
        std::size_t offset;
    };
    const Case cases[] = {
        {"\x16\x03\x01", HttpErrc::BadRequestLine, 0},  // a TLS ClientHello
        {"G(T / HTTP/1.1\r\n\r\n", HttpErrc::BadRequestLine, 1},
        {" GET / HTTP/1.1\r\n\r\n", HttpErrc::BadRequestLine, 0},
        {"GET\r\n\r\n", HttpErrc::BadRequestLine, 0},
        {"GET /\r\n\r\n", HttpErrc::BadRequestLine, 5},
        {"GET  / HTTP/1.1\r\n\r\n", HttpErrc::BadRequestLine, 4},
        {"GET /a\x01 HTTP/1.1\r\n\r\n", HttpErrc::BadRequestLine, 6},
        {"GET http://x/ HTTP/1.1\r\n\r\n", HttpErrc::BadRequestLine, 4},
        {"GET / HTTP/1.1 \r\n\r\n", HttpErrc::BadRequestLine, 6},
        {"GET / HTTX/1.1\r\n\r\n", HttpErrc::BadRequestLine, 6},
        {"GET / HTTP/2.0\r\n\r\n", HttpErrc::BadVersion, 6},
        {"GET / HTTP/1.2\r\n\r\n", HttpErrc::BadVersion, 6},
        {"GET / HTTP/1.1\r\n folded\r\n\r\n", HttpErrc::BadHeader, 16},
        {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", HttpErrc::BadHeader, 16},
        {"GET / HTTP/1.1\r\n: empty\r\n\r\n", HttpErrc::BadHeader, 16},
        {"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", HttpErrc::BadHeader, 19},
        {"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", HttpErrc::BadHeader, 20},
        {"GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n", HttpErrc::BadHeader, 20},
    };
    for (const Case& c : cases) {
        auto h = parse_request_head(c.in);
        ASSERT_FALSE(h) << c.in;
        EXPECT_EQ(h.error().code, c.code) << c.in << ": " << h.error().what;
        EXPECT_EQ(h.error().offset, c.offset) << c.in << ": " << h.error().what;
        EXPECT_FALSE(h.error().what.empty());
    }
}

}  // namespace
}  // namespace opennap::metrics
