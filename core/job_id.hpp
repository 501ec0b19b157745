// Job ids: ULID-like, 26 characters of Crockford base32 (48 bits of
// milliseconds, then 80 random bits), so ids sort by creation time and are
// URL-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace jobstack {

/// Makes a new id for a job created at `now_us`.
std::string make_job_id(int64_t now_us);

/// True if `id` could name a job: 1..64 URL-safe characters.
bool is_plausible_job_id(std::string_view id);

} // namespace jobstack
