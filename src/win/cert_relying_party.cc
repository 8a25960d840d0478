// INapCertRelyingParty (nap-api.md §12.3) over opennap::agent::CertRelyingParty. The object is
// not tied to a binding, so it calls as Admin (docs/win-api.md).
#include "opennap/agent/cert_relying_party.h"

#include <string_view>

#include "com_object.h"
#include "convert.h"

#include "NapCertRelyingParty.h"

namespace {

using namespace opennap::win;
namespace agent = opennap::agent;

std::u16string_view bstr_view(const BSTR s) noexcept {
    return s == nullptr ? std::u16string_view() : std::u16string_view(s);
}

class CertRelyingPartyObject final : public ComObject<INapCertRelyingParty> {
  public:
    explicit CertRelyingPartyObject(std::shared_ptr<agent::AgentApi> agent)
        : crp_(std::move(agent)) {}

    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
        return query(riid, ppv, {IID_INapCertRelyingParty});
    }

    HRESULT STDMETHODCALLTYPE SubscribeCertByGroup(EnforcementEntityId id,
                                                   const BSTR subscriberName,
                                                   const VARIANT* reserved,
                                                   BOOL* certExists) override {
        if (certExists == nullptr)
            return E_POINTER;
        *certExists = FALSE;
        if (reserved != nullptr)
            return E_INVALIDARG;
        return guarded([&]() -> HRESULT {
            auto r = crp_.subscribe_cert_by_group(id, bstr_view(subscriberName));
            if (!r)
                return to_hr(r.error());
            *certExists = *r ? TRUE : FALSE;
            return S_OK;
        });
    }

    HRESULT STDMETHODCALLTYPE UnSubscribeCertByGroup(EnforcementEntityId id,
                                                     const VARIANT* reserved) override {
        if (reserved != nullptr)
            return E_INVALIDARG;
        return guarded([&] { return to_hr(crp_.unsubscribe_cert_by_group(id)); });
    }

    HRESULT STDMETHODCALLTYPE GetSubscribedRelyingParties(
        EnforcementEntityCount* count, EnforcementEntityId** relyingParties) override {
        if (count == nullptr || relyingParties == nullptr)
            return E_POINTER;
        *count = 0;
        *relyingParties = nullptr;
        return guarded([&]() -> HRESULT {
            auto r = crp_.subscribed_relying_parties();
            if (!r)
                return to_hr(r.error());
            if (r->size() > 0xFFFF)
                return E_UNEXPECTED;
            if (r->empty())
                return S_OK;
            auto* array = co_alloc<EnforcementEntityId>(r->size());
            if (array == nullptr)
                return E_OUTOFMEMORY;
            for (std::size_t i = 0; i < r->size(); ++i)
                array[i] = (*r)[i];
            *count = static_cast<EnforcementEntityCount>(r->size());
            *relyingParties = array;
            return S_OK;
        });
    }

  private:
    agent::CertRelyingParty crp_;
};

}  // namespace

namespace opennap::win {

HRESULT create_cert_relying_party(std::shared_ptr<agent::AgentApi> agent, REFIID riid,
                                  void** ppv) noexcept {
    return create_object<CertRelyingPartyObject>(riid, ppv, std::move(agent));
}

}  // namespace opennap::win
