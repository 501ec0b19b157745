// Entry point of the integration test binary (CAF's test framework).
#include <caf/test/unit_test_impl.hpp>
