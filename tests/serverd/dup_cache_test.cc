// napserver's duplicate cache (src/serverd/dup_cache.h): new / in progress / answered, eviction of
// the oldest of a full set and after the lifetime, and that a reused place never carries the
// answer of the request it held before.
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

// One set (a capacity of 8): when its places are taken, the oldest request goes, in progress or
// answered; the newest eight stay, each with its own state and answer.
TEST(DupCache, AFullSetLetsItsOldestGo) {
    DupCache cache(10s, 8);
    std::vector<std::uint8_t> got;
    for (std::uint32_t n = 0; n < 20; ++n) {
        ASSERT_EQ(cache.check(key(n), got), Seen::New) << n;
        if (n % 2 == 0)
            cache.answered(key(n), answer_for(n));
    }
    for (std::uint32_t n = 19; n >= 12; --n) {
        std::vector<std::uint8_t> a;
        if (n % 2 == 0) {
            EXPECT_EQ(cache.check(key(n), a), Seen::Answered) << n;
            EXPECT_EQ(a, answer_for(n)) << n;
        } else {
            EXPECT_EQ(cache.check(key(n), a), Seen::InProgress) << n;
        }
    }
    // Key 11 and older went; looking it up records it anew, which lets key 12 go.
    EXPECT_EQ(cache.check(key(11), got), Seen::New);
    EXPECT_EQ(cache.check(key(12), got), Seen::New);
    // An answer for a request that went is not kept.
    cache.answered(key(3), answer_for(3));
    EXPECT_EQ(cache.check(key(3), got), Seen::New);
}

// Many requests through a small cache: at most `capacity` are kept, the newest are, and a place
// taken over by a new request starts in progress, never with the answer it held before.
TEST(DupCache, AtCapacityReusedPlacesHoldOnlyTheirOwn) {
    constexpr std::size_t kCapacity = 64;  // 8 sets of 8
    DupCache cache(10s, kCapacity);
    std::vector<std::uint8_t> got;
    constexpr std::uint32_t kRequests = 5000;
    for (std::uint32_t n = 0; n < kRequests; ++n) {
        ASSERT_EQ(cache.check(key(n), got), Seen::New) << n;
        ASSERT_EQ(cache.check(key(n), got), Seen::InProgress) << n;
        if (n % 3 != 0)
            cache.answered(key(n), answer_for(n));
        else if (n % 2 == 0)
            cache.forget(key(n));
    }
    // The newest request of all is surely kept.
    std::vector<std::uint8_t> a;
    EXPECT_EQ(cache.check(key(kRequests - 1), a), Seen::Answered);
    EXPECT_EQ(a, answer_for(kRequests - 1));
    // Newest first: a check() of a key that went records it anew (letting an older one go).
    std::size_t kept = 0;
    for (std::uint32_t n = kRequests; n-- > kRequests - 4 * kCapacity;) {
        std::vector<std::uint8_t> b;
        const Seen seen = cache.check(key(n), b);
        if (seen == Seen::New)
            continue;
        ++kept;
        if (seen == Seen::Answered)
            EXPECT_EQ(b, answer_for(n)) << n;
        else
            EXPECT_TRUE(n % 3 == 0 && n % 2 != 0) << n;
    }
    EXPECT_LE(kept, kCapacity);
    EXPECT_GT(kept, kCapacity / 4);
}

}  // namespace
}  // namespace opennap::serverd::detail
