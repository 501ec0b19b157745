// Settings: the registry of `setting` constants, value rules, node_config,
// the layered resolution and --print-config; see settings.hpp. The layers
// themselves are read in config_layers.cpp (command line, CAF's file) and
// config_file.cpp (the application file).
#include "core/settings.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <thread>

#include <caf/io/middleman.hpp>

#include "core/config_file.hpp"
#include "core/config_layers.hpp"
#include "messages/inspect.hpp"
#include "messages/register_types.hpp"

namespace jobstack {

// -- the registry
// ---------------------------------------------------------------

namespace {

// A function-local static, so constants in any translation unit can
// register during static initialisation, whatever the order.
std::vector<const setting*>& registry() {
  static std::vector<const setting*> settings;
  return settings;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size()
         && text.compare(text.size() - suffix.size(), suffix.size(), suffix)
                == 0;
}

} // namespace

setting::setting(const char* key, const char* env, const char* fallback,
                 const char* help, bool secret)
    : setting(key, env, fallback, help, text_value, secret) {
  // nop
}

setting::setting(const char* key, const char* env, const char* fallback,
                 const char* help, value_rule rule, bool secret)
    : key(key), env(env), fallback(fallback), help(help), rule(rule),
      secret(secret) {
  registry().push_back(this);
}

setting::~setting() {
  auto& xs = registry();
  xs.erase(std::remove(xs.begin(), xs.end(), this), xs.end());
}

const std::vector<const setting*>& all_settings() {
  return registry();
}

const setting* find_setting(const std::string& key) {
  for (auto* s : registry())
    if (key == s->key)
      return s;
  return nullptr;
}

bool is_secret(const setting& s) {
  for (auto suffix : {"password", "token", "tokens", "secret"})
    if (ends_with(s.key, suffix))
      return true;
  return s.secret;
}

// -- values and their rules
// -----------------------------------------------------

namespace {

// Strict: digits with an optional '-', nothing else (no spaces, no 0x),
// and short enough not to overflow.
std::optional<int64_t> to_integer(const std::string& text) {
  size_t first = !text.empty() && text[0] == '-' ? 1 : 0;
  if (text.size() == first || text.size() > 18)
    return std::nullopt;
  for (size_t i = first; i < text.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(text[i])))
      return std::nullopt;
  return std::stoll(text);
}

// Splits at commas and trims; nullopt if an item is empty.
std::optional<std::vector<std::string>> split_list(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    auto end = std::min(text.find(',', start), text.size());
    auto item = text.substr(start, end - start);
    auto first = item.find_first_not_of(" \t");
    if (first == std::string::npos)
      return std::nullopt;
    auto last = item.find_last_not_of(" \t");
    items.push_back(item.substr(first, last - first + 1));
    start = end + 1;
  }
  return items;
}

settings_error not_in_range(const setting& s, const sourced_value& v,
                            int64_t lo, int64_t hi) {
  return settings_error(describe(s, v) + ": must be an integer from "
                        + std::to_string(lo) + " to " + std::to_string(hi));
}

int64_t checked_integer(const setting& s, const sourced_value& v, int64_t lo,
                        int64_t hi) {
  auto n = to_integer(v.value);
  if (!n || *n < lo || *n > hi)
    throw not_in_range(s, v, lo, hi);
  return *n;
}

std::vector<std::string> checked_list(const setting& s,
                                      const sourced_value& v) {
  auto items = split_list(v.value);
  if (!items)
    throw settings_error(describe(s, v) + ": empty list item");
  return *items;
}

} // namespace

void check_value(const setting& s, const sourced_value& v) {
  if (v.value.empty() && *s.fallback == '\0')
    return; // an optional setting left unset
  switch (s.rule.kind) {
  case value_rule::integer:
    checked_integer(s, v, s.rule.min, s.rule.max);
    break;
  case value_rule::list:
    checked_list(s, v);
    break;
  case value_rule::text:
    break;
  }
}

std::string describe(const setting& s, const sourced_value& v) {
  auto shown = is_secret(s) && !v.value.empty() ? "***" : v.value;
  return (v.origin.empty() ? "" : v.origin + ": ") + v.name + "=" + shown;
}

