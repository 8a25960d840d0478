// A small HTTP/1.1 server for Prometheus scrapes (docs/audit.md, "Metrics"): GET (or HEAD)
// /metrics answers the registry's text exposition; any other path is 404, any other method 405,
// a malformed request 400, a head over max_request_bytes 431. Every answer closes the
// connection (Connection: close), which Prometheus handles. It listens on loopback unless told
// otherwise, runs on one thread of its own (asio), and bounds what a client can make it hold:
// the request head size, the number of open connections, and the time a client may take.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>

#include "opennap/metrics/registry.h"

namespace opennap::metrics {

struct HttpOptions {
    std::string address = "127.0.0.1";  // an IPv4 or IPv6 literal
    std::uint16_t port = 0;             // 0: any free port (port() tells which)
    std::size_t max_request_bytes = 8192;
    std::size_t max_connections = 64;         // more are accepted and closed at once
    std::chrono::milliseconds timeout{5000};  // to receive the head and send the answer
};

class MetricsServer {
  public:
    // Binds and starts serving `registry` (which must outlive the server). The error is
    // "cannot listen on 127.0.0.1:9464: Address already in use".
    static std::expected<std::unique_ptr<MetricsServer>, std::string> start(
        const Registry& registry, HttpOptions options = {});
    ~MetricsServer();  // stop()s
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept;
    // Closes the listener and every connection; waits for the thread.
    void stop();

    // Scrapes served with 200 since start.
    [[nodiscard]] std::uint64_t scrapes() const noexcept;

    class Impl;

  private:
    explicit MetricsServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace opennap::metrics
