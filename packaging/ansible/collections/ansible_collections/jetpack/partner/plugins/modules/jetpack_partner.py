#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v2.0+ (see LICENSES/GPL-2.0-or-later.txt or https://www.gnu.org/licenses/old-licenses/gpl-2.0.txt)
# SPDX-License-Identifier: GPL-2.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: jetpack_partner
short_description: Provision or cancel Jetpack plans and products of WordPress sites, idempotently, at fleet cost
version_added: "0.1.0"
description:
  - Makes sure WordPress sites have (O(state=present)) or no longer have
    (O(state=absent)) a Jetpack plan or product provisioned through the
    WordPress.com partner API, by running the C(jetpack-partner) binary on the
    managed host.
  - One site (O(url), O(path), O(blog_id)) or a list (O(sites)). Either way
    one task runs one C(jetpack-partner) process per kind of work, with one
    token call for all its sites, one status call per site and a provision
    or cancel only where one is needed.
  - O(state=present) runs C(jetpack-partner apply --desired=-), which reads
    each site's status, then a provision of what it lacks (provisioned or
    pending, by any partner, counts as there). A site's plans and products
    from several list items go to one desired-state line.
  - O(state=absent) runs C(jetpack-partner cancel --batch=- --if-needed),
    which reads each site's status, then a cancel with C(plan) only when
    the calling partner provisioned it; another partner's (or the site
    owner's) product is never cancelled, the result says so in RV(msg).
  - Provision flags that C(apply) does not take (O(extra) such as
    C(wpcom_user_email), C(ssh_host), C(onboarding)) make those sites run as
    C(jetpack-partner provision --batch=- --if-needed) instead, with the
    same cost.
  - With O(via=license) (module-wide, or C(via) on an item of O(sites)),
    what a site lacks comes by license instead of a partner provision (the
    C(apply) line says C(via) C(license)), and C(jetpack-partner) issues a
    license with the licensing token (O(licensing_token),
    O(licensing_token_file); else the partner token), sets it on the site
    through WP-CLI and connects the site if needed. C(state=absent) is the
    partner cancel either way; no license is ever revoked or detached.
  - C(changed), RV(products_before), RV(products_after) and the diff come
    from the binary's own output (its C(changed), C(actions) and C(status)
    per site); no status is read a second time.
  - A site WordPress.com does not know (status answers C(invalid_blog) or
    C(unknown_blog)) has no products.
  - Credentials reach the binary through its environment
    (C(JETPACK_PARTNER_ID), C(JETPACK_PARTNER_SECRET),
    C(JETPACK_PARTNER_ACCESS_TOKEN)) or as file paths, and the sites as JSON
    lines on its standard input; never a secret on its command line.
    Credentials the task's C(environment) already sets are used too. The
    licensing token goes as C(JETPACK_LICENSING_TOKEN) or
    C(--licensing-token-file).
author:
  - jetpack-partner contributors (!UNKNOWN)
requirements:
  - the C(jetpack-partner) binary on the managed host (see O(binary))
  - WP-CLI (C(wp)) on the managed host when a site is named by O(path) only,
    and for every site with O(via=license)
