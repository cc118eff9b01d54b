#!/bin/sh
# Install jetpack-partner as a drop-in for Jetpack's partner scripts, or
# system-wide. POSIX sh; safe to run again and again (it only changes what
# differs), e.g. from a cron job or a hook after `wp plugin update jetpack`.
#
#   install.sh --jetpack-dir=/var/www/site/wp-content/plugins/jetpack
#   install.sh --prefix=/usr/local
#   install.sh --jetpack-dir=DIR --uninstall
#   install.sh --prefix=DIR --uninstall
#
# A --prefix install lists every file, link and folder it made in
# PREFIX/share/jetpack-partner/MANIFEST; --uninstall removes exactly those.
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
                     links, man pages and completions this script installed
                     (for --prefix: what PREFIX/share/jetpack-partner/MANIFEST
                     lists, then the folders it created if they are empty).
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
# "destination-under-prefix source-in-this-folder" lines (the source last, so
# a folder name with spaces survives `read`). Every man page in man/ goes,
# whatever the subcommands are; names outside [A-Za-z0-9._+-] are skipped.
extras() {
	for _m in "$here"/man/*.1; do
		_n=${_m##*/}
		case $_n in *[!A-Za-z0-9._+-]*) continue ;; esac
		[ -f "$_m" ] && echo "share/man/man1/$_n $_m"
	done
	_c=$here/completions
	[ -f "$_c/jetpack-partner.bash" ] && echo "share/bash-completion/completions/jetpack-partner $_c/jetpack-partner.bash"
	[ -f "$_c/_jetpack-partner" ] && echo "share/zsh/site-functions/_jetpack-partner $_c/_jetpack-partner"
	[ -f "$_c/jetpack-partner.fish" ] && echo "share/fish/vendor_completions.d/jetpack-partner.fish $_c/jetpack-partner.fish"
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
	jetpack-partner\ *)
		# "jetpack-partner 0.1.0 (commit …, target, built …)": the version word.
		VERSION=${_v#jetpack-partner }
		VERSION=${VERSION%% *}
		;;
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
# PREFIX/share/jetpack-partner/MANIFEST: one "file PATH", "link PATH" or
# "dir PATH" a line (PATH relative to PREFIX, sorted), written by every
# --prefix install: the files and links it put there, and the folders it
# created (PREFIX itself excepted). --uninstall removes exactly those files
# and links, then the manifest, then those folders if they are empty; so a
# new man page or completion needs no edit here. Running install again keeps
# the folders an earlier run created on the list, and removes files an
# earlier run listed that this one no longer installs.

MANIFEST=share/jetpack-partner/MANIFEST
MANIFEST_HEAD='# jetpack-partner: what packaging/install.sh --prefix put here (paths relative to the prefix); --uninstall removes these'
NL='
'
entries= # the manifest being built: "TYPE PATH" lines
record() { entries="$entries$1$NL"; }

# valid_rel PATH: a plain relative path (no /, ., .. components, no odd
# characters): all a manifest line may name.
valid_rel() {
	case $1 in
	'' | /* | */ | *//* | . | .. | ./* | ../* | */./* | */../* | */. | */..) return 1 ;;
	*[!A-Za-z0-9._/+-]*) return 1 ;;
	esac
	return 0
}

# manifest_entries FILE: its "TYPE PATH" lines, checked; fails (naming the
# line) on anything else, so a damaged manifest removes nothing.
manifest_entries() {
	_n=0
	while IFS= read -r _line || [ -n "$_line" ]; do
		_n=$((_n + 1))
		case $_line in '' | '#'*) continue ;; esac
		_t=${_line%% *} _r=${_line#* }
		case $_t in file | link | dir) ;; *) _r= ;; esac
		if [ "$_t $_r" != "$_line" ] || ! valid_rel "$_r"; then
			echo "$me: error: $1 line $_n is not a manifest entry: $_line" >&2
			return 1
		fi
		echo "$_t $_r"
	done <"$1"
}

# What installs from before the manifest put under PREFIX (their uninstall
# list was kept by hand). Only used when there is no manifest.
legacy_entries() {
	echo "file bin/jetpack-partner"
	echo "link bin/partner-provision"
	echo "link bin/partner-cancel"
	for _m in jetpack-partner jetpack-partner-provision jetpack-partner-cancel \
		jetpack-partner-upgrade-paths jetpack-partner-partner-key \
		jetpack-partner-partner-key-new jetpack-partner-verify; do
		echo "file share/man/man1/$_m.1"
	done
	echo "file share/bash-completion/completions/jetpack-partner"
	echo "file share/zsh/site-functions/_jetpack-partner"
	echo "file share/fish/vendor_completions.d/jetpack-partner.fish"
}

