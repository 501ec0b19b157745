// Typed interface of the HTTP ingress actor: the HTTP layer hands it routed
// API commands plus a callback that writes the answer; it asks the broker
// and answers asynchronously. Local only (the callback cannot cross a node
// link).
#pragma once

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "core/http_reply.hpp"
#include "http/routes.hpp"
#include "messages/atoms.hpp"

namespace jobstack {

/// Wraps the reply callback so CAF can carry it in local messages.
struct reply_sink {
  reply_fn deliver;
};

/// tick: the ingress' own timer for the deadlines of its open requests.
using ingress_actor = caf::typed_actor<caf::reacts_to<api_command, reply_sink>,
                                       caf::reacts_to<tick_atom>>;

} // namespace jobstack

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobstack::api_command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobstack::reply_sink)
