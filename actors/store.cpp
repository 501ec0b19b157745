// The store actor; see store.hpp. Each handler posts one job_store call to
// the store's thread; a Redis failure becomes errc::unavailable (nothing
// was written).
#include "actors/store.hpp"

#include <spdlog/spdlog.h>

#include "actors/blocking.hpp"
#include "core/logging.hpp"
#include "core/time.hpp"
#include "messages/errors.hpp"

namespace jobstack {

namespace {

// Runs `f`, turning Redis failures into an `unavailable` error.
template <class T, class F>
caf::expected<T> guarded(const char* what, F f) {
  try {
    return f();
  } catch (const redis_error& e) {
    logs::warn("store", fmt::format("{} failed: {}", what, e.what()));
    return caf::make_error(errc::unavailable, std::string{e.what()});
  }
}

// not_found and "the status forbids it" become errors the API maps.
caf::expected<job_record> to_expected(change_result result) {
  if (result.outcome == "ok" && result.job)
    return std::move(*result.job);
  if (result.outcome == "ok" || result.outcome == "not_found")
    return caf::make_error(errc::not_found);
  return caf::make_error(errc::conflict, result.outcome);
}

void log_stale(const std::vector<std::string>& verdicts,
               const std::vector<job_outcome>& outcomes,
               const std::string& worker_id) {
  for (size_t i = 0; i < verdicts.size() && i < outcomes.size(); ++i)
    if (verdicts[i] == ack_verdict::stale)
      logs::info("store",
                 fmt::format("refused stale ack of job {} attempt {} from {}",
                             outcomes[i].job_id, outcomes[i].attempt,
                             worker_id));
}

} // namespace

// Every store operation: on the store's thread, refused unstarted once it
// waited longer than the queue budget (see run_blocking).
template <class Result, class Work>
caf::typed_response_promise<Result>
run_store(store_actor::stateful_pointer<store_state> self, Work work) {
  auto deadline = std::chrono::steady_clock::now() + self->state.queue_budget;
  return run_blocking<Result>(
      self, *self->state.exec, std::move(work), deadline,
      caf::make_error(errc::unavailable,
                      std::string{"redis is too slow: request not started"}));
}

store_actor::behavior_type
store(store_actor::stateful_pointer<store_state> self, store_options options) {
  self->state.queue_budget = options.queue_budget;
  auto db = std::make_shared<job_store>(std::move(options));
  self->state.db = db;
  self->state.exec = std::make_unique<blocking_executor>();
  self->state.exec->post([db] {
    try {
      db->connect();
    } catch (const redis_error& e) {
      logs::warn("store",
                 fmt::format("{} (will retry on first use)", e.what()));
    }
  });
  return {
      [=](submit_atom, std::vector<submit_request>& requests) {
        return run_store<std::vector<submit_result>>(self, [=] {
          return guarded<std::vector<submit_result>>(
              "submit", [&] { return db->submit(requests); });
        });
      },
      [=](get_atom, const std::string& id) {
        return run_store<job_record>(self, [=] {
          return guarded<job_record>("get", [&]() -> caf::expected<job_record> {
            auto job = db->find(id);
            if (!job)
              return caf::make_error(errc::not_found);
            return std::move(*job);
          });
        });
      },
      [=](list_atom, const list_query& query) {
        return run_store<job_page>(self, [=] {
          return guarded<job_page>("list", [&] { return db->list(query); });
        });
      },
      [=](cancel_atom, const std::string& id) {
        return run_store<job_record>(self, [=] {
          return guarded<job_record>(
              "cancel", [&] { return to_expected(db->cancel(id, now_us())); });
        });
      },
      [=](retry_atom, const std::string& id) {
        return run_store<job_record>(self, [=] {
          return guarded<job_record>(
              "retry", [&] { return to_expected(db->retry(id, now_us())); });
        });
      },
      [=](stats_atom, const std::string& queue) {
        return run_store<queue_stats>(self, [=] {
          return guarded<queue_stats>(
              "stats", [&]() -> caf::expected<queue_stats> {
                auto stats = db->stats(queue);
                if (!stats)
                  return caf::make_error(errc::not_found);
                return std::move(*stats);
              });
        });
      },
      [=](stats_atom) {
        return run_store<std::vector<queue_stats>>(self, [=] {
          return guarded<std::vector<queue_stats>>(
              "stats", [&] { return db->all_stats(); });
        });
      },
      [=](ping_atom) {
        return run_store<bool>(self, [=] {
          return guarded<bool>("ping", [&] { return db->ping(); });
        });
      },
      [=](claim_atom, const std::string& worker_id,
          const std::vector<std::string>& queues, uint32_t max) {
        return run_store<std::vector<delivery>>(self, [=] {
          return guarded<std::vector<delivery>>("claim", [&] {
            return db->claim(worker_id, queues, max, now_us());
          });
        });
      },
      [=](ack_atom, const std::string& worker_id,
          const std::vector<job_outcome>& outcomes) {
        using verdicts = std::vector<std::string>;
        return run_store<verdicts>(self, [=] {
          return guarded<verdicts>("ack", [&] {
            auto result = db->ack(worker_id, outcomes, now_us());
            log_stale(result, outcomes, worker_id);
            return result;
          });
        });
      },
      [=](requeue_atom, const std::string& worker_id,
          const std::vector<std::string>& held, bool forget) {
        return run_store<uint32_t>(self, [=] {
          return guarded<uint32_t>("requeue", [&] {
            return db->requeue(worker_id, held, forget, now_us());
          });
        });
      },
      [=](release_atom, const std::string& worker_id,
          const std::vector<std::string>& ids) {
        return run_store<uint32_t>(self, [=] {
          return guarded<uint32_t>(
              "release", [&] { return db->release(worker_id, ids, now_us()); });
        });
      },
      [=](join_atom, const std::string& worker_id) {
        return run_store<bool>(self, [=] {
          return guarded<bool>("join", [&] {
            db->remember_worker(worker_id, now_us());
            return true;
          });
        });
      },
      [=](inflight_atom, const std::vector<std::string>& worker_ids) {
        using lists = std::vector<std::vector<std::string>>;
        return run_store<lists>(self, [=] {
          return guarded<lists>("inflight",
                                [&] { return db->inflight(worker_ids); });
        });
      },
      [=](known_atom) {
        return run_store<std::vector<std::string>>(self, [=] {
          return guarded<std::vector<std::string>>(
              "known", [&] { return db->known_workers(); });
        });
      },
      [=](promote_atom) {
        return run_store<uint32_t>(self, [=] {
          return guarded<uint32_t>(
              "promote", [&] { return db->promote_due(now_us(), 1000); });
        });
      },
      [=](expire_atom) {
        return run_store<uint32_t>(self, [=] {
          return guarded<uint32_t>(
              "expire", [&] { return db->expire_finished(now_us()); });
        });
      },
      [=](reap_atom) {
        return run_store<uint32_t>(self, [=] {
          return guarded<uint32_t>("reap",
                                   [&] { return db->reap_expired(now_us()); });
        });
      },
      [=](archive_atom, uint32_t max) {
        return run_store<archive_batch>(self, [=] {
          return guarded<archive_batch>(
              "archive_read", [&] { return db->read_archive_backlog(max); });
        });
      },
      [=](archived_atom, const std::vector<archive_key>& done) {
        return run_store<uint32_t>(self, [=] {
          return guarded<uint32_t>("archive_mark", [&] {
            return db->mark_archived(done, now_us());
          });
        });
      },
      [](completion& done) { done.run(); },
  };
}

} // namespace jobstack
