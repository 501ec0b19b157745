// Gauges read at scrape time from the broker's view of the cluster: queue
// depth per state and age of the oldest queued job (queue latency) per
// queue from Redis, connected worker nodes and in-flight jobs per node.
// Pure: snapshot in, Prometheus metric families out.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <prometheus/metric_family.h>

#include "messages/api.hpp"

namespace jobstack {

struct cluster_snapshot {
  /// Empty when Redis could not be read: the gauges are left out (rather
  /// than reported as 0) and jobstack_queue_stats_up says so.
  std::optional<std::vector<queue_stats>> queues;
  /// Empty when the broker did not answer: the worker gauges are left out
  /// rather than read as "no workers" (which would page someone).
  std::optional<std::vector<worker_view>> workers;
  int64_t now = 0; ///< unix us
};

std::vector<prometheus::MetricFamily>
cluster_families(const cluster_snapshot& snapshot);

} // namespace jobstack
