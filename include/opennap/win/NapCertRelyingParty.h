// NapCertRelyingParty.h for Linux: INapCertRelyingParty (nap-api.md §12.3), created with
// NapCreateInstance(CLSID_NapCertRelyingParty, IID_INapCertRelyingParty, ...). Methods are in
// vtable order. Subscription bookkeeping only: OpenNAP has no health certificates yet, so
// *certExists is always FALSE. See docs/win-api.md and docs/agent.md.
#pragma once

#include "NapTypes.h"

// wincrypt.h's first user certificate property id (there is no wincrypt.h here).
#ifndef CERT_FIRST_USER_PROP_ID
#define CERT_FIRST_USER_PROP_ID 0x00008000
#endif

// Certificate-context property ids of health certificates (nap-api.md §3.3).
static const UINT32 NapAfwZonePropId = CERT_FIRST_USER_PROP_ID;
static const UINT32 NapAfwProtectionLevelPropId = CERT_FIRST_USER_PROP_ID + 1;

struct INapCertRelyingParty : public IUnknown {
    // subscriberName is only logged (NULL = empty); reserved must be NULL (E_INVALIDARG).
    // NAP_E_NOT_REGISTERED: id is not an EC registered with ComponentTypeEnforcementClientRp.
    // Subscribing twice is S_OK. E_POINTER for a NULL certExists.
    virtual HRESULT STDMETHODCALLTYPE SubscribeCertByGroup(EnforcementEntityId id,
                                                           const BSTR subscriberName,
                                                           const VARIANT* reserved,
                                                           BOOL* certExists) = 0;
    // As SubscribeCertByGroup, plus HRESULT_FROM_WIN32(ERROR_NOT_FOUND) when not subscribed.
    virtual HRESULT STDMETHODCALLTYPE UnSubscribeCertByGroup(EnforcementEntityId id,
                                                             const VARIANT* reserved) = 0;
    // *relyingParties is a CoTaskMem array of *count ids (NULL for none): free it with
    // CoTaskMemFree.
    virtual HRESULT STDMETHODCALLTYPE GetSubscribedRelyingParties(
        EnforcementEntityCount* count, EnforcementEntityId** relyingParties) = 0;
};

// 62C02FFC-4C77-4158-8754-782D5B4EE66E
inline constexpr IID IID_INapCertRelyingParty = {
    0x62C02FFC, 0x4C77, 0x4158, {0x87, 0x54, 0x78, 0x2D, 0x5B, 0x4E, 0xE6, 0x6E}};
// E5FAE3B3-1AC8-4BD3-87E6-48EFF509DDAA
inline constexpr CLSID CLSID_NapCertRelyingParty = {
    0xE5FAE3B3, 0x1AC8, 0x4BD3, {0x87, 0xE6, 0x48, 0xEF, 0xF5, 0x09, 0xDD, 0xAA}};
