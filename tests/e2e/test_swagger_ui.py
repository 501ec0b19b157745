#!/usr/bin/env python3
"""Swagger UI in a real browser: jobstack-server serves /swagger (its assets
from node_modules/swagger-ui-dist, the document from openapi.yaml, nothing
from elsewhere); headless Debian Chromium loads the page, and the rendered DOM
must show every operation of openapi.yaml (an `opblock` with its path and
summary) and no load error. A screenshot is kept for people to look at
(JOBSTACK_SCREENSHOT sets its path; its path is printed)."""

import html
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import contract
import harness as h

CHROMIUM_TIMEOUT_S = 60
ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js")
# Flags for a headless Chromium as root on a machine without a network or a
# desktop session: no sandbox (root), no GPU, and none of the background
# connections (updates, sync, field trials) that would only be refused.
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-quic", "--no-first-run", "--no-default-browser-check",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-extensions", "--hide-scrollbars", "--virtual-time-budget=10000"]


def find_chromium():
    path = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    h.check(path is not None, "chromium is not installed: apt-get install chromium "
            "(scripts/lib.sh installs it with the other packages of JOBSTACK_PACKAGES)")
    return path


def run_chromium(chromium, workdir, extra, url, what):
    """Runs one headless Chromium in its own process group with a fresh
    profile; returns its stdout (bytes). Bounded by CHROMIUM_TIMEOUT_S: then
    the whole group is killed and the test fails."""
    profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=workdir)
    argv = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, url]
    err_path = Path(workdir) / f"chromium-{what}.err.log"
    h.log(f"running chromium ({what}): {' '.join(argv[1:])}")
    started = time.monotonic()
    with open(err_path, "wb") as err:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err,
                                cwd=workdir, start_new_session=True, preexec_fn=h._die_with_parent)
        try:
            out, _ = proc.communicate(timeout=CHROMIUM_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise h.TestFailure(f"chromium ({what}) did not finish within {CHROMIUM_TIMEOUT_S}s; "
                                f"its stderr:\n{h.tail(err_path)}")
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # any helper process it left behind
            except ProcessLookupError:
                pass
    h.log(f"chromium ({what}) exited {proc.returncode} after {time.monotonic() - started:.1f}s")
    h.check(proc.returncode == 0, f"chromium ({what}) exited with status {proc.returncode}; "
            f"its stderr:\n{h.tail(err_path)}")
    return out


def check_page_and_assets(server):
    """GET /swagger and its assets over plain HTTP first: clearer failures
    than a blank browser page."""
    status, headers, page = server.http("GET", "/swagger")
    h.check(status == 200, f"GET /swagger -> {status} {str(page)[:300]}")
    h.check((headers.get("Content-Type") or "").startswith("text/html"),
            f"GET /swagger: Content-Type {headers.get('Content-Type')!r}, want text/html")
    for asset in ASSETS:
        h.check(f"/swagger/{asset}" in page, f"the /swagger page does not load /swagger/{asset}")
        status, headers, body = server.http("GET", f"/swagger/{asset}")
        h.check(status == 200 and body, f"GET /swagger/{asset} -> {status} {str(body)[:200]}")
    h.check("/openapi.yaml" in page, "the /swagger page does not point Swagger UI at /openapi.yaml")
    foreign = re.findall(r"""(?:src|href)\s*=\s*["']((?:https?:)?//[^"']*)""", page)
    h.check(not foreign, f"the /swagger page loads from other hosts: {foreign}")
    status, _, _ = server.http("GET", "/openapi.yaml")
    h.check(status == 200, f"GET /openapi.yaml -> {status}")


def check_dom(dom, doc):
    """The rendered page shows every operation of the document."""
    h.check("Failed to load API definition" not in dom and "errors-wrapper" not in dom,
            "Swagger UI shows an error: " + " ".join(re.findall(r'class="errors-wrapper".{0,400}', dom))[:600])
    title = doc.raw["info"]["title"]
    h.check(html.escape(title, quote=False) in dom, f"the page does not show the API title {title!r}")
    blocks = re.findall(r'class="opblock opblock-(\w+)', dom)
    want = len(doc.operations())
    h.check(len(blocks) == want, f"the page shows {len(blocks)} operation blocks (opblock), want {want}")
    missing = []
    for template, item in doc.raw["paths"].items():
        if f'data-path="{html.escape(template)}"' not in dom:
            missing.append(f"path {template}")
        for method, op in item.items():
            if method in contract.HTTP_METHODS:
                summary = html.escape(op["summary"], quote=False)
                if f'class="opblock-summary-description">{summary}<' not in dom:
                    missing.append(f"summary {op['summary']!r} ({method.upper()} {template})")
    h.check(not missing, "the page does not show: " + "; ".join(missing))
    for path in ("/v1/jobs", "/v1/queues"):
        h.check(f'data-path="{path}"' in dom, f"the page does not show {path}")
    h.log(f"Swagger UI rendered {len(blocks)} operations, each with its path and summary")


def test():
    chromium = find_chromium()
    dist = h.REPO_ROOT / "node_modules" / "swagger-ui-dist"
    h.check((dist / "swagger-ui-bundle.js").is_file(),
            f"{dist} is missing: run `npm ci` in {h.REPO_ROOT} (scripts/lib.sh ensure_node_modules does)")
    doc = contract.get()
    with h.Sandbox("swagger_ui") as sb:
        redis = sb.redis()
        server = sb.server(redis)  # CWD: the repository root (openapi.yaml, node_modules/)
        check_page_and_assets(server)
        url = f"http://127.0.0.1:{server.http_port}/swagger"
        dom = run_chromium(chromium, sb.dir, ["--dump-dom"], url, "dump-dom").decode("utf-8", "replace")
        (sb.dir / "swagger.dom.html").write_text(dom)
        check_dom(dom, doc)

        shot = Path(os.environ.get("JOBSTACK_SCREENSHOT")
                    or Path(tempfile.gettempdir()) / f"jobstack-swagger-ui-{os.getpid()}.png")
        run_chromium(chromium, sb.dir, ["--window-size=1280,2000", f"--screenshot={shot}"], url, "screenshot")
        h.check(shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n",
                f"chromium wrote no PNG screenshot at {shot}")
        h.log(f"screenshot of {url} ({shot.stat().st_size} bytes): {shot}")


if __name__ == "__main__":
    h.main(test, "swagger_ui")
