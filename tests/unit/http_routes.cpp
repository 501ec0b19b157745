// The pure HTTP layer: routes, methods (405 + Allow), limits (413, 414,
// 415, 431), validation of bodies, ids and query parameters, and which
// routes stay open when authorization is on (the rest: http_auth.cpp).
#define CAF_SUITE http.routes
#include <caf/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "http/auth.hpp"
#include "http/routes.hpp"
#include "tests/value_of.hpp"

using namespace jobstack;
using nlohmann::json;

namespace {

struct fixture {
  route_options opts;

  fixture() {
    opts.max_body_bytes = 100;
    opts.max_url_bytes = 64;
    opts.max_headers = 5;
    opts.files["/openapi.yaml"] = static_file{"application/yaml", "openapi:"};
  }

  routed call(std::string method, std::string target, std::string body = {},
              std::string type = "application/json") {
    api_request req;
    req.method = std::move(method);
    req.target = std::move(target);
    req.body = std::move(body);
    if (!type.empty())
      req.headers.emplace_back("Content-Type", type);
    return route_request(req, opts, 1796077855000000);
  }

  // "status code[:field]" of an immediate reply, or "command".
  std::string verdict(const routed& r) {
    if (!r.reply)
      return "command";
    auto out = std::to_string(r.reply->status);
    auto body = json::parse(r.reply->body, nullptr, false);
    if (body.is_object() && body.contains("error")) {
      out += " " + body["error"]["code"].get<std::string>();
      if (body["error"].contains("details")
          && body["error"]["details"].contains("field"))
        out += ":" + body["error"]["details"]["field"].get<std::string>();
    }
    return out;
  }

