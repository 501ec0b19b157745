// Configuration layers: default < caf-application.conf < application file
// (yaml, yml, json, toml) < environment < command line; file discovery, the
// seed's example files, flat aliases, every kind of error with its exact
// message, and --print-config. Each test runs in its own temp dir, which is
// also the working directory, so `config/` is never the repository's.
#define CAF_SUITE core.config
#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "core/config_layers.hpp"
#include "core/settings.hpp"

using namespace jobstack;
namespace fs = std::filesystem;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in{path};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The line --print-config prints for `key`, with the padding after the key
// squeezed out (its width follows the longest key of the program).
std::string line_of(const std::string& text, const std::string& key) {
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    if (line.compare(0, key.size() + 1, key + " ") == 0)
      return key + line.substr(line.find(" = "));
  return "<no line for " + key + ">";
}

struct fixture {
  fs::path old_cwd = fs::current_path();
  std::string dir;
  std::map<std::string, std::string> env;
  std::unique_ptr<node_config> cfg;

  fixture() {
    char tmpl[] = "/tmp/jobstack-config-XXXXXX";
    dir = ::mkdtemp(tmpl);
    fs::current_path(dir);
    fs::create_directory("config");
  }

  ~fixture() {
    fs::current_path(old_cwd);
    fs::remove_all(dir);
  }

  env_lookup lookup() {
    return [this](const char* name) -> const char* {
      auto i = env.find(name);
      return i == env.end() ? nullptr : i->second.c_str();
    };
  }

  static void write(const std::string& path, const std::string& text) {
    std::ofstream{path} << text;
  }

  // A fresh node start: parse the command line and read every layer.
  void load(std::vector<std::string> args = {}) {
    cfg = std::make_unique<node_config>("test", "test",
                                        std::vector<const setting*>{});
    std::vector<char*> argv{const_cast<char*>("test")};
    for (auto& a : args)
      argv.push_back(a.data());
    parse_node_config(*cfg, static_cast<int>(argv.size()), argv.data(),
                      lookup());
  }

  std::string error_of(std::vector<std::string> args = {}) {
    try {
      load(std::move(args));
    } catch (const settings_error& e) {
      return e.what();
    }
    return "no error";
  }

  // The error of a start with only `text` as config/local.EXT.
  std::string file_error(const std::string& ext, const std::string& text) {
    auto path = "config/local." + ext;
    write(path, text);
    auto result = error_of();
    fs::remove(path);
    return result;
  }

  sourced_value get(const setting& s) {
    return settings_reader{*cfg, lookup()}.resolve(s);
  }

  std::string value(const setting& s) {
    return get(s).value;
  }

  std::string source(const setting& s) {
    return source_label(get(s));
  }

