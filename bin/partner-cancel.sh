#!/bin/sh
# jetpack-partner drop-in wrapper: partner-cancel.sh
#
# Replaces Jetpack's bin/partner-cancel.sh. Runs `jetpack-partner cancel`
# with every argument passed through untouched: the jetpack-partner binary in
# this folder if there is one, else the one on PATH. Exit code and output are
# the binary's (JSON on stdout and exit 0, or JSON on stderr and exit 1).
# Installed by packaging/install.sh; see `jetpack-partner cancel --help`.

cmd=cancel
# The folder this script is in, without external commands (PATH may be bare).
case $0 in
*/*) dir=${0%/*} ;;
*) dir=. ;;
esac
[ -n "$dir" ] || dir=/
bin=
if [ -f "$dir/jetpack-partner" ] && [ -x "$dir/jetpack-partner" ]; then
	bin=$dir/jetpack-partner
elif [ -L "$0" ] && real=$(readlink -f -- "$0" 2>/dev/null) && [ -n "$real" ] &&
	real=${real%/*} && [ -f "$real/jetpack-partner" ] && [ -x "$real/jetpack-partner" ]; then
	bin=$real/jetpack-partner
elif command -v jetpack-partner >/dev/null 2>&1; then
	bin=$(command -v jetpack-partner)
fi
if [ -n "$bin" ]; then
	exec "$bin" "$cmd" "$@"
fi

where=$(printf '%s' "$dir" | tr -d '\000-\037' | sed 's/[\\"]/\\&/g')
printf '{"success":false,"error_code":"binary_not_found","error_message":"jetpack-partner not found: no executable %s/jetpack-partner and none on PATH; install it with install.sh from the jetpack-partner release"}\n' "$where" >&2
exit 1
