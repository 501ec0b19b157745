// The HTTP ingress: takes routed API commands from the HTTP layer, asks the
// broker, and writes the answer through the request's reply callback.
// Lives in jobstack-server next to the HTTP server; never blocks.
#pragma once

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <functional>
#include <string>

#include "core/cluster_metrics.hpp"

#include "messages/broker.hpp"
#include "messages/ingress.hpp"

namespace jobstack {

struct ingress_options {
  /// Below RESTinio's handle_request_timeout, so the client always gets an
  /// answer (a 503) instead of a closed connection.
  std::chrono::milliseconds broker_timeout{5000};
  /// /readyz waits this long for the broker's Redis check.
  std::chrono::milliseconds ready_timeout{2000};
  /// GET /metrics waits this long for the queue gauges; without them it
  /// still answers (Prometheus must see the Redis error counters then).
  std::chrono::milliseconds metrics_timeout{2000};
  /// Renders GET /metrics: the node's registries plus the cluster gauges.
  std::function<std::string(const cluster_snapshot&)> render_metrics;
};

struct ingress_state {
  static inline const char* name = "ingress";
};

/// Maps an error from the broker or store to the API's error reply;
/// `what` names the resource for 404s ("job", "queue").
http_reply error_to_reply(const caf::error& err, const std::string& what);

ingress_actor::behavior_type
ingress(ingress_actor::stateful_pointer<ingress_state> self,
        broker_actor broker, ingress_options options);

} // namespace jobstack
