# Shared helpers for the packaging tests (sourced, POSIX sh).
#
#   . "$(dirname "$0")/lib.sh"
#
# Sets: TESTS (this folder), TOP (the repo), PYTHON, WORK (a temp dir removed
# on exit), and provides check/ok/not_ok, same/contains, fake_api_bin,
# start_api, static_binary, finish.

TESTS=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
TOP=$(CDPATH='' cd -- "$TESTS/../.." && pwd)
PYTHON=${PYTHON:-python3}
NAME=$(basename -- "$0" .sh)
FAILED=0
PIDS=

WORK=$(mktemp -d "${TMPDIR:-/tmp}/jetpack-partner-$NAME.XXXXXX")
cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	if [ -n "${JETPACK_TEST_KEEP:-}" ]; then
		echo "# kept $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ok() { echo "ok - $*"; }
not_ok() {
	echo "not ok - $*"
	FAILED=$((FAILED + 1))
}
# check DESCRIPTION COMMAND...: runs the command, ok if it exits 0.
check() {
	d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}
# same FILE TEXT: the file holds exactly TEXT plus one newline.
same() {
	printf '%s\n' "$2" | cmp -s - "$1" || {
		echo "#   expected: $2"
		echo "#   got:      $(cat "$1")"
		return 1
	}
}
# contains FILE TEXT: the file contains TEXT (fixed string).
contains() {
	grep -qF -- "$2" "$1" || {
		echo "#   expected in $1: $2"
		sed 's/^/#   | /' "$1" | head -20
		return 1
	}
}

# fake_api_bin: the project's fake partner API, examples/fake-api.rs
# ($FAKE_API_BIN, or built now with `cargo build --example fake-api`; run-all.sh
# builds it once). Prints its path.
fake_api_bin() {
	if [ -n "${FAKE_API_BIN:-}" ]; then
		echo "$FAKE_API_BIN"
		return
	fi
	(cd "$TOP" && ${CARGO:-cargo} build --quiet --locked --example fake-api >&2) || return 1
	d=${CARGO_TARGET_DIR:-$TOP/target}
	case $d in /*) ;; *) d=$TOP/$d ;; esac
	echo "$d/debug/examples/fake-api"
}

# start_api VAR [FAKE-API FLAGS...]: starts examples/fake-api.rs on a free
# port (with the flags, e.g. --tls, --partner ID:SECRET, --state-file F),
# stores the port in VAR and its request log (one JSON line per request:
# method, path, query, host, form field names, status) in VAR_LOG. The
# server exits by itself after $API_LIFETIME (300) seconds.
start_api() {
	var=$1
	shift
	d=$WORK/api-$var
	mkdir -p "$d"
	fake=$(fake_api_bin) || {
		echo "could not build the fake API (cargo build --example fake-api)" >&2
		exit 1
	}
	"$fake" --port-file "$d/port" --log-file "$d/log" --exit-after "${API_LIFETIME:-300}" "$@" \
		>"$d/stdout" 2>"$d/stderr" &
	PIDS="$PIDS $!"
	i=0
	while [ ! -s "$d/port" ]; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			echo "fake API did not start:" >&2
			cat "$d/stderr" >&2
			exit 1
		fi
		sleep 0.1
	done
	eval "$var=\$(cat \"\$d/port\")"
	eval "${var}_LOG=\$d/log"
}

# static_binary: the static release binary ($JETPACK_PARTNER_BIN, or built
# now with packaging/build-static.sh). Prints its path.
static_binary() {
	if [ -n "${JETPACK_PARTNER_BIN:-}" ]; then
		echo "$JETPACK_PARTNER_BIN"
	else
		"$TOP/packaging/build-static.sh" | tail -n 1
	fi
}

# finish: summary line and exit status.
finish() {
	if [ "$FAILED" -eq 0 ]; then
		echo "# $NAME: all checks passed"
		exit 0
	fi
	echo "# $NAME: $FAILED check(s) failed"
	exit 1
}
