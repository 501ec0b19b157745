// The log fields of a job at each step of its life, so every line about a
// job (enqueued, delivered, started, succeeded, failed) carries the same
// job id, queue, type, attempt, worker and request id.
#pragma once

#include <string>

#include "core/logging.hpp"
#include "messages/job.hpp"

namespace jobstack {

inline log_fields job_fields(const job_record& job) {
  log_fields f;
  f.job_id = job.id;
  f.queue = job.queue;
  f.type = job.type;
  f.request_id = job.request_id;
  return f;
}

/// An attempt's fields: `Attempt` is a delivery or a job_outcome (both
/// carry the job's id, queue, type, attempt and request id).
template <class Attempt>
log_fields job_fields(const Attempt& a, const std::string& worker) {
  log_fields f;
  f.job_id = a.job_id;
  f.queue = a.queue;
  f.type = a.type;
  f.attempt = a.attempt;
  f.worker = worker;
  f.request_id = a.request_id;
  return f;
}

} // namespace jobstack
