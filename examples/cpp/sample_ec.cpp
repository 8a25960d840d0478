#include "sample_ec.h"

namespace opennap::examples {

agent::Status SampleEc::connect(const ConnectionId& id) {
    std::lock_guard lock(mutex_);
    auto connection = binding_->create_connection();
    if (!connection)
        return connection.error();
    if (const agent::Status s = (*connection)->set_connection_id(id); s.failed())
        return s;
    if (const agent::Status s = (*connection)->set_max_size(defaultProtocolMaxSize); s.failed())
        return s;
    connection_ = std::move(*connection);
    return hr::S_OK;
}

agent::Status SampleEc::run_exchange(std::string_view why) {
    std::lock_guard lock(mutex_);
    if (!connection_)
        return hr::S_OK;  // no connection up: nothing to do

    const agent::Result<bool> retrigger = binding_->get_soh_request(*connection_);
    if (!retrigger) {
        log(opennap::examples::format("EC: get_soh_request failed: {}",
                                      to_string(retrigger.error())));
        return retrigger.error();
    }
    if (!*retrigger)
        return hr::S_OK;  // the SoH did not change since the last exchange: keep the decision
    log(opennap::examples::format("EC: exchange ({})", why));

    const agent::Result<NetworkSoH> request = connection_->soh_request();
    if (!request)
        return request.error();
    log(opennap::examples::format("EC: sending a {}-byte SoH to the server", request->data.size()));
    const agent::Result<NetworkSoH> response = transport_(*request);
    if (!response) {
        log(opennap::examples::format("EC: the server did not answer: {}",
                                      to_string(response.error())));
        return response.error();
    }
    log(opennap::examples::format("EC: received a {}-byte SoHR", response->data.size()));
    if (const agent::Status s = connection_->set_soh_response(*response); s.failed())
        return s;
    if (const agent::Status s = binding_->process_soh_response(*connection_); s.failed()) {
        log(opennap::examples::format("EC: process_soh_response failed: {}", to_string(s)));
        return s;
    }
    return enforce();
}

// Applies the connection's isolation state (a real EC would open or close the port, hand out a
// restricted address, ...).
agent::Status SampleEc::enforce() {
    const agent::Result<IsolationInfoEx> info = connection_->isolation_info_ex();
    if (!info)
        return info.error();
    if (info->isolation_state == IsolationState::NotRestricted) {
        log("EC: enforcing full access");
        progress_.record(Milestone::FullAccess);
    } else {
        log(opennap::examples::format("EC: enforcing {}, remediation URL {}",
                                      to_string(info->isolation_state),
                                      utf16_to_utf8(info->failure_url)));
        if (info->isolation_state == IsolationState::RestrictedAccess)
            progress_.record(Milestone::Restricted);
    }
    return hr::S_OK;
}

agent::Status SampleEc::disconnect() {
    std::lock_guard lock(mutex_);
    if (!connection_)
        return hr::S_OK;
    const agent::Status s = binding_->notify_connection_state_down(*connection_);
    connection_.reset();
    return s;
}

agent::Status SampleEc::notify_soh_change() {
    // Called on the thread that drives the agent; re-run the exchange on every connection.
    return run_exchange("notify_soh_change");
}

agent::Result<std::vector<std::shared_ptr<agent::Connection>>> SampleEc::get_connections() {
    std::lock_guard lock(mutex_);
    if (!connection_)
        return std::vector<std::shared_ptr<agent::Connection>>{};
    return std::vector<std::shared_ptr<agent::Connection>>{connection_};
}

}  // namespace opennap::examples
