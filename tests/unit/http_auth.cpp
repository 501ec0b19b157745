// Authorization of the HTTP API: token entries and hashing, constant-time
// lookup, the scope of every route and method, 401/403/429 shapes, JWTs
// (HS256 and RS256, time claims, iss/aud, alg none, algorithm confusion),
// the rate limiter, and the auth.* settings. RSA keys are made here with
// OpenSSL, so no key files ship with the tests.
#define CAF_SUITE http.auth
#include <caf/test/unit_test.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <unistd.h>

#include "http/auth.hpp"
#include "http/auth_settings.hpp"
#include "http/jwt.hpp"
#include "http/rate_limiter.hpp"
#include "http/routes.hpp"
#include "tests/value_of.hpp"

using namespace jobstack;
using nlohmann::json;

namespace {

constexpr int64_t now_us = 1796077855000000; // 2026-12-01T...
constexpr int64_t now_s = now_us / 1000000;
const std::string hs_secret(40, 's');

using pkey_ptr = std::shared_ptr<EVP_PKEY>;

pkey_ptr make_key(const char* type, size_t bits = 0) {
  EVP_PKEY* key = bits > 0 ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, bits)
                           : EVP_PKEY_Q_keygen(nullptr, nullptr, type, "P-256");
  return pkey_ptr{key, &EVP_PKEY_free};
}

// Key generation takes a while: each key is made once per test run.
const pkey_ptr& rsa_key() {
  static auto key = make_key("RSA", 2048);
  return key;
}

const pkey_ptr& other_rsa_key() {
  static auto key = make_key("RSA", 2048);
  return key;
}

std::string public_pem(const pkey_ptr& key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio{BIO_new(BIO_s_mem()),
                                                &BIO_free};
  PEM_write_bio_PUBKEY(bio.get(), key.get());
  char* data = nullptr;
  auto len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string hmac_sha256(const std::string& key, const std::string& text) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac,
       &len);
  return std::string(reinterpret_cast<char*>(mac), len);
}

std::string rsa_sign(const pkey_ptr& key, const std::string& text) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(),
                                                              &EVP_MD_CTX_free};
  EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get());
  size_t len = 0;
  auto* data = reinterpret_cast<const unsigned char*>(text.data());
  EVP_DigestSign(ctx.get(), nullptr, &len, data, text.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                 data, text.size());
  sig.resize(len);
  return sig;
}

// A JWT of `header` and `claims`, signed by `sign` (header.payload -> bytes).
template <class Sign>
std::string make_jwt(const json& header, const json& claims, Sign sign) {
  auto signed_part
      = base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
  return signed_part + "." + base64url_encode(sign(signed_part));
}

std::string hs256_jwt(const json& claims, const std::string& secret = hs_secret,
                      const std::string& alg = "HS256") {
  return make_jwt({{"alg", alg}, {"typ", "JWT"}}, claims,
                  [&](const std::string& s) { return hmac_sha256(secret, s); });
}

std::string rs256_jwt(const json& claims, const pkey_ptr& key = rsa_key()) {
  return make_jwt({{"alg", "RS256"}, {"typ", "JWT"}}, claims,
                  [&](const std::string& s) { return rsa_sign(key, s); });
}

json good_claims() {
  return {{"sub", "ci-bot"},
          {"scope", "jobs:read other:thing"},
          {"exp", now_s + 600},
          {"nbf", now_s - 10},
          {"iss", "https://issuer.example"},
          {"aud", "jobstack"}};
}

json with(json claims, const std::string& key, json value) {
  if (value.is_null())
    claims.erase(key);
  else
    claims[key] = std::move(value);
  return claims;
}

template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

// "ok" or why `v` refuses `token`.
std::string reason_of(const jwt_verifier& v, const std::string& token) {
  auto r = v.verify(token, now_us);
  return r.ok ? std::string{"ok"} : r.reason;
}

std::string message_of(const routed& r) {
  return json::parse(r.reply->body)["error"]["message"].get<std::string>();
}

std::string header_of(const http_reply& r, const std::string& name) {
  for (auto& [k, v] : r.headers)
    if (k == name)
      return v;
  return "<none>";
}

struct fixture {
  route_options opts;
  std::shared_ptr<auth_options> auth = std::make_shared<auth_options>();

  fixture() {
    opts.files["/openapi.yaml"] = static_file{"application/yaml", "openapi:"};
    auth->enabled = true;
    auth->tokens = parse_token_entries(
        "reader:" + sha256_hex("read-token")
        + ":jobs:read, writer:" + sha256_hex("write-token")
        + ":jobs:write,both:" + sha256_hex("both-token")
        + ":jobs:read+jobs:write,root:" + sha256_hex("admin-token") + ":admin");
    opts.auth = auth;
  }