std::string source_label(const sourced_value& v) {
  switch (v.from) {
  case layer::builtin:
    return "default";
  case layer::env:
    return "env " + v.name;
  case layer::cli:
    return "command line";
  default: // caf_file, app_file
    return v.origin;
  }
}

// -- node_config
// ----------------------------------------------------------------

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
  // CAF's defaults would start at least 4 scheduler threads, and each idle
  // one polls with 50 us sleeps for a while (500 attempts) before it waits
  // on a condition variable: on 2 cores next to Redis that polling was ~10%
  // of the server's CPU under load (perf: clock_nanosleep). One thread per
  // core, and an idle thread goes to its condition variable (woken by the
  // next job) after a short spin.
  set("scheduler.max-threads",
      static_cast<size_t>(std::max(2u, std::thread::hardware_concurrency())));
  set("work-stealing.moderate-poll-attempts", size_t{1});
  // Nodes (and jobstack-ctl) of another message protocol refuse each other
  // in CAF's handshake instead of misreading each other's messages.
  set("middleman.app-identifiers", std::vector<std::string>{protocol_version});
  // Our settings are not declared to CAF: it would drop a value of the
  // wrong type silently, and fold file and flag into one. See
  // config_layers.hpp.
}

void node_config::print_help(std::FILE* out) const {
  std::fprintf(out,
               "usage: %s [--group.name=value ...] [--print-config]\n\n%s\n\n",
               program_.c_str(), summary_.c_str());
  std::fputs(
      "Settings, lowest to highest precedence: default <\n"
      "config/caf-application.conf < application config file < environment\n"
      "< command line. The application config file is APP_CONFIG_PATH\n"
      "(default config/) / APP_CONFIG_FILENAME (default: $ENV, default\n"
      "local) + .yaml, .yml, .json or .toml; its keys are the dotted names\n"
      "below, flat or nested (redis: {port: 6379}), or the variable names\n"
      "(REDIS_PORT: 6379).\n\n"
      "  --print-config\n"
      "      print the effective settings and where each comes from "
      "(secrets\n      as ***), then exit without starting\n",
      out);
  for (auto* s : settings_)
    std::fprintf(out, "  --%s=  (env %s%s%s)\n      %s\n", s->key, s->env,
                 *s->fallback ? ", default " : "", s->fallback, s->help);
  std::fprintf(out, "\nCAF's own settings (scheduler, middleman) are read "
                    "from config/caf-application.conf;\n--long-help lists "
                    "them.\n");
}

const layer_values& node_config::values(layer l) const {
  static const layer_values none;
  switch (l) {
  case layer::caf_file:
    return caf_file_values_;
  case layer::app_file:
    return app_file_values_;
  case layer::cli:
    return cli_values_;
  default:
    return none;
  }
}

// -- parse_node_config
// ------------------------------------------------------------

namespace {

env_lookup or_getenv(env_lookup env) {
  if (env)
    return env;
  return [](const char* name) -> const char* {
    return std::getenv(name);
  };
}

bool asks_for_help(const std::vector<std::string>& args) {
  return std::any_of(args.begin(), args.end(), [](const std::string& a) {
    return a == "--help" || a == "-h" || a == "-?";
  });
}

// Every value of every layer, not only the winning one: a bad value in a
// file is a mistake even while an environment variable hides it.
void check_all_layers(const node_config& cfg, const env_lookup& env) {
  for (auto* s : all_settings()) {
    for (auto l : {layer::caf_file, layer::app_file, layer::cli}) {
      const auto& values = cfg.values(l);
      if (auto i = values.find(s->key); i != values.end())
        check_value(*s, i->second);
    }
    if (auto* e = env(s->env))
      check_value(*s, sourced_value{e, layer::env, "", s->env});
  }
}

} // namespace

