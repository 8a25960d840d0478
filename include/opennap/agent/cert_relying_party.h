// INapCertRelyingParty (nap-api.md §12.3) as a small handle over the agent: an EC registered
// with ComponentTypeEnforcementClientRp subscribes to the health certificates the agent would
// maintain for it. Subscription bookkeeping only for now: OpenNAP has no HCS client, so
// certExists is always false (docs/agent.md, "Certificate relying parties").
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "opennap/agent/agent.h"

namespace opennap::agent {

class CertRelyingParty {
  public:
    // Caller: Admin (default), or an EC's binding caller (EnforcementClientBinding::caller()),
    // which may manage only its own subscription.
    explicit CertRelyingParty(std::shared_ptr<AgentApi> agent, Caller caller = Caller::admin())
        : agent_(std::move(agent)), caller_(caller) {}

    // SubscribeCertByGroup: the value is certExists (always false for now). `subscriber_name`
    // is only logged. E_ACCESSDENIED, NAP_E_NOT_REGISTERED; subscribing twice is S_OK.
    Result<bool> subscribe_cert_by_group(EnforcementEntityId id,
                                         std::u16string_view subscriber_name) {
        return agent_->subscribe_cert_by_group(caller_, id, subscriber_name);
    }
    // UnSubscribeCertByGroup: E_ACCESSDENIED, NAP_E_NOT_REGISTERED,
    // HRESULT_FROM_WIN32(ERROR_NOT_FOUND) when not subscribed.
    Status unsubscribe_cert_by_group(EnforcementEntityId id) {
        return agent_->unsubscribe_cert_by_group(caller_, id);
    }
    // GetSubscribedRelyingParties, sorted by id.
    [[nodiscard]] Result<std::vector<EnforcementEntityId>> subscribed_relying_parties() const {
        return agent_->subscribed_relying_parties(caller_);
    }

  private:
    std::shared_ptr<AgentApi> agent_;
    Caller caller_;
};

}  // namespace opennap::agent
