// The HTTP API's routing and request checks as a pure function: from a
// request (method, target, headers, body) to either an immediate reply
// (errors, health, documents) or a command for the ingress actor. No
// RESTinio, no actors: the server, the unit tests and the fuzzer call it.
// Each route row names the scope it needs; authorization and the rate limit
// (http/auth.hpp) run between finding the route and its handler.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/http_reply.hpp"
#include "messages/api.hpp"

namespace jobstack {

struct auth_options;
class rate_limiter;

struct api_request {
  std::string method; ///< e.g. "GET"
  std::string target; ///< path with optional "?query"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// Set by the transport (see request_id_for); stamped on created jobs.
  std::string request_id;
  /// Set by the transport: the peer's IP address. Keys the rate limit of
  /// callers without a token.
  std::string client_address;

  /// The value of header `name` (case-insensitive), if present.
  std::optional<std::string> header(std::string_view name) const;
};

enum class api_op {
  create,       ///< submit (1 job), reply 201/200 with the job
  create_batch, ///< submit (a batch), reply 201/200 with {"jobs": [...]}
  get,
  list,
  cancel,
  retry,
  queue_stats, ///< `name` is the queue
  queue_list,
  workers,
  ready,
  metrics, ///< GET /metrics: the cluster gauges need the broker
};

/// Work for the ingress: what to ask the broker.
struct api_command {
  api_op op = api_op::get;
  submit_request submit; ///< create, create_batch
  std::string name;      ///< job id or queue name
  list_query query;      ///< list
};

/// A document the server serves as is (OpenAPI, Swagger UI assets).
struct static_file {
  std::string content_type;
  std::string body;
};

struct route_options {
  size_t max_body_bytes = 1024 * 1024;
  size_t max_url_bytes = 8192;
  size_t max_headers = 100;
  /// Path -> file, e.g. "/openapi.yaml", "/swagger", "/swagger/x.js".
  std::map<std::string, static_file> files;
  /// Bearer tokens and scopes (http/auth.hpp); null or not enabled: off.
  std::shared_ptr<const auth_options> auth;
  /// Requests per second per caller on /v1/ routes; null: no limit. The
  /// one piece of state route_request touches (it is thread-safe).
  std::shared_ptr<rate_limiter> limiter;
};

/// Either `reply` (answer now) or `command` (hand to the ingress).
struct routed {
  std::optional<http_reply> reply;
  api_command command;
  std::string route; ///< the matched route template, for metrics and logs
};

/// Routes and checks one request; `now` is the unix time in us.
routed route_request(const api_request& req, const route_options& options,
                     int64_t now);

/// The request's id: its X-Request-Id if that is 1..128 characters of
/// [A-Za-z0-9._:/+=@-], else a new one. Echoed in the response and
/// carried by the jobs it creates into every log line about them.
std::string request_id_for(const api_request& req, int64_t now);

/// True if a Content-Type header value names JSON (parameters allowed).
bool is_json_content_type(const std::string& value);

/// Decodes %XX and '+' of a query component; nullopt if malformed.
std::optional<std::string> percent_decode(std::string_view text);

} // namespace jobstack
