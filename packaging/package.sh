#!/bin/sh
# Build the .deb and .rpm packages:
#
#   dist/jetpack-partner_<version>-1_amd64.deb
#   dist/jetpack-partner-<version>-1.x86_64.rpm
#
#   packaging/package.sh                  # stage (stage.sh), then both
#   packaging/package.sh STAGED_DIR       # from a folder stage.sh made
#   FORMATS=deb packaging/package.sh      # only one of them
#   DIST=/tmp/out packaging/package.sh
#
# Prints the path of each package on stdout. Both install the same files:
#
#   /usr/bin/jetpack-partner                 the static binary
#   /usr/bin/partner-provision[.sh]          links to it: called by these
#   /usr/bin/partner-cancel[.sh]             names it is the old script
#   /usr/share/man/man1/                     jetpack-partner*.1.gz,
#                                            partner-provision.1.gz,
#                                            partner-cancel.1.gz (and .sh.1.gz
#                                            links to those)
#   bash, zsh and fish completions           where each distribution's shell
#                                            looks (zsh: vendor-completions on
#                                            Debian, site-functions on RPM
#                                            distributions)
#   /usr/share/doc/jetpack-partner/          README.md, docs/*.md (what README
#                                            links to), THIRD-PARTY.txt,
#                                            copyright (.deb)
#   /usr/share/licenses/jetpack-partner/     LICENSE, THIRD-PARTY.txt (.rpm)
#
# No maintainer scripts, no dependencies (the binary is static). Built with
# dpkg-deb and rpmbuild directly (Debian: apt-get install rpm), not with
# cargo-deb / cargo-generate-rpm: those would compile for minutes on every CI
# run, and the file list, links and man pages here are ours either way.
# Dated by the last commit (SOURCE_DATE_EPOCH), so the same commit and
# toolchain give the same files.
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
top=$(CDPATH='' cd -- "$here/.." && pwd)
cd "$top"
dist=${DIST:-$top/dist}
formats=${FORMATS:-deb rpm}
release=1
maintainer=${PACKAGE_MAINTAINER:-jetpack-partner contributors <jetpack-partner@users.noreply.invalid>}
summary='Provision and cancel Jetpack plans through the WordPress.com partner API'

for f in $formats; do
	case $f in
	deb) command -v dpkg-deb >/dev/null 2>&1 || {
		echo "package.sh: dpkg-deb not found (Debian: apt-get install dpkg)" >&2
		exit 1
	} ;;
	rpm) command -v rpmbuild >/dev/null 2>&1 || {
		echo "package.sh: rpmbuild not found (Debian: apt-get install rpm)" >&2
		exit 1
	} ;;
	*)
		echo "package.sh: unknown format '$f' in FORMATS (deb, rpm)" >&2
		exit 2
		;;
	esac
done

