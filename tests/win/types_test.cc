// The Windows-shaped base layer and NapTypes.h / NapError.h / NapProtocol.h /
// NapMicrosoftVendorIds.h: layouts, constants, GUIDs.
#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <type_traits>

#include "opennap/core/hresult.h"
#include "opennap/core/ids.h"
#include "opennap/core/nap_types.h"

#include <NapEnforcementClient.h>
#include <NapError.h>
#include <NapManagement.h>
#include <NapMicrosoftVendorIds.h>
#include <NapProtocol.h>
#include <NapSystemHealthAgent.h>
#include <NapTypes.h>
#include <windows.h>

namespace {

// ---- basic types (nap-api.md §2.4) -------------------------------------------------------------

static_assert(std::is_same_v<WCHAR, char16_t>);
static_assert(sizeof(HRESULT) == 4 && std::is_signed_v<HRESULT>);
static_assert(sizeof(BOOL) == 4 && sizeof(LONG) == 4 && sizeof(ULONG) == 4 && sizeof(DWORD) == 4);
static_assert(sizeof(UINT8) == 1 && sizeof(UINT16) == 2 && sizeof(UINT32) == 4);
static_assert(sizeof(GUID) == 16 && alignof(GUID) == 4);
static_assert(offsetof(GUID, Data1) == 0 && offsetof(GUID, Data2) == 4 &&
              offsetof(GUID, Data3) == 6 && offsetof(GUID, Data4) == 8);
static_assert(sizeof(FILETIME) == 8 && offsetof(FILETIME, dwHighDateTime) == 4);
static_assert(sizeof(IsolationState) == 4 && sizeof(ExtendedIsolationState) == 4 &&
              sizeof(FailureCategory) == 4 && sizeof(FixupState) == 4 &&
              sizeof(NapNotifyType) == 4 && sizeof(SoHAttributeType) == 4);

// ---- the §2.4 layout table (64-bit) ------------------------------------------------------------

static_assert(sizeof(void*) == 8, "the layout table is for 64-bit targets");
static_assert(std::is_standard_layout_v<NapComponentRegistrationInfo>);

static_assert(sizeof(CountedString) == 16);
static_assert(offsetof(CountedString, length) == 0 && offsetof(CountedString, string) == 8);

static_assert(sizeof(IsolationInfo) == 32);
static_assert(offsetof(IsolationInfo, isolationState) == 0 &&
              offsetof(IsolationInfo, probEndTime) == 4 &&
              offsetof(IsolationInfo, failureUrl) == 16);

static_assert(sizeof(IsolationInfoEx) == 32);
static_assert(offsetof(IsolationInfoEx, isolationState) == 0 &&
              offsetof(IsolationInfoEx, extendedIsolationState) == 4 &&
              offsetof(IsolationInfoEx, probEndTime) == 8 &&
              offsetof(IsolationInfoEx, failureUrl) == 16);

static_assert(sizeof(FailureCategoryMapping) == 20);

static_assert(sizeof(CorrelationId) == 24);
static_assert(offsetof(CorrelationId, connId) == 0 && offsetof(CorrelationId, timeStamp) == 16);

static_assert(sizeof(ResultCodes) == 16);
static_assert(offsetof(ResultCodes, count) == 0 && offsetof(ResultCodes, results) == 8);

static_assert(sizeof(FixupInfo) == 32);
static_assert(offsetof(FixupInfo, state) == 0 && offsetof(FixupInfo, percentage) == 4 &&
              offsetof(FixupInfo, resultCodes) == 8 && offsetof(FixupInfo, fixupMsgId) == 24);

static_assert(sizeof(SystemHealthAgentState) == 64);
static_assert(offsetof(SystemHealthAgentState, id) == 0 &&
              offsetof(SystemHealthAgentState, shaResultCodes) == 8 &&
              offsetof(SystemHealthAgentState, failureCategory) == 24 &&
              offsetof(SystemHealthAgentState, fixupInfo) == 32);

static_assert(sizeof(SoHAttribute) == 16);
static_assert(offsetof(SoHAttribute, type) == 0 && offsetof(SoHAttribute, size) == 2 &&
              offsetof(SoHAttribute, value) == 8);

static_assert(sizeof(SoH) == 16 && offsetof(SoH, count) == 0 && offsetof(SoH, attributes) == 8);
static_assert(sizeof(NetworkSoH) == 16 && offsetof(NetworkSoH, size) == 0 &&
              offsetof(NetworkSoH, data) == 8);
static_assert(sizeof(PrivateData) == 16 && offsetof(PrivateData, size) == 0 &&
              offsetof(PrivateData, data) == 8);
static_assert(sizeof(Connections) == 16 && offsetof(Connections, count) == 0 &&
              offsetof(Connections, connections) == 8);
static_assert(std::is_same_v<SoHRequest, SoH> && std::is_same_v<SoHResponse, SoH>);
static_assert(std::is_same_v<NetworkSoHRequest, NetworkSoH> &&
              std::is_same_v<NetworkSoHResponse, NetworkSoH>);
static_assert(std::is_same_v<StringCorrelationId, CountedString>);
static_assert(std::is_same_v<ConnectionId, GUID> && std::is_same_v<ProbationTime, FILETIME>);

static_assert(sizeof(NapComponentRegistrationInfo) == 120);
static_assert(offsetof(NapComponentRegistrationInfo, id) == 0 &&
              offsetof(NapComponentRegistrationInfo, friendlyName) == 8 &&
              offsetof(NapComponentRegistrationInfo, description) == 24 &&
              offsetof(NapComponentRegistrationInfo, version) == 40 &&
              offsetof(NapComponentRegistrationInfo, vendorName) == 56 &&
              offsetof(NapComponentRegistrationInfo, infoClsid) == 72 &&
              offsetof(NapComponentRegistrationInfo, configClsid) == 88 &&
              offsetof(NapComponentRegistrationInfo, registrationDate) == 104 &&
              offsetof(NapComponentRegistrationInfo, componentType) == 112);

static_assert(sizeof(SoHAttributeValue) == 16);
static_assert(sizeof(Ipv4Address) == 4 && sizeof(Ipv6Address) == 16);

// IUnknown's three slots come first in every interface's vtable, in this order.
static_assert(std::is_abstract_v<IUnknown> && std::is_polymorphic_v<IUnknown>);
static_assert(sizeof(IUnknown) == sizeof(void*));
static_assert(std::is_base_of_v<INapEnforcementClientConnection, INapEnforcementClientConnection2>);
static_assert(std::is_base_of_v<INapSystemHealthAgentBinding, INapSystemHealthAgentBinding2>);
static_assert(std::is_base_of_v<INapClientManagement, INapClientManagement2>);

// ---- constants ---------------------------------------------------------------------------------

TEST(WinTypes, NapTypesConstants) {
    EXPECT_EQ(freshSoHRequest, 0x1);
    EXPECT_EQ(shaFixup, 0x1);
    EXPECT_EQ(percentageNotSupported, 101);
    EXPECT_EQ(maxSoHAttributeCount, 100);
    EXPECT_EQ(maxSoHAttributeSize, 4000);
    EXPECT_EQ(minNetworkSoHSize, 12);
    EXPECT_EQ(maxNetworkSoHSize, 4000);
    EXPECT_EQ(maxDwordCountPerSoHAttribute, 1000);
    EXPECT_EQ(maxIpv4CountPerSoHAttribute, 1000);
    EXPECT_EQ(maxIpv6CountPerSoHAttribute, 250);
    EXPECT_EQ(maxStringLength, 1024);
    EXPECT_EQ(maxStringLengthInBytes, 2050);
    EXPECT_EQ(maxSystemHealthEntityCount, 20);
    EXPECT_EQ(maxEnforcerCount, 20);
    EXPECT_EQ(maxPrivateDataSize, 200);
    EXPECT_EQ(maxConnectionCountPerEnforcer, 20);
    EXPECT_EQ(maxCachedSoHCount, 8000);
    EXPECT_EQ(failureCategoryCount, 5);
    EXPECT_EQ(ComponentTypeEnforcementClientSoH, 0x1u);
    EXPECT_EQ(ComponentTypeEnforcementClientRp, 0x2u);
    EXPECT_EQ(defaultProtocolMaxSize, 4000u);
    EXPECT_EQ(minProtocolMaxSize, 300u);
    EXPECT_EQ(maxProtocolMaxSize, 0xFFFFu);

    // The same values as opennap's C++ constants.
    EXPECT_EQ(maxSoHAttributeCount, opennap::maxSoHAttributeCount);
    EXPECT_EQ(maxCachedSoHCount, opennap::maxCachedSoHCount);
    EXPECT_EQ(maxStringLengthInBytes, opennap::maxStringLengthInBytes);
    EXPECT_EQ(minProtocolMaxSize, opennap::minProtocolMaxSize);
}

TEST(WinTypes, Enumerations) {
    EXPECT_EQ(isolationStateNotRestricted, 1);
    EXPECT_EQ(isolationStateInProbation, 2);
    EXPECT_EQ(isolationStateRestrictedAccess, 3);
    EXPECT_EQ(extendedIsolationStateNoData, 0);
    EXPECT_EQ(extendedIsolationStateTransition, 1);
    EXPECT_EQ(extendedIsolationStateInfected, 2);
    EXPECT_EQ(extendedIsolationStateUnknown, 3);
    EXPECT_EQ(tracingLevelUndefined, 0);
    EXPECT_EQ(tracingLevelBasic, 1);
    EXPECT_EQ(tracingLevelAdvanced, 2);
    EXPECT_EQ(tracingLevelDebug, 3);
    EXPECT_EQ(failureCategoryNone, 0);
    EXPECT_EQ(failureCategoryOther, 1);
    EXPECT_EQ(failureCategoryClientComponent, 2);
    EXPECT_EQ(failureCategoryClientCommunication, 3);
    EXPECT_EQ(failureCategoryServerComponent, 4);
    EXPECT_EQ(failureCategoryServerCommunication, 5);
    EXPECT_EQ(fixupStateSuccess, 0);
    EXPECT_EQ(fixupStateInProgress, 1);
    EXPECT_EQ(fixupStateCouldNotUpdate, 2);
    EXPECT_EQ(napNotifyTypeUnknown, 0);
    EXPECT_EQ(napNotifyTypeServiceState, 1);
    EXPECT_EQ(napNotifyTypeQuarState, 2);
    EXPECT_EQ(remoteConfigTypeMachine, 1);
    EXPECT_EQ(remoteConfigTypeConfigBlob, 2);

    EXPECT_EQ(sohAttributeTypeSystemHealthId, 2);
    EXPECT_EQ(sohAttributeTypeIpv4FixupServers, 3);
    EXPECT_EQ(sohAttributeTypeComplianceResultCodes, 4);
    EXPECT_EQ(sohAttributeTypeTimeOfLastUpdate, 5);
    EXPECT_EQ(sohAttributeTypeClientId, 6);
    EXPECT_EQ(sohAttributeTypeVendorSpecific, 7);
    EXPECT_EQ(sohAttributeTypeHealthClass, 8);
    EXPECT_EQ(sohAttributeTypeSoftwareVersion, 9);
    EXPECT_EQ(sohAttributeTypeProductName, 10);
    EXPECT_EQ(sohAttributeTypeHealthClassStatus, 11);
    EXPECT_EQ(sohAttributeTypeSoHGenerationTime, 12);
    EXPECT_EQ(sohAttributeTypeErrorCodes, 13);
    EXPECT_EQ(sohAttributeTypeFailureCategory, 14);
    EXPECT_EQ(sohAttributeTypeIpv6FixupServers, 15);
    EXPECT_EQ(sohAttributeTypeExtendedIsolationState, 16);
    EXPECT_EQ(healthClassFirewall, 0);
    EXPECT_EQ(healthClassPatchLevel, 1);
    EXPECT_EQ(healthClassAntiVirus, 2);
    EXPECT_EQ(healthClassCriticalUpdate, 3);
    EXPECT_EQ(healthClassReserved, 128);

    // The C enums agree with opennap's scoped enums.
    EXPECT_EQ(static_cast<unsigned>(isolationStateInProbation),
              static_cast<unsigned>(opennap::IsolationState::InProbation));
    EXPECT_EQ(static_cast<unsigned>(sohAttributeTypeExtendedIsolationState),
              static_cast<unsigned>(opennap::SoHAttributeType::ExtendedIsolationState));
}

TEST(WinTypes, VendorIds) {
    EXPECT_EQ(MicrosoftVendorId, 0x137u);
    EXPECT_EQ(NapSystemId, 0x00013700u);
    EXPECT_EQ(NapDhcpEnforcementId, 0x00013701u);
    EXPECT_EQ(NapRasEnforcementId, 0x00013702u);
    EXPECT_EQ(NapIpsecEnforcementId, 0x00013703u);
    EXPECT_EQ(Nap8021xEnforcementId, 0x00013704u);
    EXPECT_EQ(NapAnywhereAccessEnforcementId, 0x00013705u);
    EXPECT_EQ(NapIsaEnforcementId, 0x00013706u);
    EXPECT_EQ(NapEapEnforcementId, 0x00013707u);
    EXPECT_EQ(NapOutOfBoxSystemHealthId, 0x00013780u);
    EXPECT_EQ(NapSmsSystemHealthId, 0x00013781u);
    EXPECT_EQ(NapFCSv1SystemHealthId, 0x00013782u);
    EXPECT_EQ(NapFCSv2SystemHealthId, 0x00013783u);
    EXPECT_EQ(NapTpmSystemHealthId, 0x00013784u);
    EXPECT_EQ(NapTpmSystemHealthId, opennap::NapTpmSystemHealthId);
}

TEST(WinTypes, ErrorCodes) {
    EXPECT_EQ(static_cast<std::uint32_t>(NAP_E_INVALID_PACKET), 0x80270001u);
    EXPECT_EQ(static_cast<std::uint32_t>(NAP_E_MISSING_SOH), 0x80270002u);
    EXPECT_EQ(static_cast<std::uint32_t>(NAP_E_CONFLICTING_ID), 0x80270003u);
    EXPECT_EQ(static_cast<std::uint32_t>(NAP_E_NO_CACHED_SOH), 0x80270004u);
    EXPECT_EQ(static_cast<std::uint32_t>(NAP_E_STILL_BOUND), 0x80270005u);
    EXPECT_EQ(static_cast<std::uint32_t>(NAP_E_NOT_REGISTERED), 0x80270006u);
    EXPECT_EQ(static_cast<std::uint32_t>(NAP_E_NOT_INITIALIZED), 0x80270007u);
    EXPECT_EQ(static_cast<std::uint32_t>(NAP_E_MISMATCHED_ID), 0x80270008u);
    EXPECT_EQ(static_cast<std::uint32_t>(NAP_E_NOT_PENDING), 0x80270009u);
    EXPECT_EQ(static_cast<std::uint32_t>(NAP_E_ID_NOT_FOUND), 0x8027000Au);
    EXPECT_EQ(static_cast<std::uint32_t>(NAP_E_MAXSIZE_TOO_SMALL), 0x8027000Bu);
    EXPECT_EQ(static_cast<std::uint32_t>(NAP_E_SERVICE_NOT_RUNNING), 0x8027000Cu);
    EXPECT_EQ(static_cast<std::uint32_t>(NAP_S_CERT_ALREADY_PRESENT), 0x0027000Du);
    EXPECT_EQ(static_cast<std::uint32_t>(NAP_E_ENTITY_DISABLED), 0x8027000Eu);
    EXPECT_EQ(static_cast<std::uint32_t>(NAP_E_NETSH_GROUPPOLICY_ERROR), 0x8027000Fu);
    EXPECT_EQ(static_cast<std::uint32_t>(NAP_E_TOO_MANY_CALLS), 0x80270010u);
    EXPECT_EQ(static_cast<std::uint32_t>(NAP_E_SHV_CONFIG_EXISTED), 0x80270011u);
    EXPECT_EQ(static_cast<std::uint32_t>(NAP_E_SHV_CONFIG_NOT_FOUND), 0x80270012u);
    EXPECT_EQ(static_cast<std::uint32_t>(NAP_E_SHV_TIMEOUT), 0x80270013u);
    EXPECT_TRUE(SUCCEEDED(NAP_S_CERT_ALREADY_PRESENT));
    EXPECT_TRUE(FAILED(NAP_E_SHV_TIMEOUT));

    EXPECT_EQ(S_OK, 0);
    EXPECT_EQ(S_FALSE, 1);
    EXPECT_EQ(static_cast<std::uint32_t>(E_NOTIMPL), 0x80004001u);
    EXPECT_EQ(static_cast<std::uint32_t>(E_NOINTERFACE), 0x80004002u);
    EXPECT_EQ(static_cast<std::uint32_t>(E_POINTER), 0x80004003u);
    EXPECT_EQ(static_cast<std::uint32_t>(E_FAIL), 0x80004005u);
    EXPECT_EQ(static_cast<std::uint32_t>(E_PENDING), 0x8000000Au);
    EXPECT_EQ(static_cast<std::uint32_t>(E_UNEXPECTED), 0x8000FFFFu);
    EXPECT_EQ(static_cast<std::uint32_t>(E_ACCESSDENIED), 0x80070005u);
    EXPECT_EQ(static_cast<std::uint32_t>(E_OUTOFMEMORY), 0x8007000Eu);
    EXPECT_EQ(static_cast<std::uint32_t>(E_INVALIDARG), 0x80070057u);
    EXPECT_EQ(static_cast<std::uint32_t>(RPC_E_DISCONNECTED), 0x80010108u);
    EXPECT_EQ(static_cast<std::uint32_t>(CLASS_E_NOAGGREGATION), 0x80040110u);
    EXPECT_EQ(static_cast<std::uint32_t>(REGDB_E_CLASSNOTREG), 0x80040154u);

    EXPECT_EQ(ERROR_FILE_NOT_FOUND, 2);
    EXPECT_EQ(ERROR_ALREADY_INITIALIZED, 1247);
    EXPECT_EQ(RPC_S_SERVER_UNAVAILABLE, 1722);
    EXPECT_EQ(static_cast<std::uint32_t>(HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED)),
              0x800704DFu);
    EXPECT_EQ(static_cast<std::uint32_t>(HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE)),
              0x800706BAu);
    EXPECT_EQ(static_cast<std::uint32_t>(HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)), 0x80070002u);
    EXPECT_EQ(HRESULT_FROM_WIN32(0), S_OK);
    EXPECT_EQ(HRESULT_FROM_WIN32(static_cast<DWORD>(E_FAIL)), E_FAIL);  // already an HRESULT
    EXPECT_EQ(HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED),
              opennap::hr::ERROR_ALREADY_INITIALIZED.value());
}

