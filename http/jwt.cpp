// JWT verification with OpenSSL; see jwt.hpp.
#include "http/jwt.hpp"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "http/auth.hpp"

namespace jobstack {

using nlohmann::json;

namespace {

/// Tokens longer than this are refused before any decoding or crypto.
constexpr size_t max_jwt_bytes = 8192;
constexpr size_t min_hs256_secret_bytes = 32;
constexpr int min_rsa_bits = 2048;

constexpr std::string_view b64url_alphabet
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

} // namespace

std::shared_ptr<evp_pkey_st> load_rs256_public_key(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio{
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free};
  EVP_PKEY* key
      = bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr)
            : nullptr;
  if (key == nullptr)
    throw auth_config_error("is not a PEM public key (BEGIN PUBLIC KEY)");
  std::shared_ptr<evp_pkey_st> owned{key, &EVP_PKEY_free};
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
    throw auth_config_error("is not an RSA public key");
  if (EVP_PKEY_get_bits(key) < min_rsa_bits)
    throw auth_config_error(
        "is an RSA key of " + std::to_string(EVP_PKEY_get_bits(key))
        + " bits; want at least " + std::to_string(min_rsa_bits));
  return owned;
}

void check_hs256_secret(const std::string& secret) {
  if (!secret.empty() && secret.size() < min_hs256_secret_bytes)
    throw auth_config_error("has " + std::to_string(secret.size())
                            + " bytes; want at least "
                            + std::to_string(min_hs256_secret_bytes));
}

namespace {

bool hs256_ok(const std::string& secret, std::string_view signed_part,
              const std::string& signature) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(signed_part.data()),
           signed_part.size(), mac, &len)
      == nullptr)
    return false;
  return signature.size() == len
         && CRYPTO_memcmp(mac, signature.data(), len) == 0;
}

bool rs256_ok(evp_pkey_st* key, std::string_view signed_part,
              const std::string& signature) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(),
                                                              &EVP_MD_CTX_free};
  return ctx
         && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key)
                == 1
         && EVP_DigestVerify(
                ctx.get(),
                reinterpret_cast<const unsigned char*>(signature.data()),
                signature.size(),
                reinterpret_cast<const unsigned char*>(signed_part.data()),
                signed_part.size())
                == 1;
}

/// The JSON object in a base64url part; a discarded value if it is none.
json decode_part(std::string_view part) {
  auto text = base64url_decode(part);
  if (!text)
    return json::value_t::discarded;
  auto value = json::parse(*text, nullptr, false);
  if (!value.is_object())
    return json::value_t::discarded;
  return value;
}

jwt_result refuse(std::string reason) {
  jwt_result r;
  r.reason = std::move(reason);
  return r;
}

bool audience_matches(const json& aud, const std::string& want) {
  if (aud.is_string())
    return aud.get<std::string>() == want;
  if (aud.is_array())
    return std::any_of(aud.begin(), aud.end(), [&](const json& a) {
      return a.is_string() && a.get<std::string>() == want;
    });
  return false;
}

// The time claims and the configured iss/aud; empty if all hold.
std::string claims_problem(const json& claims, const jwt_options& opts,
                           double now_s) {
  auto leeway = static_cast<double>(opts.leeway.count());
  auto exp = claims.find("exp");
  if (exp == claims.end() || !exp->is_number())
    return "token has no exp claim";
  if (now_s > exp->get<double>() + leeway)
    return "token expired";
  auto nbf = claims.find("nbf");
  if (nbf != claims.end()
      && (!nbf->is_number() || now_s + leeway < nbf->get<double>()))
    return "token not yet valid";
  if (!opts.issuer.empty()) {
    auto iss = claims.find("iss");
    if (iss == claims.end() || !iss->is_string()
        || iss->get<std::string>() != opts.issuer)
      return "token has the wrong issuer";
  }
  if (!opts.audience.empty()) {
    auto aud = claims.find("aud");
    if (aud == claims.end() || !audience_matches(*aud, opts.audience))
      return "token has the wrong audience";
  }
  return {};
}

std::vector<std::string> split_scopes(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    auto end = text.find(' ', start);
    if (end == std::string::npos)
      end = text.size();
    if (end > start)
      out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

} // namespace

jwt_verifier::jwt_verifier(jwt_options options) : options_(std::move(options)) {
  check_hs256_secret(options_.hs256_secret);
  if (!options_.rs256_public_key_pem.empty())
    rs256_key_ = load_rs256_public_key(options_.rs256_public_key_pem);
  if (options_.hs256_secret.empty() && !rs256_key_)
    throw auth_config_error("a JWT verifier needs an HS256 secret or an "
                            "RS256 public key");
}

jwt_verifier::~jwt_verifier() = default;

std::string jwt_verifier::algorithms() const {
  std::string out = options_.hs256_secret.empty() ? "" : "HS256";
  if (rs256_key_)
    out += out.empty() ? "RS256" : ", RS256";
  return out;
}

bool jwt_verifier::signature_ok(const std::string& alg,
                                std::string_view signed_part,
                                const std::string& signature) const {
  // Each algorithm with its own key only: an HS256 token is never checked
  // against the RSA key's bytes (the classic algorithm confusion).
  if (alg == "HS256" && !options_.hs256_secret.empty())
    return hs256_ok(options_.hs256_secret, signed_part, signature);
  if (alg == "RS256" && rs256_key_)
    return rs256_ok(rs256_key_.get(), signed_part, signature);
  return false;
}

jwt_result jwt_verifier::verify(std::string_view token, int64_t now) const {
  if (token.size() > max_jwt_bytes || !looks_like_jwt(token))
    return refuse("token is not a JWT");
  auto dot1 = token.find('.');
  auto dot2 = token.find('.', dot1 + 1);
  auto header = decode_part(token.substr(0, dot1));
  if (header.is_discarded() || !header.contains("alg")
      || !header["alg"].is_string())
    return refuse("token has no valid JWT header");
  auto alg = header["alg"].get<std::string>();
  if (alg != "HS256" && alg != "RS256")
    return refuse("token algorithm is not accepted");
  if (header.contains("crit")) // extensions we would have to understand
    return refuse("token has critical header extensions");
  auto signature = base64url_decode(token.substr(dot2 + 1));
  if (!signature || !signature_ok(alg, token.substr(0, dot2), *signature))
    return refuse("token signature is not valid");
  auto claims = decode_part(token.substr(dot1 + 1, dot2 - dot1 - 1));
  if (claims.is_discarded())
    return refuse("token has no valid claims");
  auto problem
      = claims_problem(claims, options_, static_cast<double>(now) / 1e6);
  if (!problem.empty())
    return refuse(problem);
  jwt_result r;
  r.ok = true;
  if (auto sub = claims.find("sub"); sub != claims.end() && sub->is_string())
    r.subject = sub->get<std::string>();
  if (auto scope = claims.find("scope");
      scope != claims.end() && scope->is_string())
    r.scopes = split_scopes(scope->get<std::string>());
  return r;
}

bool looks_like_jwt(std::string_view token) {
  auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos || dot1 == 0)
    return false;
  auto dot2 = token.find('.', dot1 + 1);
  return dot2 != std::string_view::npos && dot2 > dot1 + 1
         && dot2 + 1 < token.size()
         && token.find('.', dot2 + 1) == std::string_view::npos;
}

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += b64url_alphabet[(acc >> bits) & 0x3f];
    }
  }
  if (bits > 0)
    out += b64url_alphabet[(acc << (6 - bits)) & 0x3f];
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1)
    return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    auto pos = b64url_alphabet.find(c);
    if (pos == std::string_view::npos)
      return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

} // namespace jobstack
