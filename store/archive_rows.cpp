// Rows of the job-history archive; see archive_rows.hpp.
#include "store/archive_rows.hpp"

#include <stdexcept>

namespace jobstack {

namespace {

// How a column is written from a text parameter ($N) and read back as text.
struct column {
  const char* name;
  const char* in;  ///< "$" stands for the parameter
  const char* out; ///< "@" stands for the column
};

#define JOBSTACK_TS_IN                                                         \
  "(TIMESTAMPTZ 'epoch' + $::bigint * INTERVAL '1 microsecond')"
#define JOBSTACK_TS_OUT "(EXTRACT(EPOCH FROM @) * 1000000)::bigint"

const column columns[archive_column_count] = {
    {"id", "$", "@"},
    {"queue", "$", "@"},
    {"type", "$", "@"},
    {"payload", "$::jsonb", "@::text"},
    {"status", "$", "@"},
    {"attempts", "$::integer", "@"},
    {"max_attempts", "$::integer", "@"},
    {"timeout_ms", "$::integer", "@"},
    {"created_at", JOBSTACK_TS_IN, JOBSTACK_TS_OUT},
    {"updated_at", JOBSTACK_TS_IN, JOBSTACK_TS_OUT},
    {"run_at", JOBSTACK_TS_IN, JOBSTACK_TS_OUT},
    {"started_at", JOBSTACK_TS_IN, JOBSTACK_TS_OUT},
    {"finished_at", JOBSTACK_TS_IN, JOBSTACK_TS_OUT},
    {"result", "$::jsonb", "@::text"},
    {"last_error", "$", "@"},
    {"worker", "$", "@"},
};

#undef JOBSTACK_TS_IN
#undef JOBSTACK_TS_OUT

// `pattern` with each `mark` replaced by `with`.
std::string fill(const char* pattern, char mark, const std::string& with) {
  std::string out;
  for (const char* p = pattern; *p != '\0'; ++p) {
    if (*p == mark)
      out += with;
    else
      out += *p;
  }
  return out;
}

sql_value timestamp_or_null(int64_t us) {
  if (us == 0)
    return std::nullopt;
  return std::to_string(us);
}

sql_value text_or_null(const std::string& text) {
  if (text.empty())
    return std::nullopt;
  return text;
}

std::string text_of(const sql_value& value) {
  return value ? *value : std::string{};
}

int64_t number_of(const sql_value& value) {
  if (!value || value->empty())
    return 0;
  try {
    return std::stoll(*value);
  } catch (const std::exception&) {
    return 0;
  }
}

std::string select_list() {
  std::string out;
  for (auto& c : columns)
    out += (out.empty() ? "" : ", ") + fill(c.out, '@', c.name);
  return out;
}

} // namespace

sql_row archive_row(const job_record& job) {
  return {job.id,
          job.queue,
          job.type,
          job.payload.empty() ? std::string{"{}"} : job.payload,
          job.status,
          std::to_string(job.attempts),
          std::to_string(job.max_attempts),
          std::to_string(job.timeout_ms),
          std::to_string(job.created_at),
          std::to_string(job.updated_at),
          timestamp_or_null(job.run_at),
          timestamp_or_null(job.started_at),
          std::to_string(job.finished_at),
          text_or_null(job.result),
          text_or_null(job.last_error),
          text_or_null(job.worker)};
}

job_record job_from_archive_row(const sql_row& row) {
  if (row.size() != archive_column_count)
    throw std::invalid_argument("job_history row: wrong number of columns");
  job_record job;
  job.id = text_of(row[0]);
  job.queue = text_of(row[1]);
  job.type = text_of(row[2]);
  job.payload = text_of(row[3]);
  job.status = text_of(row[4]);
  job.attempts = static_cast<int32_t>(number_of(row[5]));
  job.max_attempts = static_cast<int32_t>(number_of(row[6]));
  job.timeout_ms = number_of(row[7]);
  job.created_at = number_of(row[8]);
  job.updated_at = number_of(row[9]);
  job.run_at = number_of(row[10]);
  job.started_at = number_of(row[11]);
  job.finished_at = number_of(row[12]);
  job.result = text_of(row[13]);
  job.last_error = text_of(row[14]);
  job.worker = text_of(row[15]);
  return job;
}

std::string archive_insert_sql(size_t rows) {
  std::string names;
  std::string updates;
  for (auto& c : columns) {
    names += (names.empty() ? "" : ", ") + std::string{c.name};
    if (std::string_view{c.name} != "id")
      updates += std::string{c.name} + " = EXCLUDED." + c.name + ", ";
  }
  std::string values;
  size_t param = 0;
  for (size_t r = 0; r < rows; ++r) {
    values += r == 0 ? "(" : ", (";
    for (size_t i = 0; i < archive_column_count; ++i)
      values += (i == 0 ? "" : ", ")
                + fill(columns[i].in, '$', "$" + std::to_string(++param));
    values += ")";
  }
  return "INSERT INTO job_history (" + names + ") VALUES " + values
         + " ON CONFLICT (id) DO UPDATE SET " + updates
         + "archived_at = now() WHERE job_history.finished_at < "
           "EXCLUDED.finished_at";
}

std::string archive_find_sql() {
  return "SELECT " + select_list() + " FROM job_history WHERE id = $1";
}

// Job ids are ULIDs (digits and upper-case letters): they sort the same
// in every collation, so the ties of PostgreSQL's order match Redis' byte
// order, and the indexes of 001_job_history.sql serve the keyset.
std::string archive_page_sql(bool after) {
  std::string sql = "SELECT " + select_list()
                    + " FROM job_history WHERE queue = $1 AND status = $2";
  if (after)
    sql += " AND (finished_at, id) < (TIMESTAMPTZ 'epoch' + $4::bigint * "
           "INTERVAL '1 microsecond', $5)";
  return sql + " ORDER BY finished_at DESC, id DESC LIMIT $3::integer";
}

sql_row archive_page_params(const list_query& query, uint32_t rows) {
  sql_row params{query.queue, query.status, std::to_string(rows)};
  if (!query.after.empty()) {
    params.emplace_back(std::to_string(query.after.finished_at));
    params.emplace_back(query.after.id);
  }
  return params;
}

job_page archive_page_of(std::vector<job_record> rows, uint32_t limit) {
  job_page page;
  if (rows.size() > limit) {
    rows.resize(limit);
    page.archive_next = !rows.empty();
    if (page.archive_next)
      page.next_key = {rows.back().finished_at, rows.back().id};
  }
  page.jobs = std::move(rows);
  return page;
}

} // namespace jobstack
