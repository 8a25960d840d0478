// What the host needs from a client's request to validate it: the SoHs of the client's SSoH, one
// per SoHReportEntry, and the request metadata the SHVs see (correlation id, machine name).
// from() takes them out of a decoded SSoH; the caller may override any field (e.g. the machine
// name from RADIUS MS-Machine-Name, the correlation id from MS-RAS-Correlation-ID).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "opennap/core/ids.h"
#include "opennap/core/nap_structs.h"
#include "opennap/soh/message.h"

namespace opennap::server {

// One SHA's SoH as the client sent it.
struct ClientSoH {
    SystemHealthEntityId id = 0;
    std::shared_ptr<const SoH> soh;  // System-Health-ID first, then the entry's TLVs in order
    bool system_generated = false;   // listed in the SSoH's MS-SystemGenerated-Ids
};

// The INapComponentConfig3 configuration that applies to one SHV (GetConfigID).
struct ConfigSelection {
    SystemHealthEntityId id = 0;
    std::uint32_t config_id = 0;
};

struct ValidationInput {
    CorrelationId correlation_id;
    std::u16string machine_name;
    // False when the client sent no SSoH at all (not NAP-capable): every SHV gets a null SoH.
    bool soh_present = true;
    std::vector<ClientSoH> sohs;              // wire order
    std::vector<ConfigSelection> config_ids;  // SHVs not listed get configuration 0
    PrivateData private_data;                 // initial private data of every request

    // From a decoded SSoH: the correlation id of the mode sub-header, else of MS-CorrelationId,
    // else nil; MS-MachineName (trailing NULs dropped, UTF-8 -> UTF-16); one ClientSoH per
    // report entry, flagged system-generated when its id is in MS-SystemGenerated-Ids.
    // Allocates (the SoHs are copied out of the caller's buffer).
    [[nodiscard]] static ValidationInput from(const soh::MessageView& ssoh);
    [[nodiscard]] static ValidationInput from(const soh::Message& ssoh);
    // A client that sent no SSoH.
    [[nodiscard]] static ValidationInput without_soh(const CorrelationId& correlation_id,
                                                     std::u16string machine_name = {});
};

}  // namespace opennap::server
