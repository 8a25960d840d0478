#include "opennap/agentd/server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <random>

#include "proxies.h"
#include "session.h"

namespace opennap::agentd {

namespace {

std::expected<PeerCredentials, std::string> peer_credentials(int fd) {
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
        return std::unexpected(std::string("SO_PEERCRED: ") + std::strerror(errno));
    PeerCredentials peer;
    peer.uid = cred.uid;
    peer.gid = cred.gid;
    peer.pid = cred.pid;
    // Supplementary groups as they were when the peer connected (SO_PEERGROUPS, Linux 4.13).
    std::vector<gid_t> groups(64);
    for (int attempt = 0; attempt < 4; ++attempt) {
        socklen_t glen = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
        if (::getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &glen) == 0) {
            groups.resize(glen / sizeof(gid_t));
            peer.groups = std::move(groups);
            return peer;
        }
        if (errno != ERANGE)
            break;
        groups.resize(glen / sizeof(gid_t) + 16);
    }
    return peer;  // no supplementary groups known: primary gid only
}

}  // namespace

Server::Impl::Impl(ServerOptions o, std::shared_ptr<agent::Agent> a)
    : opt(std::move(o)), agent(std::move(a)), pool(opt.workers == 0 ? 1 : opt.workers) {
    std::random_device rd;
    instance =
        (static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    if (instance == 0)
        instance = 1;
}

bool Server::Impl::shas_answer_locally() const {
    std::lock_guard lock(mu);
    for (const ShaProxy* p : sha_proxies) {
        if (!p->answers_locally())
            return false;
    }
    return true;
}

void Server::Impl::flush_soon(const std::shared_ptr<Session>& session) {
    {
        std::lock_guard lock(lazy_mu);
        lazy.push_back(session);
        if (lazy_armed)
            return;
        lazy_armed = true;
    }
    asio::post(io, [this] {
        lazy_timer.expires_after(std::chrono::milliseconds(1));
        lazy_timer.async_wait([this](const asio::error_code& ec) {
            std::vector<std::weak_ptr<Session>> due;
            {
                std::lock_guard lock(lazy_mu);
                due.swap(lazy);
                lazy_armed = false;
            }
            if (ec)
                return;
            for (auto& w : due) {
                if (auto s = w.lock())
                    s->flush_lazy();
            }
        });
    });
}

void Server::Impl::remove(std::uint64_t session_id) {
    std::lock_guard lock(mu);
    sessions.erase(session_id);
}

void Server::Impl::accept() {
    acceptor.async_accept([this](const asio::error_code& ec, stream_protocol::socket socket) {
        if (ec) {
            if (ec != asio::error::operation_aborted && !stopping.load()) {
                spdlog::error("accept failed: {}", ec.message());
                accept();
            }
            return;
        }
        auto cred = peer_credentials(socket.native_handle());
        if (!cred) {
            spdlog::error("connection refused: {}", cred.error());
        } else {
            std::shared_ptr<Session> session;
            {
                std::lock_guard lock(mu);
                if (sessions.size() >= opt.limits.max_clients) {
                    spdlog::warn(
                        "connection from uid {} pid {} refused: {} clients connected "
                        "(max_clients)",
                        cred->uid, cred->pid, sessions.size());
                } else {
                    PeerRoles roles = roles_for(opt.access, *cred);
                    session = std::make_shared<Session>(*this, std::move(socket), *cred,
                                                        std::move(roles), next_session++);
                    sessions.emplace(session->id(), session);
                }
            }
            if (session)
                session->start();
        }
        accept();
    });
}

void Server::Impl::schedule_sweep() {
    auto period = opt.limits.callback_timeout / 4;
    if (period < std::chrono::milliseconds(10))
        period = std::chrono::milliseconds(10);
    if (period > std::chrono::milliseconds(250))
        period = std::chrono::milliseconds(250);
    sweep.expires_after(period);
    sweep.async_wait([this](const asio::error_code& ec) {
        if (ec)
            return;
        std::vector<std::shared_ptr<Session>> all;
        {
            std::lock_guard lock(mu);
            for (auto& [id, s] : sessions)
                all.push_back(s);
        }
        const auto now = std::chrono::steady_clock::now();
        for (auto& s : all)
            s->sweep(now);
        schedule_sweep();
    });
}

Server::Server(ServerOptions options, std::shared_ptr<agent::Agent> agent)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(agent))) {}

Server::~Server() {
    stop();
    impl_->pool.join();
}

std::expected<void, std::string> Server::listen() {
    auto& im = *impl_;
    const auto& path = im.opt.socket_path;
    std::error_code fec;
    if (path.has_parent_path())
        std::filesystem::create_directories(path.parent_path(), fec);
    // A socket file left by an earlier run is replaced; anything else is not touched.
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return std::unexpected(path.string() + " exists and is not a socket");
        ::unlink(path.c_str());
    }
    asio::error_code ec;
    im.acceptor.open(stream_protocol(), ec);
    if (!ec)
        im.acceptor.bind(stream_protocol::endpoint(path.string()), ec);
    if (!ec)
        im.acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
        return std::unexpected(path.string() + ": " + ec.message());
    if (::chmod(path.c_str(), im.opt.socket_mode) != 0)
        return std::unexpected(path.string() + ": chmod: " + std::strerror(errno));
    return {};
}

void Server::adopt(int listening_fd) {
    impl_->acceptor.assign(stream_protocol(), listening_fd);
}

void Server::run() {
    auto& im = *impl_;
    mark_io_thread();
    im.driver = std::make_unique<agent::AgentDriver>(im.agent);
    im.accept();
    im.schedule_sweep();
    im.io.run();
    im.driver.reset();
}

void Server::stop() {
    auto& im = *impl_;
    if (im.stopping.exchange(true))
        return;
    asio::post(im.io, [&im] {
        asio::error_code ignored;
        im.acceptor.close(ignored);
        im.sweep.cancel();
        im.lazy_timer.cancel();
        std::vector<std::shared_ptr<Session>> all;
        {
            std::lock_guard lock(im.mu);
            for (auto& [id, s] : im.sessions)
                all.push_back(s);
        }
        for (auto& s : all)
            s->close("the daemon is stopping");
        im.io.stop();
    });
}

std::size_t Server::client_count() const {
    std::lock_guard lock(impl_->mu);
    return impl_->sessions.size();
}

std::uint64_t Server::instance() const noexcept {
    return impl_->instance;
}

}  // namespace opennap::agentd
