#!/bin/sh
# Make a release:
#
#   dist/jetpack-partner-<version>-x86_64-linux.tar.gz
#   dist/jetpack-partner_<version>-1_amd64.deb      (packaging/package.sh)
#   dist/jetpack-partner-<version>-1.x86_64.rpm
#   dist/SHA256SUMS
#   dist/SHA256SUMS.sig      when $JETPACK_PARTNER_SIGNING_KEY names a key
#
# The archive holds one folder, jetpack-partner-<version>/, with what
# packaging/stage.sh lays out: the static binary, the two drop-in wrappers,
# install.sh, README.md, LICENSE, a list of the bundled third-party code, man
# pages (man/) and bash, zsh and fish completions (completions/). Man pages
# and completions are generated from the clap definitions by
# jetpack-partner-gen (packaging/gen.rs). Works from a clean clone with cargo
# available; needs python3 for the third-party list, dpkg-deb and rpmbuild
# for the packages (Debian: apt-get install rpm).
#
#   packaging/release.sh              # into dist/
#   DIST=/tmp/out packaging/release.sh
#   PACKAGES=no packaging/release.sh  # the archive only
#   JETPACK_PARTNER_SIGNING_KEY=~/.ssh/release_ed25519 packaging/release.sh
#
# Signing: `ssh-keygen -Y sign -n file` with that key (a private key, or the
# public key of one held by ssh-agent) writes SHA256SUMS.sig, which is then
# verified against packaging/allowed_signers (or
# $JETPACK_PARTNER_ALLOWED_SIGNERS) as $JETPACK_PARTNER_SIGNER
# (release@jetpack-partner): a key that file does not list fails the release,
# so every published signature verifies with the file users have.
# docs/install.md says how users verify.
set -eu
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
top=$(CDPATH='' cd -- "$here/.." && pwd)
cd "$top"
dist=${DIST:-$top/dist}
arch=x86_64-linux

# The version: [package] version in Cargo.toml.
version=$(awk '
	/^\[/ { in_pkg = ($0 == "[package]") }
	in_pkg && /^version[ \t]*=/ { gsub(/^version[ \t]*=[ \t]*"|".*$/, ""); print; exit }
' Cargo.toml)
[ -n "$version" ] || {
	echo "release.sh: no version in Cargo.toml [package]" >&2
	exit 1
}
name=jetpack-partner-$version
tarball=$name-$arch.tar.gz
echo "release.sh: $name" >&2

# Dated by the last commit (unless SOURCE_DATE_EPOCH says otherwise): the
# archive's timestamps, the packages', and the build date `--version`
# shows (build.rs reads it), so the same commit gives the same bytes.
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH="$epoch"

# 1. Stage the folder (stage.sh builds the binary unless
# JETPACK_PARTNER_BIN names it, generates man pages and completions, lists
# the third-party code).
mkdir -p "$dist"
stage=$(mktemp -d "$dist/.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root=$stage/$name
"$here/stage.sh" "$root"

# 2. The archive: sorted, root-owned, dated by the last commit, so the same
# commit gives the same bytes (binary included, on the same toolchain).
find "$root" -exec touch -h -d "@$epoch" {} +
(cd "$stage" && tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
	--format=gnu -cf - "$name") | gzip -n -9 >"$dist/$tarball.tmp"
mv -f "$dist/$tarball.tmp" "$dist/$tarball"
files=$tarball

# 3. The .deb and the .rpm, from the same folder.
case ${PACKAGES:-yes} in
no | 0 | false) ;;
*)
	packages=$(DIST=$dist SOURCE_DATE_EPOCH=$epoch "$here/package.sh" "$root")
	for p in $packages; do
		files="$files ${p##*/}"
	done
	;;
esac

# 4. The checksums, and their signature.
# shellcheck disable=SC2086 # file names without spaces
(cd "$dist" && rm -f SHA256SUMS.sig && sha256sum $files >SHA256SUMS && sha256sum -c --quiet SHA256SUMS)
if [ -n "${JETPACK_PARTNER_SIGNING_KEY:-}" ]; then
	signers=${JETPACK_PARTNER_ALLOWED_SIGNERS:-$here/allowed_signers}
	identity=${JETPACK_PARTNER_SIGNER:-release@jetpack-partner}
	ssh-keygen -q -Y sign -f "$JETPACK_PARTNER_SIGNING_KEY" -n file "$dist/SHA256SUMS" >&2
	if ! ssh-keygen -q -Y verify -f "$signers" -I "$identity" -n file -s "$dist/SHA256SUMS.sig" \
		<"$dist/SHA256SUMS" >&2; then
		echo "release.sh: the signature does not verify as $identity with $signers:" \
			"add the key's line there (see the file's comments)" >&2
		rm -f "$dist/SHA256SUMS.sig"
		exit 1
	fi
	echo "release.sh: SHA256SUMS signed: $dist/SHA256SUMS.sig" >&2
fi

echo "release.sh: contents:" >&2
tar -tzvf "$dist/$tarball" >&2
for f in $files; do
	echo "release.sh: $f: $(wc -c <"$dist/$f" | tr -d ' ') bytes" >&2
done
echo "release.sh: SHA256SUMS:" >&2
cat "$dist/SHA256SUMS" >&2
echo "$dist/$tarball"
