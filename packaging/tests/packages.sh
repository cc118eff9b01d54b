#!/bin/sh
# packaging/package.sh end to end: builds the .deb and the .rpm, installs
# each into a scratch root that looks like a minimal system (its own dpkg or
# rpm database, /usr/bin and friends already there and holding another
# package's file), checks what landed where, runs the installed binary (also
# chrooted into the scratch root: it is static), removes the package and
# checks the root is exactly as before: no leftover file, link or folder, and
# the other files untouched.
#
#   .deb: dpkg --root=DIR --install, then dpkg --root=DIR --purge
#   .rpm: rpm --root DIR --install (Debian's rpm), then rpm --root DIR --erase
#
# Needs root (dpkg and rpm on another root, chroot), dpkg-deb, and rpm
# (rpmbuild and rpm; Debian: apt-get install rpm).
set -u
# shellcheck source-path=SCRIPTDIR
. "$(dirname -- "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "packages.sh: needs root (dpkg --root, rpm --root, chroot)" >&2
	exit 1
fi
for c in dpkg dpkg-deb rpm rpmbuild; do
	command -v "$c" >/dev/null 2>&1 || {
		echo "packages.sh: $c not found (Debian: apt-get install dpkg rpm)" >&2
		exit 1
	}
done

bin=$(static_binary) || exit 1
version=$("$bin" --version | head -n 1 | awk '{ print $2 }')
dist=$WORK/dist
JETPACK_PARTNER_BIN=$bin DIST=$dist "$TOP/packaging/package.sh" >"$WORK/package.out" 2>"$WORK/package.err"
rc=$?
check "package.sh exits 0" [ $rc -eq 0 ]
[ $rc -eq 0 ] || {
	tail -30 "$WORK/package.err" | sed 's/^/#   /'
	finish
}
deb=$dist/jetpack-partner_${version}-1_amd64.deb
rpm=$dist/jetpack-partner-${version}-1.x86_64.rpm
check "it prints the two packages" same "$WORK/package.out" "$deb
$rpm"
echo "# $(wc -c <"$deb" | tr -d ' ') bytes ${deb##*/}, $(wc -c <"$rpm" | tr -d ' ') bytes ${rpm##*/}"

# The files both packages install (the .deb and .rpm differ in the zsh
# folder and where license and notices go).
common='/usr/bin/jetpack-partner
/usr/bin/partner-cancel -> jetpack-partner
/usr/bin/partner-cancel.sh -> jetpack-partner
/usr/bin/partner-provision -> jetpack-partner
/usr/bin/partner-provision.sh -> jetpack-partner
/usr/share/bash-completion/completions/jetpack-partner
/usr/share/doc/jetpack-partner/README.md
/usr/share/doc/jetpack-partner/docs/audit.png
/usr/share/doc/jetpack-partner/docs/errors.md
/usr/share/doc/jetpack-partner/docs/fleets.md
/usr/share/fish/vendor_completions.d/jetpack-partner.fish'
pages=$(cd "$TOP" && {
	echo packaging/man/partner-provision.1
	echo packaging/man/partner-cancel.1
	"$bin" --help | awk '/^Commands:/ { c = 1; next } c && /^  [a-z]/ { print $1 } c && /^$/ { c = 0 }' |
		grep -vx help | sed 's/^/jetpack-partner-/'
} | sed 's|.*/||; s/\.1$//' | LC_ALL=C sort)

# list ROOT: every file, link and folder under ROOT ("path -> target" for a
# link, "path/" for a folder), sorted; the package databases left out.
list() {
	(cd "$1" && find . -mindepth 1 ! -path './var/lib/dpkg*' ! -path './var/lib/rpm*' ! -path './var/lib' ! -path './var' |
		LC_ALL=C sort | while IFS= read -r p; do
		if [ -L "$p" ]; then
			echo "${p#.} -> $(readlink "$p")"
		elif [ -d "$p" ]; then
			echo "${p#.}/"
		else
			echo "${p#.} $(cksum <"$p" | cut -d' ' -f1)"
		fi
	done)
}

# base ROOT: a minimal system: the folders a distribution's base packages
# own, each holding a file of another package.
base() {
	for d in usr/bin usr/share/man/man1 usr/share/doc usr/share/licenses etc; do
		mkdir -p "$1/$d"
		echo other >"$1/$d/other-package-file"
	done
}