  std::string allow(const routed& r) {
    for (auto& [k, v] : r.reply->headers)
      if (k == "Allow")
        return v;
    return "";
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(route_tests, fixture)

CAF_TEST(every api route is found) {
  CAF_CHECK_EQUAL(verdict(call("POST", "/v1/jobs", R"({"type":"x"})")),
                  "command");
  CAF_CHECK_EQUAL(
      verdict(call("POST", "/v1/jobs/batch", R"({"jobs":[{"type":"x"}]})")),
      "command");
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/jobs")), "command");
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/jobs/ABC")), "command");
  CAF_CHECK_EQUAL(verdict(call("DELETE", "/v1/jobs/ABC")), "command");
  CAF_CHECK_EQUAL(verdict(call("POST", "/v1/jobs/ABC/retry", "", "")),
                  "command");
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/queues")), "command");
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/queues/mail")), "command");
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/workers")), "command");
  CAF_CHECK_EQUAL(verdict(call("GET", "/readyz")), "command");
  CAF_CHECK_EQUAL(verdict(call("GET", "/healthz")), "200");
  auto metrics = call("GET", "/metrics");
  CAF_CHECK_EQUAL(verdict(metrics), "command"); // the queue gauges need Redis
  CAF_CHECK(metrics.command.op == api_op::metrics);
  auto doc = call("GET", "/openapi.yaml");
  CAF_CHECK_EQUAL(doc.reply->body, "openapi:");
  CAF_CHECK_EQUAL(doc.route, "/openapi.yaml");
}

CAF_TEST(request ids are taken from the client or made) {
  api_request req;
  req.method = "POST";
  req.target = "/v1/jobs";
  req.headers = {{"X-Request-Id", "abc-123:x/y"}};
  CAF_CHECK_EQUAL(request_id_for(req, 1), "abc-123:x/y");
  for (auto bad : {std::string{}, std::string(129, 'a'), std::string{"a b"},
                   std::string{"a\"b"}, std::string{"\xff"}}) {
    req.headers = {{"x-request-id", bad}};
    auto made = request_id_for(req, 1796077855000000);
    CAF_CHECK_NOT_EQUAL(made, bad);
    CAF_CHECK_EQUAL(made.size(), 26u); // a fresh ULID-like id
  }
  req.request_id = "rid-1";
  req.body = R"({"jobs":[{"type":"a"},{"type":"b"}]})";
  req.target = "/v1/jobs/batch";
  req.headers = {{"content-type", "application/json"}};
  auto batch = route_request(req, opts, 0);
  CAF_REQUIRE_EQUAL(batch.command.submit.jobs.size(), 2u);
  for (auto& job : batch.command.submit.jobs)
    CAF_CHECK_EQUAL(job.request_id, "rid-1");
}

CAF_TEST(commands carry what the ingress needs) {
  auto create = call("POST", "/v1/jobs", R"({"type":"x","queue":"q"})");
  CAF_REQUIRE_EQUAL(create.command.submit.jobs.size(), 1u);
  auto& job = create.command.submit.jobs.front();
  CAF_CHECK_EQUAL(job.queue, "q");
  CAF_CHECK_EQUAL(job.status, "queued");
  CAF_CHECK_EQUAL(job.id.size(), 26u);
  CAF_CHECK_EQUAL(job.created_at, 1796077855000000);
  auto get = call("GET", "/v1/jobs/ABC");
  CAF_CHECK_EQUAL(get.command.name, "ABC");
  CAF_CHECK_EQUAL(get.route, "/v1/jobs/{id}");
  auto list = call("GET", "/v1/jobs?queue=mail&status=dead&limit=7&cursor=14");
  CAF_CHECK_EQUAL(list.command.query.queue, "mail");
  CAF_CHECK_EQUAL(list.command.query.status, "dead");
  CAF_CHECK_EQUAL(list.command.query.limit, 7u);
  CAF_CHECK_EQUAL(list.command.query.offset, 14u);
}

CAF_TEST(unknown paths are 404 and wrong methods 405 with allow) {
  CAF_CHECK_EQUAL(verdict(call("GET", "/nope")), "404 not_found");
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/jobs/")), "404 not_found");
  CAF_CHECK_EQUAL(verdict(call("GET", "v1/jobs")), "404 not_found");
  auto put = call("PUT", "/v1/jobs");
  CAF_CHECK_EQUAL(verdict(put), "405 method_not_allowed");
  CAF_CHECK_EQUAL(allow(put), "GET, POST");
  CAF_CHECK_EQUAL(allow(call("GET", "/v1/jobs/batch")), "POST");
  CAF_CHECK_EQUAL(allow(call("PATCH", "/v1/jobs/ABC")), "DELETE, GET");
  CAF_CHECK_EQUAL(allow(call("GET", "/v1/jobs/ABC/retry")), "POST");
  CAF_CHECK_EQUAL(allow(call("POST", "/healthz")), "GET");
}

CAF_TEST(limits are answered with their 4xx) {
  CAF_CHECK_EQUAL(verdict(call("POST", "/v1/jobs", std::string(101, ' '))),
                  "413 payload_too_large");
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/jobs/" + std::string(60, 'a'))),
                  "414 uri_too_long");
  api_request flood;
  flood.method = "GET";
  flood.target = "/healthz";
  for (int i = 0; i < 6; ++i)
    flood.headers.emplace_back("X-" + std::to_string(i), "v");
  CAF_CHECK_EQUAL(verdict(route_request(flood, opts, 0)),
                  "431 headers_too_large");
}

CAF_TEST(create bodies need json and valid specs) {
  CAF_CHECK_EQUAL(
      verdict(call("POST", "/v1/jobs", R"({"type":"x"})", "text/plain")),
      "415 unsupported_media_type");
  CAF_CHECK_EQUAL(verdict(call("POST", "/v1/jobs", R"({"type":"x"})", "")),
                  "415 unsupported_media_type");
  CAF_CHECK_EQUAL(verdict(call("POST", "/v1/jobs", R"({"type":"x"})",
                               "Application/JSON; charset=utf-8")),
                  "command");
  CAF_CHECK_EQUAL(verdict(call("POST", "/v1/jobs", "{")), "400 invalid_json");
  CAF_CHECK_EQUAL(verdict(call("POST", "/v1/jobs", R"({"type":1})")),
                  "400 validation_failed:type");
  auto batch = call("POST", "/v1/jobs/batch",
                    R"({"jobs":[{"type":"a"},{"type":"b c"}]})");
  CAF_CHECK_EQUAL(verdict(batch), "400 validation_failed:type");
  auto body = json::parse(batch.reply->body);
  CAF_CHECK_EQUAL(body["error"]["details"]["index"], 1);
  // Found by the fuzzer: an empty key in a batch item used to throw.
  auto empty_key
      = call("POST", "/v1/jobs/batch", R"({"jobs":[{"type":"a","":""}]})");
  CAF_CHECK_EQUAL(verdict(empty_key), "400 validation_failed");
  auto empty_body = json::parse(empty_key.reply->body);
  CAF_CHECK_EQUAL(empty_body["error"]["details"]["index"], 0);
}

CAF_TEST(idempotency keys are checked) {
  api_request req;
  req.method = "POST";
  req.target = "/v1/jobs";
  req.body = R"({"type":"x"})";
  req.headers = {{"content-type", "application/json"},
                 {"Idempotency-Key", std::string(201, 'k')}};
  CAF_CHECK_EQUAL(verdict(route_request(req, opts, 0)),
                  "400 validation_failed:Idempotency-Key");
  req.headers.back().second = "order-1";
  auto ok = route_request(req, opts, 0);
  CAF_CHECK_EQUAL(ok.command.submit.idempotency_key, "order-1");
}

CAF_TEST(list parameters are validated) {
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/jobs?status=lost")),
                  "400 validation_failed:status");
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/jobs?limit=0")),
                  "400 validation_failed:limit");
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/jobs?limit=1001")),
                  "400 validation_failed:limit");
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/jobs?limit=x")),
                  "400 validation_failed:limit");
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/jobs?cursor=-1")),
                  "400 validation_failed:cursor");
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/jobs?queue=Mail")),
                  "400 validation_failed:queue");
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/jobs?sort=asc")),
                  "400 validation_failed:sort");
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/jobs?queue=%zz")),
                  "400 validation_failed:query");
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/jobs?status=dead&")), "command");
}

