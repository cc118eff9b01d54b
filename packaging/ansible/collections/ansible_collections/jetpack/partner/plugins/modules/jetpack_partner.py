#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v2.0+ (see https://www.gnu.org/licenses/old-licenses/gpl-2.0.txt)
# SPDX-License-Identifier: GPL-2.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: jetpack_partner
short_description: Provision or cancel a Jetpack plan or product of a WordPress site, idempotently
version_added: "0.1.0"
description:
  - Makes sure a WordPress site has (O(state=present)) or no longer has
    (O(state=absent)) a Jetpack plan or product provisioned through the
    WordPress.com partner API, by running the C(jetpack-partner) binary on the
    managed host.
  - It first runs C(jetpack-partner status) to read what the site has. With
    O(state=present) it provisions O(plan) only when the site does not have it
    yet (provisioned or pending, by any partner). With O(state=absent) it
    cancels O(plan) only when the calling partner provisioned it; a product
    another partner (or the site owner) provisioned is never cancelled, the
    result says so in RV(msg).
  - The provision or cancel runs as C(jetpack-partner provision --if-needed)
    or C(jetpack-partner cancel --if-needed), so the binary checks the status
    once more right before it sends anything.
  - A site WordPress.com does not know (status answers C(invalid_blog) or
    C(unknown_blog)) has no products.
  - Credentials reach the binary through its environment
    (C(JETPACK_PARTNER_ID), C(JETPACK_PARTNER_SECRET),
    C(JETPACK_PARTNER_ACCESS_TOKEN)) or as file paths, never on its command
    line. Credentials the task's C(environment) already sets are used too.
author:
  - jetpack-partner contributors (!UNKNOWN)
requirements:
  - the C(jetpack-partner) binary on the managed host (see O(binary))
  - WP-CLI (C(wp)) on the managed host when the site is named by O(path) only
