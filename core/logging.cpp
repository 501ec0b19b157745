// Logging setup, the logs:: façade and the outputs; see logging.hpp.
//
// One `log_outputs` object per process owns the console sink, the rotating
// file sink and the TCP shipper. logs::write() hands it records directly;
// plain spdlog calls get there through `bridge_sink`, the only sink of the
// default logger. Either way each record reaches each output once.
#include "core/logging.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>

#include <nlohmann/json.hpp>
#include <prometheus/metric_family.h>
#include <spdlog/details/null_mutex.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "core/log_shipper.hpp"
#include "core/settings.hpp"
#include "core/time.hpp"

namespace jobstack {

// -- pure formatting
// ------------------------------------------------------------

namespace {

const char* level_name(spdlog::level::level_enum level) {
  static const char* names[]
      = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  auto i = static_cast<size_t>(level);
  return i < std::size(names) ? names[i] : "info";
}

} // namespace

std::string redact(std::string_view text,
                   const std::vector<std::string>& secrets) {
  auto found = [&](const std::string& s) {
    return !s.empty() && text.find(s) != std::string_view::npos;
  };
  if (std::none_of(secrets.begin(), secrets.end(), found))
    return std::string{text};
  // One pass, longest secret first at each position, so a secret that
  // contains another (or "***" itself) is still replaced whole.
  std::string out;
  for (size_t i = 0; i < text.size();) {
    size_t longest = 0;
    for (auto& s : secrets)
      if (s.size() > longest && text.compare(i, s.size(), s) == 0)
        longest = s.size();
    if (longest > 0) {
      out += "***";
      i += longest;
    } else {
      out += text[i++];
    }
  }
  return out;
}

std::string format_json_line(const log_record& record, std::string_view node,
                             const std::vector<std::string>& secrets) {
  nlohmann::ordered_json line; // keeps the documented key order
  line["ts"] = format_rfc3339(record.ts_us);
  line["level"] = level_name(record.level);
  line["node"] = std::string{node};
  line["actor"] = record.actor.empty() ? "node" : redact(record.actor, secrets);
  line["message"] = redact(record.message, secrets);
  auto add = [&](const char* key, const std::string& value) {
    if (!value.empty())
      line[key] = redact(value, secrets);
  };
  auto& f = record.fields;
  add("job_id", f.job_id);
  add("queue", f.queue);
  add("type", f.type);
  if (f.attempt != 0)
    line["attempt"] = f.attempt;
  add("worker", f.worker);
  add("request_id", f.request_id);
  return line.dump(-1, ' ', false,
                   nlohmann::ordered_json::error_handler_t::replace);
}

std::string format_console_text(const log_record& record,
                                const std::vector<std::string>& secrets) {
  std::string text;
  // The node itself needs no prefix: "[server]" already names it.
  if (!record.actor.empty() && record.actor != "node")
    text = record.actor + ": ";
  text += record.message;
  auto add = [&](const char* key, const std::string& value) {
    if (!value.empty())
      text.append(" ").append(key).append("=").append(value);
  };
  auto& f = record.fields;
  add("job", f.job_id);
  add("queue", f.queue);
  add("type", f.type);
  if (f.attempt != 0)
    add("attempt", std::to_string(f.attempt));
  add("worker", f.worker);
  add("request", f.request_id);
  return redact(text, secrets);
}

// -- settings
// -------------------------------------------------------------------

namespace {

void check_level(const std::string& level) {
  static const char* names[] = {"trace", "debug", "info", "warn", "error"};
  if (std::find(std::begin(names), std::end(names), level) == std::end(names))
    throw settings_error("log level '" + level
                         + "' is not one of trace, debug, info, warn, error");
}

// "host:port" or "[ipv6]:port".
log_shipper_options parse_tcp_endpoint(const std::string& text) {
  auto fail = [&] {
    return settings_error("log.tcp (CSC_LOG_TCP) '" + text
                          + "': must be host:port with a port from 1 to 65535");
  };
  auto colon = text.rfind(':');
  if (colon == std::string::npos)
    throw fail();
  auto host = text.substr(0, colon);
  auto port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  auto digits = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return c >= '0' && c <= '9'; });
  };
  if (host.empty() || port.empty() || port.size() > 5 || !digits(port))
    throw fail();
  auto number = std::stoul(port);
  if (number < 1 || number > 65535)
    throw fail();
  log_shipper_options out;
  out.host = host;
  out.port = static_cast<uint16_t>(number);
  return out;
}

} // namespace

