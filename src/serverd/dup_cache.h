// napserver's duplicate detection (RFC 5080 §2.2.2); not a public header
// (tests/serverd/dup_cache_test.cc).
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <span>
#include <vector>

#include "opennap/radius/packet.h"

namespace opennap::serverd::detail {

using Clock = std::chrono::steady_clock;

// A request is identified by where it came from, its Identifier and its Request Authenticator.
struct DupKey {
    std::array<std::uint8_t, 16> address{};
    std::uint16_t port = 0;
    std::uint8_t family = 0;
    std::uint8_t identifier = 0;
    radius::Authenticator authenticator{};
    friend bool operator==(const DupKey&, const DupKey&) = default;
};
// The key as five 64-bit words mixed (the Request Authenticator is 16 random octets, RFC 2865
// §3, so most of the spread comes from it). Keys come only from requests that passed
// verify_request(): only a client holding its shared secret chooses them, and each shard is
// bounded in size either way.
struct DupKeyHash {
    std::size_t operator()(const DupKey& k) const noexcept {
        auto word = [](const std::uint8_t* p) {
            std::uint64_t w;
            std::memcpy(&w, p, 8);
            return w;
        };
        std::uint64_t h = word(k.authenticator.data()) ^
                          (word(k.authenticator.data() + 8) * 0x9E3779B97F4A7C15ull);
        h ^= word(k.address.data()) * 0xC2B2AE3D27D4EB4Full;
        h ^= word(k.address.data() + 8) * 0x165667B19E3779F9ull;
        h ^= (std::uint64_t{k.port} << 16 | std::uint64_t{k.identifier} << 8 | k.family) *
             0x27D4EB2F165667C5ull;
        h ^= h >> 29;
        h *= 0xBF58476D1CE4E5B9ull;
        h ^= h >> 32;
        return static_cast<std::size_t>(h);
    }
};

// Answers kept to answer a retransmission again, and requests still being worked on (a copy
// arriving then is dropped). Bounded in time (`lifetime`) and in size (`capacity`).
//
// A flat set-associative table: a key's hash picks a set of kWays places; a new request takes a
// free or expired place of its set, else the oldest one's (so the cache holds at most `capacity`
// requests, and when a set is full its oldest goes). Each set's hashes and expiry times fill two
// cache lines, so that a new request (the usual case) costs one look at them, and the places
// (keys and answer buffers, reused) are allocated once: a chained hash map cost a bucket and a
// node or two from all over memory per request, and a node allocation and free (4 % of
// napserver's time in perf with the cache full).
class DupCache {
  public:
    DupCache(std::chrono::milliseconds lifetime, std::size_t capacity)
        : lifetime_(std::chrono::duration_cast<Clock::duration>(lifetime).count()),
          sets_(std::max<std::size_t>(1, capacity / kWays)),
          tags_(sets_ * kWays),
          places_(sets_ * kWays) {}

    enum class Seen : std::uint8_t { New, InProgress, Answered };
    // New: recorded as in progress. Answered: `answer` is the answer sent before.
    // `at`: when the request arrived (its receiver read the clock already).
    Seen check(const DupKey& k, std::vector<std::uint8_t>& answer,
               Clock::time_point at = Clock::now()) {
        const std::uint64_t h = hash_of(k);
        const std::size_t base = set_of(h) * kWays;
        const std::int64_t now = at.time_since_epoch().count();
        std::lock_guard lock(lock_of(h));
        std::size_t victim = index_of(k, h);
        if (victim != kNone) {
            if (tags_[victim].expires > now) {
                const Place& p = places_[victim];
                if (!p.answered)
                    return Seen::InProgress;
                answer = p.answer;
                return Seen::Answered;
            }
            // expired: this request is new again, in the same place
        } else {
            victim = base;
            for (std::size_t w = 0; w < kWays; ++w) {
                const Tag& t = tags_[base + w];
                if (t.hash == kFree || t.expires <= now) {
                    victim = base + w;
                    break;
                }
                if (t.expires < tags_[victim].expires)
                    victim = base + w;  // the oldest so far
            }
        }
        // Expiry times strictly increase within a lock's sets, so that "the oldest" is always
        // the one that came first, even for two requests in the same clock tick.
        std::int64_t& last = last_expires_[set_of(h) % kLocks];
        last = std::max(now + lifetime_, last + 1);
        tags_[victim] = Tag{h, last};
        Place& p = places_[victim];
        p.key = k;
        p.answered = false;
        p.answer.clear();  // keeps its memory for this request's answer
        return Seen::New;
    }
    void answered(const DupKey& k, std::span<const std::uint8_t> answer) {
        const std::uint64_t h = hash_of(k);
        std::lock_guard lock(lock_of(h));
        if (const std::size_t i = index_of(k, h); i != kNone) {
            places_[i].answer.assign(answer.begin(), answer.end());
            places_[i].answered = true;
        }
    }
    void forget(const DupKey& k) {
        const std::uint64_t h = hash_of(k);
        std::lock_guard lock(lock_of(h));
        if (const std::size_t i = index_of(k, h); i != kNone)
            tags_[i].hash = kFree;
    }

  private:
    static constexpr std::size_t kWays = 8;
    static constexpr std::size_t kLocks = 64;
    static constexpr std::uint64_t kFree = 0;  // hash_of() never gives 0
    struct Tag {
        std::uint64_t hash = kFree;
        std::int64_t expires = 0;  // steady_clock ticks
    };
    struct Place {
        DupKey key;
        bool answered = false;             // false: in progress
        std::vector<std::uint8_t> answer;  // its memory is reused by the next request here
    };
    static std::uint64_t hash_of(const DupKey& k) { return DupKeyHash{}(k) | 1; }
    std::size_t set_of(std::uint64_t h) const { return (h >> 7) % sets_; }
    std::mutex& lock_of(std::uint64_t h) { return locks_[set_of(h) % kLocks]; }
    static constexpr std::size_t kNone = ~std::size_t{0};
    // The index of the place holding `k` (expired or not), or kNone.
    std::size_t index_of(const DupKey& k, std::uint64_t h) const {
        const std::size_t base = set_of(h) * kWays;
        for (std::size_t i = base; i < base + kWays; ++i) {
            if (tags_[i].hash == h && places_[i].key == k)
                return i;
        }
        return kNone;
    }

    std::int64_t lifetime_;  // steady_clock ticks
    std::size_t sets_;
    std::vector<Tag> tags_;      // kWays per set, set by set
    std::vector<Place> places_;  // the same order
    std::array<std::mutex, kLocks> locks_;
    std::array<std::int64_t, kLocks> last_expires_{};  // under locks_[i]
};

}  // namespace opennap::serverd::detail
