// Fuzz target: an HTTP request as text ("METHOD TARGET\nName: value\n...
// \n\nBODY") through route_request, and the raw bytes through the job spec
// and batch parsers. Any crash, sanitizer report or an answer outside the
// API's error shape is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/job_spec.hpp"
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

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  static const jobstack::route_options options = [] {
    jobstack::route_options o;
    o.max_body_bytes = 4096;
    o.max_url_bytes = 512;
    o.max_headers = 20;
    o.files["/openapi.yaml"] = {"application/yaml", "openapi: 3.1.0"};
    return o;
  }();
  auto routed
      = jobstack::route_request(to_request(text), options, 1796077855000000);
  if (routed.reply)
    check_reply(*routed.reply);
  jobstack::parse_job_spec(text, 1796077855000000);
  jobstack::parse_batch(text, 1796077855000000);
  return 0;
}
