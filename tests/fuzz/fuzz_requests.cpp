// Fuzz target: an HTTP request as text ("METHOD TARGET\nName: value\n...
// \n\nBODY") through route_request, once with auth off and once with auth
// on (two static tokens and an HS256 JWT key, so Authorization headers reach
// the bearer and JWT parsers), and the raw bytes through the job spec and
// batch parsers. Any crash, sanitizer report or an answer outside the API's
// error shape is a finding. No rate limiter: each input must replay alike.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/job_spec.hpp"
#include "http/auth.hpp"
#include "http/jwt.hpp"
#include "http/routes.hpp"

namespace {

jobstack::api_request to_request(std::string_view text) {
  jobstack::api_request req;
  auto head_end = text.find("\n\n");
  auto head = text.substr(0, head_end);
  if (head_end != std::string_view::npos)
    req.body = std::string{text.substr(head_end + 2)};
  auto line_end = head.find('\n');
  auto first = head.substr(0, line_end);
  auto space = first.find(' ');
  req.method = std::string{first.substr(0, space)};
  if (space != std::string_view::npos)
    req.target = std::string{first.substr(space + 1)};
  while (line_end != std::string_view::npos) {
    head = head.substr(line_end + 1);
    line_end = head.find('\n');
    auto line = head.substr(0, line_end);
    auto colon = line.find(':');
    if (colon != std::string_view::npos)
      req.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  return req;
}

// An immediate answer must be JSON in the API's shape, or a document.
void check_reply(const jobstack::http_reply& reply) {
  if (reply.content_type != "application/json")
    return;
  auto body = nlohmann::json::parse(reply.body, nullptr, false);
  if (body.is_discarded())
    std::abort();
  if (reply.status >= 400
      && (!body.contains("error") || !body["error"].contains("code")
          || !body["error"].contains("message")))
    std::abort();
}

jobstack::route_options make_options(bool with_auth) {
  jobstack::route_options o;
  o.max_body_bytes = 4096;
  o.max_url_bytes = 512;
  o.max_headers = 20;
  o.files["/openapi.yaml"] = {"application/yaml", "openapi: 3.1.0"};
  if (with_auth) {
    auto auth = std::make_shared<jobstack::auth_options>();
    auth->enabled = true;
    auth->open_ops = false;
    // "Bearer reader" and "Bearer writer" are in the corpus.
    auth->tokens = jobstack::parse_token_entries(
        "r:" + jobstack::sha256_hex("reader") + ":jobs:read,w:"
        + jobstack::sha256_hex("writer") + ":jobs:write+jobs:read");
    jobstack::jwt_options jwt;
    jwt.hs256_secret = std::string(32, 'k');
    auth->jwt = std::make_shared<const jobstack::jwt_verifier>(jwt);
    o.auth = std::move(auth);
  }
  return o;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  static const jobstack::route_options open = make_options(false);
  static const jobstack::route_options guarded = make_options(true);
  auto request = to_request(text);
  for (auto* options : {&open, &guarded}) {
    auto routed = jobstack::route_request(request, *options, 1796077855000000);
    if (routed.reply)
      check_reply(*routed.reply);
  }
  jobstack::parse_job_spec(text, 1796077855000000);
  jobstack::parse_batch(text, 1796077855000000);
  return 0;
}
