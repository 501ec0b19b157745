// The application config file: discovery, the three parsers and the one
// flattening into setting values; see config_file.hpp.
#include "core/config_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string_view>

#include <nlohmann/json.hpp>
#include <toml++/toml.h>
#include <yaml-cpp/yaml.h>

#include "core/config_layers.hpp"

namespace fs = std::filesystem;

namespace jobstack {

namespace {

// -- error lines --------------------------------------------------------------

// "FILE:LINE" or just "FILE" when the parser gives no line.
std::string at(const std::string& path, int line) {
  return line > 0 ? path + ":" + std::to_string(line) : path;
}

// Parser messages may span lines; the contract is one line on stderr.
std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\r', ' ');
  return text;
}

settings_error malformed(const std::string& path, int line, const char* format,
                         const std::string& what) {
  return settings_error(at(path, line) + ": malformed " + format + ": "
                        + one_line(what));
}

// -- YAML (yaml-cpp 0.7: every scalar is text; marks are 0-based) ---------

config_tree from_yaml(const YAML::Node& node, int line) {
  config_tree out;
  out.line = line;
  switch (node.Type()) {
  case YAML::NodeType::Scalar:
    out.kind = config_tree::scalar;
    out.text = node.Scalar();
    break;
  case YAML::NodeType::Sequence:
    out.kind = config_tree::sequence;
    for (const auto& item : node)
      out.items.push_back(from_yaml(item, item.Mark().line + 1));
    break;
  case YAML::NodeType::Map:
    out.kind = config_tree::map;
    // The key's line: a null value's mark points past it.
    for (auto it = node.begin(); it != node.end(); ++it)
      out.members.emplace_back(
          it->first.Scalar(), from_yaml(it->second, it->first.Mark().line + 1));
    break;
  default: // Null, Undefined
    break;
  }
  return out;
}

// -- TOML (toml++ 3: typed values; lines are 1-based) ------------------------

std::string toml_scalar_text(const toml::node& node) {
  if (auto* s = node.as_string())
    return s->get();
  if (auto* b = node.as_boolean())
    return b->get() ? "true" : "false";
  if (auto* i = node.as_integer())
    return std::to_string(i->get());
  std::ostringstream out; // floats, dates and times, as TOML writes them
  node.visit([&out](const auto& x) { out << x; });
  return out.str();
}

config_tree from_toml(const toml::node& node, int line) {
  config_tree out;
  out.line = line;
  if (auto* table = node.as_table()) {
    out.kind = config_tree::map;
    for (auto&& [key, value] : *table)
      out.members.emplace_back(
          std::string{key.str()},
          from_toml(value, static_cast<int>(key.source().begin.line)));
  } else if (auto* array = node.as_array()) {
    out.kind = config_tree::sequence;
    for (const auto& item : *array)
      out.items.push_back(
          from_toml(item, static_cast<int>(item.source().begin.line)));
  } else {
    out.kind = config_tree::scalar;
    out.text = toml_scalar_text(node);
  }
  return out;
}

// -- JSON (nlohmann: no positions for values, keys come sorted) -----------

config_tree from_json(const nlohmann::json& node) {
  config_tree out;
  if (node.is_object()) {
    out.kind = config_tree::map;
    for (const auto& [key, value] : node.items())
      out.members.emplace_back(key, from_json(value));
  } else if (node.is_array()) {
    out.kind = config_tree::sequence;
    for (const auto& item : node)
      out.items.push_back(from_json(item));
  } else if (node.is_string()) {
    out.kind = config_tree::scalar;
    out.text = node.get<std::string>();
  } else if (!node.is_null()) {
    out.kind = config_tree::scalar; // numbers and booleans, as written
    out.text = node.dump();
  }
  return out;
}

// nlohmann reports a byte offset (1-based); count the lines up to it.
int line_at_byte(const std::string& text, size_t byte) {
  auto end = std::min(byte > 0 ? byte - 1 : 0, text.size());
  return 1
         + static_cast<int>(std::count(text.begin(), text.begin() + end, '\n'));
}

// "[json.exception.parse_error.101] parse error at line 3, column 7: what":
// keep "what", the line is given separately.
std::string json_reason(const std::string& what) {
  auto colon = what.find(": ");
  return colon == std::string::npos ? what : what.substr(colon + 2);
}

// -- flattening -------------------------------------------------------------

const setting* find_alias(const std::string& name) {
  for (auto* s : all_settings())
    if (name == s->env)
      return s;
  return nullptr;
}

// True if `prefix` is a group of keys, as `redis` is of `redis.port`.
bool is_group(const std::string& prefix) {
  for (auto* s : all_settings()) {
    std::string key = s->key;
    if (key.size() > prefix.size() && key.compare(0, prefix.size(), prefix) == 0
        && key[prefix.size()] == '.')
      return true;
  }
  return false;
}

// The first key of a group, for an example in an error.
std::string first_key_of(const std::string& group) {
  for (auto* s : all_settings())
    if (std::string_view{s->key}.substr(0, group.size() + 1) == group + ".")
      return s->key;
  return group + ".*";
}

const char* kind_name(config_tree::kind_t kind) {
  return kind == config_tree::map ? "a map" : "a list";
}

// The text a node gives a setting: a scalar as written, null as empty and,
// for a list setting, a list of scalars joined with commas.
std::string value_text(const setting& s, const std::string& name,
                       const config_tree& node, const std::string& where) {
  if (node.kind == config_tree::scalar)
    return node.text;
  if (node.kind == config_tree::null)
    return {};
  if (s.rule.kind != value_rule::list || node.kind == config_tree::map)
    throw settings_error(where + ": " + name + " must be a single value, not "
                         + kind_name(node.kind));
  std::string joined;
  for (const auto& item : node.items) {
    if (item.kind != config_tree::scalar
        || item.text.find(',') != std::string::npos)
      throw settings_error(where + ": " + name
                           + " must be a list of single values without ','");
    joined += (joined.empty() ? "" : ",") + item.text;
  }
  return joined;
}

struct flattener {
  const std::string& path;
  layer_values out;

