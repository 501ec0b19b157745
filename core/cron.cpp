// Cron expressions; see cron.hpp.
#include "core/cron.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <vector>

namespace jobstack {

namespace {

// -- the six fields -----------------------------------------------------------

constexpr const char* month_names[]
    = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};

constexpr const char* weekday_names[]
    = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

struct field_spec {
  const char* name;
  int min;
  int max;      // largest value accepted
  int star_max; // where `*` and `a/n` end: 6 for day of week, whose 7 is 0
  const char* const* names; // value `min + i` is names[i]
  size_t name_count;
};

enum field_index { second, minute, hour, day_of_month, month, day_of_week };

constexpr field_spec fields[] = {
    {"second", 0, 59, 59, nullptr, 0},
    {"minute", 0, 59, 59, nullptr, 0},
    {"hour", 0, 23, 23, nullptr, 0},
    {"day of month", 1, 31, 31, nullptr, 0},
    {"month", 1, 12, 12, month_names, 12},
    {"day of week", 0, 7, 6, weekday_names, 7},
};

std::string quoted(std::string_view text) {
  std::string result = "\"";
  result.append(text.data(), text.size());
  result += '"';
  return result;
}

// Parses one field into a bit set: bit v is set when value v fires.
class field_parser {
public:
  field_parser(const field_spec& spec, size_t number, std::string_view text)
      : spec_(spec), number_(number), text_(text) {
    // nop
  }

  uint64_t parse() {
    if (text_ == "?") {
      if (&spec_ != &fields[day_of_month] && &spec_ != &fields[day_of_week])
        fail("\"?\" is only allowed for day of month and day of week");
      return add(spec_.min, spec_.star_max, 1, 0);
    }
    uint64_t mask = 0;
    size_t begin = 0;
    for (;;) {
      auto comma = text_.find(',', begin);
      auto element = text_.substr(begin, comma == std::string_view::npos
                                             ? std::string_view::npos
                                             : comma - begin);
      if (element.empty())
        fail("empty list element in " + quoted(text_));
      mask = parse_element(element, mask);
      if (comma == std::string_view::npos)
        return mask;
      begin = comma + 1;
    }
  }

private:
  [[noreturn]] void fail(const std::string& what) const {
    throw cron_error("cron field " + std::to_string(number_) + " (" + spec_.name
                     + "): " + what);
  }

  // `*`, `n`, `a-b`, each optionally followed by `/step`.
  uint64_t parse_element(std::string_view element, uint64_t mask) {
    auto slash = element.find('/');
    auto base = element.substr(0, slash);
    int lo = spec_.min;
    int hi = spec_.star_max;
    if (base == "*") {
      // every value
    } else if (!base.empty() && base[0] == '*') {
      fail("unexpected " + quoted(base.substr(1)) + " after \"*\"");
    } else {
      size_t pos = 0;
      lo = parse_value(base, pos, false);
      if (pos < base.size() && base[pos] == '-') {
        ++pos;
        hi = parse_value(base, pos, true);
        if (hi < lo)
          fail("range " + std::string{base} + " is reversed");
      } else if (slash == std::string_view::npos) {
        hi = lo; // a single value
      } else {
        hi = std::max(lo, spec_.star_max); // `a/n` runs from a to the end
      }
      if (pos < base.size())
        fail("unexpected " + quoted(base.substr(pos)) + " after "
             + quoted(base.substr(0, pos)));
    }
    int step = 1;
    if (slash != std::string_view::npos)
      step = parse_step(element.substr(slash + 1));
    return add(lo, hi, step, mask);
  }

  // A number or a name at `pos` of `text`; advances `pos` past it.
  int parse_value(std::string_view text, size_t& pos, bool range_end) {
    auto start = pos;
    while (pos < text.size()
           && std::isalnum(static_cast<unsigned char>(text[pos])))
      ++pos;
    auto token = text.substr(start, pos - start);
    if (token.empty())
      fail("expected a number at " + quoted(text.substr(start)) + " in "
           + quoted(text));
    if (std::isdigit(static_cast<unsigned char>(token[0]))) {
      size_t digits = 0;
      while (digits < token.size()
             && std::isdigit(static_cast<unsigned char>(token[digits])))
        ++digits;
      pos = start + digits; // letters after the digits are trailing garbage
      return check_range(token.substr(0, digits), range_end);
    }
    if (spec_.names == nullptr)
      fail(quoted(token) + " is not a number");
    for (size_t i = 0; i < spec_.name_count; ++i) {
      std::string_view name = spec_.names[i];
      bool same = token.size() == name.size();
      for (size_t j = 0; same && j < name.size(); ++j)
        same = std::toupper(static_cast<unsigned char>(token[j])) == name[j];
      if (same) {
        int value = spec_.min + static_cast<int>(i);
        // SUN ends a range as 7, so that SAT-SUN reads as the weekend.
        return range_end && &spec_ == &fields[day_of_week] && value == 0
                   ? 7
                   : value;
      }
    }
    fail("unknown name " + quoted(token));
  }

