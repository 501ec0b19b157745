// Two of the settings layers, read apart from CAF so that each value keeps
// its own source: the command line (our flags taken out before CAF sees the
// rest) and config/caf-application.conf (read with CAF's own parser, then
// split into our keys and CAF's). Also the did-you-mean for unknown keys.
//
// Why not let CAF's parse do both: it folds the file and the command line
// into one `content`, so a file value could not lose to the application file
// and the environment while a flag wins over all; and for options declared
// to it, CAF 0.17 silently drops a value of the wrong type.
#pragma once

#include <string>
#include <vector>

#include <caf/config_option_set.hpp>

#include "core/settings.hpp"

namespace jobstack {

/// The command line, split.
struct command_line {
  layer_values values;               ///< `--<setting key>=value`
  std::vector<std::string> caf_args; ///< everything else, for CAF's parse
  std::string caf_config_file;       ///< `--config-file=`, if given
  bool print_config = false;         ///< `--print-config`
};

/// Splits `args` (argv without the program name). Throws settings_error on a
/// flag that is neither a setting nor one of CAF's, or a setting without
/// `=value`.
command_line split_command_line(const std::vector<std::string>& args,
                                const caf::config_option_set& caf_options);

/// Reads CAF's config file at `path` (INI). Our settings in it become values
/// of the caf_file layer; CAF's own options are type-checked here, because
/// CAF drops a malformed one without a word. A missing file is fine unless
/// `must_exist` (it was named with --config-file=). Throws settings_error
/// on a malformed file, an unknown key or a value of the wrong type.
layer_values read_caf_config_file(const std::string& path, bool must_exist,
                                  const caf::config_option_set& caf_options);

/// The candidate closest to `name` (edit distance, ignoring case), or empty
/// if none is close enough to be a plausible typo.
std::string closest_match(const std::string& name,
                          const std::vector<std::string>& candidates);

/// " (did you mean 'X'?)" for the closest candidate, or empty.
std::string did_you_mean(const std::string& name,
                         const std::vector<std::string>& candidates,
                         const std::string& prefix = "");

/// Every name a file may use for a setting: dotted keys, their groups
/// (`redis`) and the environment-variable aliases.
std::vector<std::string> known_file_keys();

} // namespace jobstack
