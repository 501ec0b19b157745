// Job spec validation: every rule of API.md's job spec, accepted and refused.
#define CAF_SUITE core.job_spec
#include <caf/test/unit_test.hpp>

#include <string>

#include "core/job_spec.hpp"
#include "tests/value_of.hpp"

using namespace jobstack;

namespace {

// Parses `body` and returns the error code and field, or "ok".
std::string verdict(const std::string& body) {
  auto spec = parse_job_spec(body, 0);
  if (!spec.error)
    return "ok";
  return spec.error->code + ":" + spec.error->field;
}

} // namespace

CAF_TEST(a minimal spec gets the defaults of API.md) {
  auto spec = parse_job_spec(R"({"type":"email.send"})", 0);
  CAF_REQUIRE(!spec.error);
  CAF_CHECK_EQUAL(spec.job.type, "email.send");
  CAF_CHECK_EQUAL(spec.job.queue, "default");
  CAF_CHECK_EQUAL(spec.job.payload, "{}");
  CAF_CHECK_EQUAL(spec.job.max_attempts, 3);
  CAF_CHECK_EQUAL(spec.job.timeout_ms, 30000);
}

CAF_TEST(a full spec keeps every field) {
  auto spec = parse_job_spec(R"({"type":"a.B:c-d_1","queue":"mail_2-x",
    "payload":[1,{"k":"v"}],"max_attempts":100,"timeout_ms":86400000})",
                             0);
  CAF_REQUIRE(!spec.error);
  CAF_CHECK_EQUAL(spec.job.queue, "mail_2-x");
  CAF_CHECK_EQUAL(spec.job.payload, R"([1,{"k":"v"}])");
  CAF_CHECK_EQUAL(spec.job.max_attempts, 100);
  CAF_CHECK_EQUAL(spec.job.timeout_ms, 86400000);
}

CAF_TEST(bodies that are not JSON objects are refused) {
  CAF_CHECK_EQUAL(verdict("not json"), "invalid_json:");
  CAF_CHECK_EQUAL(verdict(R"({"type":"x")"), "invalid_json:");
  CAF_CHECK_EQUAL(verdict("{\"type\":\"\xff\xfe\"}"), "invalid_json:");
  CAF_CHECK_EQUAL(verdict("[1,2]"), "validation_failed:body");
  CAF_CHECK_EQUAL(verdict("42"), "validation_failed:body");
  CAF_CHECK_EQUAL(verdict(""), "invalid_json:");
}

CAF_TEST(type is required and must match its pattern) {
  CAF_CHECK_EQUAL(verdict(R"({"payload":{}})"), "validation_failed:type");
  CAF_CHECK_EQUAL(verdict(R"({"type":""})"), "validation_failed:type");
  CAF_CHECK_EQUAL(verdict(R"({"type":"a b"})"), "validation_failed:type");
  CAF_CHECK_EQUAL(verdict(R"({"type":7})"), "validation_failed:type");
  auto longest = std::string(128, 't');
  CAF_CHECK_EQUAL(verdict(R"({"type":")" + longest + "\"}"), "ok");
  CAF_CHECK_EQUAL(verdict(R"({"type":")" + longest + "t\"}"),
                  "validation_failed:type");
}

CAF_TEST(queue names are lower case and short) {
  CAF_CHECK_EQUAL(verdict(R"({"type":"x","queue":"Mail"})"),
                  "validation_failed:queue");
  CAF_CHECK_EQUAL(verdict(R"({"type":"x","queue":""})"),
                  "validation_failed:queue");
  CAF_CHECK_EQUAL(
      verdict(R"({"type":"x","queue":")" + std::string(65, 'q') + "\"}"),
      "validation_failed:queue");
}

CAF_TEST(max_attempts and timeout_ms must be integers in range) {
  for (auto bad : {"0", "101", "\"3\"", "3.5", "3.0", "-1", "true"})
    CAF_CHECK_EQUAL(
        verdict(std::string{R"({"type":"x","max_attempts":)"} + bad + "}"),
        "validation_failed:max_attempts");
  for (auto bad : {"0", "86400001", "1e3", "18446744073709551615"})
    CAF_CHECK_EQUAL(
        verdict(std::string{R"({"type":"x","timeout_ms":)"} + bad + "}"),
        "validation_failed:timeout_ms");
}

CAF_TEST(unknown fields are refused) {
  CAF_CHECK_EQUAL(verdict(R"({"type":"x","priority":1})"),
                  "validation_failed:priority");
}

