// Routing and checks of the HTTP API; see routes.hpp. Every route is one
// row of route_table(); each handler is a short function.
#include "http/routes.hpp"

#include <algorithm>
#include <cctype>

#include "core/job_id.hpp"
#include "core/job_spec.hpp"
#include "core/list_cursor.hpp"
#include "http/auth.hpp"

namespace jobstack {

namespace {

using params_t = std::map<std::string, std::string>;
using handler_fn = routed (*)(const api_request&, const params_t&,
                              const route_options&, int64_t);

struct route_row {
  const char* pattern; ///< "/v1/jobs/{id}": {x} matches one segment
  const char* method;
  access need; ///< the scope it needs when auth is on (API.md)
  handler_fn handler;
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return s;
}

routed reply_now(http_reply reply) {
  routed r;
  r.reply = std::move(reply);
  return r;
}

routed command(api_op op) {
  routed r;
  r.command.op = op;
  return r;
}

routed bad_request(const spec_error& err) {
  return reply_now(
      error_reply(400, err.code, err.message, err.field, err.index));
}

routed validation_failed(const std::string& field, const std::string& why) {
  return bad_request({"validation_failed", field + ": " + why, field});
}

// Checks shared by the create routes: media type, size, idempotency key.
std::optional<routed> check_create(const api_request& req,
                                   const route_options& opts,
                                   std::string& idempotency_key) {
  auto type = req.header("content-type");
  if (!type || !is_json_content_type(*type))
    return reply_now(error_reply(415, "unsupported_media_type",
                                 "Content-Type must be application/json"));
  if (req.body.size() > opts.max_body_bytes)
    return reply_now(error_reply(413, "payload_too_large",
                                 "body exceeds http.max_body_bytes ("
                                     + std::to_string(opts.max_body_bytes)
                                     + " bytes)"));
  if (auto key = req.header("idempotency-key")) {
    if (!is_valid_idempotency_key(*key))
      return validation_failed("Idempotency-Key",
                               "must be 1 to 200 printable ASCII characters");
    idempotency_key = *key;
  }
  return std::nullopt;
}

// -- handlers
// ----------------------------------------------------------------------

routed on_job_create(const api_request& req, const params_t&,
                     const route_options& opts, int64_t now) {
  std::string key;
  if (auto early = check_create(req, opts, key))
    return *early;
  auto spec = parse_job_spec(req.body, now);
  if (spec.error)
    return bad_request(*spec.error);
  stamp_new_job(spec.job, now);
  spec.job.request_id = req.request_id;
  auto r = command(api_op::create);
  r.command.submit.jobs.push_back(std::move(spec.job));
  r.command.submit.idempotency_key = std::move(key);
  return r;
}

routed on_batch_create(const api_request& req, const params_t&,
                       const route_options& opts, int64_t now) {
  std::string key;
  if (auto early = check_create(req, opts, key))
    return *early;
  auto batch = parse_batch(req.body, now);
  if (batch.error)
    return bad_request(*batch.error);
  for (auto& job : batch.jobs) {
    stamp_new_job(job, now);
    job.request_id = req.request_id;
  }
  auto r = command(api_op::create_batch);
  r.command.submit.jobs = std::move(batch.jobs);
  r.command.submit.idempotency_key = std::move(key);
  return r;
}

// Reads `name=value` pairs of the query into `out`; false on bad encoding.
bool parse_query(std::string_view query, params_t& out) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
    if (pair.empty())
      continue;
    auto eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq));
    auto value = percent_decode(
        eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!name || !value)
      return false;
    out[*name] = *value;
  }
  return true;
}

