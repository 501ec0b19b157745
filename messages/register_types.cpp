// Registration of message types; see register_types.hpp.
#include "messages/register_types.hpp"

#include <string>
#include <vector>

#include "messages/api.hpp"
#include "messages/archiver.hpp"
#include "messages/broker.hpp"
#include "messages/errors.hpp"
#include "messages/inspect.hpp"
#include "messages/job.hpp"
#include "messages/store.hpp"
#include "messages/worker_node.hpp"

namespace jobstack {

std::string to_string(errc x) {
  switch (x) {
  case errc::none:
    return "none";
  case errc::not_found:
    return "not_found";
  case errc::unavailable:
    return "unavailable";
  case errc::conflict:
    return "conflict";
  case errc::unknown_worker:
    return "unknown_worker";
  case errc::invalid:
    return "invalid";
  case errc::protocol_mismatch:
    return "protocol_mismatch";
  }
  return "unknown";
}

void register_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<archive_batch>("archive_batch")
      .add_message_type<archive_key>("archive_key")
      .add_message_type<std::vector<archive_key>>("std::vector<archive_key>")
      .add_message_type<broker_actor>("broker_actor")
      .add_message_type<delivery>("delivery")
      .add_message_type<job_page>("job_page")
      .add_message_type<job_outcome>("job_outcome")
      .add_message_type<job_record>("job_record")
      .add_message_type<list_query>("list_query")
      .add_message_type<queue_stats>("queue_stats")
      .add_message_type<std::vector<queue_stats>>("std::vector<queue_stats>")
      .add_message_type<std::vector<submit_request>>(
          "std::vector<submit_request>")
      .add_message_type<std::vector<submit_result>>(
          "std::vector<submit_result>")
      .add_message_type<std::vector<worker_view>>("std::vector<worker_view>")
      .add_message_type<submit_request>("submit_request")
      .add_message_type<submit_result>("submit_result")
      .add_message_type<std::vector<bool>>("std::vector<bool>")
      .add_message_type<std::vector<delivery>>("std::vector<delivery>")
      .add_message_type<std::vector<job_outcome>>("std::vector<job_outcome>")
      .add_message_type<std::vector<job_record>>("std::vector<job_record>")
      .add_message_type<std::vector<std::string>>("std::vector<std::string>")
      .add_message_type<std::vector<std::vector<std::string>>>(
          "std::vector<std::vector<std::string>>")
      .add_message_type<actor_report>("actor_report")
      .add_message_type<std::vector<actor_report>>("std::vector<actor_report>")
      .add_message_type<node_report>("node_report")
      .add_message_type<node_entry>("node_entry")
      .add_message_type<std::vector<node_entry>>("std::vector<node_entry>")
      .add_message_type<inspect_actor>("inspect_actor")
      .add_message_type<worker_info>("worker_info")
      .add_message_type<worker_node_actor>("worker_node_actor")
      .add_message_type<worker_view>("worker_view");
  cfg.add_error_category(caf::atom("jobstack"),
                         [](uint8_t code, caf::atom_value,
                            const caf::message& ctx) -> std::string {
                           auto text = to_string(static_cast<errc>(code));
                           if (!ctx.empty())
                             text += caf::deep_to_string(ctx);
                           return text;
                         });
}

} // namespace jobstack
