// The worker node's scheduler; see scheduler.hpp.
#include "actors/scheduler.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include "core/inspect_report.hpp"
#include "core/job_log.hpp"
#include "core/logging.hpp"
#include "core/time.hpp"
#include "messages/errors.hpp"

namespace jobstack {

std::vector<std::string> scheduler_state::held_job_ids() const {
  std::vector<std::string> ids;
  for (auto& kv : running)
    ids.push_back(kv.first);
  for (auto& outcome : unacked)
    ids.push_back(outcome.job_id);
  return ids;
}

namespace {

using self_ptr = scheduler_actor::stateful_pointer<scheduler_state>;

void pull_more(self_ptr self);
void flush_acks(self_ptr self);

// Once mode: the window has closed (a pull found the queues empty), nothing
// runs and every outcome is acked: tell the node, once.
void check_drained(self_ptr self) {
  auto& st = self->state;
  if (!st.options.once || st.window_open || st.drained_reported
      || !st.running.empty() || !st.unacked.empty() || st.acking)
    return;
  st.drained_reported = true;
  logs::info("scheduler",
             fmt::format("queues drained: {} attempt(s) succeeded, {} failed",
                         st.processed, st.failed));
  if (st.options.on_drained)
    st.options.on_drained();
}

void lose_broker(self_ptr self) {
  auto& st = self->state;
  st.broker = nullptr;
  st.joined = false;
  st.joining = false;
  st.pulling = false;
  st.acking = false;
}

void on_finished(self_ptr self, worker_actor w, job_outcome outcome) {
  auto& st = self->state;
  auto job = st.running.find(outcome.job_id);
  auto began = st.started.find(outcome.job_id);
  if (job != st.running.end() && began != st.started.end()) {
    std::chrono::duration<double> took
        = std::chrono::steady_clock::now() - began->second;
    // The broker counts and logs the outcome by these.
    outcome.queue = job->second.queue;
    outcome.type = job->second.type;
    outcome.request_id = job->second.request_id;
    outcome.run_us = static_cast<int64_t>(took.count() * 1e6);
    if (st.options.observe)
      st.options.observe(job->second, outcome, took.count());
  }
  if (began != st.started.end())
    st.started.erase(began);
  st.running.erase(outcome.job_id);
  st.idle.push_back(std::move(w));
  ++(outcome.succeeded ? st.processed : st.failed);
  if (logs::enabled(spdlog::level::debug))
    logs::debug("scheduler",
                outcome.succeeded ? "succeeded" : "failed: " + outcome.error,
                job_fields(outcome, st.options.info.worker_id));
  st.unacked.push_back(std::move(outcome));
  flush_acks(self);
  pull_more(self);
  check_drained(self);
}

// What jobstack-ctl shows of this node: the scheduler and its workers.
std::vector<actor_report> inspect_scheduler(self_ptr self) {
  auto& st = self->state;
  scheduler_facts f;
  f.worker_id = st.options.info.worker_id;
  f.broker = st.options.broker_label;
  f.joined = st.joined;
  f.pulling = st.pulling;
  f.stopping = st.stopping;
  if (st.options.schedule) {
    f.schedule = st.options.schedule->text();
    f.next_tick = st.options.schedule->next_after(now_us());
  }
  f.window_open = st.window_open;
  f.concurrency = st.options.info.concurrency;
  f.idle = static_cast<uint32_t>(st.idle.size());
  f.unacked = st.unacked.size();
  f.processed = st.processed;
  f.failed = st.failed;
  auto now = std::chrono::steady_clock::now();
  for (auto& [id, job] : st.running) {
    auto began = st.started.find(id);
    auto age = began == st.started.end() ? std::chrono::milliseconds{0}
                                         : now - began->second;
    f.running.push_back(
        {job,
         std::chrono::duration_cast<std::chrono::milliseconds>(age).count()});
  }
  auto mailbox = static_cast<int64_t>(self->mailbox().size());
  return {{"scheduler", mailbox, scheduler_state_json(f)},
          {"workers", -1, workers_state_json(f)}};
}

void dispatch(self_ptr self, delivery job) {
  auto& st = self->state;
  auto w = st.idle.back();
  st.idle.pop_back();
  if (logs::enabled(spdlog::level::debug))
    logs::debug("scheduler", "started",
                job_fields(job, st.options.info.worker_id));
  if (st.options.observe_start)
    st.options.observe_start(job);
  st.running.emplace(job.job_id, job);
  st.started.emplace(job.job_id, std::chrono::steady_clock::now());
  self->request(w, caf::infinite, run_atom::value, std::move(job))
      .then([=](job_outcome& outcome) {
        on_finished(self, w, std::move(outcome));
      });
}

void on_pulled(self_ptr self, std::vector<delivery> jobs) {
  auto& st = self->state;
  st.pulling = false;
  if (jobs.empty() && (st.options.schedule || st.options.once)) {
    st.window_open = false; // drained: wait for the next tick, or stop
    check_drained(self);
    return;
  }
  for (auto& job : jobs) {
    if (st.idle.empty()) { // cannot happen: we never ask for more
      logs::error("scheduler", "got more jobs than free workers");
      break;
    }
    dispatch(self, std::move(job));
  }
  pull_more(self);
}

void pull_more(self_ptr self) {
  auto& st = self->state;
  if (!st.joined || st.stopping || st.pulling || st.idle.empty())
    return;
  bool cadence = st.options.schedule.has_value() || st.options.once;
  if (cadence && !st.window_open)
    return;
  st.pulling = true;
  auto slots = static_cast<uint32_t>(st.idle.size());
  self->request(st.broker, st.options.pull_timeout, pull_atom::value,
                st.options.info.worker_id, slots, !cadence)
      .then(
          [=](std::vector<delivery>& jobs) {
            on_pulled(self, std::move(jobs));
          },
          [=](caf::error& err) {
            self->state.pulling = false;
            logs::warn("scheduler",
                       fmt::format("pull failed: {}", caf::to_string(err)));
            // The tick pulls again; an unknown_worker error means the
            // broker restarted and forgot us: re-join.
            if (err == errc::unknown_worker && self->state.broker)
              self->send(self, connect_atom::value, self->state.broker);
          });
}

void flush_acks(self_ptr self) {
  auto& st = self->state;
  if (!st.joined || st.acking || st.unacked.empty())
    return;
  st.acking = true;
  auto batch = std::move(st.unacked);
  st.unacked.clear();
  self->request(st.broker, st.options.ack_timeout, ack_atom::value,
                st.options.info.worker_id, batch)
      .then(
          [=](uint32_t) {
            self->state.acking = false;
            flush_acks(self);
            check_drained(self);
          },
          [=](caf::error& err) {
            // Keep the outcomes; they are sent again after the next (re)join.
            auto& s = self->state;
            s.acking = false;
            s.unacked.insert(s.unacked.begin(), batch.begin(), batch.end());
            logs::warn("scheduler",
                       fmt::format("ack of {} outcome(s) failed: {}",
                                   batch.size(), caf::to_string(err)));
          });
}

// Sleeps until the next fire time of the cadence, from the wall clock.
void arm_cron(self_ptr self) {
  auto now = now_us();
  auto next = self->state.options.schedule->next_after(now);
  self->delayed_send(self, std::chrono::microseconds{next - now},
                     cron_atom::value);
}

void join(self_ptr self, broker_actor broker) {
  auto& st = self->state;
  if (st.broker != broker) {
    st.broker = broker;
    self->monitor(broker);
  }
  st.joined = false;
  st.joining = true;
  auto info = st.options.info;
  info.held_job_ids = st.held_job_ids();
  self->request(broker, st.options.ack_timeout, join_atom::value,
                std::move(info), caf::actor_cast<worker_node_actor>(self))
      .then(
          [=](bool) {
            self->state.joining = false;
            self->state.joined = true;
            logs::info("scheduler",
                       fmt::format("joined broker at {} as {}",
                                   self->state.options.broker_label,
                                   self->state.options.info.worker_id));
            flush_acks(self);
            pull_more(self);
          },
          [=](caf::error& err) {
            self->state.joining = false;
            logs::warn("scheduler",
                       fmt::format("join failed: {}", caf::to_string(err)));
          });
}

} // namespace

scheduler_actor::behavior_type
scheduler(scheduler_actor::stateful_pointer<scheduler_state> self,
          scheduler_options options, std::vector<worker_actor> workers) {
  self->state.options = std::move(options);
  self->state.idle = std::move(workers);
  self->state.window_open = self->state.options.once;
  self->set_down_handler([=](caf::down_msg& dm) {
    if (dm.source == self->state.broker.address()) {
      logs::warn("scheduler", fmt::format("lost the broker ({})",
                                          caf::to_string(dm.reason)));
      lose_broker(self);
    }
  });
  if (self->state.options.schedule)
    arm_cron(self);
  if (self->state.options.tick_interval.count() > 0)
    self->delayed_send(self, self->state.options.tick_interval,
                       tick_atom::value);
  return {
      [=](inspect_atom) { return inspect_scheduler(self); },
      [=](inspect_atom, const std::string& address) {
        self->state.options.info.inspect = address; // told at the next join
      },
      [=](status_atom) {
        auto& st = self->state;
        // An outstanding pull may still bring jobs: count it as busy.
        return static_cast<uint32_t>(st.running.size() + st.unacked.size()
                                     + (st.pulling ? 1 : 0));
      },
      [=](connect_atom, broker_actor& broker) {
        join(self, std::move(broker));
      },
      [=](cron_atom) {
        logs::debug("scheduler", "cron tick: taking jobs until drained");
        self->state.window_open = true;
        pull_more(self);
        arm_cron(self);
      },
      [=](stop_atom) {
        auto& st = self->state;
        st.stopping = true;
        // Withdraw an open pull: its answer (empty, or jobs a claim was
        // already taking) ends the drain's wait for it.
        if (st.pulling && st.broker)
          caf::anon_send(st.broker, pull_atom::value, st.options.info.worker_id,
                         uint32_t{0}, false);
        logs::info("scheduler",
                   fmt::format("stopping: taking no new jobs, {} running",
                               self->state.running.size()));
      },
      [=](release_atom) -> caf::result<uint32_t> {
        auto& st = self->state;
        if (!st.joined || st.running.empty())
          return uint32_t{0};
        std::vector<std::string> ids;
        for (auto& kv : st.running)
          ids.push_back(kv.first);
        return self->delegate(st.broker, release_atom::value,
                              st.options.info.worker_id, std::move(ids));
      },
      [=](tick_atom) {
        auto& st = self->state;
        if (st.broker && !st.joined && !st.joining)
          join(self, st.broker);
        flush_acks(self);
        pull_more(self);
        if (st.options.tick_interval.count() > 0)
          self->delayed_send(self, st.options.tick_interval, tick_atom::value);
      },
  };
}

} // namespace jobstack
