// Cursors of GET /v1/jobs; see list_cursor.hpp.
#include "core/list_cursor.hpp"

#include <algorithm>

#include "core/job_id.hpp"

namespace jobstack {

namespace {

constexpr std::string_view archive_prefix = "a:";

bool is_digits(std::string_view text, size_t max_len) {
  return !text.empty() && text.size() <= max_len
         && std::all_of(text.begin(), text.end(),
                        [](char c) { return c >= '0' && c <= '9'; });
}

bool decode_archive_key(std::string_view text, archive_key& key) {
  if (text.empty()) {
    key = {};
    return true;
  }
  auto colon = text.find(':');
  if (colon == std::string_view::npos)
    return false;
  auto us = text.substr(0, colon);
  auto id = text.substr(colon + 1);
  if (!is_digits(us, 18) || !is_plausible_job_id(id))
    return false;
  key.finished_at = std::stoll(std::string{us});
  key.id = std::string{id};
  return key.finished_at > 0;
}

} // namespace

bool decode_list_cursor(std::string_view text, list_query& query) {
  if (text.substr(0, archive_prefix.size()) == archive_prefix) {
    query.in_archive = true;
    query.offset = 0;
    return decode_archive_key(text.substr(archive_prefix.size()), query.after);
  }
  if (!is_digits(text, 13))
    return false;
  query.offset = std::stoull(std::string{text});
  return query.offset <= 1000000000000;
}

std::optional<std::string> encode_list_cursor(const job_page& page) {
  if (page.archive_next) {
    std::string out{archive_prefix};
    if (!page.next_key.empty())
      out += std::to_string(page.next_key.finished_at) + ":" + page.next_key.id;
    return out;
  }
  if (page.next_offset == 0)
    return std::nullopt;
  return std::to_string(page.next_offset);
}

} // namespace jobstack
