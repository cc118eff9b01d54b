# -*- coding: utf-8 -*-
# GNU General Public License v2.0+ (see LICENSES/GPL-2.0-or-later.txt or https://www.gnu.org/licenses/old-licenses/gpl-2.0.txt)
# SPDX-License-Identifier: GPL-2.0-or-later

"""What the jetpack.partner modules share: finding the binary, handing it the
credentials (environment or file flags, never a secret in argv), running one
batch command with its JSON lines on stdin, and matching its output lines
back to the input lines."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

# Status answers for a site WordPress.com has no record of.
UNKNOWN_SITE = ("invalid_blog", "unknown_blog")

# What replaces what (the API keeps one of each family on a site).
FAMILIES = {
    "free": "plan",
    "personal": "plan",
    "premium": "plan",
    "professional": "plan",
    "jetpack-backup-daily": "backup",
    "jetpack-backup-realtime": "backup",
}

# The options both modules take, for their argument_spec.
COMMON_OPTIONS = dict(
    partner_id=dict(type="raw"),
    partner_secret=dict(type="str", no_log=True),
    partner_secret_file=dict(type="path"),
    access_token=dict(type="str", no_log=True),
    access_token_file=dict(type="path"),
    binary=dict(type="path", default="jetpack-partner"),
    api_host=dict(type="str"),
    allow_root=dict(type="bool", default=False),
    wp_cli_path=dict(type="str"),
    timeout=dict(type="float"),
    jobs=dict(type="int"),
)
COMMON_EXCLUSIVE = [
    ("partner_secret", "partner_secret_file"),
    ("access_token", "access_token_file"),
]


def number(value):
    """30.0 -> "30", 1.5 -> "1.5" (the binary judges the value)."""
    try:
        if float(value) == int(value):
            return str(int(value))
    except (OverflowError, ValueError, TypeError):
        pass
    return str(value)


def parse_error(rc, stderr):
    """(error_code, error_message, error object or None) from a failed run."""
    for line in reversed(stderr.splitlines()):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict) and (obj.get("error_code") or obj.get("error")):
            code = obj.get("error_code") or obj.get("error")
            message = obj.get("error_message") or obj.get("message") or ""
            return str(code), str(message), obj
    text = [line.strip() for line in stderr.splitlines() if line.strip()]
    if any(line.startswith("Usage:") for line in text):
        first = [line for line in text if line.startswith("error:")] or text
        return "usage", first[0], None
    return "exit_%d" % rc, (text[-1] if text else "jetpack-partner exited with status %d" % rc), None


def product_line(p):
    """One product as a diff line: "slug (who[, pending])"."""
    if p.get("is_provisioned_by_calling_partner"):
        who = "this partner"
    elif p.get("is_provisioned_by_partner"):
        who = "another partner"
    else:
        who = "not by a partner"
    pending = ", pending" if p.get("is_pending") else ""
    return "%s (%s%s)" % (p.get("slug"), who, pending)


def render(products):
    lines = sorted(product_line(p) for p in products)
    return "".join(line + "\n" for line in lines)


def products_of(status):
    """The product dicts of a status answer (none when it has none)."""
    if not isinstance(status, dict) or not isinstance(status.get("products"), list):
        return []
    return [p for p in status["products"] if isinstance(p, dict)]


def ours(p, slug):
    return p.get("slug") == slug and p.get("is_provisioned_by_calling_partner") is True


def ours_product(slug):
    return {
        "slug": slug,
        "is_provisioned_by_partner": True,
        "is_provisioned_by_calling_partner": True,
        # A provision usually connects the site; a pending activation (site
        # unreachable) shows in the next status.
        "is_pending": False,
    }


def after_provision(products, slug):
    """The products once SLUG is provisioned: it replaces our own product of
    its family (a plan replaces our plan)."""
    family = FAMILIES.get(slug)
    kept = [
        p for p in products
        if p.get("slug") != slug
        and not (family and FAMILIES.get(p.get("slug")) == family and p.get("is_provisioned_by_calling_partner"))
    ]
    return kept + [ours_product(slug)]


def after_cancel(products, slug):
    return [p for p in products if not ours(p, slug)]


def site_name(fields):
    """How the binary names a line's site: url, else path, else blog_id, as given."""
    for key in ("url", "path", "blog_id"):
        value = fields.get(key)
        if value is not None and value != "":
            return str(value)
    return ""


