// ULID-like job ids; see job_id.hpp.
#include "core/job_id.hpp"

#include <random>

namespace jobstack {

namespace {

constexpr char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

std::mt19937_64& thread_rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

} // namespace

std::string make_job_id(int64_t now_us) {
  auto ms = static_cast<uint64_t>(now_us / 1000);
  std::string id(26, '0');
  // 10 characters of time (50 bits, the top 2 always zero), most significant
  // first so that lexical order is time order.
  for (int i = 9; i >= 0; --i) {
    id[i] = crockford[ms & 31];
    ms >>= 5;
  }
  auto& rng = thread_rng();
  uint64_t hi = rng();
  uint64_t lo = rng();
  for (int i = 10; i < 26; ++i) {
    auto& bits = i < 18 ? hi : lo;
    id[i] = crockford[bits & 31];
    bits >>= 5;
  }
  return id;
}

bool is_plausible_job_id(std::string_view id) {
  if (id.empty() || id.size() > 64)
    return false;
  for (char c : id) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')
              || (c >= 'a' && c <= 'z') || c == '-' || c == '_';
    if (!ok)
      return false;
  }
  return true;
}

} // namespace jobstack
