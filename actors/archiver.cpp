// The archiver; see archiver.hpp.
#include "actors/archiver.hpp"

#include <algorithm>

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include "actors/blocking.hpp"
#include "core/logging.hpp"
#include "messages/errors.hpp"

namespace jobstack {

// -- archive_pacing
// -------------------------------------------------------------

archive_pacing::archive_pacing(const archiver_options& options)
    : interval_(options.interval), idle_max_(options.idle_max),
      retry_min_(options.retry_min), retry_max_(options.retry_max) {
  // nop
}

std::chrono::milliseconds archive_pacing::after_batch(bool full) {
  retry_ = idle_ = std::chrono::milliseconds{0};
  return full ? std::chrono::milliseconds{0} : interval_;
}

std::chrono::milliseconds archive_pacing::after_idle() {
  retry_ = std::chrono::milliseconds{0};
  idle_ = idle_.count() == 0 ? interval_ : std::min(idle_ * 2, idle_max_);
  return std::max(idle_, interval_);
}

std::chrono::milliseconds archive_pacing::after_failure() {
  idle_ = std::chrono::milliseconds{0};
  retry_ = retry_.count() == 0 ? retry_min_ : std::min(retry_ * 2, retry_max_);
  return retry_;
}

// -- actor
// ----------------------------------------------------------------------

namespace {

using self_ptr = archiver_actor::stateful_pointer<archiver_state>;

/// What the writer thread did with one batch.
struct write_outcome {
  bool reached = false; ///< false: PostgreSQL unreachable, `error` says why
  std::string error;
  pg_archive::write_result written;
};

// Runs `work` on `exec`'s thread, then `then(result)` on the actor's own
// thread (as a completion message), unless the actor is gone by then.
template <class Work, class Then>
void post_blocking(self_ptr self, blocking_executor& exec, Work work,
                   Then then) {
  caf::actor_addr owner = self->address(); // weak: may exit meanwhile
  exec.post([owner, work = std::move(work), then = std::move(then)]() mutable {
    auto result = std::make_shared<decltype(work())>(work());
    auto hdl = caf::actor_cast<caf::actor>(owner);
    if (hdl)
      caf::anon_send(hdl, completion{[then, result]() mutable {
                       then(*result);
                     }});
  });
}

void schedule(self_ptr self, std::chrono::milliseconds delay) {
  if (delay.count() == 0)
    self->send(self, tick_atom::value);
  else
    self->delayed_send(self, delay, tick_atom::value);
}

void note_down(self_ptr self, const std::string& why) {
  auto& st = self->state;
  if (auto& m = st.options.metrics) {
    m->up(false);
    m->connection_error();
  }
  if (!st.down)
    logs::warn("archiver",
               "PostgreSQL archive unavailable (" + why
                   + "); finished jobs stay in Redis until it is back");
  st.down = true;
}

void note_up(self_ptr self) {
  auto& st = self->state;
  if (auto& m = st.options.metrics)
    m->up(true);
  if (st.down)
    logs::info("archiver", "PostgreSQL archive reachable again");
  st.down = false;
}

void note_rejected(self_ptr self, const pg_archive::write_result& written) {
  if (written.rejected.empty())
    return;
  if (auto& m = self->state.options.metrics)
    m->rejected(written.rejected.size());
  for (auto& [id, why] : written.rejected)
    logs::error("archiver", fmt::format("PostgreSQL refused job {}, which "
                                        "stays in Redis only: {}",
                                        id, why));
}

std::vector<archive_key> keys_of(const archive_batch& batch) {
  std::vector<archive_key> keys = batch.skipped;
  for (auto& job : batch.jobs)
    keys.push_back({job.finished_at, job.id});
  return keys;
}

// Takes the batch off the backlog, then schedules the next cycle.
void mark_archived(self_ptr self, std::vector<archive_key> keys, size_t written,
                   bool full) {
  auto& st = self->state;
  self->request(st.options.store, st.options.store_timeout,
                archived_atom::value, std::move(keys))
      .then(
          [=](uint32_t) {
            if (auto& m = self->state.options.metrics)
              m->archived(written);
            schedule(self, self->state.pacing->after_batch(full));
          },
          [=](caf::error&) {
            // Redis trouble (the store logged it): the jobs are read and
            // written again later, which changes nothing in PostgreSQL.
            schedule(self, self->state.pacing->after_failure());
          });
}

void on_written(self_ptr self, const write_outcome& outcome,
                std::vector<archive_key> keys, bool full) {
  auto& st = self->state;
  if (!outcome.reached) {
    note_down(self, outcome.error);
    schedule(self, st.pacing->after_failure());
    return;
  }
  note_up(self);
  note_rejected(self, outcome.written);
  if (keys.empty()) {
    schedule(self, st.pacing->after_idle());
    return;
  }
  mark_archived(self, std::move(keys), outcome.written.written, full);
}

void on_batch(self_ptr self, archive_batch batch) {
  auto& st = self->state;
  if (auto& m = st.options.metrics)
    m->backlog(batch.backlog);
  auto keys = keys_of(batch);
  bool full = keys.size() >= st.options.batch_size;
  // With nothing to write, a ping keeps jobstack_archive_up true to life.
  post_blocking(
      self, *st.write_exec,
      [writer = st.writer, jobs = std::move(batch.jobs)] {
        write_outcome out;
        try {
          if (jobs.empty())
            writer->ping();
          else
            out.written = writer->write(jobs);
          out.reached = true;
        } catch (const pg_error& e) {
          out.error = e.what();
        }
        return out;
      },
      [=](const write_outcome& outcome) mutable {
        on_written(self, outcome, std::move(keys), full);
      });
}

void run_cycle(self_ptr self) {
  auto& st = self->state;
  self->request(st.options.store, st.options.store_timeout, archive_atom::value,
                st.options.batch_size)
      .then([=](archive_batch& batch) { on_batch(self, std::move(batch)); },
            [=](caf::error&) {
              schedule(self, self->state.pacing->after_failure());
            });
}

caf::error unavailable(const char* why) {
  return caf::make_error(errc::unavailable, std::string{why});
}

} // namespace

archiver_actor::behavior_type
archiver(archiver_actor::stateful_pointer<archiver_state> self,
         archiver_options options) {
  auto& st = self->state;
  st.options = options;
  st.writer = std::make_shared<pg_archive>(options.db);
  st.reader = std::make_shared<pg_archive>(options.db);
  st.write_exec = std::make_unique<blocking_executor>();
  st.read_exec = std::make_unique<blocking_executor>();
  st.pacing = std::make_unique<archive_pacing>(options);
  if (auto& m = options.metrics)
    m->up(false);
  self->send(self, tick_atom::value);
  auto reader = st.reader;
  auto budget = options.read_budget;
  return {
      [=](get_atom, const std::string& id) {
        return run_blocking<job_record>(
            self, *self->state.read_exec,
            [reader, id]() -> caf::expected<job_record> {
              try {
                if (auto job = reader->find(id))
                  return std::move(*job);
                return caf::make_error(errc::not_found);
              } catch (const pg_error& e) {
                return caf::make_error(errc::unavailable,
                                       std::string{e.what()});
              }
            },
            std::chrono::steady_clock::now() + budget,
            unavailable("the archive is too slow: request not started"));
      },
      [=](list_atom, const list_query& query) {
        return run_blocking<job_page>(
            self, *self->state.read_exec,
            [reader, query]() -> caf::expected<job_page> {
              try {
                return archive_page_of(reader->page(query, query.limit + 1),
                                       query.limit);
              } catch (const pg_error& e) {
                return caf::make_error(errc::unavailable,
                                       std::string{e.what()});
              }
            },
            std::chrono::steady_clock::now() + budget,
            unavailable("the archive is too slow: request not started"));
      },
      [=](tick_atom) { run_cycle(self); },
      [](completion& done) { done.run(); },
  };
}

} // namespace jobstack
