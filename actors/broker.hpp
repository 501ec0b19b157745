// The queue broker: the hub every job passes. It takes new jobs from the
// ingress, lets worker nodes join, answers their pulls with deliveries
// (holding a pull open while no job is ready), applies their acks, and
// takes back the in-flight jobs of worker nodes that die or hang. All Redis
// work goes through its store actor. Spawned by jobstack-server; published
// to other nodes on CSC_BROKER_PORT.
#pragma once

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/typed_response_promise.hpp>

#include "core/job_metrics.hpp"
#include "messages/archiver.hpp"
#include "messages/broker.hpp"
#include "messages/store.hpp"

namespace jobstack {

struct broker_options {
  /// After a server start, how long previously known workers have to come
  /// back before their in-flight jobs are returned to the ready stacks.
  std::chrono::milliseconds worker_grace{15000};
  /// How long a pull waits for work before it is answered empty.
  std::chrono::milliseconds pull_wait{10000};
  /// Period of the promote/recheck tick; 0 = no self-driven tick (tests
  /// send tick_atom themselves).
  std::chrono::milliseconds tick_interval{100};
  /// Most jobs written in one store round trip.
  size_t max_submit_batch = 1000;
  /// Period of dropping expired finished jobs from the indexes.
  std::chrono::milliseconds expire_interval{10000};
  /// Timeout of the Redis check of /readyz.
  std::chrono::milliseconds ready_timeout{1000};
  /// Period of taking back jobs whose lease ran out.
  std::chrono::milliseconds reap_interval{1000};
  /// Timeout of each request to the store: beyond its queue budget plus
  /// two Redis round trips, so the store's answer (not a timeout) decides.
  std::chrono::milliseconds store_timeout{3000};
  /// For jobstack-ctl: when this server started (unix us).
  int64_t started_at = 0;
  /// Job traffic counters and histograms; null: not counted (tests).
  std::shared_ptr<job_metrics> metrics;
  /// The PostgreSQL job-history archive; null when archiving is off. GET
  /// of a job Redis no longer has asks it, and listings of finished jobs
  /// go on into it once Redis' index is exhausted.
  archiver_actor archive;
  /// Timeout of each request to the archive (its own budget is shorter).
  std::chrono::milliseconds archive_timeout{3000};
};

/// A joined worker node and its open pull, if any.
struct worker_entry {
  worker_info info;
  worker_node_actor handle;
  caf::typed_response_promise<std::vector<delivery>> pull;
  bool pull_open = false;
  uint32_t wanted = 0;   ///< free slots of the open pull
  bool wait = true;      ///< park the pull when nothing is ready
  bool claiming = false; ///< a claim for this worker is at the store
  bool recheck = false;  ///< work arrived while claiming: claim again
  std::chrono::steady_clock::time_point pull_since{};
  // -- what GET /v1/workers shows ---
  uint32_t running = 0;   ///< delivered, not yet acked
  uint64_t processed = 0; ///< succeeded attempts reported
  uint64_t failed = 0;    ///< failed attempts reported
  int64_t last_seen = 0;  ///< unix us of its last message

  bool serves(const std::string& queue) const;

  worker_view view() const;

  /// Books the outcomes of an ack.
  void count(const std::vector<job_outcome>& outcomes);
};

/// The broker's bookkeeping of worker nodes, free of actor code.
class worker_table {
public:
  worker_entry& add(worker_info info, worker_node_actor handle);
  /// Removes the worker with this handle; returns its id (empty if none).
  std::string remove(const caf::actor_addr& handle);
  worker_entry* find(const std::string& worker_id);
  /// Workers with an open pull not waiting for a claim that serve `queue`
  /// (all queues if empty). Workers mid-claim are flagged to re-check.
  std::vector<std::string> wake(const std::string& queue, size_t max);
  std::vector<std::string> ids() const;
  std::vector<worker_view> views() const;

  size_t size() const {
    return entries_.size();
  }

private:
  std::map<std::string, worker_entry> entries_;
  std::map<caf::actor_addr, std::string> by_handle_;
};

/// A create request waiting for its turn at the store.
struct pending_submit {
  submit_request request;
  caf::typed_response_promise<submit_result> promise;
};

struct broker_state {
  store_actor store;
  /// A second store (own connection and thread) for the periodic duties
  /// (promote, reap, expire), so they never queue ahead of API calls and
  /// acks: with appendfsync always every round trip waits for a disk sync.
  store_actor housekeeping;
  /// New jobs wait here while a batch is at the store, then go together:
  /// one Redis round trip per batch, not per job, under load.
  std::vector<pending_submit> pending_submits;
  bool submitting = false;
  broker_options options;
  worker_table workers;
  /// Workers known from before this server started that have not re-joined.
  std::set<std::string> awaiting_rejoin;
  bool known_loaded = false;
  uint64_t ticks = 0;
  static inline const char* name = "broker";
};

/// jobstack-ctl's questions (actors/broker_inspect.cpp).
caf::result<node_report>
broker_inspect(broker_actor::stateful_pointer<broker_state> self,
               const std::string& protocol);
caf::result<std::vector<node_entry>>
broker_nodes(broker_actor::stateful_pointer<broker_state> self,
             const std::string& protocol);

broker_actor::behavior_type
broker(broker_actor::stateful_pointer<broker_state> self, store_actor store,
       store_actor housekeeping, broker_options options);

} // namespace jobstack
