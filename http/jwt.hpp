// Verification of JWT bearer tokens (RFC 7519) with OpenSSL: HS256 with a
// shared secret, RS256 with an RSA public key. Written against OpenSSL
// directly rather than libjwt 1.10 because that version verifies with
// whatever algorithm the token's header names, which is how algorithm
// confusion happens; here each algorithm has its own key and only the
// configured ones are accepted (`alg: none` never is).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct evp_pkey_st; // OpenSSL's EVP_PKEY, kept out of this header

namespace jobstack {

struct jwt_options {
  /// HS256 key (at least 32 bytes); empty: HS256 tokens are refused.
  std::string hs256_secret;
  /// PEM of the RSA public key (at least 2048 bits); empty: RS256 tokens
  /// are refused.
  std::string rs256_public_key_pem;
  /// Required `iss` / `aud` claims; empty: not checked.
  std::string issuer;
  std::string audience;
  /// Clock skew tolerated on `exp` and `nbf`.
  std::chrono::seconds leeway{30};
};

struct jwt_result {
  bool ok = false;
  std::string reason;              ///< why not (never echoes the token)
  std::string subject;             ///< the `sub` claim, if any
  std::vector<std::string> scopes; ///< the `scope` claim, split at spaces
};

class jwt_verifier {
public:
  /// Throws auth_config_error for a short secret, a key that is not an
  /// RSA public key of 2048+ bits, or no key at all.
  explicit jwt_verifier(jwt_options options);
  ~jwt_verifier();

  jwt_verifier(const jwt_verifier&) = delete;
  jwt_verifier& operator=(const jwt_verifier&) = delete;

  /// Checks signature first, then `exp` (required), `nbf`, `iss`, `aud`;
  /// `now` is unix time in us. Safe to call from several threads.
  jwt_result verify(std::string_view token, int64_t now) const;

  /// The algorithms this verifier accepts, e.g. "HS256, RS256".
  std::string algorithms() const;

private:
  bool signature_ok(const std::string& alg, std::string_view signed_part,
                    const std::string& signature) const;

  jwt_options options_;
  std::shared_ptr<evp_pkey_st> rs256_key_;
};

/// Throws auth_config_error unless `secret` is empty or 32+ bytes long.
void check_hs256_secret(const std::string& secret);

/// The RSA public key (2048+ bits) in `pem`; throws auth_config_error if it
/// is none.
std::shared_ptr<evp_pkey_st> load_rs256_public_key(const std::string& pem);

/// True if `token` has the shape header.payload.signature.
bool looks_like_jwt(std::string_view token);

/// Base64url without padding (RFC 7515 section 2).
std::string base64url_encode(std::string_view bytes);

/// Strict base64url: no padding, no other characters; nothing on error.
std::optional<std::string> base64url_decode(std::string_view text);

} // namespace jobstack
