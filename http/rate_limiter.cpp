// Token buckets with bounded memory; see rate_limiter.hpp.
#include "http/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace jobstack {

rate_limiter::rate_limiter(double rate, double burst, size_t max_keys)
    : rate_(std::max(rate, 1e-6)), burst_(std::max(burst, 1.0)),
      max_keys_(std::max<size_t>(max_keys, 1)) {
  // nop
}

double rate_limiter::level(const bucket& b, int64_t now) const {
  // A clock that steps back refills nothing rather than draining.
  auto elapsed = static_cast<double>(std::max<int64_t>(now - b.updated, 0));
  return std::min(burst_, b.tokens + elapsed / 1e6 * rate_);
}

void rate_limiter::drop_idle(int64_t now) {
  // The least recently seen callers are at the back; stop at the first one
  // still owing tokens, so each call does little work.
  while (!recent_.empty()) {
    auto i = buckets_.find(recent_.back());
    if (level(i->second, now) < burst_)
      break;
    buckets_.erase(i);
    recent_.pop_back();
  }
}

int64_t rate_limiter::take(const std::string& key, int64_t now) {
  std::lock_guard<std::mutex> guard{mtx_};
  drop_idle(now);
  auto i = buckets_.find(key);
  if (i == buckets_.end()) {
    if (buckets_.size() >= max_keys_) { // forget the longest unseen caller
      buckets_.erase(recent_.back());
      recent_.pop_back();
    }
    recent_.push_front(key);
    i = buckets_.emplace(key, bucket{burst_, now, recent_.begin()}).first;
  } else {
    recent_.splice(recent_.begin(), recent_, i->second.recent);
  }
  auto& b = i->second;
  b.tokens = level(b, now);
  b.updated = std::max(b.updated, now);
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  auto wait = std::ceil((1.0 - b.tokens) / rate_);
  return std::max<int64_t>(1, static_cast<int64_t>(wait));
}

size_t rate_limiter::size() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return buckets_.size();
}

} // namespace jobstack
