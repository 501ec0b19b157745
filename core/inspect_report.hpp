// Builds the reports of remote inspection (jobstack-ctl) from actor state:
// plain functions from data to JSON text, so tests need no actor system.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/error.hpp>

#include "messages/api.hpp"
#include "messages/inspect.hpp"
#include "messages/job.hpp"

namespace jobstack {

/// jobstack's release, e.g. "0.5.0".
const char* jobstack_release();

/// The error to answer an asker of another protocol with; none if equal.
caf::error check_protocol(const std::string& asker_protocol);

/// A node_report with the common fields filled in (actors left empty).
node_report make_node_report(std::string node_id, std::string role,
                             std::string name, int64_t started_at);

/// A worker node as the broker sees it, plus its in-flight job ids.
struct broker_worker_view {
  worker_view view;
  std::vector<std::string> queues;
  std::string inspect;
  std::vector<std::string> in_flight; ///< job ids on its in-flight list
};

/// The broker's state: queues with their depths (absent if Redis could not
/// be read: `redis_error` says why) and connected worker nodes.
std::string
broker_state_json(const std::optional<std::vector<queue_stats>>& queues,
                  const std::string& redis_error,
                  const std::vector<broker_worker_view>& workers,
                  size_t parked_submits, int64_t now);

/// A job running on a worker node, for the scheduler's report.
struct running_job {
  delivery job;
  int64_t age_ms = 0;
};

struct scheduler_facts {
  std::string worker_id;
  std::string broker; ///< host:port it joins
  bool joined = false;
  bool pulling = false;
  bool stopping = false;
  std::string schedule;  ///< cron expression; empty: continuous
  int64_t next_tick = 0; ///< unix us; 0 without a schedule
  bool window_open = false;
  uint32_t concurrency = 0;
  uint32_t idle = 0;
  size_t unacked = 0;
  uint64_t processed = 0;
  uint64_t failed = 0;
  std::vector<running_job> running;
};

std::string scheduler_state_json(const scheduler_facts& facts);
std::string workers_state_json(const scheduler_facts& facts);

} // namespace jobstack
