// The PostgreSQL job-history archive's rows (deploy/sql/): how a job_record
// maps to the values of a job_history row and back, and the SQL that
// writes and reads them. Pure functions, unit-tested without a database;
// store/pg_archive.cpp runs the SQL.
//
// Values travel as text. Timestamps are unix microseconds (bigint), turned
// into timestamptz by the SQL and back, so nothing is lost to rounding.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "messages/api.hpp"
#include "messages/job.hpp"

namespace jobstack {

/// One SQL parameter or result value; nullopt is NULL.
using sql_value = std::optional<std::string>;
using sql_row = std::vector<sql_value>;

/// How many values one job has in a row (the Job resource's fields).
constexpr size_t archive_column_count = 16;

/// The row values of `job`, in the column order of the SQL below: 0
/// timestamps and empty result, last_error and worker are NULL.
sql_row archive_row(const job_record& job);

/// The job of a row read by archive_find_sql() or archive_page_sql(); NULL
/// reads as 0 or empty, as in Redis.
job_record job_from_archive_row(const sql_row& row);

/// INSERT of `rows` jobs (archive_column_count parameters each). A job
/// already archived is replaced only by a version that finished later (it
/// was retried since), so writing a batch twice changes nothing.
std::string archive_insert_sql(size_t rows);

/// SELECT of one job; $1 is its id.
std::string archive_find_sql();

/// SELECT of a page of one queue's jobs in one status, most recently
/// finished first (then id descending, like Redis' index): $1 queue,
/// $2 status, $3 most rows; `after` adds $4 finished_at (unix us) and $5
/// id, and the page starts after that job.
std::string archive_page_sql(bool after);

/// The parameters of archive_page_sql(!query.after.empty()).
sql_row archive_page_params(const list_query& query, uint32_t rows);

/// A listing page from the up to `limit` + 1 rows of a page query: with
/// more than `limit`, the extra row is dropped and the listing goes on in
/// the archive after the page's last job.
job_page archive_page_of(std::vector<job_record> rows, uint32_t limit);

} // namespace jobstack
