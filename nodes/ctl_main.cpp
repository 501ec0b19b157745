// jobstack-ctl's entry point; see nodes/ctl_node.hpp.
#include "nodes/ctl_node.hpp"

int main(int argc, char** argv) {
  return jobstack::run_ctl(argc, argv);
}
