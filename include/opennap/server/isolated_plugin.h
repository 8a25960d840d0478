// SHV plug-ins in a process of their own: the opennap-shvhost helper loads the plug-in
// (plugin.h) and runs its validations; the host talks to it over a SOCK_SEQPACKET socket pair
// (helper_wire.h). A plug-in that crashes (SIGSEGV, abort, exit) takes only its helper down: its
// pending validations complete with RPC_S_SERVER_UNAVAILABLE, so the host re-creates it once,
// which starts a new helper (docs/shv.md, "Crash isolation").
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "opennap/server/plugin.h"
#include "opennap/server/validator.h"

namespace opennap::server {

struct IsolatedPluginOptions {
    std::string helper_path;  // the opennap-shvhost executable (default_helper_path())
    std::string plugin_path;
    std::vector<std::uint8_t> config;  // given to the plug-in's create(); at most 65535 bytes
    // How long the helper may take to load the plug-in and report.
    std::chrono::milliseconds start_timeout{5000};
    // Validations sent to the helper and not answered; more: NAP_E_TOO_MANY_CALLS.
    std::size_t max_pending = 1024;
};

// $OPENNAP_SHVHOST_HELPER if set, else the installed path (OPENNAP_SHVHOST_HELPER_INSTALLED,
// /usr/libexec/opennap/opennap-shvhost).
[[nodiscard]] std::string default_helper_path();

// Starts a helper running the plug-in and returns an SHV that forwards to it. Errors: kind
// Helper (cannot start, died or did not answer in time), or the plug-in's own load error as the
// helper reports it (Open, MissingSymbol, VersionMismatch, BadTable, Create), naming the file.
// The SHV answers every validate() with E_PENDING (its reader thread calls on_complete), and with
// RPC_S_SERVER_UNAVAILABLE once the helper is gone.
[[nodiscard]] PluginResult<std::shared_ptr<SystemHealthValidator>> start_isolated_plugin(
    const IsolatedPluginOptions& options);

// A factory starting a new helper on each call (so re-creation restarts the plug-in); errors
// are logged with message() and returned as their hr.
[[nodiscard]] ValidatorFactory isolated_plugin_factory(IsolatedPluginOptions options);

}  // namespace opennap::server
