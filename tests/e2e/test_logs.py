#!/usr/bin/env python3
"""Logs (issue 5): a server and a worker ship JSON lines to a log aggregator
over TCP (CSC_LOG_TCP; here a listener in this test) and the server also to a
rotating file (CSC_LOG_FILE). A job's life (enqueued, delivered, started,
succeeded) arrives as well-formed lines carrying the request id given in
X-Request-Id, which the API echoes. The Redis password appears in no output.
Stopping the listener neither blocks nor crashes the nodes; once it listens
again, lines arrive again."""

import json
import socket
import threading
import time

import harness as h

PASSWORD = "pw-e2e-Secret-7731"
LINE_KEYS = {"ts", "level", "node", "actor", "message"}


class Aggregator:
    """A TCP listener on 127.0.0.1 that keeps every line it receives."""

    def __init__(self, port=None):
        self.port = port or h.free_port()
        self.lines = []
        self.lock = threading.Lock()
        self.sock = None
        self.conns = []
        self.stopping = False

    def start(self):
        self.stopping = False
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def _accept(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.conns.append(conn)
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn):
        buf = b""
        conn.settimeout(0.2)
        while not self.stopping:
            try:
                data = conn.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            if not data:
                return
            buf += data
            *complete, buf = buf.split(b"\n")
            with self.lock:
                self.lines.extend(complete)

    def stop(self):
        self.stopping = True
        for c in self.conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()
        self.conns = []
        self.sock.close()
        time.sleep(0.3)  # let the reader threads see it

    def records(self):
        with self.lock:
            raw = list(self.lines)
        out = []
        for line in raw:
            try:
                record = json.loads(line)
            except ValueError:
                raise h.TestFailure(f"not a JSON line: {line[:200]!r}")
            h.check(isinstance(record, dict) and LINE_KEYS <= record.keys(),
                    f"a log line lacks {LINE_KEYS - set(record)}: {record}")
            out.append(record)
        return out

    def raw_text(self):
        with self.lock:
            return b"\n".join(self.lines).decode("utf-8", "replace")


def life_of(aggregator, job_id):
    """(node, actor, message) of the lines about job_id."""
    return {(r["node"], r["actor"], r["message"].split(":")[0])
            for r in aggregator.records() if r.get("job_id") == job_id}


WANT_LIFE = {("server", "broker", "enqueued"), ("server", "broker", "delivered"),
             ("worker", "scheduler", "started"), ("worker", "scheduler", "succeeded"),
             ("server", "broker", "succeeded")}


def header(headers, name):
    return headers.get(name) if hasattr(headers, "get") else dict(headers).get(name)


def test():
    with h.Sandbox("logs") as sb:
        agg = Aggregator().start()
        try:
            run(sb, agg)
        finally:
            agg.stop()


def run(sb, agg):
    log_file = sb.dir / "server-json.log"
    tcp = {"CSC_LOG_TCP": f"127.0.0.1:{agg.port}", "CSC_LOG_LEVEL": "debug"}
    redis = sb.redis(password=PASSWORD)
    server = sb.server(redis, extra_env={**tcp, "REDIS_PASSWORD": PASSWORD,
                                          "CSC_LOG_FILE": str(log_file)})
    worker = sb.worker(server, extra_env=tcp)

    # The request id: taken from the client, echoed, carried by the job.
    status, headers, job = server.http("POST", "/v1/jobs", {"type": "echo", "payload": {"n": 1}},
                                       headers={"X-Request-Id": "e2e-req-1"})
    h.check(status == 201, f"POST /v1/jobs: {status} {job}")
    h.check(header(headers, "X-Request-Id") == "e2e-req-1", f"X-Request-Id not echoed: {dict(headers)}")
    status, headers, _ = server.http("GET", "/v1/jobs/nope")
    made = header(headers, "X-Request-Id")
    h.check(status == 404 and made and len(made) == 26, f"a made-up request id on a 404: {made!r}")
    server.wait_all_succeeded([job["id"]], 30)

    h.wait_until(lambda: WANT_LIFE <= life_of(agg, job["id"]), 20, 0.1,
                 lambda: f"the job's life in the aggregator: want {sorted(WANT_LIFE)}, "
                         f"got {sorted(life_of(agg, job['id']))}")
    for r in agg.records():
        if r.get("job_id") == job["id"]:
            h.check(r.get("request_id") == "e2e-req-1", f"a line of the job without its request id: {r}")
            h.check(r.get("queue") == "default" and r.get("type") == "echo", f"queue/type missing: {r}")
    started = [r for r in agg.records() if r.get("job_id") == job["id"] and r["message"] == "started"]
    h.check(started[0].get("worker") == worker.worker_id and started[0].get("attempt") == 1,
            f"the worker's line names the worker and attempt: {started[0]}")


    # The aggregator goes away: the API and the workers go on, unblocked.
    agg.stop()
    t0 = time.monotonic()
    ids = [server.post_job({"type": "echo", "payload": {"i": i}})["id"] for i in range(50)]
    server.wait_all_succeeded(ids, 30)
    h.log(f"50 jobs with the aggregator down: {time.monotonic() - t0:.2f}s")
    h.check(server.running() and worker.running(), "a node died while the aggregator was down")
    status, _, text = server.http("GET", "/metrics")
    h.check(status == 200 and "jobstack_log_records_dropped_total" in text,
            "/metrics lacks jobstack_log_records_dropped_total")

    # It listens again on the same port: lines arrive again (reconnect with backoff).
    agg.start()
    status, _, again = server.http("POST", "/v1/jobs", {"type": "echo"}, headers={"X-Request-Id": "e2e-req-2"})
    h.check(status == 201, f"POST after restart: {status}")
    h.wait_until(lambda: any(r.get("request_id") == "e2e-req-2" and r["node"] == "worker"
                             for r in agg.records()),
                 30, 0.2, "worker lines of the job submitted after the aggregator came back")

    # The file got the same JSON lines (debug ones are flushed at the latest
    # when the node stops).
    server.stop()
    worker.stop()
    file_lines = [json.loads(line) for line in log_file.read_text().splitlines() if line.strip()]
    h.check(any(r.get("job_id") == job["id"] and r["message"] == "enqueued"
                and r.get("request_id") == "e2e-req-1" for r in file_lines),
            "the log file has no 'enqueued' line for the job")

    # The password is in no output.
    outputs = {"aggregator": agg.raw_text(), "log file": log_file.read_text(),
               "server stderr": server.err_path.read_text(errors="replace"),
               "worker stderr": worker.err_path.read_text(errors="replace")}
    for name, text in outputs.items():
        h.check(PASSWORD not in text, f"the Redis password appears in the {name}")
    h.check("AUTH" not in outputs["aggregator"], "a Redis AUTH command was logged")


if __name__ == "__main__":
    h.main(test, "logs")
