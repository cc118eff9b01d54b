#!/bin/sh
# packaging/ansible: the jetpack.partner collection (modules jetpack_partner
# and jetpack_partner_info, role jetpack_partner) on three inventory hosts
# (connection: local) against the project's fake partner API
# (examples/fake-api.rs, stateful: partners 4321 and 999, refuses
# jetpack-scan), counting from the fake's request log what each run costs.
#
#   host  task                              sites
#   web1  jetpack_partner, sites: (5 items) a.test (backup-daily, anti-spam: two
#                                           items, one site), B.test/blog/
#                                           (professional), c.test (backup-daily;
#                                           partner 999 has anti-spam there),
#                                           e.test (premium, ours already)
#   web2  jetpack_partner, sites:           d.test (jetpack-scan: refused),
#         partner_secret_file               f.test (premium, a tracking id)
#   web3  jetpack_partner, one site (the    g.test (backup-daily)
#         old parameters), access_token
#
#  0. ansible-test sanity on the collection; ansible-doc renders both
#     modules; ansible-galaxy builds and installs the collection
#  1. web1 --check --diff: 1 token call, 4 status calls, nothing else; the
#     binary ran once (apply --dry-run); a, b, c would change, e not
#  2. web1 --diff: 1 token, 4 status, 4 provisions (a twice, b, c), none
#     for e; one process; the API has the products; the diff is the
#     binary's status plus what it provisioned
#  3. web1 again: 1 token, 4 status, no provision, changed=0
#     a wrong secret: every site fails with invalid_client, only the token
#     call is sent
#  4. all hosts: web2 fails for d alone (error_code invalid_plan in its
#     result, f provisioned with its tracking id), web3 makes no token call,
#     web1 changes nothing; 2 token calls, 7 status calls
#  5. web1 state=absent: --check (status only), then for real: one cancel
#     --batch run cancels a's two products and b's (with plan), leaves c's
#     (partner 999's), then again: no cancel
#  6. jetpack_partner_info on web1 (also in check mode): 1 token, 4 status,
#     each site's products, changed=false
#  7. the role (packaging/ansible/playbook.yml, -vvv, a site that fails,
#     jetpack_partner_ignore_failures) twice: installs the binary from the
#     path given, one module call for the host's sites, results in
#     jetpack_partner_results; the second run changes nothing
#  8. via: license on web4 (a stand-in wp answering the facts and the
#     licenses program, a licensing token given as a no_log option):
#     --check sends the token and status calls only; for real the apply
#     line says "via":"license", the site is connected and one license
#     issued (no partner provision), the key in the result; state: absent
#     with via: license is refused before the binary runs
# Every run: the partner secret and the access token appear in no output,
# never on the binary's command line nor its standard input, and every
# token call was accepted (the fake checks the secret).
#
# Needs python3 with venv and pip access to PyPI (ansible-core goes into a
# venv, by default target/ansible-venv, reused across runs; ansible-test
# sanity's own venvs go under target/ansible-test-home), and cargo for the
# fake API.
set -u
# shellcheck source-path=SCRIPTDIR
. "$(dirname -- "$0")/lib.sh"

venv=${ANSIBLE_VENV:-$TOP/target/ansible-venv}
spec=${ANSIBLE_CORE_SPEC:-ansible-core>=2.19,<2.20}
if ! "$venv/bin/ansible-playbook" --version >/dev/null 2>&1; then
	echo "# creating $venv with $spec"
	if ! "$PYTHON" -m venv "$venv" || ! "$venv/bin/pip" install -q "$spec"; then
		echo "ansible.sh: could not install $spec into $venv" >&2
		exit 1
	fi
fi
echo "# $("$venv/bin/ansible-playbook" --version 2>/dev/null | sed 1q)"

bin=$(static_binary) || exit 1
SECRET='t0p-s3cr&t +=% x'
LICTOKEN='lic-t0ken-9d3e7a'
STATE=$WORK/api-state.json
start_api API --partner "4321:$SECRET" --partner 999:0ther-s3cret --fail-plan jetpack-scan --state-file "$STATE" \
	--licensing-token "$LICTOKEN"
export JETPACK_START_API_HOST="http://127.0.0.1:$API"
collection=$TOP/packaging/ansible/collections/ansible_collections/jetpack/partner

