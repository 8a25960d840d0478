// IpAddress, Prefix, Endpoint and Glob.
#include "opennap/policy/address.h"

#include <gtest/gtest.h>

#include "opennap/policy/glob.h"

namespace {

using namespace opennap::policy;

IpAddress ip(std::string_view s) {
    auto a = IpAddress::parse(s);
    EXPECT_TRUE(a.has_value()) << s;
    return a.value_or(IpAddress{});
}

TEST(PolicyAddress, ParsesBothFamilies) {
    EXPECT_EQ(ip("10.1.2.3"), IpAddress::v4(10, 1, 2, 3));
    const IpAddress six = ip("2001:db8::1");
    EXPECT_FALSE(six.is_v4());
    EXPECT_EQ(six.bytes[0], 0x20);
    EXPECT_EQ(six.bytes[1], 0x01);
    EXPECT_EQ(six.bytes[15], 0x01);
    EXPECT_EQ(six.to_string(), "2001:db8::1");
    EXPECT_EQ(ip("127.0.0.1").to_string(), "127.0.0.1");
    EXPECT_EQ(ip("::1").bits(), 128u);
    EXPECT_EQ(ip("::1").size(), 16u);
    EXPECT_EQ(ip("0.0.0.0").bits(), 32u);
}

// IPv4 text is written without inet_ntop: every octet width, both ends; v4-mapped v6 stays v6.
TEST(PolicyAddress, Ipv4TextAtEveryOctetWidth) {
    EXPECT_EQ(IpAddress::v4(0, 0, 0, 0).to_string(), "0.0.0.0");
    EXPECT_EQ(IpAddress::v4(255, 255, 255, 255).to_string(), "255.255.255.255");
    EXPECT_EQ(IpAddress::v4(9, 10, 99, 100).to_string(), "9.10.99.100");
    EXPECT_EQ(IpAddress::v4(192, 0, 2, 1).to_string(), "192.0.2.1");
    EXPECT_EQ(ip("::ffff:192.0.2.1").to_string(), "::ffff:192.0.2.1");
}

TEST(PolicyAddress, RejectsMalformedText) {
    for (std::string_view bad : {"", "10.1.2", "10.1.2.256", "1.2.3.4 ", " 1.2.3.4", "::1%eth0",
                                 "[::1]", "hostname", "1.2.3.4/8", "::g",
                                 "01234567890123456789"
                                 "0123456789012345678901234567890123456789012345678901234567"}) {
        EXPECT_FALSE(IpAddress::parse(bad).has_value()) << bad;
    }
}

TEST(PolicyAddress, UnmapsIpv4MappedAddresses) {
    EXPECT_EQ(ip("::ffff:192.0.2.7").unmapped(), IpAddress::v4(192, 0, 2, 7));
    EXPECT_EQ(ip("::1").unmapped(), ip("::1"));
    EXPECT_EQ(ip("::ffff:0:192.0.2.7").unmapped(), ip("::ffff:0:192.0.2.7"));  // not mapped
    EXPECT_EQ(ip("192.0.2.7").unmapped(), ip("192.0.2.7"));
}

TEST(PolicyAddress, PrefixParsing) {
    auto p = Prefix::parse("10.0.0.0/8");
    ASSERT_TRUE(p.has_value()) << p.error();
    EXPECT_EQ(p->length, 8);
    EXPECT_EQ(p->address, IpAddress::v4(10, 0, 0, 0));
    EXPECT_EQ(p->to_string(), "10.0.0.0/8");

    auto host = Prefix::parse("192.0.2.1");
    ASSERT_TRUE(host.has_value());
    EXPECT_EQ(host->length, 32);
    EXPECT_EQ(host->to_string(), "192.0.2.1");

    auto v6 = Prefix::parse("2001:db8::/32");
    ASSERT_TRUE(v6.has_value());
    EXPECT_EQ(v6->length, 32);
    EXPECT_EQ(v6->to_string(), "2001:db8::/32");
    EXPECT_EQ(Prefix::parse("::1")->length, 128);
    EXPECT_EQ(Prefix::parse("0.0.0.0/0")->length, 0);
    EXPECT_EQ(Prefix::parse("::/0")->length, 0);
}

TEST(PolicyAddress, PrefixErrorsSayWhatWasMeant) {
    auto p = Prefix::parse("10.1.2.3/8");
    ASSERT_FALSE(p.has_value());
    EXPECT_EQ(p.error(), "\"10.1.2.3/8\" has host bits set (did you mean \"10.0.0.0/8\"?)");
    auto v6 = Prefix::parse("2001:db8::1/64");
    ASSERT_FALSE(v6.has_value());
    EXPECT_NE(v6.error().find("did you mean \"2001:db8::/64\""), std::string::npos) << v6.error();
    EXPECT_EQ(Prefix::parse("10.0.0.0/33").error(),
              "prefix length \"33\" must be a number from 0 to 32");
    EXPECT_EQ(Prefix::parse("::/129").error(),
              "prefix length \"129\" must be a number from 0 to 128");
    EXPECT_FALSE(Prefix::parse("10.0.0.0/").has_value());
    EXPECT_FALSE(Prefix::parse("10.0.0.0/+8").has_value());
    EXPECT_FALSE(Prefix::parse("10.0.0.0/8x").has_value());
    EXPECT_EQ(Prefix::parse("ten/8").error(), "\"ten\" is not an IPv4 or IPv6 address");
    EXPECT_EQ(Prefix::parse("::ffff:10.0.0.1").error(),
              "\"::ffff:10.0.0.1\" is an IPv4-mapped IPv6 address: write the IPv4 address "
              "\"10.0.0.1\" instead");
}

TEST(PolicyAddress, PrefixContains) {
    const Prefix net = *Prefix::parse("10.20.0.0/14");
    EXPECT_TRUE(net.contains(ip("10.20.0.0")));
    EXPECT_TRUE(net.contains(ip("10.23.255.255")));
    EXPECT_FALSE(net.contains(ip("10.24.0.0")));
    EXPECT_FALSE(net.contains(ip("10.19.255.255")));
    EXPECT_TRUE(net.contains(ip("::ffff:10.21.1.1")));  // dual-stack socket peer
    EXPECT_FALSE(net.contains(ip("2001:db8::1")));
    const Prefix all = *Prefix::parse("0.0.0.0/0");
    EXPECT_TRUE(all.contains(ip("255.255.255.255")));
    EXPECT_FALSE(all.contains(ip("::")));
    const Prefix v6 = *Prefix::parse("2001:db8:8000::/33");
    EXPECT_TRUE(v6.contains(ip("2001:db8:8000::1")));
    EXPECT_FALSE(v6.contains(ip("2001:db8:7fff::1")));
    EXPECT_FALSE(v6.contains(ip("10.0.0.1")));
}

TEST(PolicyAddress, Masked) {
    EXPECT_EQ(masked(ip("10.255.255.255"), 12), ip("10.240.0.0"));
    EXPECT_EQ(masked(ip("10.255.255.255"), 0), ip("0.0.0.0"));
    EXPECT_EQ(masked(ip("10.255.255.255"), 32), ip("10.255.255.255"));
    EXPECT_EQ(masked(ip("2001:db8:ffff::1"), 36), ip("2001:db8:f000::"));
}

TEST(PolicyAddress, Endpoints) {
    auto a = Endpoint::parse("127.0.0.1:1812");
    ASSERT_TRUE(a.has_value()) << a.error();
    EXPECT_EQ(a->address, IpAddress::v4(127, 0, 0, 1));
    EXPECT_EQ(a->port, 1812);
    EXPECT_EQ(a->to_string(), "127.0.0.1:1812");
    auto b = Endpoint::parse("[::1]:1645");
    ASSERT_TRUE(b.has_value()) << b.error();
    EXPECT_EQ(b->address, ip("::1"));
    EXPECT_EQ(b->to_string(), "[::1]:1645");
    EXPECT_TRUE(Endpoint::parse("0.0.0.0:65535").has_value());

    EXPECT_EQ(Endpoint::parse("127.0.0.1").error(),
              "\"127.0.0.1\" has no port: write address:port, e.g. \"127.0.0.1:1812\"");
    EXPECT_EQ(Endpoint::parse("::1:1812").error(),
              "\"::1:1812\": put an IPv6 address in brackets, e.g. \"[::1]:1812\"");
    EXPECT_EQ(Endpoint::parse("127.0.0.1:0").error(),
              "port \"0\" must be a number from 1 to 65535");
    EXPECT_EQ(Endpoint::parse("127.0.0.1:65536").error(),
              "port \"65536\" must be a number from 1 to 65535");
    EXPECT_FALSE(Endpoint::parse("127.0.0.1:").has_value());
    EXPECT_FALSE(Endpoint::parse("127.0.0.1:18x").has_value());
    EXPECT_FALSE(Endpoint::parse("[::1]1812").has_value());
    EXPECT_FALSE(Endpoint::parse("[::1").has_value());
    EXPECT_FALSE(Endpoint::parse("[127.0.0.1]:1812").has_value());
    EXPECT_FALSE(Endpoint::parse("localhost:1812").has_value());
}

TEST(PolicyGlob, Matching) {
    const Glob g("*.Example.ORG");
    EXPECT_EQ(g.pattern(), "*.example.org");
    EXPECT_TRUE(g.match("pc1.example.org"));
    EXPECT_TRUE(g.match("PC1.EXAMPLE.ORG"));
    EXPECT_TRUE(g.match(".example.org"));
    EXPECT_FALSE(g.match("example.org"));
    EXPECT_FALSE(g.match("pc1.example.org.evil"));

    const Glob q("lab-??");
    EXPECT_TRUE(q.match("lab-01"));
    EXPECT_FALSE(q.match("lab-1"));
    EXPECT_FALSE(q.match("lab-001"));

    const Glob star("*");
    EXPECT_TRUE(star.match(""));
    EXPECT_TRUE(star.match("anything"));

    const Glob exact("kiosk");
    EXPECT_TRUE(exact.match("KIOSK"));
    EXPECT_FALSE(exact.match("kiosk2"));
    EXPECT_FALSE(exact.match(""));

    const Glob multi("a*b*c");
    EXPECT_TRUE(multi.match("abc"));
    EXPECT_TRUE(multi.match("axxbyyc"));
    EXPECT_TRUE(multi.match("abcbc"));
    EXPECT_FALSE(multi.match("acb"));
    EXPECT_FALSE(multi.match("ab"));

    const Glob trailing("ws-*-*");
    EXPECT_TRUE(trailing.match("ws-a-"));
    EXPECT_FALSE(trailing.match("ws-a"));
}

TEST(PolicyGlob, PathologicalPatternsStayFast) {
    // Exponential backtracking would never finish this.
    const Glob g("*a*a*a*a*a*a*a*a*a*a*a*a*b");
    const std::string name(255, 'a');
    EXPECT_FALSE(g.match(name));
    EXPECT_TRUE(g.match(name + "b"));
}

}  // namespace
