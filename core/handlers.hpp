// Job handlers: the C++ registration API for application job types, and the
// built-in types of API.md (echo, sleep, fail, flaky).
//
//   jobstack::handler_registry handlers;
//   jobstack::add_builtin_handlers(handlers);
//   handlers.add("email.send", [](const nlohmann::json& payload,
//                                 jobstack::handler_context& ctx) {
//     ...;                 // throw to fail the attempt (it is retried)
//     return nlohmann::json{{"sent", true}};   // becomes the job's result
//   });
//
// Handlers added with add() run on a worker's own thread and may block;
// long ones should watch ctx.cancelled() (or sleep with ctx.sleep_for) to
// stop early. A handler that only computes on its payload and returns at
// once can be added with add_inline(): it runs on the worker actor itself,
// which saves a thread hand-off and a timer per job (echo, fail and flaky
// are such handlers), but it must never block, since it holds up one of
// CAF's scheduler threads while it runs.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "messages/job.hpp"

namespace jobstack {

/// What a handler knows about the attempt it runs.
class handler_context {
public:
  handler_context(const delivery& job, std::function<bool()> cancelled)
      : job_(job), cancelled_(std::move(cancelled)) {
    // nop
  }

  const delivery& job() const {
    return job_;
  }

  /// True once the worker is told to give up (node stop or timeout).
  bool cancelled() const {
    return cancelled_ && cancelled_();
  }

  /// Sleeps up to `duration`; returns false if cancelled meanwhile.
  bool sleep_for(std::chrono::milliseconds duration) const;

private:
  const delivery& job_;
  std::function<bool()> cancelled_;
};

/// Thrown by a handler for a failure that no retry can fix: the job goes
/// `dead` at once. Any other exception fails the attempt and is retried.
struct permanent_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using handler_fn
    = std::function<nlohmann::json(const nlohmann::json&, handler_context&)>;

class handler_registry {
public:
  /// A handler that may block: it runs on the worker's own thread, watched
  /// by the job's timeout.
  void add(std::string type, handler_fn fn) {
    handlers_[std::move(type)] = {std::move(fn), false};
  }

  /// A handler that returns at once and never blocks (pure computation on
  /// the payload): it runs right on the worker actor, with no hand-off to a
  /// thread and no timeout timer, which is most of what a short job costs.
  void add_inline(std::string type, handler_fn fn) {
    handlers_[std::move(type)] = {std::move(fn), true};
  }

  const handler_fn* find(const std::string& type) const {
    auto i = handlers_.find(type);
    return i == handlers_.end() ? nullptr : &i->second.fn;
  }

  /// True for a type added with add_inline.
  bool runs_inline(const std::string& type) const {
    auto i = handlers_.find(type);
    return i != handlers_.end() && i->second.runs_inline;
  }

private:
  struct entry {
    handler_fn fn;
    bool runs_inline = false;
  };
  std::unordered_map<std::string, entry> handlers_;
};

/// Registers echo, sleep, fail and flaky.
void add_builtin_handlers(handler_registry& registry);

/// Runs one attempt: parses the payload, finds the handler, turns its result
/// or exception into an outcome. Never throws.
/// `cancelled` tells the handler to give up (may be empty: never).
job_outcome run_job(const handler_registry& registry, const delivery& job,
                    std::function<bool()> cancelled = nullptr);

} // namespace jobstack
