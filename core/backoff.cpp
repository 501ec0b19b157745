// Retry backoff; see backoff.hpp.
#include "core/backoff.hpp"

#include <algorithm>

namespace jobstack {

int64_t retry_delay_ms(const backoff_policy& policy, int32_t attempt,
                       double jitter) {
  int32_t doublings = std::clamp(attempt - 1, 0, 40); // 2^40 ms >> any cap
  int64_t delay = policy.base_ms;
  for (int32_t i = 0; i < doublings && delay < policy.cap_ms; ++i)
    delay *= 2;
  delay = std::min(delay, policy.cap_ms);
  jitter = std::clamp(jitter, 0.0, 0.999999);
  return delay + static_cast<int64_t>(static_cast<double>(delay) * jitter / 4);
}

} // namespace jobstack
