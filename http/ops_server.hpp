// The small HTTP server of a worker node (CSC_METRICS_PORT): GET /healthz
// and GET /metrics for Prometheus. RESTinio, one thread; RESTinio stays out
// of this header.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace jobstack {

class ops_server {
public:
  /// `metrics` renders the Prometheus text of GET /metrics.
  ops_server(std::string host, uint16_t port,
             std::function<std::string()> metrics);
  ~ops_server();

  /// Binds and serves on a background thread; throws on failure.
  void start();

  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace jobstack
