// Typed interface of the queue broker, published to other CAF nodes on
// CSC_BROKER_PORT. The ingress creates, reads and changes jobs; worker
// nodes join, pull deliveries and ack outcomes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/api.hpp"
#include "messages/atoms.hpp"
#include "messages/inspect.hpp"
#include "messages/job.hpp"
#include "messages/worker_node.hpp"

namespace jobstack {

using broker_actor = caf::typed_actor<
    // -- the API
    // ---------------------------------------------------------------
    caf::replies_to<submit_atom, submit_request>::with<submit_result>,
    caf::replies_to<get_atom, std::string>::with<job_record>,
    caf::replies_to<list_atom, list_query>::with<job_page>,
    caf::replies_to<cancel_atom, std::string>::with<job_record>,
    caf::replies_to<retry_atom, std::string>::with<job_record>,
    caf::replies_to<stats_atom, std::string>::with<queue_stats>,
    caf::replies_to<stats_atom>::with<std::vector<queue_stats>>,
    caf::replies_to<workers_atom>::with<std::vector<worker_view>>,
    // Replies "ok" when Redis answers, else an error.
    caf::replies_to<ready_atom>::with<bool>,
    // -- jobstack-ctl (see inspect.hpp): this node, and every node it knows
    caf::replies_to<inspect_atom, std::string>::with<node_report>,
    caf::replies_to<nodes_atom, std::string>::with<std::vector<node_entry>>,
    // -- worker nodes
    // ---------------------------------------------------------- A worker node
    // joins (or re-joins after a reconnect).
    caf::replies_to<join_atom, worker_info, worker_node_actor>::with<bool>,
    // worker id, free slots, wait: replies with 0..n deliveries; with wait,
    // after a wait (long poll) when no job is ready, else at once.
    caf::replies_to<pull_atom, std::string, uint32_t,
                    bool>::with<std::vector<delivery>>,
    // worker id, outcomes: replies how many were applied (others were stale).
    caf::replies_to<ack_atom, std::string,
                    std::vector<job_outcome>>::with<uint32_t>,
    // worker id, job ids a stopping node hands back unfinished.
    caf::replies_to<release_atom, std::string,
                    std::vector<std::string>>::with<uint32_t>,
    // -- self-sent
    // -------------------------------------------------------------
    caf::reacts_to<tick_atom>,   // periodic duties
    caf::reacts_to<grace_atom>>; // end of the post-restart grace period

/// The scheduler of a worker node: the broker-facing face plus local control.
using scheduler_actor = worker_node_actor::extend<
    caf::reacts_to<connect_atom, broker_actor>, // (re)joined broker
    caf::reacts_to<stop_atom>,                  // graceful stop: take no work
    caf::reacts_to<cron_atom>,                  // a tick of the cron cadence
    caf::replies_to<release_atom>::with<uint32_t>, // hand back what runs
    caf::replies_to<inspect_atom>::with<std::vector<actor_report>>,
    caf::reacts_to<inspect_atom, std::string>, // where ctl inspects this node
    caf::reacts_to<tick_atom>>;

} // namespace jobstack