options:
  state:
    description:
      - V(present) provisions O(plan) when the site does not have it.
      - V(absent) cancels O(plan) when this partner provisioned it.
    type: str
    choices: [present, absent]
    default: present
  plan:
    description:
      - Plan or product slug, for example V(professional),
        V(jetpack-backup-daily), V(jetpack-scan), V(jetpack-anti-spam).
    type: str
    required: true
  path:
    description:
      - WordPress root on the managed host, for WP-CLI. The binary then reads
        the site URL, the Jetpack blog id and the home URL from WordPress.
      - One of O(path), O(url) or O(blog_id) is required; with
        O(state=present), O(path) or O(url).
    type: path
  url:
    description:
      - The site's URL. WP-CLI's C(--url) (which site of a multisite network)
        and, when WordPress cannot be reached, the siteurl sent with a
        provision; status and cancel then name the site by its site suffix
        (C(https://example.com/blog) is C(example.com::blog)).
    type: str
  blog_id:
    description:
      - WordPress.com blog id of the site, for status and cancel (a provision
        names the site by O(url) or O(path)).
    type: int
  user:
    description:
      - Local WordPress user who owns the plan (ID, login or email), sent as
        C(local_user) with a provision. Required with O(state=present), even
        when the site already has the plan (so a task means the same on
        every run). Not used with O(state=absent).
    type: str
  partner_id:
    description:
      - Partner (OAuth client) id. Passed as C(JETPACK_PARTNER_ID).
      - Not needed with O(access_token) or O(access_token_file).
    type: raw
  partner_secret:
    description:
      - Partner (OAuth client) secret. Passed as C(JETPACK_PARTNER_SECRET).
        Keep it in Ansible Vault.
    type: str
  partner_secret_file:
    description:
      - File on the managed host whose first line is the partner secret
        (C(--partner_secret_file)).
    type: path
  access_token:
    description:
      - A partner access token (from C(jetpack-partner token)); no token call
        is made and no id or secret is needed. Passed as
        C(JETPACK_PARTNER_ACCESS_TOKEN).
    type: str
  access_token_file:
    description:
      - File on the managed host whose first line is a partner access token
        (C(--access-token-file)).
    type: path
  binary:
    description:
      - The C(jetpack-partner) binary on the managed host; a name without
        C(/) is looked up on C(PATH) (and in C(/usr/local/bin), C(/usr/bin),
        C(/usr/local/sbin), C(/usr/sbin), C(/sbin)).
    type: path
    default: jetpack-partner
  api_host:
    description:
      - C(JETPACK_START_API_HOST) for the binary, for example a sandbox host.
        The default is C(public-api.wordpress.com).
    type: str
  allow_root:
    description:
      - Pass C(--allow-root) to every C(wp) call (when the task runs as root).
    type: bool
    default: false
  wp_cli_path:
    description:
      - The C(wp) command; may hold words, for example V(php /opt/wp-cli.phar).
        Default C(wp) on C(PATH).
    type: str
  timeout:
    description:
      - Time limit for each API request, in seconds (the binary's default is
        60, connect 10).
    type: float
  extra:
    description:
      - "More C(jetpack-partner) flags, as C(name: value) (dashes or
        underscores). V(true) turns a switch on (C(check_upgrade),
        C(early_token)); other booleans are sent as V(true)/V(false); a null
        value leaves the flag out."
      - "For provision: C(onboarding), C(wpcom_user_id), C(wpcom_user_email),
        C(force_register), C(force_connect), C(site_url), C(ssh_host),
        C(ssh_port), C(ssh_user), C(ssh_pass_file), C(ssh_private_key) (a
        path), C(ftp_host), C(ftp_port), C(ftp_user), C(ftp_pass_file),
        C(check_upgrade), C(early_token)."
      - "For provision and cancel: C(partner_tracking_id). For status,
        provision and cancel: C(home_url), C(wp_timeout)."
      - Any other name fails the task. Passwords are accepted only as files
        (C(ssh_pass_file), C(ftp_pass_file)), so that they never reach a
        command line; C(ssh_pass) and C(ftp_pass) are refused.
    type: dict
    default: {}
attributes:
  check_mode:
    description: Runs only C(jetpack-partner status) and reports what would change; no provision or cancel is sent.
    support: full
  diff_mode:
    description: Shows the site's products before and after, one line per product.
    support: full
  platform:
    description: Any host the static C(jetpack-partner) binary runs on.
    platforms: posix
    support: full
notes:
  - C(changed) means a provision or cancel was sent and WordPress.com
    accepted it. A second run with the same options reports no change.
  - A provision answer may carry the site's C(access_token) (partner keys that
    connect a WordPress.com user); its value is masked in the result. Give
    C(wpcom_user_id) in O(extra) with a reachable WordPress and the binary
    finishes the authorization with WP-CLI itself.
  - The binary's exit status and error codes are those of C(jetpack-partner);
    see its README for the list (API codes such as C(invalid_plan) pass
    through unchanged).
"""

EXAMPLES = r"""
- name: Daily backups for the shop
  jetpack.partner.jetpack_partner:
    url: https://shop.example.com
    path: /var/www/shop
    user: admin
    plan: jetpack-backup-daily
    partner_id: "{{ vault_jetpack_partner_id }}"
    partner_secret: "{{ vault_jetpack_partner_secret }}"
    allow_root: true

- name: No WordPress on this host; the site is named by its URL
  jetpack.partner.jetpack_partner:
    url: https://blog.example.com
    user: editor@example.com
    plan: professional
    access_token_file: /etc/jetpack-partner/token
    extra:
      wpcom_user_email: owner@example.com
      partner_tracking_id: signup-42

