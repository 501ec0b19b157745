// An HTTP answer as plain data, so actors can build responses without
// knowing RESTinio, and tests can read them.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace jobstack {

struct http_reply {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type = "application/json";
};

/// Builds the API's error shape: {"error": {"code", "message", "details"}}.
/// `field` (if not empty) becomes details.field; `index` (if not negative)
/// becomes details.index, the position of the bad item in a batch.
http_reply error_reply(int status, const std::string& code,
                       const std::string& message,
                       const std::string& field = {}, int index = -1);

/// Hands a finished reply back to the connection that asked for it.
using reply_fn = std::function<void(http_reply)>;

} // namespace jobstack
