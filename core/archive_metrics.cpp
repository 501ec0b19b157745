// Metrics of the job-history archive; see archive_metrics.hpp.
#include "core/archive_metrics.hpp"

namespace jobstack {

archive_metrics::archive_metrics(prometheus::Registry& registry)
    : backlog_(prometheus::BuildGauge()
                   .Name("jobstack_archive_backlog")
                   .Help("Finished jobs in Redis waiting to be written to the "
                         "PostgreSQL archive")
                   .Register(registry)
                   .Add({})),
      archived_(prometheus::BuildCounter()
                    .Name("jobstack_archive_jobs_total")
                    .Help("Finished jobs written to the PostgreSQL archive")
                    .Register(registry)
                    .Add({})),
      errors_(prometheus::BuildCounter()
                  .Name("jobstack_archive_errors_total")
                  .Help("Archive failures, by kind (connection: PostgreSQL "
                        "unreachable, jobs kept in Redis and retried; "
                        "rejected: jobs PostgreSQL refused, not archived)")
                  .Register(registry)),
      up_(prometheus::BuildGauge()
              .Name("jobstack_archive_up")
              .Help("1 if the last attempt to reach the PostgreSQL archive "
                    "succeeded, else 0")
              .Register(registry)
              .Add({})) {
  errors_.Add({{"kind", "connection"}});
  errors_.Add({{"kind", "rejected"}});
}

void archive_metrics::backlog(int64_t jobs) {
  backlog_.Set(static_cast<double>(jobs));
}

void archive_metrics::archived(uint64_t jobs) {
  archived_.Increment(static_cast<double>(jobs));
}

void archive_metrics::connection_error() {
  errors_.Add({{"kind", "connection"}}).Increment();
}

void archive_metrics::rejected(uint64_t jobs) {
  errors_.Add({{"kind", "rejected"}}).Increment(static_cast<double>(jobs));
}

void archive_metrics::up(bool yes) {
  up_.Set(yes ? 1.0 : 0.0);
}

} // namespace jobstack
