// napserver's RADIUS front-end (docs/napserver.md): UDP Access-Requests in, SoH validated by the
// SHV host, health and network policies applied, Access-Accept / Access-Reject with the SoHR and
// the MS-RNAP decision attributes out; every decision audited and counted.
//
// Threads: `[server] workers` I/O threads, each with its own asio io_context and its own socket on
// every listen address (SO_REUSEPORT, with a BPF program that has the kernel pick a worker at
// random for each datagram, so one client's requests spread over all of them), reading datagrams
// in batches (recvmmsg). A request whose SHVs all answer inline (the built-in ones) is answered on
// the thread that read it; one that waits for a plug-in or a timeout is answered by the SHV host's
// thread that completes it. Nothing on the request path blocks on I/O: audit records are queued
// for a writer thread.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <vector>

#include "opennap/metrics/registry.h"
#include "opennap/policy/config.h"
#include "opennap/store/audit_writer.h"

namespace opennap::serverd {

struct NapServerStats {
    std::uint64_t requests = 0;  // datagrams received
    std::uint64_t answered = 0;  // answers sent (including resent duplicates)
    std::uint64_t dropped = 0;   // datagrams dropped, every reason
    // Datagrams each I/O thread received ([server] workers of them). The kernel hands each
    // datagram to a worker at random, so one RADIUS client's requests spread over all of them.
    std::vector<std::uint64_t> per_worker;
};

class NapServer {
  public:
    // Binds every listen address and starts serving. `audit` may be null (no audit);
    // `registry` may be null (no metrics). Errors: a sentence for the log (bind failures, SHV
    // registrations).
    static std::expected<std::unique_ptr<NapServer>, std::string> start(
        policy::ServerConfig config, std::shared_ptr<store::AuditWriter> audit,
        std::shared_ptr<metrics::Registry> registry);
    ~NapServer();  // stop()s
    NapServer(const NapServer&) = delete;
    NapServer& operator=(const NapServer&) = delete;

    // Serves `config` from now on (requests in flight finish with the old one). Listen
    // addresses, worker count, audit and metrics settings are taken at start only: a change to
    // them is reported in the returned warnings and needs a restart. Errors: the new SHVs could
    // not be registered; the old configuration stays in force.
    std::expected<std::vector<std::string>, std::string> reload(policy::ServerConfig config);

    // Stops reading, answers what is in flight (bounded by the SHV timeout), returns.
    void stop();

    // The addresses actually bound (a configured port 0 becomes the one the kernel chose).
    [[nodiscard]] std::vector<policy::Endpoint> endpoints() const;
    [[nodiscard]] NapServerStats stats() const;

    class Impl;

  private:
    NapServer() = default;
    std::unique_ptr<Impl> impl_;
};

}  // namespace opennap::serverd
