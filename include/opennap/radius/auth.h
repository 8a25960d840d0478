// RADIUS packet authentication with the shared secret (docs/radius.md):
//
//   Response Authenticator    MD5(Code + Identifier + Length + Request Authenticator
//                                 + Attributes + Secret)                        RFC 2865 §3
//   Accounting-Request,       MD5(Code + Identifier + Length + 16 zero octets
//   CoA-/Disconnect-Request       + Attributes + Secret)               RFC 2866 §3, RFC 5176 §2.3
//   Message-Authenticator     HMAC-MD5(Secret, packet with the Message-Authenticator value
//                                 zeroed)                                       RFC 3579 §3.2
//     in Access-Request / Status-Server: over the packet's own (random) Request Authenticator;
//     in responses: with the request's Request Authenticator in the Authenticator field;
//     in Accounting-/CoA-/Disconnect-Request: with 16 zero octets there (RFC 5176 §3.4: it is
//     computed before the Request Authenticator; RFC 2866 is silent, OpenNAP does the same for
//     accounting, as FreeRADIUS does).
//
// MD5 and HMAC-MD5 come from OpenSSL 3 (EVP_MD / EVP_MAC, fetched once per SharedSecret, whose
// contexts are reused for every packet: no allocation and no algorithm lookup per packet).
// Comparisons are constant-time (CRYPTO_memcmp).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "opennap/radius/packet.h"

namespace opennap::radius {

inline constexpr std::size_t kMessageAuthenticatorLength = 18;  // type, length, 16-octet HMAC

// One shared secret and the OpenSSL state to use it. Not thread-safe: use one per thread (a
// server keeps one per client and worker). Move-only (a moved-from SharedSecret may only be
// destroyed or assigned to); the secret is wiped on destruction.
class SharedSecret {
  public:
    // Errors: an empty secret (BadSecret), OpenSSL without MD5 / HMAC, e.g. in a FIPS-only
    // configuration, or out of memory (Crypto).
    [[nodiscard]] static Result<SharedSecret> create(std::string_view secret);

    SharedSecret(SharedSecret&&) noexcept;
    SharedSecret& operator=(SharedSecret&&) noexcept;
    SharedSecret(const SharedSecret&) = delete;
    SharedSecret& operator=(const SharedSecret&) = delete;
    ~SharedSecret();

    // MD5 over the concatenation of `parts` followed by the secret (RFC 2865's construction).
    [[nodiscard]] Result<Authenticator> md5(std::span<const Bytes> parts);
    // HMAC-MD5 keyed with the secret over the concatenation of `parts` (RFC 3579).
    [[nodiscard]] Result<Authenticator> hmac_md5(std::span<const Bytes> parts);

  private:
    struct State;
    explicit SharedSecret(std::unique_ptr<State> state) noexcept;
    std::unique_ptr<State> state_;
};

enum class AuthStatus : std::uint8_t {
    Ok,
    MissingMessageAuthenticator,    // required here but absent
    DuplicateMessageAuthenticator,  // more than one (offset: the second)
    MalformedMessageAuthenticator,  // its length is not 18
    BadMessageAuthenticator,        // the HMAC-MD5 does not match
    BadAuthenticator,               // the Request (accounting, CoA, Disconnect) or Response
                                    // Authenticator does not match
    WrongCode,                      // not a request (verify_request) / response (verify_response)
    CryptoFailure,                  // OpenSSL failed, or the secret is unusable (empty)
};

[[nodiscard]] std::string_view to_string(AuthStatus status) noexcept;

struct AuthCheck {
    AuthStatus status = AuthStatus::Ok;
    std::uint32_t offset = 0;  // the Message-Authenticator concerned, or 4 (the Authenticator)
    // A Message-Authenticator was present (and, when status is Ok, valid). RFC 3579 §3.2: the
    // answer to such a request should carry one too (PacketBuilder::add_message_authenticator).
    bool message_authenticator = false;

    [[nodiscard]] bool ok() const noexcept { return status == AuthStatus::Ok; }
};

// Checks a request. Message-Authenticator is required when `require_message_authenticator`
// is set (per-client policy; RADIUS servers now default to requiring it, the BlastRADIUS
// mitigation), for Status-Server (RFC 5997 §3) and when the request carries EAP-Message
// (RFC 3579 §3.1). When present it is verified either way. Accounting-, CoA- and
// Disconnect-Requests also have their Request Authenticator verified; an Access-Request's and a
// Status-Server's is random and cannot be. Status-Client and responses: WrongCode.
[[nodiscard]] AuthCheck verify_request(const PacketView& request, SharedSecret& secret,
                                       bool require_message_authenticator);
// One-shot form: builds the OpenSSL state for this call only (slower; for tools and tests).
[[nodiscard]] AuthCheck verify_request(const PacketView& request, std::string_view secret,
                                       bool require_message_authenticator);

// Checks a response against the Request Authenticator of the request it answers: the Response
// Authenticator always, the Message-Authenticator when present (required if asked). Requests:
// WrongCode.
[[nodiscard]] AuthCheck verify_response(const PacketView& response,
                                        AuthenticatorView request_authenticator,
                                        SharedSecret& secret,
                                        bool require_message_authenticator = false);
[[nodiscard]] AuthCheck verify_response(const PacketView& response,
                                        AuthenticatorView request_authenticator,
                                        std::string_view secret,
                                        bool require_message_authenticator = false);

// Signs the answer to `request` in place, in the order the RFCs require: copies the request's
// Identifier, puts the request's Authenticator in the header, fills the Message-Authenticator
// placeholder if the builder has one, then computes the Response Authenticator over the result.
// Errors: the builder's recorded error; `request` not a request or the builder's code not an
// answer to it (WrongCode); Crypto.
[[nodiscard]] Result<void> sign_response(PacketBuilder& response, const PacketView& request,
                                         SharedSecret& secret);
[[nodiscard]] Result<void> sign_response(PacketBuilder& response, const PacketView& request,
                                         std::string_view secret);

// Signs a request in place (clients, tests, a future CoA sender). Access-Request and
// Status-Server keep the Authenticator the builder was given (make it unpredictable:
// random_authenticator()) and get their Message-Authenticator filled; Status-Server without a
// placeholder is Missing. Accounting-, CoA- and Disconnect-Requests get the Message-Authenticator
// (if any) and then the Request Authenticator. Other codes: WrongCode.
[[nodiscard]] Result<void> sign_request(PacketBuilder& request, SharedSecret& secret);

// 16 octets from OpenSSL's CSPRNG (RAND_bytes); Crypto on failure.
[[nodiscard]] Result<Authenticator> random_authenticator();

}  // namespace opennap::radius
