#!/bin/sh
# Run every packaging test: builds the static binary once, then
#   wrappers  bin/partner-provision.sh / partner-cancel.sh argument passing
#   install   packaging/install.sh (Jetpack drop-in, idempotence, --prefix)
#   chroot    the static binary in an empty root (needs root)
#   ansible   packaging/ansible: the jetpack.partner collection (modules,
#             role) on local hosts against the project's fake API
#             (examples/fake-api.rs), its fleet cost counted from the fake's
#             request log; ansible-test sanity (needs PyPI for ansible-core)
#   ansible-oldest  the same on the oldest ansible-core requires_ansible
#             allows (2.16)
#   release   packaging/release.sh end to end (archive, SHA256SUMS, signature)
#   packages  packaging/package.sh: the .deb and .rpm installed into scratch
#             roots and removed without leftovers (needs root, dpkg, rpm)
#   lint      sh -n on every script, shellcheck when installed (the bash
#             scripts too: .ci/run, bench/run.sh, bench/fleet.sh, tests/php/setup.sh), no
#             early-exit reader (`| grep -q`, `| head`, ...) in a script
#             that sets pipefail, python syntax (also the Ansible module)
# Prints PASS/FAIL (and the time) per test; exits 1 if any failed.
#
#   packaging/tests/run-all.sh              # all
#   packaging/tests/run-all.sh chroot install
#   packaging/tests/run-all.sh pipefail     # not in "all": the pipefail
#                                           # checks 300 times under load
# Output of each test: in the log printed on failure (kept in $LOGS, default
# a temp dir).
set -u
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
top=$(CDPATH='' cd -- "$here/../.." && pwd)
tests=${*:-wrappers install chroot ansible ansible-oldest release packages lint}
logs=${LOGS:-$(mktemp -d "${TMPDIR:-/tmp}/jetpack-partner-packaging-logs.XXXXXX")}
mkdir -p "$logs"

echo "== building the static binary"
start=$(date +%s)
if ! bin=$("$top/packaging/build-static.sh" 2>"$logs/build.log" | tail -n 1) || [ ! -x "$bin" ]; then
	tail -30 "$logs/build.log"
	echo "FAIL build ($(($(date +%s) - start)) s)"
	exit 1
fi
grep '^build-static.sh: ' "$logs/build.log" | tail -n 2
echo "PASS build ($(($(date +%s) - start)) s)"
JETPACK_PARTNER_BIN=$bin
export JETPACK_PARTNER_BIN

# The fake partner API the chroot and Ansible tests serve (examples/fake-api.rs).
echo "== building the fake API (cargo build --example fake-api)"
start=$(date +%s)
if ! (cd "$top" && ${CARGO:-cargo} build --locked --example fake-api) >"$logs/build-fake-api.log" 2>&1; then
	tail -30 "$logs/build-fake-api.log"
	echo "FAIL build-fake-api ($(($(date +%s) - start)) s)"
	exit 1
fi
target_dir=${CARGO_TARGET_DIR:-$top/target}
case $target_dir in /*) ;; *) target_dir=$top/$target_dir ;; esac
FAKE_API_BIN=$target_dir/debug/examples/fake-api
export FAKE_API_BIN
echo "PASS build-fake-api ($(($(date +%s) - start)) s)"

# The bash scripts (run-all.sh lints them too; they are not POSIX sh).
bash_scripts='.ci/run bench/run.sh bench/fleet.sh tests/php/setup.sh tests/browser/run.sh tests/browser/check-report.sh'

lint() {
	rc=0
	for f in "$top"/bin/*.sh "$top"/packaging/*.sh "$top"/packaging/tests/*.sh; do
		sh -n "$f" || {
			echo "not ok - sh -n $f"
			rc=1
		}
	done
	for f in $bash_scripts; do
		bash -n "$top/$f" || {
			echo "not ok - bash -n $f"
			rc=1
		}
	done
	if command -v shellcheck >/dev/null 2>&1; then
		(cd "$top" && shellcheck -x -s sh bin/*.sh packaging/*.sh packaging/tests/*.sh) || rc=1
		# shellcheck disable=SC2086 # a list of paths without spaces
		(cd "$top" && shellcheck -x $bash_scripts) || rc=1
	else
		echo "# shellcheck not installed: only sh -n"
	fi
	# Under pipefail a reader that quits early (grep -q, grep -m, head, sed q)
	# makes the writer die of SIGPIPE and the pipeline fail at random:
	# capture the output first (packaging/tests/pipefail.sh shows the race).
	# Comment lines are skipped; end a line with "# pipefail-safe" to allow it.
	for f in $bash_scripts bin/*.sh packaging/*.sh packaging/tests/*.sh; do
		[ -f "$top/$f" ] || continue
		grep -Eq '^[[:space:]]*set[[:space:]].*pipefail' "$top/$f" || continue
		if grep -nE '\|[[:space:]]*(grep[[:space:]]+(-[[:alnum:]]*[qm]|--quiet|--silent|--max-count)|head([[:space:]]|$|\))|sed[[:space:]][^|]*[0-9;/{[:space:]'"'"'"]q([0-9;}[:space:]'"'"'"]|$))' "$top/$f" |
			grep -vE '^[0-9]+:[[:space:]]*#|# pipefail-safe$'; then
			echo "not ok - $f: early-exit reader in a pipeline under pipefail (lines above)"
			rc=1
		fi
	done
	for f in "$top"/packaging/tests/*.py "$top"/packaging/*.py \
		"$top"/packaging/ansible/collections/ansible_collections/*/*/plugins/*/*.py; do
		python3 -c 'import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])' "$f" || rc=1
	done
	[ $rc -eq 0 ] && echo "ok - scripts parse (and shellcheck is clean, no early-exit reader under pipefail)"
	return $rc
}

failed=
for t in $tests; do
	echo "== $t"
	start=$(date +%s)
	if [ "$t" = lint ]; then
		lint >"$logs/$t.log" 2>&1
	else
		"$here/$t.sh" >"$logs/$t.log" 2>&1
	fi
	rc=$?
	took=$(($(date +%s) - start))
	if [ $rc -eq 0 ]; then
		grep -c '^ok - ' "$logs/$t.log" | sed 's/$/ checks/'
		grep '^# SKIP' "$logs/$t.log"
		echo "PASS $t (${took} s)"
	else
		grep -v '^ok - ' "$logs/$t.log" | tail -40
		echo "FAIL $t (${took} s; full log: $logs/$t.log)"
		failed="$failed $t"
	fi
done

echo
if [ -n "$failed" ]; then
	echo "packaging tests FAILED:$failed (logs in $logs)"
	exit 1
fi
[ -z "${LOGS:-}" ] && rm -rf "$logs"
echo "packaging tests: all passed"
