// A private D-Bus daemon (dbus-daemon --session on a socket in a scratch directory) and a
// stand-in for the parts of systemd and logind the checks call: the real sd-bus client code runs
// against a real bus, and this service answers with the state the test sets. It is used only for
// what this machine cannot have (no systemd as init, no logind sessions); every check tested here
// is also tested against real state elsewhere (files, the process table) or on the live path.
//
// Served (names and interfaces as systemd and logind publish them):
//   org.freedesktop.systemd1  /org/freedesktop/systemd1  Manager.LoadUnit, StartUnit,
//                             RestartUnit, Subscribe; signal JobRemoved
//                             /org/freedesktop/systemd1/unit/<escaped>  Unit.LoadState,
//                             ActiveState, SubState, UnitFileState (PropertiesChanged)
//                             /org/freedesktop/systemd1/job/<n>  Job.State
//   org.freedesktop.login1    /org/freedesktop/login1  Manager.ListSessions
//                             /org/freedesktop/login1/session/<id>  Session.Type, Class, Active,
//                             LockedHint, IdleHint, IdleSinceHint, Remote
#pragma once

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "helpers.h"

namespace opennap::checks::test {

class PrivateBus {
  public:
    PrivateBus() {
        socket_ = (dir_.dir() / "bus").string();
        address_ = "unix:path=" + socket_;
        pid_ = ::fork();
        if (pid_ == 0) {
            ::execlp("dbus-daemon", "dbus-daemon", "--session", "--nofork", "--nopidfile",
                     ("--address=" + address_).c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        // dbus-daemon creates the socket file at bind() and accepts only after listen(), so
        // wait until a connection succeeds, not until the file exists (a loaded CI machine
        // once ran the test in between).
        for (int i = 0; i < 2000 && !(ok_ = accepting()); ++i) {
            ::usleep(5000);
        }
    }
    ~PrivateBus() {
        ::kill(pid_, SIGTERM);
        int st = 0;
        ::waitpid(pid_, &st, 0);
    }
    [[nodiscard]] bool ok() const { return ok_; }
    [[nodiscard]] const std::string& address() const { return address_; }

  private:
    [[nodiscard]] bool accepting() const {
        const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            return false;
        }
        sockaddr_un sa{};
        sa.sun_family = AF_UNIX;
        socket_.copy(sa.sun_path, sizeof(sa.sun_path) - 1);
        const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0;
        ::close(fd);
        return ok;
    }

    ScratchRoot dir_;
    std::string socket_;
    std::string address_;
    pid_t pid_ = -1;
    bool ok_ = false;
};

struct FakeUnit {
    std::string load_state = "loaded";
    std::string active_state = "inactive";
    std::string sub_state = "dead";
    std::string unit_file_state = "disabled";
};

struct FakeSession {
    std::string id;
    std::uint32_t uid = 1000;
    std::string user = "alice";
    std::string seat = "seat0";
    std::string type = "wayland";
    std::string session_class = "user";
    bool active = true;
    bool locked = false;
    bool idle = false;
    std::uint64_t idle_since_us = 0;
    bool remote = false;
};

class FakeServices {
  public:
    explicit FakeServices(const std::string& address) {
        thread_ = std::thread([this, address] { run(address); });
        for (int i = 0; i < 2000 && !ready_; ++i) {
            ::usleep(5000);
        }
    }
    ~FakeServices() {
        stop_ = true;
        thread_.join();
    }
    [[nodiscard]] bool ready() const { return ready_; }