  routed call(const std::string& method, const std::string& target,
              const std::string& token = {}, const std::string& client = "") {
    api_request req;
    req.method = method;
    req.target = target;
    req.client_address = client.empty() ? "10.0.0.1" : client;
    if (method == "POST") {
      req.headers.emplace_back("Content-Type", "application/json");
      req.body = target == "/v1/jobs/batch" ? R"({"jobs":[{"type":"x"}]})"
                                            : R"({"type":"x"})";
    }
    if (!token.empty())
      req.headers.emplace_back("Authorization", "Bearer " + token);
    return route_request(req, opts, now_us);
  }

  // "ok" (a command or the route's own answer), or the refusal's status.
  std::string verdict(const routed& r) {
    if (!r.reply
        || (r.reply->status != 401 && r.reply->status != 403
            && r.reply->status != 429))
      return "ok";
    return std::to_string(r.reply->status);
  }

  std::string code_of(const routed& r) {
    return json::parse(r.reply->body)["error"]["code"].get<std::string>();
  }

  void use_jwt(jwt_options o) {
    auth->jwt = std::make_shared<const jwt_verifier>(std::move(o));
  }
};

jwt_options hs_options() {
  jwt_options o;
  o.hs256_secret = hs_secret;
  o.issuer = "https://issuer.example";
  o.audience = "jobstack";
  return o;
}

