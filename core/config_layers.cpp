// The command line and caf-application.conf as settings layers, and the
// did-you-mean for unknown keys; see config_layers.hpp.
#include "core/config_layers.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

#include <caf/actor_system_config.hpp>
#include <caf/config_value.hpp>
#include <caf/pec.hpp>
#include <caf/settings.hpp>

namespace jobstack {

// -- did you mean
// ---------------------------------------------------------------

namespace {

std::string lower(std::string text) {
  for (auto& c : text)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Edit distance where swapping two neighbours counts once (optimal string
// alignment), the commonest typo in `redis.prot`.
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1,
                                     std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i)
    d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j)
    d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      auto cost = a[i - 1] == b[j - 1] ? 0u : 1u;
      d[i][j] = std::min(
          {d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

} // namespace

std::string closest_match(const std::string& name,
                          const std::vector<std::string>& candidates) {
  // A third of the name, at least 1 and at most 4: `bogus` suggests
  // nothing, `redis_port` suggests `REDIS_PORT`.
  auto limit = std::clamp<size_t>(name.size() / 3, 1, 4);
  auto wanted = lower(name);
  std::string best;
  size_t best_distance = limit + 1;
  for (const auto& candidate : candidates) {
    auto d = edit_distance(wanted, lower(candidate));
    if (d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

std::string did_you_mean(const std::string& name,
                         const std::vector<std::string>& candidates,
                         const std::string& prefix) {
  auto match = closest_match(name, candidates);
  // An exact match is not a typo: the caller has a better message for it.
  return match.empty() || match == name
             ? std::string{}
             : " (did you mean '" + prefix + match + "'?)";
}

std::vector<std::string> known_file_keys() {
  std::vector<std::string> out;
  for (auto* s : all_settings()) {
    std::string key = s->key;
    auto group = key.substr(0, key.find('.'));
    if (std::find(out.begin(), out.end(), group) == out.end())
      out.push_back(group);
    out.push_back(key);
    out.push_back(s->env);
  }
  return out;
}

// -- command line
// ---------------------------------------------------------------

namespace {

// Names CAF's own CLI accepts: `--help`, `--scheduler.max-threads`, ...
std::vector<std::string> flag_names(const caf::config_option_set& caf_options) {
  std::vector<std::string> out{"print-config"};
  for (auto* s : all_settings())
    out.emplace_back(s->key);
  for (const auto& opt : caf_options) {
    auto name = opt.category() == "global" ? opt.long_name() : opt.full_name();
    out.emplace_back(name.begin(), name.end());
  }
  return out;
}

} // namespace

namespace {

// One `--name[=value]`: ours goes to the cli layer, CAF's is passed on.
void take_flag(command_line& out, const std::string& arg,
               const caf::config_option_set& caf_options) {
  auto eq = arg.find('=');
  auto name = arg.substr(2, eq == std::string::npos ? eq : eq - 2);
  auto value = eq == std::string::npos ? std::string{} : arg.substr(eq + 1);
  if (auto* s = find_setting(name)) {
    if (eq == std::string::npos)
      throw settings_error("--" + name + " needs a value: --" + name
                           + "=VALUE");
    out.values[s->key] = sourced_value{value, layer::cli, "", "--" + name};
  } else if (name == "config-file" && eq != std::string::npos) {
    out.caf_config_file = value; // read here, then handed to CAF's parse
  } else if (caf_options.cli_long_name_lookup(name) != nullptr) {
    out.caf_args.push_back(arg);
  } else {
    throw settings_error("unknown option '--" + name + "'"
                         + did_you_mean(name, flag_names(caf_options), "--"));
  }
}

} // namespace

command_line split_command_line(const std::vector<std::string>& args,
                                const caf::config_option_set& caf_options) {
  command_line out;
  for (const auto& arg : args) {
    if (arg == "--print-config")
      out.print_config = true;
    else if (arg.size() > 2 && arg.compare(0, 2, "--") == 0)
      take_flag(out, arg, caf_options);
    else
      out.caf_args.push_back(arg); // short options and strays: CAF's call
  }
  return out;
}

// -- caf-application.conf
// -------------------------------------------------------

namespace {

// "FILE:LINE: malformed ..." from CAF's parser error, whose context holds
// {"line", "column"}.
settings_error caf_parse_error(const std::string& path, const caf::error& e) {
  std::string where = path;
  std::string column;
  const auto& ctx = e.context();
  if (ctx.match_elements<caf::settings>()) {
    const auto& pos = ctx.get_as<caf::settings>(0);
    if (auto line = caf::get_if<int64_t>(&pos, "line"))
      where += ":" + std::to_string(*line);
    if (auto col = caf::get_if<int64_t>(&pos, "column"))
      column = " at column " + std::to_string(*col);
  }
  std::string reason = "error " + std::to_string(e.code());
  if (e.category() == caf::atom("parser"))
    reason = caf::to_string(static_cast<caf::pec>(e.code()));
  return settings_error(where + ": malformed: " + reason + column
                        + " (CAF's INI format: [group] lines, strings in "
                          "double quotes, comments after ';')");
}

// The text a CAF value gives one of our settings. Our settings are strings,
// numbers or (for a list setting) lists of them.
std::string caf_value_text(const setting& s, const std::string& where,
                           const caf::config_value& v) {
  if (auto* str = caf::get_if<std::string>(&v))
    return *str;
  if (auto* i = caf::get_if<caf::config_value::integer>(&v))
    return std::to_string(*i);
  if (auto* b = caf::get_if<bool>(&v))
    return *b ? "true" : "false";
  if (caf::holds_alternative<double>(v))
    return caf::to_string(v);
  if (auto* xs = caf::get_if<caf::config_value::list>(&v);
      xs != nullptr && s.rule.kind == value_rule::list) {
    std::string joined;
    for (const auto& x : *xs) {
      if (caf::holds_alternative<caf::config_value::list>(x))
        throw settings_error(where + ": " + s.key + " must be a flat list");
      joined += (joined.empty() ? "" : ",") + caf_value_text(s, where, x);
    }
    return joined;
  }
  auto shown = is_secret(s) ? std::string{"***"} : caf::to_string(v);
  throw settings_error(where + ": " + s.key + "=" + shown
                       + ": must be a \"string\" or a number");
}

struct caf_file_walker {
  const std::string& path;
  const caf::config_option_set& caf_options;
  layer_values out;

  void walk(const caf::settings& group, const std::string& prefix) {
    for (const auto& [name, value] : group) {
      auto key = prefix.empty() ? name : prefix + "." + name;
      if (auto* s = find_setting(key))
        out[key] = sourced_value{caf_value_text(*s, path, value),
                                 layer::caf_file, path, key};
      else if (auto* opt = caf_options.qualified_name_lookup(key))
        check_caf_option(*opt, key, value);
      else if (auto* sub = caf::get_if<caf::settings>(&value))
        walk(*sub, key);
      else
        throw settings_error(path + ": unknown key '" + key + "'"
                             + did_you_mean(key, candidates()));
    }
  }

  // CAF keeps a value only if it fits the option's type, and drops any
  // other one silently (max-threads="x", policy="sharing"): refuse it here.
  void check_caf_option(const caf::config_option& opt, const std::string& key,
                        const caf::config_value& value) {
    if (opt.check(value)) {
      auto type = opt.type_name();
      throw settings_error(
          path + ": " + key + "=" + caf::to_string(value) + ": not a valid "
          + std::string{type.begin(), type.end()} + " (CAF would ignore it)");
    }
  }

  std::vector<std::string> candidates() const {
    auto out = known_file_keys();
    for (const auto& opt : caf_options) {
      auto name = opt.full_name();
      out.emplace_back(name.begin(), name.end());
    }
    return out;
  }
};

} // namespace

layer_values read_caf_config_file(const std::string& path, bool must_exist,
                                  const caf::config_option_set& caf_options) {
  std::ifstream in{path};
  if (!in) {
    std::error_code ec;
    if (!must_exist && !std::filesystem::exists(path, ec))
      return {}; // optional, as CAF treats it
    throw settings_error(path + ": cannot read");
  }
  auto parsed = caf::actor_system_config::parse_config(in);
  if (!parsed)
    throw caf_parse_error(path, parsed.error());
  caf_file_walker walker{path, caf_options, {}};
  walker.walk(*parsed, "");
  return std::move(walker.out);
}

} // namespace jobstack
