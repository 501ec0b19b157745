// The HTTP transport of jobstack-server (RESTinio): every request goes
// through route_request (http/routes.hpp); an immediate reply is written
// at once, a command goes to the ingress actor, which answers
// asynchronously. RESTinio is kept out of this header so only server.cpp
// pays its build cost.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "http/routes.hpp"
#include "messages/ingress.hpp"

namespace prometheus {
class Registry;
} // namespace prometheus

namespace jobstack {

struct http_options {
  std::string host = "0.0.0.0";
  uint16_t port = 3000;
  /// Limits answered with a 4xx by route_request; RESTinio itself cuts off
  /// (closes without reading on) anything beyond `hard_limit_factor` times.
  size_t max_body_bytes = 1024 * 1024;
  size_t max_url_bytes = 8192;
  size_t max_headers = 100;
  size_t hard_limit_factor = 4;
  /// A connection that has not sent a whole request by then is closed.
  std::chrono::milliseconds read_timeout{10000};
  /// No answer by then: RESTinio closes the connection (the ingress answers
  /// 503 well before).
  std::chrono::milliseconds request_timeout{10000};
  /// RESTinio's thread pool: one per core.
  size_t threads = std::max(1u, std::thread::hardware_concurrency());
  /// Connections open at once; more wait in the listen backlog.
  size_t max_connections = 1024;
  /// HTTPS when both are set (PEM files: certificate chain, private key).
  std::string tls_certificate;
  std::string tls_key;
  std::string tls_min_version = "1.2"; ///< "1.2" or "1.3"
};

class http_server {
public:
  /// `metrics` receives the HTTP request metrics; `routes` says what
  /// documents and limits route_request uses.
  http_server(http_options options, route_options routes, ingress_actor ingress,
              std::shared_ptr<prometheus::Registry> metrics);
  ~http_server();

  /// Binds and starts serving on background threads; throws on failure.
  void start();

  /// Graceful first half of a stop: new requests get 503 (shutting down)
  /// while the ones in flight finish, for up to `timeout`. Returns how
  /// many were still unanswered.
  int drain(std::chrono::milliseconds timeout);

  /// Stops accepting, closes connections and joins the threads.
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace jobstack
