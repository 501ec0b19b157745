// Loading of the served documents; see documents.hpp.
#include "http/documents.hpp"

#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "core/logging.hpp"

namespace jobstack {

namespace {

// Our page: Swagger UI from the local assets, pointed at /openapi.yaml.
constexpr const char* swagger_page = R"html(<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>jobstack API</title>
  <link rel="stylesheet" href="/swagger/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/swagger/swagger-ui-bundle.js"></script>
  <script src="/swagger/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: "/openapi.yaml",
      dom_id: "#swagger-ui",
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "StandaloneLayout",
      validatorUrl: null
    });
  </script>
</body>
</html>
)html";

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return false;
  std::ostringstream buf;
  buf << in.rdbuf();
  out = buf.str();
  return true;
}

} // namespace

std::map<std::string, static_file>
load_documents(const std::string& openapi_file, const std::string& ui_dir) {
  std::map<std::string, static_file> files;
  static_file doc{"application/yaml", {}};
  if (read_file(openapi_file, doc.body))
    files["/openapi.yaml"] = std::move(doc);
  else
    logs::warn(
        "http",
        fmt::format("OpenAPI document {} not found: /openapi.yaml answers 404",
                    openapi_file));
  files["/swagger"] = static_file{"text/html; charset=utf-8", swagger_page};
  static const std::pair<const char*, const char*> assets[] = {
      {"swagger-ui.css", "text/css; charset=utf-8"},
      {"swagger-ui-bundle.js", "application/javascript; charset=utf-8"},
      {"swagger-ui-standalone-preset.js",
       "application/javascript; charset=utf-8"},
  };
  for (auto& [name, type] : assets) {
    static_file asset{type, {}};
    if (read_file(ui_dir + "/" + name, asset.body))
      files[std::string{"/swagger/"} + name] = std::move(asset);
    else
      spdlog::warn("Swagger UI asset {}/{} not found (run scripts/run.sh or "
                   "npm ci): /swagger will not render",
                   ui_dir, name);
  }
  return files;
}

} // namespace jobstack
