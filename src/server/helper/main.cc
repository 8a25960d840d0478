// opennap-shvhost: runs one SHV plug-in for the SHV host, in a process of its own, so that a
// plug-in that crashes takes only this process down (isolated_plugin.h; docs/shv.md).
//
//   opennap-shvhost --fd N
//
// N is this process's end of a SOCK_SEQPACKET socket pair (helper_wire.h). The host sends
// Configure (plug-in path and configuration); the helper loads the plug-in (plugin.h) and answers
// Ready or LoadFailed, then answers each Validate with a Result, and exits at end of file.
#include <signal.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "opennap/server/helper_wire.h"
#include "opennap/server/plugin.h"

namespace {

using namespace opennap;
using namespace opennap::server;

class Channel {
  public:
    explicit Channel(int fd) : fd_(fd) {}
    bool send(const wire::Message& m) {
        const auto bytes = wire::encode(m);
        std::lock_guard lock(mu_);
        for (;;) {
            const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n >= 0)
                return true;
            if (errno != EINTR)
                return false;
        }
    }
    // The next datagram; nullopt at end of file or on error.
    std::optional<std::vector<std::uint8_t>> receive() {
        std::vector<std::uint8_t> buf(wire::kMaxDatagram + 1);
        for (;;) {
            const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
            if (n > 0) {
                buf.resize(static_cast<std::size_t>(n));
                return buf;
            }
            if (n < 0 && errno == EINTR)
                continue;
            return std::nullopt;
        }
    }

  private:
    int fd_;
    std::mutex mu_;
};

// The plug-in's completions, sent back as Result messages.
class Callback final : public ServerCallback {
  public:
    explicit Callback(Channel& ch) : ch_(ch) {}

    void add(const ValidationRequest* r, std::uint64_t call) {
        std::lock_guard lock(mu_);
        calls_[r] = call;
    }
    // Sends the result of `r` unless it was sent already.
    bool finish(ValidationRequest& r, HResult hr) {
        std::uint64_t call = 0;
        {
            std::lock_guard lock(mu_);
            auto it = calls_.find(&r);
            if (it == calls_.end())
                return false;
            call = it->second;
            calls_.erase(it);
        }
        wire::Result m;
        m.call = call;
        m.hr = hr.value();
        if (auto s = r.soh_response())
            m.response = std::move(*s);
        (void)ch_.send(m);
        return true;
    }
    Status on_complete(ValidationRequest& request, HResult error_code) override {
        return finish(request, error_code) ? hr::S_OK : hr::NAP_E_NOT_PENDING;
    }

  private:
    Channel& ch_;
    std::mutex mu_;
    std::unordered_map<const ValidationRequest*, std::uint64_t> calls_;
};

int usage() {
    std::fprintf(stderr, "usage: opennap-shvhost --fd N\n");
    return 64;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3 || std::strcmp(argv[1], "--fd") != 0)
        return usage();
    char* end = nullptr;
    const long fd = std::strtol(argv[2], &end, 10);
    if (end == argv[2] || *end != '\0' || fd < 0 || fd > 65535)
        return usage();
    ::signal(SIGPIPE, SIG_IGN);
    // Logs go to stderr (the host's), never to stdout.
    spdlog::set_default_logger(spdlog::stderr_color_mt("opennap-shvhost"));

    Channel ch(static_cast<int>(fd));
    auto first = ch.receive();
    if (!first)
        return 1;
    auto configure = wire::decode(*first);
    if (!configure || !std::holds_alternative<wire::Configure>(*configure)) {
        std::fprintf(stderr, "opennap-shvhost: expected Configure\n");
        return 1;
    }
    const auto& conf = std::get<wire::Configure>(*configure);
    auto plugin = ShvPlugin::load(conf.plugin_path);
    std::shared_ptr<SystemHealthValidator> shv;
    if (plugin) {
        auto created = (*plugin)->create(conf.config);
        if (created) {
            shv = std::move(*created);
        } else {
            plugin = std::unexpected(created.error());
        }
    }
    if (!plugin) {
        const PluginError& e = plugin.error();
        (void)ch.send(wire::LoadFailed{static_cast<std::uint8_t>(e.kind), e.hr.value(), e.detail});
        return 2;
    }
    if (!ch.send(wire::Ready{OPENNAP_SHV_PLUGIN_ABI_VERSION, (*plugin)->shv_id(),
                             std::string((*plugin)->name())}))
        return 1;

    auto callback = std::make_shared<Callback>(ch);
    while (auto datagram = ch.receive()) {
        auto m = wire::decode(*datagram);
        auto* v = m ? std::get_if<wire::Validate>(&*m) : nullptr;
        if (v == nullptr) {
            std::fprintf(stderr, "opennap-shvhost: bad message from the host: %s\n",
                         m ? "not Validate" : m.error().message().c_str());
            return 3;
        }
        ValidationRequest::Params p;
        p.shv_id = v->shv_id;
        p.correlation_id = CorrelationId::from_bytes(v->correlation_id);
        p.machine_name = utf8_to_utf16(v->machine_name);
        if (v->soh)
            p.soh = std::make_shared<const SoH>(std::move(*v->soh));
        p.nap_system_generated = v->system_generated;
        p.config_id = v->config_id;
        auto request = std::make_shared<ValidationRequest>(std::move(p));
        callback->add(request.get(), v->call);
        HResult hr = hr::E_FAIL;
        try {
            hr = shv->validate(request, std::chrono::milliseconds(v->hint_ms), callback);
        } catch (...) {
            hr = hr::E_FAIL;
        }
        if (hr != hr::E_PENDING)
            (void)callback->finish(*request, hr);
    }
    shv.reset();
    return 0;
}
