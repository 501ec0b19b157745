// Cron expressions: parsing, next fire times and errors.
#define CAF_SUITE core.cron
#include <caf/test/unit_test.hpp>

#include <string>
#include <vector>

#include "core/cron.hpp"
#include "core/time.hpp"

using namespace jobstack;

namespace {

struct fire_case {
  std::string expression;
  std::string after;    // RFC 3339
  std::string expected; // RFC 3339, the first fire time after `after`
};

int64_t us(const std::string& rfc3339) {
  auto result = parse_rfc3339(rfc3339);
  CAF_REQUIRE(result);
  return *result;
}

// One line per case, so that a failure names its case.
void check_fire_times(const std::vector<fire_case>& cases) {
  for (auto& c : cases) {
    auto label = c.expression + " after " + c.after + ": ";
    auto next = cron_schedule::parse(c.expression).next_after(us(c.after));
    CAF_CHECK_EQUAL(label + format_rfc3339(next),
                    label + format_rfc3339(us(c.expected)));
  }
}

// The message of the cron_error that parsing `expression` throws, or
// "no error".
std::string parse_error(const std::string& expression) {
  try {
    cron_schedule::parse(expression);
  } catch (const cron_error& e) {
    return e.what();
  }
  return "no error";
}

} // namespace

CAF_TEST(second steps fire on the next multiple) {
  check_fire_times({
      {"*/10 * * * * *", "2026-05-04T12:00:05Z", "2026-05-04T12:00:10Z"},
      {"*/10 * * * * *", "2026-05-04T12:00:59Z", "2026-05-04T12:01:00Z"},
      {"*/10 * * * * *", "2026-05-04T12:00:09.999999Z", "2026-05-04T12:00:10Z"},
      {"*/10 * * * * *", "2026-05-04T23:59:55Z", "2026-05-05T00:00:00Z"},
      {"* * * * * *", "2026-05-04T12:00:05.5Z", "2026-05-04T12:00:06Z"},
  });
}

CAF_TEST(next after is strictly after a fire time) {
  check_fire_times({
      {"*/10 * * * * *", "2026-05-04T12:00:10Z", "2026-05-04T12:00:20Z"},
      {"*/10 * * * * *", "2026-05-04T12:00:10.000001Z", "2026-05-04T12:00:20Z"},
      {"* * * * * *", "2026-05-04T12:00:05Z", "2026-05-04T12:00:06Z"},
      {"@daily", "2026-05-04T00:00:00Z", "2026-05-05T00:00:00Z"},
      {"0 0 0 29 2 *", "2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"},
  });
}

CAF_TEST(five fields have no seconds) {
  check_fire_times({
      {"*/15 * * * *", "2026-05-04T12:07:30Z", "2026-05-04T12:15:00Z"},
      {"*/15 * * * *", "2026-05-04T12:45:00Z", "2026-05-04T13:00:00Z"},
      {"*/15 * * * *", "2026-05-04T23:50:00Z", "2026-05-05T00:00:00Z"},
      {"30 9 * * MON-FRI", "2026-05-08T18:00:00Z", "2026-05-11T09:30:00Z"},
  });
}

CAF_TEST(weekday ranges skip the weekend) {
  check_fire_times({
      // 2026-05-08 is a Friday.
      {"0 30 9 * * MON-FRI", "2026-05-08T18:00:00Z", "2026-05-11T09:30:00Z"},
      {"0 30 9 * * MON-FRI", "2026-05-08T09:29:59Z", "2026-05-08T09:30:00Z"},
      {"0 30 9 * * mon-Fri", "2026-05-09T09:30:00Z", "2026-05-11T09:30:00Z"},
      {"0 30 9 * * 1-5", "2026-05-08T18:00:00Z", "2026-05-11T09:30:00Z"},
      {"0 0 0 * * SAT-SUN", "2026-05-09T00:00:00Z", "2026-05-10T00:00:00Z"},
      {"0 0 0 * * 5-7", "2026-05-10T00:00:00Z", "2026-05-15T00:00:00Z"},
  });
}

CAF_TEST(day seven and zero are both sunday) {
  check_fire_times({
      // 2026-05-04 is a Monday, 2026-05-10 a Sunday.
      {"0 0 0 * * 7", "2026-05-04T12:00:00Z", "2026-05-10T00:00:00Z"},
      {"0 0 0 * * 0", "2026-05-04T12:00:00Z", "2026-05-10T00:00:00Z"},
      {"0 0 0 * * SUN", "2026-05-04T12:00:00Z", "2026-05-10T00:00:00Z"},
      {"0 0 0 ? * sun", "2026-05-10T00:00:00Z", "2026-05-17T00:00:00Z"},
  });
}

CAF_TEST(days of month skip the months too short for them) {
  check_fire_times({
      {"0 0 0 31 * *", "2026-04-15T00:00:00Z", "2026-05-31T00:00:00Z"},
      {"0 0 0 31 * *", "2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z"},
      {"0 0 0 31 * *", "2026-08-31T00:00:00Z", "2026-10-31T00:00:00Z"},
      {"0 0 0 30 * ?", "2026-01-30T00:00:00Z", "2026-03-30T00:00:00Z"},
      {"0 0 0 29 * *", "2027-01-29T00:00:00Z", "2027-03-29T00:00:00Z"},
      {"0 0 0 29 * *", "2028-01-29T00:00:00Z", "2028-02-29T00:00:00Z"},
  });
}

