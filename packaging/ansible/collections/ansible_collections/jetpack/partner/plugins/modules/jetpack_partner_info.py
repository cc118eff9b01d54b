#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v2.0+ (see LICENSES/GPL-2.0-or-later.txt or https://www.gnu.org/licenses/old-licenses/gpl-2.0.txt)
# SPDX-License-Identifier: GPL-2.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: jetpack_partner_info
short_description: Read the Jetpack plans and products of WordPress sites
version_added: "0.1.0"
description:
  - Reads the status of one site (O(url), O(path), O(blog_id)) or a list
    (O(sites)) through the WordPress.com partner API with one
    C(jetpack-partner status --batch=-) run on the managed host, which makes
    one token call and one status call per site. Changes nothing.
  - A site WordPress.com does not know (C(invalid_blog), C(unknown_blog)) is
    no failure; it has no products and RV(sites[].unknown_site) is true.
  - Credentials reach the binary through its environment or as file paths,
    and the sites as JSON lines on its standard input; never a secret on its
    command line.
author:
  - jetpack-partner contributors (!UNKNOWN)
requirements:
  - the C(jetpack-partner) binary on the managed host (see O(binary))
  - WP-CLI (C(wp)) on the managed host when a site is named by O(path) only
options:
  sites:
    description:
      - The sites, one dict per site, with C(url), C(path), C(blog_id) (at
        least one) and optionally C(home_url), C(allow_root). Other keys
        (C(plan), C(user), C(state), ...) are left out, so the list the
        M(jetpack.partner.jetpack_partner) module takes does too.
      - Mutually exclusive with O(url), O(path) and O(blog_id).
    type: list
    elements: dict
  path:
    description: WordPress root on the managed host, for WP-CLI (a single site).
    type: path
  url:
    description: The site's URL (a single site); status names the site by its site suffix when WordPress cannot be reached.
    type: str
  blog_id:
    description: WordPress.com blog id of the site (a single site).
    type: int
  partner_id:
    description:
      - Partner (OAuth client) id. Passed as C(JETPACK_PARTNER_ID).
      - Not needed with O(access_token) or O(access_token_file).
    type: raw
  partner_secret:
    description: Partner (OAuth client) secret. Passed as C(JETPACK_PARTNER_SECRET). Keep it in Ansible Vault.
    type: str
  partner_secret_file:
    description: File on the managed host whose first line is the partner secret (C(--partner_secret_file)).
    type: path
  access_token:
    description: A partner access token (from C(jetpack-partner token)); no token call is made. Passed as C(JETPACK_PARTNER_ACCESS_TOKEN).
    type: str
  access_token_file:
    description: File on the managed host whose first line is a partner access token (C(--access-token-file)).
    type: path
  binary:
    description: The C(jetpack-partner) binary on the managed host; a name without C(/) is looked up on C(PATH).
    type: path
    default: jetpack-partner
  api_host:
    description: C(JETPACK_START_API_HOST) for the binary, for example a sandbox host.
    type: str
  allow_root:
    description: Pass C(--allow-root) to every C(wp) call.
    type: bool
    default: false
  wp_cli_path:
    description: The C(wp) command; may hold words, for example V(php /opt/wp-cli.phar).
    type: str
  timeout:
    description: Time limit for each API request, in seconds.
    type: float
  jobs:
    description: Sites the binary works on at once (C(--jobs); its default is 4).
    type: int
attributes:
  check_mode:
    description: Runs the same in check mode (it only reads).
    support: full
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: none
  platform:
    description: Any host the static C(jetpack-partner) binary runs on.
    platforms: posix
    support: full
notes:
  - Register the result and use RV(sites) (or, for one site, RV(products))
    in later tasks. Like every C(_info) module it returns no C(ansible_facts).
seealso:
  - module: jetpack.partner.jetpack_partner
"""

EXAMPLES = r"""
- name: What the sites of this host have
  jetpack.partner.jetpack_partner_info:
    sites: "{{ jetpack_partner_sites }}"
    partner_id: "{{ vault_jetpack_partner_id }}"
    partner_secret_file: /etc/jetpack-partner/secret
  register: jetpack

- name: Sites without daily backups
  ansible.builtin.debug:
    msg: "{{ item.site }}"
  loop: "{{ jetpack.sites }}"
  when: "'jetpack-backup-daily' not in (item.products | map(attribute='slug'))"

- name: One site
  jetpack.partner.jetpack_partner_info:
    blog_id: 200001
    access_token_file: /etc/jetpack-partner/token
  register: shop
"""

RETURN = r"""
sites:
  description: One entry per site, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    site:
      description: The site as given (C(url), else C(path), else C(blog_id)).
      type: str
    success:
      description: The status could be read (also true for a site WordPress.com does not know).
      type: bool
    products:
      description: The site's plans and products (C(slug), C(is_provisioned_by_partner), C(is_provisioned_by_calling_partner), C(is_pending)).
      type: list
      elements: dict
    blog:
      description: The C(blog) object of the status (C(is_connected), C(has_backups_credentials)); empty when not known.
      type: dict
    unknown_site:
      description: WordPress.com did not know the site.
      type: bool
    status:
      description: The status answer as the API gave it.
      type: dict
    error_code:
      description: Why the status could not be read.
      type: str
    error_message:
      description: The binary's error message.
      type: str
  sample:
    - site: https://a.example.com
      success: true
      products: [{slug: jetpack-backup-daily, is_provisioned_by_partner: true, is_provisioned_by_calling_partner: true, is_pending: false}]
      blog: {is_connected: true, has_backups_credentials: false}
      unknown_site: false
      status: {}
