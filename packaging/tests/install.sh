#!/bin/sh
# packaging/install.sh: into a fake Jetpack folder (wrappers replace the
# original scripts, kept as *.orig; a second run changes nothing; a Jetpack
# update putting the originals back is repaired by running it again;
# --uninstall restores the originals byte for byte), system-wide with
# --prefix (multi-call links, man pages, completions from a release-like
# folder), and its usage errors.
set -u
# shellcheck source-path=SCRIPTDIR
. "$(dirname -- "$0")/lib.sh"

bin=$(static_binary) || exit 1
inst=$TOP/packaging/install.sh

# listing DIR: path, type, mode and checksum of everything under DIR.
listing() {
	(cd "$1" && find . -print | LC_ALL=C sort | while IFS= read -r f; do
		if [ -L "$f" ]; then
			echo "$f link $(readlink "$f")"
		elif [ -d "$f" ]; then
			echo "$f dir $(stat -c %a "$f")"
		else
			echo "$f file $(stat -c %a "$f") $(sha256sum <"$f" | cut -d' ' -f1)"
		fi
	done)
}

# A Jetpack plugin folder with the original scripts (content doesn't matter,
# only that it comes back byte for byte).
jp=$WORK/site/wp-content/plugins/jetpack
mkdir -p "$jp/bin"
echo '<?php /* Plugin Name: Jetpack */' >"$jp/jetpack.php"
printf '#!/bin/sh\n# original partner-provision.sh\necho provision "$@"\n' >"$jp/bin/partner-provision.sh"
printf '#!/bin/sh\n# original partner-cancel.sh\necho cancel "$@"\n' >"$jp/bin/partner-cancel.sh"
chmod 755 "$jp/bin/partner-provision.sh" "$jp/bin/partner-cancel.sh"
echo '#!/bin/sh' >"$jp/bin/other-tool.sh"
listing "$jp" >"$WORK/before"
cp "$jp/bin/partner-provision.sh" "$WORK/orig-provision"
cp "$jp/bin/partner-cancel.sh" "$WORK/orig-cancel"

# --- install -----------------------------------------------------------------
"$inst" --jetpack-dir="$jp" --binary="$bin" >"$WORK/out" 2>&1
rc=$?
sed 's/^/#   /' "$WORK/out"
check "install exits 0" [ $rc -eq 0 ]
check "the binary is in bin/" cmp -s "$bin" "$jp/bin/jetpack-partner"
check "bin/partner-provision.sh is the wrapper" cmp -s "$TOP/bin/partner-provision.sh" "$jp/bin/partner-provision.sh"
check "bin/partner-cancel.sh is the wrapper" cmp -s "$TOP/bin/partner-cancel.sh" "$jp/bin/partner-cancel.sh"
check "the originals are kept as *.orig" sh -c "cmp -s '$WORK/orig-provision' '$jp/bin/partner-provision.sh.orig' && cmp -s '$WORK/orig-cancel' '$jp/bin/partner-cancel.sh.orig'"
check "other files are untouched" contains "$WORK/before" "./bin/other-tool.sh file 644 $(sha256sum <"$jp/bin/other-tool.sh" | cut -d' ' -f1)"

(cd / && "$jp/bin/partner-provision.sh" --help) >"$WORK/out" 2>"$WORK/err"
rc=$?
check "bin/partner-provision.sh --help runs the binary (exit 0)" [ $rc -eq 0 ]
check "  and prints the provision usage" contains "$WORK/out" "Usage: jetpack-partner provision"
"$jp/bin/partner-cancel.sh" --help >"$WORK/out" 2>"$WORK/err"
rc=$?
check "bin/partner-cancel.sh --help runs the binary (exit 0)" [ $rc -eq 0 ]
check "  and prints the cancel usage" contains "$WORK/out" "Usage: jetpack-partner cancel"

# --- again: nothing changes --------------------------------------------------
listing "$jp" >"$WORK/after1"
"$inst" --jetpack-dir="$jp" --binary="$bin" >"$WORK/out" 2>&1
rc=$?
listing "$jp" >"$WORK/after2"
check "a second install exits 0" [ $rc -eq 0 ]
check "  and changes nothing (checksum listing identical)" cmp -s "$WORK/after1" "$WORK/after2"
check "  and says it is up to date" contains "$WORK/out" "up to date"
"$inst" --jetpack-dir="$jp" --binary="$bin" --quiet >"$WORK/out" 2>&1
check "--quiet with nothing to do prints nothing" [ ! -s "$WORK/out" ]

