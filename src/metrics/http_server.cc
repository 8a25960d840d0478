// MetricsServer (include/opennap/metrics/http_server.h): the /metrics endpoint on asio.
#include "opennap/metrics/http_server.h"

#include <asio.hpp>

#include <atomic>
#include <thread>

#include "opennap/metrics/http_request.h"

namespace opennap::metrics {

namespace {

using asio::ip::tcp;

std::string response(int status, std::string_view reason, std::string_view content_type,
                     const std::string& body, bool head_only, std::string_view extra = {}) {
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
    out += "Content-Type: ";
    out += content_type;
    out += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    out += extra;
    out += "Connection: close\r\n\r\n";
    if (!head_only)
        out += body;
    return out;
}

std::string plain(int status, std::string_view reason, std::string_view extra = {}) {
    return response(status, reason, "text/plain; charset=utf-8", std::string(reason) + "\n", false,
                    extra);
}

}  // namespace

class MetricsServer::Impl {
  public:
    Impl(const Registry& r, HttpOptions o) : registry(r), options(std::move(o)) {}

    const Registry& registry;
    HttpOptions options;
    std::size_t open = 0;  // connections (io thread only)
    std::atomic<std::uint64_t> scrapes{0};
    std::atomic<bool> stopped{false};
    std::uint16_t bound_port = 0;
    // Declared last: destroyed first, with the connections still queued in it.
    asio::io_context io;
    tcp::acceptor acceptor{io};
    std::thread thread;

    struct Conn : std::enable_shared_from_this<Conn> {
        Conn(Impl& s, tcp::socket sock) : srv(s), socket(std::move(sock)), timer(s.io) {}
        Impl& srv;
        tcp::socket socket;
        asio::steady_timer timer;
        std::string in;
        std::string out;
        std::array<char, 2048> buf{};

        ~Conn() { --srv.open; }

        void start() {
            timer.expires_after(srv.options.timeout);
            timer.async_wait([self = shared_from_this()](const asio::error_code& ec) {
                if (!ec) {
                    asio::error_code ignored;
                    self->socket.close(ignored);  // too slow: the pending operations end
                }
            });
            read();
        }

        void read() {
            socket.async_read_some(
                asio::buffer(buf),
                [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                    if (ec)
                        return self->finish();
                    self->on_data(n);
                });
        }

        void on_data(std::size_t n) {
            in.append(buf.data(), n);
            auto head = parse_request_head(in);
            if (!head) {
                if (head.error().code == HttpErrc::Incomplete) {
                    if (in.size() < srv.options.max_request_bytes)
                        return read();
                    return answer(plain(431, "Request Header Fields Too Large"));
                }
                if (head.error().code == HttpErrc::BadVersion)
                    return answer(plain(505, "HTTP Version Not Supported"));
                return answer(plain(400, "Bad Request"));
            }
            if (head->head_size > srv.options.max_request_bytes)
                return answer(plain(431, "Request Header Fields Too Large"));
            const bool get = head->method == "GET";
            const bool head_only = head->method == "HEAD";
            if (head->path != "/metrics")
                return answer(plain(404, "Not Found"));
            if (!get && !head_only)
                return answer(plain(405, "Method Not Allowed", "Allow: GET, HEAD\r\n"));
            srv.scrapes.fetch_add(1, std::memory_order_relaxed);
            answer(response(200, "OK", "text/plain; version=0.0.4; charset=utf-8",
                            srv.registry.render(), head_only));
        }

        void answer(std::string text) {
            out = std::move(text);
            asio::async_write(socket, asio::buffer(out),
                              [self = shared_from_this()](const asio::error_code&, std::size_t) {
                                  self->finish();
                              });
        }

        void finish() {
            asio::error_code ignored;
            socket.shutdown(tcp::socket::shutdown_both, ignored);
            socket.close(ignored);
            timer.cancel();
        }
    };

    void accept() {
        acceptor.async_accept([this](const asio::error_code& ec, tcp::socket socket) {
            if (ec) {
                if (ec == asio::error::operation_aborted || stopped.load())
                    return;
                return accept();  // e.g. EMFILE: try the next one
            }
            if (open >= options.max_connections) {
                asio::error_code ignored;
                socket.close(ignored);
            } else {
                ++open;
                std::make_shared<Conn>(*this, std::move(socket))->start();
            }
            accept();
        });
    }
};

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MetricsServer::~MetricsServer() {
    stop();
}

std::expected<std::unique_ptr<MetricsServer>, std::string> MetricsServer::start(
    const Registry& registry, HttpOptions options) {
    auto im = std::make_unique<Impl>(registry, std::move(options));
    const std::string where =
        (im->options.address.find(':') != std::string::npos ? "[" + im->options.address + "]"
                                                            : im->options.address) +
        ":" + std::to_string(im->options.port);
    asio::error_code ec;
    const auto addr = asio::ip::make_address(im->options.address, ec);
    if (ec)
        return std::unexpected("cannot listen on " + where + ": not an IP address");
    const tcp::endpoint ep(addr, im->options.port);
    im->acceptor.open(ep.protocol(), ec);
    if (!ec)
        im->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec)
        im->acceptor.bind(ep, ec);
    if (!ec)
        im->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
        return std::unexpected("cannot listen on " + where + ": " + ec.message());
    im->bound_port = im->acceptor.local_endpoint(ec).port();
    im->accept();
    Impl* raw = im.get();
    im->thread = std::thread([raw] { raw->io.run(); });
    return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(im)));
}

std::uint16_t MetricsServer::port() const noexcept {
    return impl_->bound_port;
}

void MetricsServer::stop() {
    if (impl_->stopped.exchange(true))
        return;
    // Closing the acceptor from its own thread; then stopping the loop drops every connection
    // (their handlers are destroyed with the io_context's queue).
    asio::post(impl_->io, [im = impl_.get()] {
        asio::error_code ignored;
        im->acceptor.close(ignored);
        im->io.stop();
    });
    if (impl_->thread.joinable())
        impl_->thread.join();
}

std::uint64_t MetricsServer::scrapes() const noexcept {
    return impl_->scrapes.load();
}

}  // namespace opennap::metrics
