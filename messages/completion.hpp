// A finished piece of blocking work, sent back from a blocking_executor
// thread to the actor that posted it, which runs it on its own thread
// (typically: deliver a response promise). Local only.
#pragma once

#include <functional>

#include <caf/allowed_unsafe_message_type.hpp>

namespace jobstack {

struct completion {
  std::function<void()> run;
};

} // namespace jobstack

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobstack::completion)
