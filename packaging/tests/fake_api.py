#!/usr/bin/env python3
"""A tiny fake WordPress.com partner API for the packaging tests.

    fake_api.py PORTFILE LOGFILE [--tls CERT KEY] [--lifetime SECONDS]
                [--partner ID:SECRET]... [--fail-plan SLUG]... [--state FILE]

Listens on 127.0.0.1 on a free port, writes the port to PORTFILE once it is
listening, appends one JSON line per request to LOGFILE (method, path, Host
header, form fields) and exits by itself after --lifetime seconds (default 120)
so a failed test can never leave it behind.

Without --partner it gives fixed answers:

    POST /oauth2/token                      -> {"access_token":"tok"}
    POST /rest/v1.3/jpphp/provision         -> PROVISION_OK, or with plan=x
                                               (or a --fail-plan slug):
                                               400 {"error":"invalid_plan",...}
    POST /rest/v1.3/jpphp/<site>/partner-cancel -> {"success":true}
    anything else                           -> 404 {"error":"unknown_route",...}

With --partner (repeatable) it keeps state, as examples/fake-api.rs does (a
smaller model of tests/integration/testenv/partner.rs; the shapes are those
of the partner documentation):

  - the token call checks client_id/client_secret (400 invalid_client) and
    hands each partner its own token, "fake-token-<ID>"; every other call
    needs one of those tokens (403 invalid_scope), which names the caller;
  - sites are keyed by site suffix (https://Example.com/blog/ ->
    example.com::blog) and get blog ids from 200001 on; a {site} in a path
    may be either;
  - provision (siteurl, local_user required) puts plan on the site: a plan
    replaces the site's plan, a backup product the other backup; what it
    would replace must be the caller's own (403 incorrect_partner_key);
    an unknown slug, plan=x or a --fail-plan slug: 400 invalid_plan;
  - partner-cancel with plan cancels that slug, without plan the site's
    plan, with cancel-all=true everything the caller provisioned; another
    partner's product: 403 incorrect_partner_key; nothing there:
    {"success":false}; unknown site: 403 invalid_blog;
  - GET /rest/v1.4/jpphp/<site>/status: {"blog":{...},"products":[{slug,
    is_provisioned_by_partner, is_provisioned_by_calling_partner,
    is_pending}]}; an unknown site suffix has no products, an unknown blog
    id is 403 invalid_blog.

--state FILE: the state as JSON ({"sites":[{"site","blog_id","products":
[{"slug","partner","pending"}]}]}), rewritten after every change.
"""

import json
import os
import re
import ssl
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PROVISION_OK = b'{"success":true,"next_url":"https://x.test/next","auth_required":false}'

PLANS = ["free", "personal", "premium", "professional"]
FAMILIES = {
    "free": "plan", "personal": "plan", "premium": "plan", "professional": "plan",
    "jetpack-backup-daily": "backup", "jetpack-backup-realtime": "backup",
    "jetpack-scan": "scan", "jetpack-anti-spam": "anti-spam",
}
FIRST_BLOG_ID = 200001


def error(status, code, message):
    return status, {"error": code, "message": message}


def invalid_plan(plan):
    return error(400, "invalid_plan", "%s is not a valid plan" % plan)


def invalid_blog(site):
    return error(403, "invalid_blog", "The blog ID %s is invalid" % site)


def site_suffix(url):
    """https://User@Example.com:443/demo/wp/ -> example.com::demo::wp"""
    url = url.strip()
    scheme = ""
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://(.*)$", url)
    if m:
        scheme, url = m.group(1).lower(), m.group(2)
    url = re.split(r"[?#]", url, maxsplit=1)[0]
    authority, _, path = url.partition("/")
    host = authority.rpartition("@")[2].lower()
    if (scheme, host.rpartition(":")[2]) in (("http", "80"), ("https", "443")):
        host = host.rpartition(":")[0]
    parts = [host] + [urllib.parse.unquote(p) for p in path.split("/") if p]
    return "::".join(parts).rstrip(":")


