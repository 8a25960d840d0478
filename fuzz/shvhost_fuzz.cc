// A client's SSoH through the SHV host: decode (Direction::Request), ValidationInput::from, and a
// validation by inline SHVs that read the SoH they are given and answer with responses built
// from the client's bytes (so set_soh_response and the verdict rules see arbitrary attributes).
// Properties: the validation completes inline, once, with one outcome per SHV, every SHV saw
// exactly its own entry, and every outcome is consistent with its kind.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "fuzz_util.h"
#include "opennap/server/shv_host.h"
#include "opennap/soh/message.h"

using namespace opennap;
using namespace opennap::server;

namespace {

constexpr SystemHealthEntityId kEcho = 0x00013780;   // the WSHA's id: vector 08/09 entries
constexpr SystemHealthEntityId kJudge = 0x000137F0;  // the SDK sample's id
constexpr SystemHealthEntityId kSilent = 0x000137F1;

// Answers with the client's attributes under its own System-Health-ID (invalid ones refused by
// set_soh_response, unusable ones judged by the host).
class EchoShv final : public SystemHealthValidator {
  public:
    Status validate(const std::shared_ptr<ValidationRequest>& r, std::chrono::milliseconds,
                    const std::shared_ptr<ServerCallback>&) override {
        const SoH* s = r->soh_request();
        OPENNAP_FUZZ_CHECK(s == nullptr || (!s->attributes.empty() && s->attributes[0].type == 2 &&
                                            s->attributes[0].value.size() == 4));
        if (s == nullptr)
            return hr::E_FAIL;
        (void)r->set_soh_response(*s);
        return hr::S_OK;
    }
};

// Answers with a Compliance-Result-Codes / Failure-Category taken from the SoH's bytes.
class JudgeShv final : public SystemHealthValidator {
  public:
    Status validate(const std::shared_ptr<ValidationRequest>& r, std::chrono::milliseconds,
                    const std::shared_ptr<ServerCallback>& cb) override {
        SoH out;
        out.attributes.push_back({2, {0x00, 0x01, 0x37, 0xF0}});
        if (const SoH* s = r->soh_request()) {
            for (std::size_t i = 1; i < s->attributes.size(); ++i)
                out.attributes.push_back(
                    {static_cast<std::uint16_t>(4 + (i % 2) * 10), s->attributes[i].value});
        }
        (void)r->set_soh_response(std::move(out));
        // Exercise the early-completion path too.
        (void)cb->on_complete(*r, hr::S_OK);
        return hr::E_PENDING;
    }
};

class SilentShv final : public SystemHealthValidator {
  public:
    Status validate(const std::shared_ptr<ValidationRequest>&, std::chrono::milliseconds,
                    const std::shared_ptr<ServerCallback>&) override {
        return hr::S_OK;  // sets nothing
    }
};

ShvHost& host() {
    static ShvHost* h = [] {
        ShvHostOptions o;
        o.scheduler = std::make_shared<ManualScheduler>();
        o.worker_threads = 1;
        auto* created = new ShvHost(std::move(o));
        auto add = [&](SystemHealthEntityId id, std::shared_ptr<SystemHealthValidator> shv) {
            ValidatorRegistration r;
            r.info.id = id;
            r.factory = [shv]() -> Result<std::shared_ptr<SystemHealthValidator>> { return shv; };
            r.call_mode = CallMode::Inline;
            OPENNAP_FUZZ_CHECK(created->register_validator(std::move(r)) == hr::S_OK);
        };
        add(kEcho, std::make_shared<EchoShv>());
        add(kJudge, std::make_shared<JudgeShv>());
        add(kSilent, std::make_shared<SilentShv>());
        return created;
    }();
    return *h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto view = soh::decode(Bytes(data, size), {.expect = soh::Direction::Request});
    if (!view)
        return 0;
    ValidationInput in = ValidationInput::from(*view);
    OPENNAP_FUZZ_CHECK(in.sohs.size() == view->entry_count);
    int calls = 0;
    const Status s = host().validate(std::move(in), [&](ValidationResult&& r) {
        ++calls;
        OPENNAP_FUZZ_CHECK(r.outcomes.size() == 3);
        for (const ShvOutcome& o : r.outcomes) {
            OPENNAP_FUZZ_CHECK(o.kind != OutcomeKind::TimedOut && o.kind != OutcomeKind::Discarded);
            if (o.kind == OutcomeKind::Responded) {
                OPENNAP_FUZZ_CHECK(!o.host_generated);
                OPENNAP_FUZZ_CHECK(o.verdict != Verdict::None);
                OPENNAP_FUZZ_CHECK(!o.compliance_codes.empty() || o.failure_category.has_value());
            } else {
                OPENNAP_FUZZ_CHECK(o.host_generated);
                OPENNAP_FUZZ_CHECK(o.failure_category == FailureCategory::ServerComponent);
            }
            OPENNAP_FUZZ_CHECK(o.response.attributes.size() >= 2);
            (void)o.entry_bytes();
        }
        OPENNAP_FUZZ_CHECK(r.outcomes[2].kind == OutcomeKind::InvalidResponse);  // kSilent
    });
    OPENNAP_FUZZ_CHECK(s == hr::S_OK);
    OPENNAP_FUZZ_CHECK(calls == 1);
    return 0;
}
