// Bearer tokens, scopes and the admission gate; see auth.hpp.
#include "http/auth.hpp"

#include <algorithm>
#include <cctype>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "http/jwt.hpp"
#include "http/rate_limiter.hpp"

namespace jobstack {

namespace {

constexpr size_t max_token_bytes = 8192;
constexpr size_t max_name_bytes = 64;

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.'
         || c == '_' || c == '-';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::string trim(std::string_view text) {
  auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos)
    return {};
  auto last = text.find_last_not_of(" \t");
  return std::string{text.substr(first, last - first + 1)};
}

// Splits at `sep`, keeping empty items (they are errors for the caller).
std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    auto end = text.find(sep, start);
    out.push_back(text.substr(start, end == std::string_view::npos
                                         ? std::string_view::npos
                                         : end - start));
    if (end == std::string_view::npos)
      return out;
    start = end + 1;
  }
}

scope_set parse_scope_list(std::string_view text, const std::string& where) {
  if (text.empty())
    throw auth_config_error(where
                            + ": no scope (jobs:read, jobs:write, "
                              "admin; join several with '+')");
  scope_set scopes = 0;
  for (auto item : split(text, '+')) {
    auto bit = parse_scope(item);
    if (!bit)
      throw auth_config_error(where + ": unknown scope '" + std::string{item}
                              + "' (jobs:read, jobs:write, admin; join "
                                "several with '+')");
    scopes |= *bit;
  }
  return scopes;
}

// One `NAME:SHA256HEX:SCOPES` entry; `where` names it in errors.
token_entry parse_token_entry(std::string_view text, const std::string& where) {
  token_entry e;
  auto colon = text.find(':');
  e.name = std::string{text.substr(0, colon)};
  if (colon == std::string_view::npos || e.name.empty()
      || e.name.size() > max_name_bytes
      || !std::all_of(e.name.begin(), e.name.end(), is_name_char))
    throw auth_config_error(where
                            + ": want NAME:SHA256HEX:SCOPE[+SCOPE...] "
                              "with NAME 1 to 64 of A-Z a-z 0-9 . _ -");
  auto rest = text.substr(colon + 1);
  if (rest.size() < 65 || rest[64] != ':')
    throw auth_config_error(where + " ('" + e.name
                            + "'): the hash must be 64 hex digits (the "
                              "SHA-256 of the token) followed by ':' and "
                              "the scopes");
  for (size_t i = 0; i < 32; ++i) {
    auto hi = hex_value(rest[2 * i]);
    auto lo = hex_value(rest[2 * i + 1]);
    if (hi < 0 || lo < 0)
      throw auth_config_error(where + " ('" + e.name
                              + "'): the hash has a character that is not "
                                "a hex digit");
    e.hash[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  e.scopes = parse_scope_list(rest.substr(65), where + " ('" + e.name + "')");
  return e;
}

// The credential of an Authorization header: `token` when it is
// `Bearer TOKEN`; `given` when the Bearer scheme was used at all.
struct bearer_credential {
  bool given = false;
  std::string token;
};

bearer_credential bearer_of(const std::optional<std::string>& header) {
  bearer_credential out;
  if (!header)
    return out;
  auto value = trim(*header);
  constexpr std::string_view scheme = "bearer";
  if (value.size() < scheme.size()
      || !std::equal(scheme.begin(), scheme.end(), value.begin(),
                     [](char a, char b) {
                       return a == std::tolower(static_cast<unsigned char>(b));
                     }))
    return out; // another scheme (Basic, ...): as if none was sent
  if (value.size() > scheme.size() && value[scheme.size()] != ' '
      && value[scheme.size()] != '\t')
    return out; // e.g. "BearerX": not the Bearer scheme either
  out.given = true;
  out.token = trim(std::string_view{value}.substr(scheme.size()));
  return out;
}

auth_result rejected(std::string reason) {
  auth_result r;
  r.token_given = true;
  r.reason = std::move(reason);
  return r;
}

auth_result accepted(std::string name, scope_set scopes) {
  auth_result r;
  r.token_given = true;
  r.who = principal{std::move(name), scopes};
  return r;
}

auth_result check_jwt(const jwt_verifier& jwt, const std::string& token,
                      int64_t now) {
  auto verdict = jwt.verify(token, now);
  if (!verdict.ok)
    return rejected(verdict.reason);
  scope_set scopes = 0;
  for (auto& name : verdict.scopes) // other services' scopes are ignored
    scopes |= parse_scope(name).value_or(0);
  return accepted("jwt:" + (verdict.subject.empty() ? "-" : verdict.subject),
                  scopes);
}

bool is_api(access need) {
  return need == access::jobs_read || need == access::jobs_write
         || need == access::admin;
}

bool needs_token(access need, const auth_options& auth) {
  return auth.enabled
         && (is_api(need) || (need == access::ops && !auth.open_ops));
}

} // namespace

// -- scopes ---------------------------------------------------------------

std::optional<scope_set> parse_scope(std::string_view name) {
  if (name == "jobs:read")
    return scope_jobs_read;
  if (name == "jobs:write")
    return scope_jobs_write;
  if (name == "admin")
    return scope_admin;
  return std::nullopt;
}

const char* scope_name(access need) {
  switch (need) {
  case access::jobs_read:
    return "jobs:read";
  case access::jobs_write:
    return "jobs:write";
  case access::admin:
    return "admin";
  default:
    return "";
  }
}

bool allows(scope_set have, access need) {
  if ((have & scope_admin) != 0)
    return true;
  switch (need) {
  case access::open:
  case access::ops:
    return true; // any valid token
  case access::jobs_read:
    return (have & scope_jobs_read) != 0;
  case access::jobs_write:
    return (have & scope_jobs_write) != 0;
  case access::admin:
    return false;
  }
  return false;
}

// -- static tokens ----------------------------------------------------------

std::array<unsigned char, 32> sha256(std::string_view text) {
  std::array<unsigned char, 32> out{};
  unsigned int len = 0;
  if (EVP_Digest(text.data(), text.size(), out.data(), &len, EVP_sha256(),
                 nullptr)
          != 1
      || len != out.size())
    throw std::runtime_error("OpenSSL cannot compute SHA-256");
  return out;
}

std::string sha256_hex(std::string_view text) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (auto byte : sha256(text)) {
    out += digits[byte >> 4];
    out += digits[byte & 0xf];
  }
  return out;
}