# installed KIND ROOT ZSH_DIR: checks on the installed package.
installed() {
	k=$1 r=$2
	for f in $(echo "$common" | sed 's/ ->.*//') "$3/_jetpack-partner"; do
		check "$k: installs $f" [ -e "$r$f" ]
	done
	for n in partner-provision partner-provision.sh partner-cancel partner-cancel.sh; do
		check "$k: /usr/bin/$n is a link to jetpack-partner" [ "$(readlink "$r/usr/bin/$n")" = jetpack-partner ]
	done
	check "$k: the binary is mode 755, root's" [ "$(stat -c '%a %u %g' "$r/usr/bin/jetpack-partner")" = "755 0 0" ]
	check "$k: the binary is the one built" cmp -s "$bin" "$r/usr/bin/jetpack-partner"
	for p in $pages; do
		check "$k: man page $p.1.gz" [ -f "$r/usr/share/man/man1/$p.1.gz" ]
	done
	check "$k: partner-provision.sh.1.gz links to partner-provision.1.gz" \
		[ "$(readlink "$r/usr/share/man/man1/partner-provision.sh.1.gz")" = partner-provision.1.gz ]
	check "$k: partner-cancel.sh.1.gz links to partner-cancel.1.gz" \
		[ "$(readlink "$r/usr/share/man/man1/partner-cancel.sh.1.gz")" = partner-cancel.1.gz ]
	check "$k: jetpack-partner --version runs (chrooted into the scratch root)" \
		sh -c "chroot '$r' /usr/bin/jetpack-partner --version | grep -qx 'jetpack-partner $version.*'"
	check "$k: partner-provision.sh --help is provision's (the binary called by the old name)" \
		sh -c "chroot '$r' /usr/bin/partner-provision.sh --help | grep -q '^Usage: partner-provision.sh'"
	check "$k: partner-cancel --help is cancel's" \
		sh -c "chroot '$r' /usr/bin/partner-cancel --help | grep -q '^Usage: partner-cancel'"
	if command -v man >/dev/null 2>&1; then
		check "$k: man renders partner-provision.sh(1) through its link" \
			sh -c "MANWIDTH=80 man -l '$r/usr/share/man/man1/partner-provision.sh.1.gz' 2>/dev/null | grep -q 'PARTNER-PROVISION(1)'"
		check "$k: man renders jetpack-partner(1)" \
			sh -c "MANWIDTH=80 man -l '$r/usr/share/man/man1/jetpack-partner.1.gz' 2>/dev/null | grep -q 'EXIT STATUS'"
	fi
	check "$k: the bash completion loads" \
		bash -c ". '$r/usr/share/bash-completion/completions/jetpack-partner' && complete -p jetpack-partner >/dev/null"
	check "$k: the other package's files are untouched" \
		sh -c "for f in '$r'/usr/bin/other-package-file '$r'/usr/share/doc/other-package-file; do [ \"\$(cat \"\$f\")\" = other ] || exit 1; done"
}

# removed KIND ROOT: the root is as before the install.
removed() {
	list "$2" >"$WORK/$1.after"
	check "$1: removed without leftovers (the root is as before)" cmp -s "$WORK/$1.before" "$WORK/$1.after"
	diff "$WORK/$1.before" "$WORK/$1.after" | sed 's/^/#   /'
}

# --- .deb ---
dpkg-deb -c "$deb" >"$WORK/deb.contents" 2>&1
check "deb: dpkg-deb reads it" [ -s "$WORK/deb.contents" ]
check "deb: every file is root's" sh -c "! awk '\$2 != \"root/root\"' '$WORK/deb.contents' | grep ."
dpkg-deb -f "$deb" Package Version Architecture >"$WORK/deb.fields"
check "deb: control says jetpack-partner $version-1 amd64" same "$WORK/deb.fields" "Package: jetpack-partner
Version: $version-1
Architecture: amd64"
check "deb: no maintainer scripts" sh -c "[ \"\$(dpkg-deb --ctrl-tarfile '$deb' | tar -t | sort | tr '\n' ' ')\" = './ ./control ./md5sums ' ]"
check "deb: the license is in /usr/share/doc/jetpack-partner/copyright" \
	sh -c "dpkg-deb --fsys-tarfile '$deb' | tar -xO ./usr/share/doc/jetpack-partner/copyright | grep -q 'GNU GENERAL PUBLIC LICENSE'"
