// Settings of the jobstack executables, layered the way OPERATIONS.md states,
// lowest to highest precedence:
//   built-in default < config/caf-application.conf < application config file
//   (APP_CONFIG_PATH/APP_CONFIG_FILENAME.{yaml,yml,json,toml})
//   < environment variable < command line (`--group.name=value`).
// Each `setting` constant registers itself, so a new one is layered,
// validated, shown by --print-config and masked (if secret) with nothing else
// to do. Every value of every layer is checked at start, because CAF 0.17
// silently drops malformed ones; a bad value throws settings_error with one
// line naming its source (file and line, variable or flag) and its key.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <caf/actor_system_config.hpp>

namespace jobstack {

struct settings_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// What a setting's value must look like. An empty value is accepted only
/// for a setting without default (an optional one).
struct value_rule {
  enum kind_t {
    text,    ///< anything
    integer, ///< a decimal integer from `min` to `max`
    list,    ///< comma-separated, no empty item (a file may give a list)
  };
  kind_t kind = text;
  int64_t min = 0;
  int64_t max = 0;
};

constexpr value_rule text_value{};
constexpr value_rule list_value{value_rule::list};
constexpr value_rule port_value{value_rule::integer, 1, 65535};
/// A port where 0 means "none" or "any free port".
constexpr value_rule port_or_zero_value{value_rule::integer, 0, 65535};

constexpr value_rule integer_value(int64_t min, int64_t max) {
  return {value_rule::integer, min, max};
}

/// One setting: its dotted key (also the CLI flag and the file key), its
/// environment variable (also accepted as a flat key in the application
/// file), its default (as text; empty = none), a help line and the rule its
/// values must follow. Constructing one registers it in all_settings().
struct setting {
  setting(const char* key, const char* env, const char* fallback,
          const char* help, bool secret = false);
  setting(const char* key, const char* env, const char* fallback,
          const char* help, value_rule rule, bool secret = false);
  ~setting();

  // The registry holds addresses: a copy would be a second, unnamed entry.
  setting(const setting&) = delete;
  setting& operator=(const setting&) = delete;

