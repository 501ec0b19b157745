// The worker actor; see worker.hpp.
#include "actors/worker.hpp"

#include "actors/blocking.hpp"

namespace jobstack {

worker_actor::behavior_type
worker(worker_actor::stateful_pointer<worker_state> self,
       std::shared_ptr<const handler_registry> handlers,
       std::shared_ptr<std::atomic<bool>> cancel_flag) {
  self->state.exec = std::make_unique<blocking_executor>();
  return {
      [=](run_atom, const delivery& job) {
        return run_blocking<job_outcome>(self, *self->state.exec, [=] {
          return caf::expected<job_outcome>{
              run_job(*handlers, job, *cancel_flag)};
        });
      },
      [](completion& done) { done.run(); },
  };
}

} // namespace jobstack
