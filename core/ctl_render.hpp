// jobstack-ctl's pure parts: its command line and how it prints what nodes
// report (JSON for --json, aligned text for humans). No CAF, no I/O, so
// tests can call them directly.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "messages/inspect.hpp"

namespace jobstack {

struct ctl_args {
  std::string command; ///< inspect | nodes | hash-token
  std::string token;   ///< hash-token: the token, or "-" to read stdin
  std::string host;
  uint16_t port = 0;
  bool json = false;
  std::chrono::milliseconds timeout{5000};
  bool tls = false; ///< from CSC_NODE_TLS_*, not the command line
};

/// Parses `jobstack-ctl COMMAND HOST:PORT [--json] [--timeout=SECONDS]`
/// or `jobstack-ctl hash-token TOKEN|-`; on bad input returns nothing and
/// sets `error` to one clear line.
std::optional<ctl_args> parse_ctl_args(const std::vector<std::string>& args,
                                       std::string& error);

std::string ctl_usage();

/// A node's report as JSON; each actor's state is parsed back into JSON.
nlohmann::json report_to_json(const node_report& report);
std::string report_to_text(const nlohmann::json& report);

/// The broker's node list as JSON; the server's own entry gets `target`
/// (where ctl reached it) as its inspect address.
nlohmann::json nodes_to_json(const std::vector<node_entry>& nodes,
                             const std::string& target, int64_t now);
std::string nodes_to_text(const nlohmann::json& nodes);

} // namespace jobstack
