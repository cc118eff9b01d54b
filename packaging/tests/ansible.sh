#!/bin/sh
# packaging/ansible: the jetpack.partner.jetpack_partner module on four
# inventory hosts (connection: local), each its own site, against the
# stateful fake API (fake_api.py --partner: partners 4321 and 999, refuses
# jetpack-scan), then the role that wraps the module.
#
#   host    site                  plan                  credentials
#   site-a  https://a.test        jetpack-backup-daily  partner_secret
#   site-b  https://B.test/blog/  professional          access_token (no token call)
#   site-c  https://c.test        jetpack-backup-daily  partner_secret_file; partner 999
#                                                       has jetpack-anti-spam there
#   site-d  https://d.test        jetpack-scan          partner_secret; refused by the API
#
#  0. ansible-doc renders the module; its documented options are its
#     argument_spec (names, types, defaults, choices, required);
#     ansible-galaxy builds and installs the collection
#  1. --check --diff: all four "changed", diffs show the plan coming; only
#     token and status calls reach the API
#  2. run: a, b, c changed; d alone failed, error_code invalid_plan in its
#     result; the API has the products
#  3. run again: changed=0 on every host; the only provision sent is d's
#  4. state=absent --diff: a and b cancel their own (cancel with plan); c is
#     asked to remove jetpack-anti-spam, partner 999's, and sends nothing
#  5. state=absent again: changed=0, nothing cancelled
#  6. the role (packaging/ansible/playbook.yml, -vvv, a site that fails,
#     jetpack_partner_ignore_failures) twice: installs the binary, provisions,
#     cancels, reports the failure in jetpack_partner_results; the second run
#     changes nothing
# Every run: the partner secret and the access token appear in no output,
# the secret is never on the binary's command line, and every token call
# carried it.
#
# Needs python3 with venv and pip access to PyPI (ansible-core goes into a
# venv, by default target/ansible-venv, reused across runs).
set -u
# shellcheck source-path=SCRIPTDIR
. "$(dirname -- "$0")/lib.sh"

venv=${ANSIBLE_VENV:-$TOP/target/ansible-venv}
spec=${ANSIBLE_CORE_SPEC:-ansible-core>=2.16,<2.20}
if ! "$venv/bin/ansible-playbook" --version >/dev/null 2>&1; then
	echo "# creating $venv with $spec"
	if ! "$PYTHON" -m venv "$venv" || ! "$venv/bin/pip" install -q "$spec"; then
		echo "ansible.sh: could not install $spec into $venv" >&2
		exit 1
	fi
fi
echo "# $("$venv/bin/ansible-playbook" --version 2>/dev/null | head -n 1)"

bin=$(static_binary) || exit 1
SECRET='t0p-s3cr&t +=% x'
TOKEN=fake-token-4321 # what the fake API hands partner 4321
STATE=$WORK/api-state.json
start_api API --partner "4321:$SECRET" --partner 999:0ther-s3cret --fail-plan jetpack-scan --state "$STATE"
collection=$TOP/packaging/ansible/collections/ansible_collections/jetpack/partner
module=$collection/plugins/modules/jetpack_partner.py

# The binary the hosts run: logs its argv, then runs the real one.
cat >"$WORK/logging-jetpack-partner" <<EOF
#!/bin/sh
for a in "\$@"; do printf '%s\n' "\$a"; done >>'$WORK/argv.log'
exec '$bin' "\$@"
EOF
chmod 755 "$WORK/logging-jetpack-partner"
: >"$WORK/argv.log"
printf '%s\n' "$SECRET" >"$WORK/secret.txt"
chmod 600 "$WORK/secret.txt"

