// Typed interface of the archiver, the server's actor that copies finished
// jobs from Redis' archive backlog into the PostgreSQL job-history archive
// and answers reads of that archive (GET /v1/jobs/{id} for a job Redis no
// longer has, and the archive pages of GET /v1/jobs). Local to the server
// node; only the broker talks to it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/api.hpp"
#include "messages/atoms.hpp"
#include "messages/completion.hpp"
#include "messages/job.hpp"

namespace jobstack {

/// What the store read from the archive backlog: finished jobs to write,
/// and entries to drop unwritten (the job is gone or no longer finished:
/// retried; it comes back when it finishes again).
struct archive_batch {
  std::vector<job_record> jobs;
  std::vector<archive_key> skipped;
  int64_t backlog = 0; ///< backlog length when read
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, archive_batch& x) {
  return f(caf::meta::type_name("archive_batch"), x.jobs, x.skipped, x.backlog);
}

using archiver_actor = caf::typed_actor<
    // A job from the archive; errors not_found, unavailable (PostgreSQL).
    caf::replies_to<get_atom, std::string>::with<job_record>,
    // A page of the archive (query.in_archive); error unavailable.
    caf::replies_to<list_atom, list_query>::with<job_page>,
    // The archiving cycle's self-sent tick.
    caf::reacts_to<tick_atom>,
    // PostgreSQL work finished on one of the archiver's threads.
    caf::reacts_to<completion>>;

} // namespace jobstack
