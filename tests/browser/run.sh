#!/usr/bin/env bash
# The browser tier: the audit's HTML page checked in headless chromium
# (tests/browser/check-report.sh says what is checked).
#
#   tests/browser/run.sh OUT_DIR
#
# Renders the hostile fixture (every finding kind, names with markup,
# terminal controls and bidi overrides) through the crate's own renderer,
# checks it, and leaves the page and its screenshot in OUT_DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:?usage: $0 OUT_DIR}
mkdir -p "$out"
cd "$top"
cargo run --quiet --locked --example audit-html -- tests/browser/fixture.jsonl "$out/audit-fixture.html"
tests/browser/check-report.sh "$out/audit-fixture.html" "$out/audit-fixture.png" tests/browser/fixture.expect
echo "browser: fixture page checked; $out/audit-fixture.png"
