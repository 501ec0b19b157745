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

inline log_fields job_fields(const delivery& d, const std::string& worker) {
  log_fields f;
  f.job_id = d.job_id;
  f.queue = d.queue;
  f.type = d.type;
  f.attempt = d.attempt;
  f.worker = worker;
  f.request_id = d.request_id;
  return f;
}

inline log_fields job_fields(const job_outcome& o, const std::string& worker) {
  log_fields f;
  f.job_id = o.job_id;
  f.queue = o.queue;
  f.type = o.type;
  f.attempt = o.attempt;
  f.worker = worker;
  f.request_id = o.request_id;
  return f;
}

} // namespace jobstack
