// The `cursor` of GET /v1/jobs, opaque to clients. Two forms:
//   "<offset>"                  a page of Redis' index (a decimal offset);
//   "a:" or "a:<us>:<id>"       a page of the PostgreSQL archive, after the
//                               job that finished at <us> (unix
//                               microseconds) with that id ("a:": from the
//                               start): a keyset, so archived jobs never
//                               repeat or go missing between pages.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "messages/api.hpp"

namespace jobstack {

/// Reads `text` into query.offset, or query.in_archive and query.after;
/// false if this server cannot have issued it.
bool decode_list_cursor(std::string_view text, list_query& query);

/// The next_cursor of `page`; nullopt on the last page.
std::optional<std::string> encode_list_cursor(const job_page& page);

} // namespace jobstack
