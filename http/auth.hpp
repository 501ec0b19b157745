// Authorization of the HTTP API (API.md "Authorization"), off by default:
// bearer tokens with OAuth-style scopes, checked against a table of SHA-256
// hashes (the server never holds a token itself) or, optionally, verified
// as JWTs (http/jwt.hpp). Then a per-caller rate limit (http/rate_limiter).
//
// All of it is plain functions over plain data, so route_request stays a
// pure function of its inputs and the unit tests need no server. A token
// never appears in a reply, an error or a log line; replies name at most the
// configured entry's name.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/http_reply.hpp"

namespace jobstack {

class jwt_verifier;
class rate_limiter;

/// A bad `auth.*` value; the settings layer adds which setting it was.
struct auth_config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// -- scopes ---------------------------------------------------------------

/// What a route needs: one column of the route table (http/routes.cpp).
enum class access : uint8_t {
  open,       ///< never checked: /openapi.yaml, /swagger (public documents)
  ops,        ///< /healthz, /readyz, /metrics: open unless auth.open_ops is
              ///< false, then any valid token
  jobs_read,  ///< GET /v1/...
  jobs_write, ///< POST and DELETE /v1/...
  admin,      ///< GET /v1/workers
};

/// Scopes a token carries, as bits; `admin` allows everything.
using scope_set = uint8_t;
constexpr scope_set scope_jobs_read = 1;
constexpr scope_set scope_jobs_write = 2;
constexpr scope_set scope_admin = 4;

/// The bit of "jobs:read", "jobs:write" or "admin"; nothing for others.
std::optional<scope_set> parse_scope(std::string_view name);

/// The scope name a route needs ("jobs:read", ...); "" for open and ops.
const char* scope_name(access need);

/// True if a caller holding `have` may use a route that needs `need`.
bool allows(scope_set have, access need);

// -- static tokens ----------------------------------------------------------

/// SHA-256 of `text`.
std::array<unsigned char, 32> sha256(std::string_view text);

/// SHA-256 of `text` as 64 lower-case hex digits (what auth.tokens holds;
/// `jobstack-ctl hash-token` prints it).
std::string sha256_hex(std::string_view text);

/// One configured token: its name (for logs and rate limits), the SHA-256
/// of the token and its scopes.
struct token_entry {
  std::string name;
  std::array<unsigned char, 32> hash{};
  scope_set scopes = 0;
};

/// Parses auth.tokens: comma-separated `NAME:SHA256HEX:SCOPE[+SCOPE...]`,
/// e.g. `ci:9f86d0...0a08:jobs:read+jobs:write`. NAME is 1..64 of
/// [A-Za-z0-9._-] (no ':'), the hash exactly 64 hex digits, so the scopes
/// (which contain ':') are whatever follows the second ':'. Blank text is no
/// entries. Throws auth_config_error naming the entry (never its hash).
std::vector<token_entry> parse_token_entries(std::string_view text);

/// The entry whose hash is SHA-256(token), or null. Every entry is compared,
/// in constant time (CRYPTO_memcmp), whichever matches.
const token_entry* find_token(const std::vector<token_entry>& table,
                              std::string_view token);

/// True if `token` can be sent as a bearer token (RFC 6750 b64token:
/// [A-Za-z0-9._~+/-]+ then '=' padding), 1..8192 characters.
bool is_valid_bearer_token(std::string_view token);

// -- authentication -----------------------------------------------------------

struct auth_options {
  bool enabled = false;
  /// /healthz, /readyz and /metrics need no token (false: any valid one).
  bool open_ops = true;
  std::vector<token_entry> tokens;
  /// Verifies JWT bearer tokens; null: only the static tokens are accepted.
  std::shared_ptr<const jwt_verifier> jwt;
};

/// Who made a request: a token entry's name or "jwt:SUBJECT".
struct principal {
  std::string name;
  scope_set scopes = 0;
};

struct auth_result {
  std::optional<principal> who; ///< set when authenticated
  bool token_given = false;     ///< a Bearer credential was sent
  std::string reason;           ///< why not, for the 401 message
};

/// Checks an `Authorization` header value (nothing: the header is absent)
/// against the static tokens, then, for a JWT, the verifier. `now` is unix
/// time in us.
auth_result authenticate(const auth_options& options,
                         const std::optional<std::string>& authorization,
                         int64_t now);

// -- the gate ---------------------------------------------------------------

/// What admit() needs to know about one request.
struct admission {
  access need = access::open;
  std::optional<std::string> authorization; ///< the header's value
  std::string client_address;               ///< peer IP, keys the rate limit
};

/// The check every routed request passes before its handler: authentication
/// (when auth is on and the route needs it: 401), the rate limit (API routes
/// only, per token or per client address when auth is off: 429), then the
/// scope (403). Returns the refusal, or nothing to go on. A failed
/// authentication is charged to the client address, so guessing tokens is
/// rate limited too. Either pointer may be null (no auth, no limit).
std::optional<http_reply> admit(const admission& request,
                                const auth_options* auth, rate_limiter* limiter,
                                int64_t now);

/// 401 `unauthorized` with `WWW-Authenticate: Bearer` (plus
/// `error="invalid_token"` when a token was given).
http_reply unauthorized_reply(const auth_result& result);

/// 403 `forbidden` naming the scope `need` wants.
http_reply forbidden_reply(access need);

/// 429 `rate_limited` with `Retry-After: seconds`.
http_reply rate_limited_reply(int64_t seconds);

} // namespace jobstack
