#!/usr/bin/env python3
"""page-proxy.py - a failing front of the daemon's API for
tests/integration/page.sh: how the status page behaves when its data
cannot be fetched.

GET / is the daemon's page with its headers (the Content-Security-Policy
too, so the browser runs it as served).  Any other path is passed through
or answered 503, counting those requests: MODE first:N fails the first N,
after:N fails all after the first N (after:0 fails all).  MODE sessions:N
fails nothing and adds to /v1/status the BGP session read-back's fields
(router.sessions: two sessions, one established; per prefix sessions,
carried = N, uncarried = N == 0), as a daemon that reads sessions back
shows them.  MODE inject:0 fails nothing and adds markup to the page
itself (an img with an onerror handler, an inline script), served under
the daemon's Content-Security-Policy, which must keep both from running.
Each request's path and answer code is appended to LOG.

Usage: page-proxy.py PORT UPSTREAM MODE LOG
  e.g. page-proxy.py 9181 http://127.0.0.1:9180 first:2 /tmp/lab/proxy.log
"""
import json
import sys
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, UPSTREAM, LOG = int(sys.argv[1]), sys.argv[2], sys.argv[4]
MODE, N = sys.argv[3].split(":")[0], int(sys.argv[3].split(":")[1])
KEEP = ("Content-Type", "Content-Security-Policy", "Cache-Control", "X-Content-Type-Options")
lock = threading.Lock()
seen = 0


# Each would set data-pwned on <html> (the name built at run time, so the
# markup itself never holds "data-pwned=").
INJECTED = (b'<img id="injected" src="x" '
            b'onerror="document.documentElement.setAttribute(\'data-\' + \'pwned\', \'onerror\')">'
            b"<script>document.documentElement.setAttribute('data-' + 'pwned', 'script');</script>")


def with_sessions(body):
    d = json.loads(body)
    d["router"]["sessions"] = [
        {"name": "up1", "state": "Established", "established": True},
        {"name": "<b>up2</b>", "state": "Active", "established": False}]
    for p in d["prefixes"]:
        p["sessions"], p["carried"], p["uncarried"] = ["up1"] if N else [], N, N == 0
    return json.dumps(d).encode()


class Handler(BaseHTTPRequestHandler):
    def answer(self, code, headers, body):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        with open(LOG, "a") as f:
            f.write(f"{self.path} {code}\n")

    def do_GET(self):
        global seen
        if self.path != "/":
            with lock:
                seen += 1
                fail = (MODE == "first" and seen <= N) or (MODE == "after" and seen > N)
            if fail:
                self.answer(503, [("Content-Type", "application/json")],
                            b'{"error": "page-proxy: failing on purpose"}\n')
                return
        try:
            with urllib.request.urlopen(UPSTREAM + self.path, timeout=5) as r:
                code, headers, body = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            code, headers, body = e.code, e.headers, e.read()
        if MODE == "sessions" and self.path == "/v1/status" and code == 200:
            body = with_sessions(body)
        if MODE == "inject" and self.path == "/" and code == 200:
            body = body.replace(b"</body>", INJECTED + b"</body>")
        self.answer(code, [(k, headers[k]) for k in KEEP if headers[k] is not None], body)

    def log_message(self, fmt, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
