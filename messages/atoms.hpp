// Every atom of jobstack's typed interfaces, in one place (at most 10
// characters each, CAF 0.17's limit).
#pragma once

#include <caf/atom.hpp>

namespace jobstack {

using ack_atom = caf::atom_constant<caf::atom("ack")>;
using archive_atom = caf::atom_constant<caf::atom("archive")>;
using archived_atom = caf::atom_constant<caf::atom("archived")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using claim_atom = caf::atom_constant<caf::atom("claim")>;
using connect_atom = caf::atom_constant<caf::atom("connect")>;
using create_atom = caf::atom_constant<caf::atom("create")>;
using cron_atom = caf::atom_constant<caf::atom("cron")>;
using expire_atom = caf::atom_constant<caf::atom("expire")>;
using get_atom = caf::atom_constant<caf::atom("get")>;
using grace_atom = caf::atom_constant<caf::atom("grace")>;
using join_atom = caf::atom_constant<caf::atom("join")>;
using known_atom = caf::atom_constant<caf::atom("known")>;
using list_atom = caf::atom_constant<caf::atom("list")>;
using ping_atom = caf::atom_constant<caf::atom("ping")>;
using promote_atom = caf::atom_constant<caf::atom("promote")>;
using pull_atom = caf::atom_constant<caf::atom("pull")>;
using ready_atom = caf::atom_constant<caf::atom("ready")>;
using reap_atom = caf::atom_constant<caf::atom("reap")>;
using release_atom = caf::atom_constant<caf::atom("release")>;
using inflight_atom = caf::atom_constant<caf::atom("inflight")>;
using inspect_atom = caf::atom_constant<caf::atom("inspect")>;
using nodes_atom = caf::atom_constant<caf::atom("nodes")>;
using requeue_atom = caf::atom_constant<caf::atom("requeue")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;
using run_atom = caf::atom_constant<caf::atom("run")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using submit_atom = caf::atom_constant<caf::atom("submit")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using timeout_atom = caf::atom_constant<caf::atom("timeout")>;
using workers_atom = caf::atom_constant<caf::atom("workers")>;

} // namespace jobstack