jwt_options rs_options() {
  jwt_options o;
  o.rs256_public_key_pem = public_pem(rsa_key());
  return o;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(auth_tests, fixture)

// -- tokens -----------------------------------------------------------------

CAF_TEST(tokens are hashed with sha256) {
  CAF_CHECK_EQUAL(sha256_hex("test"), "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"
                                      "2b0b822cd15d6c15b0f00a08");
  CAF_CHECK_EQUAL(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b"
                                  "934ca495991b7852b855");
}

CAF_TEST(token entries carry a name a hash and scopes) {
  auto entries = parse_token_entries(
      " ci:9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08:"
      "jobs:read+jobs:write , ops.1:"
      + sha256_hex("x") + ":admin");
  CAF_REQUIRE_EQUAL(entries.size(), 2u);
  CAF_CHECK_EQUAL(entries[0].name, "ci");
  CAF_CHECK_EQUAL(entries[0].scopes, scope_jobs_read | scope_jobs_write);
  CAF_CHECK_EQUAL(entries[1].name, "ops.1");
  CAF_CHECK_EQUAL(entries[1].scopes, scope_admin);
  CAF_CHECK(find_token(entries, "test") == &entries[0]); // upper-case hex
  CAF_CHECK(find_token(entries, "x") == &entries[1]);
  CAF_CHECK(find_token(entries, "tesT") == nullptr);
  CAF_CHECK(find_token(entries, "") == nullptr);
  CAF_CHECK(parse_token_entries("").empty());
  CAF_CHECK(parse_token_entries("  ").empty());
}

CAF_TEST(malformed token entries are refused with the entry named) {
  auto hash = sha256_hex("t");
  auto err = [](const std::string& text) {
    return error_of([&] { parse_token_entries(text); });
  };
  CAF_CHECK_EQUAL(err("ci"), "entry 1: want NAME:SHA256HEX:SCOPE[+SCOPE...] "
                             "with NAME 1 to 64 of A-Z a-z 0-9 . _ -");
  CAF_CHECK_EQUAL(err(":" + hash + ":admin").substr(0, 13), "entry 1: want");
  CAF_CHECK_EQUAL(err("a b:" + hash + ":admin").substr(0, 13), "entry 1: want");
  CAF_CHECK_EQUAL(err("ci:" + hash.substr(1) + ":admin"),
                  "entry 1 ('ci'): the hash must be 64 hex digits (the "
                  "SHA-256 of the token) followed by ':' and the scopes");
  CAF_CHECK_EQUAL(err("ci:" + hash), err("ci:" + hash.substr(1) + ":admin"));
  auto bad_hex = hash;
  bad_hex[10] = 'g';
  CAF_CHECK_EQUAL(err("ok:" + hash + ":admin,ci:" + bad_hex + ":admin"),
                  "entry 2 ('ci'): the hash has a character that is not a "
                  "hex digit");
  CAF_CHECK_EQUAL(err("ci:" + hash + ":jobs:delete"),
                  "entry 1 ('ci'): unknown scope 'jobs:delete' (jobs:read, "
                  "jobs:write, admin; join several with '+')");
  CAF_CHECK_EQUAL(err("ci:" + hash + ":"),
                  "entry 1 ('ci'): no scope (jobs:read, jobs:write, admin; "
                  "join several with '+')");
  CAF_CHECK_EQUAL(err("ci:" + hash + ":jobs:read+"),
                  "entry 1 ('ci'): unknown scope '' (jobs:read, jobs:write, "
                  "admin; join several with '+')");
  CAF_CHECK_EQUAL(err("ci:" + hash + ":admin,,x:" + sha256_hex("y") + ":admin"),
                  "entry 2 is empty");
  CAF_CHECK_EQUAL(err("ci:" + hash + ":admin,ci:" + sha256_hex("u") + ":admin"),
                  "entry 2: the name 'ci' is used twice");
  CAF_CHECK_EQUAL(err("ci:" + hash + ":admin,cd:" + hash + ":jobs:read"),
                  "entry 2 ('cd') has the same hash as 'ci'");
  // An error never shows a hash.
  CAF_CHECK(err("ci:" + bad_hex + ":admin").find(bad_hex.substr(0, 8))
            == std::string::npos);
}

CAF_TEST(bearer tokens are b64token characters) {
  CAF_CHECK(is_valid_bearer_token("abc-._~+/XYZ09=="));
  CAF_CHECK(!is_valid_bearer_token(""));
  CAF_CHECK(!is_valid_bearer_token("=="));
  CAF_CHECK(!is_valid_bearer_token("a b"));
  CAF_CHECK(!is_valid_bearer_token("a=b"));
  CAF_CHECK(!is_valid_bearer_token("a\"b"));
  CAF_CHECK(is_valid_bearer_token(std::string(8192, 'a')));
  CAF_CHECK(!is_valid_bearer_token(std::string(8193, 'a')));
}

// -- scopes -----------------------------------------------------------------

CAF_TEST(scopes allow what api md says) {
  CAF_CHECK(allows(scope_jobs_read, access::jobs_read));
  CAF_CHECK(!allows(scope_jobs_read, access::jobs_write));
  CAF_CHECK(!allows(scope_jobs_read, access::admin));
  CAF_CHECK(allows(scope_jobs_write, access::jobs_write));
  CAF_CHECK(!allows(scope_jobs_write, access::jobs_read));
  CAF_CHECK(!allows(scope_jobs_write | scope_jobs_read, access::admin));
  for (auto need : {access::open, access::ops, access::jobs_read,
                    access::jobs_write, access::admin})
    CAF_CHECK(allows(scope_admin, need));
  CAF_CHECK(allows(0, access::ops)); // any valid token
  CAF_CHECK(!allows(0, access::jobs_read));
}

CAF_TEST(every route and method needs its scope) {
  struct row {
    const char* method;
    const char* target;
    const char* reader; // verdict for jobs:read, jobs:write, admin, none
    const char* writer;
    const char* admin;
    const char* none;
  };
  const row rows[] = {
      {"GET", "/v1/jobs", "ok", "403", "ok", "401"},
      {"POST", "/v1/jobs", "403", "ok", "ok", "401"},
      {"POST", "/v1/jobs/batch", "403", "ok", "ok", "401"},
      {"GET", "/v1/jobs/ABC", "ok", "403", "ok", "401"},
      {"DELETE", "/v1/jobs/ABC", "403", "ok", "ok", "401"},
      {"POST", "/v1/jobs/ABC/retry", "403", "ok", "ok", "401"},
      {"GET", "/v1/queues", "ok", "403", "ok", "401"},
      {"GET", "/v1/queues/mail", "ok", "403", "ok", "401"},
      {"GET", "/v1/workers", "403", "403", "ok", "401"},
      {"GET", "/healthz", "ok", "ok", "ok", "ok"},
      {"GET", "/readyz", "ok", "ok", "ok", "ok"},
      {"GET", "/metrics", "ok", "ok", "ok", "ok"},
      {"GET", "/openapi.yaml", "ok", "ok", "ok", "ok"},
      {"GET", "/swagger", "ok", "ok", "ok", "ok"},
  };
  for (auto& r : rows) {
    CAF_MESSAGE(r.method << " " << r.target);
    CAF_CHECK_EQUAL(verdict(call(r.method, r.target, "read-token")), r.reader);
    CAF_CHECK_EQUAL(verdict(call(r.method, r.target, "write-token")), r.writer);
    CAF_CHECK_EQUAL(verdict(call(r.method, r.target, "admin-token")), r.admin);
    CAF_CHECK_EQUAL(verdict(call(r.method, r.target)), r.none);
    auto both = std::string{r.target} == "/v1/workers" ? "403" : "ok";
    CAF_CHECK_EQUAL(verdict(call(r.method, r.target, "both-token")), both);
  }
}

CAF_TEST(auth off lets everything through) {
  auth->enabled = false;
  for (auto target : {"/v1/jobs", "/v1/workers", "/metrics"})
    CAF_CHECK_EQUAL(verdict(call("GET", target)), "ok");
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/workers", "wrong")), "ok");
  opts.auth = nullptr;
  CAF_CHECK_EQUAL(verdict(call("POST", "/v1/jobs")), "ok");
}

CAF_TEST(ops routes need any valid token when not open) {
  auth->open_ops = false;
  for (auto target : {"/healthz", "/readyz", "/metrics"}) {
    auto none = call("GET", target);
    CAF_CHECK_EQUAL(verdict(none), "401");
    CAF_CHECK_EQUAL(header_of(*none.reply, "WWW-Authenticate"), "Bearer");
    CAF_CHECK_EQUAL(verdict(call("GET", target, "wrong")), "401");
    CAF_CHECK_EQUAL(verdict(call("GET", target, "read-token")), "ok");
    CAF_CHECK_EQUAL(verdict(call("GET", target, "write-token")), "ok");
  }
  // The documents stay public: they describe the API, nothing more.
  CAF_CHECK_EQUAL(verdict(call("GET", "/openapi.yaml")), "ok");
}

CAF_TEST(unknown routes and wrong methods answer before auth) {
  auto unknown = call("GET", "/v1/nope");
  CAF_CHECK_EQUAL(unknown.reply->status, 404);
  auto put = call("PUT", "/v1/jobs");
  CAF_CHECK_EQUAL(put.reply->status, 405);
  CAF_CHECK_EQUAL(header_of(*put.reply, "Allow"), "GET, POST");
}

CAF_TEST(a refusal keeps the route for metrics) {
  auto refused = call("GET", "/v1/jobs/ABC");
  CAF_CHECK_EQUAL(refused.route, "/v1/jobs/{id}");
}

// -- 401 and 403 -------------------------------------------------------------

CAF_TEST(a missing token is 401 with a plain bearer challenge) {
  auto r = call("GET", "/v1/jobs");
  CAF_REQUIRE(r.reply);
  CAF_CHECK_EQUAL(r.reply->status, 401);
  CAF_CHECK_EQUAL(r.reply->content_type, "application/json");
  CAF_CHECK_EQUAL(code_of(r), "unauthorized");
  CAF_CHECK_EQUAL(header_of(*r.reply, "WWW-Authenticate"), "Bearer");
  api_request basic;
  basic.method = "GET";
  basic.target = "/v1/jobs";
  basic.headers = {{"authorization", "Basic dXNlcjpwYXNz"}};
  auto other = route_request(basic, opts, now_us);
  CAF_CHECK_EQUAL(header_of(*other.reply, "WWW-Authenticate"), "Bearer");
}

CAF_TEST(a wrong token is 401 invalid_token and never echoed) {
  for (auto token : {"not-a-known-token-4711", "a b", "read-token2"}) {
    auto r = call("GET", "/v1/jobs", token);
    CAF_REQUIRE(r.reply);
    CAF_CHECK_EQUAL(r.reply->status, 401);
    CAF_CHECK_EQUAL(code_of(r), "unauthorized");
    CAF_CHECK_EQUAL(header_of(*r.reply, "WWW-Authenticate"),
                    R"(Bearer error="invalid_token")");
    CAF_CHECK_EQUAL(r.reply->body.find(token), std::string::npos);
  }
  api_request empty;
  empty.method = "GET";
  empty.target = "/v1/jobs";
  empty.headers = {{"Authorization", "Bearer   "}};
  auto r = route_request(empty, opts, now_us);
  CAF_CHECK_EQUAL(header_of(*r.reply, "WWW-Authenticate"),
                  R"(Bearer error="invalid_token")");
}

CAF_TEST(the bearer scheme is case insensitive) {
  api_request req;
  req.method = "GET";
  req.target = "/v1/jobs";
  req.headers = {{"AUTHORIZATION", "bEaReR read-token"}};
  CAF_CHECK_EQUAL(verdict(route_request(req, opts, now_us)), "ok");
  req.headers = {{"Authorization", "Bearerread-token"}};
  CAF_CHECK_EQUAL(verdict(route_request(req, opts, now_us)), "401");
}

CAF_TEST(a token without the scope is 403 naming it) {
  auto r = call("POST", "/v1/jobs", "read-token");
  CAF_REQUIRE(r.reply);
  CAF_CHECK_EQUAL(r.reply->status, 403);
  CAF_CHECK_EQUAL(code_of(r), "forbidden");
  CAF_CHECK_EQUAL(message_of(r), "the token lacks the scope jobs:write");
  CAF_CHECK_EQUAL(header_of(*r.reply, "WWW-Authenticate"),
                  R"(Bearer error="insufficient_scope", scope="jobs:write")");
  auto workers = call("GET", "/v1/workers", "both-token");
  CAF_CHECK_EQUAL(message_of(workers), "the token lacks the scope admin");
}

// -- JWT ----------------------------------------------------------------------

CAF_TEST(a good hs256 jwt passes with its scopes) {
  jwt_verifier v{hs_options()};
  auto r = v.verify(hs256_jwt(good_claims()), now_us);
  CAF_CHECK(r.ok);
  CAF_CHECK_EQUAL(r.subject, "ci-bot");
  CAF_REQUIRE_EQUAL(r.scopes.size(), 2u);
  CAF_CHECK_EQUAL(r.scopes[0], "jobs:read");
  use_jwt(hs_options());
  auto token = hs256_jwt(good_claims());
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/jobs", token)), "ok");
  CAF_CHECK_EQUAL(verdict(call("POST", "/v1/jobs", token)), "403");
  auto admin = hs256_jwt(with(good_claims(), "scope", "admin"));
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/workers", admin)), "ok");
  auto none = hs256_jwt(with(good_claims(), "scope", nullptr));
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/jobs", none)), "403");
}

CAF_TEST(jwt time claims are checked with a small leeway) {
  jwt_verifier v{hs_options()};
  auto reason = [&](const json& claims) {
    return reason_of(v, hs256_jwt(claims));
  };
  CAF_CHECK_EQUAL(reason(with(good_claims(), "exp", now_s - 60)),
                  "token expired");
  CAF_CHECK_EQUAL(reason(with(good_claims(), "exp", now_s - 10)), "ok");
  CAF_CHECK_EQUAL(reason(with(good_claims(), "exp", nullptr)),
                  "token has no exp claim");
  CAF_CHECK_EQUAL(reason(with(good_claims(), "exp", "tomorrow")),
                  "token has no exp claim");
  CAF_CHECK_EQUAL(reason(with(good_claims(), "nbf", now_s + 60)),
                  "token not yet valid");
  CAF_CHECK_EQUAL(reason(with(good_claims(), "nbf", now_s + 10)), "ok");
  CAF_CHECK_EQUAL(reason(with(good_claims(), "nbf", nullptr)), "ok");
  use_jwt(hs_options());
  auto expired = call("GET", "/v1/jobs",
                      hs256_jwt(with(good_claims(), "exp", now_s - 3600)));
  CAF_CHECK_EQUAL(verdict(expired), "401");
  CAF_CHECK_EQUAL(header_of(*expired.reply, "WWW-Authenticate"),
                  R"(Bearer error="invalid_token")");
  CAF_CHECK_EQUAL(message_of(expired), "token expired");
}

CAF_TEST(jwt issuer and audience are checked when configured) {
  jwt_verifier v{hs_options()};
  auto reason = [&](const json& claims) {
    return reason_of(v, hs256_jwt(claims));
  };
  CAF_CHECK_EQUAL(reason(with(good_claims(), "iss", "https://evil.example")),
                  "token has the wrong issuer");
  CAF_CHECK_EQUAL(reason(with(good_claims(), "iss", nullptr)),
                  "token has the wrong issuer");
  CAF_CHECK_EQUAL(reason(with(good_claims(), "aud", "other")),
                  "token has the wrong audience");
  CAF_CHECK_EQUAL(reason(with(good_claims(), "aud", nullptr)),
                  "token has the wrong audience");
  CAF_CHECK_EQUAL(
      reason(with(good_claims(), "aud", json::array({"x", "jobstack"}))), "ok");
  auto relaxed = hs_options();
  relaxed.issuer.clear();
  relaxed.audience.clear();
  jwt_verifier open{relaxed};
  CAF_CHECK(
      open.verify(hs256_jwt(with(good_claims(), "aud", "other")), now_us).ok);
}

CAF_TEST(jwt signatures must verify) {
  jwt_verifier v{hs_options()};
  auto token = hs256_jwt(good_claims());
  CAF_CHECK(
      !v.verify(hs256_jwt(good_claims(), std::string(40, 'x')), now_us).ok);
  // The payload swapped for one with more scopes: the signature no longer
  // fits.
  auto dot1 = token.find('.');
  auto dot2 = token.rfind('.');
  auto forged = token.substr(0, dot1 + 1)
                + base64url_encode(with(good_claims(), "scope", "admin").dump())
                + token.substr(dot2);
  CAF_CHECK_EQUAL(reason_of(v, forged), "token signature is not valid");
  CAF_CHECK(!v.verify(token.substr(0, dot2 + 1) + "AAAA", now_us).ok);
  CAF_CHECK(!v.verify(token.substr(0, dot2), now_us).ok);
  CAF_CHECK(!v.verify("a.b.c", now_us).ok);
  CAF_CHECK(!v.verify(token + ".x", now_us).ok);
  CAF_CHECK(!v.verify("", now_us).ok);
}

CAF_TEST(alg none and other algorithms are refused) {
  jwt_verifier v{hs_options()};
  auto unsigned_token = base64url_encode(R"({"alg":"none","typ":"JWT"})") + "."
                        + base64url_encode(good_claims().dump()) + ".";
  CAF_CHECK(!v.verify(unsigned_token, now_us).ok);
  auto none_signed = make_jwt({{"alg", "none"}}, good_claims(),
                              [](const std::string&) { return "x"; });
  CAF_CHECK_EQUAL(reason_of(v, none_signed), "token algorithm is not accepted");
  auto none_caps = make_jwt({{"alg", "None"}}, good_claims(),
                            [](auto&) { return std::string{"x"}; });
  CAF_CHECK(!v.verify(none_caps, now_us).ok);
  CAF_CHECK(!v.verify(hs256_jwt(good_claims(), hs_secret, "HS512"), now_us).ok);
  auto critical = make_jwt(
      {{"alg", "HS256"}, {"crit", json::array({"exp"})}}, good_claims(),
      [](const std::string& s) { return hmac_sha256(hs_secret, s); });
  CAF_CHECK_EQUAL(reason_of(v, critical),
                  "token has critical header extensions");
  // Through the route: alg none is a 401 like any bad token.
  use_jwt(hs_options());
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/jobs", none_signed)), "401");
}

CAF_TEST(a good rs256 jwt passes and other keys do not ) {
  jwt_verifier v{rs_options()};
  CAF_CHECK_EQUAL(v.algorithms(), "RS256");
  auto r = v.verify(rs256_jwt(good_claims()), now_us);
  CAF_CHECK(r.ok);
  CAF_CHECK_EQUAL(r.subject, "ci-bot");
  CAF_CHECK_EQUAL(reason_of(v, rs256_jwt(good_claims(), other_rsa_key())),
                  "token signature is not valid");
  CAF_CHECK_EQUAL(
      reason_of(v, rs256_jwt(with(good_claims(), "exp", now_s - 100))),
      "token expired");
  // Without an HS256 secret, HS256 tokens are refused outright.
  CAF_CHECK(!v.verify(hs256_jwt(good_claims()), now_us).ok);
  use_jwt(rs_options());
  auto admin = rs256_jwt(with(good_claims(), "scope", "admin"));
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/workers", admin)), "ok");
}

CAF_TEST(an hs256 token keyed with the rsa public key is refused) {
  // Algorithm confusion: the attacker knows the public key and signs an
  // HS256 token with its PEM text as the HMAC secret.
  auto pem = public_pem(rsa_key());
  auto confused = hs256_jwt(with(good_claims(), "scope", "admin"), pem);
  jwt_verifier rs_only{rs_options()};
  CAF_CHECK_EQUAL(reason_of(rs_only, confused), "token signature is not valid");
  auto both_opts = rs_options();
  both_opts.hs256_secret = hs_secret;
  jwt_verifier both{both_opts};
  CAF_CHECK_EQUAL(both.algorithms(), "HS256, RS256");
  CAF_CHECK(!both.verify(confused, now_us).ok);
  CAF_CHECK(both.verify(hs256_jwt(good_claims()), now_us).ok);
  CAF_CHECK(both.verify(rs256_jwt(good_claims()), now_us).ok);
  // And an RS256 header over an HMAC signature fails too.
  auto swapped
      = make_jwt({{"alg", "RS256"}}, good_claims(), [](const std::string& s) {
          return hmac_sha256(hs_secret, s);
        });
  CAF_CHECK(!both.verify(swapped, now_us).ok);
}

CAF_TEST(jwt keys are checked when the verifier is made) {
  jwt_options shorty;
  shorty.hs256_secret = std::string(31, 's');
  CAF_CHECK_EQUAL(error_of([&] { jwt_verifier{shorty}; }),
                  "has 31 bytes; want at least 32");
  CAF_CHECK_EQUAL(error_of([] { jwt_verifier{jwt_options{}}; }),
                  "a JWT verifier needs an HS256 secret or an RS256 public "
                  "key");
  CAF_CHECK_EQUAL(error_of([] { load_rs256_public_key("not a pem"); }),
                  "is not a PEM public key (BEGIN PUBLIC KEY)");
  CAF_CHECK_EQUAL(
      error_of([] { load_rs256_public_key(public_pem(make_key("EC"))); }),
      "is not an RSA public key");
  CAF_CHECK_EQUAL(error_of([] {
                    load_rs256_public_key(public_pem(make_key("RSA", 1024)));
                  }),
                  "is an RSA key of 1024 bits; want at least 2048");
}

CAF_TEST(base64url round trips and rejects padding) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "\xff\xfe\x00"})
    CAF_CHECK_EQUAL(test::value_of(*base64url_decode(base64url_encode(s))), s);
  CAF_CHECK_EQUAL(base64url_encode("\xfb\xff"), "-_8");
  CAF_CHECK(!base64url_decode("Zm9v=").has_value());
  CAF_CHECK(!base64url_decode("Zm+v").has_value());
  CAF_CHECK(!base64url_decode("Z").has_value());
}

