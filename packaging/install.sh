#!/bin/sh
# Install jetpack-partner as a drop-in for Jetpack's partner scripts, or
# system-wide. POSIX sh; safe to run again and again (it only changes what
# differs), e.g. from a cron job or a hook after `wp plugin update jetpack`.
#
#   install.sh --jetpack-dir=/var/www/site/wp-content/plugins/jetpack
#   install.sh --prefix=/usr/local
#   install.sh --jetpack-dir=DIR --uninstall
#
# Exit codes: 0 done (or nothing to do), 1 failed, 2 usage error.

set -u
me=install.sh
MARKER='# jetpack-partner drop-in wrapper'
SCRIPTS='partner-provision.sh partner-cancel.sh'

usage() {
	cat <<'EOF'
Usage: install.sh --jetpack-dir=DIR [--binary=PATH] [--uninstall] [--quiet]
       install.sh --prefix=DIR      [--binary=PATH] [--uninstall] [--quiet]

Install jetpack-partner into a Jetpack plugin folder (drop-in) or system-wide.

  --jetpack-dir=DIR  The Jetpack plugin folder (wp-content/plugins/jetpack).
                     Puts the binary in DIR/bin/jetpack-partner and replaces
                     DIR/bin/partner-provision.sh and partner-cancel.sh with
                     wrappers that run it; the originals are kept as *.orig.
                     A Jetpack update puts the originals back and removes the
                     binary: run this again after `wp plugin update jetpack`.
  --prefix=DIR       System-wide: DIR/bin/jetpack-partner, with the links
                     DIR/bin/partner-provision and DIR/bin/partner-cancel
                     (the binary acts on the name it is called by), plus man
                     pages and bash/zsh/fish completions when they are next to
                     this script (as in the release archive).
  --binary=PATH      The jetpack-partner binary to install (default: the one
                     next to this script, else the repo's release build).
  --uninstall        Undo: restore the original scripts, remove the binary,
                     links, man pages and completions this script installed.
  --quiet, -q        Print only changes and errors (for cron).
  --help, -h         This text.

Running it again changes nothing unless something differs. Exit codes: 0 done
(or nothing to do), 1 failed, 2 usage error.
EOF
}

die() {
	echo "$me: error: $*" >&2
	exit 1
}
usage_error() {
	echo "$me: $*" >&2
	echo "Try 'install.sh --help'." >&2
	exit 2
}
say() { echo "$me: $*"; }
CHANGED=0
changed() {
	CHANGED=$((CHANGED + 1))
	say "$*"
}

jetpack_dir='' prefix='' binary='' uninstall='' quiet=''
while [ $# -gt 0 ]; do
	case $1 in
	--jetpack-dir=* | --jetpack_dir=*) jetpack_dir=${1#*=} ;;
	--prefix=*) prefix=${1#*=} ;;
	--binary=*) binary=${1#*=} ;;
	--jetpack-dir | --jetpack_dir | --prefix | --binary)
		[ $# -ge 2 ] || usage_error "$1 needs a value"
		case $1 in
		--jetpack*) jetpack_dir=$2 ;;
		--prefix) prefix=$2 ;;
		--binary) binary=$2 ;;
		esac
		shift
		;;
	--uninstall) uninstall=1 ;;
	-q | --quiet) quiet=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	*) usage_error "unknown argument: $1" ;;
	esac
	shift
done
[ -n "$jetpack_dir" ] || [ -n "$prefix" ] || usage_error "give --jetpack-dir=DIR or --prefix=DIR"

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd) || die "cannot find my own folder"

# --- what to install -------------------------------------------------------

# The wrappers: next to this script (release archive), else the repo's bin/.
wrapper_src() {
	for _wd in "$here" "$here/../bin"; do
		if [ -f "$_wd/$1" ] && grep -q "^$MARKER" "$_wd/$1"; then
			echo "$_wd/$1"
			return 0
		fi
	done
	return 1
}

find_binary() {
	if [ -n "$binary" ]; then
		echo "$binary"
		return
	fi
	for _b in "$here/jetpack-partner" \
		"$here/../target/x86_64-unknown-linux-gnu/release/jetpack-partner" \
		"$here/../target/release/jetpack-partner"; do
		if [ -f "$_b" ]; then
			echo "$_b"
			return
		fi
	done
}

