// jobstack-server (the seed's Server A): HTTP ingress + queue broker, the
// broker published to worker nodes over CAF.
#pragma once

namespace jobstack {

/// Runs the server node until SIGINT/SIGTERM; returns the exit code.
int run_server_node(int argc, char** argv);

} // namespace jobstack
