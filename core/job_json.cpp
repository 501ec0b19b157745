// Rendering of the job resource; see job_json.hpp.
#include "core/job_json.hpp"

#include "core/list_cursor.hpp"
#include "core/time.hpp"

namespace jobstack {

namespace {

using nlohmann::json;

json time_or_null(int64_t us) {
  return us == 0 ? json(nullptr) : json(format_rfc3339(us));
}

json text_or_null(const std::string& text) {
  return text.empty() ? json(nullptr) : json(text);
}

// Stored JSON text was produced by json::dump, so it parses; a corrupt value
// is shown as null rather than failing the whole response.
json embedded_json(const std::string& text) {
  if (text.empty())
    return nullptr;
  auto value = json::parse(text, nullptr, false);
  return value.is_discarded() ? json(nullptr) : value;
}

} // namespace

json job_to_json(const job_record& job) {
  return json{{"id", job.id},
              {"queue", job.queue},
              {"type", job.type},
              {"payload", embedded_json(job.payload)},
              {"status", job.status},
              {"attempts", job.attempts},
              {"max_attempts", job.max_attempts},
              {"timeout_ms", job.timeout_ms},
              {"created_at", time_or_null(job.created_at)},
              {"updated_at", time_or_null(job.updated_at)},
              {"run_at", time_or_null(job.run_at)},
              {"started_at", time_or_null(job.started_at)},
              {"finished_at", time_or_null(job.finished_at)},
              {"result", embedded_json(job.result)},
              {"last_error", text_or_null(job.last_error)},
              {"worker", text_or_null(job.worker)}};
}

json jobs_to_json(const std::vector<job_record>& jobs) {
  auto items = json::array();
  for (auto& job : jobs)
    items.push_back(job_to_json(job));
  return json{{"jobs", std::move(items)}};
}

json page_to_json(const job_page& page) {
  auto body = jobs_to_json(page.jobs);
  auto cursor = encode_list_cursor(page);
  body["next_cursor"] = cursor ? json(*cursor) : json(nullptr);
  return body;
}

json stats_to_json(const queue_stats& s) {
  return json{{"name", s.name},           {"queued", s.queued},
              {"scheduled", s.scheduled}, {"running", s.running},
              {"succeeded", s.succeeded}, {"dead", s.dead},
              {"cancelled", s.cancelled}};
}

json stats_list_to_json(const std::vector<queue_stats>& stats) {
  auto items = json::array();
  for (auto& s : stats)
    items.push_back(stats_to_json(s));
  return json{{"queues", std::move(items)}};
}

json workers_to_json(const std::vector<worker_view>& workers) {
  auto items = json::array();
  for (auto& w : workers)
    items.push_back(json{{"id", w.id},
                         {"node", w.node},
                         {"concurrency", w.concurrency},
                         {"running", w.running},
                         {"processed", w.processed},
                         {"failed", w.failed},
                         {"last_seen", time_or_null(w.last_seen)}});
  return json{{"workers", std::move(items)}};
}

} // namespace jobstack