log_options read_log_options(const settings_reader& in) {
  log_options out;
  out.level = in.text(settings::log_level);
  check_level(out.level);
  out.file = in.text(settings::log_file);
  out.file_max_bytes = static_cast<uint64_t>(
      in.integer(settings::log_file_max_bytes, 1024, int64_t{1} << 40));
  out.file_count
      = static_cast<size_t>(in.integer(settings::log_file_count, 1, 1000));
  out.tcp = in.text(settings::log_tcp);
  if (!out.tcp.empty())
    parse_tcp_endpoint(out.tcp); // fail at start, not at first connect
  return out;
}

// -- the outputs
// ------------------------------------------------------------------

namespace {

// Process-wide, so the counts survive a second setup_logging() (tests).
std::atomic<uint64_t> dropped_file{0};
std::atomic<uint64_t> dropped_tcp{0};

// Today's console look: `2026-...Z info  [server] broker: ...`.
std::shared_ptr<spdlog::sinks::sink> make_console_sink() {
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  sink->set_formatter(std::make_unique<spdlog::pattern_formatter>(
      "%Y-%m-%dT%H:%M:%S.%fZ %^%-5l%$ [%n] %v",
      spdlog::pattern_time_type::utc));
  return sink;
}

std::shared_ptr<spdlog::sinks::sink> make_file_sink(const log_options& o) {
  try {
    auto sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
        o.file, static_cast<size_t>(o.file_max_bytes), o.file_count);
    sink->set_pattern("%v"); // the payload already is the JSON line
    return sink;
  } catch (const std::exception& e) {
    throw settings_error("log.file (CSC_LOG_FILE) '" + o.file
                         + "': cannot open: " + e.what());
  }
}

class log_outputs {
public:
  log_outputs(const log_options& options, std::string node)
      : node_(std::move(node)), level_(spdlog::level::from_str(options.level)),
        secrets_(options.secrets), console_(make_console_sink()) {
    if (!options.file.empty())
      file_ = make_file_sink(options);
    if (!options.tcp.empty()) {
      auto shipper = parse_tcp_endpoint(options.tcp);
      shipper.queue_lines = options.tcp_queue_lines;
      tcp_ = std::make_unique<log_shipper>(shipper);
    }
  }

  bool should_log(spdlog::level::level_enum level) const {
    return level >= level_;
  }

  void write(const log_record& record) {
    auto text = format_console_text(record, secrets_);
    console_->log(message_of(record, text));
    if (!file_ && !tcp_)
      return;
    auto line = format_json_line(record, node_, secrets_);
    if (file_)
      write_file(record, line);
    if (tcp_ && !tcp_->push(std::move(line)))
      ++dropped_tcp;
  }

  void flush() {
    console_->flush();
    if (file_) {
      try {
        file_->flush();
      } catch (const std::exception&) {
        // nop: a failed write was counted already
      }
    }
  }

  void stop(std::chrono::milliseconds grace) {
    flush();
    if (tcp_)
      tcp_->stop(grace);
  }

private:
  spdlog::details::log_msg message_of(const log_record& record,
                                      std::string_view payload) const {
    spdlog::log_clock::time_point time{std::chrono::microseconds{record.ts_us}};
    return {time, spdlog::source_loc{}, node_, record.level, payload};
  }

  void write_file(const log_record& record, const std::string& line) {
    try {
      file_->log(message_of(record, line));
      if (record.level >= spdlog::level::info)
        file_->flush(); // as the console: nothing of note lost on a crash
    } catch (const std::exception&) {
      ++dropped_file; // disk full, rotation failed, ...
    }
  }

  const std::string node_;
  const spdlog::level::level_enum level_;
  const std::vector<std::string> secrets_;
  std::shared_ptr<spdlog::sinks::sink> console_;
  std::shared_ptr<spdlog::sinks::sink> file_;
  std::unique_ptr<log_shipper> tcp_;
};

