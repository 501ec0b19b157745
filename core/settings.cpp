// Settings resolution and validation; see settings.hpp.
#include "core/settings.hpp"

#include <cstdlib>

#include <caf/config_option_adder.hpp>
#include <caf/config_value.hpp>
#include <caf/io/middleman.hpp>
#include <caf/settings.hpp>

#include "messages/inspect.hpp"
#include "messages/register_types.hpp"

namespace jobstack {

node_config::node_config(std::string program, std::string summary,
                         std::vector<const setting*> settings)
    : program_(std::move(program)), summary_(std::move(summary)),
      settings_(std::move(settings)) {
  load<caf::io::middleman>();
  register_message_types(*this);
  // The same values as config/caf-application.conf, so nodes started from
  // another directory still agree on the heartbeat (a mismatch drops
  // healthy peers) and still notice hung peers.
  set("middleman.heartbeat-interval", caf::timespan{std::chrono::seconds{1}});
  set("middleman.connection-timeout", caf::timespan{std::chrono::seconds{3}});
  // Nodes (and jobstack-ctl) of another message protocol refuse each other
  // in CAF's handshake instead of misreading each other's messages.
  set("middleman.app-identifiers", std::vector<std::string>{protocol_version});
  for (auto* s : settings_) {
    std::string key = s->key;
    auto dot = key.find('.');
    std::string help = std::string{s->help} + " (env " + s->env
                       + (*s->fallback ? std::string{", default "} + s->fallback
                                       : std::string{})
                       + ")";
    // Declared as strings so we, not CAF, check the values.
    opt_group{custom_options_, key.substr(0, dot)}.add<std::string>(
        key.substr(dot + 1), help);
  }
}

void node_config::print_help(std::FILE* out) const {
  std::fprintf(out, "usage: %s [--group.name=value ...]\n\n%s\n\n",
               program_.c_str(), summary_.c_str());
  std::fprintf(out, "Settings (command line > environment > default):\n");
  for (auto* s : settings_)
    std::fprintf(out, "  --%s=  (env %s%s%s)\n      %s\n", s->key, s->env,
                 *s->fallback ? ", default " : "", s->fallback, s->help);
  std::fprintf(out, "\nCAF's own settings (scheduler, middleman) are read "
                    "from config/caf-application.conf;\n--long-help lists "
                    "them.\n");
}

bool parse_node_config(node_config& cfg, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "-?") {
      cfg.print_help(stdout);
      return false;
    }
  }
  if (auto err = cfg.parse(argc, argv, "config/caf-application.conf"))
    throw settings_error("bad command line or config/caf-application.conf: "
                         + cfg.render(err));
  if (!cfg.remainder.empty())
    throw settings_error("unexpected argument '" + cfg.remainder.front()
                         + "' (options look like --http.port=3000)");
  return !cfg.cli_helptext_printed;
}

settings_reader::settings_reader(const caf::actor_system_config& cfg,
                                 env_lookup env)
    : cfg_(cfg), env_(std::move(env)) {
  if (!env_)
    env_ = [](const char* name) -> const char* {
      return std::getenv(name);
    };
}

std::string settings_reader::source_of(const setting& s,
                                       std::string* value) const {
  if (auto* v = caf::get_if(&cfg_.content, s.key)) {
    auto* str = caf::get_if<std::string>(v);
    *value = str != nullptr ? *str : caf::to_string(*v);
    return std::string{"--"} + s.key;
  }
  if (auto* e = env_(s.env); e != nullptr) {
    *value = e;
    return s.env;
  }
  *value = s.fallback;
  return std::string{s.key} + " (default)";
}

std::string settings_reader::text(const setting& s) const {
  std::string value;
  source_of(s, &value);
  return value;
}

int64_t settings_reader::integer(const setting& s, int64_t lo,
                                 int64_t hi) const {
  std::string value;
  auto source = source_of(s, &value);
  auto shown = s.secret ? std::string{"***"} : value;
  auto fail = [&] {
    return settings_error(source + "=" + shown + ": must be an integer from "
                          + std::to_string(lo) + " to " + std::to_string(hi));
  };
  if (value.empty() || value.size() > 18)
    throw fail();
  size_t used = 0;
  int64_t n = 0;
  try {
    n = std::stoll(value, &used, 10);
  } catch (const std::exception&) {
    throw fail();
  }
  if (used != value.size() || n < lo || n > hi)
    throw fail();
  return n;
}

uint16_t settings_reader::port(const setting& s) const {
  return static_cast<uint16_t>(integer(s, 1, 65535));
}

std::vector<std::string> settings_reader::list(const setting& s) const {
  std::string value;
  auto source = source_of(s, &value);
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= value.size()) {
    auto end = value.find(',', start);
    if (end == std::string::npos)
      end = value.size();
    auto item = value.substr(start, end - start);
    auto first = item.find_first_not_of(" \t");
    auto last = item.find_last_not_of(" \t");
    if (first == std::string::npos)
      throw settings_error(source + "=" + value + ": empty list item");
    items.push_back(item.substr(first, last - first + 1));
    start = end + 1;
  }
  return items;
}

} // namespace jobstack
