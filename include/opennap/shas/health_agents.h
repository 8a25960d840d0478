// The state machine behind napsha (docs/linux-sha.md): OpenNAP's two system health agents -- the
// security-center SHA (WSHA entry layout, checks/wsha_map.h) and the Linux SHA
// (soh/linux_soh.h) -- as HealthAgentCallbacks over one cached measurement. No sockets, no
// threads of its own: napsha feeds it measurements (from checks::ChangeMonitor) and binds its two
// callbacks to napagent through the client library.
//
//   * update(report) builds both SoHs from a measurement and says which of them changed (the
//     caller then calls NotifySoHChange on those bindings only). The security-center entry's Flag
//     TLV counter goes up by one per changed SoH.
//   * GetSoHRequest answers from the last SoHs (never measures: callbacks must not block).
//   * ProcessSoHResponse decodes the SHV's answer (the WSHA SoHR, or the Linux SHA's), records
//     the decision and the remediation hints, logs them, and starts the fix-ups the answer calls
//     for when the server allows it (shaFixup) and [checks.fixup] enables them.
//   * GetFixupInfo reports the fix-up runner's state (checks/fixup.h) with its percentage.
// Thread-safe: callbacks arrive on the client library's threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "opennap/agent/callbacks.h"
#include "opennap/checks/fixup.h"
#include "opennap/checks/measure.h"

namespace opennap::shas {

enum class Which : std::uint8_t { SecurityCenter, Linux };
[[nodiscard]] std::string_view to_string(Which w) noexcept;  // "security-center", "linux"

enum class LogLevel : std::uint8_t { Debug, Info, Warn };
using LogSink = std::function<void(LogLevel, const std::string&)>;

struct ShaOptions {
    std::uint32_t security_center_id = 0;
    std::uint32_t linux_id = 0;
    std::string version = "1.0";
    checks::WshaMapOptions wsha;  // update source, WSUS server (the counter is kept here)
};

// What the last SoH response said.
struct Decision {
    bool received = false;
    bool compliant = false;
    std::vector<std::string> hints;  // one line each, "what: what to do"
    std::vector<std::uint32_t> codes;
    std::string summary;  // "compliant" / "non-compliant" / "invalid response: ..."
};

class HealthAgents {
  public:
    // `fixups` may be null (no fix-ups at all).
    HealthAgents(ShaOptions options, std::unique_ptr<checks::FixupRunner> fixups, LogSink log);
    ~HealthAgents();
    HealthAgents(const HealthAgents&) = delete;
    HealthAgents& operator=(const HealthAgents&) = delete;

    // A new measurement; returns {security-center changed, linux changed}. The first call
    // reports both as changed.
    std::pair<bool, bool> update(const checks::Report& report);

    [[nodiscard]] std::uint32_t id(Which w) const noexcept;
    [[nodiscard]] SoH soh(Which w) const;
    [[nodiscard]] Decision decision(Which w) const;
    [[nodiscard]] std::uint64_t responses(Which w) const;

    // The callback to bind under id(w); it lives as long as this object.
    [[nodiscard]] std::shared_ptr<agent::HealthAgentCallback> callback(Which w);

    // ProcessSoHResponse's work for one SHA (public for the tests).
    agent::Status process_response(Which w, const SoH& response, std::uint8_t flags);
    agent::Result<FixupInfo> fixup_info();

  private:
    class Callback;
    ShaOptions options_;
    std::unique_ptr<checks::FixupRunner> fixups_;
    LogSink log_;
    mutable std::mutex mutex_;
    bool have_ = false;
    SoH soh_[2];
    Decision decision_[2];
    std::uint64_t responses_[2] = {0, 0};
    std::shared_ptr<agent::HealthAgentCallback> callbacks_[2];
};

// The SoHR's security-center classes as hints (exposed for the tests): one line per
// non-compliant class, e.g. "firewall: 0xC0FF0002 ...; install and enable ...".
[[nodiscard]] std::vector<std::string> wsha_hints(const SoH& response, bool& compliant,
                                                  std::string& error);

}  // namespace opennap::shas
