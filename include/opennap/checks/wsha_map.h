// From the security-center measurements to the Windows Security Health Agent entry
// (soh/wsha.h, [MS-WSH] 2.2.2): the SoH report entry an SHA built on these checks sends, so that
// validators written for Windows clients (OpenNAP's WSHV, NPS) can judge a Linux machine.
//
// Per class (CHOSEN where [MS-WSH] has no Linux meaning; docs/checks.md):
//   firewall      Error -> nameless 0xC0FF0003 (WSC service down: a client-component failure);
//                 else the product (FirewallDetails::product: "nftables", "ufw", ...) with
//                 status Enabled (0x1) on Pass, 0x0 (not enabled) on Fail.
//   antivirus,    Error -> nameless 0xC0FF0003; NotApplicable or nothing installed -> nameless
//   antispyware   0xC0FF0002 (product not installed); else one Product-Name + status per
//                 installed product measured without error: Enabled (0x1) if its daemon runs,
//                 UpToDate (0x2) if its signatures are within the age limit. Never the
//                 Microsoft (0x4) or Snoozed (0x8) bits.
//   automatic     Error -> 0xC0FF0003; else the AutoUpdates level (1..5), no policy bit.
//   updates
//   security      Error -> 0xC0FF000F (WUA communication failure); reboot pending ->
//   updates       0xC0FF0010 (no TLVs 17-19); else 0x00FF0006 when security updates are
//                 pending, 0x00FF0005 when none, with TLVs 17-19: seconds since the last
//                 package-list update (0xFFFFFFFF when never, saturated), the WSUS server name
//                 (`wsus_server`, "" = not enlisted), and UpdatesFlag = the update source bit
//                 (`update_source`; APT from the distribution's archive reads as Windows Update,
//                 the vendor's own service, by default) | Important (0x200) when security
//                 updates are pending (Debian does not rate packages; a security-archive update
//                 is taken as Important).
#pragma once

#include <cstdint>
#include <string>

#include "opennap/checks/antivirus.h"
#include "opennap/checks/automatic_updates.h"
#include "opennap/checks/firewall.h"
#include "opennap/checks/result.h"
#include "opennap/checks/security_updates.h"
#include "opennap/soh/wsha.h"

namespace opennap::checks {

struct WshaMapOptions {
    std::uint32_t counter = 0;  // the Flag TLV (2.2.5): the SHA increments it per new SoH
    std::uint32_t client_version = soh::wsha::client_version::kWindowsVistaSp1;
    std::uint32_t update_source = soh::wsha::updates_flag::kSourceWindowsUpdate;
    std::string wsus_server;
    friend bool operator==(const WshaMapOptions&, const WshaMapOptions&) = default;
};

[[nodiscard]] soh::wsha::ClassStatus firewall_class(const Measurement<FirewallDetails>& m);
// cls: Antivirus or Antispyware.
[[nodiscard]] soh::wsha::ClassStatus product_class(soh::wsha::HealthClass cls,
                                                   const Measurement<AntivirusDetails>& m);
[[nodiscard]] soh::wsha::ClassStatus automatic_updates_class(
    const Measurement<AutoUpdatesDetails>& m);
[[nodiscard]] soh::wsha::ClassStatus security_updates_class(
    const Measurement<SecurityUpdatesDetails>& m);
// TLVs 17-19, present iff the security-updates status is 0x00FF0005 / 0x00FF0006.
[[nodiscard]] std::optional<soh::wsha::UpdateDetails> update_details(
    const Measurement<SecurityUpdatesDetails>& m, const WshaMapOptions& opt);

[[nodiscard]] soh::wsha::SohEntry to_wsha_entry(const Measurement<FirewallDetails>& firewall,
                                                const Measurement<AntivirusDetails>& antivirus,
                                                const Measurement<AntivirusDetails>& antispyware,
                                                const Measurement<AutoUpdatesDetails>& automatic,
                                                const Measurement<SecurityUpdatesDetails>& security,
                                                const WshaMapOptions& opt = {});

}  // namespace opennap::checks