    void set_unit(const std::string& name, FakeUnit u) {
        std::lock_guard l(m_);
        units_[name] = std::move(u);
    }
    void set_sessions(std::vector<FakeSession> s) {
        std::lock_guard l(m_);
        sessions_ = std::move(s);
    }
    void set_login_available(bool v) {
        std::lock_guard l(m_);
        login_ = v;
    }
    // Runs on the service thread (sd-bus objects are single-threaded).
    void post(std::function<void(sd_bus*)> f) {
        std::lock_guard l(m_);
        actions_.push_back(std::move(f));
    }
    void set_job_state(std::uint32_t id, std::string state) {
        std::lock_guard l(m_);
        jobs_[id].state = std::move(state);
    }
    // Removes the job and sends JobRemoved(id, path, unit, result).
    void finish_job(std::uint32_t id, const std::string& result, bool signal = true) {
        post([this, id, result, signal](sd_bus* b) {
            std::string unit;
            {
                std::lock_guard l(m_);
                unit = jobs_[id].unit;
                jobs_.erase(id);
            }
            if (signal) {
                const std::string path = "/org/freedesktop/systemd1/job/" + std::to_string(id);
                sd_bus_emit_signal(b, "/org/freedesktop/systemd1",
                                   "org.freedesktop.systemd1.Manager", "JobRemoved", "uoss", id,
                                   path.c_str(), unit.c_str(), result.c_str());
            }
        });
    }
    // Sends PropertiesChanged(ActiveState) for a unit.
    void emit_unit_changed(const std::string& unit) {
        post([unit](sd_bus* b) {
            char* path = nullptr;
            sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit.c_str(), &path);
            sd_bus_emit_properties_changed(b, path, "org.freedesktop.systemd1.Unit", "ActiveState",
                                           nullptr);
            free(path);
        });
    }
    [[nodiscard]] std::vector<std::string> calls() {
        std::lock_guard l(m_);
        return calls_;
    }
    [[nodiscard]] std::uint32_t last_job() {
        std::lock_guard l(m_);
        return next_job_ - 1;
    }
    [[nodiscard]] std::uint32_t subscribers() {
        std::lock_guard l(m_);
        return subscribers_;
    }

  private:
    struct Job {
        std::string unit;
        std::string state = "waiting";
    };

    static FakeServices* self(void* u) { return static_cast<FakeServices*>(u); }

    static std::string decode(const char* path, const char* prefix) {
        char* name = nullptr;
        if (sd_bus_path_decode(path, prefix, &name) <= 0 || name == nullptr) {
            return {};
        }
        std::string s(name);
        free(name);
        return s;
    }

    // --- systemd1 ---
    static int load_unit(sd_bus_message* m, void* u, sd_bus_error*) {
        const char* name = nullptr;
        sd_bus_message_read(m, "s", &name);
        {
            std::lock_guard l(self(u)->m_);
            self(u)->calls_.push_back(std::string("LoadUnit ") + name);
            if (!self(u)->units_.count(name)) {
                FakeUnit nf;
                nf.load_state = "not-found";
                nf.unit_file_state = "";
                self(u)->units_[name] = nf;
            }
        }
        char* path = nullptr;
        sd_bus_path_encode("/org/freedesktop/systemd1/unit", name, &path);
        const int r = sd_bus_reply_method_return(m, "o", path);
        free(path);
        return r;
    }
    static int start_unit(sd_bus_message* m, void* u, sd_bus_error* e) {
        const char* name = nullptr;
        const char* mode = nullptr;
        sd_bus_message_read(m, "ss", &name, &mode);
        std::uint32_t id = 0;
        {
            std::lock_guard l(self(u)->m_);
            self(u)->calls_.push_back(std::string(sd_bus_message_get_member(m)) + " " + name + " " +
                                      mode);
            if (!self(u)->units_.count(name)) {
                return sd_bus_error_setf(e, "org.freedesktop.systemd1.NoSuchUnit",
                                         "Unit %s not found.", name);
            }
            id = self(u)->next_job_++;
            self(u)->jobs_[id] = Job{name, "waiting"};
        }
        const std::string path = "/org/freedesktop/systemd1/job/" + std::to_string(id);
        return sd_bus_reply_method_return(m, "o", path.c_str());
    }
    static int subscribe(sd_bus_message* m, void* u, sd_bus_error*) {
        {
            std::lock_guard l(self(u)->m_);
            ++self(u)->subscribers_;
        }
        return sd_bus_reply_method_return(m, "");
    }
    static int unit_find(sd_bus*, const char* path, const char*, void* u, void** found,
                         sd_bus_error*) {
        const std::string name = decode(path, "/org/freedesktop/systemd1/unit");
        std::lock_guard l(self(u)->m_);
        if (name.empty() || !self(u)->units_.count(name)) {
            return 0;
        }
        *found = u;
        return 1;
    }
    static int unit_prop(sd_bus*, const char* path, const char*, const char* property,
                         sd_bus_message* reply, void* u, sd_bus_error*) {
        const std::string name = decode(path, "/org/freedesktop/systemd1/unit");
        std::lock_guard l(self(u)->m_);
        const FakeUnit& f = self(u)->units_[name];
        const std::string_view p = property;
        const std::string& v = p == "LoadState"     ? f.load_state
                               : p == "ActiveState" ? f.active_state
                               : p == "SubState"    ? f.sub_state
                                                    : f.unit_file_state;
        return sd_bus_message_append(reply, "s", v.c_str());
    }
    static int job_find(sd_bus*, const char* path, const char*, void* u, void** found,
                        sd_bus_error*) {
        const std::string_view p = path;
        const std::string_view prefix = "/org/freedesktop/systemd1/job/";
        if (!p.starts_with(prefix)) {
            return 0;
        }
        const auto id =
            static_cast<std::uint32_t>(std::atoi(std::string(p.substr(prefix.size())).c_str()));
        std::lock_guard l(self(u)->m_);
        if (!self(u)->jobs_.count(id)) {
            return 0;
        }
        *found = u;
        return 1;
    }
    static int job_prop(sd_bus*, const char* path, const char*, const char*, sd_bus_message* reply,
                        void* u, sd_bus_error*) {
        const std::string_view p = path;
        const auto id = static_cast<std::uint32_t>(
            std::atoi(std::string(p.substr(p.find_last_of('/') + 1)).c_str()));
        std::lock_guard l(self(u)->m_);
        return sd_bus_message_append(reply, "s", self(u)->jobs_[id].state.c_str());
    }

