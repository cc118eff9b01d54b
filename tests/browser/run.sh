#!/usr/bin/env bash
# The browser tier: the audit's HTML page checked in headless chromium
# (tests/browser/check-report.sh says what is checked).
#
#   tests/browser/run.sh OUT_DIR
#
# Renders the hostile fixture (every finding kind, names with markup,
# terminal controls and bidi overrides) through the crate's own renderer,
# then a real `audit --format=html` run against the demo fake API (billed
# activations of sites that are not here), checks both, and leaves the pages
# and their screenshots in OUT_DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:?usage: $0 OUT_DIR}
mkdir -p "$out"
cd "$top"
cargo run --quiet --locked --example audit-html -- tests/browser/fixture.jsonl "$out/audit-fixture.html"
tests/browser/check-report.sh "$out/audit-fixture.html" "$out/audit-fixture.png" tests/browser/fixture.expect
echo "browser: fixture page checked; $out/audit-fixture.png"

# The real thing: the binary's own page, from the fake API's billing.
cargo build --quiet --locked --bin jetpack-partner --example fake-api
target=${CARGO_TARGET_DIR:-$top/target}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(umask 077; printf 'browser-reporting-token\n' >"$work/token")
printf '{"url":"https://planted-1.example.net"}\n' >"$work/sites.jsonl"
printf '%s\n' https://planted-1.example.net https://planted-2.example.net https://planted-3.example.net >"$work/expect"
JETPACK_PARTNER_SECRET='s3cr&t x' "$target/debug/examples/fake-api" \
    --reporting-token browser-reporting-token --partner-key-id 7 --plant-activations 3 --exit-after 120 \
    run "$target/debug/jetpack-partner" audit --partner_id=1 --batch="$work/sites.jsonl" \
    --reporting-token-file="$work/token" --partner-key-id=7 --format=html --quiet \
    >"$out/audit.html" 2>"$work/log"  || { cat "$work/log" >&2; exit 1; }
tests/browser/check-report.sh "$out/audit.html" "$out/audit.png" "$work/expect"
echo "browser: audit --format=html checked; $out/audit.png"