TEST(WinTypes, HresultMacros) {
    // The SDK sample's vendor code in FACILITY_NAP.
    constexpr HRESULT quar_e_notpatched = MAKE_HRESULT(SEVERITY_ERROR, FACILITY_NAP, 0x50);
    EXPECT_EQ(static_cast<std::uint32_t>(quar_e_notpatched), 0x80270050u);
    EXPECT_EQ(HRESULT_CODE(quar_e_notpatched), 0x50);
    EXPECT_EQ(HRESULT_FACILITY(quar_e_notpatched), 0x27);
    EXPECT_EQ(HRESULT_SEVERITY(quar_e_notpatched), 1);
    EXPECT_TRUE(IS_ERROR(quar_e_notpatched));
    EXPECT_FALSE(IS_ERROR(S_FALSE));
    EXPECT_TRUE(SUCCEEDED(S_FALSE));
    EXPECT_FALSE(FAILED(S_OK));
    EXPECT_TRUE(FAILED(E_POINTER));
    EXPECT_EQ(MAKE_HRESULT(SEVERITY_SUCCESS, FACILITY_NAP, 0xD), NAP_S_CERT_ALREADY_PRESENT);
}

// ---- GUIDs -------------------------------------------------------------------------------------

GUID parse(const char* text) {
    const auto g = opennap::Guid::parse(text);
    EXPECT_TRUE(g.has_value()) << text;
    GUID r{};
    if (g) {
        r.Data1 = g->data1;
        r.Data2 = g->data2;
        r.Data3 = g->data3;
        for (int i = 0; i < 8; ++i)
            r.Data4[i] = g->data4[static_cast<std::size_t>(i)];
    }
    return r;
}