# The man pages and completions that go with a --prefix install:
# "source-in-this-folder destination-under-prefix" lines.
extras() {
	for _m in "$here"/man/*.1; do
		[ -f "$_m" ] && echo "$_m share/man/man1/${_m##*/}"
	done
	_c=$here/completions
	[ -f "$_c/jetpack-partner.bash" ] && echo "$_c/jetpack-partner.bash share/bash-completion/completions/jetpack-partner"
	[ -f "$_c/_jetpack-partner" ] && echo "$_c/_jetpack-partner share/zsh/site-functions/_jetpack-partner"
	[ -f "$_c/jetpack-partner.fish" ] && echo "$_c/jetpack-partner.fish share/fish/vendor_completions.d/jetpack-partner.fish"
	return 0
}

is_wrapper() { [ -f "$1" ] && grep -q "^$MARKER" "$1"; }

# --- file operations, each a no-op when nothing differs ---------------------
# (POSIX sh has no local variables: helpers use _-prefixed names.)

owner= # chown new files to this (the Jetpack folder's owner) when root
# put SRC DEST MODE: DEST becomes a copy of SRC (atomically, by rename).
put() {
	if [ -f "$2" ] && [ ! -L "$2" ] && cmp -s "$1" "$2"; then
		chmod "$3" "$2" || return 1
		return 0
	fi
	_tmp="$2.tmp.$$"
	if ! cp "$1" "$_tmp" || ! chmod "$3" "$_tmp"; then
		rm -f "$_tmp"
		return 1
	fi
	if [ -n "$owner" ]; then chown "$owner" "$_tmp" 2>/dev/null || true; fi
	mv -f "$_tmp" "$2" || {
		rm -f "$_tmp"
		return 1
	}
	changed "installed $2"
}

# ours_or_free PATH: PATH is free or already our link to jetpack-partner.
ours_or_free() {
	if [ -L "$1" ]; then
		[ "$(readlink "$1")" = jetpack-partner ]
	else
		[ ! -e "$1" ]
	fi
}

# link NAME DIR: DIR/NAME -> jetpack-partner (relative symlink).
link() {
	_l=$2/$1
	if [ -L "$_l" ] && [ "$(readlink "$_l")" = jetpack-partner ]; then return 0; fi
	ours_or_free "$_l" || die "$_l exists and is not a link to jetpack-partner; move it away first"
	ln -s jetpack-partner "$_l" || return 1
	changed "linked $_l -> jetpack-partner"
}

remove() {
	if [ -e "$1" ] || [ -L "$1" ]; then
		rm -f "$1" || return 1
		changed "removed $1"
	fi
}

check_binary() {
	[ -n "$1" ] || die "no jetpack-partner binary found next to $me or in target/; build it with packaging/build-static.sh or give --binary=PATH"
	[ -f "$1" ] || die "binary not found: $1"
	_v=$("$1" --version 2>/dev/null) || die "$1 does not run here (wrong architecture, or not executable?)"
	case $_v in
	jetpack-partner\ *) VERSION=${_v#jetpack-partner } ;;
	*) die "$1 is not jetpack-partner (--version printed: $_v)" ;;
	esac
}

# --- Jetpack drop-in ---------------------------------------------------------

jetpack_install() {
	d=$1
	[ -d "$d" ] || die "no such folder: $d"
	if [ ! -f "$d/jetpack.php" ] && [ ! -f "$d/bin/partner-provision.sh" ]; then
		die "$d does not look like the Jetpack plugin folder (no jetpack.php, no bin/partner-provision.sh)"
	fi
	if [ "$(id -u)" -eq 0 ]; then
		# Files a Jetpack update (running as the web user) must be able to replace.
		# shellcheck disable=SC2012 # numeric ids only, no names parsed
		owner=$(ls -nd "$d" | awk '{print $3 ":" $4}')
	fi
	if [ ! -d "$d/bin" ]; then
		mkdir "$d/bin" || die "cannot create $d/bin"
		if [ -n "$owner" ]; then chown "$owner" "$d/bin" 2>/dev/null || true; fi
		changed "created $d/bin"
	fi
	for s in $SCRIPTS; do
		wrapper_src "$s" >/dev/null || die "wrapper $s not found next to $me or in ../bin"
	done
	put "$BIN" "$d/bin/jetpack-partner" 755 || die "cannot install $d/bin/jetpack-partner"
	for s in $SCRIPTS; do
		src=$(wrapper_src "$s")
		t=$d/bin/$s
		if { [ -e "$t" ] || [ -L "$t" ]; } && ! is_wrapper "$t"; then
			# An original (first install, or put back by a Jetpack update).
			mv -f "$t" "$t.orig" || die "cannot keep $t as $t.orig"
			changed "kept the original $s as $t.orig"
		fi
		put "$src" "$t" 755 || die "cannot install $t"
	done
	[ -n "$quiet" ] && [ "$CHANGED" -eq 0 ] && return 0
	if [ "$CHANGED" -eq 0 ]; then
		say "$d: up to date (jetpack-partner $VERSION)"
	else
		say "$d: jetpack-partner $VERSION installed; bin/partner-provision.sh and bin/partner-cancel.sh now run it"
	fi
}

