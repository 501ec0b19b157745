// The life every jobstack executable shares: stop signals blocked, settings
// read and checked (one line and exit 2 on a bad one), --print-config
// answered, logging set up, the node run until it returns, logs flushed (and
// shipped, if they go to TCP).
#pragma once

#include <cstdio>
#include <utility>

#include <spdlog/spdlog.h>

#include "core/logging.hpp"
#include "core/process.hpp"
#include "core/settings.hpp"

namespace jobstack {

/// `read` turns a settings_reader into the node's settings; `run` runs the
/// node with them and returns the exit code. The log.* settings are read
/// here, for every node alike. --print-config prints after the node's own
/// checks (so it also vets a configuration) and before logging opens files
/// or connections.
template <class Read, class Run>
int run_node(node_config& cfg, int argc, char** argv, const char* log_name,
             Read read, Run run) {
  block_stop_signals();
  decltype(read(std::declval<const settings_reader&>())) settings;
  try {
    if (!parse_node_config(cfg, argc, argv))
      return 0; // --help, --long-help, --dump-config
    settings_reader reader{cfg};
    settings = read(reader);
    auto log = read_log_options(reader);
    if (cfg.print_config_requested()) {
      std::fputs(effective_config(reader).c_str(), stdout);
      return 0;
    }
    // Every secret on every node, whether or not the node reads it itself.
    for (auto& secret : secret_values(reader))
      log.secrets.push_back(std::move(secret));
    setup_logging(log, log_name);
  } catch (const settings_error& e) {
    std::fprintf(stderr, "%s: %s\n", cfg.program().c_str(), e.what());
    return 2;
  }
  auto rc = run(settings);
  spdlog::info("stopped");
  shutdown_logging();
  return rc;
}

} // namespace jobstack
