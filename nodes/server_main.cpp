// jobstack-server: see nodes/server_node.hpp and ../shared/OPERATIONS.md.
#include "nodes/server_node.hpp"

int main(int argc, char** argv) {
  return jobstack::run_server_node(argc, argv);
}