  int check_range(std::string_view digits, bool range_end) {
    int value = to_int(digits);
    if (value < spec_.min || value > spec_.max)
      fail(std::string{digits} + " is out of range " + std::to_string(spec_.min)
           + "-" + std::to_string(spec_.max));
    if (range_end && &spec_ == &fields[day_of_week] && value == 0)
      return 7;
    return value;
  }

  int parse_step(std::string_view text) {
    if (text.empty())
      fail("missing step after \"/\" in " + quoted(text_));
    size_t digits = 0;
    while (digits < text.size()
           && std::isdigit(static_cast<unsigned char>(text[digits])))
      ++digits;
    if (digits == 0)
      fail("step " + quoted(text) + " is not a number");
    if (digits < text.size())
      fail("unexpected " + quoted(text.substr(digits)) + " after step "
           + std::string{text.substr(0, digits)});
    int step = to_int(text);
    if (step == 0)
      fail("step 0 in " + quoted(text_));
    if (step > spec_.max)
      fail("step " + std::string{text} + " is out of range 1-"
           + std::to_string(spec_.max));
    return step;
  }

  // Digits to int, saturating: anything past 9 digits is out of range anyway.
  static int to_int(std::string_view digits) {
    int value = 0;
    for (auto c : digits)
      value = std::min(value, 100000000) * 10 + (c - '0');
    return value;
  }

  uint64_t add(int lo, int hi, int step, uint64_t mask) const {
    for (int v = lo; v <= hi; v += step)
      mask |= uint64_t{1} << (&spec_ == &fields[day_of_week] && v == 7 ? 0 : v);
    return mask;
  }

  const field_spec& spec_;
  size_t number_;
  std::string_view text_;
};

struct macro {
  const char* name;
  const char* fields;
};

constexpr macro macros[] = {
    {"@yearly", "0 0 0 1 1 *"},  {"@annually", "0 0 0 1 1 *"},
    {"@monthly", "0 0 0 1 * *"}, {"@weekly", "0 0 0 * * 0"},
    {"@daily", "0 0 0 * * *"},   {"@midnight", "0 0 0 * * *"},
    {"@hourly", "0 0 * * * *"},
};

std::vector<std::string_view> split_fields(std::string_view text) {
  std::vector<std::string_view> result;
  size_t pos = 0;
  for (;;) {
    while (pos < text.size()
           && std::isspace(static_cast<unsigned char>(text[pos])))
      ++pos;
    if (pos == text.size())
      return result;
    auto start = pos;
    while (pos < text.size()
           && !std::isspace(static_cast<unsigned char>(text[pos])))
      ++pos;
    result.push_back(text.substr(start, pos - start));
  }
}

// -- civil calendar (H. Hinnant's algorithms, proleptic Gregorian) ------------

struct civil_date {
  int64_t year;
  unsigned month; // 1-12
  unsigned day;   // 1-31
};

int64_t floor_div(int64_t x, int64_t y) {
  return x / y - (x % y != 0 && (x < 0) != (y < 0) ? 1 : 0);
}

civil_date civil_from_days(int64_t days) {
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  auto doe = static_cast<unsigned>(days - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned month = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0), month,
          doy - (153 * mp + 2) / 5 + 1};
}

int64_t days_from_civil(int64_t year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  int64_t era = (year >= 0 ? year : year - 399) / 400;
  auto yoe = static_cast<unsigned>(year - era * 400);
  unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// The lowest set bit of `mask` at or above `from` and at most `max`, or -1.
int next_bit(uint64_t mask, int from, int max) {
  for (int i = from; i <= max; ++i)
    if ((mask >> i) & 1)
      return i;
  return -1;
}

constexpr int seconds_per_day = 86400;

// Any (month, day of month) pair that exists at all occurs in any 8
// consecutive years (February 29 skips at most 7 years, as 2097-2103), and
// a day of week occurs in every month. So a schedule that fires at all fires
// within 8 years and a few days of any instant.
constexpr int64_t search_days = 8 * 366 + 31;

} // namespace

