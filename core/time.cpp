// Wall-clock helpers; see time.hpp.
#include "core/time.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace jobstack {

int64_t now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch())
      .count();
}

std::string format_rfc3339(int64_t us) {
  auto secs = static_cast<time_t>(us / 1000000);
  auto frac = static_cast<long>(us % 1000000);
  if (frac < 0) { // before 1970: borrow a second so the fraction is positive
    frac += 1000000;
    secs -= 1;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, frac);
  return buf;
}

} // namespace jobstack