CAF_TEST(february 29 waits for the next leap year) {
  check_fire_times({
      {"0 0 0 29 2 *", "2026-03-01T00:00:00Z", "2028-02-29T00:00:00Z"},
      {"0 0 0 29 FEB *", "2027-12-31T23:59:59Z", "2028-02-29T00:00:00Z"},
      // 2100 is not a leap year: eight years between leap days.
      {"0 0 0 29 2 *", "2096-03-01T00:00:00Z", "2104-02-29T00:00:00Z"},
      {"0 0 0 29 2 *", "1999-03-01T00:00:00Z", "2000-02-29T00:00:00Z"},
  });
}

CAF_TEST(month names and numbers mix in lists) {
  check_fire_times({
      {"0 0 12 1 JAN,jul *", "2026-03-15T00:00:00Z", "2026-07-01T12:00:00Z"},
      {"0 0 12 1 JAN,jul *", "2026-07-01T12:00:00Z", "2027-01-01T12:00:00Z"},
      {"0 0 12 1 1,7 *", "2026-01-01T11:59:59Z", "2026-01-01T12:00:00Z"},
      {"0 0 0 1 mar-MAY,11 *", "2026-05-01T00:00:00Z", "2026-11-01T00:00:00Z"},
  });
}

CAF_TEST(either day field matches when both are restricted) {
  check_fire_times({
      // Every 13th and every Friday: 2026-04-10 and -17 are Fridays, the 13th
      // a Monday.
      {"0 0 0 13 * FRI", "2026-04-10T00:00:00Z", "2026-04-13T00:00:00Z"},
      {"0 0 0 13 * FRI", "2026-04-13T00:00:00Z", "2026-04-17T00:00:00Z"},
      {"0 0 0 13 * 5", "2026-04-01T00:00:00Z", "2026-04-03T00:00:00Z"},
      // A restricted field against `*` or `?` decides alone.
      {"0 0 0 13 * *", "2026-04-01T00:00:00Z", "2026-04-13T00:00:00Z"},
      {"0 0 0 ? * FRI", "2026-04-10T00:00:00Z", "2026-04-17T00:00:00Z"},
      // February 30 never comes, but the Fridays of February do.
      {"0 0 0 30 2 FRI", "2026-01-31T00:00:00Z", "2026-02-06T00:00:00Z"},
  });
}

CAF_TEST(years roll over) {
  check_fire_times({
      {"0 0 0 1 1 *", "2026-12-31T23:59:59Z", "2027-01-01T00:00:00Z"},
      {"* * * * * *", "2026-12-31T23:59:59Z", "2027-01-01T00:00:00Z"},
      {"59 59 23 31 12 *", "2026-12-31T23:59:59Z", "2027-12-31T23:59:59Z"},
      {"0 0 0 1 1 *", "1969-06-01T00:00:00Z", "1970-01-01T00:00:00Z"},
  });
}

CAF_TEST(macros stand for their fields) {
  check_fire_times({
      {"@yearly", "2026-05-04T12:00:00Z", "2027-01-01T00:00:00Z"},
      {"@annually", "2026-05-04T12:00:00Z", "2027-01-01T00:00:00Z"},
      {"@monthly", "2026-05-04T12:00:00Z", "2026-06-01T00:00:00Z"},
      {"@weekly", "2026-05-04T12:00:00Z", "2026-05-10T00:00:00Z"},
      {"@daily", "2026-05-04T12:00:00Z", "2026-05-05T00:00:00Z"},
      {"@midnight", "2026-05-04T12:00:00Z", "2026-05-05T00:00:00Z"},
      {"@hourly", "2026-05-04T12:00:00Z", "2026-05-04T13:00:00Z"},
      {"@HOURLY", "2026-05-04T12:59:59Z", "2026-05-04T13:00:00Z"},
  });
}

CAF_TEST(steps start from a value or run within a range) {
  check_fire_times({
      // 5/20: 5, 25, 45.
      {"5/20 * * * * *", "2026-05-04T12:00:30Z", "2026-05-04T12:00:45Z"},
      {"5/20 * * * * *", "2026-05-04T12:00:45Z", "2026-05-04T12:01:05Z"},
      // 10-30/10 minutes: 10, 20, 30.
      {"0 10-30/10 * * * *", "2026-05-04T12:20:00Z", "2026-05-04T12:30:00Z"},
      {"0 10-30/10 * * * *", "2026-05-04T12:30:00Z", "2026-05-04T13:10:00Z"},
      {"0 0 */6 * * *", "2026-05-04T12:00:00Z", "2026-05-04T18:00:00Z"},
      {"0 0 0 1/10 * *", "2026-05-04T00:00:00Z", "2026-05-11T00:00:00Z"},
      {"0 0 0 1/10 * *", "2026-05-31T00:00:00Z", "2026-06-01T00:00:00Z"},
      {"0 0 0 1 */3 *", "2026-05-04T00:00:00Z", "2026-07-01T00:00:00Z"},
      {"0 0,30 8-9,17 * * *", "2026-05-04T09:30:00Z", "2026-05-04T17:00:00Z"},
  });
}

