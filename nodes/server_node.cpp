// Wiring of jobstack-server; see server_node.hpp.
//
// Start order: store (Redis) -> broker -> publish broker -> ingress -> HTTP.
// Stop order is the reverse for the HTTP edge first, so no request arrives
// at an actor that is gone: HTTP stops -> actors exit -> system shuts down.
#include "nodes/server_node.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <optional>

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/publish.hpp>
#include <caf/send.hpp>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include "actors/archiver.hpp"
#include "actors/broker.hpp"
#include "actors/ingress.hpp"
#include "actors/store.hpp"
#include "core/logging.hpp"
#include "core/node_tls.hpp"
#include "core/process.hpp"
#include "core/process_metrics.hpp"
#include "core/settings.hpp"
#include "core/time.hpp"
#include "http/auth_settings.hpp"
#include "http/documents.hpp"
#include "http/server.hpp"
#include "nodes/node_main.hpp"
#include "store/redis_metrics.hpp"

namespace jobstack {

namespace {

struct server_settings {
  http_options http;
  std::string openapi_file;
  std::string swagger_ui_dir;
  uint16_t broker_port = 4242;
  store_options store;
  broker_options broker;
  node_tls_options node_tls;
  std::string log_level;
  access_settings access;            ///< auth.* and http.rate_*
  std::optional<pg_options> archive; ///< set: db.hostname is
};

std::vector<const setting*> server_setting_list() {
  using namespace settings;
  std::vector<const setting*> out{&http_host,
                                  &http_port,
                                  &http_max_body,
                                  &http_max_headers,
                                  &http_max_url,
                                  &http_read_timeout,
                                  &http_request_timeout,
                                  &http_max_connections,
                                  &http_tls_cert,
                                  &http_tls_key,
                                  &http_tls_min_version,
                                  &node_tls_cert,
                                  &node_tls_key,
                                  &node_tls_ca,
                                  &node_tls_passphrase,
                                  &broker_port,
                                  &worker_grace,
                                  &redis_host,
                                  &redis_port,
                                  &redis_username,
                                  &redis_password,
                                  &db_host,
                                  &db_port,
                                  &db_username,
                                  &db_password,
                                  &db_name,
                                  &retention,
                                  &backoff_base,
                                  &backoff_cap,
                                  &swagger_path,
                                  &swagger_filename,
                                  &swagger_ui_dir,
                                  &log_level,
                                  &log_file,
                                  &log_file_max_bytes,
                                  &log_file_count,
                                  &log_tcp};
  auto access = access_setting_list();
  out.insert(out.end(), access.begin(), access.end());
  return out;
}

// HTTPS: certificate and key together, readable, a known minimum version.
void read_http_tls(const settings_reader& in, http_options& http) {
  http.tls_certificate = in.text(settings::http_tls_cert);
  http.tls_key = in.text(settings::http_tls_key);
  http.tls_min_version = in.text(settings::http_tls_min_version);
  if (http.tls_certificate.empty() != http.tls_key.empty())
    throw settings_error(
        "HTTPS needs both CSC_HTTP_TLS_CERT and CSC_HTTP_TLS_KEY, or neither");
  for (auto* path : {&http.tls_certificate, &http.tls_key})
    if (!path->empty() && !std::ifstream{*path})
      throw settings_error("cannot read the TLS file '" + *path + "'");
  if (http.tls_min_version != "1.2" && http.tls_min_version != "1.3")
    throw settings_error("http.tls_min_version (CSC_HTTP_TLS_MIN_VERSION) '"
                         + http.tls_min_version + "': must be 1.2 or 1.3");
}

// The job-history archive: on iff db.hostname is set.
std::optional<pg_options> read_archive_settings(const settings_reader& in) {
  pg_options db;
  db.host = in.text(settings::db_host);
  if (db.host.empty())
    return std::nullopt;
  if (!in.text(settings::db_port).empty())
    db.port = in.port(settings::db_port);
  db.user = in.text(settings::db_username);
  db.password = in.text(settings::db_password);
  db.dbname = in.text(settings::db_name);
  return db;
}

server_settings read_server_settings(const settings_reader& in) {
  server_settings out;
  out.http.host = in.text(settings::http_host);
  out.http.port = in.port(settings::http_port);
  out.http.max_body_bytes = static_cast<size_t>(
      in.integer(settings::http_max_body, 1, 1024 * 1024 * 1024));
  out.http.max_headers
      = static_cast<size_t>(in.integer(settings::http_max_headers, 1, 10000));
  out.http.max_url_bytes = static_cast<size_t>(
      in.integer(settings::http_max_url, 64, 1024 * 1024));
  out.http.read_timeout = std::chrono::milliseconds{
      in.integer(settings::http_read_timeout, 100, 3600 * 1000)};
  // At least 3 s: the ingress answers 503 shortly before it (see the
  // ingress options), which must leave the store its queue budget and a
  // Redis round trip, or a write could land after its 503.
  out.http.request_timeout = std::chrono::milliseconds{
      in.integer(settings::http_request_timeout, 3000, 3600 * 1000)};
  out.http.max_connections = static_cast<size_t>(
      in.integer(settings::http_max_connections, 1, 1000000));
  read_http_tls(in, out.http);
  out.node_tls = read_node_tls(in);
  out.openapi_file = in.text(settings::swagger_path) + "/"
                     + in.text(settings::swagger_filename);
  out.swagger_ui_dir = in.text(settings::swagger_ui_dir);
  out.broker_port = in.port(settings::broker_port);
  out.broker.worker_grace = std::chrono::milliseconds{
      in.integer(settings::worker_grace, 0, 24 * 3600 * 1000)};
  out.store.redis.host = in.text(settings::redis_host);
  out.store.redis.port = in.port(settings::redis_port);
  out.store.redis.username = in.text(settings::redis_username);
  out.store.redis.password = in.text(settings::redis_password);
  out.store.retention_s = in.integer(settings::retention, 1, 10 * 365 * 86400);
  out.store.backoff.base_ms = in.integer(settings::backoff_base, 1, 3600000);
  out.store.backoff.cap_ms = in.integer(settings::backoff_cap, 1, 86400000);
  out.log_level = in.text(settings::log_level);
  out.access = read_access_settings(in);
  out.archive = read_archive_settings(in);
  out.store.archive = out.archive.has_value();
  return out;
}

// A store on its own Redis connection, its metrics labelled `connection`.
store_actor spawn_store(caf::actor_system& sys, store_options options,
                        prometheus::Registry& registry,
                        const std::string& connection) {
  options.redis.observer = make_redis_metrics(registry, connection);
  return sys.spawn(store, std::move(options));
}

// The archiver and its own store (Redis connection), when archiving is on.
struct archive_actors {
  store_actor store;
  archiver_actor archiver;
};

archive_actors spawn_archive(caf::actor_system& sys, const server_settings& s,
                             prometheus::Registry& registry) {
  if (!s.archive)
    return {};
  archiver_options opts;
  opts.store = spawn_store(sys, s.store, registry, "archive");
  opts.db = *s.archive;
  opts.metrics = std::make_shared<archive_metrics>(registry);
  logs::info("node",
             "archiving finished jobs to PostgreSQL at " + pg_target(opts.db));
  auto store = opts.store;
  return {store, sys.spawn(archiver, std::move(opts))};
}

int serve(node_config& cfg, const server_settings& s) {
  enable_node_tls(cfg, s.node_tls);
  caf::actor_system sys{cfg};
  auto registry = std::make_shared<prometheus::Registry>();
  auto db = spawn_store(sys, s.store, *registry, "api");
  auto chores = spawn_store(sys, s.store, *registry, "housekeeping");
  auto archive = spawn_archive(sys, s, *registry);
  auto broker_opts = s.broker;
  broker_opts.metrics = std::make_shared<job_metrics>(*registry);
  broker_opts.archive = archive.archiver;
  broker_opts.started_at = now_us();
  auto hub = sys.spawn(broker, db, chores, broker_opts);
  auto published = publish_node_actor(hub, s.broker_port, s.node_tls.enabled());
  auto stop_actors = [&] {
    caf::anon_send_exit(hub, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(db, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(chores, caf::exit_reason::user_shutdown);
    if (archive.archiver) {
      caf::anon_send_exit(archive.archiver, caf::exit_reason::user_shutdown);
      caf::anon_send_exit(archive.store, caf::exit_reason::user_shutdown);
    }
  };
  if (!published) {
    std::fprintf(stderr,
                 "jobstack-server: cannot publish the broker on port "
                 "%u: %s\n",
                 s.broker_port, sys.render(published.error()).c_str());
    stop_actors();
    return 1;
  }
  ingress_options front_opts;
  // The ingress answers 503 before RESTinio would give up on the request
  // (its deadline may come up to one deadline tick late).
  front_opts.broker_timeout = std::min(
      front_opts.broker_timeout, s.http.request_timeout - 2 * deadline_tick);
  front_opts.render_metrics = [registry, process = make_process_metrics(),
                               logs = make_log_metrics()](
                                  const cluster_snapshot& snapshot) {
    return metrics_text({registry, process, logs}, cluster_families(snapshot));
  };
  auto front = sys.spawn(ingress, hub, front_opts);
  route_options routes;
  routes.files = load_documents(s.openapi_file, s.swagger_ui_dir);
  routes.auth = s.access.auth;
  routes.limiter = s.access.limiter;

  http_server http{s.http, std::move(routes), front, registry};
  try {
    http.start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "jobstack-server: cannot serve HTTP on %s:%u: %s\n",
                 s.http.host.c_str(), s.http.port, e.what());
    caf::anon_send_exit(front, caf::exit_reason::user_shutdown);
    stop_actors();
    return 1;
  }
  logs::info("node",
             fmt::format("listening on {}://{}:{}, broker on CAF port {}{}",
                         s.http.tls_certificate.empty() ? "http" : "https",
                         s.http.host, s.http.port, *published,
                         s.node_tls.enabled() ? " (TLS)" : ""));
  logs::info("node", describe_access(s.access));
  while (!wait_for_stop_signal(std::chrono::milliseconds{500})) {
    // nop: all work happens on CAF's and RESTinio's threads
  }
  logs::info("stopping", "finishing requests in flight, then the actors");
  if (auto left = http.drain(std::chrono::seconds{5}); left > 0)
    logs::warn("node",
               fmt::format("{} request(s) still unanswered after 5 s", left));
  http.stop();
  caf::anon_send_exit(front, caf::exit_reason::user_shutdown);
  stop_actors();
  return 0;
}

} // namespace

int run_server_node(int argc, char** argv) {
  node_config cfg{
      "jobstack-server",
      "jobstack-server: the HTTP API and the queue broker (Server A).",
      server_setting_list()};
  return run_node(cfg, argc, argv, "server", read_server_settings,
                  [&cfg](const server_settings& s) { return serve(cfg, s); });
}

} // namespace jobstack