mkdir -p "$dist"
work=$(mktemp -d "$dist/.package.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [ $# -ge 1 ]; then
	staged=$1
else
	staged=$work/staged
	"$here/stage.sh" "$staged"
fi
if [ ! -x "$staged/jetpack-partner" ] || [ ! -f "$staged/man/jetpack-partner.1" ]; then
	echo "package.sh: $staged is not a folder stage.sh made" >&2
	exit 1
fi
version=$("$staged/jetpack-partner" --version | head -n 1 | awk '{ print $2 }')
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH="$epoch"

# stage_tree ROOT ZSH_DIR: the installed files under ROOT (docs apart).
stage_tree() {
	r=$1
	mkdir -p "$r/usr/bin" "$r/usr/share/man/man1" "$r/usr/share/bash-completion/completions" \
		"$r/$2" "$r/usr/share/fish/vendor_completions.d"
	install -m 755 "$staged/jetpack-partner" "$r/usr/bin/jetpack-partner"
	for n in partner-provision partner-provision.sh partner-cancel partner-cancel.sh; do
		ln -s jetpack-partner "$r/usr/bin/$n"
	done
	for m in "$staged"/man/*.1; do
		gzip -9n <"$m" >"$r/usr/share/man/man1/${m##*/}.gz"
	done
	ln -s partner-provision.1.gz "$r/usr/share/man/man1/partner-provision.sh.1.gz"
	ln -s partner-cancel.1.gz "$r/usr/share/man/man1/partner-cancel.sh.1.gz"
	install -m 644 "$staged/completions/jetpack-partner.bash" "$r/usr/share/bash-completion/completions/jetpack-partner"
	install -m 644 "$staged/completions/_jetpack-partner" "$r/$2/_jetpack-partner"
	install -m 644 "$staged/completions/jetpack-partner.fish" "$r/usr/share/fish/vendor_completions.d/jetpack-partner.fish"
	chmod 644 "$r"/usr/share/man/man1/*.gz
}

description() {
	cat <<'EOF'
One static x86_64 Linux binary that provisions and cancels Jetpack plans
and products of WordPress sites through the WordPress.com partner API: a
drop-in replacement for Jetpack's bin/partner-provision.sh and
bin/partner-cancel.sh (also installed under those names), plus status,
batches, desired-state apply and site discovery for fleets.
EOF
}

make_deb() {
	r=$work/deb
	stage_tree "$r" usr/share/zsh/vendor-completions
	d=$r/usr/share/doc/jetpack-partner
	mkdir -p "$d"
	install -m 644 "$staged/README.md" "$staged/THIRD-PARTY.txt" "$d/"
	mkdir -p "$d/docs"
	install -m 644 "$staged"/docs/*.md "$staged"/docs/*.png "$d/docs/"
	{
		echo 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/'
		echo 'Upstream-Name: jetpack-partner'
		echo
		echo 'Files: *'
		echo 'Copyright: jetpack-partner contributors'
		echo 'License: GPL-2.0-or-later'
		echo ' The full text follows; the Rust crates and the C library linked'
		echo ' into the binary, with their licenses, are in THIRD-PARTY.txt.'
		echo ' .'
		sed -e 's/^[[:space:]]*$/./' -e 's/^/ /' "$staged/LICENSE"
	} >"$d/copyright"
	chmod 644 "$d/copyright"
	mkdir -p "$r/DEBIAN"
	size=$(du -sk --apparent-size "$r/usr" | cut -f1)
	# The C library linked in: Debian policy's Built-Using for static links.
	built_using=
	if command -v dpkg-query >/dev/null 2>&1; then
		built_using=$(dpkg-query -W -f='${source:Package} (= ${source:Version})' libc6-dev 2>/dev/null || true)
	fi
	{
		echo "Package: jetpack-partner"
		echo "Version: $version-$release"
		echo "Architecture: amd64"
		echo "Maintainer: $maintainer"
		echo "Installed-Size: $size"
		[ -n "$built_using" ] && echo "Built-Using: $built_using"
		echo "Section: admin"
		echo "Priority: optional"
		echo "Description: $summary"
		description | sed 's/^/ /'
	} >"$r/DEBIAN/control"
	(cd "$r" && find usr -type f | LC_ALL=C sort | xargs md5sum) >"$r/DEBIAN/md5sums"
	chmod 644 "$r/DEBIAN/control" "$r/DEBIAN/md5sums"
	find "$r" -exec touch -h -d "@$epoch" {} +
	out=$dist/jetpack-partner_${version}-${release}_amd64.deb
	dpkg-deb --root-owner-group -Zxz --build "$r" "$out.tmp" >&2
	mv -f "$out.tmp" "$out"
	echo "$out"
}

make_rpm() {
	r=$work/rpm/root
	stage_tree "$r" usr/share/zsh/site-functions
	install -m 644 -D "$staged/README.md" "$r/usr/share/doc/jetpack-partner/README.md"
	mkdir -p "$r/usr/share/doc/jetpack-partner/docs"
	install -m 644 "$staged"/docs/*.md "$staged"/docs/*.png "$r/usr/share/doc/jetpack-partner/docs/"
	install -m 644 -D "$staged/LICENSE" "$r/usr/share/licenses/jetpack-partner/LICENSE"
	install -m 644 "$staged/THIRD-PARTY.txt" "$r/usr/share/licenses/jetpack-partner/THIRD-PARTY.txt"
	find "$r" -exec touch -h -d "@$epoch" {} +
	spec=$work/rpm/jetpack-partner.spec
	{
		echo "Name: jetpack-partner"
		echo "Version: $version"
		echo "Release: $release"
		echo "Summary: $summary"
		echo "License: GPL-2.0-or-later"
		echo "Packager: $maintainer"
		# Static: nothing to require, and nothing rpm should guess.
		echo "AutoReqProv: no"
		echo
		echo "%description"
		description
		echo
		echo "%install"
		echo "cp -a '$r/.' %{buildroot}/"
		echo
		echo "%files"
		echo "%defattr(-,root,root,-)"
		(cd "$r" && find usr -type f -o -type l) | LC_ALL=C sort | while IFS= read -r f; do
			case $f in
			usr/share/licenses/*) echo "%license /$f" ;;
			usr/share/doc/*) echo "%doc /$f" ;;
			*) echo "/$f" ;;
			esac
		done
		echo "%dir /usr/share/doc/jetpack-partner"
		echo "%dir /usr/share/doc/jetpack-partner/docs"
		echo "%dir /usr/share/licenses/jetpack-partner"
		# Shared with the shells' packages, which may not be installed:
		# owned here too, so removing this package leaves no empty folder.
		for dir in bash-completion bash-completion/completions zsh zsh/site-functions fish fish/vendor_completions.d; do
			echo "%dir /usr/share/$dir"
		done
	} >"$spec"
	rpmbuild -bb --target x86_64-linux \
		--define "_topdir $work/rpm/top" --define "_rpmdir $work/rpm/out" \
		--define "_build_id_links none" --define "debug_package %{nil}" \
		--define "__os_install_post %{nil}" --define "_binary_payload w9.xzdio" \
		--define "use_source_date_epoch_as_buildtime 1" \
		--define "clamp_mtime_to_source_date_epoch 1" --define "_buildhost reproducible" \
		"$spec" >&2
	out=$dist/jetpack-partner-${version}-${release}.x86_64.rpm
	mv -f "$work/rpm/out/x86_64/jetpack-partner-${version}-${release}.x86_64.rpm" "$out"
	echo "$out"
}

for f in $formats; do
	"make_$f"
done
