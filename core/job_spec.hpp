// Job specs of POST /v1/jobs and POST /v1/jobs/batch: parsing and
// validation against API.md and docs/api-decisions.md, as pure functions
// the HTTP layer and the fuzzer call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "messages/job.hpp"

namespace jobstack {

/// Why a body was refused: `code` is `invalid_json` or `validation_failed`;
/// `field` names the offending field (empty for invalid_json); `index` the
/// item of a batch (-1 outside batches).
struct spec_error {
  std::string code;
  std::string message;
  std::string field;
  int index = -1;
};

/// Deepest nesting of arrays/objects a body may have; deeper bodies are
/// refused before parsing, so no parser recursion can exhaust the stack.
inline constexpr int max_json_depth = 64;

/// Most jobs in one batch.
inline constexpr size_t max_batch_size = 1000;

/// A parsed spec: `job` has queue, type, payload, max_attempts,
/// timeout_ms and run_at set when `error` is empty.
struct parsed_spec {
  job_record job;
  std::optional<spec_error> error;
};

/// Parses one job spec; `now` (unix us) resolves `delay_ms`.
parsed_spec parse_job_spec(std::string_view body, int64_t now);

struct parsed_batch {
  std::vector<job_record> jobs;
  std::optional<spec_error> error;
};

/// Parses {"jobs": [spec, ...]} with 1..max_batch_size specs.
parsed_batch parse_batch(std::string_view body, int64_t now);

/// Reads the fields of one spec object into `job`.
std::optional<spec_error> read_job_spec(const nlohmann::json& spec,
                                        job_record& job, int64_t now);

/// Fills in what the server decides for a new job: id, status (scheduled
/// if run_at is in the future, else queued), attempts, times.
void stamp_new_job(job_record& job, int64_t now);

/// True if `name` is a valid queue name: [a-z0-9_-]{1,64}.
bool is_valid_queue_name(std::string_view name);

/// True if `type` is a valid job type: [A-Za-z0-9._:-]{1,128}.
bool is_valid_job_type(std::string_view type);

/// True if `key` is a valid Idempotency-Key: 1..200 printable ASCII.
bool is_valid_idempotency_key(std::string_view key);

/// Deepest nesting of `[`/`{` outside strings in `text`.
int json_nesting_depth(std::string_view text);

} // namespace jobstack
