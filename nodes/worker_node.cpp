// Wiring of jobstack-worker; see worker_node.hpp.
//
// The main thread owns the link to the broker: it connects (blocking, off
// CAF's scheduler threads), hands the broker to the scheduler, watches the
// link and reconnects with backoff when it drops. Stop order on SIGTERM:
// scheduler stops pulling -> running jobs finish (up to the drain timeout)
// -> workers are cancelled -> actors exit. Jobs not finished by then are
// taken back by the broker when this node's link closes. With --once the
// scheduler takes jobs until the queues are empty and reports when nothing
// runs any more; the main thread then stops the node the same way (exit 0).
#include "nodes/worker_node.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <string_view>
#include <thread>
#include <unistd.h>

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/publish.hpp>
#include <caf/io/remote_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include "actors/inspector.hpp"
#include "actors/scheduler.hpp"
#include "actors/worker.hpp"
#include "core/cron.hpp"
#include "core/job_spec.hpp"
#include "core/logging.hpp"
#include "core/node_tls.hpp"
#include "core/process.hpp"
#include "core/process_metrics.hpp"
#include "core/settings.hpp"
#include "core/time.hpp"
#include "http/ops_server.hpp"
#include "nodes/node_main.hpp"

namespace jobstack {

namespace {

struct worker_settings {
  std::string broker_host;
  uint16_t broker_port = 4242;
  uint32_t concurrency = 1;
  std::vector<std::string> queues;
  std::string worker_id;
  std::chrono::milliseconds drain_timeout{10000};
  std::optional<cron_schedule> schedule;
  std::string metrics_host;
  uint16_t metrics_port = 9464; ///< 0: no /metrics, /healthz
  uint16_t inspect_port = 0;    ///< 0: any free port
  std::string inspect_host;     ///< advertised to jobstack-ctl nodes
  node_tls_options node_tls;
  std::string log_level;
  bool once = false; ///< --once: drain the queues, then exit
};

std::vector<const setting*> worker_setting_list() {
  using namespace settings;
  return {&broker_host,    &broker_port,  &concurrency,
          &queues,         &worker_id,    &drain_timeout,
          &schedule,       &metrics_host, &metrics_port,
          &inspect_host,   &inspect_port, &node_tls_cert,
          &node_tls_key,   &node_tls_ca,  &node_tls_passphrase,
          &log_level,      &log_file,     &log_file_max_bytes,
          &log_file_count, &log_tcp};
}

std::string host_name() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  return host;
}

std::string default_worker_id() {
  return host_name() + "-" + std::to_string(getpid());
}

worker_settings read_worker_settings(const settings_reader& in) {
  worker_settings out;
  out.broker_host = in.text(settings::broker_host);
  out.broker_port = in.port(settings::broker_port);
  if (in.text(settings::concurrency).empty())
    out.concurrency = std::max(1u, std::thread::hardware_concurrency());
  else
    out.concurrency
        = static_cast<uint32_t>(in.integer(settings::concurrency, 1, 1024));
  out.queues = in.list(settings::queues);
  for (auto& q : out.queues)
    if (!is_valid_queue_name(q))
      throw settings_error("queue name '" + q
                           + "' must match [a-z0-9_-]{1,64}");
  out.worker_id = in.text(settings::worker_id);
  if (out.worker_id.empty())
    out.worker_id = default_worker_id();
  out.drain_timeout = std::chrono::milliseconds{
      in.integer(settings::drain_timeout, 0, 3600 * 1000)};
  if (auto cron = in.text(settings::schedule); !cron.empty()) {
    try {
      out.schedule = cron_schedule::parse(cron);
    } catch (const cron_error& e) {
      throw settings_error(std::string{"CSC_CRON_SCHEDULE='"} + cron
                           + "': " + e.what());
    }
  }
  out.metrics_host = in.text(settings::metrics_host);
  out.metrics_port
      = static_cast<uint16_t>(in.integer(settings::metrics_port, 0, 65535));
  out.inspect_port
      = static_cast<uint16_t>(in.integer(settings::inspect_port, 0, 65535));
  out.inspect_host = in.text(settings::inspect_host);
  if (out.inspect_host.empty())
    out.inspect_host = host_name();
  out.node_tls = read_node_tls(in);
  out.log_level = in.text(settings::log_level);
  return out;
}

// Connects to the broker, retrying every second; empty if a stop signal
// came first.
std::optional<broker_actor> connect_broker(caf::actor_system& sys,
                                           const worker_settings& s) {
  bool warned = false;
  for (;;) {
    auto b = connect_node_actor<broker_actor>(sys, s.broker_host, s.broker_port,
                                              s.node_tls.enabled());
    if (b)
      return *b;
    if (!warned) {
      logs::warn("node",
                 fmt::format("cannot reach the broker at {}:{} ({}); retrying",
                             s.broker_host, s.broker_port,
                             sys.render(b.error())));
      warned = true;
    }
    if (wait_for_stop_signal(std::chrono::milliseconds{1000}))
      return std::nullopt;
  }
}

// Returns true if a stop signal arrived or (--once) the queues are drained,
// false if the broker link dropped.
bool watch_link(caf::scoped_actor& self, const broker_actor& broker,
                const std::atomic<bool>& drained) {
  self->monitor(broker);
  bool link_lost = false;
  while (!link_lost) {
    if (wait_for_stop_signal(std::chrono::milliseconds{100}) || drained)
      return true;
    self->receive([&](caf::down_msg&) { link_lost = true; },
                  caf::after(std::chrono::milliseconds{0}) >> [] {});
  }
  return false;
}

void drain(caf::scoped_actor& self, const scheduler_actor& sched,
           std::chrono::milliseconds timeout) {
  self->send(sched, stop_atom::value);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  uint32_t busy = 1;
  while (busy > 0 && std::chrono::steady_clock::now() < deadline) {
    self->request(sched, std::chrono::seconds{1}, status_atom::value)
        .receive([&](uint32_t n) { busy = n; }, [&](caf::error&) { busy = 0; });
    if (busy > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  if (busy == 0)
    return;
  // Hand the unfinished jobs back now rather than waiting for the broker
  // to notice the node is gone; their attempt is not counted.
  self->request(sched, std::chrono::seconds{3}, release_atom::value)
      .receive(
          [&](uint32_t n) {
            logs::warn(
                "node",
                fmt::format("drain timeout: handed back {} unfinished job(s)",
                            n));
          },
          [&](caf::error& err) {
            spdlog::warn("drain timeout: could not hand back {} job(s) ({}); "
                         "the broker takes them back when this node is gone",
                         busy, caf::to_string(err));
          });
}

// Counts finished attempts by queue and outcome, times them, and keeps the
// gauges of running jobs and slots.
void add_attempt_metrics(prometheus::Registry& registry,
                         scheduler_options& opts) {
  auto& attempts = prometheus::BuildCounter()
                       .Name("jobstack_worker_attempts_total")
                       .Help("Job attempts this worker node finished, by "
                             "queue and outcome (succeeded, failed)")
                       .Register(registry);
  auto& durations = prometheus::BuildHistogram()
                        .Name("jobstack_worker_attempt_duration_seconds")
                        .Help("Run time of job attempts, by queue")
                        .Register(registry);
  auto& running = prometheus::BuildGauge()
                      .Name("jobstack_worker_jobs_running")
                      .Help("Jobs this worker node is running now")
                      .Register(registry)
                      .Add({});
  prometheus::BuildGauge()
      .Name("jobstack_worker_slots")
      .Help("Jobs this worker node runs at once (its concurrency)")
      .Register(registry)
      .Add({})
      .Set(opts.info.concurrency);
  opts.observe_start = [&running](const delivery&) {
    running.Increment();
  };
  opts.observe = [&attempts, &durations, &running](const delivery& job,
                                                   const job_outcome& out,
                                                   double seconds) {
    running.Decrement();
    attempts
        .Add({{"queue", job.queue},
              {"outcome", out.succeeded ? "succeeded" : "failed"}})
        .Increment();
    static const prometheus::Histogram::BucketBoundaries buckets{
        0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60, 300};
    durations.Add({{"queue", job.queue}}, buckets).Observe(seconds);
  };
}

// /metrics and /healthz of this node. A port already taken (another worker
// on this host with the default) is logged and the node runs without them.
std::unique_ptr<ops_server>
serve_ops(const worker_settings& s,
          std::shared_ptr<prometheus::Registry> registry) {
  if (s.metrics_port == 0)
    return nullptr;
  auto ops = std::make_unique<ops_server>(
      s.metrics_host, s.metrics_port,
      [registry, process = make_process_metrics(), logs = make_log_metrics()] {
        return metrics_text({registry, process, logs});
      });
  try {
    ops->start();
    logs::info("node", fmt::format("metrics on http://{}:{}/metrics",
                                   s.metrics_host, s.metrics_port));
  } catch (const std::exception& e) {
    spdlog::error("cannot serve /metrics on {}:{} ({}); running without "
                  "them (set CSC_METRICS_PORT to a free port)",
                  s.metrics_host, s.metrics_port, e.what());
    return nullptr;
  }
  return ops;
}

struct published_inspector {
  std::optional<inspect_actor> handle;
  std::string address; ///< host:port, empty if not published
};

// The inspector for jobstack-ctl on CSC_INSPECT_PORT. A port that cannot be
// bound is logged; the node runs without inspection then.
published_inspector publish_inspector(caf::actor_system& sys,
                                      const scheduler_actor& sched,
                                      const worker_settings& s) {
  published_inspector out;
  out.handle = sys.spawn(inspector, sched, s.worker_id, now_us());
  auto port
      = publish_node_actor(*out.handle, s.inspect_port, s.node_tls.enabled());
  if (!port) {
    logs::error("node",
                fmt::format("cannot publish the inspector on port {} ({}); "
                            "running without it (set CSC_INSPECT_PORT to a "
                            "free port)",
                            s.inspect_port, sys.render(port.error())));
    caf::anon_send_exit(*out.handle, caf::exit_reason::user_shutdown);
    out.handle.reset();
    return out;
  }
  out.address = s.inspect_host + ":" + std::to_string(*port);
  logs::info("node", "inspector on " + out.address);
  return out;
}

int work(node_config& cfg, const worker_settings& s,
         handler_registry handlers) {
  enable_node_tls(cfg, s.node_tls);
  caf::actor_system sys{cfg};
  auto registry = std::make_shared<const handler_registry>(std::move(handlers));
  auto cancel = std::make_shared<std::atomic<bool>>(false);
  std::vector<worker_actor> pool;
  for (uint32_t i = 0; i < s.concurrency; ++i)
    pool.push_back(sys.spawn(worker, registry, cancel));
  scheduler_options opts;
  opts.info.worker_id = s.worker_id;
  opts.info.node = default_worker_id();
  opts.info.concurrency = s.concurrency;
  opts.info.queues = s.queues;
  opts.broker_label = s.broker_host + ":" + std::to_string(s.broker_port);
  opts.schedule = s.schedule;
  opts.once = s.once;
  auto drained = std::make_shared<std::atomic<bool>>(false);
  opts.on_drained = [drained] {
    drained->store(true);
  };
  auto metrics = std::make_shared<prometheus::Registry>();
  add_attempt_metrics(*metrics, opts);
  auto sched = sys.spawn(scheduler, opts, pool);
  auto ops = serve_ops(s, metrics);
  caf::scoped_actor self{sys};
  auto inspect = publish_inspector(sys, sched, s);
  logs::info("node",
             fmt::format("worker node {} starting: concurrency {}, queues {}",
                         s.worker_id, s.concurrency, fmt::join(s.queues, ",")));
  if (!inspect.address.empty()) // before the first join: same sender
    self->send(sched, inspect_atom::value, inspect.address);
  for (bool stopping = false; !stopping && !*drained;) {
    auto broker = connect_broker(sys, s);
    if (!broker)
      break;
    self->send(sched, connect_atom::value, *broker);
    stopping = watch_link(self, *broker, *drained);
    if (!stopping)
      logs::warn("node", "link to the broker lost; reconnecting");
  }
  logs::info("stopping", fmt::format("draining running jobs (up to {} ms)",
                                     s.drain_timeout.count()));
  drain(self, sched, s.drain_timeout);
  cancel->store(true);
  self->send_exit(sched, caf::exit_reason::user_shutdown);
  for (auto& w : pool)
    self->send_exit(w, caf::exit_reason::user_shutdown);
  if (inspect.handle)
    self->send_exit(*inspect.handle, caf::exit_reason::user_shutdown);
  return 0;
}

} // namespace

int run_worker_node(int argc, char** argv, handler_registry handlers) {
  node_config cfg{"jobstack-worker",
                  "jobstack-worker: a scheduler and worker pool that runs jobs "
                  "(Process C).\n\n"
                  "  --once\n"
                  "      take jobs until the queues are empty, let them "
                  "finish, exit 0\n"
                  "      (for a timer or cron job; not with CSC_CRON_SCHEDULE)",
                  worker_setting_list()};
  // --once is a mode, not a setting: take it off before the settings parse.
  std::vector<char*> args{argv, argv + argc};
  auto first = args.empty() ? args.begin() : args.begin() + 1; // argv[0]
  auto flag = std::find_if(first, args.end(), [](const char* arg) {
    return std::string_view{arg} == "--once";
  });
  bool once = flag != args.end();
  if (once)
    args.erase(flag);
  auto read = [once](const settings_reader& in) {
    auto out = read_worker_settings(in);
    out.once = once;
    if (once && out.schedule)
      throw settings_error("--once and CSC_CRON_SCHEDULE exclude each other: "
                           "--once drains the queues and exits; unset "
                           "CSC_CRON_SCHEDULE (worker.schedule)");
    return out;
  };
  return run_node(cfg, static_cast<int>(args.size()), args.data(), "worker",
                  read, [&](const worker_settings& s) {
                    return work(cfg, s, std::move(handlers));
                  });
}

} // namespace jobstack
