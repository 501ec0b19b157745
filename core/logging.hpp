// Logging of every jobstack node (spdlog): a console for humans on stderr,
// plus, when configured, a size-rotating file and a TCP log aggregator that
// both get one JSON object per line.
//
// Actors log through logs::info(actor, message, fields); plain spdlog calls
// elsewhere also reach every output once, as records of the node itself.
// Secrets given at setup never appear in any output. setup_logging() once
// at start, shutdown_logging() once at the end (it flushes, and gives the
// TCP shipper up to a second to send what is queued).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/collectable.h>
#include <spdlog/common.h>

namespace jobstack {

class settings_reader;

struct log_options {
  std::string level = "info";
  std::string file; ///< empty: no file
  uint64_t file_max_bytes = 10485760;
  size_t file_count = 5;
  std::string tcp; ///< "host:port", empty: none
  size_t tcp_queue_lines = 10000;
  std::vector<std::string> secrets; ///< never printed
};

/// What a record is about; empty strings and attempt 0 are left out.
struct log_fields {
  std::string job_id, queue, type, worker, request_id;
  int32_t attempt = 0; ///< 0: absent
};

/// One log record before it is formatted for an output.
struct log_record {
  int64_t ts_us = 0; ///< microseconds since the epoch
  spdlog::level::level_enum level = spdlog::level::info;
  std::string actor; ///< empty: the node itself ("node" in JSON)
  std::string message;
  log_fields fields;
};

/// Reads log.level/log.file/log.file_max_bytes/log.file_count/log.tcp;
/// throws settings_error.
log_options read_log_options(const settings_reader& in);

/// Sets up console (+file, +tcp) for this process; `node` is
/// server|worker|ctl. Throws settings_error.
void setup_logging(const log_options& options, const std::string& node);

/// Flushes every output, gives the TCP shipper up to 1 s to send what is
/// queued and stops it. Later log calls only reach the console.
void shutdown_logging();

namespace logs {

/// False when records of `level` are filtered out: lets hot paths skip
/// building them.
bool enabled(spdlog::level::level_enum level);

void write(spdlog::level::level_enum level, std::string_view actor,
           std::string_view message, const log_fields& fields = {});
void debug(std::string_view actor, std::string_view message,
           const log_fields& fields = {});
void info(std::string_view actor, std::string_view message,
          const log_fields& fields = {});
void warn(std::string_view actor, std::string_view message,
          const log_fields& fields = {});
void error(std::string_view actor, std::string_view message,
           const log_fields& fields = {});

} // namespace logs

/// jobstack_log_records_dropped_total{sink="file"|"tcp"}
std::shared_ptr<prometheus::Collectable> make_log_metrics();

// -- pure formatting (for tests and the outputs)
// --------------------------------

/// The JSON line (no newline) for a record: ts, level, node, actor,
/// message, then the fields present. Never throws on odd input: invalid
/// UTF-8 is replaced.
std::string format_json_line(const log_record& record, std::string_view node,
                             const std::vector<std::string>& secrets = {});

/// The console text after the timestamp, level and node:
/// `broker: worker node w1 joined job=... queue=...`.
std::string format_console_text(const log_record& record,
                                const std::vector<std::string>& secrets = {});

/// `text` with every occurrence of a non-empty secret replaced by `***`.
std::string redact(std::string_view text,
                   const std::vector<std::string>& secrets);

} // namespace jobstack