def normalise(site):
    site = site.strip()
    if "://" in site:
        return site_suffix(site)
    host, sep, path = site.partition("::")
    return (host.lower() + sep + path).rstrip(":")


class Model:
    """The partners, their sites and products. One lock for everything."""

    def __init__(self, partners, fail_plans, state_file):
        self.lock = threading.Lock()
        self.partners = dict(partners)  # client id -> secret
        self.fail_plans = set(fail_plans)
        self.state_file = state_file
        self.sites = []  # {"site", "blog_id", "connected", "products": [...]}
        self.next_blog_id = FIRST_BLOG_ID
        self.save()

    @staticmethod
    def token_of(client_id):
        return "fake-token-" + client_id

    def caller(self, authorization):
        scheme, _, token = (authorization or "").strip().partition(" ")
        if scheme.lower() == "bearer":
            for client_id in self.partners:
                if token.strip() == self.token_of(client_id):
                    return client_id
        return None

    def find(self, site):
        site = site.strip()
        if site.isdigit():
            for s in self.sites:
                if s["blog_id"] == int(site):
                    return s
        suffix = normalise(site)
        for s in self.sites:
            if s["site"] == suffix:
                return s
        return None

    def save(self):
        if not self.state_file:
            return
        tmp = self.state_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"partners": sorted(self.partners), "sites": self.sites}, f)
        os.rename(tmp, self.state_file)

    def answer(self, method, path, form, authorization):
        """(status, body) or None for an unknown route."""
        with self.lock:
            if path == "/oauth2/token" and method == "POST":
                return self.token(form)
            status = method == "GET" and re.match(r"^/rest/v1\.4/jpphp/([^/]+)/status$", path)
            cancel = method == "POST" and re.match(r"^/rest/v1\.3/jpphp/([^/]+)/partner-cancel$", path)
            provision = method == "POST" and path == "/rest/v1.3/jpphp/provision"
            if not (status or cancel or provision):
                return None
            caller = self.caller(authorization)
            if caller is None:
                return error(403, "invalid_scope", "This token is not authorized to provision partner sites")
            if provision:
                answer = self.provision(form, caller)
            else:
                site = urllib.parse.unquote((status or cancel).group(1))
                answer = self.status(site, caller) if status else self.cancel(site, form, caller)
            self.save()
            return answer

    def token(self, form):
        client_id = form.get("client_id", "")
        if form.get("grant_type") != "client_credentials" or form.get("scope") != "jetpack-partner":
            return 400, {"error": "invalid_request", "error_description": "grant_type or scope is wrong"}
        if client_id not in self.partners or self.partners[client_id] != form.get("client_secret"):
            return 400, {"error": "invalid_client", "error_description": "Unknown client_id or wrong client_secret."}
        return 200, {"access_token": self.token_of(client_id), "token_type": "bearer",
                     "blog_id": 0, "blog_url": 0, "scope": "jetpack-partner"}

    def provision(self, form, caller):
        siteurl = form.get("siteurl", "").strip()
        if not siteurl:
            return error(400, "invalid_siteurl", 'The required "siteurl" argument is missing.')
        if not form.get("local_user", "").strip():
            return error(400, "invalid_local_user", 'The required "local_user" argument is missing.')
        plan = form.get("plan", "")
        if plan and (plan not in FAMILIES or plan in self.fail_plans):
            return invalid_plan(plan)
        suffix = site_suffix(siteurl)
        site = self.find(suffix)
        if plan and site:
            for p in site["products"]:
                if FAMILIES[p["slug"]] == FAMILIES[plan] and p["partner"] != caller:
                    return error(403, "incorrect_partner_key",
                                 "%s on this site belongs to another partner." % p["slug"])
        if site is None:
            site = {"site": suffix, "blog_id": self.next_blog_id, "connected": True, "products": []}
            self.next_blog_id += 1
            self.sites.append(site)
        if plan and not any(p["slug"] == plan for p in site["products"]):
            site["products"] = [p for p in site["products"] if FAMILIES[p["slug"]] != FAMILIES[plan]]
            site["products"].append({"slug": plan, "partner": caller, "pending": not site["connected"]})
        return 200, {"success": True,
                     "next_url": "https://jetpack.wordpress.com/jetpack.authorize/1/?client_id=%d" % site["blog_id"],
                     "auth_required": True}

    def cancel(self, name, form, caller):
        site = self.find(name)
        if site is None:
            return invalid_blog(name)
        if form.get("cancel-all") in ("true", "1"):
            mine = [p for p in site["products"] if p["partner"] == caller]
            site["products"] = [p for p in site["products"] if p["partner"] != caller]
            return 200, {"success": bool(mine),
                         "activations": [p["slug"] for p in mine if not p["pending"]],
                         "pending_activations": [p["slug"] for p in mine if p["pending"]]}
        plan = form.get("plan", "")
        if plan and plan not in FAMILIES:
            return invalid_plan(plan)
        target = [p for p in site["products"] if (p["slug"] == plan if plan else p["slug"] in PLANS)]
        if not target:
            return 200, {"success": False}
        if target[0]["partner"] != caller:
            return error(403, "incorrect_partner_key",
                         "Subscriptions can only be cancelled by the oAuth client that created them")
        site["products"].remove(target[0])
        return 200, {"success": True}

    def status(self, name, caller):
        site = self.find(name)
        if site is None and name.strip().isdigit():
            return invalid_blog(name)
        products = site["products"] if site else []
        return 200, {
            "blog": {"is_connected": bool(site and site["connected"]), "has_backups_credentials": False},
            "products": [{"slug": p["slug"],
                          "is_provisioned_by_partner": p["partner"] is not None,
                          "is_provisioned_by_calling_partner": p["partner"] == caller,
                          "is_pending": p["pending"]} for p in products],
        }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    log_path = None
    model = None
    fail_plans = {"x"}

    def log_message(self, *args):  # keep the test output quiet
        pass

    def reply(self, status, body):
        if not isinstance(body, bytes):
            body = json.dumps(body, separators=(",", ":")).encode()
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
        if self.model is not None:
            answer = self.model.answer(method, url.path, form, self.headers.get("Authorization"))
            if answer is None:
                self.reply(404, b'{"error":"unknown_route","message":"no such route in the fake API"}')
            else:
                self.reply(*answer)
        elif method == "POST" and url.path == "/oauth2/token":
            self.reply(200, b'{"access_token":"tok"}')
        elif method == "POST" and url.path == "/rest/v1.3/jpphp/provision":
            if form.get("plan") in self.fail_plans:
                self.reply(*invalid_plan(form["plan"]))
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
    cert = key = state_file = None
    partners = []
    fail_plans = {"x"}
    while rest:
        if rest[0] == "--tls" and len(rest) >= 3:
            cert, key, rest = rest[1], rest[2], rest[3:]
        elif rest[0] == "--lifetime" and len(rest) >= 2:
            lifetime, rest = float(rest[1]), rest[2:]
        elif rest[0] == "--partner" and len(rest) >= 2 and ":" in rest[1]:
            partners.append(tuple(rest[1].split(":", 1)))
            rest = rest[2:]
        elif rest[0] == "--fail-plan" and len(rest) >= 2:
            fail_plans.add(rest[1])
            rest = rest[2:]
        elif rest[0] == "--state" and len(rest) >= 2:
            state_file, rest = rest[1], rest[2:]
        else:
            sys.exit("fake_api.py: bad arguments: %r" % (rest,))
    Handler.log_path = log_file
    Handler.fail_plans = fail_plans
    if partners:
        Handler.model = Model(partners, fail_plans, state_file)
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