CAF_TEST(deep nesting is refused before parsing) {
  std::string deep(100000, '[');
  CAF_CHECK_EQUAL(verdict(R"({"type":"x","payload":)" + deep),
                  "validation_failed:payload");
  CAF_CHECK_EQUAL(json_nesting_depth(R"({"a":"[[[[","b":[[1]]})"), 3);
  std::string ok_depth = std::string(60, '[') + std::string(60, ']');
  CAF_CHECK_EQUAL(verdict(R"({"type":"x","payload":)" + ok_depth + "}"), "ok");
}

CAF_TEST(delay_ms and run_at set the time a job becomes ready) {
  int64_t now = 1796077855000000; // 2026-11-30T22:30:55Z
  auto delayed = parse_job_spec(R"({"type":"x","delay_ms":1500})", now);
  CAF_REQUIRE(!delayed.error);
  CAF_CHECK_EQUAL(delayed.job.run_at, now + 1500000);
  stamp_new_job(delayed.job, now);
  CAF_CHECK_EQUAL(delayed.job.status, "scheduled");
  auto at = parse_job_spec(
      R"({"type":"x","run_at":"2026-11-30T23:30:55.5+01:00"})", now);
  CAF_REQUIRE(!at.error);
  CAF_CHECK_EQUAL(at.job.run_at, now + 500000);
  auto now_job = parse_job_spec(R"({"type":"x","delay_ms":0})", now);
  stamp_new_job(now_job.job, now);
  CAF_CHECK_EQUAL(now_job.job.status, "queued");
  auto past
      = parse_job_spec(R"({"type":"x","run_at":"2020-01-01T00:00:00Z"})", now);
  stamp_new_job(past.job, now);
  CAF_CHECK_EQUAL(past.job.status, "queued");
}

CAF_TEST(bad times are refused) {
  CAF_CHECK_EQUAL(verdict(R"({"type":"x","run_at":"tomorrow"})"),
                  "validation_failed:run_at");
  CAF_CHECK_EQUAL(verdict(R"({"type":"x","run_at":"2026-02-30T00:00:00Z"})"),
                  "validation_failed:run_at");
  CAF_CHECK_EQUAL(verdict(R"({"type":"x","run_at":"2026-12-01T00:00:00"})"),
                  "validation_failed:run_at");
  CAF_CHECK_EQUAL(verdict(R"({"type":"x","run_at":1})"),
                  "validation_failed:run_at");
  CAF_CHECK_EQUAL(
      verdict(R"({"type":"x","run_at":"2026-12-01T00:00:00Z","delay_ms":5})"),
      "validation_failed:run_at");
  CAF_CHECK_EQUAL(verdict(R"({"type":"x","delay_ms":-1})"),
                  "validation_failed:delay_ms");
  CAF_CHECK_EQUAL(verdict(R"({"type":"x","delay_ms":31536000001})"),
                  "validation_failed:delay_ms");
}

CAF_TEST(a batch is all valid or names its first bad item) {
  auto ok
      = parse_batch(R"({"jobs":[{"type":"a"},{"type":"b","queue":"q"}]})", 0);
  CAF_REQUIRE(!ok.error);
  CAF_REQUIRE_EQUAL(ok.jobs.size(), 2u);
  CAF_CHECK_EQUAL(ok.jobs[1].queue, "q");
  auto bad = parse_batch(
      R"({"jobs":[{"type":"a"},{"type":"b"},{"type":"c"},{"type":"B A"}]})", 0);
  CAF_REQUIRE(bad.error.has_value());
  CAF_CHECK_EQUAL(bad.error->index, 3);
  CAF_CHECK_EQUAL(bad.error->field, "type");
  CAF_CHECK(bad.jobs.empty());
  CAF_CHECK_EQUAL(test::value_of(parse_batch(R"({"jobs":[]})", 0).error->field),
                  "jobs");
  CAF_CHECK_EQUAL(test::value_of(parse_batch(R"({"jobs":{}})", 0).error->field),
                  "jobs");
  CAF_CHECK_EQUAL(test::value_of(parse_batch(R"({})", 0).error->field), "jobs");
  CAF_CHECK_EQUAL(
      test::value_of(
          parse_batch(R"({"jobs":[{"type":"a"}],"x":1})", 0).error->field),
      "x");
  std::string many = R"({"jobs":[)";
  for (int i = 0; i < 1001; ++i)
    many += std::string{i == 0 ? "" : ","} + R"({"type":"a"})";
  many += "]}";
  CAF_CHECK_EQUAL(test::value_of(parse_batch(many, 0).error->field), "jobs");
}

CAF_TEST(idempotency keys are printable ascii up to 200) {
  CAF_CHECK(is_valid_idempotency_key("order-42 retry#1"));
  CAF_CHECK(is_valid_idempotency_key(std::string(200, 'k')));
  CAF_CHECK(!is_valid_idempotency_key(std::string(201, 'k')));
  CAF_CHECK(!is_valid_idempotency_key(""));
  CAF_CHECK(!is_valid_idempotency_key("tab\there"));
  CAF_CHECK(!is_valid_idempotency_key("caf\xc3\xa9"));
}
