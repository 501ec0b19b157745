// The API's JSON bodies: the job resource and the collections around it.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "messages/api.hpp"
#include "messages/job.hpp"

namespace jobstack {

/// The job resource: timestamps as RFC 3339 or null, payload/result as JSON.
nlohmann::json job_to_json(const job_record& job);

/// {"jobs": [...]} plus, for a listing, "next_cursor" (string or null).
nlohmann::json jobs_to_json(const std::vector<job_record>& jobs);
nlohmann::json page_to_json(const job_page& page);

nlohmann::json stats_to_json(const queue_stats& stats);
nlohmann::json stats_list_to_json(const std::vector<queue_stats>& stats);
nlohmann::json workers_to_json(const std::vector<worker_view>& workers);

} // namespace jobstack
