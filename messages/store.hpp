// Typed interface of the store: the broker's private actor that owns the
// Redis connection (on a thread of its own). Local to the server node;
// only the broker talks to it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/api.hpp"
#include "messages/archiver.hpp"
#include "messages/atoms.hpp"
#include "messages/completion.hpp"
#include "messages/job.hpp"

namespace jobstack {

using store_actor = caf::typed_actor<
    // Writes many create requests in one round trip (each all or nothing).
    caf::replies_to<submit_atom, std::vector<submit_request>>::with<
        std::vector<submit_result>>,
    caf::replies_to<get_atom, std::string>::with<job_record>,
    caf::replies_to<list_atom, list_query>::with<job_page>,
    caf::replies_to<cancel_atom, std::string>::with<job_record>,
    caf::replies_to<retry_atom, std::string>::with<job_record>,
    caf::replies_to<stats_atom, std::string>::with<queue_stats>,
    caf::replies_to<stats_atom>::with<std::vector<queue_stats>>,
    caf::replies_to<ping_atom>::with<bool>,
    // worker id, queues in order, at most this many jobs.
    caf::replies_to<claim_atom, std::string, std::vector<std::string>,
                    uint32_t>::with<std::vector<delivery>>,
    // worker id, outcomes; replies one ack_verdict per outcome.
    caf::replies_to<ack_atom, std::string,
                    std::vector<job_outcome>>::with<std::vector<std::string>>,
    // worker id, ids it still holds, forget the worker; replies jobs returned.
    caf::replies_to<requeue_atom, std::string, std::vector<std::string>,
                    bool>::with<uint32_t>,
    // worker id, ids it hands back unfinished; replies jobs returned.
    caf::replies_to<release_atom, std::string,
                    std::vector<std::string>>::with<uint32_t>,
    // The in-flight job ids of each worker, in order (for inspection).
    caf::replies_to<inflight_atom, std::vector<std::string>>::with<
        std::vector<std::vector<std::string>>>,
    // Records a worker as known, so a restarted server can recover it.
    caf::replies_to<join_atom, std::string>::with<bool>,
    caf::replies_to<known_atom>::with<std::vector<std::string>>,
    // Moves due scheduled jobs (delays, retry backoff) onto ready stacks.
    caf::replies_to<promote_atom>::with<uint32_t>,
    // Drops expired finished jobs from the queue indexes.
    caf::replies_to<expire_atom>::with<uint32_t>,
    // Takes back running jobs whose lease ran out.
    caf::replies_to<reap_atom>::with<uint32_t>,
    // The oldest jobs of the archive backlog (at most this many).
    caf::replies_to<archive_atom, uint32_t>::with<archive_batch>,
    // Takes archived (or skipped) jobs off the backlog; replies how many.
    caf::replies_to<archived_atom, std::vector<archive_key>>::with<uint32_t>,
    // Redis work finished on the store's own thread.
    caf::reacts_to<completion>>;

} // namespace jobstack
