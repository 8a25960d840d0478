// SHV plug-ins in the opennap-shvhost helper process (isolated_plugin.h; docs/shv.md).
#include "opennap/server/isolated_plugin.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "opennap/server/helper_wire.h"

#include "log.h"

extern char** environ;

namespace opennap::server {

namespace {

constexpr int kChildFd = 3;  // the helper's end of the socket pair, in the helper

#ifndef OPENNAP_SHVHOST_HELPER_INSTALLED
#define OPENNAP_SHVHOST_HELPER_INSTALLED "/usr/libexec/opennap/opennap-shvhost"
#endif

std::string status_text(int status) {
    if (WIFEXITED(status))
        return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        const char* name = ::sigabbrev_np(sig);
        return "killed by signal " + std::to_string(sig) +
               (name != nullptr ? std::string(" (SIG") + name + ")" : std::string());
    }
    return "status " + std::to_string(status);
}

// Waits up to `patience` for the child; then kills it and waits. Returns its status text.
std::string reap(pid_t pid, std::chrono::milliseconds patience) {
    int status = 0;
    const auto end = std::chrono::steady_clock::now() + patience;
    for (;;) {
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return status_text(status);
        if (r < 0 && errno != EINTR)
            return "not found";
        if (std::chrono::steady_clock::now() >= end)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return "not found";
    }
    return status_text(status) + " (killed by the host)";
}

bool send_message(int fd, const wire::Message& m, int flags = 0) {
    const auto bytes = wire::encode(m);
    for (;;) {
        const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | flags);
        if (n >= 0)
            return static_cast<std::size_t>(n) == bytes.size();
        if (errno != EINTR)
            return false;
    }
}

// The host's end of one helper: the socket, the validations sent and not answered, and the
// child process. Shared by the RemoteValidator and its reader thread, so that the validator may
// even be destroyed on the reader thread (which then ends on its own).
struct Channel {
    Channel(pid_t p, int f, std::string plug, std::size_t max)
        : pid(p), fd(f), plugin(std::move(plug)), max_pending(max) {}
    ~Channel() {
        ::close(fd);
        if (!reaped)
            (void)reap(pid, std::chrono::milliseconds(1000));
    }
    Channel(const Channel&) = delete;
    Channel& operator=(const Channel&) = delete;

    struct Pending {
        std::shared_ptr<ValidationRequest> request;
        std::shared_ptr<ServerCallback> callback;
    };

    void read_loop();

    const pid_t pid;
    const int fd;
    const std::string plugin;
    const std::size_t max_pending;
    std::atomic<bool> closing{false};  // the validator is going: the helper's end is expected
    std::mutex mu;                     // what follows
    bool dead = false;
    bool reaped = false;
    std::uint64_t next = 1;
    std::unordered_map<std::uint64_t, Pending> pending;
};