# The module's playbook, beside a collections/ folder as a user's would be.
ln -s "$TOP/packaging/ansible/collections" "$WORK/collections"
cat >"$WORK/inventory.yml" <<EOF
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
    jp_binary: $WORK/logging-jetpack-partner
    jp_api: http://127.0.0.1:$API
    jp_wp: $WORK/no-wp-here
  children:
    sites:
      hosts:
        site-a: {jp_url: "https://a.test", jp_plan: jetpack-backup-daily}
        site-b: {jp_url: "https://B.test/blog/", jp_plan: professional, jp_token: "$TOKEN"}
        site-c: {jp_url: "https://c.test", jp_plan: jetpack-backup-daily, jp_secret_file: "$WORK/secret.txt", jp_absent_plan: jetpack-anti-spam}
        site-d: {jp_url: "https://d.test", jp_plan: jetpack-scan}
EOF
cat >"$WORK/sites.yml" <<'EOF'
- name: Jetpack product of each site
  hosts: sites
  gather_facts: false
  vars:
    jp_state: present
  tasks:
    - name: Jetpack product
      jetpack.partner.jetpack_partner:
        state: "{{ jp_state }}"
        plan: "{{ jp_absent_plan | default(jp_plan) if jp_state == 'absent' else jp_plan }}"
        url: "{{ jp_url }}"
        user: admin
        partner_id: 4321
        partner_secret: "{{ omit if jp_token is defined or jp_secret_file is defined else jp_partner_secret }}"
        partner_secret_file: "{{ jp_secret_file | default(omit) }}"
        access_token: "{{ jp_token | default(omit) }}"
        binary: "{{ jp_binary }}"
        api_host: "{{ jp_api }}"
        wp_cli_path: "{{ jp_wp }}"
        timeout: 20
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
# API received meanwhile in $WORK/NAME.api. Sets rc; checks the secrets.
play() {
	name=$1
	shift
	: >"$API_LOG"
	start=$(date +%s)
	JETPACK_TEST_RECORD=$WORK/$name.json "$venv/bin/ansible-playbook" "$@" >"$WORK/$name.log" 2>&1
	rc=$?
	cp "$API_LOG" "$WORK/$name.api"
	echo "# $name: exit $rc, $(($(date +%s) - start)) s"
	check "$name: the secret and the access token appear nowhere in ansible's output" \
		sh -c "! grep -qF -e '$SECRET' -e '$TOKEN' '$WORK/$name.log' '$WORK/$name.json'"
	check "$name: the secret was never on the binary's command line" sh -c "! grep -qF -- '$SECRET' '$WORK/argv.log'"
	check "$name: every token call carried the secret" holds "$name" \
		'all(c["form"].get("client_secret") == SECRET and c["form"].get("client_id") == "4321" for c in sent("token"))'
	[ -s "$WORK/$name.json" ] || sed 's/^/#   | /' "$WORK/$name.log" | tail -40
}

# holds NAME EXPR: the Python expression EXPR is true after run NAME, where
#   r[HOST]       the result of task "Jetpack product" on HOST
#   t[HOST][TASK] the result of any task
#   s[HOST]       HOST's recap (ok, changed, failures, ignored, ...)
#   sent(KIND)    the requests of the run: token, status, provision, cancel
#   products(SITE) [slug, partner] of each product the API has for SITE now
#   SECRET        the partner secret
# shellcheck disable=SC2317 # called through check
holds() {
	"$PYTHON" - "$WORK/$1" "$2" "$STATE" "$SECRET" <<'EOF'
import json, sys
base, expr, state_file, SECRET = sys.argv[1:5]
try:
    record = json.load(open(base + ".json"))
except (OSError, ValueError) as e:
    print("#   no record of the run: %s" % e)
    sys.exit(1)
t = record["results"]
s = record["stats"]
r = {h: tasks.get("Jetpack product", {}) for h, tasks in t.items()}
api = [json.loads(line) for line in open(base + ".api")]
state = json.load(open(state_file))

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

def products(site):
    for s_ in state["sites"]:
        if s_["site"] == site:
            return [[p["slug"], p["partner"]] for p in s_["products"]]
    return []

if not eval(expr):
    print("#   not true: " + expr)
    sys.exit(1)
EOF
}

# 0. ansible-doc, and the documentation against the argument_spec.
check "the module compiles with ansible's python" "$venv/bin/python" -c \
	'import sys; compile(open(sys.argv[1]).read(), sys.argv[1], "exec")' "$module"
