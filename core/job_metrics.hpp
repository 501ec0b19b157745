// The broker's Prometheus metrics of job traffic: counters of jobs enqueued,
// delivered, succeeded, failed (retry or dead) and cancelled by queue and
// type, and histograms of queue wait (runnable -> delivered) and run time.
// A plain class over a prometheus::Registry, so tests can drive it without
// actors. Label values come from clients, so they are bounded: past a cap of
// distinct values, new ones are counted under "other".
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "messages/job.hpp"

namespace jobstack {

/// Keeps a label's cardinality bounded: the first `max` distinct values pass,
/// later ones read as "other".
class bounded_label {
public:
  explicit bounded_label(size_t max) : max_(max) {
    // nop
  }

  std::string operator()(const std::string& value);

private:
  size_t max_;
  std::set<std::string> seen_;
  std::mutex mtx_;
};

class job_metrics {
public:
  explicit job_metrics(prometheus::Registry& registry);

  void enqueued(const job_record& job);
  /// One delivery; `now` (unix us) minus its ready_at is the queue wait.
  void delivered(const delivery& d, int64_t now);
  /// One acked attempt and what the store made of it (an ack_verdict).
  void finished(const job_outcome& outcome, const std::string& verdict);
  void cancelled(const job_record& job);

private:
  prometheus::Family<prometheus::Counter>& enqueued_;
  prometheus::Family<prometheus::Counter>& delivered_;
  prometheus::Family<prometheus::Counter>& succeeded_;
  prometheus::Family<prometheus::Counter>& failed_;
  prometheus::Family<prometheus::Counter>& cancelled_;
  prometheus::Family<prometheus::Histogram>& wait_;
  prometheus::Family<prometheus::Histogram>& run_;
  bounded_label queue_label_{100};
  bounded_label type_label_{100};
};

/// Bucket bounds (seconds) for job wait and run times: 1 ms .. 1 h.
const prometheus::Histogram::BucketBoundaries& job_time_buckets();

} // namespace jobstack
