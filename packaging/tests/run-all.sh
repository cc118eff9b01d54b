#!/bin/sh
# Run every packaging test: builds the static binary once, then
#   wrappers  bin/partner-provision.sh / partner-cancel.sh argument passing
#   install   packaging/install.sh (Jetpack drop-in, idempotence, --prefix)
#   chroot    the static binary in an empty root (needs root)
#   ansible   packaging/ansible against localhost (needs PyPI for ansible-core)
#   release   packaging/release.sh end to end
#   lint      sh -n on every script, shellcheck when installed, python syntax
# Prints PASS/FAIL (and the time) per test; exits 1 if any failed.
#
#   packaging/tests/run-all.sh              # all
#   packaging/tests/run-all.sh chroot install
# Output of each test: in the log printed on failure (kept in $LOGS, default
# a temp dir).
set -u
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
top=$(CDPATH='' cd -- "$here/../.." && pwd)
tests=${*:-wrappers install chroot ansible release lint}
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

lint() {
	rc=0
	for f in "$top"/bin/*.sh "$top"/packaging/*.sh "$top"/packaging/tests/*.sh; do
		sh -n "$f" || {
			echo "not ok - sh -n $f"
			rc=1
		}
	done
	if command -v shellcheck >/dev/null 2>&1; then
		(cd "$top" && shellcheck -x -s sh bin/*.sh packaging/*.sh packaging/tests/*.sh) || rc=1
	else
		echo "# shellcheck not installed: only sh -n"
	fi
	for f in "$top"/packaging/tests/*.py "$top"/packaging/*.py; do
		python3 -c 'import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])' "$f" || rc=1
	done
	[ $rc -eq 0 ] && echo "ok - scripts parse (and shellcheck is clean)"
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