options:
  state:
    description:
      - V(present) provisions the plan or product where it is missing.
      - V(absent) cancels it where this partner provisioned it.
      - The default for the items of O(sites), which may set their own.
    type: str
    choices: [present, absent]
    default: present
  plan:
    description:
      - Plan or product slug, for example V(professional),
        V(jetpack-backup-daily), V(jetpack-scan), V(jetpack-anti-spam).
      - Required for a single site; with O(sites), the default for items
        that give neither C(plan) nor C(products).
    type: str
  sites:
    description:
      - The sites, one dict per site (or per site and plan), each like a line
        of C(jetpack-partner --batch).
      - "Keys: C(url), C(path), C(blog_id) (at least one), C(user), C(plan)
        (a slug) or C(products) (a list of slugs), C(state) (or C(action), V(provision) or V(cancel), as
        older versions of the role spelled it); C(via) (as O(via)); C(allow_root),
        C(wp_cli_path) and C(timeout) as the options of the same name; and
        any name of O(extra) (C(home_url), C(partner_tracking_id),
        C(wpcom_user_email), ...). Missing keys take the module's options."
      - Items with the same site and settings are one site to the binary
        (C(products) of a desired-state line); a site listed twice with
        different settings fails the task before anything is sent.
      - Mutually exclusive with O(url), O(path) and O(blog_id).
    type: list
    elements: dict
  path:
    description:
      - WordPress root on the managed host, for WP-CLI. The binary then reads
        the site URL, the Jetpack blog id and the home URL from WordPress.
      - For a single site, one of O(path), O(url) or O(blog_id) is required;
        with O(state=present), O(path) or O(url).
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
        C(local_user) with a provision. Required with O(state=present) (here
        or in each item), even when the site already has the plan, so that a
        task means the same on every run. Not used with O(state=absent).
    type: str
  via:
    description:
      - How a missing plan or product comes to a site with O(state=present).
      - V(partner) is a partner provision (C(jetpack-partner apply)).
      - V(license) issues a Jetpack license for it, sets it on the site
        through WP-CLI (so the site needs O(path) or O(url) with WordPress
        reachable on the host) and connects the site if needed
        (C(jetpack-partner apply) lines with C(via) C(license); see
        C(provision --license) in its README). Each license is billed (with
        the production token). A license issued that did not get onto its
        site is in that site's result (RV(results[].actions), C(license_key)),
        and no other license is issued for that site in that run.
      - Not with O(state=absent), nor with the provision-only flags of
        O(extra).
      - The default for the items of O(sites), which may set their own.
    type: str
    choices: [partner, license]
    default: partner
  licensing_token:
    description:
      - The Licensing API token Jetpack gave you (test or production), for
        O(via=license). Passed as C(JETPACK_LICENSING_TOKEN). Keep it in
        Ansible Vault.
      - Without it (or O(licensing_token_file)), the partner token is used.
    type: str
  licensing_token_file:
    description:
      - File on the managed host whose first line is the licensing token
        (C(--licensing-token-file)).
    type: path
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
  jobs:
    description:
      - Sites the binary works on at once (C(--jobs); its default is 4).
    type: int
  extra:
    description:
      - "More C(jetpack-partner) flags for every site, as C(name: value)
        (dashes or underscores); an item of O(sites) may set the same names
        itself. V(true) turns a switch on (C(check_upgrade), C(early_token));
        other booleans are sent as V(true)/V(false); a null value leaves the
        flag out."
      - "Taken by every command: C(home_url), C(wp_timeout),
        C(partner_tracking_id) (not by status); C(site_url) with
        O(state=present)."
      - "Provision only (a site with one of these is provisioned with
        C(provision --if-needed) instead of C(apply)): C(onboarding),
        C(wpcom_user_id), C(wpcom_user_email), C(force_register),
        C(force_connect), C(ssh_host), C(ssh_port), C(ssh_user),
        C(ssh_pass_file), C(ssh_private_key) (a path), C(ftp_host),
        C(ftp_port), C(ftp_user), C(ftp_pass_file), C(check_upgrade),
        C(early_token)."
      - Any other name fails the task. Passwords are accepted only as files
        (C(ssh_pass_file), C(ftp_pass_file)), so that they never reach the
        binary's input; C(ssh_pass) and C(ftp_pass) are refused.
    type: dict
    default: {}
attributes:
  check_mode:
    description:
      - Sends only the token call and one status call per site
        (C(apply --dry-run), or C(status --batch) for cancels and
        provision-only flags) and reports what would change; no provision or
        cancel is sent.
    support: full
  diff_mode:
    description: Shows each changed site's products before and after, one line per product.
    support: full
  platform:
    description: Any host the static C(jetpack-partner) binary runs on.
    platforms: posix
    support: full
notes:
  - C(changed) means a provision or cancel was sent and WordPress.com
    accepted it (in check mode, would be sent). A second run with the same
    options reports no change.
  - Every site is tried; the task fails when any site failed, after all of
    them, and RV(results) says which and why.
  - After a cancel, or a provision with provision-only flags, the binary's
    answer holds no full status; RV(products_before) then lists only the
    product concerned, and the diff says so.
  - A provision answer may carry the site's C(access_token) (partner keys
    that connect a WordPress.com user); its value is masked in the result.
  - A license key (O(via=license)) is not masked in the result, since it is
    what you need to find, set or revoke the license later. Register the
    result with C(no_log) where task output is shared.
  - The binary's exit status and error codes are those of C(jetpack-partner);
    see its README for the list (API codes such as C(invalid_plan) pass
    through unchanged).
seealso:
  - module: jetpack.partner.jetpack_partner_info
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

