#!/bin/sh
# packaging/ansible: the playbook against localhost (connection: local) and a
# fake API, with two sites: https://a.test provisions (the play reports its
# next_url) and https://b.test fails with invalid_plan (HTTP 400).
#   1. default: the play fails for the host, after reporting both sites;
#   2. jetpack_partner_ignore_failures=true and -vvv: a follow-up play asserts
#      jetpack_partner_results (next_url of a, error_code of b);
#   3. --check: the binary runs with --dry-run, nothing is sent.
# Each time: the partner secret appears in no output, never in the binary's
# argv, and the API received it (through the environment in run 1, stdin in
# runs 2 and 3).
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
start_api API

SECRET='t0p-s3cr&t +=% x'
# The "binary" the role copies: logs its argv, then runs the real one.
cat >"$WORK/logging-jetpack-partner" <<EOF
#!/bin/sh
for a in "\$@"; do printf '%s\n' "\$a"; done >>'$WORK/argv.log'
exec '$bin' "\$@"
EOF
chmod 755 "$WORK/logging-jetpack-partner"

cat >"$WORK/inventory.yml" <<EOF
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
    jetpack_partner_sites:
      - url: https://a.test
        user: admin
        plan: professional
        wp-cli-path: $WORK/no-wp-here
      - url: https://b.test
        user: editor
        plan: x
        wp-cli-path: $WORK/no-wp-here
EOF
# As a vault file would: the secret never on ansible-playbook's command line.
printf 'jetpack_partner_secret: "%s"\n' "$SECRET" >"$WORK/secrets.yml"
cat >"$WORK/check-results.yml" <<EOF
- import_playbook: $TOP/packaging/ansible/playbook.yml
- name: Check what the role found out
  hosts: all
  gather_facts: false
  tasks:
    - name: Both sites were tried; a.test provisioned, b.test failed with invalid_plan
      ansible.builtin.assert:
        that:
          - jetpack_partner_results | length == 2
          - _a.ok and _a.rc == 0
          - _a.response.next_url == 'https://x.test/next'
          - not _b.ok and _b.rc == 1
          - _b.error_code == 'invalid_plan'
          - _b.error_message == 'x is not a valid plan'
      vars:
        _a: "{{ jetpack_partner_results | selectattr('site', 'eq', 'https://a.test') | first }}"
        _b: "{{ jetpack_partner_results | selectattr('site', 'eq', 'https://b.test') | first }}"
EOF

# Our own (empty) config: nothing from /etc/ansible or ~/.ansible.cfg.
: >"$WORK/ansible.cfg"
export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_RETRY_FILES_ENABLED=0 \
	ANSIBLE_LOCAL_TEMP="$WORK/ansible-tmp" ANSIBLE_REMOTE_TEMP="$WORK/ansible-tmp" \
	ANSIBLE_HOME="$WORK/ansible-home" ANSIBLE_CONFIG="$WORK/ansible.cfg" ANSIBLE_DEPRECATION_WARNINGS=0 \
	ANSIBLE_PYTHON_INTERPRETER=auto_silent

# no_secret NAME: the secret is nowhere in this run's output or the argv log.
no_secret() {
	check "$1: the secret appears nowhere in ansible's output" sh -c "! grep -qF -- '$SECRET' '$WORK/$1.log'"
	check "$1: the secret was never on the binary's command line" sh -c "[ -s '$WORK/argv.log' ] && ! grep -qF -- '$SECRET' '$WORK/argv.log'"
}
# api_got_secret: every token call carried the secret (from the environment).
# shellcheck disable=SC2317 # called through check
api_got_secret() {
	"$PYTHON" - "$API_LOG" "$SECRET" <<'EOF'
import json, sys
calls = [json.loads(l) for l in open(sys.argv[1])]
tokens = [c for c in calls if c["path"] == "/oauth2/token"]
assert len(tokens) == 2, calls
assert all(t["form"]["client_secret"] == sys.argv[2] and t["form"]["client_id"] == "4321" for t in tokens), tokens
EOF
}

# 1. Failures not ignored: the host fails because b.test failed; both are
# reported. The secret through the environment (JETPACK_PARTNER_SECRET), -v.
start=$(date +%s)
"$venv/bin/ansible-playbook" -v -i "$WORK/inventory.yml" -e @"$WORK/secrets.yml" \
	-e jetpack_partner_secret_via=environment \
	"$TOP/packaging/ansible/playbook.yml" >"$WORK/run1.log" 2>&1
rc=$?
echo "# run 1: $(($(date +%s) - start)) s"
check "run 1 fails (exit 2: a host failed)" [ $rc -eq 2 ]
check "run 1 reports a.test's next_url" contains "$WORK/run1.log" "https://a.test: provision OK, next_url=https://x.test/next"
check "run 1 reports b.test's error_code" contains "$WORK/run1.log" "https://b.test: provision failed: invalid_plan: x is not a valid plan"
check "run 1: the binary was installed" cmp -s "$WORK/logging-jetpack-partner" "$WORK/host/bin/jetpack-partner"
check "run 1: the API got the secret from the environment" api_got_secret
no_secret run1
[ $rc -eq 2 ] || sed 's/^/#   /' "$WORK/run1.log"

# 2. Failures ignored, results asserted by a follow-up play. The secret on
# stdin (the default), so it is not even in -vvv output.
: >"$API_LOG"
start=$(date +%s)
"$venv/bin/ansible-playbook" -vvv -i "$WORK/inventory.yml" -e @"$WORK/secrets.yml" \
	-e jetpack_partner_ignore_failures=true "$WORK/check-results.yml" >"$WORK/run2.log" 2>&1
rc=$?
echo "# run 2: $(($(date +%s) - start)) s"
check "run 2 (ignore failures) succeeds and its assertions hold" [ $rc -eq 0 ]
check "run 2 still reports b.test's failure" contains "$WORK/run2.log" "invalid_plan: x is not a valid plan"
# The first ok:/changed: line after the task header is its result.
install_result=$(awk '/^TASK .*Install jetpack-partner\]/ { t = 1 } t && /^(ok|changed): / { print $1; exit }' "$WORK/run2.log")
check "run 2: the binary was not copied again (install task: $install_result)" [ "$install_result" = ok: ]
check "run 2: the API got the secret from the environment" api_got_secret
no_secret run2
[ $rc -eq 0 ] || sed 's/^/#   /' "$WORK/run2.log" | tail -60

# 3. Check mode: dry run, nothing sent.
: >"$API_LOG"
start=$(date +%s)
"$venv/bin/ansible-playbook" -v --check -i "$WORK/inventory.yml" -e @"$WORK/secrets.yml" \
	"$TOP/packaging/ansible/playbook.yml" >"$WORK/run3.log" 2>&1
rc=$?
echo "# run 3: $(($(date +%s) - start)) s"
check "run 3 (--check) succeeds" [ $rc -eq 0 ]
check "run 3 reports dry runs" contains "$WORK/run3.log" "https://b.test: provision OK (dry run: 2 requests, nothing sent)"
check "run 3 sent nothing to the API" [ ! -s "$API_LOG" ]
check "run 3 passed --dry-run" grep -qx -- --dry-run "$WORK/argv.log"
no_secret run3
[ $rc -eq 0 ] || sed 's/^/#   /' "$WORK/run3.log" | tail -40

finish
