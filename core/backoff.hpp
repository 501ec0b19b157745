// Retry backoff: backoff_ms * 2^(attempts-1), capped, with jitter, as
// API.md promises for failed attempts with attempts left.
#pragma once

#include <cstdint>

namespace jobstack {

struct backoff_policy {
  int64_t base_ms = 500;
  int64_t cap_ms = 60000;
};

/// Delay before the retry that follows failed attempt number `attempt`
/// (1-based). `jitter` in [0, 1) adds up to a quarter of the delay, so
/// jobs that failed together do not all retry in the same instant.
int64_t retry_delay_ms(const backoff_policy& policy, int32_t attempt,
                       double jitter);

} // namespace jobstack
