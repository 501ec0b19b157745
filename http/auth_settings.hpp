// Reads the auth.* and http.rate_* settings (core/settings.hpp) into what
// route_request needs (http/auth.hpp, http/rate_limiter.hpp). Kept apart
// from auth.cpp so the pure auth code (and the fuzzer) needs no CAF config.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/settings.hpp"
#include "http/auth.hpp"
#include "http/rate_limiter.hpp"

namespace jobstack {

struct access_settings {
  std::shared_ptr<const auth_options> auth;
  std::shared_ptr<rate_limiter> limiter; ///< null: http.rate_limit is 0
};

/// The settings read_access_settings reads (for --help).
std::vector<const setting*> access_setting_list();

/// Every value checked: a malformed token entry, bad hex, an unknown scope,
/// an unreadable or unsuitable key file, or auth on with neither tokens nor
/// a JWT key throws settings_error with one line naming the setting.
access_settings read_access_settings(const settings_reader& in);

/// One line for the start-up log: whether auth is on, the token names and
/// JWT algorithms (never a hash or a secret), and the rate limit.
std::string describe_access(const access_settings& s);

} // namespace jobstack
