// napagent's state store: the agent core's persisted state (opennap/agent/persistence.h) in an
// SQLite database, `<state_dir>/agent.db` (docs/napagent.md, "Persistence").
//
// SqliteStore is the agent's StateObserver: each Change is committed in one transaction, with
// prepared statements, before changed() returns. The database is in WAL mode and opened in
// exclusive locking mode (a second daemon on the same state directory cannot open it).
// Durability: registry changes (register, unregister, enable/disable, certificate subscriptions)
// are committed with synchronous=FULL (fsync of the WAL: they survive a power cut); SoH caches,
// per-SHA state and the system isolation state with synchronous=NORMAL (they survive the daemon
// being killed, and may lose the last changes on a power cut: the agent rebuilds them at the next
// exchange). load() returns the state, or a typed error for a database that is unreadable,
// corrupt, or from a newer napagent.
//
// open_state() is the daemon's policy around it: a corrupt database is moved aside and the daemon
// starts empty; an unreadable one (or a newer schema, or a locked one) stops the daemon.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "opennap/agent/persistence.h"

namespace opennap::agentd {

inline constexpr int kStoreSchemaVersion = 1;
inline constexpr std::string_view kStoreFileName = "agent.db";

struct StoreError {
    enum class Kind : std::uint8_t {
        // Cannot be opened or read (permissions, missing directory, I/O error, locked by another
        // process): the data may be fine, so it is left alone.
        Unreadable,
        // Not a database, damaged pages, a schema that is not ours, or values out of range.
        Corrupt,
        // Written by a newer napagent (schema version above kStoreSchemaVersion).
        TooNew,
    };
    Kind kind = Kind::Unreadable;
    std::filesystem::path path;
    std::string message;  // what went wrong, with SQLite's message when it has one
    int sqlite_code = 0;  // SQLite's extended result code, 0 when not from SQLite
    // "<path>: corrupt database: <message>"
    [[nodiscard]] std::string to_string() const;
};

[[nodiscard]] std::string_view to_string(StoreError::Kind kind) noexcept;

class SqliteStore final : public agent::StateObserver {
  public:
    // Opens (creating when absent) `<state_dir>/agent.db`; the directory must exist. Checks the
    // schema version and the database's integrity (PRAGMA quick_check).
    static std::expected<std::shared_ptr<SqliteStore>, StoreError> open(
        const std::filesystem::path& state_dir);
    ~SqliteStore() override;
    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;

    // Everything stored, checked value by value (Corrupt for anything out of range).
    [[nodiscard]] std::expected<agent::PersistedState, StoreError> load() const;

    // StateObserver: commits `change` in one transaction. A failure (disk full, I/O error) is
    // logged and counted; the agent's state in memory stays authoritative.
    void changed(const agent::Change& change) override;

    // Stores nothing more: later changes are dropped. The daemon calls it when it starts to stop,
    // because what it undoes on its way out (bindings of clients that are still alive, their
    // connections) is not a change of the machine's state: the SHAs' caches and the system
    // isolation state must come back as they were. Waits for a change being committed.
    void close();

    [[nodiscard]] const std::filesystem::path& path() const noexcept;
    // Changes that could not be committed since open.
    [[nodiscard]] std::uint64_t write_failures() const noexcept;

    class Impl;

  private:
    explicit SqliteStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// What the daemon opened.
struct OpenedState {
    std::shared_ptr<SqliteStore> store;
    agent::PersistedState state;
    // Set when the database was corrupt: the error, and where the bad file now is.
    std::optional<StoreError> recovered_from;
    std::optional<std::filesystem::path> moved_to;
};

// The daemon's start-up: creates `state_dir` (mode 0700) when absent, opens the store and loads
// it. A Corrupt database (with its -wal file) is renamed to `agent.db.corrupt-<UTC time>` and an
// empty one is created in its place; Unreadable and TooNew are returned (the daemon stops).
[[nodiscard]] std::expected<OpenedState, StoreError> open_state(
    const std::filesystem::path& state_dir);

// "5 SHAs, 3 ECs, 4 cached SoHs, system state RestrictedAccess (probation end none)" for logs.
[[nodiscard]] std::string describe(const agent::PersistedState& state);

}  // namespace opennap::agentd
