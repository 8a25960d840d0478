// Decoding is allocation-free: counts global operator new calls around decode_packet(), the
// attribute and sub-attribute iterations and the VSA / tunnel accessors. (This binary's
// operator new is replaced below; the count covers every thread.) Verification with a
// SharedSecret allocates nothing through operator new either; OpenSSL's own allocations go
// through CRYPTO_malloc, which this counter cannot see (bench/radius_bench.cc reports them).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "helpers.h"
#include "opennap/radius/auth.h"
#include "opennap/radius/tunnel.h"
#include "opennap/radius/vsa.h"

namespace {
std::atomic<std::size_t> g_news{0};
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
    g_news.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n == 0 ? 1 : n))
        return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
#pragma GCC diagnostic pop

namespace opennap::radius {
namespace {

using namespace test;

TEST(RadiusAllocation, DecodeAndIterationAllocateNothing) {
    const ByteVec b = packet(Code::AccessRequest, 7,
                             cat({attr(80, ByteVec(16, 0)), attr(1, text("host/pc1")), vector10(),
                                  attr(26, from_hex("00000137 3205706331 2f0600000003")),
                                  from_hex("4006 0000000d 4106 00000006 5104 3130")}));
    const std::size_t before = g_news.load();
    auto p = decode_packet(b);
    std::size_t sum = 0;
    if (p) {
        for (const AttributeView& a : p->attributes()) {
            sum += a.value.size();
            if (a.type == Attr::VendorSpecific) {
                auto v = decode_vsa(a);
                if (v) {
                    for (const SubAttributeView& s : v->sub_attributes) {
                        sum += s.value.size();
                    }
                }
            }
        }
        auto vlan = vlan_assignment(*p);
        sum += vlan && *vlan ? (*vlan)->group.size() : 0;
        sum += p->count(Attr::VendorSpecific);
    }
    const std::size_t after = g_news.load();
    ASSERT_TRUE(p);
    EXPECT_GT(sum, 0u);
    EXPECT_EQ(after - before, 0u);
}

TEST(RadiusAllocation, VerifyAllocatesNothingThroughOperatorNew) {
    auto secret = SharedSecret::create("testing123");
    ASSERT_TRUE(secret);
    PacketBuilder b(Code::AccessRequest, 1, Authenticator{1, 2, 3});
    b.add_message_authenticator().add(Attr::UserName, "u").add_raw(vector11());
    ASSERT_TRUE(sign_request(b, *secret));
    const ByteVec bytes = vec(*b.bytes());
    const std::size_t before = g_news.load();
    auto p = decode_packet(bytes);
    const bool ok = p && verify_request(*p, *secret, true).ok();
    const std::size_t after = g_news.load();
    EXPECT_TRUE(ok);
    EXPECT_EQ(after - before, 0u);
}

TEST(RadiusAllocation, CounterSeesAllocations) {
    // Guards the tests above against a counter that never counts.
    const std::size_t before = g_news.load();
    void* p = ::operator new(16);
    ::operator delete(p);
    EXPECT_EQ(g_news.load() - before, 1u);
}

}  // namespace
}  // namespace opennap::radius
