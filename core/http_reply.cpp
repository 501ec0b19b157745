// The API's error shape; see http_reply.hpp.
#include "core/http_reply.hpp"

#include <nlohmann/json.hpp>

namespace jobstack {

http_reply error_reply(int status, const std::string& code,
                       const std::string& message, const std::string& field,
                       int index) {
  nlohmann::json error{{"code", code}, {"message", message}};
  if (index >= 0)
    error["details"]["index"] = index;
  if (!field.empty())
    error["details"]["field"] = field;
  http_reply reply;
  reply.status = status;
  // Replace invalid UTF-8 (e.g. echoed input) instead of throwing.
  reply.body = nlohmann::json{{"error", error}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
  return reply;
}

} // namespace jobstack