bool read_count(const std::string& text, uint64_t lo, uint64_t hi,
                uint64_t& out) {
  if (text.empty() || text.size() > 18
      || !std::all_of(text.begin(), text.end(),
                      [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  out = std::stoull(text);
  return out >= lo && out <= hi;
}

routed on_job_list(const api_request& req, const params_t&,
                   const route_options&, int64_t) {
  params_t q;
  auto mark = req.target.find('?');
  if (mark != std::string::npos
      && !parse_query(std::string_view{req.target}.substr(mark + 1), q))
    return validation_failed("query", "malformed percent-encoding");
  auto r = command(api_op::list);
  auto& query = r.command.query;
  for (auto& [name, value] : q) {
    uint64_t n = 0;
    if (name == "queue") {
      if (!is_valid_queue_name(value))
        return validation_failed(name, "must match [a-z0-9_-]{1,64}");
      query.queue = value;
    } else if (name == "status") {
      static const char* known[]
          = {status::queued,    status::scheduled, status::running,
             status::succeeded, status::dead,      status::cancelled};
      if (std::find(std::begin(known), std::end(known), value)
          == std::end(known))
        return validation_failed(name, "must be one of queued, scheduled, "
                                       "running, succeeded, dead, cancelled");
      query.status = value;
    } else if (name == "limit") {
      if (!read_count(value, 1, 1000, n))
        return validation_failed(name, "must be an integer from 1 to 1000");
      query.limit = static_cast<uint32_t>(n);
    } else if (name == "cursor") {
      if (!decode_list_cursor(value, query))
        return validation_failed(name, "is not a cursor this server issued");
    } else {
      return validation_failed(name, "unknown query parameter");
    }
  }
  // Archive cursors come only from listings of finished jobs.
  if (query.in_archive && !status::is_finished(query.status))
    return validation_failed("cursor", "is not a cursor this server issued");
  return r;
}

routed not_found(const std::string& what) {
  return reply_now(error_reply(404, "not_found", what + " not found"));
}

routed on_job_id(api_op op, const params_t& p) {
  auto& id = p.at("id");
  if (!is_plausible_job_id(id))
    return not_found("job");
  auto r = command(op);
  r.command.name = id;
  return r;
}

routed on_job_get(const api_request&, const params_t& p, const route_options&,
                  int64_t) {
  return on_job_id(api_op::get, p);
}

routed on_job_cancel(const api_request&, const params_t& p,
                     const route_options&, int64_t) {
  return on_job_id(api_op::cancel, p);
}

routed on_job_retry(const api_request&, const params_t& p, const route_options&,
                    int64_t) {
  return on_job_id(api_op::retry, p);
}

routed on_queue_list(const api_request&, const params_t&, const route_options&,
                     int64_t) {
  return command(api_op::queue_list);
}

routed on_queue_stats(const api_request&, const params_t& p,
                      const route_options&, int64_t) {
  if (!is_valid_queue_name(p.at("name")))
    return not_found("queue");
  auto r = command(api_op::queue_stats);
  r.command.name = p.at("name");
  return r;
}

routed on_workers(const api_request&, const params_t&, const route_options&,
                  int64_t) {
  return command(api_op::workers);
}

routed on_healthz(const api_request&, const params_t&, const route_options&,
                  int64_t) {
  return reply_now(http_reply{200, R"({"status":"ok"})", {}});
}

routed on_readyz(const api_request&, const params_t&, const route_options&,
                 int64_t) {
  return command(api_op::ready);
}

routed on_metrics(const api_request&, const params_t&, const route_options&,
                  int64_t) {
  return command(api_op::metrics);
}

routed on_static(const api_request& req, const params_t&,
                 const route_options& opts, int64_t) {
  auto path = req.target.substr(0, req.target.find('?'));
  auto i = opts.files.find(path);
  if (i == opts.files.end())
    return not_found("document");
  http_reply reply{200, i->second.body, {}};
  reply.content_type = i->second.content_type;
  return reply_now(std::move(reply));
}

const std::vector<route_row>& route_table() {
  using a = access;
  static const std::vector<route_row> rows{
      {"/v1/jobs", "GET", a::jobs_read, on_job_list},
      {"/v1/jobs", "POST", a::jobs_write, on_job_create},
      {"/v1/jobs/batch", "POST", a::jobs_write, on_batch_create},
      {"/v1/jobs/{id}", "DELETE", a::jobs_write, on_job_cancel},
      {"/v1/jobs/{id}", "GET", a::jobs_read, on_job_get},
      {"/v1/jobs/{id}/retry", "POST", a::jobs_write, on_job_retry},
      {"/v1/queues", "GET", a::jobs_read, on_queue_list},
      {"/v1/queues/{name}", "GET", a::jobs_read, on_queue_stats},
      {"/v1/workers", "GET", a::admin, on_workers},
      {"/healthz", "GET", a::ops, on_healthz},
      {"/readyz", "GET", a::ops, on_readyz},
      {"/metrics", "GET", a::ops, on_metrics},
      {"/openapi.yaml", "GET", a::open, on_static},
      {"/swagger", "GET", a::open, on_static},
      {"/swagger/{asset}", "GET", a::open, on_static},
  };
  return rows;
}

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 1; // skip the leading '/'
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos)
      end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool match(std::string_view pattern, std::string_view path, params_t& params) {
  auto want = segments(pattern);
  auto have = segments(path);
  if (want.size() != have.size())
    return false;
  params_t found;
  for (size_t i = 0; i < want.size(); ++i) {
    if (!want[i].empty() && want[i].front() == '{') {
      if (have[i].empty())
        return false;
      found[std::string{want[i].substr(1, want[i].size() - 2)}]
          = std::string{have[i]};
    } else if (want[i] != have[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

// The route template for `path`: literal rows win over {x} rows.
const char* find_pattern(std::string_view path, params_t& params) {
  const char* best = nullptr;
  for (auto& row : route_table()) {
    params_t p;
    if (!match(row.pattern, path, p))
      continue;
    bool literal
        = std::string_view{row.pattern}.find('{') == std::string_view::npos;
    if (best == nullptr || literal) {
      best = row.pattern;
      params = std::move(p);
      if (literal)
        break;
    }
  }
  return best;
}

// Authorization and rate limit of a matched route; the refusal, if any.
std::optional<http_reply> gate(const api_request& req, access need,
                               const route_options& opts, int64_t now) {
  admission in;
  in.need = need;
  in.authorization = req.header("authorization");
  in.client_address = req.client_address;
  return admit(in, opts.auth.get(), opts.limiter.get(), now);
}

} // namespace

std::optional<std::string> api_request::header(std::string_view name) const {
  auto wanted = lower(std::string{name});
  for (auto& [k, v] : headers)
    if (lower(k) == wanted)
      return v;
  return std::nullopt;
}

bool is_json_content_type(const std::string& value) {
  auto media = lower(value.substr(0, value.find(';')));
  media.erase(std::remove_if(media.begin(), media.end(),
                             [](unsigned char c) { return std::isspace(c); }),
              media.end());
  return media == "application/json";
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= text.size() || !std::isxdigit(text[i + 1])
          || !std::isxdigit(text[i + 2]))
        return std::nullopt;
      out += static_cast<char>(
          std::stoi(std::string{text.substr(i + 1, 2)}, nullptr, 16));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string request_id_for(const api_request& req, int64_t now) {
  auto given = req.header("x-request-id");
  auto allowed = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0
           || std::string_view{"._:/+=@-"}.find(c) != std::string_view::npos;
  };
  if (given && !given->empty() && given->size() <= 128
      && std::all_of(given->begin(), given->end(), allowed))
    return *given;
  return make_job_id(now);
}

routed route_request(const api_request& req, const route_options& options,
                     int64_t now) {
  if (req.target.size() > options.max_url_bytes)
    return reply_now(error_reply(414, "uri_too_long",
                                 "request target exceeds "
                                     + std::to_string(options.max_url_bytes)
                                     + " bytes"));
  if (req.headers.size() > options.max_headers)
    return reply_now(error_reply(
        431, "headers_too_large",
        "more than " + std::to_string(options.max_headers) + " header fields"));
  auto path = std::string_view{req.target}.substr(0, req.target.find('?'));
  params_t params;
  auto* pattern = path.empty() || path.front() != '/'
                      ? nullptr
                      : find_pattern(path, params);
  if (pattern == nullptr)
    return not_found("route");
  std::string allow;
  for (auto& row : route_table()) {
    if (std::string_view{row.pattern} != pattern)
      continue;
    if (req.method == row.method) {
      auto refusal = gate(req, row.need, options, now);
      auto r = refusal ? reply_now(std::move(*refusal))
                       : row.handler(req, params, options, now);
      r.route = pattern;
      return r;
    }
    allow += allow.empty() ? row.method : std::string{", "} + row.method;
  }
  auto reply = error_reply(405, "method_not_allowed",
                           req.method + " is not allowed here; use " + allow);
  reply.headers.emplace_back("Allow", allow);
  auto r = reply_now(std::move(reply));
  r.route = pattern;
  return r;
}

} // namespace jobstack
