// Every atom of jobstack's typed interfaces, in one place (at most 10
// characters each, CAF 0.17's limit).
#pragma once

#include <caf/atom.hpp>

namespace jobstack {

using ack_atom = caf::atom_constant<caf::atom("ack")>;
using claim_atom = caf::atom_constant<caf::atom("claim")>;
using connect_atom = caf::atom_constant<caf::atom("connect")>;
using create_atom = caf::atom_constant<caf::atom("create")>;
using get_atom = caf::atom_constant<caf::atom("get")>;
using grace_atom = caf::atom_constant<caf::atom("grace")>;
using join_atom = caf::atom_constant<caf::atom("join")>;
using known_atom = caf::atom_constant<caf::atom("known")>;
using promote_atom = caf::atom_constant<caf::atom("promote")>;
using pull_atom = caf::atom_constant<caf::atom("pull")>;
using requeue_atom = caf::atom_constant<caf::atom("requeue")>;
using run_atom = caf::atom_constant<caf::atom("run")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using submit_atom = caf::atom_constant<caf::atom("submit")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;

} // namespace jobstack