CAF_TEST(successive fire times never drift) {
  auto schedule = cron_schedule::parse("*/10 * * * * *");
  // 10 000 ticks of 10 s from an hour before a leap year's new year.
  auto previous = schedule.next_after(us("2027-12-31T22:59:55Z"));
  CAF_CHECK_EQUAL(format_rfc3339(previous), "2027-12-31T23:00:00.000000Z");
  int drifts = 0;
  for (int i = 0; i < 10000; ++i) {
    auto next = schedule.next_after(previous);
    if (next != previous + 10000000)
      ++drifts;
    previous = next;
  }
  CAF_CHECK_EQUAL(drifts, 0);
  CAF_CHECK_EQUAL(format_rfc3339(previous), "2028-01-02T02:46:40.000000Z");
}

CAF_TEST(the expression is kept as given) {
  auto schedule = cron_schedule::parse("  0 30 9 * * MON-FRI ");
  CAF_CHECK_EQUAL(schedule.text(), "  0 30 9 * * MON-FRI ");
  auto daily = cron_schedule::parse("@daily");
  CAF_CHECK_EQUAL(daily.text(), "@daily");
}

CAF_TEST(errors name the field and the bad token) {
  CAF_CHECK_EQUAL(parse_error("0 0 0 32 * *"),
                  "cron field 4 (day of month): 32 is out of range 1-31");
  CAF_CHECK_EQUAL(parse_error("0 25 * * *"),
                  "cron field 2 (hour): 25 is out of range 0-23");
  CAF_CHECK_EQUAL(parse_error("* * 5-3 * * *"),
                  "cron field 3 (hour): range 5-3 is reversed");
  CAF_CHECK_EQUAL(parse_error("*/0 * * * * *"),
                  "cron field 1 (second): step 0 in \"*/0\"");
  CAF_CHECK_EQUAL(parse_error("0 0 0 1 FOO *"),
                  "cron field 5 (month): unknown name \"FOO\"");
  CAF_CHECK_EQUAL(parse_error("5x * * * * *"),
                  "cron field 1 (second): unexpected \"x\" after \"5\"");
}

CAF_TEST(bad expressions are refused) {
  struct bad_case {
    std::string expression;
    std::string says; // part of the message
  };
  std::vector<bad_case> cases{
      {"", "empty"},
      {"   ", "empty"},
      {"* * * *", "4 fields"},
      {"* * * * * * *", "7 fields"},
      {"60 * * * * *", "(second): 60 is out of range 0-59"},
      {"* 60 * * * *", "(minute): 60"},
      {"* * 24 * * *", "(hour): 24"},
      {"* * * 0 * *", "(day of month): 0"},
      {"* * * * 13 *", "(month): 13"},
      {"* * * * 0 *", "(month): 0"},
      {"* * * * * 8", "(day of week): 8"},
      {"99999999999 * * * * *", "(second): 99999999999 is out of range"},
      {"* * * * * FRI-MON", "(day of week): range FRI-MON is reversed"},
      {"* */0 * * * *", "(minute): step 0"},
      {"* */60 * * * *", "(minute): step 60 is out of range"},
      {"*/ * * * * *", "(second): missing step"},
      {"*/x * * * * *", "(second): step \"x\""},
      {"*/5x * * * * *", "(second): unexpected \"x\""},
      {"* * * * * MONDAY", "(day of week): unknown name \"MONDAY\""},
      {"* * * * JAN-FOO *", "(month): unknown name \"FOO\""},
      {"MON * * * * *", "(second): \"MON\" is not a number"},
      {"x5 * * * *", "(minute): \"x5\" is not a number"},
      {"1-2-3 * * * * *", "(second): unexpected \"-3\" after \"1-2\""},
      {"*x * * * * *", "(second): unexpected \"x\" after \"*\""},
      {"1- * * * * *", "(second): expected a number"},
      {"-1 * * * * *", "(second): expected a number"},
      {"1,,2 * * * * *", "(second): empty list element"},
      {"1, * * * * *", "(second): empty list element"},
      {"? * * * * *", "(second): \"?\" is only allowed"},
      {"* * * 1,? * *", "(day of month): expected a number"},
      {"0 0 0 30 2 *", "never fires: its day of month"},
      {"0 0 0 31 4,6,9,11 ?", "never fires"},
      {"0 0 30 2 *", "never fires"},
      {"@reboot", "unknown cron macro \"@reboot\""},
      {"@daily 5", "cron macro \"@daily\" takes no fields"},
  };
  for (auto& c : cases) {
    auto message = parse_error(c.expression);
    auto found = message.find(c.says) != std::string::npos;
    CAF_CHECK_EQUAL(c.expression + ": " + (found ? c.says : message),
                    c.expression + ": " + c.says);
  }
}