TEST(WinTypes, InterfaceAndClassIds) {
    // nap-api.md §9.
    EXPECT_EQ(IID_IUnknown, parse("00000000-0000-0000-C000-000000000046"));
    EXPECT_EQ(IID_INapEnforcementClientBinding, parse("92B93223-7487-42D9-9A91-5B8507720384"));
    EXPECT_EQ(IID_INapEnforcementClientCallback, parse("F5A0B90A-83A1-4F76-BA3F-025418682814"));
    EXPECT_EQ(IID_INapEnforcementClientConnection, parse("FB3A3505-DDB1-468A-B307-F328A57419D8"));
    EXPECT_EQ(IID_INapEnforcementClientConnection2, parse("BD244906-70DD-4690-BEEA-648653393500"));
    EXPECT_EQ(IID_INapSystemHealthAgentBinding, parse("A6894F43-9CC7-44C9-A23F-19DBF36BAD28"));
    EXPECT_EQ(IID_INapSystemHealthAgentBinding2, parse("1140C38E-5100-4EA1-8D43-87D326724028"));
    EXPECT_EQ(IID_INapSystemHealthAgentCallback, parse("F1072A57-214F-4EE2-8377-14EF140CD9F3"));
    EXPECT_EQ(IID_AsyncINapSystemHealthAgentCallback,
              parse("860D8FD9-0219-43EA-AE7F-59611F4CC16A"));
    EXPECT_EQ(IID_INapSystemHealthAgentRequest, parse("5B360A69-212D-440D-B398-7EEFD497853A"));
    EXPECT_EQ(IID_INapClientManagement, parse("432A1DA5-3888-4B9A-A734-CFF1E448C5B9"));
    EXPECT_EQ(IID_INapClientManagement2, parse("07A1127B-18CC-422A-B988-E892600FCC74"));
    EXPECT_EQ(IID_INapSoHConstructor, parse("35298344-96A6-45E7-9B6B-62ECC6E09920"));
    EXPECT_EQ(IID_INapSoHProcessor, parse("FB2FA8B0-2CD5-457D-ABA8-4376F63EA1C0"));

    EXPECT_EQ(CLSID_NapEnforcementClientBinding, parse("9443B89B-6564-496A-B19C-6C6D22709045"));
    EXPECT_EQ(CLSID_NapSystemHealthAgentBinding, parse("8E594310-16CA-4A00-932F-F70969F990C0"));
    EXPECT_EQ(CLSID_NapClientManagement, parse("EB082BA1-DF8A-46BE-82F3-35BF9E9BE52F"));
    EXPECT_EQ(CLSID_NapSoHConstructor, parse("E8140D53-6535-46A5-B8A1-DA6C571DA9B9"));
    EXPECT_EQ(CLSID_NapSoHProcessor, parse("AA160628-8775-46E3-837C-F7A2AE66E2F5"));
}

