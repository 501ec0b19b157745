#!/usr/bin/env python3
"""Limits against abuse (issue 6): with CSC_HTTP_MAX_CONNECTIONS=2 a third
connection is served only once one of two open ones closes; a client that
starts a request and stalls is cut off after CSC_HTTP_READ_TIMEOUT_MS; a
body over CSC_HTTP_MAX_BODY_BYTES gets 413 and nothing is written."""

import socket
import time

import harness as h


def raw_get(sock, path="/healthz"):
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    return sock.recv(4096)


def test():
    with h.Sandbox("limits") as sb:
        redis = sb.redis()
        server = sb.server(redis, extra_env={"CSC_HTTP_MAX_CONNECTIONS": "2", "CSC_HTTP_READ_TIMEOUT_MS": "3000",
                                             "CSC_HTTP_MAX_BODY_BYTES": "2048"})
        port = server.http_port
        server.client.close()  # its keep-alive connection would count too

        held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(2)]
        for s in held:
            h.check(b"200" in raw_get(s).split(b"\r\n")[0], "a held connection is served")
        third = socket.create_connection(("127.0.0.1", port), timeout=1)
        third.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        try:
            early = third.recv(4096)
            h.check(False, f"a third connection was served past the limit: {early[:60]!r}")
        except socket.timeout:
            pass
        held.pop().close()
        third.settimeout(5)
        h.check(b"200" in third.recv(4096).split(b"\r\n")[0], "the third connection is served once one closes")
        third.close()
        for s in held:
            s.close()

        # A stalled request is cut off, not kept open forever.
        stalled = socket.create_connection(("127.0.0.1", port), timeout=10)
        stalled.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0")
        started = time.monotonic()
        try:
            leftover = stalled.recv(4096)
        except (ConnectionResetError, socket.timeout) as e:
            leftover = repr(e).encode()
        took = time.monotonic() - started
        h.check(leftover == b"" and 2 < took < 7, f"stalled request: closed after {took:.1f}s with {leftover[:80]!r}")
        stalled.close()

        # A body over the limit: 413, nothing written.
        status, _, body = h.http(port, "POST", "/v1/jobs", {"type": "echo", "payload": {"x": "y" * 4096}})
        h.check(status == 413 and body["error"]["code"] == "payload_too_large", f"big body: {status} {body}")
        status, _, page = h.http(port, "GET", "/v1/jobs")
        h.check(status == 200 and page["jobs"] == [], f"nothing was written: {page}")


if __name__ == "__main__":
    h.main(test, "limits")