// -- rate limit ---------------------------------------------------------------

CAF_TEST(the rate limiter allows a burst then refills) {
  rate_limiter limiter{2, 3};
  for (int i = 0; i < 3; ++i)
    CAF_CHECK_EQUAL(limiter.take("a", now_us), 0);
  CAF_CHECK_EQUAL(limiter.take("a", now_us), 1);
  CAF_CHECK_EQUAL(limiter.take("b", now_us), 0);          // each caller its own
  CAF_CHECK_EQUAL(limiter.take("a", now_us + 500000), 0); // 1 refilled
  CAF_CHECK_EQUAL(limiter.take("a", now_us + 500000), 1);
  CAF_CHECK_EQUAL(limiter.take("a", now_us - 1000000), 1); // clock stepped back
  rate_limiter slow{0.25, 1};
  CAF_CHECK_EQUAL(slow.take("a", now_us), 0);
  CAF_CHECK_EQUAL(slow.take("a", now_us), 4); // whole seconds to wait
  CAF_CHECK_EQUAL(slow.take("a", now_us + 3500000), 1);
}

CAF_TEST(the rate limiter forgets idle and old callers) {
  rate_limiter limiter{1, 2, 3};
  for (int i = 0; i < 10; ++i)
    limiter.take("k" + std::to_string(i), now_us);
  CAF_CHECK_EQUAL(limiter.size(), 3u); // at most max_keys
  // k9 is still remembered: its bucket is not full again.
  limiter.take("k9", now_us);
  CAF_CHECK_EQUAL(limiter.take("k9", now_us), 1);
  // Once full again, buckets are dropped as others come.
  limiter.take("late", now_us + 10000000);
  CAF_CHECK_EQUAL(limiter.size(), 1u);
}

