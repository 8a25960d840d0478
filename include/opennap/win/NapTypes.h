// NapTypes.h for Linux: the NAP constants, typedefs, enumerations and structures of the Windows
// SDK header with their C layouts (nap-api.md §3.1, §4, §5, §6.1). See docs/win-api.md.
//
// Constants are inline constexpr variables (the MIDL header has #defines) so that they coexist
// with the same names in namespace opennap. Enumerations are the SDK's unscoped C enums with a
// fixed 32-bit underlying type.
#pragma once

#include "napwindef.h"

// ---- constants (nap-api.md §3.1) ---------------------------------------------------------------

inline constexpr UINT8 freshSoHRequest = 0x1;
inline constexpr UINT8 shaFixup = 0x1;
inline constexpr UINT8 percentageNotSupported = 101;
inline constexpr UINT16 maxSoHAttributeCount = 100;
inline constexpr UINT16 maxSoHAttributeSize = 4000;
inline constexpr UINT16 minNetworkSoHSize = 12;
inline constexpr UINT16 maxNetworkSoHSize = 4000;
inline constexpr UINT16 maxDwordCountPerSoHAttribute = maxSoHAttributeSize / sizeof(DWORD);
inline constexpr UINT16 maxIpv4CountPerSoHAttribute = maxSoHAttributeSize / 4;
inline constexpr UINT16 maxIpv6CountPerSoHAttribute = maxSoHAttributeSize / 16;
inline constexpr UINT16 maxStringLength = 1024;
inline constexpr UINT16 maxStringLengthInBytes = (maxStringLength + 1) * sizeof(WCHAR);
inline constexpr UINT16 maxSystemHealthEntityCount = 20;
inline constexpr UINT16 maxEnforcerCount = 20;
inline constexpr UINT16 maxPrivateDataSize = 200;
inline constexpr UINT16 maxConnectionCountPerEnforcer = 20;
inline constexpr UINT16 maxCachedSoHCount =
    maxSystemHealthEntityCount * maxEnforcerCount * maxConnectionCountPerEnforcer;
inline constexpr UINT16 failureCategoryCount = 5;
inline constexpr UINT32 ComponentTypeEnforcementClientSoH = 0x1;
inline constexpr UINT32 ComponentTypeEnforcementClientRp = 0x2;

// ---- typedefs (nap-api.md §4) ------------------------------------------------------------------

typedef FILETIME ProbationTime;
typedef UINT32 NapComponentId;
typedef NapComponentId SystemHealthEntityId;
typedef NapComponentId EnforcementEntityId;
typedef UINT16 SystemHealthEntityCount;  // 0..maxSystemHealthEntityCount
typedef UINT16 EnforcementEntityCount;   // 0..maxEnforcerCount
typedef GUID ConnectionId;
typedef UINT8 Percentage;  // 0..100, or percentageNotSupported
typedef UINT32 MessageId;

// ---- enumerations (nap-api.md §5) --------------------------------------------------------------

typedef enum tagIsolationState : INT {
    isolationStateNotRestricted = 1,
    isolationStateInProbation = 2,
    isolationStateRestrictedAccess = 3,
} IsolationState;

typedef enum tagExtendedIsolationState : INT {
    extendedIsolationStateNoData = 0x0,
    extendedIsolationStateTransition = 0x1,
    extendedIsolationStateInfected = 0x2,
    extendedIsolationStateUnknown = 0x3,
} ExtendedIsolationState;

typedef enum tagNapTracingLevel : INT {
    tracingLevelUndefined = 0,
    tracingLevelBasic = 1,
    tracingLevelAdvanced = 2,
    tracingLevelDebug = 3,
} NapTracingLevel;

typedef enum tagFailureCategory : INT {
    failureCategoryNone = 0,
    failureCategoryOther = 1,
    failureCategoryClientComponent = 2,
    failureCategoryClientCommunication = 3,
    failureCategoryServerComponent = 4,
    failureCategoryServerCommunication = 5,
} FailureCategory;

typedef enum tagFixupState : INT {
    fixupStateSuccess = 0,
    fixupStateInProgress = 1,
    fixupStateCouldNotUpdate = 2,
} FixupState;

typedef enum tagNapNotifyType : INT {
    napNotifyTypeUnknown = 0,
    napNotifyTypeServiceState = 1,
    napNotifyTypeQuarState = 2,
} NapNotifyType;

typedef enum tagRemoteConfigurationType : INT {
    remoteConfigTypeMachine = 1,
    remoteConfigTypeConfigBlob = 2,
} RemoteConfigurationType;

// ---- structures (nap-api.md §6.1) --------------------------------------------------------------

// length: characters, excluding the terminating NUL (0..maxStringLength); string: length + 1
// UTF-16 code units, NUL-terminated.
typedef struct tagCountedString {
    UINT16 length;
    WCHAR* string;
} CountedString;
typedef CountedString StringCorrelationId;

typedef struct tagIsolationInfo {
    IsolationState isolationState;
    ProbationTime probEndTime;
    CountedString failureUrl;
} IsolationInfo;

typedef struct tagIsolationInfoEx {
    IsolationState isolationState;
    ExtendedIsolationState extendedIsolationState;
    ProbationTime probEndTime;
    CountedString failureUrl;
} IsolationInfoEx;

// Index 0 -> failureCategoryOther ... 4 -> failureCategoryServerCommunication.
typedef struct tagFailureCategoryMapping {
    BOOL mappingCompliance[failureCategoryCount];
} FailureCategoryMapping;

typedef struct tagCorrelationId {
    GUID connId;
    FILETIME timeStamp;
} CorrelationId;

// results: host byte order.
typedef struct tagResultCodes {
    UINT16 count;  // 0..maxDwordCountPerSoHAttribute
    HRESULT* results;
} ResultCodes;

typedef struct tagIpv4Address {
    BYTE addr[4];  // network byte order
} Ipv4Address;

typedef struct tagIpv6Address {
    BYTE addr[16];  // network byte order
} Ipv6Address;

typedef struct tagFixupInfo {
    FixupState state;
    Percentage percentage;
    ResultCodes resultCodes;
    MessageId fixupMsgId;
} FixupInfo;

typedef struct tagSystemHealthAgentState {
    SystemHealthEntityId id;
    ResultCodes shaResultCodes;
    FailureCategory failureCategory;
    FixupInfo fixupInfo;
} SystemHealthAgentState;

// type: a SoHAttributeType value; value: `size` bytes, the attribute value as it travels in the
// TLV (network byte order).
typedef struct tagSoHAttribute {
    UINT16 type;
    UINT16 size;  // 0..maxSoHAttributeSize
    BYTE* value;
} SoHAttribute;

typedef struct tagSoH {
    UINT16 count;  // 0..maxSoHAttributeCount
    SoHAttribute* attributes;
} SoH, SoHRequest, SoHResponse;

// The wire SoH, opaque to enforcement clients.
typedef struct tagNetworkSoH {
    UINT16 size;  // minNetworkSoHSize..maxNetworkSoHSize (0 is valid for a response)
    BYTE* data;
} NetworkSoH, NetworkSoHRequest, NetworkSoHResponse;

typedef struct tagPrivateData {
    UINT16 size;  // 0..maxPrivateDataSize
    BYTE* data;
} PrivateData;

typedef struct tagNapComponentRegistrationInfo {
    NapComponentId id;
    CountedString friendlyName;
    CountedString description;
    CountedString version;
    CountedString vendorName;
    CLSID infoClsid;
    CLSID configClsid;
    FILETIME registrationDate;  // ignored on registration, filled in when listed
    UINT32 componentType;
} NapComponentRegistrationInfo;
