// Remote inspection (jobstack-ctl): what a live node tells about itself over
// CAF. Every node answers `inspect`; the server also answers `nodes` (every
// node its broker knows). The server's broker answers on CSC_BROKER_PORT, a
// worker's inspector on CSC_INSPECT_PORT.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/atoms.hpp"

namespace jobstack {

/// Names the shape of the messages between nodes. A ctl and a node that
/// disagree refuse each other with a clear error (also CAF's handshake
/// does, via middleman.app-identifiers) instead of misreading messages.
constexpr const char* protocol_version = "jobstack-protocol-1";

/// One actor of a node: its name, mailbox size (-1 where CAF does not
/// expose it) and state as a JSON object (its fields differ per actor).
struct actor_report {
  std::string name;
  int64_t mailbox = -1;
  std::string state;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, actor_report& x) {
  return f(caf::meta::type_name("actor_report"), x.name, x.mailbox, x.state);
}

struct node_report {
  std::string node_id; ///< CAF's node id
  std::string role;    ///< server | worker
  std::string name;    ///< worker id, or "server"
  std::string version; ///< jobstack release
  std::string protocol;
  int64_t started_at = 0; ///< unix us
  int64_t now = 0;        ///< unix us, when the report was made
  std::vector<actor_report> actors;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_report& x) {
  return f(caf::meta::type_name("node_report"), x.node_id, x.role, x.name,
           x.version, x.protocol, x.started_at, x.now, x.actors);
}

/// A node the broker knows, as `jobstack-ctl nodes` lists it.
struct node_entry {
  std::string role; ///< server | worker
  std::string id;
  std::string node;    ///< host and pid, for humans
  std::string inspect; ///< host:port to inspect it at; empty if none
  std::vector<std::string> queues;
  uint32_t concurrency = 0;
  uint32_t running = 0;
  uint64_t processed = 0;
  uint64_t failed = 0;
  int64_t last_seen = 0; ///< unix us
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_entry& x) {
  return f(caf::meta::type_name("node_entry"), x.role, x.id, x.node, x.inspect,
           x.queues, x.concurrency, x.running, x.processed, x.failed,
           x.last_seen);
}

/// The face a node shows jobstack-ctl. The string is the asker's protocol
/// version; a mismatch is refused with errc::invalid.
using inspect_actor = caf::typed_actor<
    caf::replies_to<inspect_atom, std::string>::with<node_report>,
    caf::replies_to<nodes_atom, std::string>::with<std::vector<node_entry>>>;

} // namespace jobstack
