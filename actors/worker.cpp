// The worker actor; see worker.hpp.
#include "actors/worker.hpp"

#include <chrono>

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include "core/logging.hpp"

namespace jobstack {

job_outcome timed_out(const delivery& job) {
  job_outcome out;
  out.job_id = job.job_id;
  out.attempt = job.attempt;
  out.succeeded = false;
  out.retryable = true;
  out.error
      = "attempt timed out after " + std::to_string(job.timeout_ms) + " ms";
  return out;
}

namespace {

using self_ptr = worker_actor::stateful_pointer<worker_state>;

// Hands the attempt to the worker's thread; its outcome comes back as a
// completion and answers the request, unless the timeout answered first.
void start_attempt(self_ptr self, const handler_registry& handlers,
                   std::shared_ptr<std::atomic<bool>> node_stopping,
                   std::shared_ptr<const handler_registry> keep_alive,
                   const delivery& job) {
  auto& st = self->state;
  auto seq = ++st.attempt_seq;
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  st.attempt_cancelled = cancelled;
  st.current_job = job;
  caf::actor_addr owner = self->address();
  st.exec->post(
      [&handlers, keep_alive, node_stopping, cancelled, job, seq, owner, self] {
        auto outcome = run_job(handlers, job, [node_stopping, cancelled] {
          return node_stopping->load() || cancelled->load();
        });
        if (auto hdl = caf::actor_cast<caf::actor>(owner))
          caf::anon_send(hdl, completion{[self, seq, outcome]() mutable {
                           auto& s = self->state;
                           if (seq == s.attempt_seq && s.current.pending())
                             s.current.deliver(std::move(outcome));
                         }});
      });
  if (job.timeout_ms > 0)
    self->delayed_send(self, std::chrono::milliseconds{job.timeout_ms},
                       timeout_atom::value, seq);
}

void on_timeout(self_ptr self, uint64_t seq) {
  auto& st = self->state;
  if (seq != st.attempt_seq || !st.current.pending())
    return; // that attempt finished in time
  logs::warn("worker",
             fmt::format("job {} attempt {} timed out after {} ms",
                         st.current_job.job_id, st.current_job.attempt,
                         st.current_job.timeout_ms));
  st.attempt_cancelled->store(true);
  st.current.deliver(timed_out(st.current_job));
  // The handler may never return: leave its thread, take a fresh one.
  st.exec->abandon();
  st.exec = std::make_unique<blocking_executor>();
}

} // namespace

worker_actor::behavior_type
worker(worker_actor::stateful_pointer<worker_state> self,
       std::shared_ptr<const handler_registry> handlers,
       std::shared_ptr<std::atomic<bool>> node_stopping) {
  self->state.exec = std::make_unique<blocking_executor>();
  return {
      [=](run_atom, const delivery& job) -> caf::result<job_outcome> {
        if (handlers->runs_inline(job.type)) // returns at once, never blocks
          return run_job(*handlers, job, [] { return false; });
        self->state.current = self->make_response_promise<job_outcome>();
        auto rp = self->state.current;
        start_attempt(self, *handlers, node_stopping, handlers, job);
        return rp;
      },
      [](completion& done) { done.run(); },
      [=](timeout_atom, uint64_t seq) { on_timeout(self, seq); },
  };
}

} // namespace jobstack
