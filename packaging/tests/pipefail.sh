#!/bin/sh
# Early-exit readers under pipefail, under load. `cmd | grep -q` (or
# `| head`, `| grep -m`, `| sed q`) in a script with `set -o pipefail` fails
# at random: the reader quits at the first match, the writer gets SIGPIPE on
# its next write, and the pipeline reports the writer's 141. The bash
# scripts (tests/php/setup.sh, .ci/run, bench/run.sh) now capture the output
# first; this runs each of those checks, taken from the scripts themselves,
# RUNS times (default 300) while one `yes >/dev/null` per CPU keeps the
# machine busy, and the old form beside it. The current forms must never
# fail; the old forms' failure counts are printed, to show the load is
# enough to catch the race. (run-all.sh's lint keeps the old forms out.)
#
# Not in run-all.sh's default list (about a minute):
#   packaging/tests/run-all.sh pipefail
#   RUNS=1000 packaging/tests/pipefail.sh
set -u
# shellcheck source-path=SCRIPTDIR
. "$(dirname -- "$0")/lib.sh"

RUNS=${RUNS:-300}

# fn NAME FILE: the shell function NAME as FILE defines it.
fn() { sed -n "/^$1() {/,/^}/p" "$TOP/$2"; }
# lines PATTERN FILE: FILE's lines matching PATTERN (grep -E).
lines() { grep -E "$1" "$TOP/$2"; }

# stress LABEL SNIPPET: runs SNIPPET RUNS times in `bash -e -o pipefail`;
# prints the number of failed runs.
stress() {
	_fails=0 _i=0
	while [ $_i -lt "$RUNS" ]; do
		_i=$((_i + 1))
		bash -e -o pipefail -c "$2" >/dev/null 2>&1 || _fails=$((_fails + 1))
	done
	echo "$_fails"
}

# case_ NAME OLD NEW: both forms under load; the new one must not fail.
case_() {
	if [ -z "$3" ]; then
		not_ok "$1: the current form was not found in its script"
		return
	fi
	_old=$(stress "$1 (old)" "$2")
	_new=$(stress "$1" "$3")
	echo "# $1: old form failed $_old of $RUNS runs, current form $_new of $RUNS"
	check "$1: current form never fails ($_new of $RUNS runs failed; old form: $_old)" [ "$_new" -eq 0 ]
}

# The load: one busy process per CPU (lib.sh kills them on exit).
n=$(nproc 2>/dev/null || echo 2)
while [ "$n" -gt 0 ]; do
	yes >/dev/null &
	PIDS="$PIDS $!"
	n=$((n - 1))
done
echo "# load: $(nproc 2>/dev/null || echo 2) x yes >/dev/null"

if command -v php >/dev/null 2>&1 && php -m 2>/dev/null >"$WORK/php-m" && grep -qix mysqli "$WORK/php-m"; then
	case_ "tests/php/setup.sh: php -m lists mysqli" \
		'php -m 2>/dev/null | grep -qix mysqli' \
		"$(fn php_has_mysqli tests/php/setup.sh)
php_m_rc=0
php_has_mysqli"
else
	echo "# SKIP tests/php/setup.sh mysqli check: no php with mysqli here (tests/php/setup.sh installs it)"
fi

if command -v dpkg-query >/dev/null 2>&1; then
	case_ ".ci/run: dpkg-query says coreutils is installed" \
		"dpkg-query -W -f='\${Status}' coreutils 2>/dev/null | grep -q 'install ok installed'" \
		"$(fn deb_installed .ci/run)
deb_installed coreutils"
else
	echo "# SKIP .ci/run dpkg check: no dpkg-query"
fi

case_ "bench/run.sh: CPU model from /proc/cpuinfo" \
	"cpu=\$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)" \
	"$(lines '^cpu=' bench/run.sh)"

if command -v curl >/dev/null 2>&1; then
	case_ "bench/run.sh: curl version" \
		"v=\$(curl -V | head -n 1 | cut -d' ' -f1-2)" \
		"$(lines '^(curl_v=|read -r curl_name)' bench/run.sh)
[ -n \"\$curl_version\" ]"
else
	echo "# SKIP bench/run.sh curl check: no curl"
fi

finish
