// Logging: the JSON line and console text, secret redaction, the log.*
// settings, and the outputs of a set-up process (console, rotating file,
// TCP), each record once on each, plus the dropped-records counter.
#define CAF_SUITE core.logging
#include <caf/test/unit_test.hpp>

#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <prometheus/metric_family.h>
#include <spdlog/spdlog.h>

#include "core/logging.hpp"
#include "core/process_metrics.hpp"
#include "core/settings.hpp"
#include "tests/unit/tcp_listener.hpp"

using namespace jobstack;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

log_record full_record() {
  log_record r;
  r.ts_us = 1796077855123456;
  r.level = spdlog::level::warn;
  r.actor = "broker";
  r.message = "worker node w1 joined";
  r.fields = {"J1", "q", "echo", "w1", "R1", 2};
  return r;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in{path};
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

std::string read_text(const std::string& path) {
  std::ifstream in{path};
  return {std::istreambuf_iterator<char>{in}, {}};
}

size_t count_of(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (auto i = text.find(part); i != std::string::npos;
       i = text.find(part, i + 1))
    ++n;
  return n;
}

// Sends stderr (fd 2) to a file until release(), so the console output
// of a test can be read back.
class stderr_capture {
public:
  explicit stderr_capture(std::string path) : path_(std::move(path)) {
    std::fflush(stderr);
    saved_ = ::dup(2);
    int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 2);
    ::close(fd);
  }

  ~stderr_capture() {
    release();
  }

  std::string release() {
    if (saved_ >= 0) {
      std::fflush(stderr);
      ::dup2(saved_, 2);
      ::close(saved_);
      saved_ = -1;
    }
    return read_text(path_);
  }

private:
  std::string path_;
  int saved_ = -1;
};

std::string field(const json& j, const char* key) {
  auto i = j.find(key);
  return i != j.end() && i->is_string() ? i->get<std::string>() : "<absent>";
}

double dropped(const std::string& sink) {
  for (auto& family : make_log_metrics()->Collect())
    for (auto& m : family.metric)
      for (auto& label : m.label)
        if (label.name == "sink" && label.value == sink)
          return m.counter.value;
  return -1;
}

struct fixture {
  std::string dir;
  std::map<std::string, std::string> env;
  node_config cfg{"test",
                  "test",
                  {&settings::log_level, &settings::log_file,
                   &settings::log_file_max_bytes, &settings::log_file_count,
                   &settings::log_tcp}};

  fixture() {
    char tmpl[] = "/tmp/jobstack-logging-XXXXXX";
    dir = ::mkdtemp(tmpl);
  }

  ~fixture() {
    setup_logging(log_options{}, "test"); // console only again
    std::filesystem::remove_all(dir);
  }

  log_options read_options() {
    return read_log_options(
        settings_reader{cfg, [this](const char* name) -> const char* {
                          auto i = env.find(name);
                          return i == env.end() ? nullptr : i->second.c_str();
                        }});
  }

