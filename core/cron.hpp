// Cron expressions (Vixie cron / Quartz-like, UTC) and their next fire time:
// the cadence of a worker node's scheduler (CSC_CRON_SCHEDULE). Pure: no
// clock, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace jobstack {

/// A cron expression that cannot be parsed or never fires. what() names the
/// field (number as written, and name) and the bad token, e.g.
/// `cron field 4 (day of month): 32 is out of range 1-31`.
struct cron_error : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// A parsed cron expression.
///
/// Fields: `sec min hour day-of-month month day-of-week`, or the classic
/// five without seconds (seconds = 0), or a macro (`@yearly`, `@annually`,
/// `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`). Each field is a
/// comma list of `*`, `n`, `a-b`, `*/n`, `a/n` (a to the field's maximum)
/// and `a-b/n`. Months take `JAN`-`DEC`, days of week `SUN`-`SAT` (0 and 7
/// are Sunday), case-insensitive, in ranges too; `?` means `*` for the two
/// day fields. When both day fields are restricted (written as anything but
/// `*` or `?`), a day matches if either matches, as in classic cron;
/// otherwise the restricted one decides.
class cron_schedule {
public:
  // -- constructors, destructors, and assignment operators -------------------

  /// Parses `expression`; throws cron_error if it is malformed or can never
  /// fire (`0 0 0 30 2 *`).
  static cron_schedule parse(std::string_view expression);

  // -- observers --------------------------------------------------------------

  /// Returns the first fire time strictly after `after_us`, both in unix
  /// microseconds (UTC); the result is a whole second. Throws
  /// std::out_of_range if that time does not fit in an int64.
  int64_t next_after(int64_t after_us) const;

  /// Returns the expression as given to parse().
  const std::string& text() const {
    return text_;
  }

private:
  cron_schedule() = default;

  /// Returns the first fire time at or after unix second `t`, in unix
  /// seconds, looking no further than the end of day `last_day` (days since
  /// the epoch).
  std::optional<int64_t> find_from(int64_t t, int64_t last_day) const;

  /// Whether the day `days` after the epoch, the `mday`th of its month,
  /// passes the two day fields.
  bool day_matches(int64_t days, unsigned mday) const;

  std::string text_;
  uint64_t seconds_ = 0;       // bit i: second i fires
  uint64_t minutes_ = 0;       // bit i: minute i
  uint32_t hours_ = 0;         // bit i: hour i
  uint32_t days_of_month_ = 0; // bits 1-31
  uint32_t months_ = 0;        // bits 1-12
  uint32_t days_of_week_ = 0;  // bits 0-6, 0 = Sunday
  bool dom_restricted_ = false;
  bool dow_restricted_ = false;
};

} // namespace jobstack
