#!/bin/sh
# packaging/release.sh end to end: the archive has the expected layout,
# SHA256SUMS covers it and the .deb and .rpm and verifies, the signature
# (a throwaway ed25519 key of this test's, its own allowed_signers) verifies
# with `ssh-keygen -Y verify` and a tampered SHA256SUMS does not, a key
# allowed_signers does not list fails the release; the binary in the
# archive is static and runs, the man pages render, the completions load,
# and the install.sh inside it installs system-wide from the extracted
# folder. (The packages themselves: packages.sh.)
set -u
# shellcheck source-path=SCRIPTDIR
. "$(dirname -- "$0")/lib.sh"

# A throwaway signing key, and an allowed_signers file that lists it.
ssh-keygen -q -t ed25519 -N '' -C 'release.sh test' -f "$WORK/key"
printf 'release@jetpack-partner namespaces="file" %s\n' "$(cut -d' ' -f1,2 "$WORK/key.pub")" >"$WORK/allowed_signers"

dist=$WORK/dist
DIST=$dist JETPACK_PARTNER_SIGNING_KEY=$WORK/key JETPACK_PARTNER_ALLOWED_SIGNERS=$WORK/allowed_signers \
	"$TOP/packaging/release.sh" >"$WORK/release.out" 2>"$WORK/release.err"
rc=$?
check "release.sh exits 0" [ $rc -eq 0 ]
[ $rc -eq 0 ] || {
	tail -30 "$WORK/release.err" | sed 's/^/#   /'
	finish
}
tarball=$(tail -n 1 "$WORK/release.out")
version=$(awk '/^\[/ { p = ($0 == "[package]") } p && /^version/ { gsub(/^version[ \t]*=[ \t]*"|".*$/, ""); print; exit }' "$TOP/Cargo.toml")
name=jetpack-partner-$version
check "the archive is dist/$name-x86_64-linux.tar.gz" [ "$tarball" = "$dist/$name-x86_64-linux.tar.gz" ]
check "SHA256SUMS verifies it" sh -c "cd '$dist' && sha256sum -c --status SHA256SUMS"
check "SHA256SUMS covers the tarball" contains "$dist/SHA256SUMS" "  $name-x86_64-linux.tar.gz"
check "SHA256SUMS covers the .deb" contains "$dist/SHA256SUMS" "  jetpack-partner_${version}-1_amd64.deb"
check "SHA256SUMS covers the .rpm" contains "$dist/SHA256SUMS" "  jetpack-partner-${version}-1.x86_64.rpm"
check "SHA256SUMS has those three lines" [ "$(wc -l <"$dist/SHA256SUMS")" -eq 3 ]

# The signature, verified as docs/install.md tells users to.
# shellcheck disable=SC2317 # called through check
verify() {
	ssh-keygen -Y verify -f "$WORK/allowed_signers" -I release@jetpack-partner -n file -s "$dist/SHA256SUMS.sig" <"$1" >"$WORK/verify.out" 2>&1
}
check "SHA256SUMS.sig was written" [ -s "$dist/SHA256SUMS.sig" ]
check "ssh-keygen -Y verify accepts it" verify "$dist/SHA256SUMS"
sed 's/^/#   /' "$WORK/verify.out"
case $(head -c 1 "$dist/SHA256SUMS") in 0) digit=1 ;; *) digit=0 ;; esac
sed "1s/^./$digit/" "$dist/SHA256SUMS" >"$WORK/tampered"
check "a SHA256SUMS with one digit changed does not verify" sh -c "! cmp -s '$dist/SHA256SUMS' '$WORK/tampered' && ! ssh-keygen -Y verify -f '$WORK/allowed_signers' -I release@jetpack-partner -n file -s '$dist/SHA256SUMS.sig' <'$WORK/tampered' >/dev/null 2>&1"
check "nor under another identity" sh -c "! ssh-keygen -Y verify -f '$WORK/allowed_signers' -I someone@else -n file -s '$dist/SHA256SUMS.sig' <'$dist/SHA256SUMS' >/dev/null 2>&1"
check "nor in another namespace" sh -c "! ssh-keygen -Y verify -f '$WORK/allowed_signers' -I release@jetpack-partner -n git -s '$dist/SHA256SUMS.sig' <'$dist/SHA256SUMS' >/dev/null 2>&1"
check "the repo's allowed_signers parses (comments only until a key is added)" \
	sh -c "! grep -v '^#' '$TOP/packaging/allowed_signers' | grep -v '^release@jetpack-partner namespaces=\"file\" ssh-' | grep ."

# A key the allowed_signers file does not list: no signature is published.
ssh-keygen -q -t ed25519 -N '' -f "$WORK/other-key"
DIST=$WORK/dist2 PACKAGES=no JETPACK_PARTNER_SIGNING_KEY=$WORK/other-key JETPACK_PARTNER_ALLOWED_SIGNERS=$WORK/allowed_signers \
	"$TOP/packaging/release.sh" >"$WORK/release2.out" 2>"$WORK/release2.err"
