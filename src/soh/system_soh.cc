#include "opennap/soh/system_soh.h"

#include <cstring>

namespace opennap::soh {

const char* ms_type_name(std::uint8_t type) noexcept {
    switch (type) {
        case ms_type::kMachineInventory:
            return "MS-Machine-Inventory";
        case ms_type::kQuarantineState:
            return "MS-Quarantine-State";
        case ms_type::kPacketInfo:
            return "MS-Packet-Info";
        case ms_type::kSystemGeneratedIds:
            return "MS-SystemGenerated-Ids";
        case ms_type::kMachineName:
            return "MS-MachineName";
        case ms_type::kCorrelationId:
            return "MS-CorrelationId";
        case ms_type::kInstalledShvs:
            return "MS-Installed-Shvs";
        case ms_type::kMachineInventoryEx:
            return "MS-Machine-Inventory-Ex";
        default:
            return nullptr;
    }
}

namespace {

constexpr std::size_t kInventorySize = 18;
constexpr std::size_t kQuarantineFixed = 12;  // flags 2 + probation 8 + url length 2
constexpr std::size_t kInventoryExSize = 5;

// One step of the MS walk: the attribute at `pos` (type byte included) and its value bytes.
struct MsItem {
    std::uint8_t type;
    std::size_t offset;  // absolute offset of the type byte
    Bytes value;         // the bytes after the type byte
};

// Walks `block`, calling on_item(const MsItem&) for each decodable attribute. Returns the
// position at which an unknown type stopped the walk (== block.size() when complete).
template <typename OnItem>
Result<std::size_t> walk(Bytes block, std::size_t base, const Limits& limits, OnItem&& on_item) {
    std::size_t pos = 0;
    const std::size_t n = block.size();
    auto need = [&](std::size_t at, std::size_t want, std::uint8_t type,
                    Errc code) -> std::optional<DecodeError> {
        if (n - at < want) {
            return DecodeError{code,
                               Field::MsAttribute,
                               static_cast<std::uint32_t>(base + at),
                               0,
                               type,
                               static_cast<std::uint32_t>(want),
                               static_cast<std::uint32_t>(n - at)};
        }
        return std::nullopt;
    };
    while (pos < n) {
        const std::uint8_t type = block[pos];
        const std::size_t v = pos + 1;  // value start
        std::size_t size = 0;
        switch (type) {
            case ms_type::kMachineInventory:
                size = kInventorySize;
                break;
            case ms_type::kPacketInfo:
                size = 1;
                break;
            case ms_type::kCorrelationId:
                size = CorrelationId::kWireSize;
                break;
            case ms_type::kMachineInventoryEx:
                size = kInventoryExSize;
                break;
            case ms_type::kQuarantineState: {
                if (auto e = need(v, kQuarantineFixed, type, Errc::Truncated)) {
                    return std::unexpected(*e);
                }
                const std::size_t url_len = load_be16(block.data() + v + 10);
                if (url_len > limits.max_string_chars) {
                    return fail(Errc::LimitExceeded, Field::MsAttribute, base + v + 10,
                                static_cast<std::uint32_t>(url_len),
                                static_cast<std::uint32_t>(limits.max_string_chars), type, 0);
                }
                size = kQuarantineFixed + url_len;
                break;
            }
            case ms_type::kSystemGeneratedIds:
            case ms_type::kMachineName:
            case ms_type::kInstalledShvs: {
                if (auto e = need(v, 2, type, Errc::Truncated))
                    return std::unexpected(*e);
                const std::size_t len = load_be16(block.data() + v);
                if (type == ms_type::kMachineName) {
                    if (len > limits.max_string_chars) {
                        return fail(Errc::LimitExceeded, Field::MsAttribute, base + v,
                                    static_cast<std::uint32_t>(len),
                                    static_cast<std::uint32_t>(limits.max_string_chars), type, 0);
                    }
                } else if (len % 4 != 0) {
                    return fail(Errc::BadLength, Field::MsAttribute, base + v,
                                static_cast<std::uint32_t>(len), 0, type, 0);
                }
                size = 2 + len;
                break;
            }
            default:
                return pos;  // unknown: stop the walk here
        }
        if (n - v < size) {
            return fail(Errc::LengthOverrun, Field::MsAttribute, base + pos,
                        static_cast<std::uint32_t>(size), static_cast<std::uint32_t>(n - v), type,
                        0);
        }
        on_item(MsItem{type, base + pos, block.subspan(v, size)});
        pos = v + size;
    }
    return pos;
}

MachineInventory read_inventory(const std::uint8_t* p) noexcept {
    return MachineInventory{load_be32(p),      load_be32(p + 4),  load_be32(p + 8),
                            load_be16(p + 12), load_be16(p + 14), load_be16(p + 16)};
}

}  // namespace

Result<SystemSohView> decode_ms_attributes(Bytes block, std::size_t block_offset,
                                           const Limits& limits) noexcept {
    SystemSohView view;
    view.block = block;
    view.block_offset = static_cast<std::uint32_t>(block_offset);
    auto stop = walk(block, block_offset, limits, [&view](const MsItem& it) {
        ++view.count;
        const std::uint8_t* p = it.value.data();
        switch (it.type) {
            case ms_type::kMachineInventory:
                if (!view.machine_inventory)
                    view.machine_inventory = read_inventory(p);
                break;
            case ms_type::kQuarantineState:
                if (!view.quarantine_state) {
                    view.quarantine_state =
                        QuarantineStateView{load_be16(p), FileTime{load_be64(p + 2)},
                                            it.value.subspan(kQuarantineFixed)};
                }
                break;
            case ms_type::kPacketInfo:
                if (!view.packet_info)
                    view.packet_info = p[0];
                break;
            case ms_type::kSystemGeneratedIds:
                if (!view.system_generated_ids) {
                    view.system_generated_ids = PackedList<4>(it.value.subspan(2));
                }
                break;
            case ms_type::kMachineName:
                if (!view.machine_name)
                    view.machine_name = it.value.subspan(2);
                break;
            case ms_type::kCorrelationId:
                if (!view.correlation_id) {
                    view.correlation_id = it.value.first<CorrelationId::kWireSize>();
                }
                break;
            case ms_type::kInstalledShvs:
                if (!view.installed_shvs)
                    view.installed_shvs = PackedList<4>(it.value.subspan(2));
                break;
            case ms_type::kMachineInventoryEx:
                if (!view.machine_inventory_ex) {
                    view.machine_inventory_ex = MachineInventoryEx{load_be32(p), p[4]};
                }
                break;
            default:
                break;
        }
    });
    if (!stop)
        return std::unexpected(stop.error());
    if (*stop < block.size()) {
        view.partial = true;
        view.unknown_type = block[*stop];
        view.unknown_offset = static_cast<std::uint32_t>(block_offset + *stop);
        view.undecoded = block.subspan(*stop);
    }
    return view;
}

std::uint8_t ms_type_of(const MsAttribute& a) noexcept {
    return static_cast<std::uint8_t>(a.index() + 1);  // variant order == MS type numbers 1..8
}

void SystemAttributes::set(MsAttribute a) {
    for (auto& x : items) {
        if (x.index() == a.index()) {
            x = std::move(a);
            return;
        }
    }
    items.push_back(std::move(a));
}

namespace {
std::vector<std::uint32_t> ids_of(Bytes b) {
    std::vector<std::uint32_t> ids(b.size() / 4);
    for (std::size_t i = 0; i < ids.size(); ++i)
        ids[i] = load_be32(b.data() + i * 4);
    return ids;
}
}  // namespace

SystemAttributes SystemAttributes::from(const SystemSohView& view) {
    SystemAttributes out;
    // Limits are irrelevant here: the view was produced by a decode that enforced them.
    Limits unlimited{~std::size_t{0}, ~std::size_t{0}, ~std::size_t{0}, ~std::size_t{0}};
    auto stop = walk(view.block, view.block_offset, unlimited, [&out](const MsItem& it) {
        const std::uint8_t* p = it.value.data();
        switch (it.type) {
            case ms_type::kMachineInventory:
                out.items.emplace_back(read_inventory(p));
                break;
            case ms_type::kQuarantineState: {
                Bytes url = it.value.subspan(kQuarantineFixed);
                out.items.emplace_back(QuarantineState{
                    load_be16(p), FileTime{load_be64(p + 2)},
                    std::string(reinterpret_cast<const char*>(url.data()), url.size())});
                break;
            }
            case ms_type::kPacketInfo:
                out.items.emplace_back(PacketInfo{p[0]});
                break;
            case ms_type::kSystemGeneratedIds:
                out.items.emplace_back(SystemGeneratedIds{ids_of(it.value.subspan(2))});
                break;
            case ms_type::kMachineName: {
                Bytes name = it.value.subspan(2);
                out.items.emplace_back(MachineName{
                    std::string(reinterpret_cast<const char*>(name.data()), name.size())});
                break;
            }
            case ms_type::kCorrelationId: {
                MsCorrelationId c;
                std::memcpy(c.bytes.data(), p, c.bytes.size());
                out.items.emplace_back(c);
                break;
            }
            case ms_type::kInstalledShvs:
                out.items.emplace_back(InstalledShvs{ids_of(it.value.subspan(2))});
                break;
            case ms_type::kMachineInventoryEx:
                out.items.emplace_back(MachineInventoryEx{load_be32(p), p[4]});
                break;
            default:
                break;
        }
    });
    if (stop && *stop < view.block.size()) {
        auto tail = view.block.subspan(*stop);
        out.undecoded.assign(tail.begin(), tail.end());
    }
    return out;
}

namespace {

struct Encoder {
    std::vector<std::uint8_t>& out;

