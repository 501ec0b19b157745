// Inspection reports as JSON; see inspect_report.hpp.
#include "core/inspect_report.hpp"

#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "messages/errors.hpp"

#ifndef JOBSTACK_VERSION
#define JOBSTACK_VERSION "unknown"
#endif

namespace jobstack {

using nlohmann::json;

namespace {

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json time_or_null(int64_t unix_us) {
  return unix_us > 0 ? json(format_rfc3339(unix_us)) : json(nullptr);
}

} // namespace

const char* jobstack_release() {
  return JOBSTACK_VERSION;
}

caf::error check_protocol(const std::string& asker_protocol) {
  if (asker_protocol == protocol_version)
    return {};
  return caf::make_error(errc::protocol_mismatch,
                         std::string{"this node speaks "} + protocol_version
                             + " (jobstack " + jobstack_release()
                             + "), the asker " + asker_protocol);
}

node_report make_node_report(std::string node_id, std::string role,
                             std::string name, int64_t started_at) {
  node_report r;
  r.node_id = std::move(node_id);
  r.role = std::move(role);
  r.name = std::move(name);
  r.version = jobstack_release();
  r.protocol = protocol_version;
  r.started_at = started_at;
  r.now = now_us();
  return r;
}

std::string
broker_state_json(const std::optional<std::vector<queue_stats>>& queues,
                  const std::string& redis_error,
                  const std::vector<broker_worker_view>& workers,
                  size_t parked_submits, int64_t now) {
  json state{{"pending_submits", parked_submits}};
  if (queues) {
    json list = json::array();
    for (auto& q : *queues)
      list.push_back({{"name", q.name},
                      {"queued", q.queued},
                      {"scheduled", q.scheduled},
                      {"running", q.running},
                      {"succeeded", q.succeeded},
                      {"dead", q.dead},
                      {"cancelled", q.cancelled},
                      {"oldest_queued_age_s",
                       q.oldest_ready_at > 0
                           ? static_cast<double>(now - q.oldest_ready_at) / 1e6
                           : 0.0}});
    state["queues"] = list;
  } else {
    state["queues"] = nullptr;
    state["redis_error"] = redis_error;
  }
  json nodes = json::array();
  for (auto& w : workers)
    nodes.push_back({{"id", w.view.id},
                     {"node", w.view.node},
                     {"inspect", w.inspect},
                     {"queues", w.queues},
                     {"concurrency", w.view.concurrency},
                     {"running", w.view.running},
                     {"processed", w.view.processed},
                     {"failed", w.view.failed},
                     {"last_seen", time_or_null(w.view.last_seen)},
                     {"in_flight", w.in_flight}});
  state["worker_nodes"] = nodes;
  return dump(state);
}

std::string scheduler_state_json(const scheduler_facts& f) {
  return dump(
      {{"worker_id", f.worker_id},
       {"broker", f.broker},
       {"joined", f.joined},
       {"pulling", f.pulling},
       {"stopping", f.stopping},
       {"schedule", f.schedule.empty() ? json(nullptr) : json(f.schedule)},
       {"next_tick", time_or_null(f.next_tick)},
       {"window_open", f.window_open},
       {"unacked", f.unacked}});
}

std::string workers_state_json(const scheduler_facts& f) {
  json running = json::array();
  for (auto& r : f.running)
    running.push_back({{"job_id", r.job.job_id},
                       {"queue", r.job.queue},
                       {"type", r.job.type},
                       {"attempt", r.job.attempt},
                       {"request_id", r.job.request_id},
                       {"age_ms", r.age_ms}});
  return dump({{"concurrency", f.concurrency},
               {"idle", f.idle},
               {"processed", f.processed},
               {"failed", f.failed},
               {"running", running}});
}

} // namespace jobstack