cron_schedule cron_schedule::parse(std::string_view expression) {
  cron_schedule result;
  result.text_ = std::string{expression};
  auto words = split_fields(expression);
  if (words.empty())
    throw cron_error("cron expression is empty");
  if (words[0][0] == '@') {
    std::string name{words[0]};
    for (auto& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const macro* found = nullptr;
    for (auto& m : macros)
      if (name == m.name)
        found = &m;
    if (found == nullptr)
      throw cron_error("unknown cron macro " + quoted(words[0]));
    if (words.size() > 1)
      throw cron_error("cron macro " + quoted(words[0])
                       + " takes no fields, got " + quoted(expression));
    words = split_fields(found->fields);
  }
  if (words.size() != 5 && words.size() != 6)
    throw cron_error("cron expression " + quoted(expression) + " has "
                     + std::to_string(words.size())
                     + " fields, expected 6 (second minute hour day-of-month"
                       " month day-of-week) or 5 (without second)");
  size_t first = words.size() == 6 ? 0 : 1; // 5 fields: seconds = 0
  uint64_t masks[6] = {1, 0, 0, 0, 0, 0};
  for (size_t i = 0; i < words.size(); ++i)
    masks[first + i] = field_parser{fields[first + i], i + 1, words[i]}.parse();
  result.seconds_ = masks[second];
  result.minutes_ = masks[minute];
  result.hours_ = static_cast<uint32_t>(masks[hour]);
  result.days_of_month_ = static_cast<uint32_t>(masks[day_of_month]);
  result.months_ = static_cast<uint32_t>(masks[month]);
  result.days_of_week_ = static_cast<uint32_t>(masks[day_of_week]);
  auto restricted = [](std::string_view word) {
    return word != "*" && word != "?";
  };
  result.dom_restricted_ = restricted(words[day_of_month - first]);
  result.dow_restricted_ = restricted(words[day_of_week - first]);
  // See search_days: an 8-year window from anywhere tells whether it fires.
  if (!result.find_from(0, search_days))
    throw cron_error("cron expression " + quoted(expression)
                     + " never fires: its day of month never occurs in its"
                       " months");
  return result;
}

int64_t cron_schedule::next_after(int64_t after_us) const {
  int64_t from = floor_div(after_us, 1000000) + 1;
  auto found = find_from(from, floor_div(from, seconds_per_day) + search_days);
  if (!found) // parse() rules this out
    throw std::logic_error("cron expression " + quoted(text_)
                           + " has no fire time");
  if (*found > std::numeric_limits<int64_t>::max() / 1000000)
    throw std::out_of_range("next fire time of cron expression " + quoted(text_)
                            + " is out of range");
  return *found * 1000000;
}

std::optional<int64_t> cron_schedule::find_from(int64_t t,
                                                int64_t last_day) const {
  int64_t day = floor_div(t, seconds_per_day);
  auto second_of_day = static_cast<int>(t - day * seconds_per_day);
  // Each pass either returns or moves forward to the next candidate month,
  // day, hour or minute; a day that fails is left in one pass.
  while (day <= last_day) {
    if (second_of_day >= seconds_per_day) {
      ++day;
      second_of_day = 0;
      continue;
    }
    auto date = civil_from_days(day);
    if (((months_ >> date.month) & 1) == 0) {
      auto year = date.year;
      auto next = date.month;
      do {
        if (++next > 12) {
          next = 1;
          ++year;
        }
      } while (((months_ >> next) & 1) == 0);
      day = days_from_civil(year, next, 1);
      second_of_day = 0;
      continue;
    }
    if (!day_matches(day, date.day)) {
      ++day;
      second_of_day = 0;
      continue;
    }
    int h = second_of_day / 3600;
    int m = second_of_day / 60 % 60;
    int s = second_of_day % 60;
    int next_h = next_bit(hours_, h, 23);
    if (next_h < 0) {
      second_of_day = seconds_per_day;
      continue;
    }
    if (next_h != h)
      m = s = 0;
    int next_m = next_bit(minutes_, m, 59);
    if (next_m < 0) {
      second_of_day = (next_h + 1) * 3600;
      continue;
    }
    if (next_m != m)
      s = 0;
    int next_s = next_bit(seconds_, s, 59);
    if (next_s < 0) {
      second_of_day = next_h * 3600 + (next_m + 1) * 60;
      continue;
    }
    return day * seconds_per_day + next_h * 3600 + next_m * 60 + next_s;
  }
  return std::nullopt;
}

bool cron_schedule::day_matches(int64_t days, unsigned mday) const {
  bool dom = (days_of_month_ >> mday) & 1;
  // 1970-01-01 was a Thursday (4).
  auto weekday = static_cast<unsigned>(days + 4 - floor_div(days + 4, 7) * 7);
  bool dow = (days_of_week_ >> weekday) & 1;
  if (dom_restricted_ && dow_restricted_)
    return dom || dow; // classic cron: either one
  return dom && dow;   // an unrestricted field has every bit set
}

} // namespace jobstack