    void u8(std::uint8_t v) { out.push_back(v); }
    void u16(std::uint16_t v) { append_be16(out, v); }
    void u32(std::uint32_t v) { append_be32(out, v); }
    void u64(std::uint64_t v) { append_be64(out, v); }
    void bytes(const void* p, std::size_t n) {
        const auto* b = static_cast<const std::uint8_t*>(p);
        out.insert(out.end(), b, b + n);
    }
};

std::unexpected<DecodeError> too_long(std::uint8_t type, std::size_t at, std::size_t len) {
    return fail(Errc::LimitExceeded, Field::MsAttribute, at, static_cast<std::uint32_t>(len),
                0xFFFF, type, 0);
}

}  // namespace

Result<std::size_t> SystemAttributes::encode_to(std::vector<std::uint8_t>& out) const {
    const std::size_t start = out.size();
    Encoder e{out};
    for (const auto& a : items) {
        const std::uint8_t type = ms_type_of(a);
        const std::size_t at = out.size();
        e.u8(type);
        if (const auto* inv = std::get_if<MachineInventory>(&a)) {
            e.u32(inv->os_major);
            e.u32(inv->os_minor);
            e.u32(inv->os_build);
            e.u16(inv->sp_major);
            e.u16(inv->sp_minor);
            e.u16(inv->processor_arch);
        } else if (const auto* q = std::get_if<QuarantineState>(&a)) {
            if (q->url.size() > 0xFFFF)
                return too_long(type, at, q->url.size());
            e.u16(q->flags);
            e.u64(q->probation_time.ticks);
            e.u16(static_cast<std::uint16_t>(q->url.size()));
            e.bytes(q->url.data(), q->url.size());
        } else if (const auto* pi = std::get_if<PacketInfo>(&a)) {
            e.u8(pi->value);
        } else if (const auto* ids = std::get_if<SystemGeneratedIds>(&a)) {
            if (ids->ids.size() * 4 > 0xFFFF)
                return too_long(type, at, ids->ids.size() * 4);
            e.u16(static_cast<std::uint16_t>(ids->ids.size() * 4));
            for (auto id : ids->ids)
                e.u32(id);
        } else if (const auto* name = std::get_if<MachineName>(&a)) {
            if (name->bytes.size() > 0xFFFF)
                return too_long(type, at, name->bytes.size());
            e.u16(static_cast<std::uint16_t>(name->bytes.size()));
            e.bytes(name->bytes.data(), name->bytes.size());
        } else if (const auto* c = std::get_if<MsCorrelationId>(&a)) {
            e.bytes(c->bytes.data(), c->bytes.size());
        } else if (const auto* shvs = std::get_if<InstalledShvs>(&a)) {
            if (shvs->ids.size() * 4 > 0xFFFF)
                return too_long(type, at, shvs->ids.size() * 4);
            e.u16(static_cast<std::uint16_t>(shvs->ids.size() * 4));
            for (auto id : shvs->ids)
                e.u32(id);
        } else if (const auto* ex = std::get_if<MachineInventoryEx>(&a)) {
            e.u32(ex->reserved);
            e.u8(ex->product_type);
        }
    }
    e.bytes(undecoded.data(), undecoded.size());
    return out.size() - start;
}

}  // namespace opennap::soh