// The default logger's only sink: a plain spdlog call (spdlog::info(...))
// becomes a record of the node itself on every output. The outputs lock
// for themselves, hence the null mutex.
class bridge_sink
    : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
public:
  explicit bridge_sink(std::shared_ptr<log_outputs> outputs)
      : outputs_(std::move(outputs)) {
  }

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    using namespace std::chrono;
    log_record record;
    record.ts_us
        = duration_cast<microseconds>(msg.time.time_since_epoch()).count();
    record.level = msg.level;
    record.message.assign(msg.payload.data(), msg.payload.size());
    outputs_->write(record);
  }

  void flush_() override {
    outputs_->flush();
  }

private:
  std::shared_ptr<log_outputs> outputs_;
};

std::mutex current_mutex;
std::shared_ptr<log_outputs> current; // set by setup_logging

// The level of the current outputs, readable without the lock: hot paths
// ask logs::enabled() before they build a record.
std::atomic<int> current_level{spdlog::level::info};

std::shared_ptr<log_outputs> current_outputs() {
  std::lock_guard<std::mutex> lock{current_mutex};
  return current;
}

} // namespace

// -- setup and shutdown
// -------------------------------------------------------------

void setup_logging(const log_options& options, const std::string& node) {
  check_level(options.level);
  auto outputs = std::make_shared<log_outputs>(options, node);
  auto logger = std::make_shared<spdlog::logger>(
      node, std::make_shared<bridge_sink>(outputs));
  logger->set_level(spdlog::level::from_str(options.level));
  spdlog::set_default_logger(logger);
  current_level = spdlog::level::from_str(options.level);
  std::shared_ptr<log_outputs> previous;
  {
    std::lock_guard<std::mutex> lock{current_mutex};
    previous = std::exchange(current, outputs);
  }
  if (previous) // set up twice (tests): the old shipper goes now
    previous->stop(std::chrono::milliseconds{0});
}

void shutdown_logging() {
  // Unlike spdlog::shutdown(), the default logger stays: a thread that
  // outlives the node and logs would otherwise use a dropped logger.
  if (auto outputs = current_outputs())
    outputs->stop(std::chrono::seconds{1});
}

// -- the façade
// -----------------------------------------------------------------------

namespace logs {

bool enabled(spdlog::level::level_enum level) {
  return level >= current_level.load(std::memory_order_relaxed);
}

void write(spdlog::level::level_enum level, std::string_view actor,
           std::string_view message, const log_fields& fields) {
  auto outputs = current_outputs();
  if (outputs && !outputs->should_log(level))
    return;
  log_record record{now_us(), level, std::string{actor}, std::string{message},
                    fields};
  if (outputs)
    outputs->write(record);
  else // before setup_logging (unit tests): spdlog's own default logger
    spdlog::log(level, "{}", format_console_text(record));
}

void debug(std::string_view actor, std::string_view message,
           const log_fields& fields) {
  write(spdlog::level::debug, actor, message, fields);
}

void info(std::string_view actor, std::string_view message,
          const log_fields& fields) {
  write(spdlog::level::info, actor, message, fields);
}

void warn(std::string_view actor, std::string_view message,
          const log_fields& fields) {
  write(spdlog::level::warn, actor, message, fields);
}

void error(std::string_view actor, std::string_view message,
           const log_fields& fields) {
  write(spdlog::level::err, actor, message, fields);
}

} // namespace logs

// -- metrics
// --------------------------------------------------------------------------

namespace {

class log_metrics : public prometheus::Collectable {
public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    prometheus::MetricFamily family{
        "jobstack_log_records_dropped_total",
        "Log records an output dropped: the TCP queue was full, or a file "
        "write failed",
        prometheus::MetricType::Counter,
        {}};
    family.metric.push_back(metric("file", dropped_file));
    family.metric.push_back(metric("tcp", dropped_tcp));
    return {family};
  }

private:
  static prometheus::ClientMetric metric(const char* sink,
                                         const std::atomic<uint64_t>& count) {
    prometheus::ClientMetric m;
    m.label.push_back({"sink", sink});
    m.counter.value = static_cast<double>(count.load());
    return m;
  }
};

} // namespace

std::shared_ptr<prometheus::Collectable> make_log_metrics() {
  return std::make_shared<log_metrics>();
}

} // namespace jobstack
