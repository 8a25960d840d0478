// napserver's duplicate cache (src/serverd/dup_cache.h): new / in progress / answered, eviction of
// the oldest at capacity and after the lifetime, and that a reused entry never carries the answer
// of the request it held before.
#include "serverd/dup_cache.h"

#include <gtest/gtest.h>

#include <thread>

namespace opennap::serverd::detail {
namespace {

using namespace std::chrono_literals;
using Seen = DupCache::Seen;

DupKey key(std::uint32_t n) {
    DupKey k;
    k.family = 4;
    k.address = {127, 0, 0, 1};
    k.port = static_cast<std::uint16_t>(40000 + n % 7);
    k.identifier = static_cast<std::uint8_t>(n);
    std::memcpy(k.authenticator.data(), &n, sizeof n);
    return k;
}

std::vector<std::uint8_t> answer_for(std::uint32_t n) {
    // Sizes vary so that a reused buffer is sometimes longer, sometimes shorter.
    std::vector<std::uint8_t> a(20 + n % 50, static_cast<std::uint8_t>(n));
    a[0] = 2;
    return a;
}

TEST(DupCache, NewThenInProgressThenAnswered) {
    DupCache cache(10s, 1024);
    std::vector<std::uint8_t> got;
    EXPECT_EQ(cache.check(key(1), got), Seen::New);
    EXPECT_EQ(cache.check(key(1), got), Seen::InProgress);
    EXPECT_EQ(cache.check(key(2), got), Seen::New);
    cache.answered(key(1), answer_for(1));
    EXPECT_EQ(cache.check(key(1), got), Seen::Answered);
    EXPECT_EQ(got, answer_for(1));
    EXPECT_EQ(cache.check(key(2), got), Seen::InProgress);
}

TEST(DupCache, AForgottenRequestIsNewAgain) {
    DupCache cache(10s, 1024);
    std::vector<std::uint8_t> got;
    EXPECT_EQ(cache.check(key(1), got), Seen::New);
    cache.forget(key(1));
    EXPECT_EQ(cache.check(key(1), got), Seen::New);
    cache.answered(key(1), answer_for(1));
    EXPECT_EQ(cache.check(key(1), got), Seen::Answered);
}

TEST(DupCache, EntriesExpireAfterTheLifetime) {
    DupCache cache(20ms, 1024);
    std::vector<std::uint8_t> got;
    EXPECT_EQ(cache.check(key(1), got), Seen::New);
    cache.answered(key(1), answer_for(1));
    std::this_thread::sleep_for(40ms);
    EXPECT_EQ(cache.check(key(1), got), Seen::New);
    EXPECT_EQ(cache.check(key(1), got), Seen::InProgress);
}

// At capacity the oldest go first; the entries that take their places (their node and buffer
// reused) hold their own state and answers only, whatever the evicted ones held.
TEST(DupCache, AtCapacityTheOldestGoAndReusedEntriesHoldOnlyTheirOwn) {
    constexpr std::size_t kCapacity = 64;  // 4 per shard
    DupCache cache(10s, kCapacity);
    std::vector<std::uint8_t> got;
    constexpr std::uint32_t kRequests = 5000;
    for (std::uint32_t n = 0; n < kRequests; ++n) {
        ASSERT_EQ(cache.check(key(n), got), Seen::New) << n;
        // A reused entry starts in progress, never answered with the answer it held before.
        ASSERT_EQ(cache.check(key(n), got), Seen::InProgress) << n;
        if (n % 3 != 0)
            cache.answered(key(n), answer_for(n));
        else if (n % 2 == 0)
            cache.forget(key(n));
    }
    std::size_t kept = 0;
    std::size_t answered = 0;
    for (std::uint32_t n = kRequests; n-- > 0;) {
        std::vector<std::uint8_t> a;
        // check() records the key as new when absent: look at each key once, newest first.
        switch (cache.check(key(n), a)) {
            case Seen::Answered:
                ++kept;
                ++answered;
                EXPECT_EQ(a, answer_for(n)) << n;
                break;
            case Seen::InProgress:
                ++kept;
                EXPECT_TRUE(n % 3 == 0 && n % 2 != 0) << n;
                break;
            case Seen::New:
                break;
        }
        if (kRequests - n > 4 * kCapacity)
            break;
    }
    EXPECT_GT(answered, 0u);
    EXPECT_LE(kept, kCapacity);
    // An answer for an entry evicted meanwhile is not kept.
    cache.answered(key(0), answer_for(0));
    EXPECT_EQ(cache.check(key(0), got), Seen::New);
}

}  // namespace
}  // namespace opennap::serverd::detail