std::vector<token_entry> parse_token_entries(std::string_view text) {
  std::vector<token_entry> out;
  if (trim(text).empty())
    return out;
  auto items = split(text, ',');
  for (size_t i = 0; i < items.size(); ++i) {
    auto where = "entry " + std::to_string(i + 1);
    auto item = trim(items[i]);
    if (item.empty())
      throw auth_config_error(where + " is empty");
    auto e = parse_token_entry(item, where);
    for (auto& seen : out) {
      if (seen.name == e.name)
        throw auth_config_error(where + ": the name '" + e.name
                                + "' is used twice");
      if (seen.hash == e.hash)
        throw auth_config_error(where + " ('" + e.name
                                + "') has the same hash as '" + seen.name
                                + "'");
    }
    out.push_back(std::move(e));
  }
  return out;
}

const token_entry* find_token(const std::vector<token_entry>& table,
                              std::string_view token) {
  auto digest = sha256(token);
  const token_entry* found = nullptr;
  // No early exit: the time taken does not depend on which entry matches.
  for (auto& e : table) {
    auto same = CRYPTO_memcmp(e.hash.data(), digest.data(), digest.size());
    if (same == 0 && found == nullptr)
      found = &e;
  }
  return found;
}

bool is_valid_bearer_token(std::string_view token) {
  if (token.empty() || token.size() > max_token_bytes)
    return false;
  auto body_end = token.find_last_not_of('=');
  if (body_end == std::string_view::npos)
    return false; // padding only
  return std::all_of(token.begin(), token.begin() + body_end + 1, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0
           || std::string_view{"-._~+/"}.find(c) != std::string_view::npos;
  });
}

// -- authentication -----------------------------------------------------------

auth_result authenticate(const auth_options& options,
                         const std::optional<std::string>& authorization,
                         int64_t now) {
  auto credential = bearer_of(authorization);
  if (!credential.given) {
    auth_result r;
    r.reason = "a bearer token is required";
    return r;
  }
  if (!is_valid_bearer_token(credential.token))
    return rejected("the bearer token is malformed");
  if (auto* entry = find_token(options.tokens, credential.token))
    return accepted(entry->name, entry->scopes);
  if (options.jwt && looks_like_jwt(credential.token))
    return check_jwt(*options.jwt, credential.token, now);
  return rejected("the bearer token is not valid");
}

// -- the gate ---------------------------------------------------------------

std::optional<http_reply> admit(const admission& request,
                                const auth_options* auth, rate_limiter* limiter,
                                int64_t now) {
  std::string caller = "addr:" + request.client_address;
  std::optional<auth_result> result;
  if (auth != nullptr && needs_token(request.need, *auth)) {
    result = authenticate(*auth, request.authorization, now);
    if (!result->who) {
      // Failures count against the address: guessing is limited too.
      if (limiter != nullptr && is_api(request.need))
        if (auto wait = limiter->take(caller, now); wait > 0)
          return rate_limited_reply(wait);
      return unauthorized_reply(*result);
    }
    caller = "token:" + result->who->name;
  }
  if (limiter != nullptr && is_api(request.need))
    if (auto wait = limiter->take(caller, now); wait > 0)
      return rate_limited_reply(wait);
  if (result && !allows(result->who->scopes, request.need))
    return forbidden_reply(request.need);
  return std::nullopt;
}

http_reply unauthorized_reply(const auth_result& result) {
  auto reply = error_reply(401, "unauthorized", result.reason);
  reply.headers.emplace_back(
      "WWW-Authenticate",
      result.token_given ? R"(Bearer error="invalid_token")" : "Bearer");
  return reply;
}

http_reply forbidden_reply(access need) {
  std::string scope = scope_name(need);
  auto reply
      = error_reply(403, "forbidden", "the token lacks the scope " + scope);
  // RFC 6750 section 3.1: say which scope would do.
  reply.headers.emplace_back("WWW-Authenticate",
                             R"(Bearer error="insufficient_scope", scope=")"
                                 + scope + "\"");
  return reply;
}

http_reply rate_limited_reply(int64_t seconds) {
  seconds = std::max<int64_t>(seconds, 1);
  auto reply = error_reply(429, "rate_limited",
                           "too many requests; retry in "
                               + std::to_string(seconds) + " s");
  reply.headers.emplace_back("Retry-After", std::to_string(seconds));
  return reply;
}

} // namespace jobstack