TEST(WinTypes, GuidComparison) {
    EXPECT_TRUE(IsEqualIID(IID_INapSoHProcessor, IID_INapSoHProcessor));
    EXPECT_FALSE(IsEqualGUID(IID_INapSoHProcessor, IID_INapSoHConstructor));
    EXPECT_TRUE(IsEqualCLSID(GUID_NULL, GUID{}));
    EXPECT_NE(IID_IUnknown, GUID_NULL);
    GUID g = IID_IUnknown;
    g.Data4[7] = 0x47;
    EXPECT_NE(g, IID_IUnknown);
}

DEFINE_GUID(kDefined, 0xfab24754, 0x440, 0x439b, 0xa2, 0x23, 0xb1, 0xd3, 0x60, 0x6, 0x2d, 0x00);

TEST(WinTypes, DefineGuid) {
    const GUID literal = {0xfab24754, 0x440, 0x439b, {0xa2, 0x23, 0xb1, 0xd3, 0x60, 0x6, 0x2d, 0}};
    EXPECT_EQ(kDefined, literal);
}

// ---- runtime basics ----------------------------------------------------------------------------

TEST(WinRuntime, CoTaskMem) {
    void* p = CoTaskMemAlloc(0);
    ASSERT_NE(p, nullptr);
    p = CoTaskMemRealloc(p, 64);
    ASSERT_NE(p, nullptr);
    ZeroMemory(p, 64);
    EXPECT_EQ(static_cast<unsigned char*>(p)[63], 0);
    CoTaskMemFree(p);
    CoTaskMemFree(nullptr);
    EXPECT_EQ(CoInitializeEx(nullptr, COINIT_MULTITHREADED), S_OK);
    EXPECT_EQ(CoInitialize(nullptr), S_OK);
    CoUninitialize();
    CoUninitialize();
}