site:
  description: The site as given.
  returned: for a single site
  type: str
  sample: https://a.example.com
products:
  description: The site's plans and products.
  returned: for a single site
  type: list
  elements: dict
  sample: []
blog:
  description: The C(blog) object of the site's status.
  returned: for a single site
  type: dict
  sample: {is_connected: true, has_backups_credentials: false}
unknown_site:
  description: WordPress.com did not know the site.
  returned: for a single site
  type: bool
status:
  description: The status answer of the single site as the API gave it.
  returned: for a single site
  type: dict
runs:
  description: The C(jetpack-partner) process run (command, arguments without any secret, exit status, lines read).
  returned: always
  type: list
  elements: dict
error_code:
  description: The first failed site's error code (C(binary_not_found), C(invalid_input), C(no_result), API codes).
  returned: failure
  type: str
error_message:
  description: The first failed site's error message.
  returned: failure
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.jetpack.partner.plugins.module_utils.jetpack_partner import (
    COMMON_EXCLUSIVE,
    COMMON_OPTIONS,
    UNKNOWN_SITE,
    Binary,
    parse_error,
    products_of,
    site_name,
)

LINE_KEYS = ("url", "path", "blog_id", "home_url", "allow_root")


def line_of(index, raw, single):
    label = "the site" if single else "sites[%d]" % index
    if not isinstance(raw, dict):
        raise ValueError("%s must be a dict with url, path or blog_id" % label)
    line = {}
    for key, value in raw.items():
        name = str(key).replace("-", "_")
        if name in LINE_KEYS and value is not None and value != "":
            line[name] = value
    if not any(k in line for k in ("url", "path", "blog_id")):
        raise ValueError("%s names no site: give url, path or blog_id" % label)
    return line


def main():
    argument_spec = dict(
        sites=dict(type="list", elements="dict"),
        path=dict(type="path"),
        url=dict(type="str"),
        blog_id=dict(type="int"),
    )
    argument_spec.update(COMMON_OPTIONS)
    module = AnsibleModule(
        argument_spec=argument_spec,
        required_one_of=[("sites", "path", "url", "blog_id")],
        mutually_exclusive=COMMON_EXCLUSIVE + [("sites", "url"), ("sites", "path"), ("sites", "blog_id")],
        supports_check_mode=True,
    )
    p = module.params
    single = p["sites"] is None
    runs = []

    def fail(msg, **kwargs):
        module.fail_json(msg=msg, changed=False, sites=[], runs=runs, **kwargs)

    raws = [dict((k, p[k]) for k in ("url", "path", "blog_id") if p[k] is not None)] if single else p["sites"]
    try:
        lines = [line_of(i, raw, single) for i, raw in enumerate(raws)]
    except ValueError as e:
        fail(str(e), error_code="invalid_input", error_message=str(e))
    for line in lines:
        if p["allow_root"] and "allow_root" not in line:
            line["allow_root"] = True
    binary = Binary(module, fail)
    sites = []
    if lines:
        args = ["--batch=-"]
        if p["wp_cli_path"]:
            args.append("--wp-cli-path=%s" % p["wp_cli_path"])
        if p["timeout"] is not None:
            args.append("--timeout=%g" % p["timeout"])
        # The same site twice is one line (the binary does it once).
        unique, which = [], []
        for line in lines:
            if line not in unique:
                unique.append(line)
            which.append(unique.index(line) + 1)
        rc, found, err, argv = binary.run_lines("status", args, unique)
        runs.append(dict(command="status", argv=argv, lines=len(unique), rc=rc))
        run_error = parse_error(rc, err) if rc != 0 and len(found) < len(unique) else None
        for line, n in zip(lines, which):
            out = found.get(n)
            entry = dict(site=site_name(line))
            if out is None:
                code, message = run_error[:2] if run_error else ("no_result", "jetpack-partner printed no result for this site")
                entry.update(success=False, error_code=code, error_message=message)
            elif out.get("success") is False and out.get("error_code") not in UNKNOWN_SITE:
                entry.update(success=False, error_code=str(out.get("error_code")),
                             error_message=str(out.get("error_message") or ""))
            else:
                status = out.get("answer") if out.get("success") is not False and isinstance(out.get("answer"), dict) else {}
                entry.update(success=True, products=products_of(status), blog=status.get("blog") or {},
                             unknown_site=out.get("success") is False, status=status)
            sites.append(entry)
    result = dict(changed=False, sites=sites, runs=runs)
    if single and sites:
        for key in ("site", "products", "blog", "unknown_site", "status"):
            if key in sites[0]:
                result[key] = sites[0][key]
    failed = [s for s in sites if not s["success"]]
    if failed:
        result.update(error_code=failed[0]["error_code"], error_message=failed[0]["error_message"])
        module.fail_json(msg="jetpack-partner status: %d of %d sites failed: %s" % (
            len(failed), len(sites), "; ".join("%s: %s: %s" % (s["site"], s["error_code"], s["error_message"]) for s in failed)),
            **result)
    module.exit_json(msg="%d sites read" % len(sites), **result)


if __name__ == "__main__":
    main()