jetpack_uninstall() {
	d=$1
	[ -d "$d" ] || die "no such folder: $d"
	for s in $SCRIPTS; do
		t=$d/bin/$s
		if is_wrapper "$t"; then
			if [ -e "$t.orig" ]; then
				mv -f "$t.orig" "$t" || die "cannot restore $t"
				changed "restored the original $t"
			else
				remove "$t" || die "cannot remove $t"
			fi
		elif [ -e "$t.orig" ]; then
			say "left $t.orig alone: $t is not our wrapper (a Jetpack update replaced it?)"
		fi
	done
	remove "$d/bin/jetpack-partner" || die "cannot remove $d/bin/jetpack-partner"
	rm -f "$d/bin/jetpack-partner.tmp."* "$d/bin/partner-provision.sh.tmp."* "$d/bin/partner-cancel.sh.tmp."*
	[ -n "$quiet" ] && [ "$CHANGED" -eq 0 ] && return 0
	if [ "$CHANGED" -eq 0 ]; then
		say "$d: nothing to uninstall"
	else
		say "$d: jetpack-partner uninstalled"
	fi
}

# --- system-wide -------------------------------------------------------------

prefix_install() {
	p=$1
	for l in partner-provision partner-cancel; do
		ours_or_free "$p/bin/$l" || die "$p/bin/$l exists and is not a link to jetpack-partner; move it away first"
	done
	mkdir -p "$p/bin" || die "cannot create $p/bin"
	put "$BIN" "$p/bin/jetpack-partner" 755 || die "cannot install $p/bin/jetpack-partner"
	link partner-provision "$p/bin" || die "cannot link $p/bin/partner-provision"
	link partner-cancel "$p/bin" || die "cannot link $p/bin/partner-cancel"
	extras | while read -r src dest; do
		mkdir -p "$(dirname -- "$p/$dest")" && put "$src" "$p/$dest" 644 || die "cannot install $p/$dest"
	done || exit 1
	[ -n "$quiet" ] && return 0
	say "$p: jetpack-partner $VERSION in $p/bin (also as partner-provision and partner-cancel)"
}

prefix_uninstall() {
	p=$1
	for l in partner-provision partner-cancel; do
		if [ -L "$p/bin/$l" ] && [ "$(readlink "$p/bin/$l")" = jetpack-partner ]; then
			remove "$p/bin/$l" || die "cannot remove $p/bin/$l"
		fi
	done
	remove "$p/bin/jetpack-partner" || die "cannot remove $p/bin/jetpack-partner"
	for dest in share/man/man1/jetpack-partner.1 share/man/man1/jetpack-partner-provision.1 \
		share/man/man1/jetpack-partner-cancel.1 share/bash-completion/completions/jetpack-partner \
		share/zsh/site-functions/_jetpack-partner share/fish/vendor_completions.d/jetpack-partner.fish; do
		remove "$p/$dest" || die "cannot remove $p/$dest"
	done
	[ -n "$quiet" ] && return 0
	say "$p: jetpack-partner uninstalled"
}

# --- main --------------------------------------------------------------------

if [ -n "$uninstall" ]; then
	[ -n "$jetpack_dir" ] && jetpack_uninstall "$jetpack_dir"
	CHANGED=0
	[ -n "$prefix" ] && prefix_uninstall "$prefix"
	exit 0
fi

BIN=$(find_binary)
VERSION=
check_binary "$BIN"
if [ -n "$jetpack_dir" ]; then
	jetpack_install "$jetpack_dir"
fi
CHANGED=0 owner=
if [ -n "$prefix" ]; then
	prefix_install "$prefix"
fi
exit 0