bool parse_node_config(node_config& cfg, int argc, char** argv,
                       env_lookup env) {
  env = or_getenv(std::move(env));
  std::vector<std::string> args(argv + 1, argv + argc);
  if (asks_for_help(args)) {
    cfg.print_help(stdout);
    return false;
  }
  auto cli = split_command_line(args, cfg.caf_options());
  bool named = !cli.caf_config_file.empty();
  if (named)
    cfg.caf_config_file = cli.caf_config_file;
  cfg.caf_file_values_
      = read_caf_config_file(cfg.caf_config_file, named, cfg.caf_options());
  // CAF reads its file once more: only its parse applies the values of its
  // own options (scheduler, middleman), which the read above merely checked.
  if (auto err = cfg.parse(cli.caf_args, cfg.caf_config_file.c_str()))
    throw settings_error("bad command line or " + cfg.caf_config_file + ": "
                         + cfg.render(err));
  if (!cfg.remainder.empty())
    throw settings_error("unexpected argument '" + cfg.remainder.front()
                         + "' (options look like --http.port=3000)");
  if (cfg.cli_helptext_printed)
    return false; // --long-help, --dump-config
  cfg.app_config_file_ = find_app_config_file(env, &cfg.app_config_pattern_);
  if (!cfg.app_config_file_.empty())
    cfg.app_file_values_ = read_app_config_file(cfg.app_config_file_);
  cfg.cli_values_ = std::move(cli.values);
  cfg.print_config_ = cli.print_config;
  check_all_layers(cfg, env);
  return true;
}

// -- settings_reader
// --------------------------------------------------------------

settings_reader::settings_reader(const node_config& cfg, env_lookup env)
    : cfg_(cfg), env_(or_getenv(std::move(env))) {
  // nop
}

sourced_value settings_reader::resolve(const setting& s) const {
  auto from = [&](layer l) -> const sourced_value* {
    const auto& values = cfg_.values(l);
    auto i = values.find(s.key);
    return i == values.end() ? nullptr : &i->second;
  };
  if (auto* v = from(layer::cli))
    return *v;
  if (auto* e = env_(s.env))
    return sourced_value{e, layer::env, "", s.env};
  if (auto* v = from(layer::app_file))
    return *v;
  if (auto* v = from(layer::caf_file))
    return *v;
  return sourced_value{s.fallback, layer::builtin, "",
                       std::string{s.key} + " (default)"};
}

std::string settings_reader::text(const setting& s) const {
  return resolve(s).value;
}

int64_t settings_reader::integer(const setting& s, int64_t lo,
                                 int64_t hi) const {
  return checked_integer(s, resolve(s), lo, hi);
}

uint16_t settings_reader::port(const setting& s) const {
  return static_cast<uint16_t>(integer(s, 1, 65535));
}

std::vector<std::string> settings_reader::list(const setting& s) const {
  return checked_list(s, resolve(s));
}

// -- --print-config
// -----------------------------------------------------------------

namespace {

std::string shown_value(const setting& s, const std::string& value) {
  if (value.empty())
    return "\"\"";
  return is_secret(s) ? "***" : value;
}

std::string file_line(const node_config& cfg) {
  if (!cfg.app_config_file().empty())
    return "# application config file: " + cfg.app_config_file() + "\n";
  return "# application config file: none (looked for "
         + cfg.app_config_pattern() + ")\n";
}

} // namespace

std::string effective_config(const settings_reader& in) {
  auto sorted = all_settings();
  std::sort(sorted.begin(), sorted.end(),
            [](auto* a, auto* b) { return std::string_view{a->key} < b->key; });
  size_t width = 0;
  for (auto* s : sorted)
    width = std::max(width, std::string_view{s->key}.size());
  const auto& cfg = in.config();
  std::string out = "# " + cfg.program() + " settings; precedence: default < "
                    + cfg.caf_config_file
                    + " < application config file < env < command line\n"
                    + file_line(cfg);
  for (auto* s : sorted) {
    auto v = in.resolve(*s);
    std::string key = s->key;
    key.resize(width, ' ');
    out += key + " = " + shown_value(*s, v.value) + "  # " + source_label(v)
           + "\n";
  }
  return out;
}

std::vector<std::string> secret_values(const settings_reader& in) {
  std::vector<std::string> out;
  for (auto* s : all_settings()) {
    if (!is_secret(*s))
      continue;
    auto value = in.text(*s);
    if (value.empty())
      continue;
    out.push_back(value);
    // A list of tokens: each one may show up in a log line alone.
    if (s->rule.kind == value_rule::list || ends_with(s->key, "tokens"))
      if (auto items = split_list(value))
        out.insert(out.end(), items->begin(), items->end());
  }
  return out;
}

} // namespace jobstack