- name: Cancel our scan product (never another partner's)
  jetpack.partner.jetpack_partner:
    state: absent
    blog_id: 200001
    plan: jetpack-scan
    partner_id: "{{ vault_jetpack_partner_id }}"
    partner_secret: "{{ vault_jetpack_partner_secret }}"

- name: Against a sandbox, binary not on PATH, results kept
  jetpack.partner.jetpack_partner:
    url: "{{ site_url }}"
    user: admin
    plan: jetpack-anti-spam
    binary: /opt/jetpack-partner/jetpack-partner
    api_host: sandbox.example.net
    timeout: 30
    partner_id: "{{ vault_jetpack_partner_id }}"
    partner_secret: "{{ vault_jetpack_partner_secret }}"
  register: jetpack
  ignore_errors: true

- name: Report a failure with the binary's error code
  ansible.builtin.debug:
    msg: "{{ jetpack.error_code }}: {{ jetpack.error_message }}"
  when: jetpack is failed
"""

RETURN = r"""
changed:
  description: A provision or cancel was sent and accepted (in check mode, would be sent).
  returned: always
  type: bool
msg:
  description: What was done, or why nothing was needed.
  returned: always
  type: str
  sample: jetpack-backup-daily provisioned
state:
  description: O(state).
  returned: always
  type: str
  sample: present
plan:
  description: O(plan).
  returned: always
  type: str
  sample: jetpack-backup-daily
site:
  description: The site as given (O(url), else O(path), else O(blog_id)).
  returned: always
  type: str
  sample: https://shop.example.com
action:
  description: The command sent (in check mode, that would be sent), or null when nothing was needed.
  returned: always
  type: str
  sample: provision
products_before:
  description: The site's products as C(jetpack-partner status) reported them before anything was done (empty for a site WordPress.com does not know).
  returned: when the status could be read
  type: list
  elements: dict
  contains:
    slug:
      description: Plan or product slug.
      type: str
    is_provisioned_by_partner:
      description: A partner provisioned it.
      type: bool
    is_provisioned_by_calling_partner:
      description: This partner provisioned it.
      type: bool
    is_pending:
      description: A pending activation, waiting for the site to connect.
      type: bool
  sample: []
products_after:
  description:
    - The site's products afterwards, same shape as RV(products_before).
    - After a change, read again with C(jetpack-partner status); in check mode
      (and if that second status fails, with a warning) the expected list.
  returned: when the status could be read
  type: list
  elements: dict
  sample:
    - slug: jetpack-backup-daily
      is_provisioned_by_partner: true
      is_provisioned_by_calling_partner: true
      is_pending: false
blog:
  description: The C(blog) object of the latest status answer (C(is_connected), C(has_backups_credentials)); empty for a site WordPress.com does not know.
  returned: when the status could be read
  type: dict
  sample: {is_connected: true, has_backups_credentials: false}
unknown_site:
  description: WordPress.com did not know the site (status answered C(invalid_blog) or C(unknown_blog)).
  returned: when the status could be read
  type: bool
answer:
  description:
    - The API's JSON answer to the provision or cancel, as the binary printed
      it (an C(access_token) in it is masked). When the binary's own status
      check found nothing to do, its C({"success":true,"changed":false,"status":...}).
  returned: when a provision or cancel ran
  type: dict
  sample: {success: true, next_url: "https://jetpack.wordpress.com/jetpack.authorize/1/?client_id=200001", auth_required: true}
error_code:
  description:
    - The binary's error code (API codes such as C(invalid_plan) pass
      through), C(usage) when it rejected its arguments,
      C(binary_not_found) when there is no binary, C(exit_N) when it ended
      without a JSON error.
  returned: failure
  type: str
  sample: invalid_plan
error_message:
  description: The binary's error message.
  returned: failure
  type: str
  sample: jetpack-scan is not a valid plan
error:
  description: The binary's whole JSON error object (C(success), C(error_code), C(error_message) and the API's own fields).
  returned: failure, when the binary printed one
  type: dict
command:
  description: The C(jetpack-partner) command that failed (V(status), V(provision) or V(cancel)).
  returned: failure
  type: str
  sample: provision
rc:
  description: Exit status of the command that failed.
  returned: failure
  type: int
  sample: 1
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule

