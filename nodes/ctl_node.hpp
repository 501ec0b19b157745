// jobstack-ctl: connects to a live node as a CAF node and prints what it
// reports (inspect) or which nodes its broker knows (nodes).
#pragma once

namespace jobstack {

/// Runs jobstack-ctl; returns its exit code (see ctl_usage()).
int run_ctl(int argc, char** argv);

} // namespace jobstack
