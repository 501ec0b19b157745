// The application config file (OPERATIONS.md "Settings", after the seed's
// Viper setup): found as APP_CONFIG_PATH/APP_CONFIG_FILENAME plus .yaml,
// .yml, .json or .toml, parsed by yaml-cpp, nlohmann::json or toml++.
// Each parser's result becomes one neutral tree first, so the rules for
// keys, aliases, types and duplicates are written once for all formats.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/settings.hpp"

namespace jobstack {

/// A parsed config file, whatever its format.
struct config_tree {
  enum kind_t { null, scalar, sequence, map };
  kind_t kind = null;
  std::string text;                                         ///< scalar
  std::vector<config_tree> items;                           ///< sequence
  std::vector<std::pair<std::string, config_tree>> members; ///< map, in order
  /// 1-based line of the node's key (0: the parser gives none, as in JSON).
  int line = 0;
};

/// Parse `text` of the file `path`; throw settings_error naming the file
/// and line on malformed input.
config_tree parse_yaml(const std::string& text, const std::string& path);
config_tree parse_json(const std::string& text, const std::string& path);
config_tree parse_toml(const std::string& text, const std::string& path);

/// The application config file: DIR/BASE.EXT with DIR = APP_CONFIG_PATH
/// (default `config/`), BASE = APP_CONFIG_FILENAME (default: ENV, default
/// `local`), EXT one of yaml, yml, json, toml. Empty if none exists (that is
/// fine); throws settings_error if more than one does. `pattern` gets what
/// was looked for, e.g. `config/local.{yaml,yml,json,toml}`.
std::string find_app_config_file(const env_lookup& env, std::string* pattern);

/// Turns a tree into values of the app_file layer: nested maps give dotted
/// keys (`redis: {port: 1}` is `redis.port`), a top-level key equal to a
/// setting's environment variable (`REDIS_PORT`) is an alias of its key.
/// Throws settings_error on an unknown key (with a did-you-mean), a map or
/// list where a value goes, or a setting given twice.
layer_values flatten_config(const config_tree& root, const std::string& path);

/// Reads, parses (by extension) and flattens the file at `path`.
layer_values read_app_config_file(const std::string& path);

} // namespace jobstack
