// Prometheus metrics of the job-history archive (the archiver actor): the
// backlog waiting in Redis, jobs archived, errors, and whether PostgreSQL
// answers. A plain class over a prometheus::Registry; thread-safe.
#pragma once

#include <cstdint>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace jobstack {

class archive_metrics {
public:
  explicit archive_metrics(prometheus::Registry& registry);

  void backlog(int64_t jobs);
  void archived(uint64_t jobs);
  /// PostgreSQL could not be reached, or went away.
  void connection_error();
  /// Jobs PostgreSQL refused (not archived, not retried).
  void rejected(uint64_t jobs);
  void up(bool yes);

private:
  prometheus::Gauge& backlog_;
  prometheus::Counter& archived_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Gauge& up_;
};

} // namespace jobstack
