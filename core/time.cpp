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

namespace jobstack {

namespace {

// Reads exactly `n` digits at `pos`; false if they are not all digits.
bool read_digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size())
    return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

bool valid_date(int y, int mo, int d) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1)
    return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= days[mo - 1] + (mo == 2 && leap ? 1 : 0);
}

} // namespace

std::optional<int64_t> parse_rfc3339(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (!read_digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-'
      || !read_digits(s, 5, 2, mo) || s[7] != '-' || !read_digits(s, 8, 2, d)
      || (s[10] != 'T' && s[10] != 't') || !read_digits(s, 11, 2, h)
      || s[13] != ':' || !read_digits(s, 14, 2, mi) || s[16] != ':'
      || !read_digits(s, 17, 2, sec))
    return std::nullopt;
  if (!valid_date(y, mo, d) || h > 23 || mi > 59 || sec > 60)
    return std::nullopt;
  size_t pos = 19;
  int64_t micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    size_t digits = 0;
    for (++pos; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos) {
      if (digits < 6)
        micros = micros * 10 + (s[pos] - '0');
      ++digits;
    }
    if (digits == 0 || digits > 9)
      return std::nullopt;
    for (; digits < 6; ++digits)
      micros *= 10;
  }
  int64_t offset_s = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!read_digits(s, pos + 1, 2, oh) || pos + 3 >= s.size()
        || s[pos + 3] != ':' || !read_digits(s, pos + 4, 2, om) || oh > 23
        || om > 59)
      return std::nullopt;
    offset_s = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size())
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = std::min(sec, 59); // a leap second reads as :59
  auto secs = static_cast<int64_t>(timegm(&tm)) - offset_s;
  return secs * 1000000 + micros;
}

} // namespace jobstack
