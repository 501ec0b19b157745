// The scheduler of a worker node: joins the broker, pulls as many jobs as
// the node has idle workers, hands them out, and acks their outcomes in
// batches. With a cron cadence it takes jobs only from each tick until the
// queues it serves are empty (pulls that do not wait); the next tick is
// computed from the wall clock each time, so ticks do not drift. In once mode
// (jobstack-worker --once) there is one such window, open from the start;
// when it has closed, nothing runs and every outcome is acked, the scheduler
// calls on_drained, and the node stops. While the
// broker is unreachable it keeps running jobs and their outcomes; when the
// node's main re-connects it, the scheduler re-joins (naming the jobs it still
// holds) and sends the held acks.
#pragma once

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/cron.hpp"
#include "messages/broker.hpp"

namespace jobstack {

struct scheduler_options {
  worker_info info;
  std::string broker_label; ///< host:port, for log lines
  std::chrono::milliseconds pull_timeout{30000};
  std::chrono::milliseconds ack_timeout{10000};
  /// Cron cadence: take jobs only from a tick until the queues are empty;
  /// none = continuously, as soon as they arrive.
  std::optional<cron_schedule> schedule;
  /// Told of each finished attempt and its run time in seconds (metrics).
  std::function<void(const delivery&, const job_outcome&, double)> observe;
  /// Told of each attempt as it starts (metrics).
  std::function<void(const delivery&)> observe_start;
  /// Once mode: take jobs from the start until the queues are empty, as in
  /// one window of a cadence (pulls that do not wait); excludes `schedule`.
  bool once = false;
  /// Once mode: called once, when the queues were found empty, nothing runs
  /// and every outcome is acked.
  std::function<void()> on_drained;
  /// Period of the retry tick; 0 = none (tests drive it).
  std::chrono::milliseconds tick_interval{1000};
};

struct scheduler_state {
  scheduler_options options;
  broker_actor broker; ///< invalid while disconnected
  bool joined = false;
  bool joining = false; ///< a join request is out
  bool pulling = false;
  bool acking = false;
  bool stopping = false;
  /// With a cron cadence: a tick came and the queues are not drained yet.
  /// In once mode: open from the start until the queues are first empty.
  bool window_open = false;
  bool drained_reported = false; ///< once mode: on_drained was called
  std::vector<worker_actor> idle;
  std::unordered_map<std::string, delivery> running; ///< by job id
  std::unordered_map<std::string, std::chrono::steady_clock::time_point>
      started; ///< when each running job was handed to a worker
  std::vector<job_outcome> unacked;
  uint64_t processed = 0; ///< attempts that succeeded
  uint64_t failed = 0;    ///< attempts that failed

  /// Ids the node still holds: running or finished but not yet acked.
  std::vector<std::string> held_job_ids() const;

  static inline const char* name = "scheduler";
};

scheduler_actor::behavior_type
scheduler(scheduler_actor::stateful_pointer<scheduler_state> self,
          scheduler_options options, std::vector<worker_actor> workers);

} // namespace jobstack
