// RADIUS attribute types and value enumerations OpenNAP names (docs/radius.md).
//
// Attr is an open enumeration over the whole type octet: every value 0-255 is a valid Attr, the
// named ones are those of RFC 2865 (base), RFC 2866 (accounting), RFC 2867 and RFC 2868 (tunnels),
// RFC 2869 (extensions: EAP-Message, Message-Authenticator, ...), RFC 3162 (IPv6), RFC 4372,
// RFC 4675 (VLANs) and RFC 5176 (Error-Cause). RFC 5997 (Status-Server) adds a code, no attribute.
//
// The Microsoft vendor-specific attributes (vendor 311, [MS-RNAP] 2.2.1) and their value enums
// are defined once, in the SoH codec's RADIUS framing (opennap/soh/radius.h); they are re-exported
// here under opennap::radius so that the RADIUS room has one dictionary to include. The values
// are the specification's (MS-Extended-Quarantine-State No-Data is 0, where FreeRADIUS's
// dictionary says 4).
#pragma once

#include <cstdint>
#include <string_view>

#include "opennap/soh/radius.h"

namespace opennap::radius {

enum class Attr : std::uint8_t {
    // RFC 2865
    UserName = 1,
    UserPassword = 2,
    ChapPassword = 3,
    NasIpAddress = 4,
    NasPort = 5,
    ServiceType = 6,
    FramedProtocol = 7,
    FramedIpAddress = 8,
    FramedIpNetmask = 9,
    FramedRouting = 10,
    FilterId = 11,
    FramedMtu = 12,
    FramedCompression = 13,
    LoginIpHost = 14,
    LoginService = 15,
    LoginTcpPort = 16,
    ReplyMessage = 18,
    CallbackNumber = 19,
    CallbackId = 20,
    FramedRoute = 22,
    FramedIpxNetwork = 23,
    State = 24,
    Class = 25,
    VendorSpecific = 26,
    SessionTimeout = 27,
    IdleTimeout = 28,
    TerminationAction = 29,
    CalledStationId = 30,
    CallingStationId = 31,
    NasIdentifier = 32,
    ProxyState = 33,
    LoginLatService = 34,
    LoginLatNode = 35,
    LoginLatGroup = 36,
    FramedAppleTalkLink = 37,
    FramedAppleTalkNetwork = 38,
    FramedAppleTalkZone = 39,
    // RFC 2866
    AcctStatusType = 40,
    AcctDelayTime = 41,
    AcctInputOctets = 42,
    AcctOutputOctets = 43,
    AcctSessionId = 44,
    AcctAuthentic = 45,
    AcctSessionTime = 46,
    AcctInputPackets = 47,
    AcctOutputPackets = 48,
    AcctTerminateCause = 49,
    AcctMultiSessionId = 50,
    AcctLinkCount = 51,
    // RFC 2869
    AcctInputGigawords = 52,
    AcctOutputGigawords = 53,
    EventTimestamp = 55,
    // RFC 4675
    EgressVlanId = 56,
    IngressFilters = 57,
    EgressVlanName = 58,
    UserPriorityTable = 59,
    // RFC 2865
    ChapChallenge = 60,
    NasPortType = 61,
    PortLimit = 62,
    LoginLatPort = 63,
    // RFC 2868
    TunnelType = 64,
    TunnelMediumType = 65,
    TunnelClientEndpoint = 66,
    TunnelServerEndpoint = 67,
    // RFC 2867
    AcctTunnelConnection = 68,
    // RFC 2868
    TunnelPassword = 69,
    // RFC 2869
    ArapPassword = 70,
    ArapFeatures = 71,
    ArapZoneAccess = 72,
    ArapSecurity = 73,
    ArapSecurityData = 74,
    PasswordRetry = 75,
    Prompt = 76,
    ConnectInfo = 77,
    ConfigurationToken = 78,
    EapMessage = 79,
    MessageAuthenticator = 80,
    // RFC 2868
    TunnelPrivateGroupId = 81,
    TunnelAssignmentId = 82,
    TunnelPreference = 83,
    // RFC 2869
    ArapChallengeResponse = 84,
    AcctInterimInterval = 85,
    // RFC 2867
    AcctTunnelPacketsLost = 86,
    // RFC 2869
    NasPortId = 87,
    FramedPool = 88,
    // RFC 4372
    ChargeableUserIdentity = 89,
    // RFC 2868
    TunnelClientAuthId = 90,
    TunnelServerAuthId = 91,
    // RFC 3162
    NasIpv6Address = 95,
    FramedInterfaceId = 96,
    FramedIpv6Prefix = 97,
    LoginIpv6Host = 98,
    FramedIpv6Route = 99,
    FramedIpv6Pool = 100,
    // RFC 5176
    ErrorCause = 101,
};

// The attribute's name as the RFCs spell it ("Message-Authenticator"); empty for unnamed types.
[[nodiscard]] std::string_view name(Attr type) noexcept;

// Service-Type values (RFC 2865 §5.6).
enum class ServiceType : std::uint32_t {
    Login = 1,
    Framed = 2,
    CallbackLogin = 3,
    CallbackFramed = 4,
    Outbound = 5,
    Administrative = 6,
    NasPrompt = 7,
    AuthenticateOnly = 8,
    CallbackNasPrompt = 9,
    CallCheck = 10,
    CallbackAdministrative = 11,
};

// Termination-Action values (RFC 2865 §5.29).
enum class TerminationAction : std::uint32_t { Default = 0, RadiusRequest = 1 };

// NAS-Port-Type values (RFC 2865 §5.41; 16-19 from RFC 2869 / the IANA registry).
enum class NasPortType : std::uint32_t {
    Async = 0,
    Sync = 1,
    IsdnSync = 2,
    IsdnAsyncV120 = 3,
    IsdnAsyncV110 = 4,
    Virtual = 5,
    Piafs = 6,
    HdlcClearChannel = 7,
    X25 = 8,
    X75 = 9,
    G3Fax = 10,
    Sdsl = 11,
    AdslCap = 12,
    AdslDmt = 13,
    Idsl = 14,
    Ethernet = 15,
    Xdsl = 16,
    Cable = 17,
    WirelessOther = 18,
    Wireless80211 = 19,
};

// Acct-Status-Type values (RFC 2866 §5.1; Interim-Update from RFC 2869 §2.1).
enum class AcctStatusType : std::uint32_t {
    Start = 1,
    Stop = 2,
    InterimUpdate = 3,
    AccountingOn = 7,
    AccountingOff = 8,
};

// Tunnel-Type values (RFC 2868 §3.1; VLAN from RFC 3580 §3.31).
enum class TunnelType : std::uint32_t {
    Pptp = 1,
    L2f = 2,
    L2tp = 3,
    Atmp = 4,
    Vtp = 5,
    Ah = 6,
    IpIp = 7,
    MinIpIp = 8,
    Esp = 9,
    Gre = 10,
    Dvs = 11,
    IpInIp = 12,
    Vlan = 13,
};

// Tunnel-Medium-Type values (RFC 2868 §3.2). Ieee802 covers all 802 media including Ethernet.
enum class TunnelMediumType : std::uint32_t {
    Ipv4 = 1,
    Ipv6 = 2,
    Nsap = 3,
    Hdlc = 4,
    Bbn1822 = 5,
    Ieee802 = 6,
    E163 = 7,
    E164 = 8,
    F69 = 9,
    X121 = 10,
    Ipx = 11,
    AppleTalk = 12,
    DecnetIv = 13,
    BanyanVines = 14,
    E164WithNsap = 15,
};

// ---- Microsoft (vendor 311) ------------------------------------------------------------------

inline constexpr std::uint32_t kVendorMicrosoft = soh::radius::kVendorMicrosoft;
using MsAttr = soh::radius::MsAttr;                    // [MS-RNAP] 2.2.1.x
using QuarantineState = soh::radius::QuarantineState;  // 0 full, 1 restricted, 2 probation
using ExtendedQuarantineState = soh::radius::ExtendedQuarantineState;  // 0 no data ... 3 unknown
using NasType = soh::radius::NasType;  // MS-Network-Access-Server-Type

// The MS-RNAP attribute's name ("MS-Quarantine-SoH"); empty for numbers MS-RNAP does not define.
[[nodiscard]] std::string_view name(MsAttr type) noexcept;

}  // namespace opennap::radius
