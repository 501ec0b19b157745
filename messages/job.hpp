// The job as it travels between actors and nodes: the full record the broker
// stores in Redis and the API shows, and the smaller delivery a worker runs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace jobstack {

/// Status names as API.md spells them; also the field values in Redis.
namespace status {
inline constexpr const char* queued = "queued";
inline constexpr const char* scheduled = "scheduled";
inline constexpr const char* running = "running";
inline constexpr const char* succeeded = "succeeded";
inline constexpr const char* dead = "dead";
inline constexpr const char* cancelled = "cancelled";

/// succeeded, dead or cancelled: the statuses the archive keeps.
inline bool is_finished(const std::string& s) {
  return s == succeeded || s == dead || s == cancelled;
}
} // namespace status

/// A job resource. Timestamps are microseconds since the epoch, 0 = null;
/// `payload` and `result` hold JSON text (empty `result` = null).
struct job_record {
  std::string id;
  std::string queue;
  std::string type;
  std::string payload;
  std::string status;
  int32_t attempts = 0;
  int32_t max_attempts = 3;
  int64_t timeout_ms = 30000;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  int64_t run_at = 0;
  int64_t started_at = 0;
  int64_t finished_at = 0;
  std::string result;
  std::string last_error;
  std::string worker;
  std::string request_id; ///< X-Request-Id of the request that created it
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_record& x) {
  return f(caf::meta::type_name("job_record"), x.id, x.queue, x.type, x.payload,
           x.status, x.attempts, x.max_attempts, x.timeout_ms, x.created_at,
           x.updated_at, x.run_at, x.started_at, x.finished_at, x.result,
           x.last_error, x.worker, x.request_id);
}

/// One attempt of a job, handed to a worker node. `attempt` is the job's
/// `attempts` after this delivery; the ack must quote it.
struct delivery {
  std::string job_id;
  std::string queue;
  std::string type;
  std::string payload;
  int32_t attempt = 0;
  int64_t timeout_ms = 0;
  std::string request_id; ///< follows the job into the worker's log lines
  int64_t ready_at = 0;   ///< unix us it became runnable, for the wait time
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delivery& x) {
  return f(caf::meta::type_name("delivery"), x.job_id, x.queue, x.type,
           x.payload, x.attempt, x.timeout_ms, x.request_id, x.ready_at);
}

/// What an ack did to a job (the store's answer per outcome).
namespace ack_verdict {
constexpr const char* stale
    = "stale"; ///< not applied: attempt no longer counts
constexpr const char* succeeded = "succeeded";
constexpr const char* retry = "retry"; ///< failed, scheduled for another try
constexpr const char* dead = "dead";   ///< failed for good
} // namespace ack_verdict

/// How an attempt ended, reported by the worker node (ack or nack).
struct job_outcome {
  std::string job_id;
  int32_t attempt = 0;
  bool succeeded = false;
  /// A failure that no retry can fix (e.g. no handler) ends the job `dead`.
  bool retryable = true;
  std::string result; ///< JSON text, when succeeded
  std::string error;  ///< why it failed, when not
  // -- from the delivery, for the broker's metrics and logs ---
  std::string queue;
  std::string type;
  std::string request_id;
  int64_t run_us = 0; ///< how long the attempt ran
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_outcome& x) {
  return f(caf::meta::type_name("job_outcome"), x.job_id, x.attempt,
           x.succeeded, x.retryable, x.result, x.error, x.queue, x.type,
           x.request_id, x.run_us);
}

/// What a worker node tells the broker when it joins.
struct worker_info {
  std::string worker_id; ///< stable for the life of the process
  std::string node;      ///< host and pid, for humans
  uint32_t concurrency = 1;
  std::vector<std::string> queues;
  /// Jobs the node still holds (running, or finished but not yet acked)
  /// when it re-joins; the broker takes back the rest of its in-flight list.
  std::vector<std::string> held_job_ids;
  /// host:port of its inspector (jobstack-ctl inspect); empty if none.
  std::string inspect;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_info& x) {
  return f(caf::meta::type_name("worker_info"), x.worker_id, x.node,
           x.concurrency, x.queues, x.held_job_ids, x.inspect);
}

} // namespace jobstack
