// RESTinio transport of the HTTP API; see server.hpp. All routing lives in
// routes.cpp; this file converts requests and replies and counts them.
#include "http/server.hpp"

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include <caf/send.hpp>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <restinio/all.hpp>
#include <restinio/tls.hpp>
#include <spdlog/spdlog.h>

#include "core/time.hpp"

namespace jobstack {

namespace {

using request_handle = restinio::request_handle_t;

const char* reason_phrase(int status) {
  switch (status) {
  case 200:
    return "OK";
  case 201:
    return "Created";
  case 400:
    return "Bad Request";
  case 401:
    return "Unauthorized";
  case 403:
    return "Forbidden";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 409:
    return "Conflict";
  case 413:
    return "Payload Too Large";
  case 414:
    return "URI Too Long";
  case 415:
    return "Unsupported Media Type";
  case 429:
    return "Too Many Requests";
  case 431:
    return "Request Header Fields Too Large";
  case 503:
    return "Service Unavailable";
  default:
    return "Status";
  }
}

void send_reply(const request_handle& req, const http_reply& reply,
                const std::string& request_id) {
  auto response = req->create_response(restinio::http_status_line_t{
      restinio::http_status_code_t{static_cast<uint16_t>(reply.status)},
      reason_phrase(reply.status)});
  response.append_header(restinio::http_field::content_type,
                         reply.content_type);
  for (auto& [name, value] : reply.headers)
    response.append_header(name, value);
  response.append_header("X-Request-Id", request_id);
  response.set_body(reply.body);
  response.done();
}

api_request to_api_request(const request_handle& req) {
  api_request out;
  out.method = req->header().method().c_str();
  out.target = std::string{req->header().request_target()};
  for (auto& field : req->header())
    out.headers.emplace_back(field.name(), field.value());
  out.body = req->body();
  out.client_address = req->remote_endpoint().address().to_string();
  return out;
}

// Request counts and durations by route template, method and status class
// (bounded label values: unknown paths count as route "none").
class request_metrics {
public:
  explicit request_metrics(prometheus::Registry& registry)
      : requests_(prometheus::BuildCounter()
                      .Name("jobstack_http_requests_total")
                      .Help("HTTP requests answered, by route, method and "
                            "status class")
                      .Register(registry)),
        durations_(prometheus::BuildHistogram()
                       .Name("jobstack_http_request_duration_seconds")
                       .Help("Time from request to answer, by route")
                       .Register(registry)) {
    // nop
  }

  void record(const std::string& route, const std::string& method, int status,
              double seconds) {
    static const char* classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    auto cls = classes[std::clamp(status / 100, 1, 5) - 1];
    auto known = method == "GET" || method == "POST" || method == "DELETE";
    auto r = route.empty() ? std::string{"none"} : route;
    requests_
        .Add(
            {{"route", r}, {"method", known ? method : "other"}, {"code", cls}})
        .Increment();
    durations_.Add({{"route", r}}, buckets()).Observe(seconds);
  }

private:
  static const prometheus::Histogram::BucketBoundaries& buckets() {
    static const prometheus::Histogram::BucketBoundaries b{
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
        0.1,    0.25,  0.5,    1,     2.5,  5};
    return b;
  }

  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_;
};

} // namespace

static routed shutting_down() {
  routed r;
  r.reply = error_reply(503, "unavailable", "the server is shutting down");
  r.reply->headers.emplace_back("Retry-After", "1");
  r.reply->headers.emplace_back("Connection", "close");
  return r;
}

// RESTinio's traits with a cap on open connections, plain and TLS.
struct plain_traits : restinio::default_traits_t {
  static constexpr bool use_connection_count_limiter = true;
};
struct tls_traits : restinio::default_tls_traits_t {
  static constexpr bool use_connection_count_limiter = true;
};

// Only TLS 1.2 and newer; 1.3 only if asked.
asio::ssl::context make_tls_context(const http_options& o) {
  asio::ssl::context ctx{asio::ssl::context::tls_server};
  auto options = asio::ssl::context::default_workarounds
                 | asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3
                 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1
                 | asio::ssl::context::single_dh_use;
  if (o.tls_min_version == "1.3")
    options |= asio::ssl::context::no_tlsv1_2;
  ctx.set_options(options);
  try {
    ctx.use_certificate_chain_file(o.tls_certificate);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot load TLS certificate " + o.tls_certificate
                             + ": " + e.what());
  }
  try {
    ctx.use_private_key_file(o.tls_key, asio::ssl::context::pem);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot load TLS key " + o.tls_key + ": "
                             + e.what());
  }
  return ctx;
}