def mask_tokens(module, value):
    """Adds every access_token value in VALUE (an API answer) to no_log."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "access_token" and isinstance(v, str) and v:
                module.no_log_values.add(v)
            else:
                mask_tokens(module, v)
    elif isinstance(value, list):
        for v in value:
            mask_tokens(module, v)


class Binary(object):
    """The jetpack-partner binary on the managed host, with the credentials
    and run-wide flags of the module's options."""

    def __init__(self, module, fail):
        self.module = module
        p = module.params
        self.path = self.find(p["binary"], fail)
        env = {}
        if p["partner_id"] is not None and str(p["partner_id"]) != "":
            env["JETPACK_PARTNER_ID"] = str(p["partner_id"])
        if p["partner_secret"]:
            env["JETPACK_PARTNER_SECRET"] = p["partner_secret"]
        if p["access_token"]:
            env["JETPACK_PARTNER_ACCESS_TOKEN"] = p["access_token"]
        if p["api_host"]:
            env["JETPACK_START_API_HOST"] = p["api_host"]
        # jetpack_partner's own (via: license); not an option of every module.
        if p.get("licensing_token"):
            env["JETPACK_LICENSING_TOKEN"] = p["licensing_token"]
        self.env = env
        flags = []
        if p["partner_secret_file"]:
            flags.append("--partner_secret_file=%s" % p["partner_secret_file"])
        if p["access_token_file"]:
            flags.append("--access-token-file=%s" % p["access_token_file"])
        if p["jobs"] is not None:
            flags.append("--jobs=%d" % p["jobs"])
        self.flags = flags

    def find(self, binary, fail):
        if "/" in binary:
            if os.path.isfile(binary) and os.access(binary, os.X_OK):
                return binary
            found = None
        else:
            found = self.module.get_bin_path(binary, required=False)
        if not found:
            fail(
                "jetpack-partner binary not found: %s" % binary,
                error_code="binary_not_found",
                error_message="no executable %s on the managed host" % binary,
            )
        return found

    def run_lines(self, command, args, lines):
        """Runs `jetpack-partner COMMAND ARGS` with LINES (dicts) as JSON lines
        on stdin. Returns (rc, {input line number: output line}, stderr,
        argv without the binary). Output lines are matched to input lines by
        their `line` field when they carry one, by "line N" as site, else by
        site (and plan, for a batch with plans)."""
        argv = [self.path, command] + args + self.flags
        data = "".join(json.dumps(line, sort_keys=True) + "\n" for line in lines)
        # No ~ or $VAR expansion: the values are passed exactly as given.
        rc, out, err = self.module.run_command(
            argv, data=data, binary_data=True, environ_update=self.env,
            check_rc=False, expand_user_and_vars=False)
        by_key = {}
        for n, line in enumerate(lines, 1):
            by_key.setdefault((site_name(line), line.get("plan")), n)
            by_key.setdefault((site_name(line), None), n)
        found = {}
        for text in out.splitlines():
            try:
                obj = json.loads(text)
            except ValueError:
                continue
            if not isinstance(obj, dict):
                continue
            mask_tokens(self.module, obj)
            n = obj.get("line")
            if not isinstance(n, int) or isinstance(n, bool):
                site = str(obj.get("site", ""))
                n = None
                if site.startswith("line ") and site[5:].isdigit():
                    n = int(site[5:])
                if n is None:
                    n = by_key.get((site, obj.get("plan"))) or by_key.get((site, None))
            if n is not None and 1 <= n <= len(lines):
                found[n] = obj
        return rc, found, err, argv[1:]
