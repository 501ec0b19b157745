// Runs blocking work for a scheduled actor on its blocking_executor and
// answers the current request with the result once the work is done. The
// result travels back as a `completion` message, so the response promise
// is only ever touched on the actor's own thread.
#pragma once

#include <utility>

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/expected.hpp>
#include <caf/send.hpp>
#include <caf/typed_response_promise.hpp>

#include "core/blocking_executor.hpp"
#include "messages/completion.hpp"

namespace jobstack {

/// `work` runs on `exec`'s thread and returns caf::expected<Result>.
template <class Result, class Self, class Work>
caf::typed_response_promise<Result>
run_blocking(Self* self, blocking_executor& exec, Work work) {
  auto promise = self->template make_response_promise<Result>();
  // Weak: a pending task must not keep an exited actor alive.
  caf::actor_addr owner = self->address();
  exec.post([promise, owner, work = std::move(work)]() mutable {
    caf::expected<Result> result = work();
    auto hdl = caf::actor_cast<caf::actor>(owner);
    if (!hdl)
      return;
    caf::anon_send(hdl, completion{[promise, result]() mutable {
                     if (result)
                       promise.deliver(std::move(*result));
                     else
                       promise.deliver(result.error());
                   }});
  });
  return promise;
}

} // namespace jobstack
