// A worker node's inspector: answers jobstack-ctl over CAF (published on
// CSC_INSPECT_PORT) with what the node runs, asking its scheduler. The
// server needs none: its broker answers on the broker port.
#pragma once

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <cstdint>
#include <string>

#include "messages/broker.hpp"
#include "messages/inspect.hpp"

namespace jobstack {

struct inspector_state {
  static inline const char* name = "inspector";
};

inspect_actor::behavior_type
inspector(inspect_actor::stateful_pointer<inspector_state> self,
          scheduler_actor scheduler, std::string worker_id, int64_t started_at);

} // namespace jobstack
