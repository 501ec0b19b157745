// Runs blocking work for a scheduled actor on its blocking_executor and
// answers the current request with the result once the work is done. The
// result travels back as a `completion` message, so the response promise
// is only ever touched on the actor's own thread.
#pragma once

#include <chrono>
#include <utility>

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/expected.hpp>
#include <caf/send.hpp>
#include <caf/typed_response_promise.hpp>

#include "core/blocking_executor.hpp"
#include "messages/completion.hpp"

namespace jobstack {

/// `work` runs on `exec`'s thread and returns caf::expected<Result>. If it
/// would start after `deadline` (the thread was stuck, e.g. on a frozen
/// Redis), it does not run at all and the answer is `late_error`: so the
/// requester's timeout, set beyond deadline + one operation, always sees an
/// answer that says truthfully whether the work ran.
template <class Result, class Self, class Work>
caf::typed_response_promise<Result>
run_blocking(Self* self, blocking_executor& exec, Work work,
             std::chrono::steady_clock::time_point deadline
             = std::chrono::steady_clock::time_point::max(),
             caf::error late_error = caf::error{}) {
  auto promise = self->template make_response_promise<Result>();
  // Weak: a pending task must not keep an exited actor alive.
  caf::actor_addr owner = self->address();
  exec.post(
      [promise, owner, deadline, late_error, work = std::move(work)]() mutable {
        caf::expected<Result> result
            = std::chrono::steady_clock::now() > deadline
                  ? caf::expected<Result>{std::move(late_error)}
                  : work();
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