"$venv/bin/ansible-doc" --playbook-dir "$TOP/packaging/ansible" jetpack.partner.jetpack_partner >"$WORK/doc.txt" 2>&1
rc=$?
check "ansible-doc jetpack.partner.jetpack_partner exits 0" [ "$rc" -eq 0 ]
for heading in OPTIONS ATTRIBUTES NOTES EXAMPLES 'RETURN VALUES' partner_secret_file products_before error_code; do
	check "ansible-doc shows $heading" contains "$WORK/doc.txt" "$heading"
done
check "ansible-doc shows no error" sh -c "! grep -q 'ERROR' '$WORK/doc.txt'"
"$venv/bin/ansible-doc" --playbook-dir "$TOP/packaging/ansible" --json jetpack.partner.jetpack_partner >"$WORK/doc.json" 2>"$WORK/doc.err"
# shellcheck disable=SC2317 # called through check
doc_matches_spec() {
	"$PYTHON" - "$WORK/doc.json" "$module" <<'EOF'
import ast, json, sys
doc = json.load(open(sys.argv[1]))["jetpack.partner.jetpack_partner"]["doc"]
tree = ast.parse(open(sys.argv[2]).read())
call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "AnsibleModule")
spec = next(k.value for k in call.keywords if k.arg == "argument_spec")
code = {k.arg: {kw.arg: ast.literal_eval(kw.value) for kw in k.value.keywords} for k in spec.keywords}
problems = []
for name in sorted(set(doc["options"]) | set(code)):
    d, c = doc["options"].get(name), code.get(name)
    if d is None or c is None:
        problems.append("%s: only in %s" % (name, "the code" if d is None else "DOCUMENTATION"))
        continue
    for key, default in (("type", "str"), ("default", None), ("choices", None), ("required", False)):
        if d.get(key, default) != c.get(key, default):
            problems.append("%s: %s is %r in DOCUMENTATION, %r in the code" % (name, key, d.get(key), c.get(key)))
for p in problems:
    print("#   " + p)
sys.exit(1 if problems else 0)
EOF
}
check "the documented options are the argument_spec" doc_matches_spec
check "the module supports check and diff mode (documented)" grep -q "supports_check_mode=True" "$module"
mkdir -p "$WORK/dist"
(cd "$WORK/dist" && "$venv/bin/ansible-galaxy" collection build "$collection" &&
	"$venv/bin/ansible-galaxy" collection install -p "$WORK/installed" jetpack-partner-0.1.0.tar.gz) >"$WORK/galaxy.log" 2>&1
check "ansible-galaxy builds and installs the collection" [ -f "$WORK/installed/ansible_collections/jetpack/partner/plugins/modules/jetpack_partner.py" ]
check "the installed collection's module renders too" sh -c \
	"ANSIBLE_COLLECTIONS_PATH='$WORK/installed' '$venv/bin/ansible-doc' jetpack.partner.jetpack_partner | grep -q 'RETURN VALUES'"

# Partner 999 already has jetpack-anti-spam on c.test.
JETPACK_PARTNER_ID=999 JETPACK_PARTNER_SECRET=0ther-s3cret JETPACK_START_API_HOST=http://127.0.0.1:$API \
	"$bin" provision --plan=jetpack-anti-spam --user=owner --url=https://c.test --wp-cli-path="$WORK/no-wp-here" >"$WORK/seed.out" 2>&1
check "seeded partner 999's jetpack-anti-spam on c.test" contains "$WORK/seed.out" '"success":true'

# 1. Check mode: status only.
play check --check --diff -i "$WORK/inventory.yml" -e @"$WORK/secrets.yml" "$WORK/sites.yml"
check "check: exit 0" [ "$rc" -eq 0 ]
check "check: every host would change" holds check 'all(s[h]["changed"] == 1 and r[h]["changed"] for h in ("site-a", "site-b", "site-c", "site-d"))'
check "check: only token and status calls reached the API" holds check 'sent("status") and len(sent("status")) + len(sent("token")) == len(api)'
check "check: nothing provisioned" holds check 'not sent("provision") and not sent("cancel") and products("a.test") == []'
check "check: the diff shows the plan coming" holds check 'r["site-a"]["diff"]["before"] == "" and r["site-a"]["diff"]["after"].startswith("jetpack-backup-daily (this partner")'
check "check: c's diff keeps the other partner's product" holds check \
	'r["site-c"]["diff"]["before"] == "jetpack-anti-spam (another partner)\n" and r["site-c"]["diff"]["after"] == "jetpack-anti-spam (another partner)\njetpack-backup-daily (this partner)\n"'
