// The job resource as API.md shows it to clients.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "messages/job.hpp"

namespace jobstack {

/// The job resource: timestamps as RFC 3339 or null, payload/result as JSON.
nlohmann::json job_to_json(const job_record& job);

} // namespace jobstack
