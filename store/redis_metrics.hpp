// Prometheus metrics of a Redis connection: command errors, reconnects and
// round-trip latency, labelled by which connection (the broker's "api" one
// or its "housekeeping" one).
#pragma once

#include <memory>
#include <string>

#include <prometheus/registry.h>

#include "store/redis_client.hpp"

namespace jobstack {

/// An observer feeding jobstack_redis_command_errors_total,
/// jobstack_redis_reconnects_total and
/// jobstack_redis_command_duration_seconds{connection=...}.
std::shared_ptr<redis_observer>
make_redis_metrics(prometheus::Registry& registry,
                   const std::string& connection);

} // namespace jobstack
