// The documents jobstack-server serves as they are: the OpenAPI document
// (SWAGGER_PATH/SWAGGER_FILENAME) and Swagger UI (a page of ours plus the
// assets of the npm package swagger-ui-dist, installed by the scripts).
// Read once at start; nothing is fetched at run time.
#pragma once

#include <map>
#include <string>

#include "http/routes.hpp"

namespace jobstack {

/// Path -> file for "/openapi.yaml", "/swagger" and "/swagger/<asset>".
/// Missing files are left out (and logged), so their routes answer 404.
std::map<std::string, static_file>
load_documents(const std::string& openapi_file, const std::string& ui_dir);

} // namespace jobstack
