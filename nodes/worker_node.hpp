// jobstack-worker (the seed's Process C): a scheduler and a pool of workers
// that join the broker over CAF and run jobs with the registered handlers.
// An application adds its own job types by building a registry and
// calling run_worker_node from its own main.
#pragma once

#include "core/handlers.hpp"

namespace jobstack {

/// Runs a worker node until SIGINT/SIGTERM, or with `--once` until the
/// queues it serves are drained; returns the exit code.
int run_worker_node(int argc, char** argv, handler_registry handlers);

} // namespace jobstack
