#!/bin/sh
# Make the release archive:
#
#   dist/jetpack-partner-<version>-x86_64-linux.tar.gz
#   dist/SHA256SUMS
#
# The archive holds one folder, jetpack-partner-<version>/, with the static
# binary, the two drop-in wrappers, install.sh, README.md, LICENSE, a list of
# the bundled third-party code, man pages (man/) and bash, zsh and fish
# completions (completions/). Man pages and completions are generated from the
# clap definitions by jetpack-partner-gen (packaging/gen.rs). Works from a
# clean clone with cargo available; needs python3 for the third-party list.
#
#   packaging/release.sh              # into dist/
#   DIST=/tmp/out packaging/release.sh
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
top=$(CDPATH='' cd -- "$here/.." && pwd)
cd "$top"
cargo=${CARGO:-cargo}
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

# 1. The static binary (also checks it is static and runs).
bin=$("$here/build-static.sh" | tail -n 1)
v=$("$bin" --version)
[ "$v" = "jetpack-partner $version" ] || {
	echo "release.sh: $bin --version says '$v', Cargo.toml says $version" >&2
	exit 1
}

# 2. Stage the folder.
mkdir -p "$dist"
stage=$(mktemp -d "$dist/.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root=$stage/$name
mkdir -p "$root"
install -m 755 "$bin" "$root/jetpack-partner"
install -m 755 bin/partner-provision.sh bin/partner-cancel.sh "$here/install.sh" "$root/"
install -m 644 README.md LICENSE "$root/"

# 3. Man pages and completions, generated from the clap definitions.
"$cargo" run --quiet --locked --features gen --bin jetpack-partner-gen -- "$root" >&2
for f in man/jetpack-partner.1 completions/jetpack-partner.bash completions/_jetpack-partner completions/jetpack-partner.fish; do
	[ -s "$root/$f" ] || {
		echo "release.sh: jetpack-partner-gen did not write $f" >&2
		exit 1
	}
done
chmod 644 "$root"/man/* "$root"/completions/*

# 4. What the binary bundles: the Rust crates it links and glibc.
"$cargo" metadata --locked --format-version 1 --filter-platform x86_64-unknown-linux-gnu |
	python3 "$here/third_party.py" >"$root/THIRD-PARTY.txt"
chmod 644 "$root/THIRD-PARTY.txt"

# 5. The archive: sorted, root-owned, dated by the last commit, so the same
# commit gives the same bytes (binary included, on the same toolchain).
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
find "$root" -exec touch -h -d "@$epoch" {} +
(cd "$stage" && tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
	--format=gnu -cf - "$name") | gzip -n -9 >"$dist/$tarball.tmp"
mv -f "$dist/$tarball.tmp" "$dist/$tarball"
(cd "$dist" && sha256sum "$tarball" >SHA256SUMS && sha256sum -c --quiet SHA256SUMS)

echo "release.sh: contents:" >&2
tar -tzvf "$dist/$tarball" >&2
echo "release.sh: $(wc -c <"$dist/$tarball" | tr -d ' ') bytes; SHA256SUMS:" >&2
cat "$dist/SHA256SUMS" >&2
echo "$dist/$tarball"
