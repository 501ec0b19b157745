// jobstack-ctl's command line and output; see ctl_render.hpp.
#include "core/ctl_render.hpp"

#include <cstdio>
#include <sstream>

#include "core/time.hpp"

namespace jobstack {

using nlohmann::json;

namespace {

bool parse_port(const std::string& text, uint16_t& port) {
  if (text.empty() || text.size() > 5
      || text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  auto value = std::stoul(text);
  if (value < 1 || value > 65535)
    return false;
  port = static_cast<uint16_t>(value);
  return true;
}

bool parse_seconds(const std::string& text, std::chrono::milliseconds& out) {
  try {
    size_t used = 0;
    auto value = std::stod(text, &used);
    if (used != text.size() || !(value > 0 && value <= 3600))
      return false;
    out = std::chrono::milliseconds{static_cast<int64_t>(value * 1000)};
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

std::string scalar_text(const json& value) {
  if (value.is_string())
    return value.get<std::string>();
  if (value.is_null())
    return "-";
  return value.dump();
}

// One line per scalar; an array of objects becomes one line per item.
void state_lines(const json& state, const std::string& indent,
                 std::ostringstream& out) {
  if (!state.is_object()) {
    out << indent << scalar_text(state) << "\n";
    return;
  }
  for (auto& [key, value] : state.items()) {
    if (value.is_array() && !value.empty() && value.front().is_object()) {
      out << indent << key << ": " << value.size() << "\n";
      for (auto& item : value) {
        out << indent << "  -";
        for (auto& [k, v] : item.items())
          out << " " << k << "=" << scalar_text(v);
        out << "\n";
      }
    } else if (value.is_array()) {
      std::string joined;
      for (auto& v : value)
        joined += (joined.empty() ? "" : ",") + scalar_text(v);
      out << indent << key << ": " << (joined.empty() ? "-" : joined) << "\n";
    } else {
      out << indent << key << ": " << scalar_text(value) << "\n";
    }
  }
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f s", s);
  return buf;
}

} // namespace

std::string ctl_usage() {
  return "usage: jobstack-ctl inspect HOST:PORT [--json] [--timeout=SECONDS]\n"
         "       jobstack-ctl nodes HOST:PORT [--json] [--timeout=SECONDS]\n"
         "       jobstack-ctl hash-token TOKEN|-\n"
         "\n"
         "inspect: what a live node runs (a server at its CSC_BROKER_PORT, a\n"
         "         worker at its CSC_INSPECT_PORT).\n"
         "nodes:   every node a server's broker knows, with where to inspect "
         "it.\n"
         "hash-token: the SHA-256 hex of a bearer token, for auth.tokens\n"
         "         (CSC_AUTH_TOKENS); '-' reads the token from stdin, which\n"
         "         keeps it out of the shell history and ps.\n"
         "Exit codes: 0 ok, 2 bad usage, 3 node unreachable or not a jobstack\n"
         "node, 4 timeout, 5 another jobstack version, 1 other errors.\n";
}

std::optional<ctl_args> parse_ctl_args(const std::vector<std::string>& args,
                                       std::string& error) {
  ctl_args out;
  // Before the option loop: a token may itself start with "--".
  if (!args.empty() && args[0] == "hash-token") {
    if (args.size() != 2) {
      error = "hash-token wants exactly one TOKEN (or '-' for stdin)";
      return std::nullopt;
    }
    out.command = args[0];
    out.token = args[1];
    return out;
  }
  std::vector<std::string> positional;
  for (auto& arg : args) {
    if (arg == "--json")
      out.json = true;
    else if (arg.rfind("--timeout=", 0) == 0) {
      if (!parse_seconds(arg.substr(10), out.timeout)) {
        error = "--timeout wants seconds between 0 and 3600, got '"
                + arg.substr(10) + "'";
        return std::nullopt;
      }
    } else if (arg.rfind("--", 0) == 0) {
      error = "unknown option '" + arg + "'";
      return std::nullopt;
    } else
      positional.push_back(arg);
  }
  if (positional.size() != 2) {
    error = "want a command and HOST:PORT";
    return std::nullopt;
  }
  out.command = positional[0];
  if (out.command != "inspect" && out.command != "nodes") {
    error
        = "unknown command '" + out.command + "' (inspect, nodes, hash-token)";
    return std::nullopt;
  }
  auto& target = positional[1];
  auto colon = target.rfind(':');
  if (colon == std::string::npos || colon == 0
      || !parse_port(target.substr(colon + 1), out.port)) {
    error = "'" + target + "' is not HOST:PORT (port 1..65535)";
    return std::nullopt;
  }
  out.host = target.substr(0, colon);
  return out;
}

json report_to_json(const node_report& r) {
  json actors = json::array();
  for (auto& a : r.actors) {
    auto state = json::parse(a.state, nullptr, false);
    actors.push_back({{"name", a.name},
                      {"mailbox", a.mailbox >= 0 ? json(a.mailbox) : json()},
                      {"state", state.is_discarded() ? json(a.state) : state}});
  }
  return {{"node_id", r.node_id},
          {"role", r.role},
          {"name", r.name},
          {"version", r.version},
          {"protocol", r.protocol},
          {"started_at", format_rfc3339(r.started_at)},
          {"uptime_s", static_cast<double>(r.now - r.started_at) / 1e6},
          {"actors", actors}};
}

std::string report_to_text(const json& r) {
  std::ostringstream out;
  out << r["role"].get<std::string>() << " " << r["name"].get<std::string>()
      << "  (jobstack " << r["version"].get<std::string>() << ", "
      << r["protocol"].get<std::string>() << ")\n";
  out << "node id  " << r["node_id"].get<std::string>() << "\n";
  out << "uptime   " << seconds_text(r["uptime_s"].get<double>()) << " (since "
      << r["started_at"].get<std::string>() << ")\n";
  for (auto& a : r["actors"]) {
    out << "\n[" << a["name"].get<std::string>() << "]";
    if (!a["mailbox"].is_null())
      out << "  mailbox " << a["mailbox"].dump();
    out << "\n";
    state_lines(a["state"], "  ", out);
  }
  return out.str();
}

json nodes_to_json(const std::vector<node_entry>& nodes,
                   const std::string& target, int64_t now) {
  json out = json::array();
  for (auto& n : nodes) {
    auto inspect = n.role == "server" && n.inspect.empty() ? target : n.inspect;
    out.push_back(
        {{"role", n.role},
         {"id", n.id},
         {"node", n.node},
         {"inspect", inspect},
         {"queues", n.queues},
         {"concurrency", n.concurrency},
         {"running", n.running},
         {"processed", n.processed},
         {"failed", n.failed},
         {"last_seen_s_ago", n.last_seen > 0
                                 ? static_cast<double>(now - n.last_seen) / 1e6
                                 : 0.0}});
  }
  return out;
}

std::string nodes_to_text(const json& nodes) {
  std::ostringstream out;
  char line[512];
  std::snprintf(line, sizeof(line), "%-7s %-28s %-24s %-16s %5s %7s %9s %6s\n",
                "ROLE", "ID", "INSPECT", "QUEUES", "SLOTS", "RUNNING",
                "PROCESSED", "FAILED");
  out << line;
  for (auto& n : nodes) {
    std::string queues;
    for (auto& q : n["queues"])
      queues += (queues.empty() ? "" : ",") + q.get<std::string>();
    std::snprintf(line, sizeof(line),
                  "%-7s %-28s %-24s %-16s %5s %7s %9s %6s\n",
                  n["role"].get<std::string>().c_str(),
                  n["id"].get<std::string>().c_str(),
                  n["inspect"].get<std::string>().empty()
                      ? "-"
                      : n["inspect"].get<std::string>().c_str(),
                  queues.empty() ? "-" : queues.c_str(),
                  n["concurrency"].dump().c_str(), n["running"].dump().c_str(),
                  n["processed"].dump().c_str(), n["failed"].dump().c_str());
    out << line;
  }
  return out.str();
}

} // namespace jobstack
