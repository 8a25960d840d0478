#include "opennap/ipc/convert.h"

#include <array>
#include <cstring>
#include <iterator>
#include <limits>
#include <span>
#include <utility>

namespace opennap::ipc {

namespace {

std::unexpected<ConvertError> error(std::string_view field, std::string reason) {
    return std::unexpected(ConvertError{std::string(field), std::move(reason)});
}

// "<base>.<leaf>", "<base>[i]"-style leaves appended without a dot; either side may be empty.
std::string join(std::string_view base, std::string_view leaf) {
    std::string s(base);
    if (!base.empty() && !leaf.empty() && leaf.front() != '[')
        s += '.';
    s += leaf;
    return s;
}

// Nested converters are called with a relative path; on error the caller's path goes in front.
// (Paths are built only on the error path.)
std::unexpected<ConvertError> under(ConvertError e, std::string_view base) {
    e.field = join(base, e.field);
    return std::unexpected(std::move(e));
}

std::string indexed(std::string_view name, int i) {
    return std::string(name) + "[" + std::to_string(i) + "]";
}

std::string bytes_of(const std::vector<std::uint8_t>& v) {
    return std::string(reinterpret_cast<const char*>(v.data()), v.size());
}

std::vector<std::uint8_t> vector_of(std::string_view s) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
    return std::vector<std::uint8_t>(p, p + s.size());
}

std::unexpected<ConvertError> bad_enum(std::string_view field, std::uint32_t v,
                                       std::string_view type) {
    return error(field, std::to_string(v) + " is not a valid " + std::string(type));
}

// Result codes: a count bounded by maxDwordCountPerSoHAttribute, each a 32-bit HRESULT.
ConvertResult<ResultCodes> result_codes_from(
    const google::protobuf::RepeatedField<std::uint32_t>& in, std::string_view field) {
    if (in.size() > static_cast<int>(maxDwordCountPerSoHAttribute)) {
        return error(field, std::to_string(in.size()) + " result codes, more than " +
                                std::to_string(maxDwordCountPerSoHAttribute));
    }
    ResultCodes out;
    out.reserve(static_cast<std::size_t>(in.size()));
    for (const std::uint32_t c : in)
        out.emplace_back(c);
    return out;
}

void result_codes_to(const ResultCodes& in, google::protobuf::RepeatedField<std::uint32_t>& out) {
    out.Clear();
    out.Reserve(static_cast<int>(in.size()));
    for (const HResult c : in)
        out.Add(c.bits());
}

struct IsolationFields {
    IsolationState state;
    ProbationTime prob_end_time;
    CountedString failure_url;
};

ConvertResult<IsolationFields> isolation_common(const v1::IsolationInfo& in,
                                                std::string_view field) {
    const auto state = static_cast<IsolationState>(in.isolation_state());
    if (!is_valid(state))
        return bad_enum(join(field, "isolation_state"), in.isolation_state(), "IsolationState");
    auto url = u16_from_bytes(in.failure_url(), "failure_url");
    if (!url)
        return under(url.error(), field);
    return IsolationFields{state, FileTime{in.prob_end_time()}, std::move(*url)};
}

}  // namespace

std::string ConvertError::message() const {
    if (field.empty())
        return reason;
    return field + ": " + reason;
}

// ---- scalars
// -------------------------------------------------------------------------------------

std::string u16_bytes(const std::u16string& s) {
    std::string out(s.size() * 2, '\0');
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<std::uint16_t>(s[i]);
        out[2 * i] = static_cast<char>(c & 0xFFu);
        out[2 * i + 1] = static_cast<char>(c >> 8);
    }
    return out;
}

ConvertResult<std::u16string> u16_from_bytes(std::string_view bytes, std::string_view field) {
    if (bytes.size() % 2 != 0) {
        return error(field,
                     std::to_string(bytes.size()) + " bytes, odd (UTF-16LE needs an even count)");
    }
    const std::size_t units = bytes.size() / 2;
    if (units > maxStringLength) {
        return error(field, std::to_string(units) + " UTF-16 code units, more than " +
                                std::to_string(maxStringLength));
    }
    std::u16string out(units, u'\0');
    for (std::size_t i = 0; i < units; ++i) {
        const auto lo = static_cast<std::uint8_t>(bytes[2 * i]);
        const auto hi = static_cast<std::uint8_t>(bytes[2 * i + 1]);
        out[i] = static_cast<char16_t>(lo | (hi << 8));
    }
    return out;
}

