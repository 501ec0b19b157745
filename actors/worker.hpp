// A worker: runs one job attempt at a time with the registered handler, on
// a thread of its own (handlers may block). The scheduler of a worker node
// spawns `concurrency` of them and feeds them deliveries.
#pragma once

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <atomic>
#include <memory>

#include "core/blocking_executor.hpp"
#include "core/handlers.hpp"
#include "messages/worker_node.hpp"

namespace jobstack {

struct worker_state {
  std::unique_ptr<blocking_executor> exec;
  static inline const char* name = "worker";
};

worker_actor::behavior_type
worker(worker_actor::stateful_pointer<worker_state> self,
       std::shared_ptr<const handler_registry> handlers,
       std::shared_ptr<std::atomic<bool>> cancel_flag);

} // namespace jobstack
