// The store actor; see store.hpp. Each handler is one job_store call; a
// Redis failure becomes errc::unavailable (nothing was written).
#include "actors/store.hpp"

#include <spdlog/spdlog.h>

#include "core/time.hpp"
#include "messages/errors.hpp"

namespace jobstack {

namespace {

// Runs `f`, turning Redis failures into an `unavailable` error reply.
template <class T, class F>
caf::result<T> guarded(const char* what, F f) {
  try {
    return f();
  } catch (const redis_error& e) {
    spdlog::warn("store: {} failed: {}", what, e.what());
    return caf::make_error(errc::unavailable, std::string{e.what()});
  }
}

} // namespace

store_actor::behavior_type store(store_actor::stateful_pointer<store_state> self,
                                 store_options options) {
  self->state.db = std::make_unique<job_store>(std::move(options));
  try {
    self->state.db->connect();
  } catch (const redis_error& e) {
    spdlog::warn("store: {} (will retry on first use)", e.what());
  }
  auto& db = *self->state.db;
  return {
    [&db](submit_atom, job_record job) -> caf::result<job_record> {
      return guarded<job_record>("submit", [&]() -> caf::result<job_record> {
        if (!db.create(job))
          return caf::make_error(errc::conflict, std::string{"job id exists"});
        return job;
      });
    },
    [&db](get_atom, const std::string& id) -> caf::result<job_record> {
      return guarded<job_record>("get", [&]() -> caf::result<job_record> {
        auto job = db.find(id);
        if (!job)
          return caf::make_error(errc::not_found);
        return std::move(*job);
      });
    },
    [&db](claim_atom, const std::string& worker_id,
          const std::vector<std::string>& queues,
          uint32_t max) -> caf::result<std::vector<delivery>> {
      return guarded<std::vector<delivery>>("claim",
                     [&] { return db.claim(worker_id, queues, max, now_us()); });
    },
    [&db](ack_atom, const std::string& worker_id,
          const std::vector<job_outcome>& outcomes) -> caf::result<uint32_t> {
      return guarded<uint32_t>("ack", [&] {
        auto applied = db.ack(worker_id, outcomes, now_us());
        uint32_t n = 0;
        for (size_t i = 0; i < applied.size(); ++i) {
          if (applied[i])
            ++n;
          else
            spdlog::info("store: refused stale ack of job {} attempt {} from {}",
                         outcomes[i].job_id, outcomes[i].attempt, worker_id);
        }
        return n;
      });
    },
    [&db](requeue_atom, const std::string& worker_id,
          const std::vector<std::string>& held,
          bool forget) -> caf::result<uint32_t> {
      return guarded<uint32_t>("requeue", [&] {
        return db.requeue(worker_id, held, forget, now_us());
      });
    },
    [&db](join_atom, const std::string& worker_id) -> caf::result<bool> {
      return guarded<bool>("join", [&] {
        db.remember_worker(worker_id, now_us());
        return true;
      });
    },
    [&db](known_atom) -> caf::result<std::vector<std::string>> {
      return guarded<std::vector<std::string>>("known", [&] { return db.known_workers(); });
    },
    [&db](promote_atom) -> caf::result<uint32_t> {
      return guarded<uint32_t>("promote", [&] { return db.promote_due(now_us(), 1000); });
    },
  };
}

} // namespace jobstack