# extra: flag name -> (commands that take it, kind). kind "switch": a bare
# flag, "bool": --flag=true|false, "value": --flag=VALUE.
EXTRA_FLAGS = {
    "onboarding": (("provision",), "bool"),
    "wpcom_user_id": (("provision",), "value"),
    "wpcom_user_email": (("provision",), "value"),
    "force_register": (("provision",), "bool"),
    "force_connect": (("provision",), "bool"),
    "site_url": (("provision",), "value"),
    "ssh_host": (("provision",), "value"),
    "ssh_port": (("provision",), "value"),
    "ssh_user": (("provision",), "value"),
    "ssh_pass_file": (("provision",), "value"),
    "ssh_private_key": (("provision",), "value"),
    "ftp_host": (("provision",), "value"),
    "ftp_port": (("provision",), "value"),
    "ftp_user": (("provision",), "value"),
    "ftp_pass_file": (("provision",), "value"),
    "check_upgrade": (("provision",), "switch"),
    "early_token": (("provision",), "switch"),
    "partner_tracking_id": (("provision", "cancel"), "value"),
    "home_url": (("status", "provision", "cancel"), "value"),
    "wp_timeout": (("status", "provision", "cancel"), "value"),
}
SECRET_EXTRA = {
    "ssh_pass": "ssh_pass_file",
    "ftp_pass": "ftp_pass_file",
    "partner_secret": "the partner_secret option",
    "partner_id": "the partner_id option",
    "access_token": "the access_token option",
}

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


def number(value):
    """30.0 -> "30", 1.5 -> "1.5" (the binary judges the value)."""
    try:
        if float(value) == int(value):
            return str(int(value))
    except (OverflowError, ValueError):
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
    if rc == 1 and any(line.startswith("Usage:") for line in text):
        first = [line for line in text if line.startswith("error:")] or text
        return "usage", first[0], None
    return "exit_%d" % rc, (text[-1] if text else "jetpack-partner exited with status %d" % rc), None


def product_line(p):
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


