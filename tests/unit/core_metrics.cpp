// Unit tests of the metric classes: job traffic counters and histograms
// (job_metrics), label bounding, and the scrape-time cluster gauges,
// read back through prometheus-cpp's text serializer as Prometheus would.
#define CAF_SUITE core.metrics
#include "test_config.hpp"

#include <regex>

#include <prometheus/text_serializer.h>

#include "core/cluster_metrics.hpp"
#include "core/job_metrics.hpp"
#include "core/process_metrics.hpp"

using namespace jobstack;

namespace {

/// The value of the sample `name{labels}` in `text` (exact label set in
/// text order), or -1 when absent.
double sample(const std::string& text, const std::string& series) {
  auto at = text.find("\n" + series + " ");
  if (at == std::string::npos)
    return -1;
  auto from = at + series.size() + 2;
  return std::stod(text.substr(from, text.find('\n', from) - from));
}

struct fixture {
  std::shared_ptr<prometheus::Registry> registry
      = std::make_shared<prometheus::Registry>();
  job_metrics metrics{*registry};

  std::string text() {
    return "\n" + metrics_text({registry});
  }

  static job_record job(std::string queue, std::string type) {
    job_record j;
    j.queue = std::move(queue);
    j.type = std::move(type);
    return j;
  }

  static job_outcome outcome(std::string queue, int64_t run_us) {
    job_outcome o;
    o.queue = std::move(queue);
    o.type = "mail";
    o.run_us = run_us;
    return o;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(metrics_tests, fixture)

CAF_TEST(job counters count by queue type and disposition) {
  metrics.enqueued(job("q1", "mail"));
  metrics.enqueued(job("q1", "mail"));
  metrics.cancelled(job("q1", "mail"));
  metrics.finished(outcome("q1", 2000000), ack_verdict::succeeded);
  metrics.finished(outcome("q1", 1000), ack_verdict::retry);
  metrics.finished(outcome("q1", 1000), ack_verdict::stale); // not counted
  auto t = text();
  CAF_CHECK_EQUAL(
      sample(t, R"(jobstack_jobs_enqueued_total{queue="q1",type="mail"})"), 2);
  CAF_CHECK_EQUAL(
      sample(t, R"(jobstack_jobs_succeeded_total{queue="q1",type="mail"})"), 1);
  CAF_CHECK_EQUAL(
      sample(
          t,
          R"(jobstack_jobs_failed_total{disposition="retry",queue="q1",type="mail"})"),
      1);
  // Present at 0 before the first death, so increase() sees the first one.
  CAF_CHECK_EQUAL(
      sample(
          t,
          R"(jobstack_jobs_failed_total{disposition="dead",queue="q1",type="mail"})"),
      0);
  CAF_CHECK_EQUAL(sample(t, R"(jobstack_jobs_cancelled_total{queue="q1"})"), 1);
  CAF_CHECK_EQUAL(
      sample(t, R"(jobstack_job_run_duration_seconds_count{queue="q1"})"), 2);
  CAF_CHECK_EQUAL(
      sample(t, R"(jobstack_job_run_duration_seconds_sum{queue="q1"})"), 2.001);
}

CAF_TEST(deliveries count and observe the queue wait) {
  delivery d;
  d.queue = "q2";
  d.type = "echo";
  d.ready_at = 1000000;
  metrics.delivered(d, 4000000); // waited 3 s
  d.ready_at = 0;                // unknown: counted, not observed
  metrics.delivered(d, 4000000);
  auto t = text();
  CAF_CHECK_EQUAL(
      sample(t, R"(jobstack_jobs_delivered_total{queue="q2",type="echo"})"), 2);
  CAF_CHECK_EQUAL(
      sample(t, R"(jobstack_job_wait_duration_seconds_count{queue="q2"})"), 1);
  CAF_CHECK_EQUAL(
      sample(t, R"(jobstack_job_wait_duration_seconds_sum{queue="q2"})"), 3);
  CAF_CHECK_EQUAL(
      sample(t,
             R"(jobstack_job_wait_duration_seconds_bucket{queue="q2",le="1"})"),
      0);
  CAF_CHECK_EQUAL(
      sample(t,
             R"(jobstack_job_wait_duration_seconds_bucket{queue="q2",le="5"})"),
      1);
}

CAF_TEST(label values are bounded) {
  bounded_label label{2};
  CAF_CHECK_EQUAL(label("a"), "a");
  CAF_CHECK_EQUAL(label("b"), "b");
  CAF_CHECK_EQUAL(label("c"), "other");
  CAF_CHECK_EQUAL(label("a"), "a");
  for (int i = 0; i < 300; ++i)
    metrics.enqueued(job("q", "t" + std::to_string(i)));
  auto t = text();
  CAF_CHECK_EQUAL(
      sample(t, R"(jobstack_jobs_enqueued_total{queue="q",type="other"})"),
      200);
}

CAF_TEST(cluster gauges come from the snapshot) {
  cluster_snapshot snap;
  snap.now = 10000000;
  queue_stats q;
  q.name = "q1";
  q.queued = 3;
  q.dead = 2;
  q.oldest_ready_at = 7500000; // 2.5 s ago
  snap.queues = std::vector<queue_stats>{q};
  worker_view w;
  w.id = "w1";
  w.running = 4;
  snap.workers = std::vector<worker_view>{w, worker_view{}};
  auto t
      = "\n" + prometheus::TextSerializer{}.Serialize(cluster_families(snap));
  CAF_CHECK_EQUAL(sample(t, "jobstack_queue_stats_up"), 1);
  CAF_CHECK_EQUAL(
      sample(t, R"(jobstack_queue_jobs{queue="q1",state="queued"})"), 3);
  CAF_CHECK_EQUAL(sample(t, R"(jobstack_queue_jobs{queue="q1",state="dead"})"),
                  2);
  CAF_CHECK_EQUAL(
      sample(t, R"(jobstack_queue_oldest_job_age_seconds{queue="q1"})"), 2.5);
  CAF_CHECK_EQUAL(sample(t, "jobstack_worker_nodes_connected"), 2);
  CAF_CHECK_EQUAL(
      sample(t, R"(jobstack_worker_node_jobs_in_flight{worker="w1"})"), 4);
  snap.queues.reset(); // Redis unreadable: no queue gauges, up says 0
  t = "\n" + prometheus::TextSerializer{}.Serialize(cluster_families(snap));
  CAF_CHECK_EQUAL(sample(t, "jobstack_queue_stats_up"), 0);
  CAF_CHECK_EQUAL(t.find("jobstack_queue_jobs{"), std::string::npos);
  snap.workers.reset(); // broker silent: no "0 workers connected"
  t = "\n" + prometheus::TextSerializer{}.Serialize(cluster_families(snap));
  CAF_CHECK_EQUAL(sample(t, "jobstack_worker_nodes_connected"), -1);
}

CAF_TEST_FIXTURE_SCOPE_END()
