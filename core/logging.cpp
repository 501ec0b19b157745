// Logging setup; see logging.hpp.
#include "core/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "core/settings.hpp"

namespace jobstack {

void setup_logging(const std::string& level, const std::string& node_name) {
  static const char* names[] = {"trace", "debug", "info", "warn", "error"};
  auto known
      = std::find(std::begin(names), std::end(names), level) != std::end(names);
  if (!known)
    throw settings_error("log level '" + level
                         + "' is not one of trace, debug, info, warn, error");
  auto logger = spdlog::stderr_color_mt(node_name);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%-5l%$ [%n] %v",
                      spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

} // namespace jobstack
