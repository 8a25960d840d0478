// Test support for the SHV host tests: SSoH builders, scriptable SHVs, a completion collector.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "opennap/server/shv_host.h"
#include "opennap/soh/attributes.h"
#include "opennap/soh/message.h"

namespace opennap::server::test {

using namespace std::chrono_literals;

inline constexpr SystemHealthEntityId kShvA = 0x000137F0;
inline constexpr SystemHealthEntityId kShvB = 0x000137F1;
inline constexpr SystemHealthEntityId kShvC = 0x000137F2;

inline SoHAttribute owned(const soh::Attribute& a) {
    return SoHAttribute{a.type, a.value};
}

// {SHID = id, Compliance-Result-Codes = codes}
inline SoH codes_response(SystemHealthEntityId id, std::vector<std::uint32_t> codes) {
    SoH s;
    s.attributes.push_back(owned(soh::attr::make_system_health_id(id)));
    s.attributes.push_back(owned(soh::attr::make_compliance_result_codes(codes)));
    return s;
}

// {SHID = id, Failure-Category = c}
inline SoH category_response(SystemHealthEntityId id, FailureCategory c) {
    SoH s;
    s.attributes.push_back(owned(soh::attr::make_system_health_id(id)));
    s.attributes.push_back(owned(soh::attr::make_failure_category(static_cast<std::uint8_t>(c))));
    return s;
}

// A client SoH entry: SHID + one Vendor-Specific attribute holding `flag`.
inline soh::ReportEntry entry(SystemHealthEntityId id, std::uint8_t flag) {
    soh::ReportEntry e;
    e.id = id;
    const std::uint8_t data[1] = {flag};
    e.attributes.push_back(soh::attr::make_vendor_specific(id, Bytes(data, 1)));
    return e;
}

inline const CorrelationId kCorr{
    Guid{0x54468936, 0xcb49, 0x4374, {0xb1, 0x27, 0xa6, 0xa3, 0xcc, 0x3b, 0xb1, 0x1c}},
    FileTime{0x01ca78d858ee1ef0}};

// An SSoH with the given entries, machine name "client.example" and kCorr; `generated` lists
// the ids in MS-SystemGenerated-Ids.
inline soh::Message ssoh(std::vector<soh::ReportEntry> entries,
                         std::vector<std::uint32_t> generated = {}) {
    soh::Message m;
    m.mode = soh::ModeSubHeader{};
    m.mode->correlation_id = kCorr.to_bytes();
    m.system.items.emplace_back(soh::PacketInfo{soh::kPacketInfoRequest});
    m.system.items.emplace_back(soh::MachineName{std::string("client.example") + '\0'});
    m.system.items.emplace_back(soh::MsCorrelationId{kCorr.to_bytes()});
    if (!generated.empty())
        m.system.items.emplace_back(soh::SystemGeneratedIds{std::move(generated)});
    m.entries = std::move(entries);
    return m;
}

// The same SSoH through the wire codec (encode, decode) into a ValidationInput.
inline ValidationInput input_of(const soh::Message& m) {
    auto bytes = soh::encode(m);
    EXPECT_TRUE(bytes.has_value());
    auto view = soh::decode(*bytes);
    EXPECT_TRUE(view.has_value()) << (view ? "" : view.error().message());
    return ValidationInput::from(*view);
}

// An SHV whose validate() is a std::function; counts calls and remembers the calling threads.
class FnShv : public SystemHealthValidator {
  public:
    using Body =
        std::function<Status(const std::shared_ptr<ValidationRequest>&, std::chrono::milliseconds,
                             const std::shared_ptr<ServerCallback>&)>;
    explicit FnShv(Body body) : body_(std::move(body)) {}
    Status validate(const std::shared_ptr<ValidationRequest>& request,
                    std::chrono::milliseconds hint_timeout,
                    const std::shared_ptr<ServerCallback>& callback) override {
        {
            std::lock_guard lock(mu);
            threads.push_back(std::this_thread::get_id());
            hints.push_back(hint_timeout);
            requests.push_back(request);
            callbacks.push_back(callback);
        }
        calls.fetch_add(1);  // after the records: a test that saw the count may read them
        return body_(request, hint_timeout, callback);
    }

