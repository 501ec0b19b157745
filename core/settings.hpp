// Settings of the jobstack executables, read the way OPERATIONS.md states:
// built-in default < environment variable < command line
// (`--group.name=value`, also accepted from config/caf-application.conf).
// Every value is checked here, because CAF 0.17 silently drops malformed
// ones; a bad value throws settings_error with one line naming the source.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <caf/actor_system_config.hpp>

namespace jobstack {

struct settings_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// One setting: its dotted key (also the CLI flag), its environment
/// variable, its default (as text; empty = none) and a help line.
struct setting {
  const char* key;
  const char* env;
  const char* fallback;
  const char* help;
  bool secret = false;
};

namespace settings {
inline const setting http_host{"http.host", "CSC_HTTP_HOST", "0.0.0.0",
                               "HTTP bind address"};
inline const setting http_port{"http.port", "CSC_HTTP_PORT", "3000",
                               "HTTP port of the server"};
inline const setting http_max_body{"http.max_body_bytes",
                                   "CSC_HTTP_MAX_BODY_BYTES", "1048576",
                                   "largest accepted request body"};
inline const setting http_max_headers{"http.max_headers",
                                      "CSC_HTTP_MAX_HEADERS", "100",
                                      "most header fields per request"};
inline const setting http_max_url{"http.max_url_bytes",
                                  "CSC_HTTP_MAX_URL_BYTES", "8192",
                                  "longest request target"};
inline const setting http_read_timeout{
    "http.read_timeout_ms", "CSC_HTTP_READ_TIMEOUT_MS", "10000",
    "a connection that sends no whole request in this time is closed"};
inline const setting http_request_timeout{
    "http.request_timeout_ms", "CSC_HTTP_REQUEST_TIMEOUT_MS", "10000",
    "a request not answered in this time gets its connection closed (the "
    "API answers 503 well before)"};
inline const setting http_max_connections{
    "http.max_connections", "CSC_HTTP_MAX_CONNECTIONS", "1024",
    "HTTP connections open at once; more wait to be accepted"};
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
    "client address when auth is off); over it: 429 (0: no limit)"};
inline const setting http_rate_burst{
    "http.rate_burst", "CSC_HTTP_RATE_BURST", "0",
    "requests a caller may send at once before http.rate_limit applies (0: "
    "the same as http.rate_limit)"};
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
                                 "CAF port the broker is published on"};
inline const setting worker_grace{
    "broker.worker_grace_ms", "CSC_WORKER_GRACE_MS", "15000",
    "after a server start, ms known workers have to re-join before their "
    "in-flight jobs are requeued"};
inline const setting redis_host{"redis.hostname", "REDIS_HOSTNAME", "127.0.0.1",
                                "Redis host"};
inline const setting redis_port{"redis.port", "REDIS_PORT", "6379",
                                "Redis port"};
inline const setting redis_username{
    "redis.username", "REDIS_USERNAME", "",
    "Redis ACL user name (AUTH user password); empty: the default user"};
inline const setting redis_password{"redis.password", "REDIS_PASSWORD", "",
                                    "Redis password (AUTH); never logged",
                                    true};
inline const setting retention{"jobs.retention_s", "CSC_JOBS_RETENTION_S",
                               "604800", "seconds finished jobs stay readable"};
inline const setting backoff_base{"jobs.backoff_ms", "CSC_BACKOFF_MS", "500",
                                  "retry backoff base (ms)"};
inline const setting backoff_cap{"jobs.backoff_cap_ms", "CSC_BACKOFF_CAP_MS",
                                 "60000", "retry backoff cap (ms)"};
inline const setting concurrency{"worker.concurrency", "CSC_WORKER_CONCURRENCY",
                                 "",
                                 "jobs this node runs at once (default: "
                                 "number of cores)"};
inline const setting queues{"worker.queues", "CSC_QUEUES", "default",
                            "comma-separated queues this node serves"};
inline const setting worker_id{"worker.id", "CSC_WORKER_ID", "",
                               "stable id of this worker node (default: "
                               "host-pid)"};
inline const setting drain_timeout{"worker.drain_timeout_ms",
                                   "CSC_DRAIN_TIMEOUT_MS", "10000",
                                   "on SIGTERM, ms running jobs get to finish"};
inline const setting metrics_host{"worker.metrics_host", "CSC_METRICS_HOST",
                                  "0.0.0.0",
                                  "bind address of /metrics and /healthz"};
inline const setting metrics_port{
    "worker.metrics_port", "CSC_METRICS_PORT", "9464",
    "port of this worker node's /metrics and /healthz (0: none)"};
inline const setting inspect_port{
    "worker.inspect_port", "CSC_INSPECT_PORT", "0",
    "CAF port of this worker node's inspector for jobstack-ctl (0: any free "
    "port; jobstack-ctl nodes shows it)"};
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
                                        "size at which the log file rotates"};
inline const setting log_file_count{"log.file_count", "CSC_LOG_FILE_COUNT", "5",
                                    "rotated log files kept"};
inline const setting log_tcp{"log.tcp", "CSC_LOG_TCP", "",
                             "host:port of a log aggregator that gets JSON "
                             "lines over TCP (default: none)"};
} // namespace settings

/// CAF config of a jobstack node: loads the middleman, registers the
/// message types and declares `settings` as CLI options (for --help).
class node_config : public caf::actor_system_config {
public:
  node_config(std::string program, std::string summary,
              std::vector<const setting*> settings);

  /// Prints usage and every setting with its variable and default.
  void print_help(std::FILE* out) const;

  const std::string& program() const {
    return program_;
  }

private:
  std::string program_;
  std::string summary_;
  std::vector<const setting*> settings_;
};

/// Parses argv and config/caf-application.conf; on error throws
/// settings_error. Returns false if help was asked for (and printed).
bool parse_node_config(node_config& cfg, int argc, char** argv);

using env_lookup = std::function<const char*(const char*)>;

class settings_reader {
public:
  explicit settings_reader(const caf::actor_system_config& cfg,
                           env_lookup env = nullptr);

  /// The raw value and where it came from, e.g. "CSC_HTTP_PORT=abc".
  std::string text(const setting& s) const;
  uint16_t port(const setting& s) const;
  int64_t integer(const setting& s, int64_t lo, int64_t hi) const;
  /// Comma-separated, trimmed; empty items are an error.
  std::vector<std::string> list(const setting& s) const;

private:
  std::string source_of(const setting& s, std::string* value) const;

  const caf::actor_system_config& cfg_;
  env_lookup env_;
};

} // namespace jobstack
