// RADIUS packets (opennap_radius): decode any datagram; on success walk every attribute, every
// VSA and sub-attribute, every typed accessor (MS-RNAP, tunnel, Session-Timeout) and verify the
// authenticators with a fixed secret. Properties: errors point inside the input and render;
// views lie inside the input and exactly cover the packet; re-encoding the attributes reproduces
// the packet (Message-Authenticator value zeroed); a packet signed by the codec always verifies;
// typed values survive encode -> decode.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "opennap/radius/auth.h"
#include "opennap/radius/authorization.h"
#include "opennap/radius/ms_rnap.h"
#include "opennap/radius/tunnel.h"
#include "opennap/radius/vsa.h"

using namespace opennap;
using namespace opennap::radius;

namespace {

bool inside(Bytes part, const std::uint8_t* data, std::size_t size) {
    return part.empty() || (part.data() >= data && part.data() + part.size() <= data + size);
}

template <typename R>
void check_error(const R& r, std::size_t size) {
    if (!r) {
        OPENNAP_FUZZ_CHECK(r.error().offset <= size);
        OPENNAP_FUZZ_CHECK(!r.error().message().empty());
    }
}

SharedSecret& fuzz_secret() {
    static SharedSecret secret = std::move(*SharedSecret::create("fuzz-secret"));
    return secret;
}

void check_auth(const AuthCheck& c) {
    OPENNAP_FUZZ_CHECK(c.status <= AuthStatus::CryptoFailure);
    OPENNAP_FUZZ_CHECK(c.status != AuthStatus::CryptoFailure);
    OPENNAP_FUZZ_CHECK(!to_string(c.status).empty());
}

// Rebuilds the packet attribute by attribute. Returns false when the packet holds more than one
// Message-Authenticator (the builder refuses a second one).
bool rebuild(const PacketView& p, PacketBuilder& b) {
    Authenticator auth{};
    std::copy(p.authenticator().begin(), p.authenticator().end(), auth.begin());
    b.reset(p.code(), p.identifier(), auth);
    for (const AttributeView& a : p.attributes()) {
        if (a.type == Attr::MessageAuthenticator && a.value.size() == kAuthenticatorSize) {
            b.add_message_authenticator();
        } else if (a.type == Attr::MessageAuthenticator) {
            return false;  // a malformed one cannot be rebuilt through the placeholder
        } else {
            b.add(a.type, a.value);
        }
    }
    return b.ok();
}

void typed_round_trips(const PacketView& p) {
    if (auto soh = quarantine_soh(p); soh && *soh) {
        PacketBuilder b(Code::AccessRequest, 1);
        add_quarantine_soh(b, (*soh)->message, (*soh)->wrapping);
        if (b.ok()) {
            auto again = decode_packet(*b.bytes());
            OPENNAP_FUZZ_CHECK(again.has_value());
            auto back = quarantine_soh(*again);
            OPENNAP_FUZZ_CHECK(back && *back && (*back)->message == (*soh)->message &&
                               (*back)->wrapping == (*soh)->wrapping);
        }
    }
    if (auto nap = nap_attributes(p); nap) {
        PacketBuilder b(Code::AccessAccept, 1);
        add_nap_attributes(b, *nap);
        if (b.ok()) {
            auto again = decode_packet(*b.bytes());
            OPENNAP_FUZZ_CHECK(again.has_value());
            auto back = nap_attributes(*again);
            OPENNAP_FUZZ_CHECK(back && *back == *nap);
        }
    }
    for (std::uint8_t tag = 0; tag <= kMaxTunnelTag; ++tag) {
        auto vlan = vlan_assignment(p, tag);
        if (!vlan) {
            break;  // the same error for every tag
        }
        if (*vlan) {
            PacketBuilder b(Code::AccessAccept, 1);
            add_vlan(b, (*vlan)->group, tag);
            OPENNAP_FUZZ_CHECK(b.ok());
            auto again = decode_packet(*b.bytes());
            OPENNAP_FUZZ_CHECK(again.has_value());
            auto back = vlan_assignment(*again, tag);
            OPENNAP_FUZZ_CHECK(back && *back && (*back)->group == (*vlan)->group);
        }
    }
    if (auto id = ras_correlation_id(p); id && *id) {
        PacketBuilder b(Code::AccessRequest, 1);
        add_ras_correlation_id(b, (*id)->guid);
        auto back = ras_correlation_id(*decode_packet(*b.bytes()));
        OPENNAP_FUZZ_CHECK(back && *back && (*back)->guid == (*id)->guid);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const Bytes in(data, size);
    auto p = decode_packet(in);
    check_error(p, size);
    if (!p) {
        return 0;
    }
    OPENNAP_FUZZ_CHECK(p->length() >= kHeaderSize && p->length() <= size);
    OPENNAP_FUZZ_CHECK(p->bytes().data() == data);

    // Attributes exactly cover the packet; VSAs and sub-attributes lie inside it.
    std::size_t covered = kHeaderSize;
    std::size_t count = 0;
    for (const AttributeView& a : p->attributes()) {
        OPENNAP_FUZZ_CHECK(a.offset == covered);
        OPENNAP_FUZZ_CHECK(inside(a.value, data, p->length()));
        covered += a.value.size() + kAttributeHeaderSize;
        ++count;
        OPENNAP_FUZZ_CHECK(a.index == count);
        if (a.type == Attr::VendorSpecific) {
            auto v = decode_vsa(a);
            check_error(v, size);
            if (v) {
                std::size_t sub = 0;
                for (const SubAttributeView& s : v->sub_attributes) {
                    OPENNAP_FUZZ_CHECK(inside(s.value, a.value.data(), a.value.size()));
                    sub += s.value.size() + kSubAttributeHeaderSize;
                }
                OPENNAP_FUZZ_CHECK(sub + kVendorIdSize == a.value.size());
            }
        } else if (a.type == Attr::TunnelType || a.type == Attr::TunnelMediumType) {
            check_error(decode_tagged_integer(a), size);
        } else if (a.type == Attr::TunnelPrivateGroupId) {
            auto s = decode_tagged_string(a);
            check_error(s, size);
            OPENNAP_FUZZ_CHECK(!s || inside(s->string, data, p->length()));
        }
    }
    OPENNAP_FUZZ_CHECK(covered == p->length());
    OPENNAP_FUZZ_CHECK(count == p->attribute_count());

    // Typed accessors.
    check_error(quarantine_soh(*p), size);
    check_error(network_access_server_type(*p), size);
    auto name = machine_name(*p);
    check_error(name, size);
    if (name && *name) {
        OPENNAP_FUZZ_CHECK(
            inside(Bytes(reinterpret_cast<const std::uint8_t*>((*name)->data()), (*name)->size()),
                   data, size));
    }
    check_error(ras_correlation_id(*p), size);
    check_error(nap_attributes(*p), size);
    check_error(session_timeout(*p), size);
    check_error(vlan_assignment(*p), size);
    typed_round_trips(*p);

    // Verification never fails for want of cryptography.
    SharedSecret& secret = fuzz_secret();
    if (is_request(p->code())) {
        check_auth(verify_request(*p, secret, false));
    } else if (is_response(p->code())) {
        check_auth(verify_response(*p, p->authenticator(), secret));
    }

    // Re-encoding reproduces the packet, Message-Authenticator value zeroed.
    PacketBuilder b(p->code());
    if (rebuild(*p, b)) {
        std::vector<std::uint8_t> expect(p->bytes().begin(), p->bytes().end());
        if (auto ma = p->find(Attr::MessageAuthenticator)) {
            std::fill_n(expect.begin() + ma->offset + 2, kAuthenticatorSize, 0);
        }
        auto out = b.bytes();
        OPENNAP_FUZZ_CHECK(out && std::ranges::equal(*out, expect));
        // What the codec signs, it verifies.
        if (is_request(p->code())) {
            if (sign_request(b, secret)) {
                auto signed_packet = decode_packet(*b.bytes());
                OPENNAP_FUZZ_CHECK(signed_packet.has_value());
                const AuthCheck c = verify_request(*signed_packet, secret, false);
                // An EAP-Message without a Message-Authenticator is refused by policy.
                OPENNAP_FUZZ_CHECK(c.ok() || (c.status == AuthStatus::MissingMessageAuthenticator &&
                                              signed_packet->find(Attr::EapMessage)));
            } else {
                OPENNAP_FUZZ_CHECK(p->code() == Code::StatusServer &&
                                   !p->find(Attr::MessageAuthenticator));
            }
        } else if (is_response(p->code())) {
            // Answer a made-up request of the matching kind.
            Code req = Code::AccessRequest;
            if (p->code() == Code::AccountingResponse) {
                req = Code::AccountingRequest;
            } else if (p->code() == Code::CoaAck || p->code() == Code::CoaNak) {
                req = Code::CoaRequest;
            } else if (p->code() == Code::DisconnectAck || p->code() == Code::DisconnectNak) {
                req = Code::DisconnectRequest;
            }
            std::vector<std::uint8_t> request(kHeaderSize, 0x5a);
            request[0] = static_cast<std::uint8_t>(req);
            request[2] = 0;
            request[3] = static_cast<std::uint8_t>(kHeaderSize);
            auto rv = decode_packet(request);
            OPENNAP_FUZZ_CHECK(rv.has_value());
            OPENNAP_FUZZ_CHECK(sign_response(b, *rv, secret).has_value());
            auto signed_packet = decode_packet(*b.bytes());
            OPENNAP_FUZZ_CHECK(signed_packet.has_value());
            OPENNAP_FUZZ_CHECK(verify_response(*signed_packet, rv->authenticator(), secret).ok());
        }
    }
    return 0;
}
