// Prometheus' standard process metrics (process_cpu_seconds_total,
// process_resident_memory_bytes, process_open_fds,
// process_start_time_seconds), read from /proc/self at scrape time.
#pragma once

#include <memory>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

namespace jobstack {

/// A collectable to register with a node's prometheus::Registry holder
/// (e.g. an Exposer or our own serializer loop).
std::shared_ptr<prometheus::Collectable> make_process_metrics();

} // namespace jobstack

#include <string>
#include <vector>

namespace jobstack {

/// Prometheus text format 0.0.4 of everything `sources` collect.
std::string metrics_text(
    const std::vector<std::shared_ptr<prometheus::Collectable>>& sources,
    std::vector<prometheus::MetricFamily> extra = {});

} // namespace jobstack
