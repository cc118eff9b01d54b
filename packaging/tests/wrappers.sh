#!/bin/sh
# bin/partner-provision.sh and bin/partner-cancel.sh: they exec the
# jetpack-partner next to them, else the one on PATH, with the subcommand and
# every argument untouched (spaces, quotes, $(id), *, empty strings, newlines),
# and without a binary they print binary_not_found JSON and exit 1. Run with
# dash (the /bin/sh of Debian) and bash --posix when present.
set -u
# shellcheck source-path=SCRIPTDIR
. "$(dirname -- "$0")/lib.sh"

# A stand-in binary that prints where it is and each argument on its own line.
fake() {
	mkdir -p "$1"
	cat >"$1/jetpack-partner" <<EOF
#!/bin/sh
echo "$2"
for a in "\$@"; do printf '[%s]\n' "\$a"; done
EOF
	chmod 755 "$1/jetpack-partner"
}

mkdir -p "$WORK/jetpack/bin" "$WORK/path" "$WORK/empty" "$WORK/cwd"
cp "$TOP/bin/partner-provision.sh" "$TOP/bin/partner-cancel.sh" "$WORK/jetpack/bin/"
fake "$WORK/jetpack/bin" next-to-it
fake "$WORK/path" on-path

# The arguments a caller might pass; the expected output lists them verbatim.
# shellcheck disable=SC2016,SC1003 # literal $(id), `id` and \ on purpose
set -- --partner_id=1 "--partner_secret=a b  c" "-s='q' \"qq\"" '$(id)' '`id`' '*' '' "two
lines" '--url=https://x.test/?a=1&b=2' '\' '-'
# expected WHERE SUBCOMMAND ARGS...: what the stand-in prints.
expected() {
	printf '%s\n[%s]\n' "$1" "$2"
	shift 2
	for a in "$@"; do printf '[%s]\n' "$a"; done
}

shells="sh"
command -v dash >/dev/null 2>&1 && shells="$shells dash"
command -v bash >/dev/null 2>&1 && shells="$shells bash"
for sh in $shells; do
	run_sh=$sh
	[ "$sh" = bash ] && run_sh="bash --posix"
	for s in provision cancel; do
		w=$WORK/jetpack/bin/partner-$s.sh
		# Next to it, called by absolute path from another folder.
		(cd "$WORK/cwd" && PATH="$WORK/path:$PATH" $run_sh "$w" "$@") >"$WORK/out" 2>"$WORK/err"
		rc=$?
		expected next-to-it "$s" "$@" >"$WORK/want"
		check "$sh: partner-$s.sh runs the binary next to it with all arguments untouched" \
			sh -c "[ $rc -eq 0 ] && cmp -s '$WORK/want' '$WORK/out' && [ ! -s '$WORK/err' ]"
		# Called by a relative path.
		(cd "$WORK/jetpack" && $run_sh "bin/partner-$s.sh" "$@") >"$WORK/out" 2>&1
		check "$sh: partner-$s.sh by relative path" cmp -s "$WORK/want" "$WORK/out"
	done
done

# Executed directly (shebang), through a symlink in another folder.
ln -s "$WORK/jetpack/bin/partner-provision.sh" "$WORK/empty/pp"
PATH=/usr/bin:/bin "$WORK/empty/pp" "$@" >"$WORK/out" 2>&1
expected next-to-it provision "$@" >"$WORK/want"
check "through a symlink: the binary next to the real file" cmp -s "$WORK/want" "$WORK/out"
rm "$WORK/empty/pp"

# An empty environment (as from some control panels): still finds the binary.
env -i /bin/sh "$WORK/jetpack/bin/partner-provision.sh" "$@" >"$WORK/out" 2>&1
expected next-to-it provision "$@" >"$WORK/want"
check "with an empty environment (no PATH)" cmp -s "$WORK/want" "$WORK/out"

# No binary next to it: the one on PATH.
mv "$WORK/jetpack/bin/jetpack-partner" "$WORK/jp.away"
PATH="$WORK/path:/usr/bin:/bin" "$WORK/jetpack/bin/partner-cancel.sh" "$@" >"$WORK/out" 2>&1
expected on-path cancel "$@" >"$WORK/want"
check "no binary next to it: jetpack-partner on PATH" cmp -s "$WORK/want" "$WORK/out"

# A non-executable file next to it is skipped.
cp "$WORK/jp.away" "$WORK/jetpack/bin/jetpack-partner"
chmod 644 "$WORK/jetpack/bin/jetpack-partner"
PATH="$WORK/path:/usr/bin:/bin" "$WORK/jetpack/bin/partner-cancel.sh" "$@" >"$WORK/out" 2>&1
check "a non-executable jetpack-partner next to it is skipped" cmp -s "$WORK/want" "$WORK/out"

# No binary anywhere: JSON on stderr, exit 1, nothing on stdout.
for s in provision cancel; do
	PATH=/usr/bin:/bin "$WORK/jetpack/bin/partner-$s.sh" --partner_id=1 >"$WORK/out" 2>"$WORK/err"
	rc=$?
	check "partner-$s.sh without any binary exits 1" [ $rc -eq 1 ]
	check "  and prints nothing on stdout" [ ! -s "$WORK/out" ]
	check "  and binary_not_found JSON on stderr" "$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["success"] is False and d["error_code"] == "binary_not_found", d
assert "jetpack-partner" in d["error_message"], d
' "$WORK/err"
done
# Still valid JSON when the folder name needs escaping.
weird="$WORK/we\"ird\\dir"
mkdir -p "$weird"
cp "$TOP/bin/partner-provision.sh" "$weird/"
PATH=/usr/bin:/bin "$weird/partner-provision.sh" >/dev/null 2>"$WORK/err"
check "binary_not_found JSON stays valid for a folder with \" and \\ in its name" "$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["error_code"] == "binary_not_found" and sys.argv[2] in d["error_message"], d
' "$WORK/err" "$weird"

# With the real binary: --help works through the wrapper.
bin=$(static_binary) || exit 1
rm -f "$WORK/jetpack/bin/jetpack-partner"
cp "$bin" "$WORK/jetpack/bin/jetpack-partner"
chmod 755 "$WORK/jetpack/bin/jetpack-partner"
"$WORK/jetpack/bin/partner-provision.sh" --help >"$WORK/out" 2>"$WORK/err"
rc=$?
check "real binary: partner-provision.sh --help exits 0" [ $rc -eq 0 ]
check "  and prints the provision usage" contains "$WORK/out" "Usage: jetpack-partner provision"
"$WORK/jetpack/bin/partner-cancel.sh" --no-such-flag >"$WORK/out" 2>"$WORK/err"
rc=$?
check "real binary: an unknown flag exits 1 with usage on stderr" sh -c "[ $rc -eq 1 ] && [ ! -s '$WORK/out' ] && grep -q Usage '$WORK/err'"

finish