  const char* key;
  const char* env;
  const char* fallback;
  const char* help;
  value_rule rule;
  bool secret = false; ///< masked in --print-config and redacted in logs
};

/// Every setting constant of the program, in registration order.
const std::vector<const setting*>& all_settings();

/// The setting with this dotted key, or null.
const setting* find_setting(const std::string& key);

/// True if the setting is marked secret or its key ends in password, token,
/// tokens or secret: such values are shown as `***`.
bool is_secret(const setting& s);

namespace settings {
inline const setting http_host{"http.host", "CSC_HTTP_HOST", "0.0.0.0",
                               "HTTP bind address"};
inline const setting http_port{"http.port", "CSC_HTTP_PORT", "3000",
                               "HTTP port of the server", port_value};
inline const setting http_max_body{
    "http.max_body_bytes", "CSC_HTTP_MAX_BODY_BYTES", "1048576",
    "largest accepted request body", integer_value(1, 1024 * 1024 * 1024)};
inline const setting http_max_headers{
    "http.max_headers", "CSC_HTTP_MAX_HEADERS", "100",
    "most header fields per request", integer_value(1, 10000)};
inline const setting http_max_url{
    "http.max_url_bytes", "CSC_HTTP_MAX_URL_BYTES", "8192",
    "longest request target", integer_value(64, 1024 * 1024)};
inline const setting http_read_timeout{
    "http.read_timeout_ms", "CSC_HTTP_READ_TIMEOUT_MS", "10000",
    "a connection that sends no whole request in this time is closed",
    integer_value(100, 3600 * 1000)};
inline const setting http_request_timeout{
    "http.request_timeout_ms", "CSC_HTTP_REQUEST_TIMEOUT_MS", "10000",
    "a request not answered in this time gets its connection closed (the "
    "API answers 503 well before)",
    integer_value(1000, 3600 * 1000)};
inline const setting http_max_connections{
    "http.max_connections", "CSC_HTTP_MAX_CONNECTIONS", "1024",
    "HTTP connections open at once; more wait to be accepted",
    integer_value(1, 1000000)};
inline const setting http_tls_cert{
    "http.tls_certificate", "CSC_HTTP_TLS_CERT", "",
    "PEM certificate chain: with http.tls_key, the API is served over HTTPS"};
inline const setting http_tls_key{"http.tls_key", "CSC_HTTP_TLS_KEY", "",
                                  "PEM private key of http.tls_certificate",
                                  true};
inline const setting http_tls_min_version{
    "http.tls_min_version", "CSC_HTTP_TLS_MIN_VERSION", "1.2",
    "oldest TLS version accepted: 1.2 or 1.3"};
inline const setting node_tls_cert{
    "node.tls_certificate", "CSC_NODE_TLS_CERT", "",
    "PEM certificate of this node: with node.tls_key and node.tls_ca, CAF "
    "links between nodes use TLS and both sides must present a certificate "
    "signed by node.tls_ca"};
inline const setting node_tls_key{"node.tls_key", "CSC_NODE_TLS_KEY", "",
                                  "PEM private key of node.tls_certificate",
                                  true};
inline const setting node_tls_ca{
    "node.tls_ca", "CSC_NODE_TLS_CA", "",
    "PEM file of the CA(s) whose certificates other nodes must present"};
inline const setting node_tls_passphrase{
    "node.tls_passphrase", "CSC_NODE_TLS_PASSPHRASE", "",
    "passphrase of node.tls_key, if it is encrypted", true};
inline const setting http_rate_limit{
    "http.rate_limit", "CSC_HTTP_RATE_LIMIT", "0",
    "requests per second each caller may send to /v1/ (per token, or per "
    "client address when auth is off); over it: 429 (0: no limit)",
    integer_value(0, 1000000)};
inline const setting http_rate_burst{
    "http.rate_burst", "CSC_HTTP_RATE_BURST", "0",
    "requests a caller may send at once before http.rate_limit applies (0: "
    "the same as http.rate_limit)",
    integer_value(0, 1000000)};
inline const setting auth_enabled{
    "auth.enabled", "CSC_AUTH_ENABLED", "false",
    "true: every /v1/ route needs Authorization: Bearer TOKEN with its scope"};
inline const setting auth_tokens{
    "auth.tokens", "CSC_AUTH_TOKENS", "",
    "SECRET (token hashes): comma-separated NAME:SHA256HEX:SCOPE[+SCOPE...], "
    "the SHA-256 hex of each token (jobstack-ctl hash-token -), scopes "
    "jobs:read, jobs:write, admin",
    true};
inline const setting auth_jwt_hs256_secret{
    "auth.jwt_hs256_secret", "CSC_AUTH_JWT_HS256_SECRET", "",
    "SECRET: key of HS256-signed JWT bearer tokens, at least 32 bytes; never "
    "logged (default: HS256 JWTs refused)",
    true};
inline const setting auth_jwt_rs256_public_key_file{
    "auth.jwt_rs256_public_key_file", "CSC_AUTH_JWT_RS256_PUBLIC_KEY_FILE", "",
    "PEM file of the RSA public key (2048+ bits) of RS256-signed JWT bearer "
    "tokens (default: RS256 JWTs refused)"};
inline const setting auth_jwt_issuer{
    "auth.jwt_issuer", "CSC_AUTH_JWT_ISSUER", "",
    "iss claim a JWT must carry (default: not checked)"};
inline const setting auth_jwt_audience{
    "auth.jwt_audience", "CSC_AUTH_JWT_AUDIENCE", "",
    "aud claim a JWT must carry (default: not checked)"};
inline const setting auth_open_ops{
    "auth.open_ops", "CSC_AUTH_OPEN_OPS", "true",
    "with auth on, /healthz, /readyz and /metrics need no token (false: any "
    "valid token)"};
inline const setting swagger_path{"swagger.path", "SWAGGER_PATH", ".",
                                  "directory of the OpenAPI document"};
inline const setting swagger_filename{"swagger.filename", "SWAGGER_FILENAME",
                                      "openapi.yaml",
                                      "file name of the OpenAPI document"};
inline const setting swagger_ui_dir{"swagger.ui_dir", "SWAGGER_UI_DIR",
                                    "node_modules/swagger-ui-dist",
                                    "directory of the swagger-ui-dist assets"};
inline const setting broker_host{"broker.host", "CSC_BROKER_HOST", "127.0.0.1",
                                 "where workers find the broker"};
inline const setting broker_port{"broker.port", "CSC_BROKER_PORT", "4242",
                                 "CAF port the broker is published on",
                                 port_value};
inline const setting worker_grace{
    "broker.worker_grace_ms", "CSC_WORKER_GRACE_MS", "15000",
    "after a server start, ms known workers have to re-join before their "
    "in-flight jobs are requeued",
    integer_value(0, 24 * 3600 * 1000)};
inline const setting redis_host{"redis.hostname", "REDIS_HOSTNAME", "127.0.0.1",
                                "Redis host"};
inline const setting redis_port{"redis.port", "REDIS_PORT", "6379",
                                "Redis port", port_value};
inline const setting redis_username{
    "redis.username", "REDIS_USERNAME", "",
    "Redis ACL user name (AUTH user password); empty: the default user"};
inline const setting redis_password{"redis.password", "REDIS_PASSWORD", "",
                                    "Redis password (AUTH); never logged",
                                    true};
// The PostgreSQL job-history archive (docs/DEPLOY.md): on iff db.hostname
// is set. The seed's local.yaml names these keys.
inline const setting db_host{"db.hostname", "DB_HOSTNAME", "",
                             "PostgreSQL host of the job-history archive; "
                             "set: finished jobs are archived there"};
inline const setting db_port{"db.port", "DB_PORT", "",
                             "PostgreSQL port (default 5432)", port_value};
inline const setting db_username{"db.username", "DB_USERNAME", "",
                                 "PostgreSQL user (default: libpq's, the "
                                 "OS user)"};
inline const setting db_password{"db.password", "DB_PASSWORD", "",
                                 "PostgreSQL password; never logged", true};
inline const setting db_name{"db.name", "DB_NAME", "",
                             "PostgreSQL database (default: the user name)"};
inline const setting retention{"jobs.retention_s", "CSC_JOBS_RETENTION_S",
                               "604800", "seconds finished jobs stay readable",
                               integer_value(1, 10 * 365 * 86400)};
inline const setting backoff_base{"jobs.backoff_ms", "CSC_BACKOFF_MS", "500",
                                  "retry backoff base (ms)",
                                  integer_value(1, 3600000)};
inline const setting backoff_cap{"jobs.backoff_cap_ms", "CSC_BACKOFF_CAP_MS",
                                 "60000", "retry backoff cap (ms)",
                                 integer_value(1, 86400000)};
inline const setting concurrency{"worker.concurrency", "CSC_WORKER_CONCURRENCY",
                                 "",
                                 "jobs this node runs at once (default: "
                                 "number of cores)",
                                 integer_value(1, 1024)};
inline const setting queues{"worker.queues", "CSC_QUEUES", "default",
                            "comma-separated queues this node serves",
                            list_value};
inline const setting worker_id{"worker.id", "CSC_WORKER_ID", "",
                               "stable id of this worker node (default: "
                               "host-pid)"};
inline const setting drain_timeout{
    "worker.drain_timeout_ms", "CSC_DRAIN_TIMEOUT_MS", "10000",
    "on SIGTERM, ms running jobs get to finish", integer_value(0, 3600 * 1000)};
inline const setting metrics_host{"worker.metrics_host", "CSC_METRICS_HOST",
                                  "0.0.0.0",
                                  "bind address of /metrics and /healthz"};
inline const setting metrics_port{
    "worker.metrics_port", "CSC_METRICS_PORT", "9464",
    "port of this worker node's /metrics and /healthz (0: none)",
    port_or_zero_value};
inline const setting inspect_port{
    "worker.inspect_port", "CSC_INSPECT_PORT", "0",
    "CAF port of this worker node's inspector for jobstack-ctl (0: any free "
    "port; jobstack-ctl nodes shows it)",
    port_or_zero_value};
inline const setting inspect_host{
    "worker.inspect_host", "CSC_INSPECT_HOST", "",
    "host name others reach this worker node's inspector at (default: this "
    "host's name)"};
inline const setting schedule{
    "worker.schedule", "CSC_CRON_SCHEDULE", "",
    "cron cadence (6 fields with seconds, or 5); unset: continuous"};
inline const setting log_level{"log.level", "CSC_LOG_LEVEL", "info",
                               "trace, debug, info, warn or error"};
inline const setting log_file{"log.file", "CSC_LOG_FILE", "",
                              "size-rotating log file of JSON lines (default: "
                              "none)"};
inline const setting log_file_max_bytes{"log.file_max_bytes",
                                        "CSC_LOG_FILE_MAX_BYTES", "10485760",
                                        "size at which the log file rotates",
                                        integer_value(1024, int64_t{1} << 40)};
inline const setting log_file_count{"log.file_count", "CSC_LOG_FILE_COUNT", "5",
                                    "rotated log files kept",
                                    integer_value(1, 1000)};
inline const setting log_tcp{"log.tcp", "CSC_LOG_TCP", "",
                             "host:port of a log aggregator that gets JSON "
                             "lines over TCP (default: none)"};
} // namespace settings

/// The layers a value can come from, lowest to highest precedence.
enum class layer { builtin, caf_file, app_file, env, cli };

/// One value of one setting and where it came from.
struct sourced_value {
  std::string value;
  layer from = layer::builtin;
  /// The file, with `:line` where the parser gives one; empty for env, CLI
  /// and defaults.
  std::string origin;
  /// The name as given: a file key (`redis.port` or `REDIS_PORT`), an
  /// environment variable or a flag (`--redis.port`).
  std::string name;
};

/// Values by setting key, of one layer.
using layer_values = std::map<std::string, sourced_value>;

/// Throws settings_error unless `v` follows `s.rule`.
void check_value(const setting& s, const sourced_value& v);

/// "ORIGIN: NAME=VALUE", the value masked if `s` is secret: how errors name
/// a value.
std::string describe(const setting& s, const sourced_value& v);

/// Where a value came from, as --print-config shows it: `default`, the file
/// (and line), `env NAME` or `command line`.
std::string source_label(const sourced_value& v);

using env_lookup = std::function<const char*(const char*)>;

/// CAF config of a jobstack node: loads the middleman, registers the
/// message types, and keeps the setting values that parse_node_config read
/// from caf-application.conf, the application file and the command line.
class node_config : public caf::actor_system_config {
public:
  node_config(std::string program, std::string summary,
              std::vector<const setting*> settings);

