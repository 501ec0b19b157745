// The one place that registers jobstack's message types and error category
// with CAF. Every node calls it, or typed remote_actor fails at connect.
#pragma once

#include <caf/actor_system_config.hpp>

namespace jobstack {

void register_message_types(caf::actor_system_config& cfg);

} // namespace jobstack
