// Message types of the API operations beyond single jobs: batched and
// idempotent submits, listing, queue stats, the worker view.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "messages/job.hpp"

namespace jobstack {

/// One create request: 1 job (POST /v1/jobs) or a batch, written all or
/// nothing; `idempotency_key` empty when the client sent none.
struct submit_request {
  std::vector<job_record> jobs;
  std::string idempotency_key;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, submit_request& x) {
  return f(caf::meta::type_name("submit_request"), x.jobs, x.idempotency_key);
}

/// The jobs of a submit: as written (`created`), or, for a repeated
/// idempotency key, the jobs the first request created, as they are now.
struct submit_result {
  std::vector<job_record> jobs;
  bool created = true;
  /// The connection failed before this request's answer: it was not
  /// written (the script refuses late writes), so the API answers 503.
  bool unavailable = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, submit_result& x) {
  return f(caf::meta::type_name("submit_result"), x.jobs, x.created,
           x.unavailable);
}

/// A finished job's place in the listing order of finished jobs (most
/// recently finished first, then id descending): the keyset of the
/// PostgreSQL archive's pages. An empty `id` means "from the start".
struct archive_key {
  int64_t finished_at = 0; ///< unix us
  std::string id;

  bool empty() const {
    return id.empty();
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, archive_key& x) {
  return f(caf::meta::type_name("archive_key"), x.finished_at, x.id);
}

/// GET /v1/jobs: `status` empty = all; `offset` is the decoded cursor of a
/// page from Redis; `in_archive`, that of a page from the PostgreSQL
/// archive, which continues after `after` (a finished status only).
struct list_query {
  std::string queue = "default";
  std::string status;
  uint32_t limit = 50;
  uint64_t offset = 0;
  bool in_archive = false;
  archive_key after;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, list_query& x) {
  return f(caf::meta::type_name("list_query"), x.queue, x.status, x.limit,
           x.offset, x.in_archive, x.after);
}

/// One page of a listing; `next_offset` 0 = last page. With `archive_next`
/// (archiving on, a finished status), the listing goes on in the archive
/// after `next_key` (the last job listed from Redis; empty: from the start).
struct job_page {
  std::vector<job_record> jobs;
  uint64_t next_offset = 0;
  bool archive_next = false;
  archive_key next_key;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_page& x) {
  return f(caf::meta::type_name("job_page"), x.jobs, x.next_offset,
           x.archive_next, x.next_key);
}

struct queue_stats {
  std::string name;
  int64_t queued = 0;
  int64_t scheduled = 0;
  int64_t running = 0;
  int64_t succeeded = 0;
  int64_t dead = 0;
  int64_t cancelled = 0;
  /// Unix us the job at the bottom of the ready stack (the one waiting
  /// longest) became runnable; 0 when none is queued. For queue latency.
  int64_t oldest_ready_at = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, queue_stats& x) {
  return f(caf::meta::type_name("queue_stats"), x.name, x.queued, x.scheduled,
           x.running, x.succeeded, x.dead, x.cancelled, x.oldest_ready_at);
}

/// A connected worker node as GET /v1/workers shows it.
struct worker_view {
  std::string id;
  std::string node;
  uint32_t concurrency = 0;
  uint32_t running = 0;
  uint64_t processed = 0;
  uint64_t failed = 0;
  int64_t last_seen = 0; ///< unix us
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_view& x) {
  return f(caf::meta::type_name("worker_view"), x.id, x.node, x.concurrency,
           x.running, x.processed, x.failed, x.last_seen);
}

} // namespace jobstack
