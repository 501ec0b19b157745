// Job traffic metrics; see job_metrics.hpp.
#include "core/job_metrics.hpp"

#include <algorithm>

namespace jobstack {

std::string bounded_label::operator()(const std::string& value) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (seen_.count(value) > 0)
    return value;
  if (seen_.size() >= max_)
    return "other";
  seen_.insert(value);
  return value;
}

const prometheus::Histogram::BucketBoundaries& job_time_buckets() {
  static const prometheus::Histogram::BucketBoundaries bounds{
      0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600};
  return bounds;
}

namespace {

prometheus::Family<prometheus::Counter>&
counter(prometheus::Registry& registry, const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

prometheus::Family<prometheus::Histogram>&
histogram(prometheus::Registry& registry, const char* name, const char* help) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(registry);
}

double seconds_between(int64_t from_us, int64_t to_us) {
  return static_cast<double>(std::max<int64_t>(0, to_us - from_us)) / 1e6;
}

} // namespace

job_metrics::job_metrics(prometheus::Registry& registry)
    : enqueued_(counter(registry, "jobstack_jobs_enqueued_total",
                        "Jobs written to a queue, by queue and type")),
      delivered_(counter(registry, "jobstack_jobs_delivered_total",
                         "Attempts handed to worker nodes, by queue and type")),
      succeeded_(counter(registry, "jobstack_jobs_succeeded_total",
                         "Jobs that finished successfully, by queue and type")),
      failed_(counter(registry, "jobstack_jobs_failed_total",
                      "Failed attempts, by queue, type and disposition "
                      "(retry: scheduled again; dead: failed for good)")),
      cancelled_(counter(registry, "jobstack_jobs_cancelled_total",
                         "Jobs cancelled through the API, by queue")),
      wait_(histogram(registry, "jobstack_job_wait_duration_seconds",
                      "Time from runnable (enqueued, due or retried) to "
                      "delivered to a worker, by queue")),
      run_(histogram(registry, "jobstack_job_run_duration_seconds",
                     "Run time of an attempt as its worker measured it, by "
                     "queue")) {
  // nop
}

void job_metrics::enqueued(const job_record& job) {
  auto queue = queue_label_(job.queue);
  auto type = type_label_(job.type);
  enqueued_.Add({{"queue", queue}, {"type", type}}).Increment();
  // The outcome series exist from the first job on, at 0, so that
  // increase() in alerts also sees the first success or death.
  succeeded_.Add({{"queue", queue}, {"type", type}});
  for (auto* disposition : {ack_verdict::retry, ack_verdict::dead})
    failed_.Add(
        {{"queue", queue}, {"type", type}, {"disposition", disposition}});
}

void job_metrics::delivered(const delivery& d, int64_t now) {
  auto queue = queue_label_(d.queue);
  delivered_.Add({{"queue", queue}, {"type", type_label_(d.type)}}).Increment();
  if (d.ready_at > 0)
    wait_.Add({{"queue", queue}}, job_time_buckets())
        .Observe(seconds_between(d.ready_at, now));
}

void job_metrics::finished(const job_outcome& outcome,
                           const std::string& verdict) {
  if (verdict == ack_verdict::stale)
    return;
  auto queue = queue_label_(outcome.queue);
  auto type = type_label_(outcome.type);
  run_.Add({{"queue", queue}}, job_time_buckets())
      .Observe(static_cast<double>(std::max<int64_t>(0, outcome.run_us)) / 1e6);
  if (verdict == ack_verdict::succeeded)
    succeeded_.Add({{"queue", queue}, {"type", type}}).Increment();
  else
    failed_.Add({{"queue", queue}, {"type", type}, {"disposition", verdict}})
        .Increment();
}

void job_metrics::cancelled(const job_record& job) {
  cancelled_.Add({{"queue", queue_label_(job.queue)}}).Increment();
}

} // namespace jobstack
