// Process-level helpers of the node mains: stop signals are blocked in
// every thread and collected by the main thread with sigtimedwait, so no
// signal handler runs inside CAF's or RESTinio's threads.
#pragma once

#include <chrono>

namespace jobstack {

/// Blocks SIGINT and SIGTERM; call first in main, before any thread starts.
void block_stop_signals();

/// Waits up to `timeout` for SIGINT/SIGTERM; true if one arrived.
bool wait_for_stop_signal(std::chrono::milliseconds timeout);

} // namespace jobstack