TEST(WinRuntime, CreationErrors) {
    void* p = reinterpret_cast<void*>(1);
    EXPECT_EQ(NapCreateInstance(GUID_NULL, IID_IUnknown, &p), REGDB_E_CLASSNOTREG);
    EXPECT_EQ(p, nullptr);
    EXPECT_EQ(NapCreateInstance(CLSID_NapSoHProcessor, IID_IUnknown, nullptr), E_POINTER);
    EXPECT_EQ(NapCreateInstance(CLSID_NapSoHProcessor, IID_INapSoHConstructor, &p), E_NOINTERFACE);
    EXPECT_EQ(p, nullptr);
}

TEST(WinRuntime, CoCreateInstance) {
    INapSoHConstructor* c = nullptr;
    EXPECT_EQ(CoCreateInstance(CLSID_NapSoHConstructor, nullptr, CLSCTX_LOCAL_SERVER,
                               IID_INapSoHConstructor, reinterpret_cast<void**>(&c)),
              REGDB_E_CLASSNOTREG);
    EXPECT_EQ(c, nullptr);
    ASSERT_EQ(CoCreateInstance(CLSID_NapSoHConstructor, nullptr, CLSCTX_INPROC_SERVER,
                               IID_INapSoHConstructor, reinterpret_cast<void**>(&c)),
              S_OK);
    ASSERT_NE(c, nullptr);

    // Aggregation is refused.
    IUnknown* outer = c;
    INapSoHConstructor* inner = nullptr;
    EXPECT_EQ(CoCreateInstance(CLSID_NapSoHConstructor, outer, CLSCTX_ALL, IID_INapSoHConstructor,
                               reinterpret_cast<void**>(&inner)),
              CLASS_E_NOAGGREGATION);
    EXPECT_EQ(inner, nullptr);
    EXPECT_EQ(c->Release(), 0u);
}

}  // namespace
