// The worker node's inspector; see inspector.hpp.
#include "actors/inspector.hpp"

#include <chrono>

#include <caf/node_id.hpp>

#include "core/inspect_report.hpp"
#include "messages/errors.hpp"

namespace jobstack {

inspect_actor::behavior_type
inspector(inspect_actor::stateful_pointer<inspector_state> self,
          scheduler_actor scheduler, std::string worker_id,
          int64_t started_at) {
  return {
      [=](inspect_atom,
          const std::string& protocol) -> caf::result<node_report> {
        if (auto err = check_protocol(protocol))
          return err;
        auto rp = self->make_response_promise<node_report>();
        auto mailbox = static_cast<int64_t>(self->mailbox().size());
        self->request(scheduler, std::chrono::seconds{2}, inspect_atom::value)
            .then(
                [=](std::vector<actor_report>& actors) mutable {
                  auto report
                      = make_node_report(caf::to_string(self->node()), "worker",
                                         worker_id, started_at);
                  report.actors = std::move(actors);
                  report.actors.push_back({"inspector", mailbox, "{}"});
                  rp.deliver(std::move(report));
                },
                [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      },
      [](nodes_atom,
         const std::string&) -> caf::result<std::vector<node_entry>> {
        return caf::make_error(
            errc::invalid,
            std::string{"a worker node knows only itself: ask the server "
                        "(jobstack-ctl nodes SERVER_HOST:CSC_BROKER_PORT)"});
      },
  };
}

} // namespace jobstack