rc=$?
check "release.sh with a key allowed_signers does not list exits 1" [ $rc -eq 1 ]
check "  and says to add the key's line" contains "$WORK/release2.err" "the signature does not verify as release@jetpack-partner"
check "  and leaves no SHA256SUMS.sig" [ ! -e "$WORK/dist2/SHA256SUMS.sig" ]
check "PACKAGES=no: the archive alone, with SHA256SUMS" sh -c \
	"[ \$(ls '$WORK/dist2' | wc -l) -eq 2 ] && [ -f '$WORK/dist2/$name-x86_64-linux.tar.gz' ] && [ -f '$WORK/dist2/SHA256SUMS' ]"

tar -tzf "$tarball" | LC_ALL=C sort >"$WORK/list"
for f in jetpack-partner install.sh partner-provision.sh partner-cancel.sh README.md LICENSE THIRD-PARTY.txt \
	docs/install.md docs/errors.md docs/fleets.md docs/audit.png \
	man/jetpack-partner.1 man/jetpack-partner-provision.1 man/jetpack-partner-cancel.1 \
	man/partner-provision.1 man/partner-cancel.1 \
	completions/jetpack-partner.bash completions/_jetpack-partner completions/jetpack-partner.fish; do
	check "the archive holds $name/$f" grep -qx "$name/$f" "$WORK/list"
done
check "everything is under $name/" sh -c "! grep -v '^$name/' '$WORK/list'"

mkdir -p "$WORK/x"
tar -xzf "$tarball" -C "$WORK/x"
r=$WORK/x/$name
check "the binary is static" sh -c "file -b '$r/jetpack-partner' | grep -Eq 'statically linked|static-pie linked'"
check "the binary reports version $version" sh -c "'$r/jetpack-partner' --version | head -n 1 | grep -qx 'jetpack-partner $version.*'"
# The size budget (4 MiB, the project's, unless MAX_BINARY_BYTES says otherwise).
max=${MAX_BINARY_BYTES:-4194304}
check "its size is at most $max bytes ($(wc -c <"$r/jetpack-partner" | tr -d ' ') bytes)" [ "$(wc -c <"$r/jetpack-partner")" -le "$max" ]
check "LICENSE is GPL-2.0-or-later" sh -c "grep -q 'GPL-2.0-or-later' '$r/LICENSE' && grep -q 'Version 2, June 1991' '$r/LICENSE'"
check "the wrapper next to the binary runs it" sh -c "'$r/partner-provision.sh' --help | grep -q 'Usage: jetpack-partner provision'"

# The man pages: generated from clap, so every provision flag is in there.
check "jetpack-partner-provision.1 documents --partner_secret_file" grep -q 'partner_secret_file' "$r/man/jetpack-partner-provision.1"
if command -v man >/dev/null 2>&1; then
	check "man renders jetpack-partner.1" sh -c "MANWIDTH=80 man -l '$r/man/jetpack-partner.1' 2>/dev/null | grep -q 'EXIT STATUS'"
fi
if command -v bash >/dev/null 2>&1; then
	check "the bash completion loads and registers jetpack-partner" bash -c ". '$r/completions/jetpack-partner.bash' && complete -p jetpack-partner >/dev/null"
fi
if command -v zsh >/dev/null 2>&1; then
	check "the zsh completion parses" zsh -n "$r/completions/_jetpack-partner"
fi
if command -v fish >/dev/null 2>&1; then
	check "the fish completion parses" fish --no-execute "$r/completions/jetpack-partner.fish"
fi

# install.sh from the archive: the binary next to it is the default.
"$r/install.sh" --prefix="$WORK/prefix" >"$WORK/out" 2>&1
rc=$?
check "install.sh --prefix from the extracted archive exits 0" [ $rc -eq 0 ]
check "  and installs binary, man pages and completions" sh -c "[ -x '$WORK/prefix/bin/jetpack-partner' ] && [ -f '$WORK/prefix/share/man/man1/jetpack-partner-cancel.1' ] && [ -f '$WORK/prefix/share/zsh/site-functions/_jetpack-partner' ]"
pages=$(cd "$r/man" && ls)
inst_pages=$(cd "$WORK/prefix/share/man/man1" && ls)
check "  every man page of the archive ($(echo "$pages" | wc -w))" [ "$pages" = "$inst_pages" ]
"$r/install.sh" --prefix="$WORK/prefix" --uninstall >"$WORK/out" 2>&1
rc=$?
left=$(find "$WORK/prefix" -mindepth 1)
check "install.sh --prefix --uninstall exits 0 and leaves the prefix empty" sh -c "[ $rc -eq 0 ] && [ -z '$left' ]"
[ -n "$left" ] && echo "# left: $left"

finish
