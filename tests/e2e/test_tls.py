#!/usr/bin/env python3
"""Security (issue 6): TLS where jobstack talks over a network.
- HTTPS: the server serves the API with a certificate made here by `openssl`;
  a client trusting it submits and reads a job; plain HTTP on that port gets
  no answer; with CSC_HTTP_TLS_MIN_VERSION=1.3 a TLS 1.2 client is refused.
- Node links: with CSC_NODE_TLS_* the broker and workers talk over CAF's
  OpenSSL module with certificates from one CA. A worker with a certificate
  of that CA joins and runs a job; one without TLS, and one whose certificate
  another CA signed, cannot join. jobstack-ctl with the CA's files inspects.
- Redis: the server authenticates as an ACL user (REDIS_USERNAME and
  REDIS_PASSWORD) against a redis-server whose default user is off."""

import ssl
import subprocess

import harness as h


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_ca(d, name):
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}",
            "-keyout", f"{name}.key", "-out", f"{name}.pem", cwd=d)
    return d / f"{name}.pem"


def make_cert(d, name, ca):
    """A certificate for 127.0.0.1 signed by `ca` (ca.pem/ca.key in d)."""
    (d / f"{name}.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
            "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=d)
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.pem", cwd=d)
    return {"CSC_NODE_TLS_CERT": str(d / f"{name}.pem"), "CSC_NODE_TLS_KEY": str(d / f"{name}.key"),
            "CSC_NODE_TLS_CA": str(d / f"{ca}.pem")}


def client_context(ca_file, max_version=None):
    ctx = ssl.create_default_context(cafile=str(ca_file))
    if max_version:
        ctx.maximum_version = max_version
    return ctx


def test():
    with h.Sandbox("tls") as sb:
        d = sb.dir
        make_ca(d, "ca")
        make_ca(d, "rogue-ca")
        server_files = make_cert(d, "server", "ca")
        good_files = make_cert(d, "good-worker", "ca")
        rogue_files = make_cert(d, "rogue-worker", "rogue-ca")
        https = {"CSC_HTTP_TLS_CERT": server_files["CSC_NODE_TLS_CERT"],
                 "CSC_HTTP_TLS_KEY": server_files["CSC_NODE_TLS_KEY"]}

        redis = sb.redis(password="acl-pw-5521", user="jobstack")
        server = sb.server(redis, tls=client_context(d / "ca.pem"),
                           extra_env={**https, **server_files,
                                      "REDIS_USERNAME": "jobstack", "REDIS_PASSWORD": "acl-pw-5521"})

        # HTTPS, and nothing in clear text on that port.
        status, _, ready = server.http("GET", "/readyz")
        h.check(status == 200, f"/readyz over HTTPS with an ACL user for Redis: {status} {ready}")
        try:
            status, _, _ = h.http(server.http_port, "GET", "/healthz")
            h.check(False, f"plain HTTP on the HTTPS port answered {status}")
        except (OSError, h.http_client.HTTPException):
            pass

        # A worker with a certificate of the cluster's CA joins and works.
        good = sb.worker(server, extra_env=good_files)
        job = server.post_job({"type": "echo", "payload": {"over": "tls"}})
        server.wait_all_succeeded([job["id"]], 30)

        # Neither a plain worker nor one of another CA gets in.
        plain = h.Worker(sb.dir, server, "plain-worker")
        rogue = h.Worker(sb.dir, server, "rogue-worker", extra_env=rogue_files)
        for w in (plain, rogue):
            sb._add(w).start()
        h.wait_until(lambda: "cannot reach the broker" in plain.err_path.read_text(errors="replace")
                     and "cannot reach the broker" in rogue.err_path.read_text(errors="replace"),
                     30, 0.2, "both outsiders to report they cannot reach the broker")
        status, _, workers = server.http("GET", "/v1/workers")
        ids = {w["id"] for w in workers["workers"]}
        h.check(ids == {good.worker_id}, f"only the trusted worker may join, got {ids}")
        h.check(plain.running() and rogue.running(), "an outsider crashed instead of retrying")

        # jobstack-ctl needs the cluster's files too.
        ctl = [str(h.BIN_DIR / "jobstack-ctl"), "nodes", f"127.0.0.1:{server.broker_port}", "--json",
               "--timeout=5"]
        env = h.clean_env()
        denied = subprocess.run(ctl, capture_output=True, text=True, timeout=30, env=env)
        h.check(denied.returncode != 0, f"ctl without a certificate got in: {denied.stdout}")
        env.update(make_cert(d, "operator", "ca"))
        allowed = subprocess.run(ctl, capture_output=True, text=True, timeout=30, env=env)
        h.check(allowed.returncode == 0 and good.worker_id in allowed.stdout,
                f"ctl with the CA's files: rc {allowed.returncode} {allowed.stderr!r}")

        # A server that wants TLS 1.3 refuses a TLS 1.2 client.
        server.stop()
        strict = sb.server(redis, name="server-tls13", tls=client_context(d / "ca.pem"),
                           extra_env={**https, "CSC_HTTP_TLS_MIN_VERSION": "1.3",
                                      "REDIS_USERNAME": "jobstack", "REDIS_PASSWORD": "acl-pw-5521"})
        old = client_context(d / "ca.pem", max_version=ssl.TLSVersion.TLSv1_2)
        try:
            h.http(strict.http_port, "GET", "/healthz", tls=old)
            h.check(False, "a TLS 1.2 client got an answer from a TLS 1.3-only server")
        except (ssl.SSLError, OSError):
            pass


if __name__ == "__main__":
    h.main(test, "tls")