CAF_TEST(ids and queue names that cannot exist are 404) {
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/jobs/a%2Fb")), "404 not_found");
  CAF_CHECK_EQUAL(verdict(call("DELETE", "/v1/jobs/a.b")), "404 not_found");
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/queues/Mail")), "404 not_found");
}

CAF_TEST(ops routes and documents stay open when auth is on) {
  auto auth = std::make_shared<auth_options>();
  auth->enabled = true;
  auth->tokens = parse_token_entries("ci:" + sha256_hex("t") + ":admin");
  opts.auth = auth;
  CAF_CHECK_EQUAL(verdict(call("GET", "/healthz")), "200");
  CAF_CHECK_EQUAL(verdict(call("GET", "/readyz")), "command");
  CAF_CHECK_EQUAL(verdict(call("GET", "/metrics")), "command");
  CAF_CHECK_EQUAL(verdict(call("GET", "/openapi.yaml")), "200");
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/jobs")), "401 unauthorized");
  CAF_CHECK_EQUAL(verdict(call("GET", "/v1/queues")), "401 unauthorized");
  // Closed by auth.open_ops=false: then any valid token will do.
  auth->open_ops = false;
  CAF_CHECK_EQUAL(verdict(call("GET", "/healthz")), "401 unauthorized");
  CAF_CHECK_EQUAL(verdict(call("GET", "/metrics")), "401 unauthorized");
  CAF_CHECK_EQUAL(verdict(call("GET", "/openapi.yaml")), "200");
  api_request req;
  req.method = "GET";
  req.target = "/healthz";
  req.headers = {{"Authorization", "Bearer t"}};
  CAF_CHECK_EQUAL(verdict(route_request(req, opts, 0)), "200");
}

CAF_TEST(percent decoding) {
  CAF_CHECK_EQUAL(test::value_of(*percent_decode("a%20b+c")), "a b c");
  CAF_CHECK(!percent_decode("%2").has_value());
  CAF_CHECK(!percent_decode("%g1").has_value());
}

CAF_TEST_FIXTURE_SCOPE_END()