  /// Prints usage, the layering and every setting with its variable and
  /// default.
  void print_help(std::FILE* out) const;

  const std::string& program() const {
    return program_;
  }

  /// CAF's own config file, relative to the working directory (as the
  /// binaries are started from the repository root); `--config-file=`
  /// replaces it.
  std::string caf_config_file = "config/caf-application.conf";

  /// The application config file found at start; empty if none.
  const std::string& app_config_file() const {
    return app_config_file_;
  }

  /// Where the application config file was looked for (for --print-config).
  const std::string& app_config_pattern() const {
    return app_config_pattern_;
  }

  /// Values of the caf_file, app_file and cli layers (env is read live).
  const layer_values& values(layer l) const;

  /// True if `--print-config` was given: print and exit, start nothing.
  bool print_config_requested() const {
    return print_config_;
  }

  /// The options CAF itself knows (scheduler, middleman, ...).
  const caf::config_option_set& caf_options() const {
    return custom_options_;
  }

private:
  friend bool parse_node_config(node_config&, int, char**, env_lookup);

  std::string program_;
  std::string summary_;
  std::vector<const setting*> settings_;
  std::string app_config_file_;
  std::string app_config_pattern_;
  layer_values caf_file_values_;
  layer_values app_file_values_;
  layer_values cli_values_;
  bool print_config_ = false;
};

/// Reads the command line, config/caf-application.conf (or --config-file=)
/// and the application config file, and checks every value of every layer
/// (environment included); on error throws settings_error. Returns false if
/// help was asked for (and printed). `env` defaults to getenv.
bool parse_node_config(node_config& cfg, int argc, char** argv,
                       env_lookup env = nullptr);

class settings_reader {
public:
  explicit settings_reader(const node_config& cfg, env_lookup env = nullptr);

  /// The effective value of `s` and where it came from.
  sourced_value resolve(const setting& s) const;

  /// The raw value.
  std::string text(const setting& s) const;
  uint16_t port(const setting& s) const;
  int64_t integer(const setting& s, int64_t lo, int64_t hi) const;
  /// Comma-separated, trimmed; empty items are an error.
  std::vector<std::string> list(const setting& s) const;

  const node_config& config() const {
    return cfg_;
  }

private:
  const node_config& cfg_;
  env_lookup env_;
};

/// The effective configuration, one line per setting (sorted by key):
/// `key = value  # source`, secrets as `***`. What --print-config prints.
std::string effective_config(const settings_reader& in);

/// The non-empty values of every secret setting, for log redaction.
std::vector<std::string> secret_values(const settings_reader& in);

} // namespace jobstack