  std::string printed(std::vector<std::string> args) {
    load(std::move(args));
    return effective_config(settings_reader{*cfg, lookup()});
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(config_tests, fixture)

// -- layers and precedence
// ------------------------------------------------------

CAF_TEST(defaults apply when no layer sets a value) {
  load();
  CAF_CHECK_EQUAL(value(settings::redis_port), "6379");
  CAF_CHECK_EQUAL(source(settings::redis_port), "default");
  CAF_CHECK_EQUAL(cfg->app_config_file(), "");
}

CAF_TEST(each layer beats the one below it) {
  write("config/caf-application.conf", "[redis]\nport=6390\n");
  load();
  CAF_CHECK_EQUAL(value(settings::redis_port), "6390");
  CAF_CHECK_EQUAL(source(settings::redis_port), "config/caf-application.conf");
  write("config/local.yaml", "# app file\nredis:\n  port: 6391\n");
  load();
  CAF_CHECK_EQUAL(value(settings::redis_port), "6391");
  CAF_CHECK_EQUAL(source(settings::redis_port), "config/local.yaml:3");
  env["REDIS_PORT"] = "6392";
  load();
  CAF_CHECK_EQUAL(value(settings::redis_port), "6392");
  CAF_CHECK_EQUAL(source(settings::redis_port), "env REDIS_PORT");
  load({"--redis.port=6393"});
  CAF_CHECK_EQUAL(value(settings::redis_port), "6393");
  CAF_CHECK_EQUAL(source(settings::redis_port), "command line");
}

CAF_TEST(a value in caf-application.conf is only a fallback for our keys) {
  // Before the layering, CAF folded this file and the command line into
  // one, so the file beat the application file and the environment.
  write("config/caf-application.conf", "[http]\nport=3001\n[log]\n"
                                       "level=\"debug\"\n");
  write("config/local.yaml", "http:\n  port: 3002\n");
  env["CSC_LOG_LEVEL"] = "warn";
  load();
  CAF_CHECK_EQUAL(value(settings::http_port), "3002");
  CAF_CHECK_EQUAL(value(settings::log_level), "warn");
}

CAF_TEST(CAF still gets its own settings from the file and the command line) {
  write("config/caf-application.conf", "[scheduler]\nmax-threads=3\n");
  load();
  CAF_CHECK_EQUAL(caf::get_or(cfg->content, "scheduler.max-threads", 0), 3);
  load({"--scheduler.max-threads=5"});
  CAF_CHECK_EQUAL(caf::get_or(cfg->content, "scheduler.max-threads", 0), 5);
}

CAF_TEST(the real caf - application.conf passes the checks) {
  write("config/caf-application.conf",
        read_text(JOBSTACK_SOURCE_DIR "/config/caf-application.conf"));
  CAF_CHECK_EQUAL(error_of(), "no error");
}

// -- formats and discovery
// ------------------------------------------------------

CAF_TEST(yaml yml json and toml files load alike) {
  std::map<std::string, std::pair<std::string, std::string>> files{
      {"yaml",
       {"redis:\n  port: 6381\nREDIS_HOSTNAME: cache\n"
        "worker:\n  queues: [mail, default]\n",
        "config/local.yaml:2"}},
      {"yml",
       {"redis:\n  port: 6381\nREDIS_HOSTNAME: cache\n"
        "worker:\n  queues: [mail, default]\n",
        "config/local.yml:2"}},
      {"json",
       {R"({"redis": {"port": 6381}, "REDIS_HOSTNAME": "cache",)"
        R"( "worker": {"queues": ["mail", "default"]}})",
        "config/local.json"}},
      {"toml",
       {"REDIS_HOSTNAME = \"cache\"\n[redis]\nport = 6381\n"
        "[worker]\nqueues = [\"mail\", \"default\"]\n",
        "config/local.toml:3"}},
  };
  for (const auto& [ext, file] : files) {
    CAF_MESSAGE("format: " << ext);
    auto path = "config/local." + ext;
    write(path, file.first);
    load();
    CAF_CHECK_EQUAL(cfg->app_config_file(), path);
    CAF_CHECK_EQUAL(value(settings::redis_port), "6381");
    CAF_CHECK_EQUAL(source(settings::redis_port), file.second);
    CAF_CHECK_EQUAL(value(settings::redis_host), "cache");
    CAF_CHECK_EQUAL(value(settings::queues), "mail,default");
    fs::remove(path);
  }
}

CAF_TEST(dotted keys and numeric strings are fine in a file) {
  write("config/local.yaml", "redis.port: \"6382\"\nworker.queues: a, b\n");
  load();
  CAF_CHECK_EQUAL(value(settings::redis_port), "6382");
  CAF_CHECK_EQUAL(settings_reader(*cfg, lookup()).list(settings::queues),
                  (std::vector<std::string>{"a", "b"}));
}

CAF_TEST(APP_CONFIG_PATH APP_CONFIG_FILENAME and ENV choose the file) {
  write("config/local.yaml", "redis:\n  port: 6001\n");
  write("config/production.toml", "[redis]\nport = 6002\n");
  write("config/custom.json", R"({"redis": {"port": 6003}})");
  fs::create_directory("elsewhere");
  write("elsewhere/custom.yml", "REDIS_PORT: 6004\n");
  load();
  CAF_CHECK_EQUAL(value(settings::redis_port), "6001");
  env["ENV"] = "production";
  load();
  CAF_CHECK_EQUAL(value(settings::redis_port), "6002");
  CAF_CHECK_EQUAL(source(settings::redis_port), "config/production.toml:2");
  env["APP_CONFIG_FILENAME"] = "custom";
  load();
  CAF_CHECK_EQUAL(value(settings::redis_port), "6003");
  env["APP_CONFIG_PATH"] = "elsewhere";
  load();
  CAF_CHECK_EQUAL(value(settings::redis_port), "6004");
  CAF_CHECK_EQUAL(source(settings::redis_port), "elsewhere/custom.yml:1");
}

CAF_TEST(two candidate files are an error) {
  write("config/local.yaml", "REDIS_PORT: 6001\n");
  write("config/local.toml", "REDIS_PORT = 6002\n");
  CAF_CHECK_EQUAL(error_of(), "more than one application config file "
                              "(config/local.yaml, config/local.toml); keep "
                              "one");
}

CAF_TEST(a missing file or directory is fine) {
  CAF_CHECK_EQUAL(error_of(), "no error");
  CAF_CHECK_EQUAL(cfg->app_config_pattern(),
                  "config/local.{yaml,yml,json,toml}");
  env["APP_CONFIG_PATH"] = "does/not/exist";
  CAF_CHECK_EQUAL(error_of(), "no error");
  CAF_CHECK_EQUAL(cfg->app_config_file(), "");
}

CAF_TEST(the seed example files load) {
  fs::copy_file(JOBSTACK_TEST_DATA_DIR "/seed_server_local.yaml",
                "config/local.yaml");
  load();
  CAF_CHECK_EQUAL(value(settings::redis_port), "6379");
  CAF_CHECK_EQUAL(source(settings::redis_port), "config/local.yaml:3");
  CAF_CHECK_EQUAL(value(settings::redis_host), "localhost");
  CAF_CHECK_EQUAL(value(settings::redis_password),
                  "eYVX7EwVmmxKPCDmwMtyKVge8oLd2t81");
  CAF_CHECK_EQUAL(value(settings::db_host), "localhost");
  CAF_CHECK_EQUAL(value(settings::db_port), "5433");
  CAF_CHECK_EQUAL(value(settings::db_username), "cscjapi");
  CAF_CHECK_EQUAL(value(settings::db_password),
                  "eYVX7EwVmmxKPCDmwMtyKVge8oLd2t81");
  fs::remove("config/local.yaml");
  fs::copy_file(JOBSTACK_TEST_DATA_DIR "/seed_swagger_local.yaml",
                "config/local.yaml");
  load();
  CAF_CHECK_EQUAL(value(settings::swagger_path), "./CSC");
  CAF_CHECK_EQUAL(value(settings::swagger_filename), "openapi.yaml");
}

CAF_TEST(the shipped example file loads) {
  fs::copy_file(JOBSTACK_SOURCE_DIR "/config/local.yaml.example",
                "config/local.yaml");
  CAF_CHECK_EQUAL(error_of(), "no error");
  CAF_CHECK_EQUAL(value(settings::queues), "default");
  CAF_CHECK_EQUAL(source(settings::redis_port).substr(0, 18),
                  "config/local.yaml:");
}

CAF_TEST(a flat alias and its dotted key are one setting) {
  CAF_CHECK_EQUAL(file_error("yaml", "REDIS_PORT: 6001\nredis:\n  port: "
                                     "6002\n"),
                  "config/local.yaml:3: redis.port sets redis.port a second "
                  "time (first as REDIS_PORT at config/local.yaml:1)");
}

CAF_TEST(lists come as a list or as comma - separated text) {
  write("config/local.yaml", "worker:\n  queues:\n    - mail\n    - bulk\n");
  load();
  CAF_CHECK_EQUAL(value(settings::queues), "mail,bulk");
  fs::remove("config/local.yaml");
  CAF_CHECK_EQUAL(file_error("yaml", "worker:\n  queues: [mail, {a: 1}]\n"),
                  "config/local.yaml:2: worker.queues must be a list of "
                  "single values without ','");
}

CAF_TEST(an empty value is fine only for a setting without default) {
  write("config/local.yaml", "REDIS_PASSWORD:\nDB_PORT: \"\"\n");
  CAF_CHECK_EQUAL(error_of(), "no error");
  CAF_CHECK_EQUAL(value(settings::db_port), "");
  fs::remove("config/local.yaml");
  CAF_CHECK_EQUAL(file_error("yaml", "REDIS_PORT:\n"),
                  "config/local.yaml:1: REDIS_PORT=: must be an integer from "
                  "1 to 65535");
}

// -- errors
// ---------------------------------------------------------------------

CAF_TEST(a map or list where a value goes names file line and key) {
  CAF_CHECK_EQUAL(file_error("yaml", "redis:\n  port:\n    number: 6379\n"),
                  "config/local.yaml:2: redis.port must be a single value, "
                  "not a map");
  CAF_CHECK_EQUAL(file_error("yaml", "REDIS_PORT: [6379, 6380]\n"),
                  "config/local.yaml:1: REDIS_PORT must be a single value, "
                  "not a list");
  CAF_CHECK_EQUAL(file_error("toml", "[redis]\nport = [6379]\n"),
                  "config/local.toml:2: redis.port must be a single value, "
                  "not a list");
  CAF_CHECK_EQUAL(file_error("json", R"({"redis": {"port": {"n": 1}}})"),
                  "config/local.json: redis.port must be a single value, not "
                  "a map");
  CAF_CHECK_EQUAL(file_error("yaml", "redis: 6379\n"),
                  "config/local.yaml:1: redis must be a map of settings (such "
                  "as redis.hostname), not a single value");
}

CAF_TEST(out of range values name their source and key in every layer) {
  CAF_CHECK_EQUAL(file_error("yaml", "redis:\n  port: 70000\n"),
                  "config/local.yaml:2: redis.port=70000: must be an integer "
                  "from 1 to 65535");
  CAF_CHECK_EQUAL(file_error("yaml", "DB_PORT: abc\n"),
                  "config/local.yaml:1: DB_PORT=abc: must be an integer from "
                  "1 to 65535");
  CAF_CHECK_EQUAL(file_error("toml", "[http]\nport = 1.5\n"),
                  "config/local.toml:2: http.port=1.5: must be an integer "
                  "from 1 to 65535");
  write("config/caf-application.conf", "[http]\nport=0\n");
  CAF_CHECK_EQUAL(error_of(), "config/caf-application.conf: http.port=0: "
                              "must be an integer from 1 to 65535");
  fs::remove("config/caf-application.conf");
  CAF_CHECK_EQUAL(error_of({"--http.port=x"}),
                  "--http.port=x: must be an integer from 1 to 65535");
  // Checked although no node of this test reads it.
  env["CSC_METRICS_PORT"] = "70000";
  CAF_CHECK_EQUAL(error_of(), "CSC_METRICS_PORT=70000: must be an integer "
                              "from 0 to 65535");
}

CAF_TEST(a bad value fails even while a higher layer hides it) {
  env["REDIS_PORT"] = "6379";
  CAF_CHECK_EQUAL(file_error("yaml", "redis:\n  port: 70000\n"),
                  "config/local.yaml:2: redis.port=70000: must be an integer "
                  "from 1 to 65535");
}

CAF_TEST(unknown keys get a did you mean) {
  CAF_CHECK_EQUAL(file_error("yaml", "redis:\n  prot: 6379\n"),
                  "config/local.yaml:2: unknown key 'redis.prot' (did you "
                  "mean 'redis.port'?)");
  CAF_CHECK_EQUAL(file_error("yaml", "REDIS_PROT: 6379\n"),
                  "config/local.yaml:1: unknown key 'REDIS_PROT' (did you "
                  "mean 'REDIS_PORT'?)");
  CAF_CHECK_EQUAL(file_error("yaml", "redis_port: 6379\n"),
                  "config/local.yaml:1: unknown key 'redis_port' (did you "
                  "mean 'REDIS_PORT'?)");
  CAF_CHECK_EQUAL(file_error("yaml", "reddis:\n  port: 6379\n"),
                  "config/local.yaml:1: unknown key 'reddis' (did you mean "
                  "'redis'?)");
  CAF_CHECK_EQUAL(file_error("yaml", "bogus: 1\n"),
                  "config/local.yaml:1: unknown key 'bogus'");
  CAF_CHECK_EQUAL(file_error("json", R"({"redis": {"prot": 1}})"),
                  "config/local.json: unknown key 'redis.prot' (did you mean "
                  "'redis.port'?)");
  CAF_CHECK_EQUAL(file_error("toml", "[redis]\nprot = 1\n"),
                  "config/local.toml:2: unknown key 'redis.prot' (did you "
                  "mean 'redis.port'?)");
  write("config/caf-application.conf", "[scheduler]\nmax-thread=2\n");
  CAF_CHECK_EQUAL(error_of(), "config/caf-application.conf: unknown key "
                              "'scheduler.max-thread' (did you mean "
                              "'scheduler.max-threads'?)");
  fs::remove("config/caf-application.conf");
  CAF_CHECK_EQUAL(error_of({"--http.prot=1"}),
                  "unknown option '--http.prot' (did you mean '--http.port'?)");
  CAF_CHECK_EQUAL(error_of({"--print-confg"}),
                  "unknown option '--print-confg' (did you mean "
                  "'--print-config'?)");
  CAF_CHECK_EQUAL(error_of({"--http.port"}),
                  "--http.port needs a value: --http.port=VALUE");
}

CAF_TEST(malformed files name file and line in one line) {
  std::vector<std::string> errors{
      file_error("yaml", "redis.port: 1\n  hostname: x\n"),
      file_error("json", "{\n  \"redis\": {\"port\": 1,}\n}\n"),
      file_error("toml", "[redis]\nport = \n"),
      file_error("yaml", "REDIS_PORT: 1\n---\nREDIS_PORT: 2\n"),
      file_error("yaml", "- REDIS_PORT: 6379\n- REDIS_HOSTNAME: localhost\n"),
  };
  CAF_CHECK_EQUAL(errors[0],
                  "config/local.yaml:2: malformed YAML: illegal map value");
  CAF_CHECK_EQUAL(errors[1].substr(0, 37),
                  "config/local.json:2: malformed JSON: ");
  CAF_CHECK_EQUAL(errors[2].substr(0, 37),
                  "config/local.toml:2: malformed TOML: ");
  CAF_CHECK_EQUAL(errors[3], "config/local.yaml: holds 2 YAML documents "
                             "(---); keep one");
  CAF_CHECK_EQUAL(errors[4], "config/local.yaml: the top level must be a map "
                             "of settings (`KEY: value` lines, or groups such "
                             "as `redis: {port: 6379}`), not a list");
  for (const auto& e : errors)
    CAF_CHECK_EQUAL(e.find('\n'), std::string::npos);
  write("config/caf-application.conf", "[redis]\nhostname=cache\n");
  CAF_CHECK_EQUAL(error_of().substr(0, 50),
                  "config/caf-application.conf:2: malformed: unexpect");
}

CAF_TEST(CAF options of the wrong type are refused not dropped) {
  write("config/caf-application.conf", "[scheduler]\nmax-threads=\"x\"\n");
  CAF_CHECK_EQUAL(error_of(), "config/caf-application.conf: "
                              "scheduler.max-threads=\"x\": not a valid "
                              "uint64 (CAF would ignore it)");
  write("config/caf-application.conf", "[scheduler]\npolicy=\"sharing\"\n");
  CAF_CHECK_EQUAL(error_of(), "config/caf-application.conf: "
                              "scheduler.policy=\"sharing\": not a valid atom "
                              "(CAF would ignore it)");
}

// -- --print-config
// ---------------------------------------------------------------

CAF_TEST(print config shows every value and source and masks secrets) {
  write("config/caf-application.conf", "[log]\nlevel=\"debug\"\n");
  write("config/local.yaml", "redis:\n  port: 6390\nDB_PASSWORD: file-pw-1\n");
  env["REDIS_PASSWORD"] = "env-pw-1";
  auto out = printed({"--print-config", "--http.port=3100"});
  CAF_CHECK(cfg->print_config_requested());
  CAF_CHECK_EQUAL(line_of(out, "redis.password"),
                  "redis.password = ***  # env REDIS_PASSWORD");
  CAF_CHECK_EQUAL(line_of(out, "db.password"),
                  "db.password = ***  # config/local.yaml:3");
  CAF_CHECK_EQUAL(line_of(out, "redis.port"),
                  "redis.port = 6390  # config/local.yaml:2");
  CAF_CHECK_EQUAL(line_of(out, "http.port"),
                  "http.port = 3100  # command line");
  CAF_CHECK_EQUAL(line_of(out, "log.level"),
                  "log.level = debug  # config/caf-application.conf");
  CAF_CHECK_EQUAL(line_of(out, "broker.port"), "broker.port = 4242  # default");
  CAF_CHECK_EQUAL(line_of(out, "log.file"), "log.file = \"\"  # default");
  CAF_CHECK_EQUAL(out.find("env-pw-1"), std::string::npos);
  CAF_CHECK_EQUAL(out.find("file-pw-1"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(out.find("# application config file: "
                               "config/local.yaml\n"),
                      std::string::npos);
  size_t setting_lines = 0;
  std::istringstream in{out};
  for (std::string line; std::getline(in, line);)
    setting_lines += line.empty() || line[0] == '#' ? 0 : 1;
  CAF_CHECK_EQUAL(setting_lines, all_settings().size());
}

CAF_TEST(keys ending in password token tokens or secret are secret) {
  setting api_token{"probe.api_token", "PROBE_API_TOKEN", "", "test"};
  setting tokens{"probe.tokens", "PROBE_TOKENS", "", "test"};
  setting secret{"probe.secret", "PROBE_SECRET", "", "test"};
  setting plain{"probe.name", "PROBE_NAME", "", "test"};
  CAF_CHECK(is_secret(api_token));
  CAF_CHECK(is_secret(tokens));
  CAF_CHECK(is_secret(secret));
  CAF_CHECK(!is_secret(plain));
  CAF_CHECK(is_secret(settings::redis_password));
  env["PROBE_TOKENS"] = "tok-aaaa,tok-bbbb";
  env["PROBE_NAME"] = "visible";
  auto out = printed({"--print-config"});
  CAF_CHECK_EQUAL(line_of(out, "probe.tokens"),
                  "probe.tokens = ***  # env PROBE_TOKENS");
  CAF_CHECK_EQUAL(line_of(out, "probe.name"),
                  "probe.name = visible  # env PROBE_NAME");
  auto secrets = secret_values(settings_reader{*cfg, lookup()});
  CAF_CHECK_NOT_EQUAL(std::count(secrets.begin(), secrets.end(), "tok-aaaa"),
                      0);
}

CAF_TEST(a new setting constant needs nothing else) {
  setting probe{"probe.level", "PROBE_LEVEL", "3", "test", integer_value(1, 5)};
  write("config/local.yaml", "probe:\n  level: 4\n");
  load();
  CAF_CHECK_EQUAL(value(probe), "4");
  CAF_CHECK_EQUAL(
      line_of(effective_config(settings_reader{*cfg, lookup()}), "probe.level"),
      "probe.level = 4  # config/local.yaml:2");
  CAF_CHECK_EQUAL(file_error("yaml", "PROBE_LEVEL: 9\n"),
                  "config/local.yaml:1: PROBE_LEVEL=9: must be an integer "
                  "from 1 to 5");
}

CAF_TEST(every default follows its own rule and names are unique) {
  std::set<std::string> keys;
  std::set<std::string> envs;
  for (auto* s : all_settings()) {
    CAF_MESSAGE("setting " << s->key);
    try {
      check_value(*s, sourced_value{s->fallback, layer::builtin, "", s->key});
    } catch (const settings_error& e) {
      CAF_FAIL("default of " << s->key << " breaks its rule: " << e.what());
    }
    CAF_CHECK(keys.insert(s->key).second);
    CAF_CHECK(envs.insert(s->env).second);
    CAF_CHECK_NOT_EQUAL(std::string{s->key}.find('.'), std::string::npos);
  }
}

CAF_TEST(help mentions print config and the layering) {
  load();
  auto* out = std::tmpfile();
  cfg->print_help(out);
  std::rewind(out);
  std::string text;
  for (int c; (c = std::fgetc(out)) != EOF;)
    text += static_cast<char>(c);
  std::fclose(out);
  CAF_CHECK_NOT_EQUAL(text.find("--print-config"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(text.find("APP_CONFIG_PATH"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(text.find("config/caf-application.conf < application "
                                "config file < environment"),
                      std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE_END()
