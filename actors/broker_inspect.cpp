// The broker's answers to jobstack-ctl: `inspect` (this server: queues with
// their depths, connected worker nodes with their in-flight jobs) and
// `nodes` (every node the broker knows). Read-only; Redis is asked through
// the housekeeping store so inspection never queues ahead of API calls.
#include "actors/broker.hpp"

#include <memory>

#include <caf/actor_system.hpp>
#include <caf/node_id.hpp>

#include "core/inspect_report.hpp"
#include "core/time.hpp"

namespace jobstack {

namespace {

using self_ptr = broker_actor::stateful_pointer<broker_state>;

std::vector<broker_worker_view> worker_views(self_ptr self) {
  std::vector<broker_worker_view> out;
  for (auto& id : self->state.workers.ids()) {
    auto* e = self->state.workers.find(id);
    out.push_back({e->view(), e->info.queues, e->info.inspect, {}});
  }
  return out;
}

struct pending_report {
  node_report report;
  std::optional<std::vector<queue_stats>> queues;
  std::string redis_error;
  std::vector<broker_worker_view> workers;
  int64_t mailbox = -1;
};

void finish_report(self_ptr self, std::shared_ptr<pending_report> p,
                   caf::typed_response_promise<node_report> rp) {
  actor_report broker_report{
      "broker", p->mailbox,
      broker_state_json(p->queues, p->redis_error, p->workers,
                        self->state.pending_submits.size(), now_us())};
  p->report.actors.push_back(std::move(broker_report));
  rp.deliver(std::move(p->report));
}

} // namespace

caf::result<node_report> broker_inspect(self_ptr self,
                                        const std::string& protocol) {
  if (auto err = check_protocol(protocol))
    return err;
  auto p = std::make_shared<pending_report>();
  p->report = make_node_report(caf::to_string(self->node()), "server", "server",
                               self->state.options.started_at);
  p->workers = worker_views(self);
  p->mailbox = static_cast<int64_t>(self->mailbox().size());
  auto rp = self->make_response_promise<node_report>();
  auto& st = self->state;
  std::vector<std::string> ids;
  for (auto& w : p->workers)
    ids.push_back(w.view.id);
  auto in_flight = [=] {
    self->request(st.housekeeping, st.options.store_timeout,
                  inflight_atom::value, ids)
        .then(
            [=](std::vector<std::vector<std::string>>& lists) mutable {
              for (size_t i = 0; i < lists.size() && i < p->workers.size(); ++i)
                p->workers[i].in_flight = std::move(lists[i]);
              finish_report(self, p, rp);
            },
            [=](caf::error&) mutable { finish_report(self, p, rp); });
  };
  self->request(st.housekeeping, st.options.store_timeout, stats_atom::value)
      .then(
          [=](std::vector<queue_stats>& queues) {
            p->queues = std::move(queues);
            in_flight();
          },
          [=](caf::error& err) {
            p->redis_error = caf::to_string(err);
            in_flight();
          });
  return rp;
}

caf::result<std::vector<node_entry>> broker_nodes(self_ptr self,
                                                  const std::string& protocol) {
  if (auto err = check_protocol(protocol))
    return err;
  std::vector<node_entry> out;
  node_entry server;
  server.role = "server";
  server.id = "server";
  server.node = caf::to_string(self->node());
  // inspect stays empty: jobstack-ctl fills in where it reached the server.
  server.last_seen = now_us();
  out.push_back(std::move(server));
  for (auto& w : worker_views(self)) {
    node_entry e;
    e.role = "worker";
    e.id = w.view.id;
    e.node = w.view.node;
    e.inspect = w.inspect;
    e.queues = w.queues;
    e.concurrency = w.view.concurrency;
    e.running = w.view.running;
    e.processed = w.view.processed;
    e.failed = w.view.failed;
    e.last_seen = w.view.last_seen;
    out.push_back(std::move(e));
  }
  return out;
}

} // namespace jobstack