CAF_TEST(rate limited requests get 429 with retry after) {
  opts.limiter = std::make_shared<rate_limiter>(1, 2);
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/jobs", "read-token")), "ok");
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/jobs", "read-token")), "ok");
  auto limited = call("GET", "/v1/jobs", "read-token");
  CAF_REQUIRE_EQUAL(verdict(limited), "429");
  CAF_CHECK_EQUAL(code_of(limited), "rate_limited");
  CAF_CHECK_EQUAL(header_of(*limited.reply, "Retry-After"), "1");
  // Per token: another token (from the same address) still passes.
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/jobs", "write-token")), "403");
  CAF_CHECK_EQUAL(verdict(call("POST", "/v1/jobs", "write-token")), "ok");
  // Ops routes are never limited.
  CAF_CHECK_EQUAL(verdict(call("GET", "/healthz", "read-token")), "ok");
  // Failed authentications are charged to the address.
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/jobs", "guess1", "10.9.9.9")),
                  "401");
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/jobs", "guess2", "10.9.9.9")),
                  "401");
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/jobs", "guess3", "10.9.9.9")),
                  "429");
}

CAF_TEST(without auth the rate limit is per client address) {
  auth->enabled = false;
  opts.limiter = std::make_shared<rate_limiter>(1, 1);
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/jobs", "", "10.0.0.1")), "ok");
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/jobs", "", "10.0.0.1")), "429");
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/jobs", "", "10.0.0.2")), "ok");
  CAF_CHECK_EQUAL(verdict(call("GET", "/metrics", "", "10.0.0.1")), "ok");
}

