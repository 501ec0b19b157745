// Process metrics from /proc/self; see process_metrics.hpp.
#include "core/process_metrics.hpp"

#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

namespace jobstack {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily family(const char* name, const char* help, MetricType type,
                    double value) {
  ClientMetric metric;
  if (type == MetricType::Counter)
    metric.counter.value = value;
  else
    metric.gauge.value = value;
  return MetricFamily{name, help, type, {metric}};
}

double open_fds() {
  double n = 0;
  if (auto* dir = opendir("/proc/self/fd")) {
    while (auto* entry = readdir(dir))
      if (entry->d_name[0] != '.')
        ++n;
    closedir(dir);
    --n; // the fd of opendir itself
  }
  return n;
}

// Fields of /proc/self/stat after the command name (which may hold spaces).
std::vector<std::string> stat_fields() {
  std::ifstream in{"/proc/self/stat"};
  std::string text{std::istreambuf_iterator<char>{in}, {}};
  auto close = text.rfind(')');
  std::istringstream rest{close == std::string::npos ? ""
                                                     : text.substr(close + 2)};
  std::vector<std::string> fields;
  for (std::string f; rest >> f;)
    fields.push_back(f);
  return fields;
}

double boot_time() {
  std::ifstream in{"/proc/stat"};
  for (std::string key; in >> key;) {
    if (key == "btime") {
      double t = 0;
      in >> t;
      return t;
    }
    in.ignore(1 << 16, '\n');
  }
  return 0;
}

class process_collector : public prometheus::Collectable {
public:
  std::vector<MetricFamily> Collect() const override {
    auto f = stat_fields();
    // After the name: state is field 3 of stat; utime/stime are 14/15,
    // starttime 22, rss 24 (1-based, man 5 proc), i.e. index - 3 here.
    if (f.size() < 22)
      return {};
    double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    double cpu = (std::stod(f[11]) + std::stod(f[12])) / ticks;
    double start = boot_time() + std::stod(f[19]) / ticks;
    double rss = std::stod(f[21]) * static_cast<double>(sysconf(_SC_PAGESIZE));
    return {
        family("process_cpu_seconds_total",
               "Total user and system CPU time spent in seconds.",
               MetricType::Counter, cpu),
        family("process_resident_memory_bytes",
               "Resident memory size in bytes.", MetricType::Gauge, rss),
        family("process_open_fds", "Number of open file descriptors.",
               MetricType::Gauge, open_fds()),
        family("process_start_time_seconds",
               "Start time of the process since unix epoch in seconds.",
               MetricType::Gauge, start),
    };
  }
};

} // namespace

std::shared_ptr<prometheus::Collectable> make_process_metrics() {
  return std::make_shared<process_collector>();
}

std::string metrics_text(
    const std::vector<std::shared_ptr<prometheus::Collectable>>& sources,
    std::vector<MetricFamily> extra) {
  auto families = std::move(extra);
  for (auto& source : sources)
    for (auto& f : source->Collect())
      families.push_back(std::move(f));
  return prometheus::TextSerializer{}.Serialize(families);
}

} // namespace jobstack
