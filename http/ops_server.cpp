// The worker node's /healthz and /metrics; see ops_server.hpp.
#include "http/ops_server.hpp"

#include <restinio/all.hpp>

#include "core/http_reply.hpp"

namespace jobstack {

namespace {

restinio::request_handling_status_t
answer(const restinio::request_handle_t& req, restinio::http_status_line_t line,
       const std::string& type, std::string body, const char* allow = nullptr) {
  auto response = req->create_response(std::move(line));
  response.append_header(restinio::http_field::content_type, type);
  if (allow != nullptr)
    response.append_header("Allow", allow);
  response.set_body(std::move(body));
  return response.done();
}

} // namespace

struct ops_server::impl {
  std::string host;
  uint16_t port = 0;
  std::function<std::string()> metrics;
  restinio::running_server_handle_t<restinio::default_traits_t> server;

  restinio::request_handling_status_t
  handle(const restinio::request_handle_t& req) {
    auto target = std::string{req->header().path()};
    bool known = target == "/healthz" || target == "/metrics";
    if (!known)
      return answer(req, restinio::status_not_found(), "application/json",
                    error_reply(404, "not_found", "no such route").body);
    if (req->header().method() != restinio::http_method_get())
      return answer(
          req, restinio::status_method_not_allowed(), "application/json",
          error_reply(405, "method_not_allowed", "use GET").body, "GET");
    if (target == "/healthz")
      return answer(req, restinio::status_ok(), "application/json",
                    R"({"status":"ok"})");
    return answer(req, restinio::status_ok(),
                  "text/plain; version=0.0.4; charset=utf-8", metrics());
  }
};

ops_server::ops_server(std::string host, uint16_t port,
                       std::function<std::string()> metrics)
    : impl_(std::make_unique<impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
  impl_->metrics = std::move(metrics);
}

ops_server::~ops_server() {
  stop();
}

void ops_server::start() {
  auto* self = impl_.get();
  impl_->server = restinio::run_async(
      restinio::own_io_context(),
      restinio::server_settings_t<restinio::default_traits_t>{}
          .address(self->host)
          .port(self->port)
          .read_next_http_message_timelimit(std::chrono::seconds{10})
          .request_handler([self](auto req) { return self->handle(req); }),
      1);
}

void ops_server::stop() {
  if (impl_ && impl_->server) {
    impl_->server->stop();
    impl_->server->wait();
    impl_->server.reset();
  }
}

} // namespace jobstack
