// The worker actor; see worker.hpp.
#include "actors/worker.hpp"

namespace jobstack {

worker_actor::behavior_type
worker(worker_actor::stateful_pointer<worker_state>,
       std::shared_ptr<const handler_registry> handlers,
       std::shared_ptr<std::atomic<bool>> cancel_flag) {
  return {
    [=](run_atom, const delivery& job) {
      return run_job(*handlers, job, *cancel_flag);
    },
  };
}

} // namespace jobstack
