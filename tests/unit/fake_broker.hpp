// A scripted broker for the ingress and scheduler suites: answers from its
// state and records what it was asked.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "messages/broker.hpp"
#include "messages/errors.hpp"
#include "tests/unit/test_config.hpp"

namespace jobstack::test {

struct fake_broker_state {
  // -- worker side ---
  std::deque<std::vector<delivery>> pull_replies;
  std::vector<uint32_t> pulled_slots;
  std::vector<bool> pull_waits;
  std::vector<job_outcome> acked;
  std::vector<worker_info> joins;
  bool refuse_acks = false;
  std::vector<std::string> released;
  // -- API side ---
  std::vector<submit_request> submits;
  bool redis_up = true;
};

/// Jobs of type "down" fail as if Redis were down; job "known" exists and
/// job "busy" is running (cancel and retry: conflict).
inline broker_actor::behavior_type
fake_broker(broker_actor::stateful_pointer<fake_broker_state> self, spawn_tag) {
  auto unavailable = [] {
    return caf::make_error(errc::unavailable, std::string{"redis down"});
  };
  auto lookup = [](const std::string& id) -> caf::result<job_record> {
    if (id == "busy")
      return caf::make_error(errc::conflict, std::string{"running"});
    if (id != "known")
      return caf::make_error(errc::not_found);
    job_record job;
    job.id = id;
    job.status = "queued";
    return job;
  };
  return {
      [=](submit_atom, submit_request& req) -> caf::result<submit_result> {
        self->state.submits.push_back(req);
        if (!req.jobs.empty() && req.jobs.front().type == "down")
          return unavailable();
        return submit_result{req.jobs, req.idempotency_key != "repeat"};
      },
      [=](get_atom, const std::string& id) {
        return id == "busy" ? caf::result<job_record>{job_record{}}
                            : lookup(id);
      },
      [](list_atom, const list_query& q) {
        job_page page;
        page.next_offset = q.offset + q.limit;
        return page;
      },
      [=](cancel_atom, const std::string& id) { return lookup(id); },
      [=](retry_atom, const std::string& id) { return lookup(id); },
      [](stats_atom, const std::string& name) -> caf::result<queue_stats> {
        if (name != "default")
          return caf::make_error(errc::not_found);
        queue_stats s;
        s.name = name;
        s.queued = 3;
        return s;
      },
      [](stats_atom) { return std::vector<queue_stats>{}; },
      [](workers_atom) { return std::vector<worker_view>{worker_view{}}; },
      [=](ready_atom) -> caf::result<bool> {
        if (!self->state.redis_up)
          return unavailable();
        return true;
      },
      [](inspect_atom, const std::string&) { return node_report{}; },
      [](nodes_atom, const std::string&) { return std::vector<node_entry>{}; },
      [=](join_atom, const worker_info& info, const worker_node_actor&) {
        self->state.joins.push_back(info);
        return true;
      },
      [=](pull_atom, const std::string&, uint32_t slots,
          bool wait) -> caf::result<std::vector<delivery>> {
        auto& st = self->state;
        st.pulled_slots.push_back(slots);
        st.pull_waits.push_back(wait);
        if (st.pull_replies.empty()) // park forever, like an idle broker
          return self->make_response_promise<std::vector<delivery>>();
        auto reply = st.pull_replies.front();
        st.pull_replies.pop_front();
        return reply;
      },
      [=](ack_atom, const std::string&,
          const std::vector<job_outcome>& xs) -> caf::result<uint32_t> {
        if (self->state.refuse_acks)
          return caf::make_error(caf::sec::request_timeout);
        auto& acked = self->state.acked;
        acked.insert(acked.end(), xs.begin(), xs.end());
        return static_cast<uint32_t>(xs.size());
      },
      [=](release_atom, const std::string&,
          const std::vector<std::string>& ids) {
        self->state.released.insert(self->state.released.end(), ids.begin(),
                                    ids.end());
        return static_cast<uint32_t>(ids.size());
      },
      [](tick_atom) {},
      [](grace_atom) {},
  };
}

} // namespace jobstack::test