    std::atomic<int> calls{0};
    std::mutex mu;
    std::vector<std::thread::id> threads;
    std::vector<std::chrono::milliseconds> hints;
    std::vector<std::shared_ptr<ValidationRequest>> requests;
    std::vector<std::shared_ptr<ServerCallback>> callbacks;

  private:
    Body body_;
};

// Answers every request synchronously with Compliance-Result-Codes = [code] (the client's SoH
// present) or [NAP_E_MISSING_SOH] (absent).
inline std::shared_ptr<FnShv> sync_shv(std::uint32_t code = 0) {
    return std::make_shared<FnShv>([code](const std::shared_ptr<ValidationRequest>& r, auto, auto) {
        const std::uint32_t c = r->soh_request() != nullptr ? code : hr::NAP_E_MISSING_SOH.bits();
        return r->set_soh_response(codes_response(r->shv_id(), {c}));
    });
}

// Returns E_PENDING and does nothing else: the test completes it (or lets it time out).
inline std::shared_ptr<FnShv> pending_shv() {
    return std::make_shared<FnShv>([](auto, auto, auto) { return hr::E_PENDING; });
}

inline ValidatorRegistration reg(SystemHealthEntityId id,
                                 std::shared_ptr<SystemHealthValidator> shv,
                                 CallMode mode = CallMode::Inline) {
    ValidatorRegistration r;
    r.info.id = id;
    r.info.friendly_name = u"test SHV";
    r.info.description = u"an SHV of the tests";
    r.info.version = u"1.0";
    r.info.vendor_name = u"OpenNAP";
    r.validator_clsid = Guid{id, 0x1111, 0x2222, {1, 2, 3, 4, 5, 6, 7, 8}};
    r.factory = [shv]() -> Result<std::shared_ptr<SystemHealthValidator>> { return shv; };
    r.call_mode = mode;
    return r;
}

// Collects the one ValidationResult of a validation. The handler shares the collector's state,
// so a host that outlives the collector (and completes a validation at its destruction) is safe.
class Collector {
  public:
    CompletionHandler handler() {
        return [st = st_](ValidationResult&& r) {
            std::lock_guard lock(st->mu);
            ++st->calls;
            st->thread = std::this_thread::get_id();
            st->result = std::move(r);
            st->cv.notify_all();
        };
    }
    // Waits (real time) for the result.
    bool wait(std::chrono::milliseconds d = 5000ms) {
        std::unique_lock lock(st_->mu);
        return st_->cv.wait_for(lock, d, [&] { return st_->calls > 0; });
    }
    [[nodiscard]] bool done() const {
        std::lock_guard lock(st_->mu);
        return st_->calls > 0;
    }
    [[nodiscard]] int calls() const {
        std::lock_guard lock(st_->mu);
        return st_->calls;
    }
    [[nodiscard]] std::thread::id thread() const {
        std::lock_guard lock(st_->mu);
        return st_->thread;
    }
    ValidationResult& result() {
        std::lock_guard lock(st_->mu);
        return *st_->result;
    }
    const ShvOutcome& outcome(SystemHealthEntityId id) {
        std::lock_guard lock(st_->mu);
        for (const auto& o : st_->result->outcomes) {
            if (o.id == id)
                return o;
        }
        ADD_FAILURE() << "no outcome for SHV " << id;
        static const ShvOutcome none;
        return none;
    }

  private:
    struct State {
        std::mutex mu;
        std::condition_variable cv;
        int calls = 0;
        std::thread::id thread;
        std::optional<ValidationResult> result;
    };
    std::shared_ptr<State> st_ = std::make_shared<State>();
};

// Options with `f` applied to the defaults.
template <typename F>
ShvHostOptions opts(F f) {
    ShvHostOptions o;
    f(o);
    return o;
}

// A host on a ManualScheduler (timeouts move only with clock->advance()).
struct ManualHost {
    explicit ManualHost(ShvHostOptions o = {}) {
        o.scheduler = clock;
        host = std::make_unique<ShvHost>(std::move(o));
    }
    std::shared_ptr<ManualScheduler> clock = std::make_shared<ManualScheduler>();
    std::unique_ptr<ShvHost> host;
};

// Polls `pred` for up to `d` (real time).
template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds d = 5000ms) {
    const auto end = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < end) {
        if (pred())
            return true;
        std::this_thread::sleep_for(1ms);
    }
    return pred();
}

}  // namespace opennap::server::test
