// The connection object's properties (INapEnforcementClientConnection(2), nap-api.md §10.3) and
// the who-sets-what rules: the owning EC sets MaxSize, ConnectionId, SoHResponse and its own
// private data; only the agent sets Flags, CorrelationId, SoHRequest, IsolationInfo(Ex), its
// private data and InstalledShvs. Anyone else gets E_ACCESSDENIED.
#include <new>

#include "agent_impl.h"

namespace opennap::agent {

namespace {

enum class Who { Owner, AgentOnly };

// mu held. The connection the caller may touch, or the HRESULT that says why not.
Result<ConnState*> reach(Agent::Impl& im, const Caller& c, ConnectionKey key, Who who) {
    auto it = im.conns.find(key);
    if (c.kind == Caller::Kind::Agent) {
        if (it == im.conns.end())
            return fail(hr::E_INVALIDARG);
        return &it->second;
    }
    if (c.kind != Caller::Kind::EnforcementClient || who == Who::AgentOnly) {
        return fail(hr::E_ACCESSDENIED);
    }
    if (it == im.conns.end())
        return fail(hr::E_INVALIDARG);
    // The caller's binding must be live and must be the one that created the connection.
    if (im.ec_binding(c) == nullptr || it->second.owner != c.binding) {
        OPENNAP_AGENT_LOG(warn, "{}: access denied to EC {} (binding {})", tag(it->second),
                          hex_id(c.id), c.binding);
        return fail(hr::E_ACCESSDENIED);
    }
    return &it->second;
}

template <typename F>
Status with_conn(Agent::Impl& im, const Caller& c, ConnectionKey key, Who who, F&& f) {
    std::lock_guard lock(im.mu);
    auto conn = reach(im, c, key, who);
    if (!conn)
        return conn.error();
    return f(**conn);
}

template <typename T, typename F>
Result<T> read_conn(Agent::Impl& im, const Caller& c, ConnectionKey key, Who who, F&& f) {
    std::lock_guard lock(im.mu);
    auto conn = reach(im, c, key, who);
    if (!conn)
        return fail(conn.error());
    return f(**conn);
}

// The agent sets a connection's decision: like a processed response, it is a new decision (a new
// probation, if any) and the system isolation state follows it, with the usual notifications.
Status set_decision(Agent::Impl& im, const Caller& c, ConnectionKey key, IsolationInfoEx info) {
    Pending p;
    {
        std::lock_guard lock(im.mu);
        auto conn = reach(im, c, key, Who::AgentOnly);
        if (!conn)
            return conn.error();
        set_isolation(im, **conn, std::move(info));
        (*conn)->probation_expired = false;
        recompute_system(im, p);
    }
    deliver(im, std::move(p));
    return hr::S_OK;
}

}  // namespace

// A connection belongs to the EC whose binding created it (create_connection records that id),
// and its id index entry, quota slot and status are kept under that EC: "initializing" it with
// another EC's id would move it out from under them, so only the creating EC's id is accepted.
Status Agent::conn_initialize(const Caller& c, ConnectionKey key, EnforcementEntityId id) {
    return with_conn(*impl_, c, key, Who::AgentOnly, [&](ConnState& s) {
        if (id != s.ec) {
            OPENNAP_AGENT_LOG(warn, "{}: Initialize with EC {} refused: the connection is EC {}'s",
                              tag(s), hex_id(id), hex_id(s.ec));
            return hr::E_INVALIDARG;
        }
        return hr::S_OK;
    });
}

Status Agent::conn_set_max_size(const Caller& c, ConnectionKey key, ProtocolMaxSize size) {
    if (size < minProtocolMaxSize || size > maxProtocolMaxSize)
        return hr::E_INVALIDARG;
    return with_conn(*impl_, c, key, Who::Owner, [&](ConnState& s) {
        s.max_size = size;
        return hr::S_OK;
    });
}

Result<ProtocolMaxSize> Agent::conn_get_max_size(const Caller& c, ConnectionKey key) const {
    return read_conn<ProtocolMaxSize>(*impl_, c, key, Who::Owner,
                                      [](const ConnState& s) { return s.max_size; });
}

Status Agent::conn_set_flags(const Caller& c, ConnectionKey key, std::uint8_t flags) {
    return with_conn(*impl_, c, key, Who::AgentOnly, [&](ConnState& s) {
        s.flags = flags;
        return hr::S_OK;
    });
}

Result<std::uint8_t> Agent::conn_get_flags(const Caller& c, ConnectionKey key) const {
    return read_conn<std::uint8_t>(*impl_, c, key, Who::Owner,
                                   [](const ConnState& s) { return s.flags; });
}

Status Agent::conn_set_connection_id(const Caller& c, ConnectionKey key, const ConnectionId* id) {
    if (id == nullptr)
        return hr::E_POINTER;
    if (id->is_nil())
        return hr::E_INVALIDARG;
    auto& im = *impl_;
    return with_conn(im, c, key, Who::Owner, [&](ConnState& s) -> Status {
        if (s.connection_id == *id)
            return hr::S_OK;
        if (s.down) {
            // A down connection holds no reservation (connection_down removed its index entry
            // and nothing removes one later): the id is only a label now.
            s.connection_id = *id;
            OPENNAP_AGENT_LOG(info, "{}: connection id set on a connection that is down (EC {})",
                              tag(s), hex_id(s.ec));
            return hr::S_OK;
        }
        const auto index_key = std::pair{s.ec, *id};
        if (auto found = im.conn_ids.find(index_key);
            found != im.conn_ids.end() && found->second != s.key) {
            // conn_ids holds live connections only (connection_down removes them).
            OPENNAP_AGENT_LOG(warn,
                              "{}: connection id {} already used by another connection of EC {}",
                              tag(s), id->to_string(), hex_id(s.ec));
            return hr::NAP_E_CONFLICTING_ID;
        }
        try {
            if (im.alloc_fails("connection-id"))
                throw std::bad_alloc();
            if (s.connection_id) {
                // Re-key the connection's own index node: no allocation, cannot fail.
                auto node = im.conn_ids.extract({s.ec, *s.connection_id});
                node.key() = index_key;
                im.conn_ids.insert(std::move(node));
            } else {
                im.conn_ids.emplace(index_key, s.key);  // may throw: nothing changed yet
            }
        } catch (const std::bad_alloc&) {
            OPENNAP_AGENT_LOG(err, "{}: out of memory setting connection id {}", tag(s),
                              id->to_string());
            return hr::E_OUTOFMEMORY;
        }
        s.connection_id = *id;
        OPENNAP_AGENT_LOG(info, "{}: connection id set (EC {})", tag(s), hex_id(s.ec));
        return hr::S_OK;
    });
}

Result<ConnectionId> Agent::conn_get_connection_id(const Caller& c, ConnectionKey key) const {
    return read_conn<ConnectionId>(*impl_, c, key, Who::Owner,
                                   [](const ConnState& s) -> Result<ConnectionId> {
                                       if (!s.connection_id)
                                           return fail(hr::NAP_E_NOT_INITIALIZED);
                                       return *s.connection_id;
                                   });
}

Result<CorrelationId> Agent::conn_get_correlation_id(const Caller& c, ConnectionKey key) const {
    return read_conn<CorrelationId>(*impl_, c, key, Who::Owner,
                                    [](const ConnState& s) -> Result<CorrelationId> {
                                        if (!s.correlation_id) {
                                            return fail(hr::NAP_E_NOT_INITIALIZED);
                                        }
                                        return *s.correlation_id;
                                    });
}

Status Agent::conn_set_correlation_id(const Caller& c, ConnectionKey key, const CorrelationId& id) {
    return with_conn(*impl_, c, key, Who::AgentOnly, [&](ConnState& s) {
        s.correlation_id = id;
        return hr::S_OK;
    });
}

Status Agent::conn_set_soh_request(const Caller& c, ConnectionKey key, const NetworkSoH* request) {
    if (request != nullptr &&
        (request->data.size() < minNetworkSoHSize || request->data.size() > maxProtocolMaxSize)) {
        return hr::E_INVALIDARG;  // "a zero byte length SoH packet is invalid"
    }
    return with_conn(*impl_, c, key, Who::AgentOnly, [&](ConnState& s) {
        if (request == nullptr) {
            s.request.reset();
        } else {
            s.request = *request;
        }
        return hr::S_OK;
    });
}

Result<NetworkSoH> Agent::conn_get_soh_request(const Caller& c, ConnectionKey key) const {
    return read_conn<NetworkSoH>(*impl_, c, key, Who::Owner,
                                 [](const ConnState& s) -> Result<NetworkSoH> {
                                     if (!s.request)
                                         return fail(hr::NAP_E_NOT_INITIALIZED);
                                     return *s.request;
                                 });
}

Status Agent::conn_set_soh_response(const Caller& c, ConnectionKey key,
                                    const NetworkSoH* response) {
    if (response == nullptr)
        return hr::E_POINTER;
    if (response->data.size() > maxProtocolMaxSize)
        return hr::E_INVALIDARG;
    return with_conn(*impl_, c, key, Who::Owner, [&](ConnState& s) {
        s.response = *response;  // a zero-sized response is valid
        return hr::S_OK;
    });
}

Result<NetworkSoH> Agent::conn_get_soh_response(const Caller& c, ConnectionKey key) const {
    return read_conn<NetworkSoH>(*impl_, c, key, Who::Owner,
                                 [](const ConnState& s) -> Result<NetworkSoH> {
                                     if (!s.response)
                                         return fail(hr::NAP_E_NOT_INITIALIZED);
                                     return *s.response;
                                 });
}

Status Agent::conn_set_isolation_info(const Caller& c, ConnectionKey key,
                                      const IsolationInfo* info) {
    if (info == nullptr)
        return hr::E_POINTER;
    if (!info->is_valid())
        return hr::E_INVALIDARG;
    return set_decision(*impl_, c, key,
                        IsolationInfoEx{info->isolation_state, ExtendedIsolationState::NoData,
                                        info->prob_end_time, info->failure_url});
}

Result<IsolationInfo> Agent::conn_get_isolation_info(const Caller& c, ConnectionKey key) const {
    return read_conn<IsolationInfo>(
        *impl_, c, key, Who::Owner, [](const ConnState& s) -> Result<IsolationInfo> {
            if (!s.isolation)
                return fail(hr::NAP_E_NOT_INITIALIZED);
            return IsolationInfo{s.isolation->isolation_state, s.isolation->prob_end_time,
                                 s.isolation->failure_url};
        });
}

Status Agent::conn_set_isolation_info_ex(const Caller& c, ConnectionKey key,
                                         const IsolationInfoEx* info) {
    if (info == nullptr)
        return hr::E_POINTER;
    if (!info->is_valid())
        return hr::E_INVALIDARG;
    return set_decision(*impl_, c, key, *info);
}

Result<IsolationInfoEx> Agent::conn_get_isolation_info_ex(const Caller& c,
                                                          ConnectionKey key) const {
    return read_conn<IsolationInfoEx>(*impl_, c, key, Who::Owner,
                                      [](const ConnState& s) -> Result<IsolationInfoEx> {
                                          if (!s.isolation) {
                                              return fail(hr::NAP_E_NOT_INITIALIZED);
                                          }
                                          return *s.isolation;
                                      });
}

Status Agent::conn_set_private_data(const Caller& c, ConnectionKey key, const PrivateData* data) {
    if (data == nullptr)
        return hr::E_POINTER;
    if (!data->is_valid())
        return hr::E_INVALIDARG;
    return with_conn(*impl_, c, key, Who::AgentOnly, [&](ConnState& s) {
        s.agent_private = *data;
        return hr::S_OK;
    });
}

Result<PrivateData> Agent::conn_get_private_data(const Caller& c, ConnectionKey key) const {
    return read_conn<PrivateData>(*impl_, c, key, Who::AgentOnly,
                                  [](const ConnState& s) { return s.agent_private; });
}

Status Agent::conn_set_enforcer_private_data(const Caller& c, ConnectionKey key,
                                             const PrivateData* data) {
    if (data == nullptr)
        return hr::E_POINTER;
    if (!data->is_valid())
        return hr::E_INVALIDARG;
    return with_conn(*impl_, c, key, Who::Owner, [&](ConnState& s) {
        s.enforcer_private = *data;
        return hr::S_OK;
    });
}

Result<PrivateData> Agent::conn_get_enforcer_private_data(const Caller& c,
                                                          ConnectionKey key) const {
    return read_conn<PrivateData>(*impl_, c, key, Who::Owner,
                                  [](const ConnState& s) { return s.enforcer_private; });
}

Status Agent::conn_set_installed_shvs(const Caller& c, ConnectionKey key,
                                      const std::vector<SystemHealthEntityId>& ids) {
    if (ids.empty() || ids.size() > maxSystemHealthEntityCount)
        return hr::E_INVALIDARG;
    return with_conn(*impl_, c, key, Who::AgentOnly, [&](ConnState& s) {
        s.installed_shvs = ids;
        return hr::S_OK;
    });
}

Result<std::vector<SystemHealthEntityId>> Agent::conn_get_installed_shvs(const Caller& c,
                                                                         ConnectionKey key) const {
    return read_conn<std::vector<SystemHealthEntityId>>(
        *impl_, c, key, Who::Owner, [](const ConnState& s) { return s.installed_shvs; });
}

}  // namespace opennap::agent