  std::string tcp_error(const std::string& value) {
    env["CSC_LOG_TCP"] = value;
    try {
      read_options();
    } catch (const settings_error& e) {
      return e.what();
    }
    return "no error";
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(logging_tests, fixture)

// -- formatting
// -------------------------------------------------------------------

CAF_TEST(a json line has the documented keys in order) {
  CAF_CHECK_EQUAL(format_json_line(full_record(), "server"),
                  R"({"ts":"2026-11-30T22:30:55.123456Z","level":"warn",)"
                  R"("node":"server","actor":"broker",)"
                  R"("message":"worker node w1 joined","job_id":"J1",)"
                  R"("queue":"q","type":"echo","attempt":2,"worker":"w1",)"
                  R"("request_id":"R1"})");
}

CAF_TEST(absent fields are omitted and no actor means the node) {
  log_record r;
  r.ts_us = 0;
  r.message = "stopped";
  r.fields.queue = "q";
  CAF_CHECK_EQUAL(format_json_line(r, "worker"),
                  R"({"ts":"1970-01-01T00:00:00.000000Z","level":"info",)"
                  R"("node":"worker","actor":"node","message":"stopped",)"
                  R"("queue":"q"})");
}

CAF_TEST(odd input stays one valid json line) {
  auto r = full_record();
  r.message = "say \"hi\"\nnext\tline \x01 bad \xff\xfe utf8";
  r.fields.job_id = "cut \xc3";
  r.fields.worker = "back\\slash";
  auto line = format_json_line(r, "server");
  CAF_CHECK_EQUAL(line.find('\n'), std::string::npos);
  auto j = json::parse(line, nullptr, false);
  CAF_REQUIRE(!j.is_discarded());
  auto message = field(j, "message");
  CAF_CHECK_EQUAL(message.rfind("say \"hi\"\nnext\tline \x01 bad ", 0), 0u);
  CAF_CHECK_NOT_EQUAL(message.find("\xEF\xBF\xBD"), std::string::npos);
  CAF_CHECK_EQUAL(field(j, "worker"), "back\\slash");
  CAF_CHECK_EQUAL(field(j, "job_id").rfind("cut ", 0), 0u);
}

CAF_TEST(console text is actor message and fields) {
  CAF_CHECK_EQUAL(format_console_text(full_record()),
                  "broker: worker node w1 joined job=J1 queue=q type=echo "
                  "attempt=2 worker=w1 request=R1");
  log_record plain;
  plain.message = "listening";
  CAF_CHECK_EQUAL(format_console_text(plain), "listening");
}

CAF_TEST(secrets are redacted in message and fields) {
  std::vector<std::string> secrets{"hunter2", ""};
  auto r = full_record();
  r.message = "AUTH hunter2 failed";
  r.fields.worker = "w-hunter2";
  r.fields.request_id = "hunter2";
  auto line = format_json_line(r, "server", secrets);
  CAF_CHECK_EQUAL(line.find("hunter2"), std::string::npos);
  auto j = json::parse(line);
  CAF_CHECK_EQUAL(field(j, "message"), "AUTH *** failed");
  CAF_CHECK_EQUAL(field(j, "worker"), "w-***");
  CAF_CHECK_EQUAL(field(j, "request_id"), "***");
  auto text = format_console_text(r, secrets);
  CAF_CHECK_EQUAL(text.find("hunter2"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(text.find("AUTH *** failed"), std::string::npos);
}

CAF_TEST(redaction replaces the longest secret and ignores empty ones) {
  CAF_CHECK_EQUAL(redact("pw=abcdef;", {"abc", "abcdef"}), "pw=***;");
  CAF_CHECK_EQUAL(redact("a*b", {"*"}), "a***b");
  CAF_CHECK_EQUAL(redact("unchanged", {""}), "unchanged");
  CAF_CHECK_EQUAL(redact("", {"x"}), "");
}

// -- settings
// ------------------------------------------------------------------------

CAF_TEST(log options have their documented defaults) {
  auto o = read_options();
  CAF_CHECK_EQUAL(o.level, "info");
  CAF_CHECK_EQUAL(o.file, "");
  CAF_CHECK_EQUAL(o.file_max_bytes, 10485760u);
  CAF_CHECK_EQUAL(o.file_count, 5u);
  CAF_CHECK_EQUAL(o.tcp, "");
}

CAF_TEST(log options come from the environment) {
  env["CSC_LOG_LEVEL"] = "debug";
  env["CSC_LOG_FILE"] = "/var/log/jobstack.log";
  env["CSC_LOG_FILE_MAX_BYTES"] = "65536";
  env["CSC_LOG_FILE_COUNT"] = "2";
  env["CSC_LOG_TCP"] = "logs.example:5170";
  auto o = read_options();
  CAF_CHECK_EQUAL(o.level, "debug");
  CAF_CHECK_EQUAL(o.file, "/var/log/jobstack.log");
  CAF_CHECK_EQUAL(o.file_max_bytes, 65536u);
  CAF_CHECK_EQUAL(o.file_count, 2u);
  CAF_CHECK_EQUAL(o.tcp, "logs.example:5170");
  CAF_CHECK_EQUAL(tcp_error("[::1]:5170"), "no error");
}

CAF_TEST(a malformed tcp address is a clear settings error) {
  auto expected = [](const std::string& value) {
    return "log.tcp (CSC_LOG_TCP) '" + value
           + "': must be host:port with a port from 1 to 65535";
  };
  for (std::string bad : {"localhost", "localhost:", ":5170", "host:0",
                          "host:65536", "host:51x", "host:-1", "[]:80"})
    CAF_CHECK_EQUAL(tcp_error(bad), expected(bad));
}

CAF_TEST(bad log levels and sizes are settings errors) {
  auto fails = [this] {
    try {
      read_options();
    } catch (const settings_error&) {
      return true;
    }
    return false;
  };
  env["CSC_LOG_LEVEL"] = "verbose";
  CAF_CHECK(fails());
  env.erase("CSC_LOG_LEVEL");
  env["CSC_LOG_FILE_COUNT"] = "0";
  CAF_CHECK(fails());
  env.erase("CSC_LOG_FILE_COUNT");
  env["CSC_LOG_FILE_MAX_BYTES"] = "10MB";
  CAF_CHECK(fails());
}

// -- the outputs of a set-up process
// ---------------------------------------------

CAF_TEST(every record reaches console file and tcp exactly once) {
  test::tcp_listener aggregator;
  log_options o;
  o.file = dir + "/node.log";
  o.tcp = "127.0.0.1:" + std::to_string(aggregator.port());
  o.secrets = {"s3cr3t"};
  stderr_capture console{dir + "/stderr.txt"};
  setup_logging(o, "server");
  log_fields fields;
  fields.job_id = "J1";
  fields.queue = "q";
  logs::info("broker", "worker node w1 joined s3cr3t", fields);
  spdlog::warn("plain call {} s3cr3t", 42);
  logs::debug("broker", "below the level");
  spdlog::debug("plain below the level");
  shutdown_logging();
  auto text = console.release();

  CAF_CHECK_EQUAL(count_of(text, "\n"), 2u);
  std::regex facade{R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z info  )"
                    R"(\[server\] broker: worker node w1 joined \*\*\* )"
                    R"(job=J1 queue=q\n)"};
  CAF_CHECK(std::regex_search(text, facade));
  CAF_CHECK_EQUAL(count_of(text, "[server] plain call 42 ***\n"), 1u);

  auto file = read_lines(o.file);
  CAF_REQUIRE_EQUAL(file.size(), 2u);
  auto first = json::parse(file[0]);
  CAF_CHECK_EQUAL(field(first, "actor"), "broker");
  CAF_CHECK_EQUAL(field(first, "message"), "worker node w1 joined ***");
  CAF_CHECK_EQUAL(field(first, "job_id"), "J1");
  CAF_CHECK_EQUAL(field(first, "node"), "server");
  auto second = json::parse(file[1]);
  CAF_CHECK_EQUAL(field(second, "actor"), "node");
  CAF_CHECK_EQUAL(field(second, "level"), "warn");
  CAF_CHECK_EQUAL(field(second, "message"), "plain call 42 ***");

  // shutdown_logging() sent the queue before it returned.
  aggregator.collect(3, 200ms); // a third line would be a duplicate
  CAF_CHECK_EQUAL(aggregator.lines(), file);
  CAF_CHECK_EQUAL(text.find("s3cr3t"), std::string::npos);
  CAF_CHECK_EQUAL(read_text(o.file).find("s3cr3t"), std::string::npos);
}

CAF_TEST(the file rotates and keeps at most file_count old files) {
  log_options o;
  o.file = dir + "/rot.log";
  o.file_max_bytes = 4096;
  o.file_count = 3;
  {
    stderr_capture console{"/dev/null"};
    setup_logging(o, "worker");
    for (int i = 0; i < 400; ++i)
      logs::info("worker", "line " + std::to_string(i) + std::string(80, 'x'));
    shutdown_logging();
  }
  size_t files = 0;
  size_t lines = 0;
  for (auto& entry : std::filesystem::directory_iterator{dir}) {
    ++files;
    CAF_CHECK_LESS_OR_EQUAL(entry.file_size(), 4096u);
    for (auto& line : read_lines(entry.path().string())) {
      ++lines;
      auto j = json::parse(line, nullptr, false);
      CAF_CHECK(!j.is_discarded() && j["node"] == "worker");
    }
  }
  CAF_CHECK_EQUAL(files, 4u); // rot.log, rot.1.log .. rot.3.log
  CAF_CHECK_GREATER(lines, 40u);
  CAF_CHECK_LESS(lines, 400u); // the oldest were rotated away
  auto newest = read_lines(o.file);
  CAF_REQUIRE(!newest.empty());
  CAF_CHECK_EQUAL(field(json::parse(newest.back()), "message"),
                  "line 399" + std::string(80, 'x'));
}

CAF_TEST(dropped records are counted per sink) {
  auto tcp_before = dropped("tcp");
  auto file_before = dropped("file");
  log_options o;
  o.tcp = "127.0.0.1:" + std::to_string(test::closed_port());
  o.tcp_queue_lines = 10;
  o.file = "/dev/full"; // every write fails: disk full
  stderr_capture console{dir + "/stderr.txt"};
  setup_logging(o, "worker");
  for (int i = 0; i < 100; ++i)
    logs::info("worker", "line " + std::to_string(i));
  console.release();
  CAF_CHECK_GREATER_OR_EQUAL(dropped("tcp") - tcp_before, 90.0);
  CAF_CHECK_EQUAL(dropped("file") - file_before, 100.0);
  auto text = metrics_text({make_log_metrics()});
  CAF_CHECK_NOT_EQUAL(text.find("# TYPE jobstack_log_records_dropped_total "
                                "counter"),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(
      text.find("jobstack_log_records_dropped_total{sink=\"tcp\"} "),
      std::string::npos);
}

CAF_TEST(an unusable log file is a settings error) {
  log_options o;
  o.file = "/proc/no-such-dir/jobstack.log";
  try {
    setup_logging(o, "server");
    CAF_FAIL("no error");
  } catch (const settings_error& e) {
    CAF_CHECK_NOT_EQUAL(std::string{e.what()}.find("CSC_LOG_FILE"),
                        std::string::npos);
  }
}

CAF_TEST_FIXTURE_SCOPE_END()
