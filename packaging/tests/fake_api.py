#!/usr/bin/env python3
"""A tiny fake WordPress.com partner API for the packaging tests.

    fake_api.py PORTFILE LOGFILE [--tls CERT KEY] [--lifetime SECONDS]

Listens on 127.0.0.1 on a free port, writes the port to PORTFILE once it is
listening, appends one JSON line per request to LOGFILE (method, path, Host
header, form fields) and exits by itself after --lifetime seconds (default 120)
so a failed test can never leave it behind.

    POST /oauth2/token                      -> {"access_token":"tok"}
    POST /rest/v1.3/jpphp/provision         -> PROVISION_OK, or with plan=x:
                                               400 {"error":"invalid_plan",...}
    POST /rest/v1.3/jpphp/<site>/partner-cancel -> {"success":true}
    anything else                           -> 404 {"error":"unknown_route",...}
"""

import json
import os
import ssl
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PROVISION_OK = b'{"success":true,"next_url":"https://x.test/next","auth_required":false}'
INVALID_PLAN = b'{"error":"invalid_plan","message":"x is not a valid plan"}'


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    log_path = None

    def log_message(self, *args):  # keep the test output quiet
        pass

    def reply(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def handle_any(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        form = dict(urllib.parse.parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        url = urllib.parse.urlsplit(self.path)
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(json.dumps({
                "method": method,
                "path": url.path,
                "query": url.query,
                "host": self.headers.get("Host"),
                "authorization": self.headers.get("Authorization"),
                "form": form,
            }) + "\n")
        if method == "POST" and url.path == "/oauth2/token":
            self.reply(200, b'{"access_token":"tok"}')
        elif method == "POST" and url.path == "/rest/v1.3/jpphp/provision":
            if form.get("plan") == "x":
                self.reply(400, INVALID_PLAN)
            else:
                self.reply(200, PROVISION_OK)
        elif method == "POST" and url.path.startswith("/rest/v1.3/jpphp/") and url.path.endswith("/partner-cancel"):
            self.reply(200, b'{"success":true}')
        else:
            self.reply(404, b'{"error":"unknown_route","message":"no such route in the fake API"}')


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    port_file, log_file = argv[1], argv[2]
    rest = argv[3:]
    lifetime = 120.0
    cert = key = None
    while rest:
        if rest[0] == "--tls" and len(rest) >= 3:
            cert, key, rest = rest[1], rest[2], rest[3:]
        elif rest[0] == "--lifetime" and len(rest) >= 2:
            lifetime, rest = float(rest[1]), rest[2:]
        else:
            sys.exit("fake_api.py: bad arguments: %r" % (rest,))
    Handler.log_path = log_file
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    # Bounded: whatever happens to the test, this process goes away.
    timer = threading.Timer(lifetime, lambda: os._exit(0))
    timer.daemon = True
    timer.start()
    tmp = port_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, port_file)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv)
