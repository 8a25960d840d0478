// napserver's duplicate detection (RFC 5080 §2.2.2); not a public header
// (tests/serverd/dup_cache_test.cc).
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <deque>
#include <mutex>
#include <span>
#include <unordered_map>
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
// arriving then is dropped). Bounded in time (`lifetime`) and in size (`capacity`, oldest out).
// At full rate the cache is always full, so every request evicts the oldest entry of its shard:
// an evicted entry's map node and answer buffer are kept (a few per shard) and reused by the next
// request, instead of a free and an allocation of each per request, the free often on another
// worker's thread than the allocation.
class DupCache {
  public:
    // The buckets are made for the full capacity at once (8 octets each: 2 MiB for napserver's
    // 262,144), so that the maps never rehash while a busy server fills them.
    DupCache(std::chrono::milliseconds lifetime, std::size_t capacity)
        : lifetime_(lifetime), per_shard_(std::max<std::size_t>(1, capacity / kShards)) {
        for (Shard& s : shards_)
            s.map.reserve(per_shard_);
    }

    enum class Seen : std::uint8_t { New, InProgress, Answered };
    // New: recorded as in progress. Answered: `answer` is the answer sent before.
    Seen check(const DupKey& k, std::vector<std::uint8_t>& answer) {
        auto& s = shard(k);
        const auto now = Clock::now();
        std::lock_guard lock(s.mu);
        expire(s, now);
        auto it = s.map.find(k);
        if (it != s.map.end()) {
            if (!it->second.answered)
                return Seen::InProgress;
            answer = it->second.answer;
            return Seen::Answered;
        }
        while (s.order.size() >= per_shard_) {
            retire(s, s.map.find(s.order.front()));
            s.order.pop_front();
        }
        if (!s.spare.empty()) {
            auto node = std::move(s.spare.back());
            s.spare.pop_back();
            node.key() = k;
            node.mapped().answered = false;
            node.mapped().expires = now + lifetime_;
            s.map.insert(std::move(node));
        } else {
            s.map.emplace(k, Entry{{}, now + lifetime_, false});
        }
        s.order.push_back(k);
        return Seen::New;
    }
    void answered(const DupKey& k, std::span<const std::uint8_t> answer) {
        auto& s = shard(k);
        std::lock_guard lock(s.mu);
        if (auto it = s.map.find(k); it != s.map.end()) {
            it->second.answer.assign(answer.begin(), answer.end());
            it->second.answered = true;
        }
    }
    void forget(const DupKey& k) {
        auto& s = shard(k);
        std::lock_guard lock(s.mu);
        retire(s, s.map.find(k));  // its place in `order` expires harmlessly
    }

  private:
    static constexpr std::size_t kShards = 16;
    static constexpr std::size_t kSpares = 16;  // kept per shard for reuse
    struct Entry {
        std::vector<std::uint8_t> answer;  // its capacity is reused with the node
        Clock::time_point expires;
        bool answered = false;  // false: in progress
    };
    using Map = std::unordered_map<DupKey, Entry, DupKeyHash>;
    struct Shard {
        std::mutex mu;
        Map map;
        std::deque<DupKey> order;
        std::vector<Map::node_type> spare;
    };
    Shard& shard(const DupKey& k) { return shards_[DupKeyHash{}(k) % kShards]; }
    // Removes the entry at `it` (if any), keeping its node for reuse while there is room.
    static void retire(Shard& s, Map::iterator it) {
        if (it == s.map.end())
            return;
        if (s.spare.size() < kSpares)
            s.spare.push_back(s.map.extract(it));
        else
            s.map.erase(it);
    }
    static void expire(Shard& s, Clock::time_point now) {
        while (!s.order.empty()) {
            auto it = s.map.find(s.order.front());
            if (it != s.map.end() && it->second.expires > now)
                break;
            retire(s, it);
            s.order.pop_front();
        }
    }
    std::chrono::milliseconds lifetime_;
    std::size_t per_shard_;
    std::array<Shard, kShards> shards_;
};

}  // namespace opennap::serverd::detail
