// The napagent socket server (docs/ipc.md): serves one agent core to enforcement clients, health
// agents and management tools over a Unix stream socket.
//
// One I/O thread owns every socket and runs the calls that cannot block inline; calls that may
// wait for a client's callback (GetSoHRequest when some SHA must be asked, Uninitialize) run on
// a small worker pool; the agent's timers run on an AgentDriver thread. A client's callbacks are
// frames on its own connection; the ones whose answer the agent does not need at once
// (ProcessSoHResponse, NotifySoHChange, isolation changes, orphaned requests) are sent without
// waiting, and their answers are applied when they arrive. Every limit, denial and protocol
// error is logged with the peer's uid and pid.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <string>

#include "opennap/agent/agent.h"
#include "opennap/agentd/access.h"

namespace opennap::agentd {

struct ServerLimits {
    std::uint32_t max_frame_size = 256 * 1024;
    std::uint32_t max_clients = 256;
    std::uint32_t per_client_connections = 1024;
    std::uint32_t per_client_calls_in_flight = 64;
    std::uint32_t per_client_pending_callbacks = 4096;
    std::uint32_t max_soh_size = 4000;  // NetworkSoH and per-SHA SoH bytes accepted from a client
    std::chrono::milliseconds callback_timeout{2000};
    std::uint32_t callback_timeouts_before_unbind = 3;
};

struct ServerOptions {
    std::filesystem::path socket_path = "/run/opennap/agent.sock";
    mode_t socket_mode = 0666;  // access is decided per peer (SO_PEERCRED), not by file mode
    ServerLimits limits;
    AccessPolicy access = AccessPolicy::safe_default();
    unsigned workers = 4;
    // GetSoHRequest: an SHA whose last answer was cached (cacheSohForLaterUse) and that has not
    // called NotifySoHChange or FlushCache since is answered from the cache without a round
    // trip (docs/ipc.md, "Answering from the cache"). false: every SHA is asked every time.
    bool answer_from_cache = true;
};

class Server {
  public:
    Server(ServerOptions options, std::shared_ptr<agent::Agent> agent);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Creates the socket (replacing a stale one) and starts listening. Error text for the log.
    std::expected<void, std::string> listen();
    // Adopts an already listening socket (systemd socket activation, tests).
    void adopt(int listening_fd);
    // Serves until stop(); runs the I/O thread on the calling thread.
    void run();
    // Thread-safe; makes run() return after closing every client connection.
    void stop();

    // For status tools and tests.
    [[nodiscard]] std::size_t client_count() const;
    [[nodiscard]] std::uint64_t instance() const noexcept;

    class Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace opennap::agentd
