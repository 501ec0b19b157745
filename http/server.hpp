// The HTTP API server of jobstack-server (RESTinio). Routes parse and
// validate on the connection's thread, then hand the request to the
// ingress actor and return at once; the actor answers asynchronously.
// RESTinio is kept out of this header so only server.cpp pays its build
// cost.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "messages/ingress.hpp"

namespace jobstack {

struct http_options {
  std::string host = "0.0.0.0";
  uint16_t port = 3000;
  size_t max_body_bytes = 1024 * 1024;
  std::chrono::milliseconds request_timeout{10000};
  size_t threads = 2;
};

class http_server {
public:
  http_server(http_options options, ingress_actor ingress);
  ~http_server();

  /// Binds and starts serving on background threads; throws on failure.
  void start();

  /// Stops accepting, closes connections and joins the threads.
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// True if a Content-Type header value names JSON (parameters allowed).
bool is_json_content_type(const std::string& value);

} // namespace jobstack
