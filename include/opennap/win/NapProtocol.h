// NapProtocol.h for Linux: the SoH attribute model (SoHAttributeType, HealthClassValue,
// SoHAttributeValue; nap-api.md §7) and the SoH helper objects INapSoHConstructor /
// INapSoHProcessor (§16), created with NapCreateInstance(CLSID_NapSoHConstructor, ...).
//
// SoHAttribute.value holds the attribute value as it travels in the TLV (network byte order);
// INapSoHProcessor::GetAttribute decodes it into a SoHAttributeValue (ResultCodes in host order)
// and INapSoHConstructor::AppendAttribute encodes one. See docs/win-api.md for the exact checks.
#pragma once

#include "NapTypes.h"

typedef enum tagSoHAttributeType : INT {
    sohAttributeTypeSystemHealthId = 2,
    sohAttributeTypeIpv4FixupServers = 3,
    sohAttributeTypeComplianceResultCodes = 4,
    sohAttributeTypeTimeOfLastUpdate = 5,
    sohAttributeTypeClientId = 6,
    sohAttributeTypeVendorSpecific = 7,
    sohAttributeTypeHealthClass = 8,
    sohAttributeTypeSoftwareVersion = 9,
    sohAttributeTypeProductName = 10,
    sohAttributeTypeHealthClassStatus = 11,
    sohAttributeTypeSoHGenerationTime = 12,
    sohAttributeTypeErrorCodes = 13,
    sohAttributeTypeFailureCategory = 14,
    sohAttributeTypeIpv6FixupServers = 15,
    sohAttributeTypeExtendedIsolationState = 16,
} SoHAttributeType;

typedef enum tagHealthClassValue : INT {
    healthClassFirewall = 0,
    healthClassPatchLevel = 1,
    healthClassAntiVirus = 2,
    healthClassCriticalUpdate = 3,
    healthClassReserved = 128,
} HealthClassValue;

// The decoded value of one attribute; the arm is selected by the SoHAttributeType (every
// unrecognised type is an octet string).
typedef union tagSoHAttributeValue {
    SystemHealthEntityId idVal;  // sohAttributeTypeSystemHealthId
    struct tagIpv4Addresses {    // sohAttributeTypeIpv4FixupServers
        UINT16 count;            // 1..maxIpv4CountPerSoHAttribute
        Ipv4Address* addresses;
    } v4AddressesVal;
    struct tagIpv6Addresses {  // sohAttributeTypeIpv6FixupServers
        UINT16 count;          // 1..maxIpv6CountPerSoHAttribute
        Ipv6Address* addresses;
    } v6AddressesVal;
    ResultCodes codesVal;  // sohAttributeTypeComplianceResultCodes, sohAttributeTypeErrorCodes
    FILETIME dateTimeVal;  // sohAttributeTypeTimeOfLastUpdate, sohAttributeTypeSoHGenerationTime
    struct tagVendorSpecific {  // sohAttributeTypeVendorSpecific
        UINT32 vendorId;
        UINT16 size;  // 0..maxSoHAttributeSize - 4
        BYTE* vendorSpecificData;
    } vendorSpecificVal;
    UINT8 uint8Val;          // HealthClass, FailureCategory, ExtendedIsolationState
    struct tagOctetString {  // everything else
        UINT16 size;         // 0..maxSoHAttributeSize
        BYTE* data;
    } octetStringVal;
} SoHAttributeValue;

// Builds an SoHRequest (SHA) or SoHResponse (SHV).
struct INapSoHConstructor : public IUnknown {
    // Exactly once: writes sohAttributeTypeSystemHealthId = id as the first attribute.
    virtual HRESULT STDMETHODCALLTYPE Initialize(SystemHealthEntityId id, BOOL isRequest) = 0;
    // Any type but sohAttributeTypeSystemHealthId.
    virtual HRESULT STDMETHODCALLTYPE AppendAttribute(SoHAttributeType type,
                                                      const SoHAttributeValue* value) = 0;
    // A copy of the packet built so far; free it with FreeSoH.
    virtual HRESULT STDMETHODCALLTYPE GetSoH(SoH** soh) = 0;
    // S_OK or NAP_E_INVALID_PACKET.
    virtual HRESULT STDMETHODCALLTYPE Validate(const SoH* soh, BOOL isRequest) = 0;
};

// Reads an SoHRequest (SHV) or SoHResponse (SHA).
struct INapSoHProcessor : public IUnknown {
    // Exactly once; copies the packet and returns its System-Health-ID. NAP_E_INVALID_PACKET.
    virtual HRESULT STDMETHODCALLTYPE Initialize(const SoH* soh, BOOL isRequest,
                                                 SystemHealthEntityId* id) = 0;
    // First attribute of `type` at index >= fromLocation;
    // HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND) if there is none.
    virtual HRESULT STDMETHODCALLTYPE FindNextAttribute(UINT16 fromLocation, SoHAttributeType type,
                                                        UINT16* attributeLocation) = 0;
    // The decoded value; free it with FreeSoHAttributeValue(*type, *value).
    virtual HRESULT STDMETHODCALLTYPE GetAttribute(UINT16 attributeLocation, SoHAttributeType* type,
                                                   SoHAttributeValue** value) = 0;
    virtual HRESULT STDMETHODCALLTYPE GetNumberOfAttributes(UINT16* attributeCount) = 0;
};

// 35298344-96A6-45E7-9B6B-62ECC6E09920
inline constexpr IID IID_INapSoHConstructor = {
    0x35298344, 0x96A6, 0x45E7, {0x9B, 0x6B, 0x62, 0xEC, 0xC6, 0xE0, 0x99, 0x20}};
// FB2FA8B0-2CD5-457D-ABA8-4376F63EA1C0
inline constexpr IID IID_INapSoHProcessor = {
    0xFB2FA8B0, 0x2CD5, 0x457D, {0xAB, 0xA8, 0x43, 0x76, 0xF6, 0x3E, 0xA1, 0xC0}};
// E8140D53-6535-46A5-B8A1-DA6C571DA9B9
inline constexpr CLSID CLSID_NapSoHConstructor = {
    0xE8140D53, 0x6535, 0x46A5, {0xB8, 0xA1, 0xDA, 0x6C, 0x57, 0x1D, 0xA9, 0xB9}};
// AA160628-8775-46E3-837C-F7A2AE66E2F5
inline constexpr CLSID CLSID_NapSoHProcessor = {
    0xAA160628, 0x8775, 0x46E3, {0x83, 0x7C, 0xF7, 0xA2, 0xAE, 0x66, 0xE2, 0xF5}};