CAF_TEST_FIXTURE_SCOPE_END()

// -- settings -----------------------------------------------------------------

namespace {

struct settings_fixture {
  std::map<std::string, std::string> env;
  node_config cfg{"test", "test", access_setting_list()};

  access_settings read() {
    settings_reader in{cfg, [this](const char* name) -> const char* {
                         auto i = env.find(name);
                         return i == env.end() ? nullptr : i->second.c_str();
                       }};
    return read_access_settings(in);
  }

  std::string error() {
    try {
      read();
    } catch (const settings_error& e) {
      return e.what();
    }
    return "no error";
  }

  std::string temp_file(const std::string& content) {
    char name[] = "/tmp/jobstack-auth-test-XXXXXX";
    auto fd = mkstemp(name);
    CAF_REQUIRE(fd >= 0);
    close(fd);
    std::ofstream{name} << content;
    files.push_back(name);
    return name;
  }

  ~settings_fixture() {
    for (auto& f : files)
      std::remove(f.c_str());
  }

  std::vector<std::string> files;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(auth_settings_tests, settings_fixture)

CAF_TEST(auth is off and unlimited by default) {
  auto s = read();
  CAF_CHECK(!s.auth->enabled);
  CAF_CHECK(s.auth->open_ops);
  CAF_CHECK(s.auth->tokens.empty());
  CAF_CHECK(s.auth->jwt == nullptr);
  CAF_CHECK(s.limiter == nullptr);
  CAF_CHECK_EQUAL(describe_access(s), "authorization off; no rate limit");
}

CAF_TEST(auth settings are read from the environment) {
  env["CSC_AUTH_ENABLED"] = "TRUE";
  env["CSC_AUTH_TOKENS"] = "ci:" + sha256_hex("t") + ":jobs:read";
  env["CSC_AUTH_OPEN_OPS"] = "off";
  env["CSC_AUTH_JWT_HS256_SECRET"] = hs_secret;
  env["CSC_AUTH_JWT_RS256_PUBLIC_KEY_FILE"] = temp_file(public_pem(rsa_key()));
  env["CSC_HTTP_RATE_LIMIT"] = "5";
  auto s = read();
  CAF_CHECK(s.auth->enabled);
  CAF_CHECK(!s.auth->open_ops);
  CAF_REQUIRE_EQUAL(s.auth->tokens.size(), 1u);
  CAF_REQUIRE(s.auth->jwt != nullptr);
  CAF_CHECK_EQUAL(s.auth->jwt->algorithms(), "HS256, RS256");
  CAF_REQUIRE(s.limiter != nullptr);
  CAF_CHECK_EQUAL(s.limiter->burst(), 5.0); // 0: the same as the rate
  auto line = describe_access(s);
  CAF_CHECK_EQUAL(line.substr(0, 44),
                  "authorization on: 1 token(s) (ci), JWT HS256");
  CAF_CHECK_EQUAL(line.find(hs_secret), std::string::npos);
  CAF_CHECK_EQUAL(line.find(sha256_hex("t")), std::string::npos);
}

CAF_TEST(auth settings are flags too) {
  env["CSC_AUTH_ENABLED"] = "false";
  std::string tokens = "--auth.tokens=ci:" + sha256_hex("t") + ":admin";
  std::vector<std::string> args{"test", "--auth.enabled=true", tokens,
                                "--http.rate_limit=7"};
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  CAF_REQUIRE(
      parse_node_config(cfg, static_cast<int>(argv.size()), argv.data()));
  auto s = read();
  CAF_CHECK(s.auth->enabled); // the command line wins
  CAF_CHECK_EQUAL(s.auth->tokens.size(), 1u);
  CAF_REQUIRE(s.limiter != nullptr);
  CAF_CHECK_EQUAL(s.limiter->rate(), 7.0);
}

CAF_TEST(bad auth settings are one clear line) {
  env["CSC_AUTH_ENABLED"] = "maybe";
  CAF_CHECK_EQUAL(error(),
                  "auth.enabled (CSC_AUTH_ENABLED)=maybe: must be true or "
                  "false");
  env["CSC_AUTH_ENABLED"] = "true";
  CAF_CHECK_EQUAL(error(), "auth.enabled (CSC_AUTH_ENABLED) is true, but no "
                           "token can pass: set auth.tokens (CSC_AUTH_TOKENS) "
                           "or a JWT key (auth.jwt_hs256_secret "
                           "(CSC_AUTH_JWT_HS256_SECRET), "
                           "auth.jwt_rs256_public_key_file "
                           "(CSC_AUTH_JWT_RS256_PUBLIC_KEY_FILE))");
  env["CSC_AUTH_TOKENS"] = "ci:abc:admin";
  CAF_CHECK_EQUAL(error().substr(0, 50),
                  "auth.tokens (CSC_AUTH_TOKENS): entry 1 ('ci'): the");
  env["CSC_AUTH_TOKENS"] = "ci:" + sha256_hex("t") + ":root";
  CAF_CHECK_EQUAL(error().rfind("auth.tokens (CSC_AUTH_TOKENS): entry 1 "
                                "('ci'): unknown scope 'root'",
                                0),
                  0u);
  env["CSC_AUTH_TOKENS"] = "ci:" + sha256_hex("t") + ":admin";
  CAF_CHECK_EQUAL(error(), "no error");
  env["CSC_AUTH_JWT_HS256_SECRET"] = "short-secret";
  CAF_CHECK_EQUAL(error(), "auth.jwt_hs256_secret (CSC_AUTH_JWT_HS256_SECRET): "
                           "has 12 bytes; want at least 32");
  env.erase("CSC_AUTH_JWT_HS256_SECRET");
  env["CSC_AUTH_JWT_RS256_PUBLIC_KEY_FILE"] = "/nonexistent/key.pem";
  CAF_CHECK_EQUAL(error(), "auth.jwt_rs256_public_key_file "
                           "(CSC_AUTH_JWT_RS256_PUBLIC_KEY_FILE)=/nonexistent/"
                           "key.pem: cannot read it (No such file or "
                           "directory)");
  auto junk = temp_file("junk");
  env["CSC_AUTH_JWT_RS256_PUBLIC_KEY_FILE"] = junk;
  CAF_CHECK_EQUAL(error(), "auth.jwt_rs256_public_key_file "
                           "(CSC_AUTH_JWT_RS256_PUBLIC_KEY_FILE)="
                               + junk
                               + ": is not a PEM public key (BEGIN PUBLIC "
                                 "KEY)");
  env.erase("CSC_AUTH_JWT_RS256_PUBLIC_KEY_FILE");
  env["CSC_AUTH_JWT_ISSUER"] = "https://issuer.example";
  CAF_CHECK_EQUAL(error().substr(0, 46),
                  "auth.jwt_issuer (CSC_AUTH_JWT_ISSUER) or auth.");
  env.erase("CSC_AUTH_JWT_ISSUER");
  env["CSC_HTTP_RATE_LIMIT"] = "-1";
  CAF_CHECK_EQUAL(error(), "CSC_HTTP_RATE_LIMIT=-1: must be an integer from "
                           "0 to 1000000");
}

CAF_TEST(a secret never shows in a settings error) {
  env["CSC_AUTH_JWT_HS256_SECRET"] = "hunter2-but-short";
  CAF_CHECK_EQUAL(error().find("hunter2"), std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE_END()