check "check: the output shows the diff" contains "$WORK/check.log" "+jetpack-backup-daily (this partner)"

# 2. The real run.
play run --diff -i "$WORK/inventory.yml" -e @"$WORK/secrets.yml" "$WORK/sites.yml"
check "run: exit 2 (a host failed)" [ "$rc" -eq 2 ]
check "run: a, b and c changed" holds run 'all(s[h]["changed"] == 1 and s[h]["failures"] == 0 and r[h]["changed"] for h in ("site-a", "site-b", "site-c"))'
check "run: d failed alone, with the API's error code in its result" holds run \
	'r["site-d"]["_status"] == "failed" and s["site-d"]["failures"] == 1 and r["site-d"]["error_code"] == "invalid_plan" and r["site-d"]["error_message"] == "jetpack-scan is not a valid plan" and r["site-d"]["command"] == "provision"'
check "run: the output names d's error" contains "$WORK/run.log" "jetpack-partner provision failed: invalid_plan: jetpack-scan is not a valid plan"
check "run: the API has the products" holds run \
	'products("a.test") == [["jetpack-backup-daily", "4321"]] and products("b.test::blog") == [["professional", "4321"]] and products("c.test") == [["jetpack-anti-spam", "999"], ["jetpack-backup-daily", "4321"]] and products("d.test") == []'
check "run: provisioned with the URL as siteurl and user admin" holds run \
	'sorted(c["form"]["siteurl"] for c in sent("provision")) == ["https://B.test/blog/", "https://a.test", "https://c.test", "https://d.test"] and all(c["form"]["local_user"] == "admin" for c in sent("provision"))'
check "run: products_after and the diff come from the status read afterwards" holds run \
	'r["site-a"]["products_after"] == [{"slug": "jetpack-backup-daily", "is_provisioned_by_partner": True, "is_provisioned_by_calling_partner": True, "is_pending": False}] and r["site-a"]["diff"]["after"] == "jetpack-backup-daily (this partner)\n" and r["site-a"]["products_before"] == []'
check "run: the answer is the API's" holds run 'r["site-a"]["answer"]["success"] is True and "next_url" in r["site-a"]["answer"] and r["site-a"]["action"] == "provision"'
# a and c: status, provision --if-needed, status: a token call each; d:
# status and provision; b has an access token: none.
check "run: site-b (access_token) made no token call" holds run 'len(sent("token")) == 3 + 3 + 2'

# 3. Again: nothing to do (-vvv: the secrets must not show even there).
play again -vvv --diff -i "$WORK/inventory.yml" -e @"$WORK/secrets.yml" "$WORK/sites.yml"
check "again: exit 2 (d still fails)" [ "$rc" -eq 2 ]
check "again: changed=0 on every host" holds again 'sorted(s) == ["site-a", "site-b", "site-c", "site-d"] and all(v["changed"] == 0 for v in s.values())'
check "again: a, b, c ok, unchanged" holds again 'all(r[h]["_status"] == "ok" and not r[h]["changed"] and r[h]["action"] is None for h in ("site-a", "site-b", "site-c"))'
check "again: the only provision sent is d's" holds again '[c["form"]["siteurl"] for c in sent("provision")] == ["https://d.test"] and not sent("cancel")'
check "again: says why" holds again 'r["site-a"]["msg"] == "jetpack-backup-daily is already there"'