# --- a Jetpack update puts the originals back and drops the binary -----------
rm -f "$jp/bin/jetpack-partner" "$jp/bin/"*.orig
cp "$WORK/orig-provision" "$jp/bin/partner-provision.sh"
cp "$WORK/orig-cancel" "$jp/bin/partner-cancel.sh"
"$inst" --jetpack-dir="$jp" --binary="$bin" --quiet >"$WORK/out" 2>&1
rc=$?
listing "$jp" >"$WORK/after3"
check "after a Jetpack update, install again restores the same state" sh -c "[ $rc -eq 0 ] && cmp -s '$WORK/after1' '$WORK/after3'"
check "  and --quiet still reports the changes" contains "$WORK/out" "installed $jp/bin/jetpack-partner"

# --- uninstall ---------------------------------------------------------------
"$inst" --jetpack-dir="$jp" --uninstall >"$WORK/out" 2>&1
rc=$?
listing "$jp" >"$WORK/after-uninstall"
check "uninstall exits 0" [ $rc -eq 0 ]
check "  and restores the folder byte for byte (modes included)" cmp -s "$WORK/before" "$WORK/after-uninstall"
[ $rc -eq 0 ] || sed 's/^/#   /' "$WORK/out"
diff "$WORK/before" "$WORK/after-uninstall" | sed 's/^/#   /'
"$inst" --jetpack-dir="$jp" --uninstall >"$WORK/out" 2>&1
check "a second uninstall exits 0 and says there is nothing to do" sh -c "[ $? -eq 0 ] && grep -q 'nothing to uninstall' '$WORK/out'"
listing "$jp" >"$WORK/after-uninstall2"
check "  and changes nothing" cmp -s "$WORK/before" "$WORK/after-uninstall2"

# --- a Jetpack without the scripts (newer versions): wrappers, no .orig -----
jp2=$WORK/jetpack-new
mkdir -p "$jp2"
echo '<?php' >"$jp2/jetpack.php"
"$inst" --jetpack-dir="$jp2" --binary="$bin" >"$WORK/out" 2>&1
check "Jetpack without bin/: install creates bin/ with binary and wrappers" sh -c "[ -x '$jp2/bin/jetpack-partner' ] && [ -x '$jp2/bin/partner-provision.sh' ] && [ ! -e '$jp2/bin/partner-provision.sh.orig' ]"
"$inst" --jetpack-dir="$jp2" --uninstall >"$WORK/out" 2>&1
check "  and uninstall removes them again" sh -c "[ -z \"\$(ls -A '$jp2/bin')\" ]"

# --- as root: new files get the Jetpack folder's owner (WordPress updates
# run as the web user and must be able to replace them) -------------------
if [ "$(id -u)" -eq 0 ]; then
	jp4=$WORK/jetpack-owned
	mkdir -p "$jp4/bin"
	echo '<?php' >"$jp4/jetpack.php"
	cp "$WORK/orig-provision" "$jp4/bin/partner-provision.sh"
	chown -R 65534:65534 "$jp4"
	"$inst" --jetpack-dir="$jp4" --binary="$bin" >"$WORK/out" 2>&1
	owners=$(stat -c %u:%g "$jp4/bin/jetpack-partner" "$jp4/bin/partner-provision.sh" "$jp4/bin/partner-cancel.sh" "$jp4/bin/partner-provision.sh.orig" | sort -u)
	check "as root: installed files belong to the Jetpack folder's owner ($owners)" [ "$owners" = 65534:65534 ]
fi

# --- system-wide --prefix, from a release-like folder --------------------------
rel=$WORK/release
mkdir -p "$rel/man" "$rel/completions"
cp "$inst" "$TOP/bin/partner-provision.sh" "$TOP/bin/partner-cancel.sh" "$rel/"
cp "$bin" "$rel/jetpack-partner"
# Every man page in man/ is installed, including ones this test (and
# install.sh) never heard of: "status" stands for a future subcommand.
pages='jetpack-partner jetpack-partner-provision jetpack-partner-cancel jetpack-partner-verify jetpack-partner-partner-key jetpack-partner-partner-key-new jetpack-partner-upgrade-paths jetpack-partner-status'
for m in $pages; do
	echo ".TH $m 1" >"$rel/man/$m.1"