  void add(const setting& s, const std::string& name, const config_tree& node) {
    auto where = at(path, node.line);
    auto text = value_text(s, name, node, where);
    if (auto i = out.find(s.key); i != out.end())
      throw settings_error(where + ": " + name + " sets " + s.key
                           + " a second time (first as " + i->second.name
                           + " at " + i->second.origin + ")");
    out[s.key] = sourced_value{std::move(text), layer::app_file, where, name};
  }

  void walk(const config_tree& map, const std::string& prefix) {
    for (const auto& [name, node] : map.members) {
      auto key = prefix.empty() ? name : prefix + "." + name;
      auto* s = find_setting(key);
      if (s == nullptr && prefix.empty())
        s = find_alias(name); // the seed's flat REDIS_PORT: 6379
      if (s != nullptr)
        add(*s, key == s->key ? key : name, node);
      else if (node.kind == config_tree::map && is_group(key))
        walk(node, key);
      else if (is_group(key))
        throw settings_error(at(path, node.line) + ": " + key
                             + " must be a map of settings (such as "
                             + first_key_of(key) + "), not "
                             + (node.kind == config_tree::sequence
                                    ? "a list"
                                    : "a single value"));
      else
        throw settings_error(at(path, node.line) + ": unknown key '" + key + "'"
                             + did_you_mean(key, known_file_keys()));
    }
  }
};

} // namespace

// -- parsers ------------------------------------------------------------------

config_tree parse_yaml(const std::string& text, const std::string& path) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    throw malformed(path, e.mark.line + 1, "YAML", e.msg);
  }
  // YAML::Load would keep the first document and drop the rest silently.
  if (docs.size() > 1)
    throw settings_error(path + ": holds " + std::to_string(docs.size())
                         + " YAML documents (---); keep one");
  return docs.empty() ? config_tree{} : from_yaml(docs.front(), 1);
}

config_tree parse_json(const std::string& text, const std::string& path) {
  try {
    return from_json(nlohmann::json::parse(text));
  } catch (const nlohmann::json::parse_error& e) {
    throw malformed(path, line_at_byte(text, e.byte), "JSON",
                    json_reason(e.what()));
  }
}

config_tree parse_toml(const std::string& text, const std::string& path) {
  try {
    auto table = toml::parse(std::string_view{text}, std::string_view{path});
    return from_toml(table, 1);
  } catch (const toml::parse_error& e) {
    throw malformed(path, static_cast<int>(e.source().begin.line), "TOML",
                    std::string{e.description()});
  }
}

// -- discovery and reading ----------------------------------------------------

namespace {

// An unset or empty variable takes the default, as in the seed's Viper setup.
std::string env_or(const env_lookup& env, const char* name,
                   const std::string& fallback) {
  auto* value = env(name);
  return value != nullptr && *value != '\0' ? std::string{value} : fallback;
}

constexpr const char* extensions[] = {"yaml", "yml", "json", "toml"};

std::string extension_of(const std::string& path) {
  auto dot = path.rfind('.');
  return dot == std::string::npos ? std::string{} : path.substr(dot + 1);
}

std::string read_whole_file(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw settings_error(path + ": cannot read: is a directory");
  std::ifstream in{path, std::ios::binary};
  if (!in)
    throw settings_error(path + ": cannot read: " + std::strerror(errno));
  std::string text{std::istreambuf_iterator<char>{in},
                   std::istreambuf_iterator<char>{}};
  if (in.bad())
    throw settings_error(path + ": cannot read");
  return text;
}

} // namespace

std::string find_app_config_file(const env_lookup& env, std::string* pattern) {
  fs::path dir = env_or(env, "APP_CONFIG_PATH", "config/");
  auto base = env_or(env, "APP_CONFIG_FILENAME", env_or(env, "ENV", "local"));
  if (pattern != nullptr)
    *pattern = (dir / (base + ".{yaml,yml,json,toml}")).string();
  std::vector<std::string> found;
  for (auto* ext : extensions) {
    auto candidate = (dir / (base + "." + ext)).string();
    std::error_code ec;
    if (fs::exists(candidate, ec))
      found.push_back(candidate);
  }
  if (found.size() > 1) {
    std::string names;
    for (auto& f : found)
      names += (names.empty() ? "" : ", ") + f;
    throw settings_error("more than one application config file (" + names
                         + "); keep one");
  }
  return found.empty() ? std::string{} : found.front();
}

layer_values flatten_config(const config_tree& root, const std::string& path) {
  if (root.kind == config_tree::null)
    return {}; // an empty file
  if (root.kind != config_tree::map)
    throw settings_error(
        path
        + ": the top level must be a map of settings "
          "(`KEY: value` lines, or groups such as "
          "`redis: {port: 6379}`), not "
        + (root.kind == config_tree::sequence ? "a list" : "a single value"));
  flattener f{path, {}};
  f.walk(root, "");
  return std::move(f.out);
}

layer_values read_app_config_file(const std::string& path) {
  auto text = read_whole_file(path);
  auto ext = extension_of(path);
  config_tree tree;
  if (ext == "json")
    tree = parse_json(text, path);
  else if (ext == "toml")
    tree = parse_toml(text, path);
  else
    tree = parse_yaml(text, path);
  return flatten_config(tree, path);
}

} // namespace jobstack
