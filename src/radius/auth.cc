#include "opennap/radius/auth.h"

// MD5_Init / MD5_Update / MD5_Final are deprecated in OpenSSL 3.0 (see SharedSecret::State).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/md5.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "internal.h"

namespace opennap::radius {

using detail::attribute_error;
using detail::plain_error;
using detail::u32;

// ---- SharedSecret ------------------------------------------------------------------------------

// The digests use OpenSSL's MD5 functions directly (deprecated in OpenSSL 3.0, still in its
// libcrypto): through EVP, a keyed HMAC restarted for every packet copies its digest context
// (an allocation and a provider call), and the EVP layers cost as much as the hashing itself
// for a 300-octet packet. HMAC-MD5 is RFC 2104 over MD5 states that have absorbed the key's
// inner and outer pads once, when the secret is made. create() still fetches MD5 and HMAC
// through EVP, so a configuration that forbids them (FIPS only) still refuses the secret.
struct SharedSecret::State {
    std::vector<std::uint8_t> secret;
    MD5_CTX inner{};  // MD5 after (key XOR ipad)
    MD5_CTX outer{};  // MD5 after (key XOR opad)

    State() = default;
    State(const State&) = delete;
    State& operator=(const State&) = delete;
    ~State() {
        OPENSSL_cleanse(&inner, sizeof inner);
        OPENSSL_cleanse(&outer, sizeof outer);
        if (!secret.empty()) {
            OPENSSL_cleanse(secret.data(), secret.size());
        }
    }
};

SharedSecret::SharedSecret(std::unique_ptr<State> state) noexcept : state_(std::move(state)) {}
SharedSecret::SharedSecret(SharedSecret&&) noexcept = default;
SharedSecret& SharedSecret::operator=(SharedSecret&&) noexcept = default;
SharedSecret::~SharedSecret() = default;

Result<SharedSecret> SharedSecret::create(std::string_view secret) {
    if (secret.empty()) {
        return std::unexpected(plain_error(Errc::BadSecret, Field::Secret, 0));
    }
    EVP_MD* md = EVP_MD_fetch(nullptr, "MD5", nullptr);
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    const bool allowed = md != nullptr && mac != nullptr;
    EVP_MAC_free(mac);
    EVP_MD_free(md);
    if (!allowed) {
        return std::unexpected(plain_error(Errc::Crypto, Field::Secret, 0));
    }
    auto state = std::make_unique<State>();
    state->secret.assign(secret.begin(), secret.end());
    // RFC 2104: a key longer than the 64-octet block is hashed first; then zero-padded.
    std::array<std::uint8_t, MD5_CBLOCK> key{};
    if (state->secret.size() > key.size()) {
        MD5(state->secret.data(), state->secret.size(), key.data());
    } else {
        std::copy(state->secret.begin(), state->secret.end(), key.begin());
    }
    std::array<std::uint8_t, MD5_CBLOCK> pad{};
    for (std::size_t i = 0; i < pad.size(); ++i)
        pad[i] = key[i] ^ 0x36;
    bool ok =
        MD5_Init(&state->inner) == 1 && MD5_Update(&state->inner, pad.data(), pad.size()) == 1;
    for (std::size_t i = 0; i < pad.size(); ++i)
        pad[i] = key[i] ^ 0x5c;
    ok = ok && MD5_Init(&state->outer) == 1 &&
         MD5_Update(&state->outer, pad.data(), pad.size()) == 1;
    OPENSSL_cleanse(key.data(), key.size());
    OPENSSL_cleanse(pad.data(), pad.size());
    if (!ok) {
        return std::unexpected(plain_error(Errc::Crypto, Field::Secret, 0));
    }
    return SharedSecret(std::move(state));
}

Result<Authenticator> SharedSecret::md5(std::span<const Bytes> parts) {
    State& s = *state_;
    Authenticator out{};
    MD5_CTX c;
    bool ok = MD5_Init(&c) == 1;
    for (const Bytes& p : parts) {
        ok = ok && MD5_Update(&c, p.data(), p.size()) == 1;
    }
    ok = ok && MD5_Update(&c, s.secret.data(), s.secret.size()) == 1;
    ok = ok && MD5_Final(out.data(), &c) == 1;
    if (!ok) {
        return std::unexpected(plain_error(Errc::Crypto, Field::Secret, 0));
    }
    return out;
}

Result<Authenticator> SharedSecret::hmac_md5(std::span<const Bytes> parts) {
    State& s = *state_;
    Authenticator inner{};
    Authenticator out{};
    MD5_CTX c = s.inner;
    bool ok = true;
    for (const Bytes& p : parts) {
        ok = ok && MD5_Update(&c, p.data(), p.size()) == 1;
    }
    ok = ok && MD5_Final(inner.data(), &c) == 1;
    c = s.outer;
    ok = ok && MD5_Update(&c, inner.data(), inner.size()) == 1 && MD5_Final(out.data(), &c) == 1;
    OPENSSL_cleanse(&c, sizeof c);
    if (!ok) {
        return std::unexpected(plain_error(Errc::Crypto, Field::Secret, 0));
    }
    return out;
}

std::string_view to_string(AuthStatus status) noexcept {
    switch (status) {
        case AuthStatus::Ok:
            return "ok";
        case AuthStatus::MissingMessageAuthenticator:
            return "Message-Authenticator missing";
        case AuthStatus::DuplicateMessageAuthenticator:
            return "more than one Message-Authenticator";
        case AuthStatus::MalformedMessageAuthenticator:
            return "Message-Authenticator length is not 18";
        case AuthStatus::BadMessageAuthenticator:
            return "Message-Authenticator does not match";
        case AuthStatus::BadAuthenticator:
            return "Authenticator does not match";
        case AuthStatus::WrongCode:
            return "wrong packet code for this check";
        case AuthStatus::CryptoFailure:
            return "cryptography unavailable or secret unusable";
    }
    return "unknown";
}

// ---- Packet computations -----------------------------------------------------------------------

namespace {

constexpr Authenticator kZero{};

// Codes whose Request Authenticator is MD5 over the packet with a zero Authenticator.
bool hashed_request(Code code) noexcept {
    return code == Code::AccountingRequest || code == Code::CoaRequest ||
           code == Code::DisconnectRequest;
}

struct MaScan {
    std::size_t count = 0;
    std::size_t first = 0;   // offset of the first Message-Authenticator
    std::size_t second = 0;  // offset of the second one
    bool malformed = false;  // the first one's length is not 18
    bool eap = false;        // an EAP-Message is present
};

MaScan scan(const PacketView& packet) noexcept {
    MaScan s;
    for (const AttributeView& a : packet.attributes()) {
        if (a.type == Attr::EapMessage) {
            s.eap = true;
        } else if (a.type == Attr::MessageAuthenticator) {
            if (++s.count == 1) {
                s.first = a.offset;
                s.malformed = a.value.size() != kAuthenticatorSize;
            } else if (s.count == 2) {
                s.second = a.offset;
            }
        }
    }
    return s;
}

// HMAC-MD5 over `packet` with `header_authenticator` in the Authenticator field and the
// Message-Authenticator at `ma` (its Type octet) zeroed.
Result<Authenticator> message_authenticator(SharedSecret& secret, Bytes packet,
                                            AuthenticatorView header_authenticator,
                                            std::size_t ma) {
    const std::size_t value = ma + kAttributeHeaderSize;
    const std::array<Bytes, 5> parts = {
        packet.first(kAuthenticatorOffset),
        Bytes(header_authenticator),
        packet.subspan(kHeaderSize, value - kHeaderSize),
        Bytes(kZero),
        packet.subspan(value + kAuthenticatorSize),
    };
    return secret.hmac_md5(parts);
}

// MD5(Code + Identifier + Length + `header_authenticator` + Attributes + Secret).
Result<Authenticator> packet_md5(SharedSecret& secret, Bytes packet,
                                 AuthenticatorView header_authenticator) {
    const std::array<Bytes, 3> parts = {
        packet.first(kAuthenticatorOffset),
        Bytes(header_authenticator),
        packet.subspan(kHeaderSize),
    };
    return secret.md5(parts);
}

bool same(const Authenticator& computed, Bytes received) noexcept {
    return received.size() == computed.size() &&
           CRYPTO_memcmp(computed.data(), received.data(), computed.size()) == 0;
}

AuthCheck verdict(AuthStatus status, std::size_t offset, bool ma) {
    return AuthCheck{status, u32(offset), ma};
}

// The Message-Authenticator part shared by requests and responses.
std::optional<AuthCheck> check_message_authenticator(const PacketView& packet, SharedSecret& secret,
                                                     AuthenticatorView header_authenticator,
                                                     bool required, const MaScan& s) {
    if (s.count > 1) {
        return verdict(AuthStatus::DuplicateMessageAuthenticator, s.second, true);
    }
    if (s.count == 0) {
        if (required) {
            return verdict(AuthStatus::MissingMessageAuthenticator, packet.length(), false);
        }
        return std::nullopt;
    }
    if (s.malformed) {
        return verdict(AuthStatus::MalformedMessageAuthenticator, s.first, true);
    }
    auto mac = message_authenticator(secret, packet.bytes(), header_authenticator, s.first);
    if (!mac) {
        return verdict(AuthStatus::CryptoFailure, 0, true);
    }
    if (!same(*mac, packet.bytes().subspan(s.first + kAttributeHeaderSize, kAuthenticatorSize))) {
        return verdict(AuthStatus::BadMessageAuthenticator, s.first, true);
    }
    return std::nullopt;
}

}  // namespace

AuthCheck verify_request(const PacketView& request, SharedSecret& secret,
                         bool require_message_authenticator) {
    const Code code = request.code();
    if (!is_request(code)) {
        return verdict(AuthStatus::WrongCode, 0, false);
    }
    const MaScan s = scan(request);
    const bool required = require_message_authenticator || code == Code::StatusServer || s.eap;
    const bool hashed = hashed_request(code);
    const AuthenticatorView header = hashed ? AuthenticatorView(kZero) : request.authenticator();
    if (auto bad = check_message_authenticator(request, secret, header, required, s)) {
        return *bad;
    }
    if (hashed) {
        auto md = packet_md5(secret, request.bytes(), kZero);
        if (!md) {
            return verdict(AuthStatus::CryptoFailure, 0, s.count == 1);
        }
        if (!same(*md, Bytes(request.authenticator()))) {
            return verdict(AuthStatus::BadAuthenticator, kAuthenticatorOffset, s.count == 1);
        }
    }
    return verdict(AuthStatus::Ok, 0, s.count == 1);
}

AuthCheck verify_request(const PacketView& request, std::string_view secret,
                         bool require_message_authenticator) {
    auto shared = SharedSecret::create(secret);
    if (!shared) {
        return verdict(AuthStatus::CryptoFailure, 0, false);
    }
    return verify_request(request, *shared, require_message_authenticator);
}

AuthCheck verify_response(const PacketView& response, AuthenticatorView request_authenticator,
                          SharedSecret& secret, bool require_message_authenticator) {
    if (!is_response(response.code())) {
        return verdict(AuthStatus::WrongCode, 0, false);
    }
    const MaScan s = scan(response);
    if (auto bad = check_message_authenticator(response, secret, request_authenticator,
                                               require_message_authenticator, s)) {
        return *bad;
    }
    auto md = packet_md5(secret, response.bytes(), request_authenticator);
    if (!md) {
        return verdict(AuthStatus::CryptoFailure, 0, s.count == 1);
    }
    if (!same(*md, Bytes(response.authenticator()))) {
        return verdict(AuthStatus::BadAuthenticator, kAuthenticatorOffset, s.count == 1);
    }
    return verdict(AuthStatus::Ok, 0, s.count == 1);
}

AuthCheck verify_response(const PacketView& response, AuthenticatorView request_authenticator,
                          std::string_view secret, bool require_message_authenticator) {
    auto shared = SharedSecret::create(secret);
    if (!shared) {
        return verdict(AuthStatus::CryptoFailure, 0, false);
    }
    return verify_response(response, request_authenticator, *shared, require_message_authenticator);
}

// ---- Signing -----------------------------------------------------------------------------------

namespace {

// Fills the builder's Message-Authenticator (if any) with the header as it stands.
Result<void> fill_message_authenticator(PacketBuilder& builder, SharedSecret& secret) {
    const auto ma = builder.message_authenticator_offset();
    if (!ma) {
        return {};
    }
    builder.set_message_authenticator(kZero);
    auto bytes = builder.bytes();
    if (!bytes) {
        return std::unexpected(bytes.error());
    }
    const Authenticator header = [&] {
        Authenticator h{};
        const AuthenticatorView v = builder.authenticator();
        std::copy(v.begin(), v.end(), h.begin());
        return h;
    }();
    auto mac = message_authenticator(secret, *bytes, header, *ma);
    if (!mac) {
        return std::unexpected(mac.error());
    }
    builder.set_message_authenticator(*mac);
    return {};
}

// Sets the Authenticator to MD5 over the packet with `header` in the Authenticator field.
Result<void> fill_authenticator(PacketBuilder& builder, SharedSecret& secret,
                                AuthenticatorView header) {
    auto bytes = builder.bytes();
    if (!bytes) {
        return std::unexpected(bytes.error());
    }
    auto md = packet_md5(secret, *bytes, header);
    if (!md) {
        return std::unexpected(md.error());
    }
    builder.set_authenticator(*md);
    return {};
}

}  // namespace

Result<void> sign_response(PacketBuilder& response, const PacketView& request,
                           SharedSecret& secret) {
    if (!response.ok()) {
        return std::unexpected(*response.error());
    }
    const Code req = request.code();
    if (!is_request(req)) {
        return std::unexpected(
            plain_error(Errc::WrongCode, Field::Code, 0, static_cast<std::uint8_t>(req)));
    }
    if (!is_response_to(response.code(), req)) {
        return std::unexpected(plain_error(Errc::WrongCode, Field::Code, 0,
                                           static_cast<std::uint8_t>(response.code()),
                                           static_cast<std::uint8_t>(req)));
    }
    // Keep the request's authenticator: `request` may be a view of a buffer the caller reuses.
    Authenticator request_auth{};
    std::copy(request.authenticator().begin(), request.authenticator().end(), request_auth.begin());
    response.set_identifier(request.identifier());
    response.set_authenticator(request_auth);
    if (auto r = fill_message_authenticator(response, secret); !r) {
        return r;
    }
    return fill_authenticator(response, secret, request_auth);
}

Result<void> sign_response(PacketBuilder& response, const PacketView& request,
                           std::string_view secret) {
    auto shared = SharedSecret::create(secret);
    if (!shared) {
        return std::unexpected(shared.error());
    }
    return sign_response(response, request, *shared);
}

Result<void> sign_request(PacketBuilder& request, SharedSecret& secret) {
    if (!request.ok()) {
        return std::unexpected(*request.error());
    }
    const Code code = request.code();
    if (!is_request(code)) {
        return std::unexpected(
            plain_error(Errc::WrongCode, Field::Code, 0, static_cast<std::uint8_t>(code)));
    }
    if (code == Code::StatusServer && !request.message_authenticator_offset()) {
        Error e = plain_error(Errc::Missing, Field::Attribute, request.size());
        e.type = static_cast<std::uint8_t>(Attr::MessageAuthenticator);
        return std::unexpected(e);
    }
    if (!hashed_request(code)) {
        return fill_message_authenticator(request, secret);
    }
    request.set_authenticator(kZero);
    if (auto r = fill_message_authenticator(request, secret); !r) {
        return r;
    }
    return fill_authenticator(request, secret, kZero);
}

Result<Authenticator> random_authenticator() {
    Authenticator out{};
    if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
        return std::unexpected(plain_error(Errc::Crypto, Field::Authenticator, 4));
    }
    return out;
}

}  // namespace opennap::radius
