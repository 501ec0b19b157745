// jobstack-worker with the built-in job types: see nodes/worker_node.hpp.
#include "nodes/worker_node.hpp"

int main(int argc, char** argv) {
  jobstack::handler_registry handlers;
  jobstack::add_builtin_handlers(handlers);
  return jobstack::run_worker_node(argc, argv, std::move(handlers));
}
