// Console logging for humans (spdlog, stderr), one setup call per process.
#pragma once

#include <string>

namespace jobstack {

/// Sets up the default logger; throws settings_error for an unknown level.
void setup_logging(const std::string& level, const std::string& node_name);

} // namespace jobstack
