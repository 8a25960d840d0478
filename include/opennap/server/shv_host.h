// The SHV host (the NAP server's "NAP Administration Server", nap-api.md §14): the registry of
// System Health Validators and the engine that validates a client's SSoH with every one of them.
//
// validate() runs EVERY registered SHV (also those the client sent no SoH for), concurrently,
// each within the server-wide timeout, and delivers one ValidationResult to a completion handler:
//  * SHVs registered with CallMode::Inline are called on the caller's thread; CallMode::Pool
//    SHVs on the host's worker threads (a small fixed pool). When every SHV answers S_OK inside
//    validate(), the handler runs on the caller's thread before validate() returns: no thread hop,
//    no timer.
//  * Otherwise the handler runs on a worker thread once every SHV completed or the deadline
//    (start + timeout) passed. It must not block.
// The registry methods are INapServerManagement / INapServerInfo (§14.4-14.5); the handles in
// server_management.h and server_info.h expose them with access control. docs/shv.md has the
// decisions (timeouts, RPC_S_SERVER_UNAVAILABLE and re-creation, verdict rules, threading).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "opennap/core/nap_structs.h"
#include "opennap/server/outcome.h"
#include "opennap/server/result.h"
#include "opennap/server/scheduler.h"
#include "opennap/server/validation_input.h"
#include "opennap/server/validator.h"

namespace opennap::server {

enum class CallMode : std::uint8_t {
    Inline,  // validate() on the caller's thread: for built-in SHVs that never block
    Pool,    // validate() on a host worker thread: the safe default for foreign code
};

struct ValidatorRegistration {
    NapComponentRegistrationInfo info;  // info.id is the SHV's System-Health-ID
    Guid validator_clsid;               // the INapSystemHealthValidator class (Windows face)
    ValidatorFactory factory;           // creates, and re-creates, the SHV object
    CallMode call_mode = CallMode::Pool;
    FailureCategoryMapping mapping{};  // initial mapping: every category non-compliant
};

// A registered SHV as INapServerInfo lists it, plus its state.
struct RegisteredValidator {
    NapComponentRegistrationInfo info;  // registration_date set by the host
    Guid validator_clsid;
    CallMode call_mode = CallMode::Pool;
    bool loaded = true;     // false once unloaded (OutcomeKind::Unavailable)
    HResult unload_reason;  // why it was unloaded
};

// GetNapServerInfo.
struct NapServerInfo {
    std::u16string server_name;
    std::u16string server_description;
    std::u16string protocol_version;
    friend bool operator==(const NapServerInfo&, const NapServerInfo&) = default;
};

struct ShvHostOptions {
    // The server-wide SHV timeout (nap-api.md §14.1: 2000 ms by default, one value for all SHVs).
    std::chrono::milliseconds timeout{2000};
    std::size_t worker_threads = 2;  // the pool for CallMode::Pool SHVs and asynchronous work
    std::size_t max_validators = maxSystemHealthEntityCount;  // registration quota
    std::size_t max_in_flight = 10000;  // validations not yet complete; more: NAP_E_TOO_MANY_CALLS
    NapServerInfo info{u"OpenNAP", u"OpenNAP health policy server (SHV host)", u"1.0"};
    // Timers; null: a ThreadScheduler of the host's own.
    std::shared_ptr<Scheduler> scheduler;
    // Fault injection for tests: allocations at `site` fail with E_OUTOFMEMORY when this returns
    // true. Sites: "registry" (register_validator), "validation" (validate).
    std::function<bool(std::string_view site)> fail_allocation;
};

// Called exactly once per accepted validation, with the outcome of every SHV.
using CompletionHandler = std::move_only_function<void(ValidationResult&&)>;

class ShvHost {
  public:
    explicit ShvHost(ShvHostOptions options = {});
    // Completes every pending validation at once (their unfinished SHVs Discarded, result
    // E_ABORT), stops the workers and the host's own scheduler (shutdown(), unless done
    // already). Destroyed on one of the host's own threads (a completion handler held the last
    // reference), it hands that work to a thread of its own, since a thread cannot join itself.
    ~ShvHost();
    // What the destructor does, at a time the owner chooses (a server stopping: every host
    // thread is joined before it returns). Idempotent. Not from a completion handler or an SHV
    // callback (it joins the threads they run on).
    void shutdown();
    ShvHost(const ShvHost&) = delete;
    ShvHost& operator=(const ShvHost&) = delete;

    // ---- INapServerManagement ------------------------------------------------------------------
    // RegisterSystemHealthValidator. Creates the SHV object at once with the factory; if that
    // fails, its HRESULT is returned and nothing is registered. NAP_E_CONFLICTING_ID (id already
    // registered); E_INVALIDARG (no factory, id 0, a string over maxStringLength); E_OUTOFMEMORY
    // (max_validators reached, or allocation failure).
    Status register_validator(ValidatorRegistration registration);
    // UnregisterSystemHealthValidator: its pending validations complete at once as Discarded;
    // its late answers are NAP_E_NOT_PENDING. NAP_E_ID_NOT_FOUND (not registered).
    Status unregister_validator(SystemHealthEntityId id);
    // SetFailureCategoryMappings: applies to validations that complete from now on.
    // NAP_E_ID_NOT_FOUND.
    Status set_failure_category_mapping(SystemHealthEntityId id,
                                        const FailureCategoryMapping& mapping);

    // ---- INapServerInfo ------------------------------------------------------------------------
    [[nodiscard]] NapServerInfo server_info() const;
    // In ascending id order.
    [[nodiscard]] std::vector<RegisteredValidator> registered_validators() const;
    // GetFailureCategoryMappings. NAP_E_ID_NOT_FOUND.
    [[nodiscard]] Result<FailureCategoryMapping> failure_category_mapping(
        SystemHealthEntityId id) const;

    // The server-wide timeout (used by validations that start from now on); at least 1 ms.
    [[nodiscard]] std::chrono::milliseconds timeout() const;
    void set_timeout(std::chrono::milliseconds timeout);

    // ---- validation ----------------------------------------------------------------------------
    // Validates `input` with every registered SHV. S_OK: `done` will be called exactly once
    // (possibly before this returns). NAP_E_TOO_MANY_CALLS (max_in_flight validations pending),
    // E_OUTOFMEMORY, E_INVALIDARG (no handler): `done` is not called.
    Status validate(ValidationInput input, CompletionHandler done);

    // Validations accepted and not yet complete.
    [[nodiscard]] std::size_t in_flight() const noexcept;

  private:
    std::shared_ptr<detail::HostCore> core_;
};

}  // namespace opennap::server
