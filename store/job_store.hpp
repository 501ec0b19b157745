// jobstack's data model in Redis: jobs, LIFO ready stacks, per-status
// indexes per queue, per-worker in-flight lists, scheduled jobs and
// idempotency keys (see redis_keys.hpp and store/lua/). A plain class over
// redis_client: each operation is one round trip (a Lua script, or a
// pipeline), and tests call it directly against a real redis-server.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/backoff.hpp"
#include "messages/api.hpp"
#include "messages/archiver.hpp"
#include "messages/job.hpp"
#include "store/redis_client.hpp"

namespace jobstack {

struct store_options {
  redis_options redis;
  backoff_policy backoff;
  int64_t retention_s = 7 * 24 * 3600; ///< finished jobs expire after this
  int64_t idempotency_ttl_s = 24 * 3600;
  /// A running job's lease ends timeout_ms + this after its start.
  int64_t lease_grace_ms = 5000;
  /// Writes and claims that reach Redis later than this after they were
  /// sent are refused by the scripts: well inside the command timeout, so
  /// a call we gave up on (and answered 503, or left unclaimed) can never
  /// still happen when a frozen Redis wakes up. Measured on Redis' clock.
  int64_t write_window_ms = 800;
  /// How long an operation may wait for the store's thread before it is
  /// refused unstarted (Redis frozen or slow).
  std::chrono::milliseconds queue_budget{800};
  /// Archiving on (DB_HOSTNAME set): finished jobs wait in the archive
  /// backlog, without expiry, until the archiver has them in PostgreSQL.
  /// Off: the store empties a backlog left from a time it was on.
  bool archive = false;
};

/// Result of cancel/retry: `outcome` is "ok", "not_found", or the status
/// that forbade the change; `job` is the job after an "ok".
struct change_result {
  std::string outcome;
  std::optional<job_record> job;
};

class job_store {
public:
  explicit job_store(store_options options);

  /// Connects now (throws redis_error); otherwise the first call connects.
  void connect();

  redis_client& redis() {
    return redis_;
  }

  // -- the API
  // ------------------------------------------------------------------

  /// Writes each request all or nothing, all in one round trip (plus one to
  /// read the jobs of repeated idempotency keys).
  std::vector<submit_result>
  submit(const std::vector<submit_request>& requests);

  /// Writes one queued/scheduled job; false if the id is taken.
  bool create(const job_record& job);

  std::optional<job_record> find(const std::string& id);

  /// Undoes enqueues answered 503 that Redis may have run anyway (the
  /// reply was lost); runs by itself before the next submit, claim or read,
  /// so no such job is delivered or listed. Returns {withdrawn, kept}: kept
  /// jobs were delivered meanwhile (another server claimed them). First it
  /// hands back the jobs of claims whose reply was lost (never delivered),
  /// so they run again at once instead of when their leases run out.
  std::pair<uint32_t, uint32_t> settle_in_doubt();

  /// Enqueue requests and claims whose outcome is unknown, waiting for
  /// settle_in_doubt.
  size_t in_doubt() const {
    return in_doubt_.size() + claims_in_doubt_.size();
  }

  /// Reads many jobs in one round trip; nullopt where gone.
  std::vector<std::optional<job_record>>
  find_many(const std::vector<std::string>& ids);

  /// A page of a queue's index. With archiving on and a finished status,
  /// the page may say that the listing goes on in the archive (job_page).
  job_page list(const list_query& query);

  change_result cancel(const std::string& id, int64_t now);

  change_result retry(const std::string& id, int64_t now);

  /// Counts of a queue that ever had a job; nullopt for any other name.
  std::optional<queue_stats> stats(const std::string& queue);

  /// Counts of every queue, sorted by name.
  std::vector<queue_stats> all_stats();

  /// True if Redis answers PING.
  bool ping();

  // -- worker nodes
  // ---------------------------------------------------------------

  /// Claims up to `max` jobs for `worker_id`, newest first, trying `queues`
  /// in order; each claimed job is running and on the worker's in-flight list.
  std::vector<delivery> claim(const std::string& worker_id,
                              const std::vector<std::string>& queues,
                              uint32_t max, int64_t now);

  /// Applies outcomes; one ack_verdict per outcome (stale: not applied).
  std::vector<std::string> ack(const std::string& worker_id,
                               const std::vector<job_outcome>& outcomes,
                               int64_t now);

  /// Puts a worker's in-flight jobs (except `held`) back on their ready
  /// stacks; `forget` drops it from the known workers. Returns how many.
  uint32_t requeue(const std::string& worker_id,
                   const std::vector<std::string>& held, bool forget,
                   int64_t now);

  /// Hands back jobs a stopping worker could not finish: on top of their
  /// ready stacks, their attempt not counted. Returns how many.
  uint32_t release(const std::string& worker_id,
                   const std::vector<std::string>& ids, int64_t now);

  void remember_worker(const std::string& worker_id, int64_t now);

  std::vector<std::string> known_workers();

  // -- housekeeping
  // ---------------------------------------------------------------

  /// The ids on each worker's in-flight list (running or awaiting an ack).
  std::vector<std::vector<std::string>>
  inflight(const std::vector<std::string>& worker_ids);

  /// Moves up to `limit` due scheduled jobs onto their ready stacks.
  uint32_t promote_due(int64_t now, uint32_t limit);

  /// Drops finished jobs past their retention from the queue indexes.
  uint32_t expire_finished(int64_t now);

  /// Takes back running jobs whose lease ran out (failed attempts).
  uint32_t reap_expired(int64_t now);

  // -- the job-history archive
  // ----------------------------------------------------

  /// The oldest `max` entries of the archive backlog, with their jobs.
  archive_batch read_archive_backlog(uint32_t max);

  /// Takes jobs the archiver wrote (or skipped) off the archive backlog;
  /// each gets the rest of its retention as expiry. Returns how many.
  uint32_t mark_archived(const std::vector<archive_key>& done, int64_t now);

  /// With archiving off: gives up to `max` jobs left in the backlog their
  /// expiry and takes them off. Returns how many.
  uint32_t release_archive_backlog(int64_t now, uint32_t max);

private:
  change_result change(const char* script, const std::string& id,
                       redis_args extra);
  std::string write_deadline() const;
  void remember_in_doubt(const submit_request& request);
  uint32_t settle_claims_in_doubt();
  void read_enqueue_reply(const submit_request& request, const redisReply* code,
                          const redisReply* detail, submit_result& result);
  /// Sets each queue's oldest_ready_at from the ids at the stack bottoms.
  void fill_oldest_ready_at(std::vector<queue_stats>& stats,
                            const std::vector<std::string>& ids);
  job_page list_before_archive(const list_query& query);
  uint32_t take_back(const std::string& worker_id, const char* mode,
                     const std::vector<std::string>& ids, bool forget,
                     int64_t now);

  store_options options_;
  redis_client redis_;
  /// {idempotency key, ids joined by ','} of enqueues of unknown outcome.
  std::deque<std::pair<std::string, std::string>> in_doubt_;
  /// {worker id, claim token} of claims of unknown outcome.
  std::deque<std::pair<std::string, std::string>> claims_in_doubt_;
  /// The token of the last claim that took jobs; the next claim drops its
  /// record (claim.lua).
  std::string last_claim_token_;
  uint64_t claim_seq_ = 0;
};

} // namespace jobstack
