// Wall-clock time as jobstack stores it: microseconds since the Unix epoch
// in an int64 (0 means "not set"), shown to clients as RFC 3339 UTC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jobstack {

/// Microseconds since the Unix epoch, from the system clock.
int64_t now_us();

/// Formats `us` as `2026-11-30T22:30:55.123456Z`.
std::string format_rfc3339(int64_t us);

/// Parses an RFC 3339 date-time (`Z` or `+hh:mm`, optional fraction) into
/// microseconds since the epoch; nullopt if malformed.
std::optional<int64_t> parse_rfc3339(std::string_view text);

} // namespace jobstack
