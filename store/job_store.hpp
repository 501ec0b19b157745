// jobstack's data model in Redis: jobs, LIFO ready stacks, per-worker
// in-flight lists, scheduled jobs. A plain class over redis_client: each
// operation is one round trip (a Lua script, or a pipeline of them), and
// tests call it directly against a real redis-server.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/backoff.hpp"
#include "messages/job.hpp"
#include "store/redis_client.hpp"

namespace jobstack {

struct store_options {
  redis_options redis;
  backoff_policy backoff;
  int64_t retention_s = 7 * 24 * 3600; ///< finished jobs expire after this
};

class job_store {
public:
  explicit job_store(store_options options);

  /// Connects now (throws redis_error); otherwise the first call connects.
  void connect();

  redis_client& redis() {
    return redis_;
  }

  /// Writes a new queued job on top of its ready stack; false if the id
  /// is taken (nothing written).
  bool create(const job_record& job);

  /// create() for many jobs in one round trip; true where written.
  std::vector<bool> create_many(const std::vector<job_record>& jobs);

  std::optional<job_record> find(const std::string& id);

  /// Claims up to `max` jobs for `worker_id`, newest first, trying `queues`
  /// in order; each claimed job is running and on the worker's in-flight list.
  std::vector<delivery> claim(const std::string& worker_id,
                              const std::vector<std::string>& queues,
                              uint32_t max, int64_t now);

  /// Applies outcomes; true where applied, false where stale.
  std::vector<bool> ack(const std::string& worker_id,
                        const std::vector<job_outcome>& outcomes, int64_t now);

  /// Puts a worker's in-flight jobs (except `held`) back on their ready
  /// stacks; `forget` drops it from the known workers. Returns how many.
  uint32_t requeue(const std::string& worker_id,
                   const std::vector<std::string>& held, bool forget,
                   int64_t now);

  void remember_worker(const std::string& worker_id, int64_t now);

  std::vector<std::string> known_workers();

  /// Moves up to `limit` due scheduled jobs onto their ready stacks.
  uint32_t promote_due(int64_t now, uint32_t limit);

private:
  store_options options_;
  redis_client redis_;
};

} // namespace jobstack