struct http_server::impl {
  http_options options;
  route_options routes;
  ingress_actor ingress;
  std::shared_ptr<prometheus::Registry> registry;
  std::unique_ptr<request_metrics> metrics;
  std::function<void()> stop_server; ///< stops and joins RESTinio, once
  std::atomic<int> in_flight{0};
  std::atomic<bool> draining{false};

  restinio::request_handling_status_t handle(const request_handle& req) {
    auto started = now_us();
    auto request = to_api_request(req);
    request.request_id = request_id_for(request, started);
    auto routed
        = draining ? shutting_down() : route_request(request, routes, started);
    auto* m = metrics.get();
    ++in_flight;
    auto finish = [this, req, m, route = routed.route, method = request.method,
                   id = request.request_id, started](const http_reply& reply) {
      send_reply(req, reply, id);
      m->record(route, method, reply.status,
                static_cast<double>(now_us() - started) / 1e6);
      --in_flight;
    };
    if (routed.reply) {
      finish(*routed.reply);
      return restinio::request_accepted();
    }
    caf::anon_send(ingress, std::move(routed.command),
                   reply_sink{std::move(finish)});
    return restinio::request_accepted();
  }
};

http_server::http_server(http_options options, route_options routes,
                         ingress_actor ingress,
                         std::shared_ptr<prometheus::Registry> metrics)
    : impl_(std::make_unique<impl>()) {
  impl_->options = std::move(options);
  impl_->routes = std::move(routes);
  impl_->routes.max_body_bytes = impl_->options.max_body_bytes;
  impl_->routes.max_url_bytes = impl_->options.max_url_bytes;
  impl_->routes.max_headers = impl_->options.max_headers;
  impl_->ingress = std::move(ingress);
  impl_->registry = std::move(metrics);
  impl_->metrics = std::make_unique<request_metrics>(*impl_->registry);
}

http_server::~http_server() {
  stop();
}

namespace {

template <class Traits, class Impl>
restinio::server_settings_t<Traits> server_settings(const http_options& o,
                                                    Impl* self) {
  auto hard = o.hard_limit_factor;
  return restinio::server_settings_t<Traits>{}
      .address(o.host)
      .port(o.port)
      .handle_request_timeout(o.request_timeout)
      .read_next_http_message_timelimit(o.read_timeout)
      .write_http_response_timelimit(std::chrono::seconds{5})
      .incoming_http_msg_limits(restinio::incoming_http_msg_limits_t{}
                                    .max_url_size(o.max_url_bytes * hard)
                                    .max_field_count(o.max_headers * hard)
                                    .max_field_name_size(8 * 1024)
                                    .max_field_value_size(64 * 1024)
                                    .max_body_size(o.max_body_bytes * hard))
      .max_parallel_connections(o.max_connections)
      .request_handler([self](auto req) { return self->handle(req); });
}

// Where stopped servers go. RESTinio destroys its acceptor, and the
// connection-count limiter inside it, before its io_context; a keep-alive
// connection still waiting for a request is destroyed with the io_context
// and then decrements the freed limiter (ASan: heap-use-after-free at
// shutdown; the same class as upstream Stiffstream/restinio#246). So a
// stopped server, its threads joined, is kept rather than destroyed: it
// is stopped once, when its process is about to exit. Reachable from a
// global, so LeakSanitizer does not count it.
std::mutex graveyard_mutex;
std::vector<std::shared_ptr<void>>* graveyard
    = new std::vector<std::shared_ptr<void>>;

template <class Traits>
std::function<void()> run(restinio::server_settings_t<Traits> settings,
                          size_t threads) {
  auto server = restinio::run_async(restinio::own_io_context(),
                                    std::move(settings), threads);
  // std::function needs a copyable target: share the unique handle.
  auto shared = std::shared_ptr<typename decltype(server)::element_type>{
      server.release()};
  return [shared]() mutable {
    shared->stop();
    shared->wait();
    std::lock_guard<std::mutex> guard{graveyard_mutex};
    graveyard->push_back(std::move(shared));
  };
}

} // namespace

void http_server::start() {
  auto& o = impl_->options;
  auto* self = impl_.get();
  if (o.tls_certificate.empty()) {
    impl_->stop_server = run(server_settings<plain_traits>(o, self), o.threads);
  } else {
    auto settings = server_settings<tls_traits>(o, self);
    settings.tls_context(make_tls_context(o));
    impl_->stop_server = run(std::move(settings), o.threads);
  }
}

int http_server::drain(std::chrono::milliseconds timeout) {
  impl_->draining = true;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (impl_->in_flight > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  return impl_->in_flight;
}

void http_server::stop() {
  if (impl_ && impl_->stop_server) {
    auto stop_server = std::move(impl_->stop_server);
    impl_->stop_server = nullptr;
    stop_server();
  }
}

} // namespace jobstack
