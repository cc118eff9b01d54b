#!/bin/sh
# Lay out what every release form ships (the archive, the .deb, the .rpm) in
# one folder:
#
#   DIR/jetpack-partner                         the static binary
#   DIR/partner-provision.sh, partner-cancel.sh the drop-in wrappers
#   DIR/install.sh, README.md, LICENSE
#   DIR/docs/*.md, *.png                         the documents README links to
#   DIR/THIRD-PARTY.txt                         the code the binary bundles
#   DIR/man/*.1                                 jetpack-partner*.1 (generated
#                                               from the clap definitions),
#                                               partner-provision.1,
#                                               partner-cancel.1
#   DIR/completions/                            bash, zsh, fish
#
#   packaging/stage.sh DIR
#   JETPACK_PARTNER_BIN=/path/to/static/binary packaging/stage.sh DIR
#
# The binary is $JETPACK_PARTNER_BIN when set (it must be the static build of
# this commit), else packaging/build-static.sh builds it. Needs cargo and
# python3. Used by release.sh and package.sh.
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
top=$(CDPATH='' cd -- "$here/.." && pwd)
[ $# -eq 1 ] || {
	echo "usage: packaging/stage.sh DIR" >&2
	exit 2
}
root=$1
cd "$top"
cargo=${CARGO:-cargo}

# The version: [package] version in Cargo.toml.
version=$(awk '
	/^\[/ { in_pkg = ($0 == "[package]") }
	in_pkg && /^version[ \t]*=/ { gsub(/^version[ \t]*=[ \t]*"|".*$/, ""); print; exit }
' Cargo.toml)
[ -n "$version" ] || {
	echo "stage.sh: no version in Cargo.toml [package]" >&2
	exit 1
}

# 1. The static binary (build-static.sh also checks it is static and runs).
if [ -n "${JETPACK_PARTNER_BIN:-}" ]; then
	bin=$JETPACK_PARTNER_BIN
else
	bin=$("$here/build-static.sh" | tail -n 1)
fi
v=$("$bin" --version | head -n 1)
case $v in
"jetpack-partner $version" | "jetpack-partner $version "*) ;;
*)
	echo "stage.sh: $bin --version says '$v', Cargo.toml says $version" >&2
	exit 1
	;;
esac

# 2. The files.
mkdir -p "$root/man"
install -m 755 "$bin" "$root/jetpack-partner"
install -m 755 bin/partner-provision.sh bin/partner-cancel.sh "$here/install.sh" "$root/"
install -m 644 README.md LICENSE "$root/"
mkdir -p "$root/docs"
install -m 644 docs/*.md docs/*.png "$root/docs/"
install -m 644 "$here/man/partner-provision.1" "$here/man/partner-cancel.1" "$root/man/"

# 3. Man pages and completions, generated from the clap definitions.
"$cargo" run --quiet --locked --features gen --bin jetpack-partner-gen -- "$root" >&2
for f in man/jetpack-partner.1 completions/jetpack-partner.bash completions/_jetpack-partner completions/jetpack-partner.fish; do
	[ -s "$root/$f" ] || {
		echo "stage.sh: jetpack-partner-gen did not write $f" >&2
		exit 1
	}
done
chmod 644 "$root"/man/* "$root"/completions/*

# 4. What the binary bundles: the Rust crates it links and glibc.
"$cargo" metadata --locked --format-version 1 --filter-platform x86_64-unknown-linux-gnu |
	python3 "$here/third_party.py" >"$root/THIRD-PARTY.txt"
chmod 644 "$root/THIRD-PARTY.txt"
echo "stage.sh: jetpack-partner $version staged in $root" >&2
