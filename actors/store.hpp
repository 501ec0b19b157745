// The store: a detached actor (its own thread) that owns the Redis
// connection and runs job_store operations, so blocking Redis I/O never
// runs on CAF's scheduler threads. Spawned by the server node for the
// broker, which is the only actor that sends to it.
#pragma once

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <memory>

#include "messages/store.hpp"
#include "store/job_store.hpp"

namespace jobstack {

struct store_state {
  std::unique_ptr<job_store> db;
  static inline const char* name = "store";
};

store_actor::behavior_type store(store_actor::stateful_pointer<store_state> self,
                                 store_options options);

} // namespace jobstack
