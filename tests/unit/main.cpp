// Entry point of the unit test binary (CAF's test framework).
#include <caf/test/unit_test_impl.hpp>
