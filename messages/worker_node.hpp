// Typed interfaces of a worker node (jobstack-worker): the face it shows the
// broker (monitored, so the broker notices when the node dies), the
// scheduler that pulls work for the pool, and the workers that run jobs.
#pragma once

#include <cstdint>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/atoms.hpp"
#include "messages/completion.hpp"
#include "messages/job.hpp"

namespace jobstack {

/// What the broker sees of a worker node: its scheduler.
using worker_node_actor
    = caf::typed_actor<caf::replies_to<status_atom>::with<uint32_t>>;

/// Runs one job at a time on a thread of its own (handlers may block).
using worker_actor
    = caf::typed_actor<caf::replies_to<run_atom, delivery>::with<job_outcome>,
                       caf::reacts_to<completion>,
                       // attempt number: its timeout_ms ran out
                       caf::reacts_to<timeout_atom, uint64_t>>;

} // namespace jobstack
