// Decoding is allocation-free: counts global operator new calls around decode() and the view
// iterators. (This binary's operator new is replaced below; the count covers every thread.)
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "opennap/soh/message.h"
#include "support/vectors.h"

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

namespace opennap::soh {
namespace {

TEST(SohAllocation, DecodeAndIterationAllocateNothing) {
    for (const char* name : {"04-soh-wpas-v2.hex", "08-soh-wsha-compact.hex",
                             "09-soh-wsha-full.hex", "15-sohr-synthesized.hex"}) {
        const auto bytes = test::load_vector(name);
        const std::size_t before = g_news.load();
        auto v = decode(bytes);
        std::size_t sum = 0;
        if (v) {
            for (const EntryView& e : v->entries) {
                for (const TlvView& t : e.attributes) {
                    auto value = attr::decode_value(t);
                    sum += value ? value->index() : 0;
                }
            }
            for (const TlvView& t : v->body)
                sum += t.value.size();
        }
        const std::size_t after = g_news.load();
        ASSERT_TRUE(v) << name;
        EXPECT_GT(sum, 0u);
        EXPECT_EQ(after - before, 0u) << name;
    }
}

TEST(SohAllocation, CounterSeesAllocations) {
    // Guards the test above against a counter that never counts.
    const std::size_t before = g_news.load();
    // A direct call of the replaceable function: unlike a new-expression, it cannot be elided.
    void* p = ::operator new(16);
    ::operator delete(p);
    EXPECT_EQ(g_news.load() - before, 1u);
}

}  // namespace
}  // namespace opennap::soh
