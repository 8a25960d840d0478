// Internal to the napagent server: the agent core's view of a remote EC or SHA. Each callback
// becomes a Callback frame on the client's connection (docs/ipc.md, "Callbacks").
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>

#include "session.h"

namespace opennap::agentd {

// True on the server's I/O thread, which must never wait for a client.
bool on_io_thread() noexcept;
void mark_io_thread() noexcept;

class ShaProxy final : public agent::HealthAgentCallback,
                       public std::enable_shared_from_this<ShaProxy> {
  public:
    ShaProxy(std::weak_ptr<Session> session, Caller caller);
    ~ShaProxy() override;

    agent::Status get_soh_request(agent::ShaRequest& request) override;
    agent::Status process_soh_response(agent::ShaRequest& request) override;
    agent::Status notify_system_isolation_state_change() override;
    agent::Result<FixupInfo> get_fixup_info() override;
    agent::Result<bool> compare_soh_requests(const SoH& lhs, const SoH& rhs) override;
    agent::Status notify_orphaned_soh_request(const CorrelationId& correlation_id) override;

    // The SHA's answer to a ProcessSoHResponse callback (its library reports it when it changed).
    void outcome(const v1::ShaOutcome& outcome);

    // The SHA said its SoH changed (NotifySoHChange) or flushed the cache: ask it next time.
    void mark_stale() noexcept { fresh_.store(false); }
    // Its last answer was cached and nothing changed since: GetSoHRequest needs no round trip.
    [[nodiscard]] bool answers_locally() const noexcept { return fresh_.load(); }
    // The caller (with its binding token). Blocks while the binding is being made (bind_lock).
    [[nodiscard]] Caller caller() const;
    // Held while the core binds this proxy; released once set_token() has run.
    [[nodiscard]] std::unique_lock<std::mutex> bind_lock() { return std::unique_lock(token_mu_); }
    void set_token(BindingToken t) noexcept { caller_.binding = t; }  // under bind_lock

  private:
    // Waits (never on the I/O thread) for the SHA's answer to `cb`.
    std::optional<v1::CallbackReply> round_trip(v1::Callback& cb, HResult* failure);

    std::weak_ptr<Session> session_;
    mutable std::mutex token_mu_;
    Caller caller_;
    std::atomic<bool> fresh_{false};
    enum class Compare : std::uint8_t { Unknown, Implemented, NotImplemented };
    std::atomic<Compare> compare_{Compare::Unknown};
    std::mutex mu_;
    std::optional<FixupInfo> last_fixup_;
};

class EcProxy final : public agent::EnforcementClientCallback {
  public:
    EcProxy(std::weak_ptr<Session> session, Caller caller);
    agent::Status notify_soh_change() override;
    agent::Result<std::vector<std::shared_ptr<agent::Connection>>> get_connections() override;

    [[nodiscard]] Caller caller() const;
    [[nodiscard]] std::unique_lock<std::mutex> bind_lock() { return std::unique_lock(token_mu_); }
    void set_token(BindingToken t) noexcept { caller_.binding = t; }  // under bind_lock

  private:
    std::weak_ptr<Session> session_;
    mutable std::mutex token_mu_;
    Caller caller_;
};

}  // namespace opennap::agentd
