// Sample values and envelopes shared by the ipc tests and the fuzz seed generator
// (seed_corpus_test.cc writes fuzz/corpus/ipc_frame/ from samples()).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "napagent.pb.h"
#include "opennap/core/ids.h"
#include "opennap/core/nap_structs.h"
#include "opennap/ipc/convert.h"

namespace opennap::ipc::test {

inline Guid sample_guid(std::uint8_t seed) {
    return Guid{0x00112233u + seed,
                0x4455,
                0x6677,
                {0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, static_cast<std::uint8_t>(0xf0 + seed)}};
}

inline NapComponentRegistrationInfo sample_registration(NapComponentId id) {
    NapComponentRegistrationInfo r;
    r.id = id;
    r.friendly_name = u"Sample SHA \u00e9\U0001F600";  // a non-BMP character: a surrogate pair
    r.description = u"Checks the sample things";
    r.version = u"1.2.3";
    r.vendor_name = u"OpenNAP";
    r.info_clsid = sample_guid(1);
    r.config_clsid = sample_guid(2);
    r.registration_date = FileTime{0x01ca78d858ee1ef0};
    r.component_type = 0;
    return r;
}

inline SoH sample_soh(std::size_t attributes = 3) {
    SoH s;
    s.attributes.push_back({2, {0x00, 0x01, 0x37, 0xF0}});  // System-Health-ID 0x000137F0
    for (std::size_t i = 1; i < attributes; ++i) {
        SoHAttribute a;
        a.type = static_cast<std::uint16_t>(7 + i);
        a.value.assign(8 + i, static_cast<std::uint8_t>(i));
        s.attributes.push_back(std::move(a));
    }
    return s;
}

inline CorrelationId sample_correlation() {
    return CorrelationId{sample_guid(3), FileTime{0x01ca78d858ee1ef0}};
}

inline IsolationInfoEx sample_isolation_ex() {
    return IsolationInfoEx{IsolationState::InProbation, ExtendedIsolationState::Transition,
                           FileTime{0x01ca78d858ee1ef0 + 36'000'000'000}, u"http://fixup.example/"};
}

inline FixupInfo sample_fixup() {
    return FixupInfo{FixupState::InProgress, 42, {HResult{0x80070005u}, HResult{0u}}, 7};
}

inline StatusSnapshot sample_status() {
    StatusSnapshot s;
    s.system.info = sample_isolation_ex();
    s.system.unknown_connections = true;
    agent::ShaStatus sha;
    sha.info = sample_registration(0x000137F0);
    sha.enabled = true;
    sha.bound = true;
    sha.has_cached_soh = true;
    sha.state.id = sha.info.id;
    sha.state.sha_result_codes = {HResult{0xC0FF0001u}};
    sha.state.failure_category = FailureCategory::ClientComponent;
    sha.state.fixup_info = sample_fixup();
    s.shas.push_back(sha);
    agent::EcStatus ec;
    ec.info = sample_registration(0x00013701);
    ec.info.component_type = ComponentTypeEnforcementClientSoH;
    ec.enabled = true;
    ec.bound = false;
    agent::ConnectionStatus c1;
    c1.key = 17;
    c1.ec = ec.info.id;
    c1.connection_id = sample_guid(4);
    c1.correlation_id = sample_correlation();
    c1.isolation = sample_isolation_ex();
    c1.request_outstanding = true;
    c1.last_exchange = FileTime{0x01ca78d858ee1ef0};
    agent::ConnectionStatus c2;  // nothing known yet
    c2.key = 18;
    c2.ec = ec.info.id;
    ec.connections = {c1, c2};
    s.ecs.push_back(ec);
    return s;
}

// One envelope per kind and per main request type, named for the seed files.
inline std::vector<std::pair<std::string, v1::Envelope>> samples() {
    std::vector<std::pair<std::string, v1::Envelope>> out;
    auto add = [&](std::string name) -> v1::Envelope& {
        out.emplace_back(std::move(name), v1::Envelope{});
        return out.back().second;
    };
    {
        auto& r = *add("request-hello").mutable_request();
        r.set_id(1);
        r.mutable_hello()->set_min_version(1);
        r.mutable_hello()->set_max_version(1);
        r.mutable_hello()->set_client_name("napctl");
    }
    {
        auto& r = *add("request-register").mutable_request();
        r.set_id(2);
        r.mutable_register_()->set_kind(v1::COMPONENT_KIND_HEALTH_AGENT);
        to_proto(sample_registration(0x000137F0), *r.mutable_register_()->mutable_info());
    }
    {
        auto& r = *add("request-bind").mutable_request();
        r.set_id(3);
        r.mutable_bind()->set_kind(v1::COMPONENT_KIND_ENFORCEMENT_CLIENT);
        r.mutable_bind()->set_id(0x00013701);
    }
    {
        auto& r = *add("request-get-soh-request").mutable_request();
        r.set_id(4);
        r.set_binding(0x1234);
        r.mutable_get_soh_request()->set_key(17);
    }
    {
        auto& r = *add("request-conn-set-isolation").mutable_request();
        r.set_id(5);
        r.set_binding(0x1234);
        auto& set = *r.mutable_conn_set();
        set.set_key(17);
        set.set_field(v1::CONN_FIELD_ISOLATION_INFO_EX);
        to_proto(sample_isolation_ex(), *set.mutable_value()->mutable_isolation());
    }
    {
        auto& r = *add("request-conn-set-correlation").mutable_request();
        r.set_id(6);
        r.set_one_way(true);
        r.set_binding(0x1234);
        auto& set = *r.mutable_conn_set();
        set.set_key(17);
        set.set_field(v1::CONN_FIELD_CORRELATION_ID);
        to_proto(sample_correlation(), *set.mutable_value()->mutable_correlation_id());
    }
    {
        auto& r = *add("request-cert-subscribe").mutable_request();
        r.set_id(7);
        r.mutable_cert_subscribe()->set_id(0x00013701);
        r.mutable_cert_subscribe()->set_subscriber_name(u16_bytes(u"group"));
        r.mutable_cert_subscribe()->set_subscribe(true);
    }
    {
        auto& r = *add("reply-hello").mutable_reply();
        r.set_id(1);
        auto& h = *r.mutable_hello();
        h.set_version(1);
        h.set_instance(0xfeedface);
        h.mutable_limits()->set_max_connections(20);
        h.mutable_limits()->set_max_calls_in_flight(16);
        h.mutable_limits()->set_max_frame_size(256 * 1024);
        h.mutable_limits()->set_callback_timeout_ms(5000);
        h.set_role("administrator");
    }
    {
        auto& r = *add("reply-get-soh-request").mutable_reply();
        r.set_id(4);
        r.set_flag(false);
        auto& s = *r.mutable_snapshot();
        s.set_flags(1);
        to_proto(sample_correlation(), *s.mutable_correlation_id());
        s.set_soh_request(std::string(120, '\x42'));
        s.set_private_data("agent");
        s.mutable_installed_shvs()->add_ids(0x000137F0);
    }
    {
        auto& r = *add("reply-registrations").mutable_reply();
        r.set_id(8);
        to_proto(sample_registration(0x000137F0), *r.mutable_registrations()->add_items());
        to_proto(sample_registration(0x000137F1), *r.mutable_registrations()->add_items());
    }
    {
        auto& r = *add("reply-status").mutable_reply();
        r.set_id(9);
        to_proto(sample_status(), *r.mutable_status());
    }
    {
        auto& r = *add("reply-system-isolation").mutable_reply();
        r.set_id(10);
        r.set_hresult(0x80270006u);
        to_proto(sample_status().system, *r.mutable_system_isolation());
    }
    {
        auto& c = *add("callback-sha-get-soh-request").mutable_callback();
        c.set_id(100);
        c.set_binding(0x99);
        to_proto(sample_correlation(), *c.mutable_sha_get_soh_request()->mutable_correlation_id());
        to_proto(sample_soh(), *c.mutable_sha_get_soh_request()->mutable_cached());
    }
    {
        // Message version 3: the response as TLVs, one-way.
        auto& c = *add("callback-sha-process-soh-response").mutable_callback();
        c.set_binding(0x99);
        c.set_one_way(true);
        auto& rq = *c.mutable_sha_process_soh_response();
        to_proto(sample_correlation(), *rq.mutable_correlation_id());
        append_tlvs(sample_soh(3), *rq.mutable_response());
        rq.set_response_flags(1);
    }
    {
        auto& c = *add("callback-sha-compare").mutable_callback();
        c.set_id(101);
        c.set_binding(0x99);
        to_proto(sample_soh(2), *c.mutable_sha_compare()->mutable_lhs());
        to_proto(sample_soh(4), *c.mutable_sha_compare()->mutable_rhs());
    }
    {
        auto& r = *add("callback-reply-soh").mutable_callback_reply();
        r.set_id(100);
        r.mutable_soh()->set_set(true);
        to_proto(sample_soh(5), *r.mutable_soh()->mutable_soh());
        r.mutable_soh()->set_cache(true);
    }
    {
        auto& r = *add("callback-reply-fixup").mutable_callback_reply();
        r.set_id(102);
        to_proto(sample_fixup(), *r.mutable_fixup());
        r.set_fixup_hresult(0);
    }
    { add("event-quar-state").mutable_event()->set_notify_type(2); }
    return out;
}

// Field-by-field comparisons for the agent types that have no operator==.
inline bool same(const agent::NapClientInfo& a, const agent::NapClientInfo& b) {
    return a.nap_enabled == b.nap_enabled && a.client_name == b.client_name &&
           a.client_description == b.client_description && a.protocol_version == b.protocol_version;
}
inline bool same(const agent::ShaStatus& a, const agent::ShaStatus& b) {
    return a.info == b.info && a.enabled == b.enabled && a.bound == b.bound &&
           a.has_cached_soh == b.has_cached_soh && a.state == b.state;
}
inline bool same(const agent::ConnectionStatus& a, const agent::ConnectionStatus& b) {
    return a.key == b.key && a.ec == b.ec && a.connection_id == b.connection_id &&
           a.correlation_id == b.correlation_id && a.isolation == b.isolation &&
           a.request_outstanding == b.request_outstanding && a.last_exchange == b.last_exchange;
}
inline bool same(const agent::EcStatus& a, const agent::EcStatus& b) {
    if (!(a.info == b.info && a.enabled == b.enabled && a.bound == b.bound &&
          a.connections.size() == b.connections.size())) {
        return false;
    }
    for (std::size_t i = 0; i < a.connections.size(); ++i) {
        if (!same(a.connections[i], b.connections[i]))
            return false;
    }
    return true;
}
inline bool same(const StatusSnapshot& a, const StatusSnapshot& b) {
    if (!(a.system == b.system && a.shas.size() == b.shas.size() && a.ecs.size() == b.ecs.size()))
        return false;
    for (std::size_t i = 0; i < a.shas.size(); ++i) {
        if (!same(a.shas[i], b.shas[i]))
            return false;
    }
    for (std::size_t i = 0; i < a.ecs.size(); ++i) {
        if (!same(a.ecs[i], b.ecs[i]))
            return false;
    }
    return true;
}

}  // namespace opennap::ipc::test
