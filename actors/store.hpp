// The store: owns the Redis connection and runs job_store operations on a
// thread of its own (a blocking_executor), so blocking Redis I/O never runs
// on CAF's scheduler threads. Operations run one at a time in arrival
// order. Spawned by the server node for the broker, the only actor that
// sends to it.
#pragma once

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <memory>

#include "core/blocking_executor.hpp"
#include "messages/store.hpp"
#include "store/job_store.hpp"

namespace jobstack {

struct store_state {
  std::shared_ptr<job_store> db; ///< used on exec's thread only
  std::unique_ptr<blocking_executor> exec;
  /// Longest an operation may wait for the thread before it is refused.
  std::chrono::milliseconds queue_budget{800};
  static inline const char* name = "store";
};

store_actor::behavior_type
store(store_actor::stateful_pointer<store_state> self, store_options options);

} // namespace jobstack
