#!/usr/bin/env bash
# Audit benchmark (SPEC §11): `audit` over a fleet of N sites (one status
# each) and M billed activations (every page of the partner report), the
# goal being a peak RSS under 100 MiB for 10 000 sites and 20 000
# activations: the activations are matched page by page, never held whole.
# Against the bundled fake WordPress.com API over TLS on 127.0.0.1 (stateful
# mode, `--plant-activations M` on https://planted-K.example.net); the sites
# are named by URL (`--batch` lines without a path: no WordPress is asked),
# the first N of the planted ones, so every activation past N is a
# `billed_without_local_site` finding.
#
#   bash bench/audit.sh                               # 10 000 sites, 20 000 activations
#   bash bench/audit.sh --sites 1000 --activations 2000   # quick look
#
# Options (flag / environment, default):
#   --sites N        BENCH_AUDIT_SITES        10000
#   --activations M  BENCH_AUDIT_ACTIVATIONS  20000
#   --jobs J         BENCH_AUDIT_JOBS         16
#   --format F       BENCH_AUDIT_FORMAT       json  (html keeps every finding for the page)
#   --no-build       BENCH_NO_BUILD=1         use the binaries in target/release
#
# Prints one Markdown table row: sites, activations, findings, wall time,
# peak RSS (GNU time's %M, else polled VmHWM), and whether the 100 MiB goal
# is met. Exits 1 if the audit fails.
set -euo pipefail
export LC_ALL=C

die() {
	echo "bench: $*" >&2
	exit 1
}

SITES=${BENCH_AUDIT_SITES:-10000}
ACTIVATIONS=${BENCH_AUDIT_ACTIVATIONS:-20000}
JOBS=${BENCH_AUDIT_JOBS:-16}
FORMAT=${BENCH_AUDIT_FORMAT:-json}
NO_BUILD=${BENCH_NO_BUILD:-}
while [[ $# -gt 0 ]]; do
	case $1 in
	--sites) SITES=$2; shift 2 ;;
	--activations) ACTIVATIONS=$2; shift 2 ;;
	--jobs) JOBS=$2; shift 2 ;;
	--format) FORMAT=$2; shift 2 ;;
	--no-build) NO_BUILD=1; shift ;;
	*) die "unknown option $1 (see the top of $0)" ;;
	esac
done

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
target_dir=${CARGO_TARGET_DIR:-$top/target}
if [[ -z $NO_BUILD ]]; then
	cargo build --quiet --release --locked --bin jetpack-partner --example fake-api
fi
bin=$target_dir/release/jetpack-partner
fake=$target_dir/release/examples/fake-api
[[ -x $bin && -x $fake ]] || die "build first (cargo build --release --bin jetpack-partner --example fake-api)"

tmp=$(mktemp -d)
fake_pid=
cleanup() {
	[[ -n $fake_pid ]] && kill "$fake_pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

token=bench-reporting-token-0000
printf '%s\n' "$token" >"$tmp/reporting-token"
chmod 600 "$tmp/reporting-token"
"$fake" --tls --reporting-token "$token" --partner-key-id 7 \
	--plant-activations "$ACTIVATIONS" --exit-after 3600 >"$tmp/env" 2>/dev/null &
fake_pid=$!
for _ in $(seq 200); do
	grep -q '^export SSL_CERT_FILE=' "$tmp/env" 2>/dev/null && break
	sleep 0.05
done
grep -q '^export SSL_CERT_FILE=' "$tmp/env" || die "the fake API did not start"
API_HOST=$(sed -n "s/^export JETPACK_START_API_HOST=//p" "$tmp/env" | sed "s/^'\(.*\)'\$/\1/")
CACERT=$(sed -n "s/^export SSL_CERT_FILE=//p" "$tmp/env" | sed "s/^'\(.*\)'\$/\1/")
export JETPACK_START_API_HOST=$API_HOST SSL_CERT_FILE=$CACERT

for ((k = 1; k <= SITES; k++)); do
	printf '{"url":"https://planted-%d.example.net"}\n' "$k"
done >"$tmp/sites.jsonl"

run=(env JETPACK_PARTNER_SECRET='s3cr&t x' "$bin" audit --partner_id=1
	--batch="$tmp/sites.jsonl" --jobs="$JOBS" --quiet --format="$FORMAT"
	--reporting-token-file="$tmp/reporting-token" --partner-key-id=7 --summary=json)
start=$EPOCHREALTIME
if [[ -x /usr/bin/time ]] && /usr/bin/time -f %M -o /dev/null true 2>/dev/null; then
	status=0
	/usr/bin/time -f %M -o "$tmp/rss" "${run[@]}" >"$tmp/out" 2>"$tmp/err" || status=$?
	rss_kib=$(tail -n 1 "$tmp/rss")
else
	"${run[@]}" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	rss_kib=0
	while kill -0 "$pid" 2>/dev/null; do
		now=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
		((now > rss_kib)) && rss_kib=$now
		sleep 0.05
	done
	status=0
	wait "$pid" || status=$?
fi
end=$EPOCHREALTIME
[[ $status -eq 0 ]] || { cat "$tmp/err" >&2; die "audit exited $status"; }
findings=$(sed -n 's/.*"findings":\([0-9]*\).*/\1/p' "$tmp/err" | tail -n 1)
wall_ms=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%d", (e - s) * 1000 }')
rss_mib=$(awk -v k="$rss_kib" 'BEGIN { printf "%.1f", k / 1024 }')
met=$(awk -v k="$rss_kib" 'BEGIN { print (k < 100 * 1024) ? "met" : "**not met**" }')
echo "| sites | activations | format | findings | wall | peak RSS | < 100 MiB |"
echo "|---:|---:|---|---:|---:|---:|---|"
echo "| $SITES | $ACTIVATIONS | $FORMAT | $findings | ${wall_ms} ms | ${rss_mib} MiB | $met |"
echo "summary: $(tail -n 1 "$tmp/err")"
