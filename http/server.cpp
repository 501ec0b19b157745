// RESTinio routes of the HTTP API; see server.hpp. One handler per route,
// one function (make_router) listing every route with its 405 row.
#include "http/server.hpp"

#include <algorithm>
#include <cctype>

#include <caf/send.hpp>
#include <restinio/all.hpp>
#include <spdlog/spdlog.h>

#include "core/job_id.hpp"
#include "core/job_spec.hpp"

namespace jobstack {

namespace {

using router_t = restinio::router::express_router_t<>;
struct traits_t : restinio::default_traits_t {
  using request_handler_t = router_t;
};
using request_handle = restinio::request_handle_t;

const char* reason_phrase(int status) {
  switch (status) {
  case 200:
    return "OK";
  case 201:
    return "Created";
  case 400:
    return "Bad Request";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 409:
    return "Conflict";
  case 413:
    return "Payload Too Large";
  case 415:
    return "Unsupported Media Type";
  case 503:
    return "Service Unavailable";
  default:
    return "Status";
  }
}

void send_reply(const request_handle& req, const http_reply& reply) {
  auto response = req->create_response(restinio::http_status_line_t{
      restinio::http_status_code_t{static_cast<uint16_t>(reply.status)},
      reason_phrase(reply.status)});
  response.append_header(restinio::http_field::content_type,
                         "application/json");
  for (auto& [name, value] : reply.headers)
    response.append_header(name, value);
  response.set_body(reply.body);
  response.done();
}

restinio::request_handling_status_t answer(const request_handle& req,
                                           const http_reply& reply) {
  send_reply(req, reply);
  return restinio::request_accepted();
}

reply_sink sink_for(request_handle req) {
  return reply_sink{[req](http_reply reply) {
    send_reply(req, reply);
  }};
}

http_reply method_not_allowed(const std::string& allow) {
  auto reply = error_reply(405, "method_not_allowed",
                           "method not allowed; use " + allow);
  reply.headers.emplace_back("Allow", allow);
  return reply;
}

// -- handlers
// --------------------------------------------------------------------

struct handlers {
  http_options options;
  ingress_actor ingress;

  restinio::request_handling_status_t on_job_create(const request_handle& req) {
    auto content_type
        = req->header().opt_value_of(restinio::http_field::content_type);
    if (!content_type || !is_json_content_type(std::string{*content_type}))
      return answer(req, error_reply(415, "unsupported_media_type",
                                     "Content-Type must be application/json"));
    if (req->body().size() > options.max_body_bytes)
      return answer(req, error_reply(413, "payload_too_large",
                                     "body exceeds http.max_body_bytes"));
    auto spec = parse_job_spec(req->body());
    if (spec.error)
      return answer(req, error_reply(400, spec.error->code, spec.error->message,
                                     spec.error->field));
    caf::anon_send(ingress, create_atom::value, std::move(spec.job),
                   sink_for(req));
    return restinio::request_accepted();
  }

  restinio::request_handling_status_t on_job_get(const request_handle& req,
                                                 std::string id) {
    if (!is_plausible_job_id(id))
      return answer(req, error_reply(404, "not_found", "job not found"));
    caf::anon_send(ingress, get_atom::value, std::move(id), sink_for(req));
    return restinio::request_accepted();
  }

  restinio::request_handling_status_t on_healthz(const request_handle& req) {
    return answer(req, http_reply{200, R"({"status":"ok"})", {}});
  }

  restinio::request_handling_status_t on_not_found(const request_handle& req) {
    return answer(req, error_reply(404, "not_found", "no such route"));
  }
};

std::unique_ptr<router_t> make_router(std::shared_ptr<handlers> h) {
  using restinio::http_method_get;
  using restinio::http_method_post;
  using restinio::router::none_of_methods;
  auto router = std::make_unique<router_t>();
  // Create a job.
  router->http_post("/v1/jobs",
                    [h](auto req, auto) { return h->on_job_create(req); });
  router->add_handler(
      none_of_methods(http_method_post()), "/v1/jobs",
      [](auto req, auto) { return answer(req, method_not_allowed("POST")); });
  // Read a job.
  router->http_get("/v1/jobs/:id", [h](auto req, auto params) {
    return h->on_job_get(req, std::string{params["id"]});
  });
  router->add_handler(
      none_of_methods(http_method_get()), "/v1/jobs/:id",
      [](auto req, auto) { return answer(req, method_not_allowed("GET")); });
  // Liveness.
  router->http_get("/healthz",
                   [h](auto req, auto) { return h->on_healthz(req); });
  router->add_handler(
      none_of_methods(http_method_get()), "/healthz",
      [](auto req, auto) { return answer(req, method_not_allowed("GET")); });
  router->non_matched_request_handler(
      [h](auto req) { return h->on_not_found(req); });
  return router;
}

} // namespace

bool is_json_content_type(const std::string& value) {
  auto end = value.find(';');
  auto media = value.substr(0, end);
  media.erase(std::remove_if(media.begin(), media.end(),
                             [](unsigned char c) { return std::isspace(c); }),
              media.end());
  std::transform(media.begin(), media.end(), media.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return media == "application/json";
}

struct http_server::impl {
  http_options options;
  ingress_actor ingress;
  restinio::running_server_handle_t<traits_t> server;
};

http_server::http_server(http_options options, ingress_actor ingress)
    : impl_(std::make_unique<impl>()) {
  impl_->options = std::move(options);
  impl_->ingress = std::move(ingress);
}

http_server::~http_server() {
  stop();
}

void http_server::start() {
  auto& o = impl_->options;
  auto h = std::make_shared<handlers>(handlers{o, impl_->ingress});
  auto settings
      = restinio::server_settings_t<traits_t>{}
            .address(o.host)
            .port(o.port)
            .handle_request_timeout(o.request_timeout)
            .read_next_http_message_timelimit(std::chrono::seconds{60})
            .write_http_response_timelimit(std::chrono::seconds{5})
            .request_handler(make_router(h));
  impl_->server = restinio::run_async(restinio::own_io_context(),
                                      std::move(settings), o.threads);
}

void http_server::stop() {
  if (impl_ && impl_->server) {
    impl_->server->stop();
    impl_->server->wait();
    impl_->server.reset();
  }
}

} // namespace jobstack