void Channel::read_loop() {
    std::vector<std::uint8_t> buf(wire::kMaxDatagram + 1);
    std::string why = "closed its socket";
    for (;;) {
        const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        auto m = wire::decode(Bytes(buf.data(), static_cast<std::size_t>(n)));
        auto* result = m ? std::get_if<wire::Result>(&*m) : nullptr;
        if (result == nullptr) {
            why = m ? "sent an unexpected message" : m.error().message();
            ::kill(pid, SIGKILL);
            break;
        }
        Pending p;
        {
            std::lock_guard lock(mu);
            auto it = pending.find(result->call);
            if (it == pending.end())
                continue;  // given up on already
            p = std::move(it->second);
            pending.erase(it);
        }
        if (result->response)
            (void)p.request->set_soh_response(std::move(*result->response));
        (void)p.callback->on_complete(*p.request, HResult{result->hr});
    }
    std::unordered_map<std::uint64_t, Pending> left;
    {
        std::lock_guard lock(mu);
        dead = true;
        left.swap(pending);
    }
    int status = 0;
    pid_t r = 0;
    for (int i = 0; i < 50; ++i) {
        r = ::waitpid(pid, &status, WNOHANG);
        if (r != 0)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (r == pid) {
        std::lock_guard lock(mu);
        reaped = true;
    }
    if (closing.load()) {
        OPENNAP_SERVER_LOG(debug, "SHV plug-in {}: helper pid {} stopped", plugin, pid);
    } else {
        OPENNAP_SERVER_LOG(warn,
                           "SHV plug-in {}: helper pid {} {}{}; {} pending validation(s) fail "
                           "with RPC_S_SERVER_UNAVAILABLE",
                           plugin, pid, why, r == pid ? ", " + status_text(status) : std::string(),
                           left.size());
    }
    for (auto& [id, p] : left)
        (void)p.callback->on_complete(*p.request, hr::RPC_S_SERVER_UNAVAILABLE);
}

class RemoteValidator final : public SystemHealthValidator {
  public:
    RemoteValidator(pid_t pid, int fd, std::string plugin, std::size_t max_pending)
        : ch_(std::make_shared<Channel>(pid, fd, std::move(plugin), max_pending)) {
        reader_ = std::thread([ch = ch_] { ch->read_loop(); });
    }

    ~RemoteValidator() override {
        ch_->closing.store(true);
        ::shutdown(ch_->fd, SHUT_RDWR);  // the reader sees the end; the helper sees EOF, exits
        if (reader_.get_id() == std::this_thread::get_id())
            reader_.detach();  // destroyed by our own reader: it ends by itself
        else
            reader_.join();
    }

    Status validate(const std::shared_ptr<ValidationRequest>& request,
                    std::chrono::milliseconds hint_timeout,
                    const std::shared_ptr<ServerCallback>& callback) override {
        Channel& ch = *ch_;
        wire::Validate m;
        {
            std::lock_guard lock(ch.mu);
            if (ch.dead)
                return hr::RPC_S_SERVER_UNAVAILABLE;
            if (ch.pending.size() >= ch.max_pending) {
                // Requests the host gave up on (timed out) may still wait for the helper.
                std::erase_if(ch.pending,
                              [](const auto& kv) { return kv.second.request->closed(); });
                if (ch.pending.size() >= ch.max_pending)
                    return hr::NAP_E_TOO_MANY_CALLS;
            }
            m.call = ch.next++;
            ch.pending.emplace(m.call, Channel::Pending{request, callback});
        }
        m.shv_id = request->shv_id();
        m.hint_ms =
            static_cast<std::uint32_t>(std::min<std::int64_t>(hint_timeout.count(), 0xFFFFFFFF));
        m.correlation_id = request->correlation_id().to_bytes();
        m.config_id = request->config_id();
        m.system_generated = request->nap_system_generated();
        m.machine_name = utf16_to_utf8(request->machine_name());
        if (const SoH* s = request->soh_request())
            m.soh = *s;
        const auto bytes = wire::encode(m);
        ssize_t n;
        do {
            n = ::send(ch.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        } while (n < 0 && errno == EINTR);
        if (n < 0) {
            const int e = errno;
            std::lock_guard lock(ch.mu);
            ch.pending.erase(m.call);
            if (e == EAGAIN || e == EWOULDBLOCK)
                return hr::NAP_E_TOO_MANY_CALLS;  // the helper is not reading
            return hr::RPC_S_SERVER_UNAVAILABLE;
        }
        return hr::E_PENDING;
    }

  private:
    std::shared_ptr<Channel> ch_;
    std::thread reader_;
};

PluginError helper_error(const IsolatedPluginOptions& o, std::string detail) {
    return PluginError{PluginError::Kind::Helper, o.helper_path,
                       std::move(detail) + " (plug-in " + o.plugin_path + ")",
                       hr::RPC_S_SERVER_UNAVAILABLE};
}

}  // namespace

std::string default_helper_path() {
    if (const char* p = std::getenv("OPENNAP_SHVHOST_HELPER"); p != nullptr && *p != '\0')
        return p;
    return OPENNAP_SHVHOST_HELPER_INSTALLED;
}

PluginResult<std::shared_ptr<SystemHealthValidator>> start_isolated_plugin(
    const IsolatedPluginOptions& o) {
    if (o.config.size() > wire::kMaxBlob)
        return std::unexpected(PluginError{PluginError::Kind::Create, o.plugin_path,
                                           "configuration over 65535 bytes", hr::E_INVALIDARG});
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        return std::unexpected(helper_error(o, std::string("socketpair: ") + std::strerror(errno)));
    const int buffer = static_cast<int>(2 * wire::kMaxDatagram);
    for (int fd : sv) {
        (void)::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
        (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    }
    int child_end = sv[1];
    if (child_end == kChildFd) {  // dup2 onto itself would keep FD_CLOEXEC
        child_end = ::fcntl(sv[1], F_DUPFD_CLOEXEC, kChildFd + 1);
        ::close(sv[1]);
    }
    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_adddup2(&actions, child_end, kChildFd);
    ::posix_spawn_file_actions_addclosefrom_np(&actions, kChildFd + 1);
    std::string helper = o.helper_path;
    std::string fd_arg = std::to_string(kChildFd);
    char* argv[] = {helper.data(), const_cast<char*>("--fd"), fd_arg.data(), nullptr};
    pid_t pid = 0;
    const int spawned = ::posix_spawn(&pid, helper.c_str(), &actions, nullptr, argv, environ);
    ::posix_spawn_file_actions_destroy(&actions);
    ::close(child_end);
    const int fd = sv[0];
    if (spawned != 0) {
        ::close(fd);
        return std::unexpected(
            helper_error(o, std::string("cannot start: ") + std::strerror(spawned)));
    }
    auto give_up = [&](std::string detail) -> PluginResult<std::shared_ptr<SystemHealthValidator>> {
        ::close(fd);
        const std::string st = reap(pid, std::chrono::milliseconds(200));
        return std::unexpected(helper_error(o, std::move(detail) + "; helper " + st));
    };
    if (!send_message(fd, wire::Configure{o.plugin_path, o.config}))
        return give_up(std::string("cannot send the configuration: ") + std::strerror(errno));
    pollfd p{fd, POLLIN, 0};
    int ready;
    do {
        ready = ::poll(&p, 1, static_cast<int>(o.start_timeout.count()));
    } while (ready < 0 && errno == EINTR);
    if (ready <= 0)
        return give_up("no answer within " + std::to_string(o.start_timeout.count()) + " ms");
    std::vector<std::uint8_t> buf(wire::kMaxDatagram + 1);
    ssize_t n;
    do {
        n = ::recv(fd, buf.data(), buf.size(), 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0)
        return give_up("the helper ended before reporting");
    auto m = wire::decode(Bytes(buf.data(), static_cast<std::size_t>(n)));
    if (!m)
        return give_up(m.error().message());
    if (auto* failed = std::get_if<wire::LoadFailed>(&*m)) {
        ::close(fd);
        (void)reap(pid, std::chrono::milliseconds(1000));
        return std::unexpected(PluginError{static_cast<PluginError::Kind>(failed->kind),
                                           o.plugin_path, failed->detail, HResult{failed->hr}});
    }
    auto* ready_msg = std::get_if<wire::Ready>(&*m);
    if (ready_msg == nullptr)
        return give_up("unexpected first message");
    OPENNAP_SERVER_LOG(info, "SHV plug-in {} (\"{}\") running in helper pid {}", o.plugin_path,
                       ready_msg->name, pid);
    try {
        return std::make_shared<RemoteValidator>(pid, fd, o.plugin_path, o.max_pending);
    } catch (const std::bad_alloc&) {
        return give_up("out of memory");
    }
}

ValidatorFactory isolated_plugin_factory(IsolatedPluginOptions options) {
    return [o = std::move(options)]() -> Result<std::shared_ptr<SystemHealthValidator>> {
        auto v = start_isolated_plugin(o);
        if (!v) {
            OPENNAP_SERVER_LOG(warn, "{}", v.error().message());
            return fail(v.error().hr);
        }
        return std::move(*v);
    };
}

}  // namespace opennap::server
