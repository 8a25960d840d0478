// INapCertRelyingParty (nap-api.md §12.3): which ECs subscribed to health certificates.
// Bookkeeping only: there is no HCS client yet, so no certificate ever exists (certExists is
// always false). The rules are written down in docs/agent.md, "Certificate relying parties".
#include <new>

#include "agent_impl.h"

namespace opennap::agent {

namespace {

// mu held: Admin, or an EC through its own live binding.
bool may_manage(Agent::Impl& im, const Caller& c, EnforcementEntityId id) {
    if (c.kind == Caller::Kind::Admin)
        return true;
    return c.id == id && im.ec_binding(c) != nullptr;
}

// mu held: `id` is an EC registered as a relying party.
bool is_relying_party(const Agent::Impl& im, EnforcementEntityId id) {
    auto it = im.ecs.find(id);
    return it != im.ecs.end() &&
           (it->second.info.component_type & ComponentTypeEnforcementClientRp) != 0;
}

}  // namespace

Result<bool> Agent::subscribe_cert_by_group(const Caller& c, EnforcementEntityId id,
                                            std::u16string_view subscriber_name,
                                            bool reserved_present) {
    if (reserved_present)
        return fail(hr::E_INVALIDARG);
    Impl& im = *impl_;
    ReportChanges report(im);
    std::lock_guard lock(im.mu);
    if (!may_manage(im, c, id))
        return fail(hr::E_ACCESSDENIED);
    if (!is_relying_party(im, id)) {
        OPENNAP_AGENT_LOG(warn, "SubscribeCertByGroup {} by \"{}\": not a registered relying party",
                          hex_id(id), utf16_to_utf8(subscriber_name));
        return fail(hr::NAP_E_NOT_REGISTERED);
    }
    bool inserted = false;
    try {
        // Allocate everything before changing anything, so that E_OUTOFMEMORY leaves neither a
        // new subscription nor a half-replaced one. The subscription table is part of the
        // registry: the test hook's "registry" site simulates the allocation failure here.
        std::u16string name(subscriber_name);
        if (im.alloc_fails("registry"))
            throw std::bad_alloc();
        Change change = CertSubscriptionChanged{id, name};  // for the store (persistence.h)
        auto [it, added] = im.cert_subscribers.try_emplace(id);
        if (added || it->second != name)
            record(im, std::move(change));
        it->second = std::move(name);  // no allocation: cannot fail once inserted
        inserted = added;
    } catch (const std::bad_alloc&) {
        return fail(hr::E_OUTOFMEMORY);
    }
    // Logged outside the try (as register_component does): the E_OUTOFMEMORY above means
    // "nothing changed", which a failure to format the log line would contradict.
    OPENNAP_AGENT_LOG(info, "EC {} {} to health certificates (subscriber \"{}\")", hex_id(id),
                      inserted ? "subscribed" : "re-subscribed", utf16_to_utf8(subscriber_name));
    return false;  // no health certificates yet (docs/agent.md)
}

Status Agent::unsubscribe_cert_by_group(const Caller& c, EnforcementEntityId id,
                                        bool reserved_present) {
    if (reserved_present)
        return hr::E_INVALIDARG;
    Impl& im = *impl_;
    ReportChanges report(im);
    std::lock_guard lock(im.mu);
    if (!may_manage(im, c, id))
        return hr::E_ACCESSDENIED;
    if (!is_relying_party(im, id))
        return hr::NAP_E_NOT_REGISTERED;
    auto it = im.cert_subscribers.find(id);
    if (it == im.cert_subscribers.end())
        return hr::ERROR_NOT_FOUND;
    OPENNAP_AGENT_LOG(info, "EC {} unsubscribed from health certificates (subscriber \"{}\")",
                      hex_id(id), utf16_to_utf8(it->second));
    im.cert_subscribers.erase(it);
    record(im, CertSubscriptionChanged{id, std::nullopt});
    return hr::S_OK;
}

Result<std::vector<EnforcementEntityId>> Agent::subscribed_relying_parties(const Caller& c) const {
    Impl& im = *impl_;
    std::lock_guard lock(im.mu);
    if (c.kind != Caller::Kind::Admin && im.ec_binding(c) == nullptr)
        return fail(hr::E_ACCESSDENIED);
    try {
        std::vector<EnforcementEntityId> ids;
        for (const auto& [id, name] : im.cert_subscribers) {
            if (is_relying_party(im, id))  // const: pruning waits for the next mutation
                ids.push_back(id);
        }
        return ids;
    } catch (const std::bad_alloc&) {
        return fail(hr::E_OUTOFMEMORY);
    }
}

}  // namespace opennap::agent