check "deb: THIRD-PARTY.txt is in /usr/share/doc/jetpack-partner" grep -q 'usr/share/doc/jetpack-partner/THIRD-PARTY.txt$' "$WORK/deb.contents"

r=$WORK/deb-root
base "$r"
mkdir -p "$r/var/lib/dpkg/info" "$r/var/lib/dpkg/updates"
: >"$r/var/lib/dpkg/status"
list "$r" >"$WORK/deb.before"
# --force-script-chrootless: the package has no scripts; the scratch root
# has no shell or ldconfig for dpkg's sanity checks to find.
dpkg --root="$r" --force-script-chrootless --force-bad-path --install "$deb" >"$WORK/deb.install" 2>&1
rc=$?
check "deb: dpkg --root --install exits 0" [ $rc -eq 0 ]
[ $rc -eq 0 ] || sed 's/^/#   /' "$WORK/deb.install"
check "deb: dpkg lists it installed" sh -c "dpkg --root='$r' -s jetpack-partner | grep -qx 'Status: install ok installed'"
installed deb "$r" /usr/share/zsh/vendor-completions
check "deb: /usr/share/doc/jetpack-partner/copyright" [ -f "$r/usr/share/doc/jetpack-partner/copyright" ]
check "deb: dpkg --verify finds every file intact" dpkg --root="$r" --verify jetpack-partner
dpkg --root="$r" --force-script-chrootless --force-bad-path --purge jetpack-partner >"$WORK/deb.purge" 2>&1
rc=$?
check "deb: dpkg --root --purge exits 0" [ $rc -eq 0 ]
[ $rc -eq 0 ] || sed 's/^/#   /' "$WORK/deb.purge"
removed deb "$r"

# --- .rpm ---
rpm -qp --qf '%{NAME} %{VERSION}-%{RELEASE} %{ARCH} %{LICENSE}\n' "$rpm" >"$WORK/rpm.fields" 2>&1
check "rpm: rpm reads it: jetpack-partner $version-1 x86_64 GPL-2.0-or-later" same "$WORK/rpm.fields" \
	"jetpack-partner $version-1 x86_64 GPL-2.0-or-later"
check "rpm: it requires nothing but rpm features" sh -c "! rpm -qpR '$rpm' | grep -v '^rpmlib('"
check "rpm: no scriptlets" sh -c "[ -z \"\$(rpm -qp --scripts '$rpm')\" ]"
check "rpm: LICENSE and THIRD-PARTY.txt are license files" sh -c \
	"[ \"\$(rpm -qpL '$rpm' | tr '\n' ' ')\" = '/usr/share/licenses/jetpack-partner/LICENSE /usr/share/licenses/jetpack-partner/THIRD-PARTY.txt ' ]"

r=$WORK/rpm-root
base "$r"
list "$r" >"$WORK/rpm.before"
rpm --root "$r" --dbpath /var/lib/rpm --initdb
# --dbpath: Debian's rpm keeps its database in ~/.rpmdb by default.
# --nodeps: the scratch root has no rpm-installed base system (the package
# needs none: it only requires rpm's own features). Debian's rpm asks for
# --force-debian before it installs anything.
rpm --root "$r" --dbpath /var/lib/rpm --nodeps --force-debian --install "$rpm" >"$WORK/rpm.install" 2>&1
rc=$?
check "rpm: rpm --root --install exits 0" [ $rc -eq 0 ]
[ $rc -eq 0 ] || sed 's/^/#   /' "$WORK/rpm.install"
check "rpm: rpm lists it installed" sh -c "[ \"\$(rpm --root '$r' --dbpath /var/lib/rpm -q jetpack-partner)\" = 'jetpack-partner-$version-1.x86_64' ]"
installed rpm "$r" /usr/share/zsh/site-functions
check "rpm: /usr/share/licenses/jetpack-partner/LICENSE" [ -f "$r/usr/share/licenses/jetpack-partner/LICENSE" ]
check "rpm: rpm --verify finds every file intact" rpm --root "$r" --dbpath /var/lib/rpm --verify jetpack-partner
rpm --root "$r" --dbpath /var/lib/rpm --nodeps --erase jetpack-partner >"$WORK/rpm.erase" 2>&1
rc=$?
check "rpm: rpm --root --erase exits 0" [ $rc -eq 0 ]
[ $rc -eq 0 ] || sed 's/^/#   /' "$WORK/rpm.erase"
removed rpm "$r"

finish