    // --- login1 ---
    static int list_sessions(sd_bus_message* m, void* u, sd_bus_error* e) {
        std::lock_guard l(self(u)->m_);
        if (!self(u)->login_) {
            return sd_bus_error_set(e, "org.freedesktop.DBus.Error.ServiceUnknown",
                                    "logind is not running");
        }
        sd_bus_message* reply = nullptr;
        sd_bus_message_new_method_return(m, &reply);
        sd_bus_message_open_container(reply, 'a', "(susso)");
        for (const auto& s : self(u)->sessions_) {
            const std::string path = "/org/freedesktop/login1/session/_3" + s.id;
            sd_bus_message_append(reply, "(susso)", s.id.c_str(), s.uid, s.user.c_str(),
                                  s.seat.c_str(), path.c_str());
        }
        sd_bus_message_close_container(reply);
        const int r = sd_bus_send(nullptr, reply, nullptr);
        sd_bus_message_unref(reply);
        return r;
    }
    const FakeSession* session_of(const char* path) {
        const std::string_view p = path;
        const std::string id(p.substr(p.find_last_of('/') + 3));  // "_3<id>" (digit escape)
        for (const auto& s : sessions_) {
            if (s.id == id) {
                return &s;
            }
        }
        return nullptr;
    }
    static int session_find(sd_bus*, const char* path, const char*, void* u, void** found,
                            sd_bus_error*) {
        std::lock_guard l(self(u)->m_);
        if (self(u)->session_of(path) == nullptr) {
            return 0;
        }
        *found = u;
        return 1;
    }
    static int session_prop(sd_bus*, const char* path, const char*, const char* property,
                            sd_bus_message* reply, void* u, sd_bus_error*) {
        std::lock_guard l(self(u)->m_);
        const FakeSession* s = self(u)->session_of(path);
        const std::string_view p = property;
        if (p == "Type") {
            return sd_bus_message_append(reply, "s", s->type.c_str());
        }
        if (p == "Class") {
            return sd_bus_message_append(reply, "s", s->session_class.c_str());
        }
        if (p == "IdleSinceHint") {
            return sd_bus_message_append(reply, "t", s->idle_since_us);
        }
        const int v = p == "Active"       ? s->active
                      : p == "LockedHint" ? s->locked
                      : p == "IdleHint"   ? s->idle
                                          : s->remote;
        return sd_bus_message_append(reply, "b", v);
    }

