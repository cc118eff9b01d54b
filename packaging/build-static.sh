#!/bin/sh
# Build the release binary as one statically linked x86_64 Linux executable
# (glibc, +crt-static), stripped and size-optimised ([profile.release] in
# Cargo.toml). Prints the binary's path as the last line of stdout.
#
#   packaging/build-static.sh            # build, print the path
#   CARGO=... CARGO_TARGET_DIR=... packaging/build-static.sh
#   PIE=yes packaging/build-static.sh    # static PIE: ASLR for the program
#                                        # image too, ~100 KB larger
#
# The default is a classic static executable: file(1) says "statically
# linked" on every distribution (a static PIE shows as "static-pie linked",
# or "dynamically linked" with file < 5.39, which confuses fleet audits),
# and it keeps the binary well under the 4 MiB budget.
#
# --target is required: with it, RUSTFLAGS apply to the binary only and not
# to build scripts and proc-macros (which cannot be linked statically).
set -eu

TARGET=x86_64-unknown-linux-gnu
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
top=$(CDPATH='' cd -- "$here/.." && pwd)
cargo=${CARGO:-cargo}

cd "$top"
if ! command -v "$cargo" >/dev/null 2>&1; then
	echo "build-static.sh: cargo not found (set CARGO or install Rust)" >&2
	exit 1
fi

# Keep any RUSTFLAGS the caller set, add static linking.
RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }-C target-feature=+crt-static"
case ${PIE:-no} in
no | 0 | false) RUSTFLAGS="$RUSTFLAGS -C relocation-model=static" ;;
esac
export RUSTFLAGS

echo "build-static.sh: cargo build --release --locked --target $TARGET (RUSTFLAGS=$RUSTFLAGS)" >&2
"$cargo" build --release --locked --target "$TARGET" --bin jetpack-partner >&2

target_dir=${CARGO_TARGET_DIR:-$top/target}
case $target_dir in /*) ;; *) target_dir=$top/$target_dir ;; esac
bin=$target_dir/$TARGET/release/jetpack-partner
if [ ! -x "$bin" ]; then
	echo "build-static.sh: expected binary not found at $bin" >&2
	exit 1
fi

# Check what we built: static, and it runs.
if command -v file >/dev/null 2>&1; then
	desc=$(file -b "$bin")
	echo "build-static.sh: $desc" >&2
	case $desc in
	*"statically linked"* | *"static-pie linked"*) ;;
	*)
		echo "build-static.sh: $bin is not statically linked" >&2
		exit 1
		;;
	esac
elif command -v ldd >/dev/null 2>&1 && ldd "$bin" 2>/dev/null | grep -q '=>'; then
	echo "build-static.sh: $bin links shared libraries:" >&2
	ldd "$bin" >&2
	exit 1
fi
version=$("$bin" --version)
size=$(wc -c <"$bin" | tr -d ' ')
echo "build-static.sh: $version, $size bytes" >&2
echo "$bin"