done
echo '# bash' >"$rel/completions/jetpack-partner.bash"
echo '#compdef jetpack-partner' >"$rel/completions/_jetpack-partner"
echo '# fish' >"$rel/completions/jetpack-partner.fish"
pfx=$WORK/prefix
"$rel/install.sh" --prefix="$pfx" >"$WORK/out" 2>&1
rc=$?
sed 's/^/#   /' "$WORK/out"
check "--prefix install (binary found next to install.sh) exits 0" [ $rc -eq 0 ]
check "  puts the binary in PREFIX/bin" cmp -s "$bin" "$pfx/bin/jetpack-partner"
check "  links partner-provision and partner-cancel to it" sh -c "[ \"\$(readlink '$pfx/bin/partner-provision')\" = jetpack-partner ] && [ \"\$(readlink '$pfx/bin/partner-cancel')\" = jetpack-partner ]"
for m in $pages; do
	[ -f "$pfx/share/man/man1/$m.1" ] || echo "# missing: $pfx/share/man/man1/$m.1"
done >"$WORK/missing"
check "  installs all $(echo "$pages" | wc -w) man pages" [ ! -s "$WORK/missing" ]
cat "$WORK/missing"
check "  and lists what it installed in PREFIX/share/jetpack-partner/MANIFEST" sh -c "grep -qx 'file share/man/man1/jetpack-partner-status.1' '$pfx/share/jetpack-partner/MANIFEST' && grep -qx 'link bin/partner-cancel' '$pfx/share/jetpack-partner/MANIFEST' && grep -qx 'dir share/man/man1' '$pfx/share/jetpack-partner/MANIFEST'"
check "  and the completions" sh -c "[ -f '$pfx/share/bash-completion/completions/jetpack-partner' ] && [ -f '$pfx/share/zsh/site-functions/_jetpack-partner' ] && [ -f '$pfx/share/fish/vendor_completions.d/jetpack-partner.fish' ]"
PATH="$pfx/bin:/usr/bin:/bin" partner-provision --help >"$WORK/out" 2>&1
rc=$?
check "partner-provision (multi-call link) --help exits 0" [ $rc -eq 0 ]
check "  and shows the old script's usage" contains "$WORK/out" "Usage: partner-provision.sh"
PATH="$pfx/bin:/usr/bin:/bin" partner-cancel --partner_id=1 --partner_secret=2 --url=https://x.test --dry-run >"$WORK/out" 2>&1
rc=$?
check "partner-cancel (multi-call link) --dry-run exits 0 and acts as cancel" sh -c "[ $rc -eq 0 ] && grep -q partner-cancel '$WORK/out'"
# The wrappers in a Jetpack folder find the system-wide binary on PATH.
jp3=$WORK/jetpack-path
mkdir -p "$jp3/bin"
echo '<?php' >"$jp3/jetpack.php"
cp "$TOP/bin/partner-provision.sh" "$jp3/bin/"
PATH="$pfx/bin:/usr/bin:/bin" "$jp3/bin/partner-provision.sh" --help >"$WORK/out" 2>&1
check "a wrapper without a binary next to it runs PREFIX/bin/jetpack-partner" contains "$WORK/out" "Usage: jetpack-partner provision"

listing "$pfx" >"$WORK/p1"
"$rel/install.sh" --prefix="$pfx" >/dev/null 2>&1
listing "$pfx" >"$WORK/p2"
check "a second --prefix install changes nothing" cmp -s "$WORK/p1" "$WORK/p2"
# A release without a page an earlier one had: install removes it.
mv "$rel/man/jetpack-partner-status.1" "$WORK/status.1"
"$rel/install.sh" --prefix="$pfx" --quiet >"$WORK/out" 2>&1
check "an install without a page the last one had removes it" sh -c "[ $? -eq 0 ] && [ ! -e '$pfx/share/man/man1/jetpack-partner-status.1' ] && ! grep -q status '$pfx/share/jetpack-partner/MANIFEST'"
mv "$WORK/status.1" "$rel/man/jetpack-partner-status.1"
"$rel/install.sh" --prefix="$pfx" --quiet >/dev/null 2>&1
listing "$pfx" >"$WORK/p-again"
check "  and installing it again gives the same tree" cmp -s "$WORK/p1" "$WORK/p-again"

# A damaged manifest: uninstall refuses and removes nothing.
cp "$pfx/share/jetpack-partner/MANIFEST" "$WORK/manifest"
echo 'file ../../etc/passwd' >>"$pfx/share/jetpack-partner/MANIFEST"
"$rel/install.sh" --prefix="$pfx" --uninstall >"$WORK/out" 2>&1
rc=$?
cp "$WORK/manifest" "$pfx/share/jetpack-partner/MANIFEST"
listing "$pfx" >"$WORK/p-damaged"
check "a manifest line leaving the prefix: uninstall exits 1 and removes nothing" sh -c "[ $rc -eq 1 ] && grep -q 'not a manifest entry' '$WORK/out' && cmp -s '$WORK/p1' '$WORK/p-damaged'"