    void run(const std::string& address) {
        sd_bus* b = nullptr;
        for (int attempt = 0;; ++attempt) {
            sd_bus_new(&b);
            sd_bus_set_address(b, address.c_str());
            sd_bus_set_bus_client(b, 1);
            if (sd_bus_start(b) >= 0) {
                break;
            }
            sd_bus_unref(b);
            if (attempt == 200 || stop_) {
                return;
            }
            ::usleep(10000);
        }
        static const sd_bus_vtable manager[] = {
            SD_BUS_VTABLE_START(0),
            SD_BUS_METHOD("LoadUnit", "s", "o", load_unit, 0),
            SD_BUS_METHOD("StartUnit", "ss", "o", start_unit, 0),
            SD_BUS_METHOD("RestartUnit", "ss", "o", start_unit, 0),
            SD_BUS_METHOD("Subscribe", "", "", subscribe, 0),
            SD_BUS_SIGNAL("JobRemoved", "uoss", 0),
            SD_BUS_VTABLE_END};
        static const sd_bus_vtable unit[] = {
            SD_BUS_VTABLE_START(0),
            SD_BUS_PROPERTY("LoadState", "s", unit_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
            SD_BUS_PROPERTY("ActiveState", "s", unit_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
            SD_BUS_PROPERTY("SubState", "s", unit_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
            SD_BUS_PROPERTY("UnitFileState", "s", unit_prop, 0,
                            SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
            SD_BUS_VTABLE_END};
        static const sd_bus_vtable job[] = {
            SD_BUS_VTABLE_START(0),
            SD_BUS_PROPERTY("State", "s", job_prop, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
            SD_BUS_VTABLE_END};
        static const sd_bus_vtable login[] = {
            SD_BUS_VTABLE_START(0), SD_BUS_METHOD("ListSessions", "", "a(susso)", list_sessions, 0),
            SD_BUS_VTABLE_END};
        static const sd_bus_vtable session[] = {
            SD_BUS_VTABLE_START(0),
            SD_BUS_PROPERTY("Type", "s", session_prop, 0, 0),
            SD_BUS_PROPERTY("Class", "s", session_prop, 0, 0),
            SD_BUS_PROPERTY("Active", "b", session_prop, 0, 0),
            SD_BUS_PROPERTY("LockedHint", "b", session_prop, 0, 0),
            SD_BUS_PROPERTY("IdleHint", "b", session_prop, 0, 0),
            SD_BUS_PROPERTY("IdleSinceHint", "t", session_prop, 0, 0),
            SD_BUS_PROPERTY("Remote", "b", session_prop, 0, 0),
            SD_BUS_VTABLE_END};
        sd_bus_add_object_vtable(b, nullptr, "/org/freedesktop/systemd1",
                                 "org.freedesktop.systemd1.Manager", manager, this);
        sd_bus_add_fallback_vtable(b, nullptr, "/org/freedesktop/systemd1/unit",
                                   "org.freedesktop.systemd1.Unit", unit, unit_find, this);
        sd_bus_add_fallback_vtable(b, nullptr, "/org/freedesktop/systemd1/job",
                                   "org.freedesktop.systemd1.Job", job, job_find, this);
        sd_bus_add_object_vtable(b, nullptr, "/org/freedesktop/login1",
                                 "org.freedesktop.login1.Manager", login, this);
        sd_bus_add_fallback_vtable(b, nullptr, "/org/freedesktop/login1/session",
                                   "org.freedesktop.login1.Session", session, session_find, this);
        sd_bus_request_name(b, "org.freedesktop.systemd1", 0);
        sd_bus_request_name(b, "org.freedesktop.login1", 0);
        ready_ = true;
        while (!stop_) {
            std::vector<std::function<void(sd_bus*)>> todo;
            {
                std::lock_guard l(m_);
                todo.swap(actions_);
            }
            for (auto& f : todo) {
                f(b);
            }
            while (sd_bus_process(b, nullptr) > 0) {
            }
            sd_bus_wait(b, 5000);
        }
        sd_bus_flush_close_unref(b);
    }

    std::mutex m_;
    std::map<std::string, FakeUnit> units_;
    std::map<std::uint32_t, Job> jobs_;
    std::vector<FakeSession> sessions_;
    std::vector<std::function<void(sd_bus*)>> actions_;
    std::vector<std::string> calls_;
    std::uint32_t next_job_ = 1;
    std::uint32_t subscribers_ = 0;
    bool login_ = true;
    std::atomic<bool> ready_{false};
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace opennap::checks::test
