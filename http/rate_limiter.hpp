// Token buckets per caller (a token's name, or a client address), for the
// `http.rate_limit` setting: each caller may send `burst` requests at once
// and `rate` per second after that; over it, the API answers 429 with
// Retry-After. Memory is bounded: idle buckets (full again, so they know
// nothing a fresh one would not) are dropped as other callers come and go,
// and at `max_keys` the least recently seen caller is forgotten.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

namespace jobstack {

class rate_limiter {
public:
  /// `rate` requests per second, `burst` at once (at least 1).
  rate_limiter(double rate, double burst, size_t max_keys = 10000);

  /// Takes one request from `key`'s bucket at `now` (unix time in us).
  /// Returns 0 if it may go on, else the whole seconds (>= 1) until it may.
  /// Thread-safe: the HTTP server calls it from several threads.
  int64_t take(const std::string& key, int64_t now);

  /// Callers currently remembered.
  size_t size() const;

  double rate() const {
    return rate_;
  }

  double burst() const {
    return burst_;
  }

private:
  struct bucket {
    double tokens;
    int64_t updated; ///< unix us of the last refill
    std::list<std::string>::iterator recent;
  };

  /// Tokens in `b` at `now`, at most burst_.
  double level(const bucket& b, int64_t now) const;
  void drop_idle(int64_t now);

  const double rate_;
  const double burst_;
  const size_t max_keys_;
  mutable std::mutex mtx_;
  std::unordered_map<std::string, bucket> buckets_;
  std::list<std::string> recent_; ///< keys, most recently seen first
};

} // namespace jobstack
