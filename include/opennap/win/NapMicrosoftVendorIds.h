// NapMicrosoftVendorIds.h for Linux: Microsoft's NAP component IDs (nap-api.md §3.4). Reserved:
// never reuse them for third-party SHAs, SHVs or enforcement clients.
#pragma once

#include "NapTypes.h"

inline constexpr UINT32 MicrosoftVendorId = 0x137;
inline constexpr NapComponentId NapSystemId = 0x00013700;
inline constexpr NapComponentId NapDhcpEnforcementId = 0x00013701;
inline constexpr NapComponentId NapRasEnforcementId = 0x00013702;
inline constexpr NapComponentId NapIpsecEnforcementId = 0x00013703;
inline constexpr NapComponentId Nap8021xEnforcementId = 0x00013704;
inline constexpr NapComponentId NapAnywhereAccessEnforcementId = 0x00013705;
inline constexpr NapComponentId NapIsaEnforcementId = 0x00013706;
inline constexpr NapComponentId NapEapEnforcementId = 0x00013707;
inline constexpr NapComponentId NapOutOfBoxSystemHealthId = 0x00013780;
inline constexpr NapComponentId NapSmsSystemHealthId = 0x00013781;
inline constexpr NapComponentId NapFCSv1SystemHealthId = 0x00013782;
inline constexpr NapComponentId NapFCSv2SystemHealthId = 0x00013783;
inline constexpr NapComponentId NapTpmSystemHealthId = 0x00013784;
