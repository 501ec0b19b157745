// The archiver: copies finished jobs from Redis' archive backlog into the
// PostgreSQL job-history archive, and answers the broker's reads of the
// archive. Spawned by jobstack-server when DB_HOSTNAME is set.
//
// Cycle (one at a time, driven by a self-sent tick): read up to batch_size
// backlog entries through its own store (own Redis connection) -> write
// them in one INSERT on the writer thread -> take them off the backlog
// (their expiry starts) -> next tick: at once if the batch was full, else
// after `interval`, backing off to `idle_max` while nothing finishes. When
// PostgreSQL is down, the jobs stay in Redis, one warning is logged per
// outage, and the cycle retries with backoff (retry_min .. retry_max).
//
// PostgreSQL I/O runs on two threads of its own (blocking_executors), never
// on CAF's: the writer for the cycle and the reader for GET and list, so
// API reads never wait behind a batch.
#pragma once

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <memory>

#include "core/archive_metrics.hpp"
#include "core/blocking_executor.hpp"
#include "messages/archiver.hpp"
#include "messages/store.hpp"
#include "store/pg_archive.hpp"

namespace jobstack {

struct archiver_options {
  store_actor store; ///< a store of its own: never queues ahead of the API
  pg_options db;
  uint32_t batch_size = 500;
  /// Between batches that were not full.
  std::chrono::milliseconds interval{200};
  /// Longest wait between cycles while nothing is waiting.
  std::chrono::milliseconds idle_max{1000};
  /// Backoff after a failure (PostgreSQL or Redis unreachable).
  std::chrono::milliseconds retry_min{100};
  std::chrono::milliseconds retry_max{5000};
  std::chrono::milliseconds store_timeout{3000};
  /// A read not started on the reader thread within this time is refused
  /// (503) rather than left to the requester's timeout.
  std::chrono::milliseconds read_budget{1000};
  std::shared_ptr<archive_metrics> metrics; ///< may be null
};

/// The cycle's waiting times, free of actor code.
class archive_pacing {
public:
  explicit archive_pacing(const archiver_options& options);

  /// After a batch was written: none if it was full (more are waiting),
  /// else the interval.
  std::chrono::milliseconds after_batch(bool full);

  /// After a cycle found nothing: doubles from the interval up to idle_max.
  std::chrono::milliseconds after_idle();

  /// After a failure: doubles from retry_min up to retry_max.
  std::chrono::milliseconds after_failure();

private:
  std::chrono::milliseconds interval_;
  std::chrono::milliseconds idle_max_;
  std::chrono::milliseconds retry_min_;
  std::chrono::milliseconds retry_max_;
  std::chrono::milliseconds idle_{0};
  std::chrono::milliseconds retry_{0};
};

struct archiver_state {
  archiver_options options;
  std::shared_ptr<pg_archive> writer; ///< used on write_exec's thread only
  std::shared_ptr<pg_archive> reader; ///< used on read_exec's thread only
  std::unique_ptr<blocking_executor> write_exec;
  std::unique_ptr<blocking_executor> read_exec;
  std::unique_ptr<archive_pacing> pacing;
  bool down = false; ///< in an outage, already logged
  static inline const char* name = "archiver";
};

archiver_actor::behavior_type
archiver(archiver_actor::stateful_pointer<archiver_state> self,
         archiver_options options);

} // namespace jobstack
