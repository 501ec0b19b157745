// Shared setup of the unit tests: a CAF config with jobstack's message
// types, for test_coordinator_fixture.
#pragma once

// dsl.hpp uses FAIL without defining it (CAF 0.17.6).
#define FAIL(msg) CAF_FAIL(msg)

#include <caf/test/dsl.hpp>

#include "messages/register_types.hpp"

namespace jobstack::test {

struct test_config : caf::actor_system_config {
  test_config() {
    register_message_types(*this);
  }
};

using fixture_base = test_coordinator_fixture<test_config>;

/// CAF 0.17.6 dereferences a null argument tuple when a function-based
/// actor is spawned without arguments (UBSan: reference binding to null
/// pointer), so test actors take this tag and always get one argument.
struct spawn_tag {};

} // namespace jobstack::test