class JetpackPartner(object):
    def __init__(self, module):
        self.module = module
        p = module.params
        self.plan = p["plan"]
        self.state = p["state"]
        self.site = p["url"] or p["path"] or (str(p["blog_id"]) if p["blog_id"] is not None else "")
        self.binary = self.find_binary(p["binary"])
        self.extra = self.check_extra(p["extra"] or {})

        env = {}
        if p["partner_id"] is not None and str(p["partner_id"]) != "":
            env["JETPACK_PARTNER_ID"] = str(p["partner_id"])
        if p["partner_secret"]:
            env["JETPACK_PARTNER_SECRET"] = p["partner_secret"]
        if p["access_token"]:
            env["JETPACK_PARTNER_ACCESS_TOKEN"] = p["access_token"]
        if p["api_host"]:
            env["JETPACK_START_API_HOST"] = p["api_host"]
        self.env = env

        common = []
        if p["partner_secret_file"]:
            common.append("--partner_secret_file=%s" % p["partner_secret_file"])
        if p["access_token_file"]:
            common.append("--access-token-file=%s" % p["access_token_file"])
        if p["path"]:
            common.append("--path=%s" % p["path"])
        if p["url"]:
            common.append("--url=%s" % p["url"])
        if p["allow_root"]:
            common.append("--allow-root")
        if p["wp_cli_path"]:
            common.append("--wp-cli-path=%s" % p["wp_cli_path"])
        if p["timeout"] is not None:
            common.append("--timeout=%s" % number(p["timeout"]))
        self.common = common

    def fail(self, msg, **kwargs):
        result = dict(changed=False, state=self.state, plan=self.plan, site=self.site, action=None)
        result.update(kwargs)
        self.module.fail_json(msg=msg, **result)

    def find_binary(self, binary):
        if "/" in binary:
            if os.path.isfile(binary) and os.access(binary, os.X_OK):
                return binary
            found = None
        else:
            found = self.module.get_bin_path(binary, required=False)
        if not found:
            self.fail(
                "jetpack-partner binary not found: %s" % binary,
                error_code="binary_not_found",
                error_message="no executable %s on the managed host" % binary,
            )
        return found

    def check_extra(self, extra):
        flags = []
        for key in sorted(extra):
            name = str(key).replace("-", "_")
            value = extra[key]
            if name in SECRET_EXTRA:
                if value is not None:
                    self.module.no_log_values.add(str(value))
                self.fail(
                    "extra.%s is not accepted: a secret must not reach a command line; use %s"
                    % (key, SECRET_EXTRA[name]),
                    error_code="invalid_input",
                    error_message="extra.%s refused" % key,
                )
            if name not in EXTRA_FLAGS:
                self.fail(
                    "extra.%s is not a jetpack-partner flag this module passes on; known: %s"
                    % (key, ", ".join(sorted(EXTRA_FLAGS))),
                    error_code="invalid_input",
                    error_message="unknown extra.%s" % key,
                )
            commands, kind = EXTRA_FLAGS[name]
            if value is None:
                continue
            if kind == "switch":
                if not isinstance(value, bool):
                    value = self.module.boolean(value)
                if value:
                    flags.append((commands, "--%s" % name))
                continue
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, (dict, list)):
                self.fail(
                    "extra.%s must be a single value" % key,
                    error_code="invalid_input",
                    error_message="extra.%s is a %s" % (key, type(value).__name__),
                )
            elif not isinstance(value, str):
                value = str(value)
            flags.append((commands, "--%s=%s" % (name, value)))
        return flags

    def run(self, command, args):
        """(rc, stdout, stderr) of jetpack-partner COMMAND with the site flags."""
        argv = [self.binary, command] + args + self.common
        argv += [flag for commands, flag in self.extra if command in commands]
        if command in ("status", "cancel") and self.module.params["blog_id"] is not None:
            argv.append("--blog_id=%d" % self.module.params["blog_id"])
        # No ~ or $VAR expansion: the values are passed exactly as given.
        return self.module.run_command(argv, environ_update=self.env, check_rc=False, expand_user_and_vars=False)

    def failed(self, command, rc, out, err, **kwargs):
        code, message, obj = parse_error(rc, err)
        extra = dict(error_code=code, error_message=message, command=command, rc=rc)
        if obj is not None:
            extra["error"] = obj
        else:
            extra["stderr"] = err
        extra.update(kwargs)
        self.fail("jetpack-partner %s failed: %s: %s" % (command, code, message), **extra)

    def status(self):
        """(status object, unknown_site)."""
        rc, out, err = self.run("status", [])
        if rc != 0:
            code = parse_error(rc, err)[0]
            if code in UNKNOWN_SITE:
                return {"blog": {}, "products": []}, True
            self.failed("status", rc, out, err)
        try:
            status = json.loads(out)
        except ValueError:
            status = None
        if not isinstance(status, dict) or not isinstance(status.get("products", []), list):
            self.fail(
                "jetpack-partner status printed no status object",
                error_code="invalid_response",
                error_message="status output is not a JSON object with products",
                command="status",
                rc=rc,
                stdout=out,
            )
        status.setdefault("products", [])
        status["products"] = [p for p in status["products"] if isinstance(p, dict)]
        return status, False

    def expected(self, products):
        """The products after the change, as far as they can be foretold."""
        if self.state == "absent":
            return [p for p in products if not self.ours(p)]
        family = FAMILIES.get(self.plan)
        kept = [
            p
            for p in products
            if not (family and FAMILIES.get(p.get("slug")) == family and p.get("is_provisioned_by_calling_partner"))
        ]
        return kept + [
            {
                "slug": self.plan,
                "is_provisioned_by_partner": True,
                "is_provisioned_by_calling_partner": True,
                # A provision usually connects the site; a pending
                # activation (site unreachable) shows in the real status.
                "is_pending": False,
            }
        ]

    def ours(self, p):
        return p.get("slug") == self.plan and p.get("is_provisioned_by_calling_partner") is True

    def main(self):
        module = self.module
        status, unknown = self.status()
        before = status["products"]
        blog = status.get("blog") if isinstance(status.get("blog"), dict) else {}
        result = dict(
            changed=False,
            state=self.state,
            plan=self.plan,
            site=self.site,
            action=None,
            products_before=before,
            products_after=before,
            blog=blog,
            unknown_site=unknown,
        )
        same = [p for p in before if p.get("slug") == self.plan]
        if self.state == "present":
            needed = not same
            action = "provision"
            if same and not any(self.ours(p) for p in same):
                result["msg"] = "%s is already there, provisioned by another partner or not through a partner" % self.plan
            elif same:
                pending = any(p.get("is_pending") for p in same)
                result["msg"] = "%s is already there%s" % (self.plan, " (pending activation)" if pending else "")
        else:
            needed = any(self.ours(p) for p in same)
            action = "cancel"
            if same and not needed:
                result["msg"] = (
                    "%s was provisioned by another partner (or not through a partner): left alone, "
                    "this partner cannot cancel it" % self.plan
                )
            elif not same:
                result["msg"] = "%s is not there" % self.plan

        if needed:
            result["action"] = action
            result["changed"] = True
            result["products_after"] = self.expected(before)
            if module.check_mode:
                result["msg"] = "%s would be %s" % (
                    self.plan, "provisioned" if action == "provision" else "cancelled")
            else:
                self.change(action, result)

        if module._diff:
            header = "products of %s" % (self.site or "the site")
            result["diff"] = dict(
                before=render(before),
                after=render(result["products_after"]),
                before_header=header,
                after_header=header,
            )
        module.exit_json(**result)

    def change(self, action, result):
        args = ["--if-needed", "--plan=%s" % self.plan]
        if action == "provision":
            args.append("--user=%s" % self.module.params["user"])
        rc, out, err = self.run(action, args)
        if rc != 0:
            self.failed(
                action, rc, out, err,
                action=action,
                products_before=result["products_before"],
                blog=result["blog"],
                unknown_site=result["unknown_site"],
            )
        try:
            answer = json.loads(out)
        except ValueError:
            answer = {"output": out}
        if isinstance(answer, dict) and isinstance(answer.get("access_token"), str):
            self.module.no_log_values.add(answer["access_token"])
        result["answer"] = answer
        if isinstance(answer, dict) and answer.get("changed") is False:
            # The binary's own status check found nothing to do.
            status = answer.get("status") if isinstance(answer.get("status"), dict) else {}
            result["changed"] = False
            result["action"] = None
            result["products_after"] = [p for p in status.get("products", []) if isinstance(p, dict)]
            result["msg"] = "%s: nothing to do (jetpack-partner found it done)" % self.plan
            return
        result["msg"] = "%s %s" % (self.plan, "provisioned" if action == "provision" else "cancelled")
        rc, out, err = self.run("status", [])
        after = None
        if rc == 0:
            try:
                status = json.loads(out)
                after = status.get("products")
                if isinstance(status.get("blog"), dict):
                    result["blog"] = status["blog"]
            except (ValueError, AttributeError):
                after = None
        elif parse_error(rc, err)[0] in UNKNOWN_SITE:
            after = []
        if isinstance(after, list):
            result["products_after"] = [p for p in after if isinstance(p, dict)]
        else:
            self.module.warn(
                "%s was %s, but reading the status again failed; products_after is the expected list"
                % (self.plan, "provisioned" if action == "provision" else "cancelled")
            )


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type="str", default="present", choices=["present", "absent"]),
            plan=dict(type="str", required=True),
            path=dict(type="path"),
            url=dict(type="str"),
            blog_id=dict(type="int"),
            user=dict(type="str"),
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
            extra=dict(type="dict", default={}),
        ),
        required_one_of=[("path", "url", "blog_id")],
        required_if=[
            ("state", "present", ("user",)),
            ("state", "present", ("path", "url"), True),
        ],
        mutually_exclusive=[
            ("partner_secret", "partner_secret_file"),
            ("access_token", "access_token_file"),
        ],
        supports_check_mode=True,
    )
    if not module.params["plan"].strip():
        module.fail_json(msg="plan must not be empty", error_code="invalid_input", error_message="empty plan")
    JetpackPartner(module).main()


if __name__ == "__main__":
    main()
