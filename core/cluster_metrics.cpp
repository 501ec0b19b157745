// Scrape-time cluster gauges; see cluster_metrics.hpp.
#include "core/cluster_metrics.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace jobstack {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

ClientMetric gauge(double value,
                   std::vector<std::pair<std::string, std::string>> labels) {
  ClientMetric metric;
  metric.gauge.value = value;
  for (auto& [name, label_value] : labels)
    metric.label.push_back({std::move(name), std::move(label_value)});
  return metric;
}

MetricFamily gauge_family(const char* name, const char* help) {
  return MetricFamily{name, help, MetricType::Gauge, {}};
}

void add_queue_families(const std::vector<queue_stats>& queues, int64_t now,
                        std::vector<MetricFamily>& out) {
  auto depth = gauge_family("jobstack_queue_jobs",
                            "Jobs in a queue by state, read from Redis at "
                            "scrape time (finished states until they expire)");
  auto oldest = gauge_family("jobstack_queue_oldest_job_age_seconds",
                             "Seconds the longest-waiting queued job has been "
                             "runnable (queue latency); 0 when none is queued");
  for (auto& q : queues) {
    std::pair<const char*, int64_t> states[]
        = {{"queued", q.queued},   {"scheduled", q.scheduled},
           {"running", q.running}, {"succeeded", q.succeeded},
           {"dead", q.dead},       {"cancelled", q.cancelled}};
    for (auto& [state, n] : states)
      depth.metric.push_back(
          gauge(static_cast<double>(n), {{"queue", q.name}, {"state", state}}));
    auto age = q.oldest_ready_at > 0
                   ? std::max<int64_t>(0, now - q.oldest_ready_at)
                   : 0;
    oldest.metric.push_back(
        gauge(static_cast<double>(age) / 1e6, {{"queue", q.name}}));
  }
  out.push_back(std::move(depth));
  out.push_back(std::move(oldest));
}

} // namespace

std::vector<MetricFamily> cluster_families(const cluster_snapshot& snapshot) {
  std::vector<MetricFamily> out;
  auto up = gauge_family("jobstack_queue_stats_up",
                         "1 if this scrape could read the queue gauges from "
                         "Redis, else 0");
  up.metric.push_back(gauge(snapshot.queues ? 1 : 0, {}));
  out.push_back(std::move(up));
  if (snapshot.queues)
    add_queue_families(*snapshot.queues, snapshot.now, out);
  if (!snapshot.workers)
    return out;
  auto nodes = gauge_family("jobstack_worker_nodes_connected",
                            "Worker nodes joined to this broker");
  nodes.metric.push_back(
      gauge(static_cast<double>(snapshot.workers->size()), {}));
  out.push_back(std::move(nodes));
  auto in_flight = gauge_family("jobstack_worker_node_jobs_in_flight",
                                "Jobs delivered to a worker node and not yet "
                                "acked, by worker node");
  for (auto& w : *snapshot.workers)
    in_flight.metric.push_back(
        gauge(static_cast<double>(w.running), {{"worker", w.id}}));
  out.push_back(std::move(in_flight));
  return out;
}

} // namespace jobstack