# A token for web3 (no token call in its runs).
JETPACK_PARTNER_ID=4321 JETPACK_PARTNER_SECRET=$SECRET "$bin" token >"$WORK/token.json" 2>&1
TOKEN=$("$PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))["access_token"])' "$WORK/token.json")
check "got an access token for web3" [ -n "$TOKEN" ]

# The binary the hosts run: logs each run's argv and standard input, then
# runs the real one with that input.
cat >"$WORK/logging-jetpack-partner" <<EOF
#!/bin/sh
n=\$\$
{ echo "== run \$n"; for a in "\$@"; do printf '%s\n' "\$a"; done; } >>'$WORK/argv.log'
cat >'$WORK/stdin.'\$n
{ echo "== run \$n"; cat '$WORK/stdin.'\$n; } >>'$WORK/stdin.log'
exec '$bin' "\$@" <'$WORK/stdin.'\$n
EOF
chmod 755 "$WORK/logging-jetpack-partner"
printf '%s\n' "$SECRET" >"$WORK/secret.txt"
chmod 600 "$WORK/secret.txt"

# The playbooks, beside a collections/ folder as a user's would be.
ln -s "$TOP/packaging/ansible/collections" "$WORK/collections"
cat >"$WORK/inventory.yml" <<EOF
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
    jp_binary: $WORK/logging-jetpack-partner
    jp_api: http://127.0.0.1:$API
    jp_wp: $WORK/no-wp-here
  hosts:
    web1:
      jp_sites:
        - {url: "https://a.test", plan: jetpack-backup-daily}
        - {url: "https://a.test", plan: jetpack-anti-spam}
        - {url: "https://B.test/blog/", products: [professional]}
        - {url: "https://c.test", plan: jetpack-backup-daily}
        - {url: "https://e.test", plan: premium}
      jp_absent:
        - {url: "https://a.test", products: [jetpack-backup-daily, jetpack-anti-spam]}
        - {url: "https://B.test/blog/", plan: professional}
        - {url: "https://c.test", plan: jetpack-anti-spam}
    web2:
      jp_secret_file: $WORK/secret.txt
      jp_sites:
        - {url: "https://d.test", plan: jetpack-scan}
        - {url: "https://f.test", plan: premium, partner_tracking_id: t-1}
    web3:
      jp_single: {url: "https://g.test", plan: jetpack-backup-daily}
      jp_token: "$TOKEN"
EOF
cat >"$WORK/sites.yml" <<'EOF'
- name: Jetpack products of each host's sites
  hosts: all
  gather_facts: false
  vars:
    jp_state: present
  module_defaults:
    jetpack.partner.jetpack_partner:
      binary: "{{ jp_binary }}"
      api_host: "{{ jp_api }}"
      wp_cli_path: "{{ jp_wp }}"
      timeout: 20
      partner_id: 4321
  tasks:
    - name: Jetpack products
      jetpack.partner.jetpack_partner:
        state: "{{ jp_state }}"
        sites: "{{ jp_absent if jp_state == 'absent' else jp_sites }}"
        user: admin
        partner_secret: "{{ omit if jp_secret_file is defined else jp_partner_secret }}"
        partner_secret_file: "{{ jp_secret_file | default(omit) }}"
        licensing_token: "{{ jp_licensing_token | default(omit) }}"
      when: jp_sites is defined
    - name: Jetpack product
      jetpack.partner.jetpack_partner:
        state: "{{ jp_state }}"
        url: "{{ jp_single.url }}"
        plan: "{{ jp_single.plan }}"
        user: admin
        access_token: "{{ jp_token }}"
      when: jp_single is defined
EOF
cat >"$WORK/info.yml" <<'EOF'
- name: Jetpack status of each host's sites
  hosts: web1
  gather_facts: false
  tasks:
    - name: Status
      jetpack.partner.jetpack_partner_info:
        sites: "{{ jp_sites }}"
        binary: "{{ jp_binary }}"
        api_host: "{{ jp_api }}"
        wp_cli_path: "{{ jp_wp }}"
        partner_id: 4321
        partner_secret: "{{ jp_partner_secret }}"
      register: jp_info
    - name: Keep it
      ansible.builtin.set_fact:
        jetpack_status: "{{ jp_info.sites }}"
EOF
# As a vault file would: the secret never on ansible-playbook's command line.
printf 'jp_partner_secret: "%s"\njetpack_partner_secret: "%s"\n' "$SECRET" "$SECRET" >"$WORK/secrets.yml"

# Our own (empty) config: nothing from /etc/ansible or ~/.ansible.cfg; the
# collection only from beside the playbook (ansible-doc: --playbook-dir).
: >"$WORK/ansible.cfg"
mkdir -p "$WORK/callback_plugins" "$WORK/no-collections"
cp "$TESTS/ansible_record.py" "$WORK/callback_plugins/"
export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_RETRY_FILES_ENABLED=0 \
	ANSIBLE_LOCAL_TEMP="$WORK/ansible-tmp" ANSIBLE_REMOTE_TEMP="$WORK/ansible-tmp" \
	ANSIBLE_HOME="$WORK/ansible-home" ANSIBLE_CONFIG="$WORK/ansible.cfg" ANSIBLE_DEPRECATION_WARNINGS=0 \
	ANSIBLE_PYTHON_INTERPRETER=auto_silent ANSIBLE_COLLECTIONS_PATH="$WORK/no-collections" \
	ANSIBLE_CALLBACK_PLUGINS="$WORK/callback_plugins" ANSIBLE_CALLBACKS_ENABLED=ansible_record

# play NAME ARGS...: ansible-playbook ARGS; its output in $WORK/NAME.log, the
# results and recap in $WORK/NAME.json (ansible_record.py), the requests the
# API received meanwhile in $WORK/NAME.api, the binary's runs (argv, stdin)
# in $WORK/NAME.argv and $WORK/NAME.stdin. Sets rc; checks the secrets.
play() {
	name=$1
	shift
	: >"$API_LOG"
	: >"$WORK/argv.log"
	: >"$WORK/stdin.log"
	start=$(date +%s)
	JETPACK_TEST_RECORD=$WORK/$name.json "$venv/bin/ansible-playbook" "$@" >"$WORK/$name.log" 2>&1
	rc=$?
	cp "$API_LOG" "$WORK/$name.api"
	cp "$WORK/argv.log" "$WORK/$name.argv"
	cp "$WORK/stdin.log" "$WORK/$name.stdin"
	echo "# $name: exit $rc, $(($(date +%s) - start)) s"
	check "$name: the secret and the access and licensing tokens appear nowhere in ansible's output" \
		sh -c "! grep -qF -e '$SECRET' -e '$TOKEN' -e '$LICTOKEN' '$WORK/$name.log' '$WORK/$name.json'"
	check "$name: the secret and the tokens were never on the binary's command line nor its input" \
		sh -c "! grep -qF -e '$SECRET' -e '$TOKEN' -e '$LICTOKEN' '$WORK/$name.argv' '$WORK/$name.stdin'"
	[ "$name" = bad-secret ] ||
		check "$name: every token call was accepted (the fake checks the secret)" holds "$name" \
			'all(c["status"] == 200 and c["form"] == ["client_id", "client_secret", "grant_type", "scope"] for c in sent("token"))'
	[ -s "$WORK/$name.json" ] || sed 's/^/#   | /' "$WORK/$name.log" | tail -40
}

# holds NAME EXPR: the Python expression EXPR is true after run NAME, where
#   r[HOST]       the result of task "Jetpack products" (sites:) on HOST
#   r1[HOST]      the result of task "Jetpack product" (one site) on HOST
#   t[HOST][TASK] the result of any task
#   s[HOST]       HOST's recap (ok, changed, failures, ignored, ...)
#   res(HOST, SITE) the item results of HOST's "Jetpack products" for SITE
#   sent(KIND)    the requests of the run: token, status, provision, cancel
#   sites(KIND)   the sites (path segment) of the status or cancel requests
#   runs          the binary's runs: [argv, ...]
#   stdin         the binary's standard input per run: [[JSON line, ...], ...]
#   products(SITE) [slug, partner] of each product the API has for SITE now
# shellcheck disable=SC2317 # called through check
holds() {
	"$PYTHON" - "$WORK/$1" "$2" "$STATE" <<'EOF'
import json, sys
base, expr, state_file = sys.argv[1:4]
try:
    record = json.load(open(base + ".json"))
except (OSError, ValueError) as e:
    print("#   no record of the run: %s" % e)
    sys.exit(1)
t = record["results"]
s = record["stats"]
r = {h: tasks.get("Jetpack products", {}) for h, tasks in t.items()}
r1 = {h: tasks.get("Jetpack product", {}) for h, tasks in t.items()}
api = [json.loads(line) for line in open(base + ".api")]
state = json.load(open(state_file))

def split_runs(path, parse):
    runs, cur = [], None
    for line in open(path).read().splitlines():
        if line.startswith("== run "):
            cur = []
            runs.append(cur)
        elif cur is not None and line:
            cur.append(parse(line))
    return runs

runs = split_runs(base + ".argv", lambda x: x)
stdin = split_runs(base + ".stdin", json.loads)

def kind(c):
    p = c["path"]
    if p == "/oauth2/token":
        return "token"
    if p.startswith("/rest/v1.4/jpphp/") and p.endswith("/status"):
        return "status"
    if p == "/rest/v1.3/jpphp/provision":
        return "provision"
    if p.endswith("/partner-cancel"):
        return "cancel"
    return "other"

def sent(k):
    return [c for c in api if kind(c) == k]

def sites(k):
    return sorted(c["path"].split("/")[4] for c in sent(k))

def res(host, site):
    return [x for x in r[host].get("results", []) if x["site"] == site]

def products(site):
    for s_ in state["sites"]:
        if s_["site"] == site:
            return sorted([p["slug"], p["partner"]] for p in s_["products"])
    return []

if not eval(expr):
    print("#   not true: " + expr)
    sys.exit(1)
EOF
}

# 0. ansible-test sanity, ansible-doc, ansible-galaxy.
sanity() {
	# ansible-test wants the collection at .../ansible_collections/NS/NAME
	# and, outside git, reads every file there: a copy.
	copy=$WORK/sanity/ansible_collections/jetpack/partner
	mkdir -p "$copy"
	cp -R "$collection/." "$copy/"
	home=${ANSIBLE_TEST_HOME:-$venv-test-home}
	pip_version=$("$venv/bin/python" -c '
import os, re, ansible_test
src = open(os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py")).read()
print(re.search(r"pip=.([0-9.]+).", src).group(1))')
	mkdir -p "$home/.ansible/test/cache"
	cp "$TESTS/ansible_test_get_pip.py" "$home/.ansible/test/cache/get_pip_$(echo "$pip_version" | tr . _).py"
	py=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
	(cd "$copy" && HOME=$home "$venv/bin/ansible-test" sanity --local --python "$py" --requirements) >"$WORK/sanity.log" 2>&1
}
start=$(date +%s)
sanity
rc=$?
check "ansible-test sanity passes ($(grep -c '^Running sanity test' "$WORK/sanity.log") tests, $(($(date +%s) - start)) s)" [ $rc -eq 0 ]
[ $rc -eq 0 ] || grep -E '^(ERROR|FATAL)' "$WORK/sanity.log" | sed 's/^/#   /' | tail -30
for m in jetpack_partner jetpack_partner_info; do
	"$venv/bin/ansible-doc" --playbook-dir "$TOP/packaging/ansible" "jetpack.partner.$m" >"$WORK/doc-$m.txt" 2>&1
	rc=$?
	check "ansible-doc jetpack.partner.$m exits 0" [ "$rc" -eq 0 ]
	for heading in OPTIONS ATTRIBUTES EXAMPLES 'RETURN VALUES' partner_secret_file sites; do
		check "ansible-doc $m shows $heading" contains "$WORK/doc-$m.txt" "$heading"
	done
	check "ansible-doc $m shows no error" sh -c "! grep -q 'ERROR' '$WORK/doc-$m.txt'"
done
version=$(sed -n 's/^version: *//p' "$collection/galaxy.yml")
mkdir -p "$WORK/dist"
(cd "$WORK/dist" && "$venv/bin/ansible-galaxy" collection build "$collection" &&
	"$venv/bin/ansible-galaxy" collection install -p "$WORK/installed" "jetpack-partner-$version.tar.gz") >"$WORK/galaxy.log" 2>&1
i=$WORK/installed/ansible_collections/jetpack/partner
check "ansible-galaxy builds and installs the collection (modules, module_utils, role, LICENSE, changelog)" sh -c \
	"[ -f '$i/plugins/modules/jetpack_partner.py' ] && [ -f '$i/plugins/modules/jetpack_partner_info.py' ] && [ -f '$i/plugins/module_utils/jetpack_partner.py' ] && [ -f '$i/roles/jetpack_partner/tasks/main.yml' ] && [ -f '$i/LICENSE' ] && [ -f '$i/changelogs/changelog.yaml' ] && [ -f '$i/meta/runtime.yml' ]"
check "the built collection's MANIFEST.json carries the repository, documentation and issues URLs" sh -c \
	"tar -xzOf '$WORK/dist/jetpack-partner-$version.tar.gz' MANIFEST.json | $PYTHON -c 'import json, sys; i = json.load(sys.stdin)[\"collection_info\"]; sys.exit(not all(i.get(k) for k in (\"repository\", \"documentation\", \"issues\", \"license_file\")))'"
check "the installed collection's modules render too" sh -c \
	"ANSIBLE_COLLECTIONS_PATH='$WORK/installed' '$venv/bin/ansible-doc' jetpack.partner.jetpack_partner_info | grep -q 'RETURN VALUES'"

# Partner 999 already has jetpack-anti-spam on c.test; we (4321) have
# premium on e.test.
JETPACK_PARTNER_ID=999 JETPACK_PARTNER_SECRET=0ther-s3cret \
	"$bin" provision --plan=jetpack-anti-spam --user=owner --url=https://c.test --wp-cli-path="$WORK/no-wp-here" >"$WORK/seed.out" 2>&1
check "seeded partner 999's jetpack-anti-spam on c.test" contains "$WORK/seed.out" '"success":true'
JETPACK_PARTNER_ID=4321 JETPACK_PARTNER_SECRET=$SECRET \
	"$bin" provision --plan=premium --user=admin --url=https://e.test --wp-cli-path="$WORK/no-wp-here" >"$WORK/seed2.out" 2>&1
check "seeded our premium on e.test" contains "$WORK/seed2.out" '"success":true'

I="-i $WORK/inventory.yml -e @$WORK/secrets.yml"

# 1. web1 in check mode: token and status only.
# shellcheck disable=SC2086 # $I: words without spaces
play check --check --diff --limit web1 $I "$WORK/sites.yml"
check "check: exit 0" [ "$rc" -eq 0 ]
check "check: 1 token call, 4 status calls (one per site), nothing else" holds check \
	'len(sent("token")) == 1 and sites("status") == ["a.test", "b.test::blog", "c.test", "e.test"] and len(api) == 5'
check "check: one process, apply --desired=- --dry-run" holds check \
	'len(runs) == 1 and runs[0][:3] == ["apply", "--desired=-", "--dry-run"]'
check "check: its input is one line per site, a.test's two items as one line with both products" holds check \
	'sorted((x["url"], x["products"]) for x in stdin[0]) == [("https://B.test/blog/", ["professional"]), ("https://a.test", ["jetpack-backup-daily", "jetpack-anti-spam"]), ("https://c.test", ["jetpack-backup-daily"]), ("https://e.test", ["premium"])] and all(x["user"] == "admin" for x in stdin[0])'
check "check: a, b, c would change, e not" holds check \
	'r["web1"]["changed"] and [x["changed"] for x in r["web1"]["results"]] == [True, True, True, True, False] and r["web1"]["summary"] == {"sites": 5, "changed": 4, "unchanged": 1, "failed": 0}'
check "check: e says why" holds check 'res("web1", "https://e.test")[0]["msg"] == "premium is already there"'
check "check: the diff shows c's products coming, the other partner's kept" holds check \
	'any(d["before"] == "jetpack-anti-spam (another partner)\n" and d["after"] == "jetpack-anti-spam (another partner)\njetpack-backup-daily (this partner)\n" for d in r["web1"]["diff"])'
check "check: the output shows the diff" contains "$WORK/check.log" "+jetpack-backup-daily (this partner)"
check "check: nothing provisioned" holds check 'products("a.test") == []'

# 2. web1 for real.
# shellcheck disable=SC2086
play run --diff --limit web1 $I "$WORK/sites.yml"
check "run: exit 0" [ "$rc" -eq 0 ]
check "run: 1 token call, 4 status calls, 4 provisions (a twice, b, c), nothing else" holds run \
	'len(sent("token")) == 1 and len(sent("status")) == 4 and len(sent("provision")) == 4 and len(api) == 9'
check "run: one process: apply --desired=-" holds run 'len(runs) == 1 and runs[0][:2] == ["apply", "--desired=-"] and "--dry-run" not in runs[0]'
check "run: the API has the products, e.test unchanged" holds run \
	'products("a.test") == [["jetpack-anti-spam", "4321"], ["jetpack-backup-daily", "4321"]] and products("b.test::blog") == [["professional", "4321"]] and products("c.test") == [["jetpack-anti-spam", "999"], ["jetpack-backup-daily", "4321"]] and products("e.test") == [["premium", "4321"]]'
check "run: changed, per item: a, a, b, c yes, e no" holds run \
	'r["web1"]["changed"] and [x["changed"] for x in r["web1"]["results"]] == [True, True, True, True, False] and s["web1"]["changed"] == 1'
check "run: each item's actions are its own provision, with the API's answer" holds run \
	'[(a["action"], a["plan"], a["success"]) for a in res("web1", "https://a.test")[1]["actions"]] == [("provision", "jetpack-anti-spam", True)] and "next_url" in res("web1", "https://a.test")[1]["actions"][0]["answer"]'
check "run: products_before/after from the binary's status and its provisions" holds run \
	'res("web1", "https://c.test")[0]["products_before"] == [{"slug": "jetpack-anti-spam", "is_provisioned_by_partner": True, "is_provisioned_by_calling_partner": False, "is_pending": False}] and [p["slug"] for p in res("web1", "https://c.test")[0]["products_after"]] == ["jetpack-anti-spam", "jetpack-backup-daily"]'
check "run: the diff lists the changed sites only, a.test once with both products" holds run 'len(r["web1"]["diff"]) == 3 and r["web1"]["diff"][0]["after"] == "jetpack-anti-spam (this partner)\njetpack-backup-daily (this partner)\n"'
check "run: runs reports the process" holds run 'r["web1"]["runs"] == [{"command": "apply", "argv": runs[0], "lines": 4, "rc": 0}]'

# 3. web1 again: nothing to do.
# shellcheck disable=SC2086
play again -vvv --diff --limit web1 $I "$WORK/sites.yml"
check "again: exit 0, changed=0" holds again 's["web1"]["changed"] == 0 and s["web1"]["failures"] == 0 and not r["web1"]["changed"]'
check "again: 1 token call, 4 status calls, no provision" holds again \
	'len(sent("token")) == 1 and len(sent("status")) == 4 and len(api) == 5'
check "again: says why" holds again 'res("web1", "https://a.test")[0]["msg"] == "jetpack-backup-daily is already there" and r["web1"]["msg"] == "5 sites: 0 changed, 5 unchanged, 0 failed"'

# A secret the API refuses: every site fails with the token call's code.
# shellcheck disable=SC2086
play bad-secret --limit web1 $I -e jp_partner_secret=not-the-secret "$WORK/sites.yml"
check "bad-secret: exit 2" [ "$rc" -eq 2 ]
check "bad-secret: every site failed with invalid_client, nothing but the token call sent" holds bad-secret \
	'r["web1"]["error_code"] == "invalid_client" and all(x["failed"] and x["error_code"] == "invalid_client" for x in r["web1"]["results"]) and [kind(c) for c in api] == ["token"]'

# 4. Every host.
# shellcheck disable=SC2086
play all --diff $I "$WORK/sites.yml"
check "all: exit 2 (web2 failed)" [ "$rc" -eq 2 ]
check "all: web2 failed for d.test alone, with the API's error code in its result" holds all \
	'r["web2"]["_status"] == "failed" and r["web2"]["error_code"] == "invalid_plan" and [(x["site"], x["failed"], x.get("error_code")) for x in r["web2"]["results"]] == [("https://d.test", True, "invalid_plan"), ("https://f.test", False, None)] and res("web2", "https://d.test")[0]["error_message"] == "jetpack-scan is not a valid plan"'
check "all: the output names d's error" contains "$WORK/all.log" "jetpack-partner: 1 of 2 sites failed: https://d.test: invalid_plan: jetpack-scan is not a valid plan"
check "all: f.test provisioned anyway, with its tracking id" holds all \
	'products("f.test") == [["premium", "4321"]] and res("web2", "https://f.test")[0]["changed"] and sorted(c["query"] for c in sent("provision")) == ["", "", "partner-tracking-id=t-1"]'
check "all: web3 (one site, the old parameters) provisioned g.test" holds all \
	'r1["web3"]["changed"] and r1["web3"]["action"] == "provision" and r1["web3"]["plan"] == "jetpack-backup-daily" and r1["web3"]["site"] == "https://g.test" and r1["web3"]["products_before"] == [] and products("g.test") == [["jetpack-backup-daily", "4321"]]'
check "all: 2 token calls (web1, web2; web3 has a token), 7 status calls, provisions for d, f, g only" holds all \
	'len(sent("token")) == 2 and len(sent("status")) == 7 and len(sent("provision")) == 3 and not sent("cancel")'
check "all: 3 processes, one per host" holds all 'len(runs) == 3 and all(x[0] == "apply" for x in runs)'
check "all: web1 unchanged" holds all 's["web1"]["changed"] == 0 and not r["web1"]["changed"]'

# 5. web1, state absent.
# shellcheck disable=SC2086
play absent-check --check --diff --limit web1 -e jp_state=absent $I "$WORK/sites.yml"
check "absent-check: exit 0, a and b would change, c not" holds absent-check \
	'[x["changed"] for x in r["web1"]["results"]] == [True, True, False]'
check "absent-check: 1 token call and one status per site, nothing else" holds absent-check \
	'len(sent("token")) == 1 and sites("status") == ["a.test", "b.test::blog", "c.test"] and len(api) == 4'
check "absent-check: one process, status --batch=-" holds absent-check 'len(runs) == 1 and runs[0][:2] == ["status", "--batch=-"]'
# shellcheck disable=SC2086
play absent --diff --limit web1 -e jp_state=absent $I "$WORK/sites.yml"
check "absent: exit 0" [ "$rc" -eq 0 ]
check "absent: one process, cancel --batch=- --if-needed" holds absent 'len(runs) == 1 and runs[0][:3] == ["cancel", "--batch=-", "--if-needed"]'
check "absent: one line per site and plan" holds absent \
	'sorted((x["url"], x["plan"]) for x in stdin[0]) == [("https://B.test/blog/", "professional"), ("https://a.test", "jetpack-anti-spam"), ("https://a.test", "jetpack-backup-daily"), ("https://c.test", "jetpack-anti-spam")]'
check "absent: 1 token call, a status per line, 3 cancels (a twice, b), each with its plan, none for c" holds absent \
	'len(sent("token")) == 1 and sites("status") == ["a.test", "a.test", "b.test::blog", "c.test"] and sites("cancel") == ["a.test", "a.test", "b.test::blog"] and all(c["form"] == ["plan"] for c in sent("cancel"))'
check "absent: the other partner's product stays, and c says so" holds absent \
	'products("c.test") == [["jetpack-anti-spam", "999"], ["jetpack-backup-daily", "4321"]] and "another partner" in res("web1", "https://c.test")[0]["msg"] and not res("web1", "https://c.test")[0]["changed"]'
check "absent: a and b have nothing left" holds absent 'products("a.test") == [] and products("b.test::blog") == []'
check "absent: the diff shows the products going, a.test's two together" holds absent \
	'[(d["before"], d["after"]) for d in r["web1"]["diff"]] == [("jetpack-anti-spam (this partner)\njetpack-backup-daily (this partner)\n", ""), ("professional (this partner)\n", "")]'
# shellcheck disable=SC2086
play absent-again --limit web1 -e jp_state=absent $I "$WORK/sites.yml"
check "absent-again: exit 0, changed=0" holds absent-again 's["web1"]["changed"] == 0 and s["web1"]["failures"] == 0'
check "absent-again: 1 token call, a status per line, no cancel" holds absent-again \
	'len(sent("token")) == 1 and len(sent("status")) == 4 and not sent("cancel") and len(api) == 5'

# 6. The info module.
# shellcheck disable=SC2086
play info --limit web1 $I "$WORK/info.yml"
check "info: exit 0, changed=0" holds info 's["web1"]["changed"] == 0 and s["web1"]["failures"] == 0'
check "info: 1 token call, 4 status calls (a.test once), nothing else; one process" holds info \
	'len(sent("token")) == 1 and sites("status") == ["a.test", "b.test::blog", "c.test", "e.test"] and len(api) == 5 and len(runs) == 1 and runs[0][:2] == ["status", "--batch=-"]'
check "info: each site's products, kept as a fact" holds info \
	'[(x["site"], [p["slug"] for p in x["products"]]) for x in t["web1"]["Keep it"]["ansible_facts"]["jetpack_status"]] == [("https://a.test", []), ("https://a.test", []), ("https://B.test/blog/", []), ("https://c.test", ["jetpack-anti-spam", "jetpack-backup-daily"]), ("https://e.test", ["premium"])]'
# shellcheck disable=SC2086
play info-check --check --limit web1 $I "$WORK/info.yml"
check "info-check: check mode reads the same" holds info-check \
	'len(sent("status")) == 4 and t["web1"]["Status"]["sites"][4]["products"][0]["slug"] == "premium" and not t["web1"]["Status"]["changed"]'

# 7. The role: installs the binary, one module call for the host's sites.
cat >"$WORK/role-inventory.yml" <<EOF
all:
  hosts:
    localhost:
      ansible_connection: local
      ansible_python_interpreter: "{{ ansible_playbook_python }}"
  vars:
    jetpack_partner_binary_src: $WORK/logging-jetpack-partner
    jetpack_partner_bin: $WORK/host/bin/jetpack-partner
    jetpack_partner_id: "4321"
    jetpack_partner_api_host: http://127.0.0.1:$API
    jetpack_partner_ignore_failures: true
    jetpack_partner_sites:
      - {url: "https://h.test", user: admin, plan: premium, wp-cli-path: "$WORK/no-wp-here", partner_tracking_id: t-2}
      - {action: cancel, url: "https://c.test", plan: jetpack-backup-daily, wp-cli-path: "$WORK/no-wp-here"}
      - {url: "https://i.test", user: admin, plan: jetpack-scan, wp_cli_path: "$WORK/no-wp-here"}
EOF
play role -vvv --diff -i "$WORK/role-inventory.yml" -e @"$WORK/secrets.yml" "$TOP/packaging/ansible/playbook.yml"
check "role: exit 0 (failures ignored)" [ "$rc" -eq 0 ]
check "role: the binary was installed" cmp -s "$WORK/logging-jetpack-partner" "$WORK/host/bin/jetpack-partner"
check "role: h.test provisioned (tracking id sent), c.test's own product cancelled" holds role \
	'products("h.test") == [["premium", "4321"]] and products("c.test") == [["jetpack-anti-spam", "999"]] and [c["query"] for c in sent("provision") if c["status"] == 200] == ["partner-tracking-id=t-2"]'
check "role: two processes (apply, cancel), 2 token calls" holds role \
	'sorted(x[0] for x in runs) == ["apply", "cancel"] and len(sent("token")) == 2'
check "role: jetpack_partner_results has each site's result" holds role \
	'[(x["site"], x["changed"], x.get("error_code")) for x in t["localhost"]["jetpack.partner.jetpack_partner : Keep the results"]["ansible_facts"]["jetpack_partner_results"]] == [("https://h.test", True, None), ("https://c.test", True, None), ("https://i.test", False, "invalid_plan")]'
check "role: the failure is reported and ignored" holds role 's["localhost"]["ignored"] == 1 and s["localhost"]["failures"] == 0'
check "role: the output names i's error" contains "$WORK/role.log" "https://i.test: invalid_plan: jetpack-scan is not a valid plan"

play role-again -i "$WORK/role-inventory.yml" -e @"$WORK/secrets.yml" "$TOP/packaging/ansible/playbook.yml"
check "role-again: the binary is not copied again, nothing else changed" holds role-again \
	's["localhost"]["changed"] == 0 and t["localhost"]["jetpack.partner.jetpack_partner : Install jetpack-partner"]["changed"] is False'
check "role-again: the only provision sent is i's, nothing cancelled" holds role-again \
	'sent("provision") and all(c["status"] == 400 for c in sent("provision")) and len(sent("provision")) == 1 and not sent("cancel")'

# 8. via: license. A stand-in wp: the facts of the site --url names (not
# connected: no blog id), and the licenses program saying Jetpack attached
# the key (which the binary hands over by environment, never argv: the
# stand-in keeps it in license-wp.keys).
cat >"$WORK/license-wp" <<'EOF'
#!/bin/sh
url=
for a in "$@"; do
	case $a in --url=*) url=${a#--url=} ;; esac
done
case "$*" in
*--skip-plugins*) printf '\nJETPACK_PARTNER_FACTS {"marker":1,"user_id":1,"siteurl":"%s","home":"%s","blog_id":0,"safe_mode":false,"activate":"ok"}\n' "$url" "$url" ;;
*)
	printf '%s\n' "$JETPACK_WP_LICENSES" >>"${0%/*}/license-wp.keys"
	printf '\nJETPACK_PARTNER_FACTS {"marker":1,"blog_id":0,"added":1,"removed":0,"changed":true,"stored":1,"attach":"done","failed":[],"others_failed":0}\n'
	;;
esac
EOF
chmod 755 "$WORK/license-wp"
cat >"$WORK/license-inventory.yml" <<EOF
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
    jp_binary: $WORK/logging-jetpack-partner
    jp_api: http://127.0.0.1:$API
  hosts:
    web4:
      jp_wp: $WORK/license-wp
      jp_licensing_token: "$LICTOKEN"
      jp_sites:
        - {url: "https://l.test", plan: jetpack-backup-daily, via: license}
      jp_absent:
        - {url: "https://l.test", plan: jetpack-backup-daily, via: license}
EOF
L="-i $WORK/license-inventory.yml -e @$WORK/secrets.yml"
# shellcheck disable=SC2086 # $L: words without spaces
play license-check --check --diff $L "$WORK/sites.yml"
check "license-check: exit 0, would change" holds license-check \
	'r["web4"]["changed"] and res("web4", "https://l.test")[0]["msg"] == "jetpack-backup-daily would be provisioned by license"'
check "license-check: apply --dry-run, its line says via license" holds license-check \
	'runs[0][:3] == ["apply", "--desired=-", "--dry-run"] and stdin[0] == [{"url": "https://l.test", "user": "admin", "via": "license", "products": ["jetpack-backup-daily"]}]'
check "license-check: the token and status calls only, nothing issued" holds license-check \
	'[kind(c) for c in api] == ["token", "status"] and not state["licenses"]'
# shellcheck disable=SC2086
play license --diff $L "$WORK/sites.yml"
check "license: exit 0" [ "$rc" -eq 0 ]
check "license: token, status, the site connected, one license issued; no partner provision" holds license \
	'[c["path"] for c in api] == ["/oauth2/token", "/rest/v1.4/jpphp/l.test/status", "/wpcom/v2/jetpack-licensing/site-connection", "/wpcom/v2/jetpack-licensing/license"]'
check "license: the fake has the license, of partner 4321" holds license \
	'[(x["product"], x["partner"], x["revoked"]) for x in state["licenses"]] == [("jetpack-backup-daily", "4321", False)]'
check "license: the result has the key wp was given, changed" holds license \
	'res("web4", "https://l.test")[0]["changed"] and res("web4", "https://l.test")[0]["actions"][0]["via"] == "license" and res("web4", "https://l.test")[0]["actions"][0]["answer"]["license_key"] == open(state_file.rsplit("/", 1)[0] + "/license-wp.keys").read().split()[-1] and res("web4", "https://l.test")[0]["msg"] == "jetpack-backup-daily provisioned by license"'
# shellcheck disable=SC2086
play license-absent -e jp_state=absent $L "$WORK/sites.yml"
check "license-absent: refused before the binary runs (invalid_input), nothing sent" holds license-absent \
	'r["web4"]["error_code"] == "invalid_input" and "via license is for state present" in r["web4"]["msg"] and not runs and not api'

finish
