// A worker: runs one job attempt at a time with the registered handler, on
// a thread of its own (handlers may block). The scheduler of a worker node
// spawns `concurrency` of them and feeds them deliveries.
//
// Per-attempt timeout: when an attempt outlives its timeout_ms, the worker
// answers "timed out" at once (a failed, retryable attempt), tells the
// handler to give up, and leaves its thread behind, so the slot is free
// again even if the handler never returns.
#pragma once

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <atomic>
#include <memory>

#include "core/blocking_executor.hpp"
#include "core/handlers.hpp"
#include "messages/worker_node.hpp"

namespace jobstack {

struct worker_state {
  std::unique_ptr<blocking_executor> exec;
  uint64_t attempt_seq = 0; ///< numbers this worker's attempts
  caf::typed_response_promise<job_outcome> current;
  std::shared_ptr<std::atomic<bool>> attempt_cancelled;
  delivery current_job;
  static inline const char* name = "worker";
};

/// The outcome of an attempt that outlived its timeout.
job_outcome timed_out(const delivery& job);

worker_actor::behavior_type
worker(worker_actor::stateful_pointer<worker_state> self,
       std::shared_ptr<const handler_registry> handlers,
       std::shared_ptr<std::atomic<bool>> node_stopping);

} // namespace jobstack