- name: Every site of this host in one run (one token call, one status per site)
  jetpack.partner.jetpack_partner:
    sites:
      - {url: https://a.example.com, path: /var/www/a, plan: jetpack-backup-daily}
      - {url: https://a.example.com, path: /var/www/a, plan: jetpack-scan}
      - {url: https://b.example.com, products: [professional], user: editor@example.com}
      - {url: https://old.example.org, state: absent, plan: premium}
    user: admin
    partner_id: "{{ vault_jetpack_partner_id }}"
    partner_secret_file: /etc/jetpack-partner/secret
  register: jetpack

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

- name: Jetpack Scan by license (issued, set on the site, the site connected if needed)
  jetpack.partner.jetpack_partner:
    url: https://shop.example.com
    path: /var/www/shop
    user: admin
    plan: jetpack-scan
    via: license
    licensing_token: "{{ vault_jetpack_licensing_token }}"
    partner_id: "{{ vault_jetpack_partner_id }}"
    partner_secret: "{{ vault_jetpack_partner_secret }}"

- name: Report the sites that failed, with the binary's error code
  ansible.builtin.debug:
    msg: "{{ item.site }}: {{ item.error_code }}: {{ item.error_message }}"
  loop: "{{ jetpack.results | selectattr('failed') | list }}"
  when: jetpack.results is defined
"""

RETURN = r"""
changed:
  description: A provision or cancel was sent and accepted for some site (in check mode, would be sent).
  returned: always
  type: bool
msg:
  description: What was done, or why nothing was needed; with O(sites), a count of sites changed, unchanged and failed.
  returned: always
  type: str
  sample: jetpack-backup-daily provisioned
results:
  description: One result per item of O(sites) (one, for a single site), in their order.
  returned: always
  type: list
  elements: dict
  contains:
    site:
      description: The site as given (C(url), else C(path), else C(blog_id)).
      type: str
    state:
      description: The item's state.
      type: str
    plans:
      description: The slugs of the item.
      type: list
      elements: str
    changed:
      description: Something was (or in check mode, would be) provisioned or cancelled.
      type: bool
    failed:
      description: The site failed; RV(results[].error_code) says why.
      type: bool
    msg:
      description: What was done, or why nothing was needed.
      type: str
    actions:
      description:
        - The provisions and cancels sent (or that would be), each C({action, plan}),
          with C(success) and the API's C(answer) or C(error_code) once sent.
        - By license, C(via=license), and the answer is
          C({success, license_key, blog_id}); a failure after the license
          was issued carries C(license_key) and C(maybe_sent).
      type: list
      elements: dict
    products_before:
      description: The site's products before (see the top-level RV(products_before)).
      type: list
      elements: dict
    products_after:
      description: The site's products after, as the binary's answers tell.
      type: list
      elements: dict
    blog:
      description: The C(blog) object of the site's status.
      type: dict
    unknown_site:
      description: WordPress.com did not know the site.
      type: bool
    error_code:
      description: The binary's error code for this site.
      type: str
    error_message:
      description: The binary's error message for this site.
      type: str
    output:
      description: The binary's JSON line for this site, as printed (an C(access_token) in it is masked).
      type: dict
state:
  description: The state of the (single) site.
  returned: for a single site
  type: str
  sample: present
plan:
  description: O(plan).
  returned: for a single site
  type: str
  sample: jetpack-backup-daily
site:
  description: The site as given (O(url), else O(path), else O(blog_id)).
  returned: for a single site
  type: str
  sample: https://shop.example.com
action:
  description: The command sent (in check mode, that would be sent), or null when nothing was needed.
  returned: for a single site
  type: str
  sample: provision
products_before:
  description:
    - The site's products as its status showed them before anything was done
      (empty for a site WordPress.com does not know).
    - After a cancel, or a provision with provision-only flags, only the
      product concerned (the binary's answer holds no full status).
  returned: for a single site, when its status could be read
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
  description: The site's products afterwards, same shape as RV(products_before), from the status and the changes accepted.
  returned: for a single site, when its status could be read
  type: list
  elements: dict
  sample:
    - slug: jetpack-backup-daily
      is_provisioned_by_partner: true
      is_provisioned_by_calling_partner: true
      is_pending: false
blog:
  description: The C(blog) object of the site's status (C(is_connected), C(has_backups_credentials)); empty when not known.
  returned: for a single site, when its status could be read
  type: dict
  sample: {is_connected: true, has_backups_credentials: false}
unknown_site:
  description: WordPress.com did not know the site (status answered C(invalid_blog) or C(unknown_blog)).
  returned: for a single site, when its status could be read
  type: bool
answer:
  description: The API's JSON answer to the provision or cancel (an C(access_token) in it is masked).
  returned: for a single site, when a provision or cancel ran
  type: dict
  sample: {success: true, next_url: "https://jetpack.wordpress.com/jetpack.authorize/1/?client_id=200001", auth_required: true}
summary:
  description: How many sites (items) there were, and how many changed, were unchanged and failed.
  returned: always
  type: dict
  sample: {sites: 4, changed: 2, unchanged: 1, failed: 1}
runs:
  description: The C(jetpack-partner) processes run, each with its command, arguments (never a secret) and exit status, and how many JSON lines it read.
  returned: always
  type: list
  elements: dict
  sample: [{command: apply, argv: [apply, --desired=-], lines: 4, rc: 0}]
error_code:
  description:
    - The first failed site's error code (API codes such as C(invalid_plan)
      pass through), C(usage) when the binary rejected its arguments,
      C(binary_not_found) when there is no binary, C(invalid_input) for
      options the module refuses, C(no_result) when the binary printed no
      line for the site, C(exit_N) when it ended without a JSON error.
  returned: failure
  type: str
  sample: invalid_plan
error_message:
  description: The first failed site's error message.
  returned: failure
  type: str
  sample: jetpack-scan is not a valid plan
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.jetpack.partner.plugins.module_utils.jetpack_partner import (
    COMMON_EXCLUSIVE,
    COMMON_OPTIONS,
    UNKNOWN_SITE,
    Binary,
    after_cancel,
    after_provision,
    ours,
    ours_product,
    parse_error,
    products_of,
    render,
    site_name,
)

# extra: flag name -> kind. "switch": a bare flag, "bool": true|false,
# "value": a value.
EXTRA_FLAGS = {
    "onboarding": "bool",
    "wpcom_user_id": "value",
    "wpcom_user_email": "value",
    "force_register": "bool",
    "force_connect": "bool",
    "site_url": "value",
    "ssh_host": "value",
    "ssh_port": "value",
    "ssh_user": "value",
    "ssh_pass_file": "value",
    "ssh_private_key": "value",
    "ftp_host": "value",
    "ftp_port": "value",
    "ftp_user": "value",
    "ftp_pass_file": "value",
    "check_upgrade": "switch",
    "early_token": "switch",
    "partner_tracking_id": "value",
    "home_url": "value",
    "wp_timeout": "value",
}
# What apply takes besides the site: everything else needs provision.
APPLY_FLAGS = ("site_url", "partner_tracking_id", "home_url", "wp_timeout")
CANCEL_FLAGS = ("partner_tracking_id", "home_url", "wp_timeout")
# Flags the binary takes for a whole run only, not on a line.
RUN_WIDE_EXTRA = ("early_token",)
SECRET_EXTRA = {
    "ssh_pass": "ssh_pass_file",
    "ftp_pass": "ftp_pass_file",
    "partner_secret": "the partner_secret option",
    "partner_id": "the partner_id option",
    "access_token": "the access_token option",
}
# What a status line takes of a provision or cancel line.
STATUS_FIELDS = ("url", "path", "blog_id", "allow_root", "home_url", "wp_timeout")
SITE_KEYS = ("url", "path", "blog_id", "user", "plan", "products", "state", "action", "via", "allow_root", "wp_cli_path",
             "timeout")


class Invalid(Exception):
    pass


def combine(parts):
    """(before, after, full) of one site from several results or parts: the
    status one of them read (else what each one's answer told), then every
    change accepted (or, in check mode, to be made)."""
    full = [p for p in parts if p.get("full_status", True)]
    if full:
        before = full[0]["products_before"]
    else:
        before, seen = [], set()
        for p in parts:
            for product in p["products_before"]:
                if product.get("slug") not in seen:
                    seen.add(product.get("slug"))
                    before.append(product)
    after = list(before)
    for p in parts:
        if not p.get("changed"):
            continue
        for a in p["actions"]:
            if a.get("success") is False:
                continue
            if a.get("action") == "provision":
                after = after_provision(after, a.get("plan"))
            elif a.get("action") == "cancel":
                after = after_cancel(after, a.get("plan"))
    return before, after, len(full) == len(parts)


class Item(object):
    """One item of `sites` (or the single site), checked."""

    def __init__(self, index, raw, params, module, single=False):
        self.index = index
        self.raw = raw
        label = "the site" if single else "sites[%d]" % index
        if not isinstance(raw, dict):
            raise Invalid("%s must be a dict (url, path, blog_id, user, plan, ...)" % label)
        fields = {}
        extra = dict((str(k).replace("-", "_"), v) for k, v in (params["extra"] or {}).items())
        for key, value in raw.items():
            name = str(key).replace("-", "_")
            if name in SITE_KEYS:
                fields[name] = value
            elif name in SECRET_EXTRA or name in EXTRA_FLAGS:
                extra[name] = value
            else:
                raise Invalid(
                    "%s.%s is not a key this module knows; known: %s"
                    % (label, key, ", ".join(sorted(SITE_KEYS + tuple(EXTRA_FLAGS)))))

        def get(name):
            value = fields.get(name)
            return params.get(name) if value is None or value == "" else value

        # action: provision|cancel, the spelling of older role versions.
        action = fields.get("action")
        if action not in (None, "", "provision", "cancel"):
            raise Invalid("%s: action must be provision or cancel (or use state), not %r" % (label, action))
        if fields.get("state") in (None, "") and action:
            fields["state"] = "absent" if action == "cancel" else "present"
        self.state = get("state") or "present"
        if self.state not in ("present", "absent"):
            raise Invalid("%s: state must be present or absent, not %r" % (label, self.state))
        plans = []
        if fields.get("products") is not None:
            products = fields["products"]
            if isinstance(products, str):
                products = [products]
            if not isinstance(products, list) or not all(isinstance(p, str) for p in products):
                raise Invalid("%s: products must be a list of slugs" % label)
            plans.extend(products)
        if fields.get("plan"):
            plans.append(str(fields["plan"]))
        if not plans and params["plan"]:
            plans.append(params["plan"])
        plans = [p.strip() for p in plans]
        if not plans or not all(plans):
            raise Invalid("%s has no plan: give plan or products (or the module's plan)" % label)
        self.plans = list(dict.fromkeys(plans))
        self.site = {}
        for key in ("url", "path", "blog_id"):
            value = fields.get(key)
            if value is not None and value != "":
                self.site[key] = value
        if "blog_id" in self.site:
            try:
                self.site["blog_id"] = int(self.site["blog_id"])
            except (TypeError, ValueError):
                raise Invalid("%s: blog_id must be a number" % label)
        if not self.site:
            raise Invalid("%s names no site: give url, path or blog_id" % label)
        self.user = get("user")
        if self.state == "present":
            if self.user is None or str(self.user) == "":
                raise Invalid("%s: state present needs a user (the item's or the module's)" % label)
            if "url" not in self.site and "path" not in self.site:
                raise Invalid("%s: state present needs url or path (a provision names the site by its URL)" % label)
        self.via = get("via") or "partner"
        if self.via not in ("partner", "license"):
            raise Invalid("%s: via must be partner or license, not %r" % (label, self.via))
        allow_root = get("allow_root")
        self.allow_root = module.boolean(allow_root) if allow_root is not None else False
        self.wp_cli_path = get("wp_cli_path")
        timeout = get("timeout")
        self.timeout = None if timeout is None else float(timeout)
        self.flags = self.check_extra(extra, module)
        if self.via == "license":
            if self.state == "absent":
                raise Invalid("%s: via license is for state present (a license is never revoked here: use "
                              "jetpack-partner license revoke)" % label)
            only = sorted(name for name in self.flags if name not in APPLY_FLAGS)
            if only:
                raise Invalid("%s: via license does not take %s (a partner provision's flags)" % (label, ", ".join(only)))
        self.name = site_name(self.site)

    def check_extra(self, extra, module):
        """{flag: value} of the extra flags (switches as True)."""
        flags = {}
        for name in sorted(extra):
            value = extra[name]
            if name in SECRET_EXTRA:
                if value is not None:
                    module.no_log_values.add(str(value))
                raise Invalid("extra.%s is not accepted: a secret must not reach the binary's input; use %s"
                              % (name, SECRET_EXTRA[name]))
            if name not in EXTRA_FLAGS:
                raise Invalid("extra.%s is not a jetpack-partner flag this module passes on; known: %s"
                              % (name, ", ".join(sorted(EXTRA_FLAGS))))
            if value is None:
                continue
            kind = EXTRA_FLAGS[name]
            if kind == "switch":
                if not isinstance(value, bool):
                    value = module.boolean(value)
                if value:
                    flags[name] = True
                continue
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, (dict, list)):
                raise Invalid("extra.%s must be a single value, not a %s" % (name, type(value).__name__))
            flags[name] = str(value)
        return flags

    def kind(self):
        """apply, provision or cancel: the command this item runs with."""
        if self.state == "absent":
            return "cancel"
        if any(name not in APPLY_FLAGS for name in self.flags):
            return "provision"
        return "apply"

    def run_wide(self):
        early = bool(self.flags.get("early_token"))
        return (self.kind(), self.wp_cli_path or "", self.timeout, early)

    def base_line(self, allowed):
        line = dict(self.site)
        if self.allow_root:
            line["allow_root"] = True
        for name, value in self.flags.items():
            if name in allowed and name not in RUN_WIDE_EXTRA:
                line[name] = value
        return line


class JetpackPartner(object):
    def __init__(self, module):
        self.module = module
        self.single = module.params["sites"] is None
        self.runs = []
        try:
            self.items = self.read_items()
        except Invalid as e:
            self.fail(str(e), error_code="invalid_input", error_message=str(e))
        self.binary = Binary(module, self.fail)

    def fail(self, msg, **kwargs):
        result = dict(changed=False, results=[], runs=self.runs)
        result.update(kwargs)
        self.module.fail_json(msg=msg, **result)

    def read_items(self):
        p = self.module.params
        if self.single:
            if not p["plan"]:
                raise Invalid("plan is required for a single site (or give sites)")
            raw = dict((k, p[k]) for k in ("url", "path", "blog_id") if p[k] is not None)
            return [Item(0, raw, p, self.module, single=True)]
        if not p["sites"]:
            return []
        return [Item(i, raw, p, self.module) for i, raw in enumerate(p["sites"])]

    # --- building the runs -------------------------------------------------

    def groups(self):
        """{run-wide settings: [item, ...]} in the items' order."""
        groups = {}
        for item in self.items:
            groups.setdefault(item.run_wide(), []).append(item)
        return groups

    def lines_for(self, kind, items):
        """(lines, [[item, ...] per line]): one line per site (apply) or per
        site and plan (provision, cancel); identical ones once."""
        lines, owners, index = [], [], {}
        for item in items:
            if kind == "apply":
                line = item.base_line(APPLY_FLAGS)
                line["user"] = str(item.user)
                if item.via == "license":
                    line["via"] = "license"
                units = [(line, item.plans)]
            else:
                units = []
                for plan in item.plans:
                    line = item.base_line(CANCEL_FLAGS if kind == "cancel" else EXTRA_FLAGS)
                    if kind == "provision":
                        line["user"] = str(item.user)
                    line["plan"] = plan
                    units.append((line, [plan]))
            for line, plans in units:
                if kind == "apply":
                    key = (item.name, None)
                else:
                    key = (item.name, line["plan"])
                if key in index:
                    n = index[key]
                    settled = dict(lines[n])
                    settled.pop("products", None)
                    if settled != line:
                        differ = sorted(k for k in set(settled) | set(line) if settled.get(k) != line.get(k))
                        raise Invalid(
                            "%s is listed twice with different settings (%s): give each site once, with all its plans"
                            % (item.name, ", ".join(differ)))
                    if kind == "apply":
                        lines[n]["products"] = list(dict.fromkeys(lines[n]["products"] + plans))
                    if item not in owners[n]:
                        owners[n].append(item)
                    continue
                if kind == "apply":
                    line["products"] = list(plans)
                index[key] = len(lines)
                lines.append(line)
                owners.append([item])
        return lines, owners

    def run(self, command, args, lines):
        rc, found, err, argv = self.binary.run_lines(command, args, lines)
        self.runs.append(dict(command=command, argv=argv, lines=len(lines), rc=rc))
        run_error = None
        if rc != 0 and len(found) < len(lines):
            run_error = parse_error(rc, err)
        return found, run_error

    def args_for(self, settings, extra_args):
        kind, wp_cli_path, timeout, early = settings
        args = list(extra_args)
        if wp_cli_path:
            args.append("--wp-cli-path=%s" % wp_cli_path)
        if timeout is not None:
            args.append("--timeout=%s" % ("%g" % timeout))
        if early and kind == "provision" and not self.module.check_mode:
            args.append("--early_token")
        # apply alone takes it (via: license lines are apply lines).
        if kind == "apply" and self.module.params["licensing_token_file"]:
            args.append("--licensing-token-file=%s" % self.module.params["licensing_token_file"])
        return args

    # --- results -----------------------------------------------------------

    def main(self):
        results = {}
        try:
            plan = [(settings, items) + self.lines_for(settings[0], items) for settings, items in self.groups().items()]
        except Invalid as e:
            self.fail(str(e), error_code="invalid_input", error_message=str(e))
        for settings, items, lines, owners in plan:
            kind = settings[0]
            if kind == "apply":
                args = ["--desired=-"] + (["--dry-run"] if self.module.check_mode else [])
                found, run_error = self.run("apply", self.args_for(settings, args), lines)
            elif self.module.check_mode:
                # provision/cancel --if-needed cannot tell in a dry run:
                # the status of each site, judged here.
                # One status line per site, whatever its plans.
                status_lines, which, seen = [], [], {}
                for line in lines:
                    sl = dict((k, v) for k, v in line.items() if k in STATUS_FIELDS)
                    key = tuple(sorted(sl.items()))
                    if key not in seen:
                        seen[key] = len(status_lines) + 1
                        status_lines.append(sl)
                    which.append(seen[key])
                by_site, run_error = self.run("status", self.args_for(settings, ["--batch=-"]), status_lines)
                found = dict((n, by_site[which[n - 1]]) for n in range(1, len(lines) + 1) if which[n - 1] in by_site)
            else:
                found, run_error = self.run(kind, self.args_for(settings, ["--batch=-", "--if-needed"]), lines)
            for n, line in enumerate(lines, 1):
                out = found.get(n)
                for item in owners[n - 1]:
                    part = self.judge(kind, line, out, run_error, item)
                    results.setdefault(item.index, []).append(part)
        self.finish([self.merge(item, results.get(item.index, [])) for item in self.items])

    def judge(self, kind, line, out, run_error, item):
        """The result of one output line for ITEM: which of the line's
        plans are the item's, what was done, products before and after."""
        plans = [p for p in (line.get("products") or [line.get("plan")]) if p in item.plans]
        part = dict(plans=plans, actions=[], changed=False, failed=False)
        if out is None:
            code, message = run_error[:2] if run_error else ("no_result", "jetpack-partner printed no result for this site")
            part.update(failed=True, error_code=code, error_message=message)
            return part
        part["output"] = out
        if kind == "apply":
            return self.judge_apply(out, plans, part)
        if self.module.check_mode:
            return self.judge_status(kind, out, plans[0], part)
        return self.judge_batch(kind, out, plans[0], part)

    def judge_apply(self, out, plans, part):
        status = out.get("status") if isinstance(out.get("status"), dict) else {}
        before = products_of(status)
        after = list(before)
        for action in out.get("actions") or []:
            if not isinstance(action, dict) or action.get("plan") not in plans:
                continue
            part["actions"].append(action)
            if action.get("success") is True or (out.get("dry_run") and "success" not in action):
                part["changed"] = True
                if action.get("action") == "provision":
                    after = after_provision(after, action.get("plan"))
                elif action.get("action") == "cancel":
                    after = after_cancel(after, action.get("plan"))
        part.update(products_before=before, products_after=after, blog=status.get("blog") or {},
                    unknown_site="blog" not in status, full_status=True)
        failed = [a for a in part["actions"] if a.get("success") is False]
        if out.get("success") is False and (failed or not out.get("actions")):
            first = failed[0] if failed else out
            part.update(failed=True, error_code=str(first.get("error_code") or "unknown_error"),
                        error_message=str(first.get("error_message") or ""))
        return part

    def judge_status(self, kind, out, plan, part):
        """Check mode for provision/cancel: would it be sent?"""
        if out.get("success") is False and out.get("error_code") not in UNKNOWN_SITE:
            part.update(failed=True, error_code=str(out.get("error_code")), error_message=str(out.get("error_message") or ""))
            return part
        status = out.get("answer") if out.get("success") is not False and isinstance(out.get("answer"), dict) else {}
        before = products_of(status)
        if kind == "provision":
            needed = not any(p.get("slug") == plan for p in before)
            after = after_provision(before, plan) if needed else before
        else:
            needed = any(ours(p, plan) for p in before)
            after = after_cancel(before, plan) if needed else before
        if needed:
            part["changed"] = True
            part["actions"].append(dict(action=kind, plan=plan))
        part.update(products_before=before, products_after=after, blog=status.get("blog") or {},
                    unknown_site="blog" not in status, full_status=True)
        return part

    def judge_batch(self, kind, out, plan, part):
        """provision/cancel --batch --if-needed: unchanged lines carry the
        status they judged by; a change carries the API's answer only."""
        answer = out.get("answer")
        if out.get("success") is False:
            part.update(failed=True, error_code=str(out.get("error_code") or "unknown_error"),
                        error_message=str(out.get("error_message") or ""))
            if isinstance(answer, dict):
                part["answer"] = answer
            return part
        status = out.get("status") if isinstance(out.get("status"), dict) else None
        if out.get("changed") is False:
            status = answer if isinstance(answer, dict) else {}
            before = products_of(status)
            part.update(products_before=before, products_after=before, blog=status.get("blog") or {},
                        unknown_site="blog" not in status, full_status=True)
            return part
        part["changed"] = True
        action = dict(action=kind, plan=plan, success=True)
        if isinstance(answer, dict):
            action["answer"] = answer
            part["answer"] = answer
        part["actions"].append(action)
        if status is not None:
            # A binary that reports the status it judged by (as apply does).
            before = products_of(status)
            part.update(blog=status.get("blog") or {}, unknown_site="blog" not in status, full_status=True)
        else:
            # Only what the change itself tells: this product was (not)
            # there, ours, before.
            before = [] if kind == "provision" else [ours_product(plan)]
            part["full_status"] = False
        after = after_provision(before, plan) if kind == "provision" else after_cancel(before, plan)
        part.update(products_before=before, products_after=after)
        return part

    def merge(self, item, parts):
        """One item's result from the parts of its lines."""
        r = dict(site=item.name, state=item.state, plans=item.plans, changed=False, failed=False, actions=[])
        for key in ("url", "path", "blog_id"):
            if key in item.site:
                r[key] = item.site[key]
        errors = [p for p in parts if p["failed"]]
        r["changed"] = any(p["changed"] for p in parts)
        for p in parts:
            r["actions"].extend(p["actions"])
        known = [p for p in parts if "products_before" in p]
        if known:
            before, after, full = combine(known)
            base = next((p for p in known if p.get("full_status")), known[0])
            r.update(products_before=before, products_after=after, blog=base.get("blog", {}),
                     unknown_site=base.get("unknown_site", False), full_status=full)
        outputs = [p["output"] for p in parts if "output" in p]
        if outputs:
            r["output"] = outputs[0] if len(outputs) == 1 else outputs
        answers = [p["answer"] for p in parts if "answer" in p]
        if answers:
            r["answer"] = answers[0] if len(answers) == 1 else answers
        if errors:
            r.update(failed=True, error_code=errors[0]["error_code"], error_message=errors[0]["error_message"])
        r["msg"] = self.message(item, r)
        return r

    def message(self, item, r):
        if r["failed"]:
            return "%s: %s" % (r["error_code"], r["error_message"])
        done = [a for a in r["actions"] if a.get("plan")]
        if done:
            verb = {"provision": "provisioned", "cancel": "cancelled"}

            def did(a):
                how = " by license" if a.get("via") == "license" else ""
                return verb.get(a.get("action"), a.get("action")) + how
            if self.module.check_mode:
                return "; ".join("%s would be %s" % (a["plan"], did(a)) for a in done)
            return "; ".join("%s %s" % (a["plan"], did(a)) for a in done)
        before = r.get("products_before", [])
        notes = []
        for plan in item.plans:
            same = [p for p in before if p.get("slug") == plan]
            if item.state == "present":
                if same and not any(ours(p, plan) for p in same):
                    notes.append("%s is already there, provisioned by another partner or not through a partner" % plan)
                else:
                    pending = any(p.get("is_pending") for p in same)
                    notes.append("%s is already there%s" % (plan, " (pending activation)" if pending else ""))
            elif same:
                notes.append("%s was provisioned by another partner (or not through a partner): left alone, "
                             "this partner cannot cancel it" % plan)
            else:
                notes.append("%s is not there" % plan)
        return "; ".join(notes)

    def diffs(self, results):
        """One diff per site (items of one site together), for the changed
        sites (a single site: always)."""
        by_site = {}
        order = []
        for r in results:
            if "products_before" not in r or not (r["changed"] or self.single):
                continue
            if r["site"] not in by_site:
                order.append(r["site"])
            by_site.setdefault(r["site"], []).append(r)
        out = []
        for site in order:
            before, after, full = combine(by_site[site])
            header = "products of %s" % (site or "the site")
            if not full:
                header += " (only the products concerned: the binary's answer holds no full status)"
            out.append(dict(before=render(before), after=render(after), before_header=header, after_header=header))
        return out

    def finish(self, results):
        module = self.module
        failed = [r for r in results if r["failed"]]
        changed = [r for r in results if r["changed"]]
        summary = dict(sites=len(results), changed=len(changed), unchanged=len(results) - len(changed) - len(failed),
                       failed=len(failed))
        for r in results:
            r["changed"] = bool(r["changed"])
        out = dict(changed=bool(changed), results=results, summary=summary, runs=self.runs)
        if self.single and results:
            r = results[0]
            out.update(state=r["state"], plan=module.params["plan"], site=r["site"], msg=r["msg"],
                       action=(r["actions"][0].get("action") if r["changed"] and r["actions"] else None))
            for key in ("products_before", "products_after", "blog", "unknown_site", "answer"):
                if key in r:
                    out[key] = r[key]
        else:
            out["msg"] = "%d sites: %d changed, %d unchanged, %d failed" % (
                summary["sites"], summary["changed"], summary["unchanged"], summary["failed"])
        if module._diff:
            diffs = self.diffs(results)
            if self.single:
                if diffs:
                    out["diff"] = diffs[0]
            else:
                out["diff"] = diffs
        if failed:
            first = failed[0]
            out.update(error_code=first["error_code"], error_message=first["error_message"])
            if self.single:
                msg = "jetpack-partner failed for %s: %s: %s" % (first["site"], first["error_code"], first["error_message"])
            else:
                msg = "jetpack-partner: %d of %d sites failed: %s" % (
                    len(failed), len(results),
                    "; ".join("%s: %s: %s" % (r["site"], r["error_code"], r["error_message"]) for r in failed))
            out.pop("msg", None)
            module.fail_json(msg=msg, **out)
        module.exit_json(**out)


def main():
    argument_spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        plan=dict(type="str"),
        sites=dict(type="list", elements="dict"),
        path=dict(type="path"),
        url=dict(type="str"),
        blog_id=dict(type="int"),
        user=dict(type="str"),
        via=dict(type="str", default="partner", choices=["partner", "license"]),
        licensing_token=dict(type="str", no_log=True),
        licensing_token_file=dict(type="path"),
        extra=dict(type="dict", default={}),
    )
    argument_spec.update(COMMON_OPTIONS)
    module = AnsibleModule(
        argument_spec=argument_spec,
        required_one_of=[("sites", "path", "url", "blog_id")],
        mutually_exclusive=COMMON_EXCLUSIVE + [("sites", "url"), ("sites", "path"), ("sites", "blog_id"),
                                               ("licensing_token", "licensing_token_file")],
        supports_check_mode=True,
    )
    JetpackPartner(module).main()


if __name__ == "__main__":
    main()
