// The queue broker; see broker.hpp.
//
// Pull protocol: a worker node asks for up to N jobs (its free slots). The
// broker asks the store to claim them; if none is ready the pull stays open
// ("parked") until a new job, a promotion or a requeue wakes it, or until
// pull_wait passes (then it is answered empty and the node asks again).
#include "actors/broker.hpp"

#include <algorithm>

#include <caf/event_based_actor.hpp>
#include <caf/sec.hpp>
#include <spdlog/spdlog.h>

#include "core/job_log.hpp"
#include "core/logging.hpp"
#include "core/time.hpp"
#include "messages/errors.hpp"

namespace jobstack {

// -- worker_table
// --------------------------------------------------------------

bool worker_entry::serves(const std::string& queue) const {
  auto& qs = info.queues;
  return queue.empty() || std::find(qs.begin(), qs.end(), queue) != qs.end();
}

worker_view worker_entry::view() const {
  return worker_view{info.worker_id, info.node, info.concurrency, running,
                     processed,      failed,    last_seen};
}

void worker_entry::count(const std::vector<job_outcome>& outcomes) {
  for (auto& outcome : outcomes) {
    if (outcome.succeeded)
      ++processed;
    else
      ++failed;
  }
  auto n = static_cast<uint32_t>(outcomes.size());
  running = running > n ? running - n : 0;
}

worker_entry& worker_table::add(worker_info info, worker_node_actor handle) {
  auto id = info.worker_id;
  by_handle_[handle.address()] = id;
  auto& entry = entries_[id];
  entry.info = std::move(info);
  entry.handle = std::move(handle);
  return entry;
}

std::string worker_table::remove(const caf::actor_addr& handle) {
  auto i = by_handle_.find(handle);
  if (i == by_handle_.end())
    return {};
  auto id = i->second;
  by_handle_.erase(i);
  auto e = entries_.find(id);
  // A re-join under the same id replaced the handle: keep the new entry.
  if (e != entries_.end() && e->second.handle.address() == handle)
    entries_.erase(e);
  else
    return {};
  return id;
}

worker_entry* worker_table::find(const std::string& worker_id) {
  auto i = entries_.find(worker_id);
  return i == entries_.end() ? nullptr : &i->second;
}

std::vector<std::string> worker_table::wake(const std::string& queue,
                                            size_t max) {
  std::vector<std::string> result;
  for (auto& [id, entry] : entries_) {
    if (!entry.pull_open || !entry.serves(queue))
      continue;
    if (entry.claiming) {
      entry.recheck = true;
    } else if (result.size() < max) {
      result.push_back(id);
    }
  }
  return result;
}

std::vector<worker_view> worker_table::views() const {
  std::vector<worker_view> result;
  for (auto& kv : entries_)
    result.push_back(kv.second.view());
  return result;
}

std::vector<std::string> worker_table::ids() const {
  std::vector<std::string> result;
  for (auto& kv : entries_)
    result.push_back(kv.first);
  return result;
}

// -- actor
// ---------------------------------------------------------------------

namespace {

using self_ptr = broker_actor::stateful_pointer<broker_state>;

void answer_pull(worker_entry& entry, std::vector<delivery> deliveries) {
  if (!entry.pull_open)
    return;
  entry.pull_open = false;
  entry.running += static_cast<uint32_t>(deliveries.size());
  entry.pull.deliver(std::move(deliveries));
}

void claim_for(self_ptr self, const std::string& worker_id);
void wake(self_ptr self, const std::string& queue, size_t max);

void note_delivered(self_ptr self, const std::string& worker_id,
                    const std::vector<delivery>& deliveries) {
  auto now = now_us();
  auto logged = logs::enabled(spdlog::level::debug);
  for (auto& d : deliveries) {
    if (auto& m = self->state.options.metrics)
      m->delivered(d, now);
    if (logged)
      logs::debug("broker", "delivered", job_fields(d, worker_id));
  }
}

void note_enqueued(self_ptr self, const std::vector<job_record>& jobs) {
  auto logged = logs::enabled(spdlog::level::debug);
  for (auto& job : jobs) {
    if (auto& m = self->state.options.metrics)
      m->enqueued(job);
    if (logged)
      logs::debug("broker", "enqueued", job_fields(job));
  }
}

// Counts and logs what the store made of each outcome; returns how many
// were applied (the rest were stale).
uint32_t note_acked(self_ptr self, const std::string& worker_id,
                    const std::vector<job_outcome>& outcomes,
                    const std::vector<std::string>& verdicts) {
  uint32_t applied = 0;
  for (size_t i = 0; i < outcomes.size() && i < verdicts.size(); ++i) {
    auto& o = outcomes[i];
    if (verdicts[i] == ack_verdict::stale)
      continue;
    ++applied;
    if (auto& m = self->state.options.metrics)
      m->finished(o, verdicts[i]);
    // Failures are worth a line at info; successes only when debugging.
    if (verdicts[i] != ack_verdict::succeeded)
      logs::info("broker", "failed, " + verdicts[i] + ": " + o.error,
                 job_fields(o, worker_id));
    else if (logs::enabled(spdlog::level::debug))
      logs::debug("broker", "succeeded", job_fields(o, worker_id));
  }
  return applied;
}

void on_claimed(self_ptr self, const std::string& worker_id,
                std::vector<delivery> deliveries) {
  auto* entry = self->state.workers.find(worker_id);
  if (entry == nullptr) {
    // The node left while its claim ran: those jobs sit on its in-flight
    // list with nobody to run them. Take them back now.
    if (!deliveries.empty())
      self->request(self->state.store, self->state.options.store_timeout,
                    requeue_atom::value, worker_id, std::vector<std::string>{},
                    true)
          .then([](uint32_t) {}, [](caf::error&) {});
    return;
  }
  entry->claiming = false;
  if (!entry->pull_open && !deliveries.empty()) {
    // The pull was withdrawn while its claim ran: hand the jobs back,
    // their attempt not counted, instead of stranding them in flight.
    std::vector<std::string> ids;
    for (auto& d : deliveries)
      ids.push_back(d.job_id);
    self->request(self->state.store, self->state.options.store_timeout,
                  release_atom::value, worker_id, std::move(ids))
        .then([=](uint32_t n) { wake(self, {}, n); }, [](caf::error&) {});
    return;
  }
  if (!deliveries.empty() || !entry->wait) {
    note_delivered(self, worker_id, deliveries);
    answer_pull(*entry, std::move(deliveries));
  } else if (entry->recheck) {
    claim_for(self, worker_id);
  }
}

void claim_for(self_ptr self, const std::string& worker_id) {
  auto* entry = self->state.workers.find(worker_id);
  if (entry == nullptr || !entry->pull_open || entry->claiming)
    return;
  entry->claiming = true;
  entry->recheck = false;
  self->request(self->state.store, self->state.options.store_timeout,
                claim_atom::value, worker_id, entry->info.queues, entry->wanted)
      .then(
          [=](std::vector<delivery>& deliveries) {
            on_claimed(self, worker_id, std::move(deliveries));
          },
          [=](caf::error&) {
            // Redis trouble: stay parked, the tick retries.
            if (auto* e = self->state.workers.find(worker_id))
              e->claiming = false;
          });
}

void wake(self_ptr self, const std::string& queue, size_t max) {
  for (auto& id : self->state.workers.wake(queue, max))
    claim_for(self, id);
}

void take_back(self_ptr self, const std::string& worker_id,
               std::vector<std::string> held, bool forget, const char* why) {
  self->request(self->state.store, self->state.options.store_timeout,
                requeue_atom::value, worker_id, std::move(held), forget)
      .then(
          [=](uint32_t n) {
            if (n > 0)
              logs::info("broker",
                         fmt::format("returned {} in-flight job(s) of {} ({})",
                                     n, worker_id, why));
            wake(self, {}, n);
          },
          [=](caf::error& err) {
            logs::warn("broker",
                       fmt::format("could not take back jobs of {}: {}",
                                   worker_id, caf::to_string(err)));
          });
}

// Sends the waiting submits as one batch, unless a batch is at the store
// already (its reply sends the next one).
void flush_submits(self_ptr self) {
  auto& st = self->state;
  if (st.submitting || st.pending_submits.empty())
    return;
  auto n = std::min(st.pending_submits.size(), st.options.max_submit_batch);
  std::vector<pending_submit> batch(
      std::make_move_iterator(st.pending_submits.begin()),
      std::make_move_iterator(st.pending_submits.begin() + n));
  st.pending_submits.erase(st.pending_submits.begin(),
                           st.pending_submits.begin() + n);
  std::vector<submit_request> requests;
  requests.reserve(batch.size());
  for (auto& p : batch)
    requests.push_back(p.request);
  st.submitting = true;
  self->request(st.store, st.options.store_timeout, submit_atom::value,
                std::move(requests))
      .then(
          [=](std::vector<submit_result>& results) mutable {
            self->state.submitting = false;
            for (size_t i = 0; i < batch.size() && i < results.size(); ++i) {
              if (results[i].unavailable) {
                batch[i].promise.deliver(caf::make_error(
                    errc::unavailable, std::string{"redis connection lost"}));
                continue;
              }
              if (results[i].created) {
                note_enqueued(self, results[i].jobs);
                for (auto& job : results[i].jobs)
                  if (job.status == status::queued)
                    wake(self, job.queue, 1);
              }
              batch[i].promise.deliver(std::move(results[i]));
            }
            flush_submits(self);
          },
          [=](caf::error& err) mutable {
            self->state.submitting = false;
            for (auto& p : batch)
              p.promise.deliver(err);
            flush_submits(self);
          });
}

// GET of a job: Redis first; a job Redis does not have may be archived.
caf::result<job_record> get_job(self_ptr self, const std::string& id) {
  auto& st = self->state;
  if (!st.options.archive)
    return self->delegate(st.store, get_atom::value, id);
  auto rp = self->make_response_promise<job_record>();
  self->request(st.store, st.options.store_timeout, get_atom::value, id)
      .then([=](job_record& job) mutable { rp.deliver(std::move(job)); },
            [=](caf::error& err) mutable {
              if (err != errc::not_found) {
                rp.deliver(std::move(err));
                return;
              }
              self->request(self->state.options.archive,
                            self->state.options.archive_timeout,
                            get_atom::value, id)
                  .then(
                      [=](job_record& job) mutable {
                        rp.deliver(std::move(job));
                      },
                      [=](caf::error& err) mutable {
                        rp.deliver(std::move(err));
                      });
            });
  return rp;
}

// Asks the archive for the page of `query` (in_archive) and answers `rp`.
void list_archive(self_ptr self, list_query query,
                  caf::typed_response_promise<job_page> rp) {
  self->request(self->state.options.archive,
                self->state.options.archive_timeout, list_atom::value,
                std::move(query))
      .then([=](job_page& page) mutable { rp.deliver(std::move(page)); },
            [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
}

// GET /v1/jobs: Redis' pages, then, for a finished status with archiving
// on, the archive's, after the last job Redis listed (see job_page). A
// page never mixes the two: a Redis page never waits for PostgreSQL.
caf::result<job_page> list_jobs(self_ptr self, list_query query) {
  auto& st = self->state;
  if (!st.options.archive || !status::is_finished(query.status)) {
    if (query.in_archive) // an archive cursor, archiving off since
      return job_page{};
    return self->delegate(st.store, list_atom::value, std::move(query));
  }
  auto rp = self->make_response_promise<job_page>();
  if (query.in_archive) {
    list_archive(self, std::move(query), rp);
    return rp;
  }
  self->request(st.store, st.options.store_timeout, list_atom::value, query)
      .then(
          [=](job_page& page) mutable {
            if (!page.archive_next || !page.jobs.empty()) {
              rp.deliver(std::move(page));
              return;
            }
            auto rest = query; // nothing more in Redis: the archive goes on
            rest.in_archive = true;
            rest.after = page.next_key;
            list_archive(self, std::move(rest), rp);
          },
          [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

// Loads the workers a previous server run knew; those that do not re-join
// within the grace period lose their in-flight jobs to the ready stacks.
void load_known_workers(self_ptr self) {
  self->request(self->state.store, self->state.options.store_timeout,
                known_atom::value)
      .then(
          [=](std::vector<std::string>& ids) {
            self->state.known_loaded = true;
            for (auto& id : ids)
              if (self->state.workers.find(id) == nullptr)
                self->state.awaiting_rejoin.insert(id);
            if (!self->state.awaiting_rejoin.empty())
              self->delayed_send(self, self->state.options.worker_grace,
                                 grace_atom::value);
          },
          [](caf::error&) {}); // the tick tries again
}

void on_tick(self_ptr self) {
  auto& st = self->state;
  ++st.ticks;
  self->request(st.housekeeping, st.options.store_timeout, promote_atom::value)
      .then([=](uint32_t n) { wake(self, {}, n); }, [](caf::error&) {});
  auto ticks_per = [&](std::chrono::milliseconds period) {
    return std::max<int64_t>(
        1, period.count()
               / std::max<int64_t>(1, st.options.tick_interval.count()));
  };
  if (st.ticks % ticks_per(st.options.reap_interval) == 0)
    self->request(st.housekeeping, st.options.store_timeout, reap_atom::value)
        .then(
            [=](uint32_t n) {
              if (n > 0) {
                logs::warn(
                    "broker",
                    fmt::format("took back {} job(s) whose lease ran out", n));
                wake(self, {}, n);
              }
            },
            [](caf::error&) {});
  if (st.ticks % ticks_per(st.options.expire_interval) == 0)
    self->request(st.housekeeping, st.options.store_timeout, expire_atom::value)
        .then([](uint32_t) {}, [](caf::error&) {});
  auto per_second = std::max<int64_t>(
      1, 1000 / std::max<int64_t>(1, st.options.tick_interval.count()));
  if (st.ticks % per_second == 0) {
    if (!st.known_loaded)
      load_known_workers(self);
    // Safety net: re-check parked pulls, answer the ones that waited long.
    auto now = std::chrono::steady_clock::now();
    for (auto& id : st.workers.ids()) {
      auto* e = st.workers.find(id);
      if (e->pull_open && !e->claiming
          && now - e->pull_since >= st.options.pull_wait)
        answer_pull(*e, {});
      else
        claim_for(self, id);
    }
  }
  if (st.options.tick_interval.count() > 0)
    self->delayed_send(self, st.options.tick_interval, tick_atom::value);
}

} // namespace

broker_actor::behavior_type
broker(broker_actor::stateful_pointer<broker_state> self, store_actor store,
       store_actor housekeeping, broker_options options) {
  self->state.store = std::move(store);
  self->state.housekeeping = std::move(housekeeping);
  self->state.options = options;
  self->set_down_handler([=](caf::down_msg& dm) {
    auto id = self->state.workers.remove(dm.source);
    if (id.empty())
      return;
    logs::warn("broker", fmt::format("worker node {} is gone ({})", id,
                                     caf::to_string(dm.reason)));
    take_back(self, id, {}, true, "node lost");
  });
  load_known_workers(self);
  if (options.tick_interval.count() > 0)
    self->send(self, tick_atom::value);
  return {
      [=](submit_atom, submit_request& req) -> caf::result<submit_result> {
        auto rp = self->make_response_promise<submit_result>();
        self->state.pending_submits.push_back({std::move(req), rp});
        flush_submits(self);
        return rp;
      },
      [=](get_atom, const std::string& id) { return get_job(self, id); },
      [=](list_atom, list_query& query) {
        return list_jobs(self, std::move(query));
      },
      [=](cancel_atom, const std::string& id) -> caf::result<job_record> {
        auto rp = self->make_response_promise<job_record>();
        self->request(self->state.store, self->state.options.store_timeout,
                      cancel_atom::value, id)
            .then(
                [=](job_record& job) mutable {
                  if (auto& m = self->state.options.metrics)
                    m->cancelled(job);
                  rp.deliver(std::move(job));
                },
                [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      },
      [=](retry_atom, const std::string& id) -> caf::result<job_record> {
        auto rp = self->make_response_promise<job_record>();
        self->request(self->state.store, self->state.options.store_timeout,
                      retry_atom::value, id)
            .then(
                [=](job_record& job) mutable {
                  wake(self, job.queue, 1); // back on a ready stack
                  rp.deliver(std::move(job));
                },
                [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      },
      [=](stats_atom, const std::string& queue) {
        return self->delegate(self->state.store, stats_atom::value, queue);
      },
      [=](stats_atom) {
        return self->delegate(self->state.store, stats_atom::value);
      },
      [=](workers_atom) { return self->state.workers.views(); },
      [=](ready_atom) -> caf::result<bool> {
        auto rp = self->make_response_promise<bool>();
        self->request(self->state.store, self->state.options.ready_timeout,
                      ping_atom::value)
            .then(
                [=](bool ok) mutable { rp.deliver(ok); },
                [=](caf::error& err) mutable {
                  // A hung Redis keeps the store busy: say so, rather than
                  // letting the ingress think the broker hung.
                  if (err == caf::sec::request_timeout)
                    err = caf::make_error(
                        errc::unavailable,
                        std::string{"redis did not answer within the timeout"});
                  rp.deliver(std::move(err));
                });
        return rp;
      },
      [=](inspect_atom, const std::string& protocol) {
        return broker_inspect(self, protocol);
      },
      [=](nodes_atom, const std::string& protocol) {
        return broker_nodes(self, protocol);
      },
      [=](join_atom, worker_info& info,
          worker_node_actor& handle) -> caf::result<bool> {
        auto id = info.worker_id;
        if (id.empty() || info.queues.empty() || !handle)
          return caf::make_error(errc::invalid,
                                 std::string{"worker id and queues required"});
        auto held = info.held_job_ids;
        if (auto* old = self->state.workers.find(id))
          answer_pull(*old, {});
        self->monitor(handle);
        self->state.workers.add(std::move(info), std::move(handle)).last_seen
            = now_us();
        self->state.awaiting_rejoin.erase(id);
        logs::info("broker", fmt::format("worker node {} joined", id));
        auto rp = self->make_response_promise<bool>();
        self->request(self->state.store, self->state.options.store_timeout,
                      join_atom::value, id)
            .then([](bool) {}, [](caf::error&) {});
        // Jobs on its in-flight list that it no longer holds (e.g. claimed
        // while the link was down) go back to the ready stacks.
        self->request(self->state.store, self->state.options.store_timeout,
                      requeue_atom::value, id, std::move(held), false)
            .then(
                [=](uint32_t n) mutable {
                  if (n > 0)
                    wake(self, {}, n);
                  rp.deliver(true);
                },
                [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      },
      [=](pull_atom, const std::string& worker_id, uint32_t free_slots,
          bool wait) -> caf::result<std::vector<delivery>> {
        auto* entry = self->state.workers.find(worker_id);
        if (entry == nullptr)
          return caf::make_error(errc::unknown_worker, worker_id);
        entry->last_seen = now_us();
        answer_pull(*entry, {}); // at most one open pull per node
        if (free_slots == 0)     // a stopping node withdraws its open pull
          return std::vector<delivery>{};
        entry->pull = self->make_response_promise<std::vector<delivery>>();
        entry->pull_open = true;
        entry->wanted = std::max<uint32_t>(1, free_slots);
        entry->wait = wait;
        entry->pull_since = std::chrono::steady_clock::now();
        auto rp = entry->pull;
        claim_for(self, worker_id);
        return rp;
      },
      [=](ack_atom, const std::string& worker_id,
          std::vector<job_outcome>& outcomes) -> caf::result<uint32_t> {
        if (auto* entry = self->state.workers.find(worker_id)) {
          entry->count(outcomes);
          entry->last_seen = now_us();
        }
        auto rp = self->make_response_promise<uint32_t>();
        self->request(self->state.store, self->state.options.store_timeout,
                      ack_atom::value, worker_id, outcomes)
            .then(
                [=](std::vector<std::string>& verdicts) mutable {
                  rp.deliver(note_acked(self, worker_id, outcomes, verdicts));
                },
                [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      },
      [=](release_atom, const std::string& worker_id,
          std::vector<std::string>& ids) -> caf::result<uint32_t> {
        auto rp = self->make_response_promise<uint32_t>();
        self->request(self->state.store, self->state.options.store_timeout,
                      release_atom::value, worker_id, std::move(ids))
            .then(
                [=](uint32_t n) mutable {
                  logs::info("broker", fmt::format("{} handed back {} job(s)",
                                                   worker_id, n));
                  wake(self, {}, n);
                  rp.deliver(n);
                },
                [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      },
      [=](tick_atom) { on_tick(self); },
      [=](grace_atom) {
        auto waiting = std::move(self->state.awaiting_rejoin);
        self->state.awaiting_rejoin.clear();
        for (auto& id : waiting)
          if (self->state.workers.find(id) == nullptr)
            take_back(self, id, {}, true, "did not re-join after restart");
      },
  };
}

} // namespace jobstack