std::string guid_bytes(const Guid& g) {
    const std::array<std::uint8_t, 16> b = g.to_bytes_le();
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

ConvertResult<Guid> guid_from_bytes(std::string_view bytes, std::string_view field) {
    if (bytes.size() != 16)
        return error(field, std::to_string(bytes.size()) + " bytes, expected 16");
    std::array<std::uint8_t, 16> b{};
    std::memcpy(b.data(), bytes.data(), b.size());
    return Guid::from_bytes_le(b);
}

// ---- SoH
// -----------------------------------------------------------------------------------------

void to_proto(const SoH& soh, v1::SoH& out) {
    out.Clear();
    out.mutable_attributes()->Reserve(static_cast<int>(soh.attributes.size()));
    for (const SoHAttribute& a : soh.attributes) {
        v1::Attribute* p = out.add_attributes();
        p->set_type(a.type);
        p->set_value(bytes_of(a.value));
    }
}

ConvertResult<SoH> soh_from_proto(const v1::SoH& in, std::string_view field) {
    if (in.attributes_size() > static_cast<int>(maxSoHAttributeCount)) {
        return error(join(field, "attributes"), std::to_string(in.attributes_size()) +
                                                    " attributes, more than " +
                                                    std::to_string(maxSoHAttributeCount));
    }
    SoH out;
    out.attributes.reserve(static_cast<std::size_t>(in.attributes_size()));
    for (int i = 0; i < in.attributes_size(); ++i) {
        const v1::Attribute& a = in.attributes(i);
        if (a.type() > std::numeric_limits<std::uint16_t>::max()) {
            return error(join(field, indexed("attributes", i) + ".type"),
                         std::to_string(a.type()) + " does not fit 16 bits");
        }
        if (a.value().size() > maxSoHAttributeSize) {
            return error(join(field, indexed("attributes", i) + ".value"),
                         std::to_string(a.value().size()) + " bytes, more than " +
                             std::to_string(maxSoHAttributeSize));
        }
        out.attributes.push_back(
            SoHAttribute{static_cast<std::uint16_t>(a.type()), vector_of(a.value())});
    }
    return out;
}

void append_tlvs(const SoH& soh, std::string& out) {
    std::size_t n = out.size();
    for (const SoHAttribute& a : soh.attributes)
        n += 4 + a.value.size();
    out.reserve(n);
    for (const SoHAttribute& a : soh.attributes) {
        const auto len = static_cast<std::uint16_t>(a.value.size());
        const char head[4] = {static_cast<char>(a.type >> 8), static_cast<char>(a.type & 0xff),
                              static_cast<char>(len >> 8), static_cast<char>(len & 0xff)};
        out.append(head, sizeof head);
        out.append(reinterpret_cast<const char*>(a.value.data()), a.value.size());
    }
}

std::expected<void, ConvertError> soh_from_tlvs_into(std::string_view in, SoH& out,
                                                     std::string_view field) {
    std::size_t i = 0;
    std::size_t at = 0;
    while (at < in.size()) {
        const auto fail = [&](std::string reason) {
            return error(join(field, indexed("attributes", static_cast<int>(i)) + " at offset " +
                                         std::to_string(at)),
                         std::move(reason));
        };
        if (i == maxSoHAttributeCount)
            return fail("more than " + std::to_string(maxSoHAttributeCount) + " attributes");
        if (in.size() - at < 4) {
            return fail("TLV header cut short (" + std::to_string(in.size() - at) + " of 4 bytes)");
        }
        const auto byte = [&](std::size_t k) {
            return static_cast<std::uint16_t>(static_cast<unsigned char>(in[at + k]));
        };
        const auto type = static_cast<std::uint16_t>(byte(0) << 8 | byte(1));
        const std::size_t len = static_cast<std::size_t>(byte(2) << 8 | byte(3));
        if (len > maxSoHAttributeSize) {
            return fail("length " + std::to_string(len) + ", more than " +
                        std::to_string(maxSoHAttributeSize));
        }
        if (in.size() - at - 4 < len) {
            return fail("length " + std::to_string(len) + " runs past the end (" +
                        std::to_string(in.size() - at - 4) + " bytes left)");
        }
        const auto* v = reinterpret_cast<const std::uint8_t*>(in.data() + at + 4);
        if (i == out.attributes.size())
            out.attributes.emplace_back();
        out.attributes[i].type = type;
        out.attributes[i].value.assign(v, v + len);
        ++i;
        at += 4 + len;
    }
    out.attributes.resize(i);
    return {};
}

ConvertResult<SoH> soh_from_tlvs(std::string_view in, std::string_view field) {
    SoH out;
    if (auto r = soh_from_tlvs_into(in, out, field); !r)
        return std::unexpected(std::move(r.error()));
    return out;
}

// ---- CorrelationId
// -------------------------------------------------------------------------------

void to_proto(const CorrelationId& id, v1::CorrelationId& out) {
    out.set_connection_id(guid_bytes(id.conn_id));
    out.set_time(id.time_stamp.ticks);
}

ConvertResult<CorrelationId> correlation_from_proto(const v1::CorrelationId& in,
                                                    std::string_view field) {
    auto g = guid_from_bytes(in.connection_id(), "connection_id");
    if (!g)
        return under(g.error(), field);
    return CorrelationId{*g, FileTime{in.time()}};
}

// ---- IsolationInfo(Ex)
// ---------------------------------------------------------------------------

void to_proto(const IsolationInfo& info, v1::IsolationInfo& out) {
    out.set_isolation_state(static_cast<std::uint32_t>(info.isolation_state));
    out.set_extended_state(0);
    out.set_prob_end_time(info.prob_end_time.ticks);
    out.set_failure_url(u16_bytes(info.failure_url));
}

void to_proto(const IsolationInfoEx& info, v1::IsolationInfo& out) {
    out.set_isolation_state(static_cast<std::uint32_t>(info.isolation_state));
    out.set_extended_state(static_cast<std::uint32_t>(info.extended_isolation_state));
    out.set_prob_end_time(info.prob_end_time.ticks);
    out.set_failure_url(u16_bytes(info.failure_url));
}

ConvertResult<IsolationInfo> isolation_from_proto(const v1::IsolationInfo& in,
                                                  std::string_view field) {
    auto f = isolation_common(in, field);
    if (!f)
        return std::unexpected(std::move(f.error()));
    if (in.extended_state() != 0) {
        return error(join(field, "extended_state"),
                     std::to_string(in.extended_state()) + ", must be 0 in an IsolationInfo");
    }
    return IsolationInfo{f->state, f->prob_end_time, std::move(f->failure_url)};
}

ConvertResult<IsolationInfoEx> isolation_ex_from_proto(const v1::IsolationInfo& in,
                                                       std::string_view field) {
    auto f = isolation_common(in, field);
    if (!f)
        return std::unexpected(std::move(f.error()));
    const auto ext = static_cast<ExtendedIsolationState>(in.extended_state());
    if (!is_valid(ext)) {
        return bad_enum(join(field, "extended_state"), in.extended_state(),
                        "ExtendedIsolationState");
    }
    return IsolationInfoEx{f->state, ext, f->prob_end_time, std::move(f->failure_url)};
}

// ---- FixupInfo
// -----------------------------------------------------------------------------------

void to_proto(const FixupInfo& info, v1::FixupInfo& out) {
    out.set_state(static_cast<std::uint32_t>(info.state));
    out.set_percentage(info.percentage);
    result_codes_to(info.result_codes, *out.mutable_result_codes());
    out.set_fixup_msg_id(info.fixup_msg_id);
}

ConvertResult<FixupInfo> fixup_from_proto(const v1::FixupInfo& in, std::string_view field) {
    const auto state = static_cast<FixupState>(in.state());
    if (!is_valid(state))
        return bad_enum(join(field, "state"), in.state(), "FixupState");
    if (in.percentage() > percentageNotSupported) {
        return error(join(field, "percentage"), std::to_string(in.percentage()) + ", more than " +
                                                    std::to_string(percentageNotSupported) +
                                                    " (not supported)");
    }
    auto codes = result_codes_from(in.result_codes(), "result_codes");
    if (!codes)
        return under(codes.error(), field);
    return FixupInfo{state, static_cast<Percentage>(in.percentage()), std::move(*codes),
                     in.fixup_msg_id()};
}

// ---- Registration
// --------------------------------------------------------------------------------

void to_proto(const NapComponentRegistrationInfo& info, v1::Registration& out) {
    out.set_id(info.id);
    out.set_friendly_name(u16_bytes(info.friendly_name));
    out.set_description(u16_bytes(info.description));
    out.set_version(u16_bytes(info.version));
    out.set_vendor_name(u16_bytes(info.vendor_name));
    out.set_info_clsid(guid_bytes(info.info_clsid));
    out.set_config_clsid(guid_bytes(info.config_clsid));
    out.set_registration_date(info.registration_date.ticks);
    out.set_component_type(info.component_type);
}

ConvertResult<NapComponentRegistrationInfo> registration_from_proto(const v1::Registration& in,
                                                                    std::string_view field) {
    NapComponentRegistrationInfo out;
    out.id = in.id();
    const std::pair<const std::string*, CountedString*> strings[] = {
        {&in.friendly_name(), &out.friendly_name},
        {&in.description(), &out.description},
        {&in.version(), &out.version},
        {&in.vendor_name(), &out.vendor_name},
    };
    static constexpr std::string_view kStringNames[] = {"friendly_name", "description", "version",
                                                        "vendor_name"};
    for (std::size_t i = 0; i < std::size(strings); ++i) {
        auto s = u16_from_bytes(*strings[i].first, kStringNames[i]);
        if (!s)
            return under(s.error(), field);
        *strings[i].second = std::move(*s);
    }
    auto info = guid_from_bytes(in.info_clsid(), "info_clsid");
    if (!info)
        return under(info.error(), field);
    out.info_clsid = *info;
    auto config = guid_from_bytes(in.config_clsid(), "config_clsid");
    if (!config)
        return under(config.error(), field);
    out.config_clsid = *config;
    out.registration_date = FileTime{in.registration_date()};
    out.component_type = in.component_type();
    return out;
}

// ---- agent API values
// ----------------------------------------------------------------------------

void to_proto(const agent::SystemIsolation& s, v1::SystemIsolation& out) {
    to_proto(s.info, *out.mutable_info());
    out.set_unknown_connections(s.unknown_connections);
}

ConvertResult<agent::SystemIsolation> system_isolation_from_proto(const v1::SystemIsolation& in,
                                                                  std::string_view field) {
    if (!in.has_info())
        return error(join(field, "info"), "missing");
    auto info = isolation_ex_from_proto(in.info(), "info");
    if (!info)
        return under(info.error(), field);
    return agent::SystemIsolation{std::move(*info), in.unknown_connections()};
}

void to_proto(const agent::NapClientInfo& info, v1::ClientInfo& out) {
    out.set_nap_enabled(info.nap_enabled);
    out.set_client_name(u16_bytes(info.client_name));
    out.set_client_description(u16_bytes(info.client_description));
    out.set_protocol_version(u16_bytes(info.protocol_version));
}

ConvertResult<agent::NapClientInfo> client_info_from_proto(const v1::ClientInfo& in,
                                                           std::string_view field) {
    agent::NapClientInfo out;
    out.nap_enabled = in.nap_enabled();
    auto name = u16_from_bytes(in.client_name(), "client_name");
    if (!name)
        return under(name.error(), field);
    out.client_name = std::move(*name);
    auto description = u16_from_bytes(in.client_description(), "client_description");
    if (!description)
        return under(description.error(), field);
    out.client_description = std::move(*description);
    auto version = u16_from_bytes(in.protocol_version(), "protocol_version");
    if (!version)
        return under(version.error(), field);
    out.protocol_version = std::move(*version);
    return out;
}

void to_proto(const agent::ShaStatus& s, v1::ShaStatus& out) {
    to_proto(s.info, *out.mutable_info());
    out.set_enabled(s.enabled);
    out.set_bound(s.bound);
    out.set_has_cached_soh(s.has_cached_soh);
    result_codes_to(s.state.sha_result_codes, *out.mutable_result_codes());
    out.set_failure_category(static_cast<std::uint32_t>(s.state.failure_category));
    to_proto(s.state.fixup_info, *out.mutable_fixup());
}

ConvertResult<agent::ShaStatus> sha_status_from_proto(const v1::ShaStatus& in,
                                                      std::string_view field) {
    agent::ShaStatus out;
    if (!in.has_info())
        return error(join(field, "info"), "missing");
    auto info = registration_from_proto(in.info(), "info");
    if (!info)
        return under(info.error(), field);
    out.info = std::move(*info);
    out.enabled = in.enabled();
    out.bound = in.bound();
    out.has_cached_soh = in.has_cached_soh();
    out.state.id = out.info.id;
    auto codes = result_codes_from(in.result_codes(), "result_codes");
    if (!codes)
        return under(codes.error(), field);
    out.state.sha_result_codes = std::move(*codes);
    const auto category = static_cast<FailureCategory>(in.failure_category());
    if (!is_valid(category)) {
        return bad_enum(join(field, "failure_category"), in.failure_category(), "FailureCategory");
    }
    out.state.failure_category = category;
    if (!in.has_fixup())
        return error(join(field, "fixup"), "missing");
    auto fixup = fixup_from_proto(in.fixup(), "fixup");
    if (!fixup)
        return under(fixup.error(), field);
    out.state.fixup_info = std::move(*fixup);
    return out;
}

void to_proto(const agent::ConnectionStatus& s, v1::ConnectionStatus& out) {
    out.set_key(s.key);
    if (s.connection_id)
        out.set_connection_id(guid_bytes(*s.connection_id));
    else
        out.clear_connection_id();
    if (s.correlation_id)
        to_proto(*s.correlation_id, *out.mutable_correlation_id());
    else
        out.clear_correlation_id();
    if (s.isolation)
        to_proto(*s.isolation, *out.mutable_isolation());
    else
        out.clear_isolation();
    out.set_request_outstanding(s.request_outstanding);
    out.set_last_exchange(s.last_exchange.ticks);
}

ConvertResult<agent::ConnectionStatus> connection_status_from_proto(const v1::ConnectionStatus& in,
                                                                    EnforcementEntityId ec,
                                                                    std::string_view field) {
    agent::ConnectionStatus out;
    out.key = in.key();
    out.ec = ec;
    if (!in.connection_id().empty()) {
        auto g = guid_from_bytes(in.connection_id(), "connection_id");
        if (!g)
            return under(g.error(), field);
        out.connection_id = *g;
    }
    if (in.has_correlation_id()) {
        auto c = correlation_from_proto(in.correlation_id(), "correlation_id");
        if (!c)
            return under(c.error(), field);
        out.correlation_id = *c;
    }
    if (in.has_isolation()) {
        auto i = isolation_ex_from_proto(in.isolation(), "isolation");
        if (!i)
            return under(i.error(), field);
        out.isolation = std::move(*i);
    }
    out.request_outstanding = in.request_outstanding();
    out.last_exchange = FileTime{in.last_exchange()};
    return out;
}

void to_proto(const agent::EcStatus& s, v1::EcStatus& out) {
    to_proto(s.info, *out.mutable_info());
    out.set_enabled(s.enabled);
    out.set_bound(s.bound);
    out.clear_connections();
    out.mutable_connections()->Reserve(static_cast<int>(s.connections.size()));
    for (const agent::ConnectionStatus& c : s.connections)
        to_proto(c, *out.add_connections());
}

ConvertResult<agent::EcStatus> ec_status_from_proto(const v1::EcStatus& in,
                                                    std::string_view field) {
    agent::EcStatus out;
    if (!in.has_info())
        return error(join(field, "info"), "missing");
    auto info = registration_from_proto(in.info(), "info");
    if (!info)
        return under(info.error(), field);
    out.info = std::move(*info);
    out.enabled = in.enabled();
    out.bound = in.bound();
    out.connections.reserve(static_cast<std::size_t>(in.connections_size()));
    for (int i = 0; i < in.connections_size(); ++i) {
        auto c = connection_status_from_proto(in.connections(i), out.info.id, "");
        if (!c)
            return under(std::move(c.error()), join(field, indexed("connections", i)));
        out.connections.push_back(std::move(*c));
    }
    return out;
}

void to_proto(const StatusSnapshot& s, v1::Status& out) {
    to_proto(s.system, *out.mutable_system());
    out.clear_shas();
    out.mutable_shas()->Reserve(static_cast<int>(s.shas.size()));
    for (const agent::ShaStatus& sha : s.shas)
        to_proto(sha, *out.add_shas());
    out.clear_ecs();
    out.mutable_ecs()->Reserve(static_cast<int>(s.ecs.size()));
    for (const agent::EcStatus& ec : s.ecs)
        to_proto(ec, *out.add_ecs());
}

ConvertResult<StatusSnapshot> status_from_proto(const v1::Status& in) {
    constexpr std::string_view field = "Status";
    StatusSnapshot out;
    if (!in.has_system())
        return error(join(field, "system"), "missing");
    auto system = system_isolation_from_proto(in.system(), "system");
    if (!system)
        return under(system.error(), field);
    out.system = std::move(*system);
    out.shas.reserve(static_cast<std::size_t>(in.shas_size()));
    for (int i = 0; i < in.shas_size(); ++i) {
        auto s = sha_status_from_proto(in.shas(i), "");
        if (!s)
            return under(std::move(s.error()), join(field, indexed("shas", i)));
        out.shas.push_back(std::move(*s));
    }
    out.ecs.reserve(static_cast<std::size_t>(in.ecs_size()));
    for (int i = 0; i < in.ecs_size(); ++i) {
        auto e = ec_status_from_proto(in.ecs(i), "");
        if (!e)
            return under(std::move(e.error()), join(field, indexed("ecs", i)));
        out.ecs.push_back(std::move(*e));
    }
    return out;
}

}  // namespace opennap::ipc