"$rel/install.sh" --prefix="$pfx" --uninstall >"$WORK/out" 2>&1
rc=$?
left=$(find "$pfx" -mindepth 1)
check "--prefix --uninstall exits 0 and leaves the prefix empty (find -mindepth 1 prints nothing)" sh -c "[ $rc -eq 0 ] && [ -z '$left' ]"
[ -n "$left" ] && echo "# left: $left"
"$rel/install.sh" --prefix="$pfx" --uninstall >"$WORK/out" 2>&1
check "a second --prefix --uninstall exits 0 and says there is nothing to do" sh -c "[ $? -eq 0 ] && grep -q 'nothing to uninstall' '$WORK/out'"

# Only what the manifest lists goes: a file of someone else's in a folder
# install created stays, and so does that folder.
"$rel/install.sh" --prefix="$pfx" --quiet >/dev/null 2>&1
echo other >"$pfx/share/man/man1/other-tool.1"
"$rel/install.sh" --prefix="$pfx" --uninstall >"$WORK/out" 2>&1
left=$(cd "$pfx" && find . -mindepth 1 | LC_ALL=C sort | tr '\n' ' ')
check "--uninstall keeps a file it did not install, and the folders holding it" [ "$left" = "./share ./share/man ./share/man/man1 ./share/man/man1/other-tool.1 " ]
rm -rf "$pfx"

# An install from before the manifest: uninstall falls back to the list of
# what those versions installed, and says so.
"$rel/install.sh" --prefix="$pfx" --quiet >/dev/null 2>&1
rm "$pfx/share/man/man1/jetpack-partner-status.1" "$pfx/share/jetpack-partner/MANIFEST"
"$rel/install.sh" --prefix="$pfx" --uninstall >"$WORK/out" 2>&1
rc=$?
left=$(find "$pfx" ! -type d)
check "no manifest (older install): uninstall removes the known files and notes it" sh -c "[ $rc -eq 0 ] && [ -z '$left' ] && grep -q 'note: no .*MANIFEST' '$WORK/out'"
[ -n "$left" ] && echo "# left: $left"

# A file of ours that is not a link must not be clobbered.
mkdir -p "$WORK/p3/bin"
echo keep >"$WORK/p3/bin/partner-provision"
"$inst" --prefix="$WORK/p3" --binary="$bin" >"$WORK/out" 2>&1
rc=$?
check "--prefix refuses to replace a foreign partner-provision (exit 1, file kept)" sh -c "[ $rc -eq 1 ] && grep -qx keep '$WORK/p3/bin/partner-provision'"
check "  before installing anything" [ ! -e "$WORK/p3/bin/jetpack-partner" ]

# --- errors ------------------------------------------------------------------
"$inst" >"$WORK/out" 2>&1
check "no arguments: usage error, exit 2" sh -c "[ $? -eq 2 ] && grep -q -- --jetpack-dir '$WORK/out'"
"$inst" --jetpack-dir="$jp" --bogus >"$WORK/out" 2>&1
check "unknown argument: exit 2" [ $? -eq 2 ]
"$inst" --help >"$WORK/out" 2>&1
check "--help: exit 0 with usage" sh -c "[ $? -eq 0 ] && grep -q Usage '$WORK/out'"
"$inst" --jetpack-dir="$WORK/nope" --binary="$bin" >"$WORK/out" 2>&1
check "a missing folder: exit 1 and says so" sh -c "[ $? -eq 1 ] && grep -q 'no such folder' '$WORK/out'"
mkdir -p "$WORK/notjetpack"
"$inst" --jetpack-dir="$WORK/notjetpack" --binary="$bin" >"$WORK/out" 2>&1
check "a folder that is not Jetpack: exit 1 and says so" sh -c "[ $? -eq 1 ] && grep -q 'does not look like the Jetpack plugin folder' '$WORK/out'"
"$inst" --jetpack-dir="$jp" --binary="$WORK/nope" >"$WORK/out" 2>&1
check "a missing binary: exit 1 and says so" sh -c "[ $? -eq 1 ] && grep -q 'binary not found' '$WORK/out'"
"$inst" --jetpack-dir="$jp" --binary="$jp/jetpack.php" >"$WORK/out" 2>&1
check "a binary that is not jetpack-partner: exit 1" [ $? -eq 1 ]
listing "$jp" >"$WORK/after-errors"
check "failed installs left the Jetpack folder untouched" cmp -s "$WORK/before" "$WORK/after-errors"

finish