# mkdirs PREFIX REL: PREFIX/REL and its missing parents below PREFIX; the
# folders it creates go on the manifest.
mkdirs() {
	_rest=$2 _sofar=
	while [ -n "$_rest" ]; do
		_c=${_rest%%/*}
		case $_rest in */*) _rest=${_rest#*/} ;; *) _rest= ;; esac
		_sofar=${_sofar:+$_sofar/}$_c
		[ -d "$1/$_sofar" ] && continue
		mkdir "$1/$_sofar" || return 1
		record "dir $_sofar"
		changed "created $1/$_sofar/"
	done
}

# write_manifest PREFIX: PREFIX/MANIFEST lists $entries (sorted, no repeats);
# untouched when that is what it says already.
write_manifest() {
	mkdirs "$1" "${MANIFEST%/*}" || return 1
	_mtmp=$1/$MANIFEST.new.$$
	{
		echo "$MANIFEST_HEAD"
		printf '%s' "$entries" | sed '/^$/d' | LC_ALL=C sort -u
	} >"$_mtmp" || {
		rm -f "$_mtmp"
		return 1
	}
	put "$_mtmp" "$1/$MANIFEST" 644
	_rc=$?
	rm -f "$_mtmp"
	return $_rc
}

# remove_entry PREFIX TYPE PATH: removes one file or link of a manifest;
# a link only while it still points to jetpack-partner; never a folder.
remove_entry() {
	_f=$1/$3
	case $2 in
	file)
		if [ -d "$_f" ] && [ ! -L "$_f" ]; then
			say "left $_f alone: it is a folder now"
			return 0
		fi
		remove "$_f"
		;;
	link)
		if [ -L "$_f" ] && [ "$(readlink "$_f")" = jetpack-partner ]; then
			remove "$_f"
		elif [ -e "$_f" ] || [ -L "$_f" ]; then
			say "left $_f alone: it is no longer a link to jetpack-partner"
		fi
		;;
	esac
}

prefix_install() {
	p=$1
	for l in partner-provision partner-cancel; do
		ours_or_free "$p/bin/$l" || die "$p/bin/$l exists and is not a link to jetpack-partner; move it away first"
	done
	old=
	if [ -f "$p/$MANIFEST" ]; then
		old=$(manifest_entries "$p/$MANIFEST") || die "fix or remove $p/$MANIFEST first"
	fi
	entries=
	# Folders an earlier install created stay on the list.
	while read -r _t _r; do
		if [ "$_t" = dir ] && [ -d "$p/$_r" ]; then record "dir $_r"; fi
	done <<EOF
$old
EOF
	# If anything below fails, still list what is in place (the old entries
	# and the new ones) so that --uninstall finds it.
	trap 'entries="$entries$old$NL"; write_manifest "$p" >/dev/null 2>&1' EXIT
	mkdir -p "$p" || die "cannot create $p"
	mkdirs "$p" bin || die "cannot create $p/bin"
	put "$BIN" "$p/bin/jetpack-partner" 755 || die "cannot install $p/bin/jetpack-partner"
	record "file bin/jetpack-partner"
	for l in partner-provision partner-cancel; do
		link "$l" "$p/bin" || die "cannot link $p/bin/$l"
		record "link bin/$l"
	done
	_extras=$(extras)
	while read -r dest src; do
		[ -n "$dest" ] || continue
		{ mkdirs "$p" "${dest%/*}" && put "$src" "$p/$dest" 644; } || die "cannot install $p/$dest"
		record "file $dest"
	done <<EOF
$_extras
EOF
	# What an earlier install put here and this one does not (a man page of
	# a subcommand that is gone): remove it.
	while read -r _t _r; do
		case $_t in file | link) ;; *) continue ;; esac
		case $NL$entries in *"$NL$_t $_r$NL"*) continue ;; esac
		remove_entry "$p" "$_t" "$_r" || die "cannot remove $p/$_r"
	done <<EOF
$old
EOF
	write_manifest "$p" || die "cannot write $p/$MANIFEST"
	trap - EXIT
	[ -n "$quiet" ] && return 0
	say "$p: jetpack-partner $VERSION in $p/bin (also as partner-provision and partner-cancel); the files installed are listed in $p/$MANIFEST"
}

prefix_uninstall() {
	p=$1
	if [ -f "$p/$MANIFEST" ]; then
		list=$(manifest_entries "$p/$MANIFEST") || die "removed nothing; fix or remove $p/$MANIFEST"
	else
		list=$(legacy_entries)
		while read -r _t _r; do
			if [ -e "$p/$_r" ] || [ -L "$p/$_r" ]; then
				say "note: no $p/$MANIFEST (installed by an older install.sh): removing the files older versions installed; folders are left"
				break
			fi
		done <<EOF
$list
EOF
	fi
	while read -r _t _r; do
		case $_t in file | link) remove_entry "$p" "$_t" "$_r" || die "cannot remove $p/$_r" ;; esac
	done <<EOF
$list
EOF
	remove "$p/$MANIFEST" || die "cannot remove $p/$MANIFEST"
	# The folders it created, deepest first (reverse order puts a/b before a);
	# only empty ones go.
	for _r in $(printf '%s\n' "$list" | sed -n 's/^dir //p' | LC_ALL=C sort -r); do
		_d=$p/$_r
		{ [ -d "$_d" ] && [ ! -L "$_d" ]; } || continue
		if [ -n "$(ls -A "$_d")" ]; then
			say "left $_d/ alone: not empty"
		else
			rmdir "$_d" || die "cannot remove $_d/"
			changed "removed $_d/"
		fi
	done
	[ -n "$quiet" ] && return 0
	if [ "$CHANGED" -eq 0 ]; then
		say "$p: nothing to uninstall"
	else
		say "$p: jetpack-partner uninstalled"
	fi
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