# 4. State absent.
play absent --diff -e jp_state=absent -i "$WORK/inventory.yml" -e @"$WORK/secrets.yml" "$WORK/sites.yml"
check "absent: exit 0" [ "$rc" -eq 0 ]
check "absent: a and b changed, c and d not" holds absent \
	'r["site-a"]["changed"] and r["site-b"]["changed"] and not r["site-c"]["changed"] and not r["site-d"]["changed"] and s["site-a"]["changed"] == 1 and s["site-c"]["changed"] == 0'
check "absent: two cancels, each with its plan, none for c.test" holds absent \
	'sorted((c["path"], c["form"].get("plan")) for c in sent("cancel")) == [("/rest/v1.3/jpphp/a.test/partner-cancel", "jetpack-backup-daily"), ("/rest/v1.3/jpphp/b.test::blog/partner-cancel", "professional")]'
check "absent: the other partner's product stays, and c says so" holds absent \
	'products("c.test") == [["jetpack-anti-spam", "999"], ["jetpack-backup-daily", "4321"]] and "another partner" in r["site-c"]["msg"]'
check "absent: a and b have nothing left" holds absent 'products("a.test") == [] and products("b.test::blog") == []'
check "absent: the diff shows the product going" holds absent \
	'r["site-b"]["diff"]["before"] == "professional (this partner)\n" and r["site-b"]["diff"]["after"] == "" and r["site-b"]["products_after"] == []'

# 5. Absent again: nothing to do.
play absent-again -e jp_state=absent -i "$WORK/inventory.yml" -e @"$WORK/secrets.yml" "$WORK/sites.yml"
check "absent-again: exit 0, changed=0 on every host" holds absent-again 'all(v["changed"] == 0 and v["failures"] == 0 for v in s.values())'
check "absent-again: nothing cancelled" holds absent-again 'not sent("cancel") and not sent("provision")'

# 6. The role: installs the binary, one module call per site.
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
      - {url: "https://e.test", user: admin, plan: premium, wp-cli-path: "$WORK/no-wp-here", partner_tracking_id: t-1}
      - {action: cancel, url: "https://c.test", plan: jetpack-backup-daily, wp-cli-path: "$WORK/no-wp-here"}
      - {url: "https://f.test", user: admin, plan: jetpack-scan, wp_cli_path: "$WORK/no-wp-here"}
EOF
play role -vvv --diff -i "$WORK/role-inventory.yml" -e @"$WORK/secrets.yml" "$TOP/packaging/ansible/playbook.yml"
check "role: exit 0 (failures ignored)" [ "$rc" -eq 0 ]
check "role: the binary was installed" cmp -s "$WORK/logging-jetpack-partner" "$WORK/host/bin/jetpack-partner"
check "role: e.test provisioned (tracking id sent), c.test's own product cancelled" holds role \
	'products("e.test") == [["premium", "4321"]] and products("c.test") == [["jetpack-anti-spam", "999"]] and [c["query"] for c in sent("provision") if c["form"]["siteurl"] == "https://e.test"] == ["partner-tracking-id=t-1"]'
check "role: jetpack_partner_results has each site's result" holds role \
	'[(x["site"], x["changed"], x.get("error_code")) for x in t["localhost"]["jetpack_partner : Keep the results"]["ansible_facts"]["jetpack_partner_results"]] == [("https://e.test", True, None), ("https://c.test", True, None), ("https://f.test", False, "invalid_plan")]'
check "role: the failure is reported and ignored" holds role 's["localhost"]["ignored"] == 1 and s["localhost"]["failures"] == 0'
check "role: the output names f's error" contains "$WORK/role.log" "invalid_plan: jetpack-scan is not a valid plan"

play role-again -i "$WORK/role-inventory.yml" -e @"$WORK/secrets.yml" "$TOP/packaging/ansible/playbook.yml"
check "role-again: exit 0, changed=0 (binary not copied again, sites as wanted)" holds role-again 's["localhost"]["changed"] == 0 and t["localhost"]["jetpack_partner : Install jetpack-partner"]["changed"] is False'
check "role-again: the only provision sent is f's, nothing cancelled" holds role-again \
	'[c["form"]["siteurl"] for c in sent("provision")] == ["https://f.test"] and not sent("cancel")'

finish
