#!/usr/bin/env bash
# Fleet benchmark (SPEC §8): a multisite network provisioned with
# `--all-sites` (one `wp eval` for the whole network, then the API calls
# `--jobs` at a time, one token) against a loop of single
# `jetpack-partner provision --url=…` runs, and a 10 000-line `--batch`
# (peak memory, per-line overhead). Everything runs against the bundled fake
# WordPress.com API over TLS on 127.0.0.1 (`--canned`, added latency per
# reply, request/connection/handshake counts from its --stats-file) and a
# fake `wp` (sh) that sleeps like PHP: one bootstrap, plus a small cost per
# site for the network eval, and answers that eval with N sites.
#
#   bash bench/fleet.sh                   # defaults below (about 6 minutes, 3½ of them the 500-site loop)
#   bash bench/fleet.sh --sizes 50 --jobs 8 --runs 1 --batch-lines 1000   # quick look
#   bash bench/run.sh fleet [options]     # the same, through run.sh
#
# Options (flag / environment, default):
#   --sizes "N …"        BENCH_FLEET_SIZES        "50 500"  network sizes (sites)
#   --jobs "J …"         BENCH_FLEET_JOBS         "4 8 16 64" --jobs values for --all-sites
#   --runs N             BENCH_FLEET_RUNS         3     timed --all-sites runs per row (after 1 warm-up)
#   --latency-ms N       BENCH_LATENCY_MS         50    added to every API reply
#   --wp-delay-ms N      BENCH_WP_DELAY_MS        300   fake wp's bootstrap sleep per process
#   --wp-site-ms N       BENCH_WP_SITE_MS         2     fake wp's extra sleep per site in the network eval
#   --loop-sites N       BENCH_FLEET_LOOP_SITES   0     single runs in the loop; 0: every site of the
#                                                       network (N × ~400 ms); fewer: extrapolated, marked ≈
#   --batch-lines N      BENCH_FLEET_BATCH_LINES  10000 lines of the --batch rows (0: no batch rows)
#   --batch-jobs N       BENCH_FLEET_BATCH_JOBS   64    --jobs of the --batch rows (64, the most
#                                                       allowed: the most connections and memory)
#   --batch-wp-delay-ms N BENCH_FLEET_BATCH_WP_DELAY_MS 0 fake wp's sleep per line in the --batch rows
#   --out FILE           BENCH_OUT                bench/results/fleet.md (the table; gitignored)
#   --no-build           BENCH_NO_BUILD=1         off   use the binaries already in target/release
#
# Rows: `provision --all-sites` per size × jobs (wall median, wp processes,
# requests, TCP connections, TLS handshakes, peak RSS); the loop of single
# runs per size; `--batch` of --batch-lines lines: provision (a wp eval per
# line + API), provision --dry-run (wp, no API), cancel --dry-run with
# blog_id lines (no wp, no API: the tool's own per-line cost) and the same
# with 10 × the lines (how peak RSS grows per line), cancel with blog_id
# lines (API only); and the cancel dry run fed on stdin that stays open
# until every result is out (streamed, not loaded whole). A control run of
# the largest network at the most jobs against a second fake API with 0 ms
# latency shows what the requests cost in CPU on this machine.
#
# Targets (each printed met / **not met**): wp processes ≤ 2 per network;
# --all-sites wall ≤ 1.10 × (bootstrap + ⌈N/jobs⌉ × latency), the bootstrap
# being the one wp process (wp-delay-ms + N × wp-site-ms; the token call runs
# meanwhile); peak RSS of the --batch rows ≤ 50 MiB;
# every result line of the stdin batch out before its input ends.
#
# Needs: cargo, GNU coreutils, bash >= 5; /usr/bin/time (Debian: apt-get
# install time) for peak RSS and CPU time — without it peak RSS is polled
# from /proc/PID/status (VmHWM) and CPU time is not shown. Everything listens
# on 127.0.0.1 only. Prints a Markdown table; exits 1 if any run fails (a
# target not met is reported, not an error). Other load on the machine
# skews wall times: the load average is printed with the results.
set -euo pipefail
export LC_ALL=C

die() {
	echo "bench: $*" >&2
	exit 1
}

usage() {
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

# ---------------------------------------------------------------- options
SIZES=${BENCH_FLEET_SIZES:-"50 500"}
JOBS=${BENCH_FLEET_JOBS:-"4 8 16 64"}
RUNS=${BENCH_FLEET_RUNS:-3}
LATENCY_MS=${BENCH_LATENCY_MS:-50}
WP_DELAY_MS=${BENCH_WP_DELAY_MS:-300}
WP_SITE_MS=${BENCH_WP_SITE_MS:-2}
LOOP_SITES=${BENCH_FLEET_LOOP_SITES:-0}
BATCH_LINES=${BENCH_FLEET_BATCH_LINES:-10000}
BATCH_JOBS=${BENCH_FLEET_BATCH_JOBS:-64}
BATCH_WP_DELAY_MS=${BENCH_FLEET_BATCH_WP_DELAY_MS:-0}
OUT=${BENCH_OUT:-}
case ${BENCH_NO_BUILD:-0} in 1 | yes | true) BUILD=0 ;; *) BUILD=1 ;; esac

while (($#)); do
	case $1 in
	--sizes) SIZES=${2:?--sizes needs numbers}; shift 2 ;;
	--sizes=*) SIZES=${1#*=}; shift ;;
	--jobs) JOBS=${2:?--jobs needs numbers}; shift 2 ;;
	--jobs=*) JOBS=${1#*=}; shift ;;
	--runs | -n) RUNS=${2:?--runs needs a number}; shift 2 ;;
	--runs=*) RUNS=${1#*=}; shift ;;
	--latency-ms) LATENCY_MS=${2:?--latency-ms needs a number}; shift 2 ;;
	--latency-ms=*) LATENCY_MS=${1#*=}; shift ;;
	--wp-delay-ms) WP_DELAY_MS=${2:?--wp-delay-ms needs a number}; shift 2 ;;
	--wp-delay-ms=*) WP_DELAY_MS=${1#*=}; shift ;;
	--wp-site-ms) WP_SITE_MS=${2:?--wp-site-ms needs a number}; shift 2 ;;
	--wp-site-ms=*) WP_SITE_MS=${1#*=}; shift ;;
	--loop-sites) LOOP_SITES=${2:?--loop-sites needs a number}; shift 2 ;;
	--loop-sites=*) LOOP_SITES=${1#*=}; shift ;;
	--batch-lines) BATCH_LINES=${2:?--batch-lines needs a number}; shift 2 ;;
	--batch-lines=*) BATCH_LINES=${1#*=}; shift ;;
	--batch-jobs) BATCH_JOBS=${2:?--batch-jobs needs a number}; shift 2 ;;
	--batch-jobs=*) BATCH_JOBS=${1#*=}; shift ;;
	--batch-wp-delay-ms) BATCH_WP_DELAY_MS=${2:?--batch-wp-delay-ms needs a number}; shift 2 ;;
	--batch-wp-delay-ms=*) BATCH_WP_DELAY_MS=${1#*=}; shift ;;
	--no-build) BUILD=0; shift ;;
	--out) OUT=${2:?--out needs a file}; shift 2 ;;
	--out=*) OUT=${1#*=}; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; die "unknown argument: $1" ;;
	esac
done

number() { # name value min max
	if ! [[ $2 =~ ^[0-9]{1,9}$ ]] || ((10#$2 < $3 || 10#$2 > $4)); then
		die "$1=$2: want a whole number from $3 to $4"
	fi
}
numbers() { # name "list" min max -> the list, checked and normalised
	local v list=()
	for v in $2; do
		number "$1" "$v" "$3" "$4"
		list+=($((10#$v)))
	done
	((${#list[@]})) || die "$1: give at least one number"
	echo "${list[*]}"
}
SIZES=$(numbers sizes "$SIZES" 1 100000)
JOBS=$(numbers jobs "$JOBS" 1 64)
number runs "$RUNS" 1 1000
number latency-ms "$LATENCY_MS" 0 60000
number wp-delay-ms "$WP_DELAY_MS" 0 60000
number wp-site-ms "$WP_SITE_MS" 0 1000
number loop-sites "$LOOP_SITES" 0 100000
number batch-lines "$BATCH_LINES" 0 10000000
number batch-jobs "$BATCH_JOBS" 1 64
number batch-wp-delay-ms "$BATCH_WP_DELAY_MS" 0 60000
RUNS=$((10#$RUNS)) LATENCY_MS=$((10#$LATENCY_MS)) WP_DELAY_MS=$((10#$WP_DELAY_MS))
WP_SITE_MS=$((10#$WP_SITE_MS)) LOOP_SITES=$((10#$LOOP_SITES)) BATCH_LINES=$((10#$BATCH_LINES))
BATCH_JOBS=$((10#$BATCH_JOBS)) BATCH_WP_DELAY_MS=$((10#$BATCH_WP_DELAY_MS))

[[ -n ${EPOCHREALTIME:-} ]] || die "needs bash >= 5 (EPOCHREALTIME); this is bash $BASH_VERSION"
command -v cargo >/dev/null 2>&1 || die "cargo not found; install Rust (https://rustup.rs)"
TIME_BIN=
if [[ -x /usr/bin/time ]] && /usr/bin/time -f %M -o /dev/null true 2>/dev/null; then
	TIME_BIN=/usr/bin/time
else
	echo "bench: /usr/bin/time (GNU) not found: peak RSS polled from /proc/PID/status, no CPU times (apt-get install time)" >&2
fi

top=$(CDPATH='' cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
OUT=${OUT:-$top/bench/results/fleet.md}
started=$SECONDS

# ------------------------------------------------------ clean-up, temp dir
tmp=
api_pid=
api0_pid=
run_pid=
cleanup() {
	if [[ -n $run_pid ]]; then
		kill "$run_pid" 2>/dev/null || true
		wait "$run_pid" 2>/dev/null || true
	fi
	local p
	for p in "$api_pid" "$api0_pid"; do
		[[ -n $p ]] || continue
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	[[ -n $tmp && -d $tmp ]] && rm -rf -- "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jetpack-partner-fleet.XXXXXX")

# ------------------------------------------------------------ build, machine
if ((BUILD)); then
	echo "bench: cargo build --release --bins --examples" >&2
	cargo build --release --bins --examples >&2
fi
target_dir=${CARGO_TARGET_DIR:-$top/target}
[[ $target_dir == /* ]] || target_dir=$top/$target_dir
for b in release/jetpack-partner release/examples/fake-api; do
	[[ -x $target_dir/$b ]] || die "$target_dir/$b not built; run without --no-build"
done
# Run copies: a concurrent build must not swap a binary under the benchmark.
cp "$target_dir/release/jetpack-partner" "$tmp/jetpack-partner"
cp "$target_dir/release/examples/fake-api" "$tmp/fake-api"
bin=$tmp/jetpack-partner

cpu=$(awk '/^model name/ { sub(/^model name[[:space:]]*: /, ""); print; exit }' /proc/cpuinfo 2>/dev/null || true)
machine="$(nproc) CPUs, ${cpu:-unknown CPU}; $(uname -sr); $(rustc -V); bash $BASH_VERSION"
commit=$(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)
loadavg() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown; }
load_start=$(loadavg)
echo "bench: machine: $machine; load average $load_start" >&2

# ------------------------------------------------------------ the fake API
# start_api NAME LATENCY_MS: a canned fake API over TLS on loopback, its
# request counts in $tmp/NAME.stats; sets API_PID and API_HOST.
start_api() {
	local name=$1 latency=$2 i
	"$tmp/fake-api" --canned --tls --latency-ms "$latency" --stats-file "$tmp/$name.stats" >"$tmp/$name.env" 2>"$tmp/$name.log" &
	API_PID=$!
	API_HOST='' CACERT=
	for ((i = 0; i < 100; i++)); do
		if grep -q '^export SSL_CERT_FILE=' "$tmp/$name.env" 2>/dev/null; then
			API_HOST=$(sed -n "s/^export JETPACK_START_API_HOST=//p" "$tmp/$name.env" | sed "s/^'\(.*\)'\$/\1/")
			CACERT=$(sed -n "s/^export SSL_CERT_FILE=//p" "$tmp/$name.env" | sed "s/^'\(.*\)'\$/\1/")
			break
		fi
		kill -0 "$API_PID" 2>/dev/null || { cat "$tmp/$name.log" >&2; die "the fake API did not start"; }
		sleep 0.1
	done
	[[ -n $API_HOST && -n $CACERT ]] || { cat "$tmp/$name.log" >&2; die "the fake API printed no address within 10 s"; }
	[[ $API_HOST =~ ^https://127\.0\.0\.1:[0-9]+$ ]] || die "the fake API is not on loopback: $API_HOST"
	[[ -r $CACERT ]] || die "CA certificate not readable: $CACERT"
	echo "bench: fake API $name at $API_HOST (pid $API_PID), +$latency ms per reply" >&2
}
start_api api "$LATENCY_MS"
api_pid=$API_PID
stats=$tmp/api.stats
export JETPACK_START_API_HOST=$API_HOST SSL_CERT_FILE=$CACERT
# A control: the same calls without latency, what they cost in CPU here.
start_api api0 0
api0_pid=$API_PID
api0_host=$API_HOST
unset HTTPS_PROXY https_proxy HTTP_PROXY http_proxy ALL_PROXY all_proxy
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

# -------------------------------------------------------------- a fake wp
# One line per process goes to the log: "network" (the --all-sites eval),
# "site" (a single site's eval) or "other: ARGS" (anything else, answered
# with an error as WP-CLI would, so a fallback shows up as failures and
# extra processes). Its sleeps come from $wp_conf, rewritten per phase:
# "SITES NETWORK_SLEEP SITE_SLEEP"; the network answer is net-SITES.out.
mkdir "$tmp/bin" "$tmp/work"
wp_log=$tmp/wp-calls.log
wp_conf=$tmp/wp.conf
: >"$wp_log"
cat >"$tmp/bin/wp" <<EOF
#!/bin/sh
# Fake WP-CLI for the fleet benchmark (see bench/fleet.sh).
url=
prog=
prev=
for a in "\$@"; do
	[ "\$prev" = eval ] && prog=\$a
	case \$a in --url=*) url=\${a#--url=} ;; esac
	prev=\$a
done
read -r sites net_sleep site_sleep <'$wp_conf'
case \$prog in
*switch_to_blog*JETPACK_PARTNER_FACTS*)
	echo network >>'$wp_log'
	[ "\$net_sleep" = 0.000 ] || sleep "\$net_sleep"
	cat '$tmp'/net-"\$sites".out
	;;
*JETPACK_PARTNER_FACTS*)
	echo site >>'$wp_log'
	[ "\$site_sleep" = 0.000 ] || sleep "\$site_sleep"
	u=\${url%/}
	u=\${u:-http://single.test}
	json='{"marker":1'
	[ -z "\${JETPACK_WP_USER-}" ] || json="\$json,\\"user_id\\":1"
	json="\$json,\\"siteurl\\":\\"\$u\\",\\"home\\":\\"\$u\\",\\"blog_id\\":0"
	[ "\${JETPACK_WP_ACTIVATE-}" != 1 ] || json="\$json,\\"activate\\":\\"ok\\""
	printf '\\nJETPACK_PARTNER_FACTS %s}\\n' "\$json"
	;;
*)
	printf 'other: %s\\n' "\$(printf '%s ' "\$@" | tr '\\n' ' ' | cut -c1-200)" >>'$wp_log'
	echo "Error: the fleet benchmark's fake wp answers only the facts evals." >&2
	exit 1
	;;
esac
EOF
chmod +x "$tmp/bin/wp"
export PATH="$tmp/bin:$PATH"
[[ $(command -v wp) == "$tmp/bin/wp" ]] || die "the fake wp is not first on PATH"

seconds_of_ms() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }
# wp_setup SITES SITE_MS_FOR_A_SINGLE_EVAL BOOTSTRAP_MS
wp_setup() {
	local n=$1 single=$2 boot=$3
	echo "$n $(seconds_of_ms $((boot + n * WP_SITE_MS))) $(seconds_of_ms $((boot + single)))" >"$wp_conf"
}
# The network eval's answer for N sites, as NETWORK_FACTS_PHP prints it
# (json_encode escapes slashes): http://net.test/s1/ … /sN/, user 1 a member
# of each, Jetpack activated, not connected yet (blog_id 0).
net_answer() {
	local n=$1 i
	{
		printf '\nJETPACK_PARTNER_FACTS {"marker":1,"multisite":true,"sites":['
		for ((i = 1; i <= n; i++)); do
			((i == 1)) || printf ','
			printf '{"url":"http:\\/\\/net.test\\/s%d\\/","siteurl":"http:\\/\\/net.test\\/s%d","home":"http:\\/\\/net.test\\/s%d","blog_id":0,"user_id":1,"activate":"ok"}' "$i" "$i" "$i"
		done
		printf ']}\n'
	} >"$tmp/net-$n.out"
}

# ----------------------------------------------------------------- measure
stat_of() { # key: from the fake API's stats file
	local s
	s=$(<"$stats")
	[[ $s =~ \"$1\":([0-9]+) ]] || die "unreadable stats file: $s"
	echo "${BASH_REMATCH[1]}"
}
us() { # EPOCHREALTIME -> microseconds
	local t=${1/./}
	t=${t/,/}
	echo $((10#$t))
}

# timed OUT ERR COMMAND…: run it (stdin /dev/null, cwd $tmp/work) and set
# T_US (wall), T_RC, T_RSS_KB (peak RSS), T_CPU ("user sys" seconds, the
# process and the wp processes it waited for; "" without /usr/bin/time).
timed() {
	local out=$1 err=$2 t0 t1 hwm line
	shift 2
	T_CPU=
	if [[ -n $TIME_BIN ]]; then
		t0=$EPOCHREALTIME
		if (cd "$tmp/work" && "$TIME_BIN" -f '%M %U %S' -o "$tmp/time.txt" "$@" >"$out" 2>"$err" </dev/null); then T_RC=0; else T_RC=$?; fi
		t1=$EPOCHREALTIME
		# GNU time prefixes "Command exited with non-zero status N" lines.
		line=$(tail -n 1 "$tmp/time.txt")
		read -r T_RSS_KB T_U T_S <<<"$line"
		T_CPU="$T_U $T_S"
	else
		t0=$EPOCHREALTIME
		(cd "$tmp/work" && exec "$@" >"$out" 2>"$err" </dev/null) &
		run_pid=$!
		hwm=0
		while kill -0 "$run_pid" 2>/dev/null; do
			line=$(awk '/^VmHWM:/ { print $2 }' "/proc/$run_pid/status" 2>/dev/null || true)
			[[ -n $line ]] && ((line > hwm)) && hwm=$line
			sleep 0.02
		done
		if wait "$run_pid"; then T_RC=0; else T_RC=$?; fi
		t1=$EPOCHREALTIME
		run_pid=
		T_RSS_KB=$hwm
	fi
	T_US=$(($(us "$t1") - $(us "$t0")))
}

# snapshot: wp calls and API counters before a run; delta after it.
snap() { S_WP=$(wc -l <"$wp_log") S_REQ=$(stat_of requests) S_CONN=$(stat_of connections) S_HS=$(stat_of tls_handshakes); }
delta() {
	D_WP=$(($(wc -l <"$wp_log") - S_WP))
	D_REQ=$(($(stat_of requests) - S_REQ))
	D_CONN=$(($(stat_of connections) - S_CONN))
	D_HS=$(($(stat_of tls_handshakes) - S_HS))
	D_WPKINDS=$(tail -n "$D_WP" "$wp_log" | sed 's/^\(other\): .*/\1/' | sort | uniq -c | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }')
}

# check NAME WANT_OK: the run succeeded with WANT_OK result lines, all
# "success":true; else show why and die.
check() {
	local name=$1 want=$2 got
	got=$(grep -c '"success":true' "$tmp/out" || true)
	if ((T_RC != 0 || got != want)); then
		echo "bench: $name failed (exit $T_RC, $got of $want sites ok)" >&2
		echo "--- stdout (first lines)" >&2
		head -n 5 "$tmp/out" >&2
		echo "--- stderr (last lines)" >&2
		tail -n 10 "$tmp/err" >&2
		echo "--- wp calls (last)" >&2
		tail -n 5 "$wp_log" >&2
		die "$name failed"
	fi
}

span() { # the value when all agree, else min–max
	printf '%s\n' "$@" | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print (lo == hi) ? lo : lo "–" hi }'
}
ms() { awk -v u="$1" 'BEGIN { printf "%.0f", u / 1000 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
mark() { if "$@"; then echo met; else echo "**not met**"; fi; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

common=(--partner_id=1 --partner_secret=x --allow-root)
declare -A R

# ------------------------------------------------ 1. --all-sites per size
for n in $SIZES; do
	net_answer "$n"
	wp_setup "$n" "$WP_SITE_MS" "$WP_DELAY_MS"
	for j in $JOBS; do
		name="all-sites N=$n jobs=$j"
		walls=() wps=() reqs=() conns=() hss=() rsss=() cpus=()
		for ((i = 0; i <= RUNS; i++)); do
			snap
			timed "$tmp/out" "$tmp/err" "$bin" provision "${common[@]}" --user=admin --plan=premium --all-sites --jobs="$j"
			delta
			check "$name" "$n"
			((i == 0)) && continue # warm-up
			walls+=("$T_US") wps+=("$D_WP") reqs+=("$D_REQ") conns+=("$D_CONN") hss+=("$D_HS") rsss+=("$T_RSS_KB")
			[[ -z $T_CPU ]] || cpus+=("$(awk -v u="${T_CPU% *}" -v s="${T_CPU#* }" 'BEGIN { printf "%.0f", (u + s) * 1000 }')")
		done
		med=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }')
		rounds=$(((n + j - 1) / j))
		# The bootstrap is the one wp process (its start plus its per-site
		# work); the token call overlaps it.
		boot=$((WP_DELAY_MS + n * WP_SITE_MS))
		floor=$(((boot > LATENCY_MS ? boot : LATENCY_MS) * 1000 + rounds * LATENCY_MS * 1000))
		target=$(awk -v b="$boot" -v r="$rounds" -v l="$LATENCY_MS" \
			'BEGIN { printf "%.0f", 1.10 * (b + r * l) * 1000 }')
		R[$n.$j.wall]=$med
		R[$n.$j.range]=$(printf '%s\n' "${walls[@]}" | awk 'NR == 1 || $1 < lo { lo = $1 } NR == 1 || $1 > hi { hi = $1 } END { printf "%.0f–%.0f", lo / 1000, hi / 1000 }')
		R[$n.$j.wp]=$(span "${wps[@]}")
		R[$n.$j.wpmax]=$(printf '%s\n' "${wps[@]}" | sort -n | tail -n 1)
		R[$n.$j.wpkinds]=$D_WPKINDS
		R[$n.$j.req]=$(span "${reqs[@]}")
		R[$n.$j.conn]=$(span "${conns[@]}")
		R[$n.$j.hs]=$(span "${hss[@]}")
		R[$n.$j.rss]=$(mib "$(printf '%s\n' "${rsss[@]}" | sort -n | tail -n 1)")
		R[$n.$j.cpu]=$( ((${#cpus[@]})) && span "${cpus[@]}" || echo n/a)
		R[$n.$j.floor]=$floor
		R[$n.$j.target]=$target
		echo "bench: $name: median $(ms "$med") ms (floor $(ms "$floor"), target ≤ $(ms "$target")); wp ${R[$n.$j.wp]} (${R[$n.$j.wpkinds]}); requests ${R[$n.$j.req]}, conns ${R[$n.$j.conn]}, TLS ${R[$n.$j.hs]}; peak RSS ${R[$n.$j.rss]} MiB; load $(loadavg)" >&2
	done
done

# ------------------------------------- control: the same without latency
# The largest network at the most jobs against the fake API with 0 ms
# latency: the wp eval plus what the requests cost in CPU on this machine
# (jetpack-partner and the fake API share its cores), which the floor above
# leaves out.
max_n=0 max_j=0
for n in $SIZES; do ((n > max_n)) && max_n=$n; done
for j in $JOBS; do ((j > max_j)) && max_j=$j; done
net_answer "$max_n"
wp_setup "$max_n" "$WP_SITE_MS" "$WP_DELAY_MS"
walls=()
for ((i = 0; i <= RUNS; i++)); do
	timed "$tmp/out" "$tmp/err" env JETPACK_START_API_HOST="$api0_host" "$bin" provision "${common[@]}" --user=admin --plan=premium --all-sites --jobs="$max_j"
	check "control N=$max_n jobs=$max_j, 0 ms latency" "$max_n"
	((i == 0)) || walls+=("$T_US")
done
R[ctl.wall]=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }')
R[ctl.wp]=$(((WP_DELAY_MS + max_n * WP_SITE_MS) * 1000))
R[ctl.per]=$(awk -v w="${R[ctl.wall]}" -v p="${R[ctl.wp]}" -v n="$((max_n + 1))" 'BEGIN { printf "%.2f", (w - p) / n / 1000 }')
echo "bench: control N=$max_n jobs=$max_j at 0 ms latency: median $(ms "${R[ctl.wall]}") ms, of which the wp eval sleeps $(ms "${R[ctl.wp]}") ms: ${R[ctl.per]} ms per request; load $(loadavg)" >&2

# ------------------------------------------ 2. a loop of single provisions
for n in $SIZES; do
	k=$n
	((LOOP_SITES == 0 || LOOP_SITES >= n)) || k=$LOOP_SITES
	wp_setup "$n" "$WP_SITE_MS" "$WP_DELAY_MS"
	snap
	total=0 peak=0
	for ((s = 1; s <= k; s++)); do
		timed "$tmp/out" "$tmp/err" "$bin" provision "${common[@]}" --user=admin --plan=premium --url="http://net.test/s$s/"
		check "loop N=$n site $s" 1
		total=$((total + T_US))
		((T_RSS_KB > peak)) && peak=$T_RSS_KB
	done
	delta
	R[loop.$n.k]=$k
	R[loop.$n.wall]=$((total * n / k))
	R[loop.$n.per]=$((total / k))
	R[loop.$n.wp]=$((D_WP * n / k))
	R[loop.$n.req]=$((D_REQ * n / k))
	R[loop.$n.hs]=$((D_HS * n / k))
	R[loop.$n.rss]=$(mib "$peak")
	R[loop.$n.approx]=
	((k == n)) || R[loop.$n.approx]="≈ "
	echo "bench: loop N=$n ($k single runs): $(ms "$total") ms, $(ms $((total / k))) ms per site; wp $D_WP ($D_WPKINDS), requests $D_REQ, TLS $D_HS; load $(loadavg)" >&2
done

# --------------------------------------------------- 3. a long --batch file
# batch NAME LINES_FILE LINES WANT_WP COMMAND…
batch_row() {
	local name=$1 lines=$3
	shift 3
	snap
	timed "$tmp/out" "$tmp/err" "$@"
	delta
	check "$name" "$lines"
	B_NAMES+=("$name")
	R[b.$name.lines]=$lines
	R[b.$name.wall]=$T_US
	R[b.$name.per]=$(awk -v u="$T_US" -v n="$lines" 'BEGIN { printf "%.0f", u / n }')
	R[b.$name.wp]=$D_WP
	R[b.$name.req]=$D_REQ
	R[b.$name.hs]=$D_HS
	R[b.$name.rss]=$(mib "$T_RSS_KB")
	R[b.$name.rsskb]=$T_RSS_KB
	if [[ -n $T_CPU ]]; then
		R[b.$name.cpu]=$(awk -v u="${T_CPU% *}" -v s="${T_CPU#* }" -v n="$lines" 'BEGIN { printf "%.0f", (u + s) * 1e6 / n }')
	else
		R[b.$name.cpu]=n/a
	fi
	echo "bench: $name: $(ms "$T_US") ms ($lines lines, ${R[b.$name.per]} µs/line wall, ${R[b.$name.cpu]} µs/line CPU); wp $D_WP, requests $D_REQ, TLS $D_HS; peak RSS ${R[b.$name.rss]} MiB; load $(loadavg)" >&2
}
B_NAMES=()
if ((BATCH_LINES > 0)); then
	big=$((BATCH_LINES * 10))
	awk -v n="$BATCH_LINES" 'BEGIN { for (i = 1; i <= n; i++) printf "{\"url\":\"http://site%d.test/\",\"user\":\"admin\",\"plan\":\"premium\"}\n", i }' >"$tmp/provision.jsonl"
	awk -v n="$BATCH_LINES" 'BEGIN { for (i = 1; i <= n; i++) printf "{\"url\":\"http://site%d.test/\",\"blog_id\":%d}\n", i, 100000 + i }' >"$tmp/cancel.jsonl"
	awk -v n="$big" 'BEGIN { for (i = 1; i <= n; i++) printf "{\"url\":\"http://site%d.test/\",\"blog_id\":%d}\n", i, 100000 + i }' >"$tmp/cancel-big.jsonl"
	wp_setup 0 0 "$BATCH_WP_DELAY_MS"
	bj=--jobs=$BATCH_JOBS
	batch_row "provision --batch" "$tmp/provision.jsonl" "$BATCH_LINES" \
		"$bin" provision "${common[@]}" --batch="$tmp/provision.jsonl" "$bj"
	batch_row "provision --batch --dry-run" "$tmp/provision.jsonl" "$BATCH_LINES" \
		"$bin" provision "${common[@]}" --batch="$tmp/provision.jsonl" "$bj" --dry-run
	batch_row "cancel --batch (blog_id lines)" "$tmp/cancel.jsonl" "$BATCH_LINES" \
		"$bin" cancel "${common[@]}" --batch="$tmp/cancel.jsonl" "$bj"
	batch_row "cancel --batch --dry-run (blog_id lines)" "$tmp/cancel.jsonl" "$BATCH_LINES" \
		"$bin" cancel "${common[@]}" --batch="$tmp/cancel.jsonl" "$bj" --dry-run
	batch_row "cancel --batch --dry-run (blog_id lines, 10×)" "$tmp/cancel-big.jsonl" "$big" \
		"$bin" cancel "${common[@]}" --batch="$tmp/cancel-big.jsonl" "$bj" --dry-run
fi

# Streamed, not loaded whole: the batch comes on stdin, which stays open
# until every result line is out; a tool that read its input to the end
# first would print nothing before EOF (given up on after 60 s).
STREAMED=
if ((BATCH_LINES > 0)); then
	rm -f "$tmp/in.fifo"
	mkfifo "$tmp/in.fifo"
	(cd "$tmp/work" && exec "$bin" cancel "${common[@]}" --batch=- --dry-run --jobs="$BATCH_JOBS" <"$tmp/in.fifo" >"$tmp/out" 2>"$tmp/err") &
	run_pid=$!
	exec {feed}>"$tmp/in.fifo"
	cat "$tmp/cancel.jsonl" >&"$feed"
	waited=$SECONDS got=0
	while ((SECONDS - waited < 60)); do
		got=$(wc -l <"$tmp/out")
		((got >= BATCH_LINES)) && break
		kill -0 "$run_pid" 2>/dev/null || break
		sleep 0.05
	done
	exec {feed}>&-
	if wait "$run_pid"; then T_RC=0; else T_RC=$?; fi
	run_pid=
	check "cancel --batch=- --dry-run (stdin held open)" "$BATCH_LINES"
	STREAMED=$got
	echo "bench: stdin batch: $got of $BATCH_LINES result lines out before the input ended" >&2
fi

# ------------------------------------------------------------------ report
load_end=$(loadavg)
elapsed=$((SECONDS - started))
first_j=${JOBS%% *}
ref_j=8
[[ " $JOBS " == *" 8 "* ]] || ref_j=$first_j
{
	echo "### jetpack-partner fleet benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $commit)"
	echo
	echo "Machine: $machine. Load average (1/5/15 min) at start $load_start, at the end $load_end (other work on the machine lengthens wall times)."
	echo "Setup: fake WordPress.com API over TLS on 127.0.0.1 (\`fake-api --canned\`), +${LATENCY_MS} ms per reply; fake \`wp\` sleeping ${WP_DELAY_MS} ms per process (bootstrap) + ${WP_SITE_MS} ms per site for the network eval; a network of N sites \`http://net.test/s1/\` … \`/sN/\`. Wall time from bash \`\$EPOCHREALTIME\`; peak RSS $([[ -n $TIME_BIN ]] && echo 'from GNU time (%M)' || echo 'polled from VmHWM')."
	echo
	echo "**\`provision --all-sites --jobs=J\`** (one \`wp eval\` for the network, one token, then the provisions J at a time; median of $RUNS runs after 1 warm-up):"
	echo
	echo "| sites | jobs | wall median ms (min–max) | floor ms | target ms | | wp processes | requests | TCP conns | TLS handshakes | CPU ms | peak RSS MiB |"
	echo "|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|"
	for n in $SIZES; do
		for j in $JOBS; do
			echo "| $n | $j | $(ms "${R[$n.$j.wall]}") (${R[$n.$j.range]}) | $(ms "${R[$n.$j.floor]}") | $(ms "${R[$n.$j.target]}") | $(mark le "${R[$n.$j.wall]}" "${R[$n.$j.target]}") | ${R[$n.$j.wp]} | ${R[$n.$j.req]} | ${R[$n.$j.conn]} | ${R[$n.$j.hs]} | ${R[$n.$j.cpu]} | ${R[$n.$j.rss]} |"
		done
	done
	echo
	echo "bootstrap = the one wp process ($WP_DELAY_MS ms + N × $WP_SITE_MS ms); floor = bootstrap (the token call runs meanwhile) + ⌈N/jobs⌉ × latency (the provisions); target = 1.10 × (bootstrap + ⌈N/jobs⌉ × latency). CPU ms: user + sys of jetpack-partner and the wp it ran."
	echo
	excess=$((R[$max_n.$max_j.wall] - R[$max_n.$max_j.floor]))
	echo "Control: N=$max_n, jobs $max_j against the fake API with **0 ms** latency: median $(ms "${R[ctl.wall]}") ms, of which $(ms "${R[ctl.wp]}") ms is the fake wp's sleep, so **${R[ctl.per]} ms per request** of machine time (TLS handshakes and requests, HTTP and JSON, in jetpack-partner and in the fake API, on the same $(nproc) CPUs), $(awk -v p="${R[ctl.per]}" -v n="$((max_n + 1))" 'BEGIN { printf "%.0f", p * n }') ms for the $((max_n + 1)) requests. The floor leaves that CPU time out; the N=$max_n, jobs $max_j row above is $(ms "$excess") ms over its floor (the rest overlaps the waiting)."
	echo
	echo "**The same network by a loop of single runs** (\`for s in …; do jetpack-partner provision --url=http://net.test/sK/ …; done\`, sequential; each run one \`wp eval\` of ${WP_DELAY_MS}+${WP_SITE_MS} ms, one token, one provision):"
	echo
	echo "| sites | runs timed | wall s | per site ms | wp processes | requests | TLS handshakes | \`--all-sites --jobs=$ref_j\` is faster by |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
	for n in $SIZES; do
		a=${R[loop.$n.approx]}
		echo "| $n | ${R[loop.$n.k]} | $a$(awk -v u="${R[loop.$n.wall]}" 'BEGIN { printf "%.1f", u / 1e6 }') | $(ms "${R[loop.$n.per]}") | $a${R[loop.$n.wp]} | $a${R[loop.$n.req]} | $a${R[loop.$n.hs]} | $a$(awk -v a="${R[loop.$n.wall]}" -v b="${R[$n.$ref_j.wall]}" 'BEGIN { printf "%.0f×", a / b }') |"
	done
	if ((${#B_NAMES[@]})); then
		echo
		echo "**\`--batch=FILE --jobs=$BATCH_JOBS\`** (JSON lines; provision lines \`{\"url\":…,\"user\":\"admin\",\"plan\":\"premium\"}\`, one \`wp eval\` each with the fake wp sleeping ${BATCH_WP_DELAY_MS} ms; cancel lines carry \`blog_id\`, so no \`wp\`; one run each):"
		echo
		echo "| batch | lines | wall s | µs per line (wall) | µs per line (CPU) | wp processes | requests | TLS handshakes | peak RSS MiB |"
		echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
		for b in "${B_NAMES[@]}"; do
			echo "| \`$b\` | ${R[b.$b.lines]} | $(awk -v u="${R[b.$b.wall]}" 'BEGIN { printf "%.2f", u / 1e6 }') | ${R[b.$b.per]} | ${R[b.$b.cpu]} | ${R[b.$b.wp]} | ${R[b.$b.req]} | ${R[b.$b.hs]} | ${R[b.$b.rss]} |"
		done
		small="cancel --batch --dry-run (blog_id lines)" large="cancel --batch --dry-run (blog_id lines, 10×)"
		r_large=${R[b.$large.rsskb]} r_small=${R[b.$small.rsskb]}
		echo
		echo "CPU per line includes the \`wp\` processes jetpack-partner waited for (sh start-up of the fake). Peak RSS grows by $(awk -v a="$r_large" -v b="$r_small" -v n="$((big - BATCH_LINES))" 'BEGIN { printf "%.0f", (a - b) * 1024 / n }') bytes per extra line from $BATCH_LINES to $big lines (the input lines are $(awk -v b="$(stat -c %s "$tmp/cancel-big.jsonl")" -v n="$big" 'BEGIN { printf "%.0f", b / n }') bytes each): what a batch keeps per line is its key for \"the same line twice is done once\" (SPEC §8)."
	fi
	echo
	echo "| target | wanted | measured | |"
	echo "|---|---|---|---|"
	worst=0
	for n in $SIZES; do for j in $JOBS; do ((R[$n.$j.wpmax] > worst)) && worst=${R[$n.$j.wpmax]}; done; done
	echo "| wp processes per network (\`--all-sites\`) | ≤ 2 | at most $worst (${R[${SIZES%% *}.$first_j.wpkinds]}) | $(mark test "$worst" -le 2) |"
	for n in $SIZES; do
		rounds=$(((n + ref_j - 1) / ref_j))
		echo "| \`--all-sites\` wall, N=$n, jobs $ref_j | ≤ 1.10 × ($WP_DELAY_MS + $n × $WP_SITE_MS + $rounds × $LATENCY_MS) = $(ms "${R[$n.$ref_j.target]}") ms | $(ms "${R[$n.$ref_j.wall]}") ms (floor $(ms "${R[$n.$ref_j.floor]}")) | $(mark le "${R[$n.$ref_j.wall]}" "${R[$n.$ref_j.target]}") |"
	done
	missed=()
	for n in $SIZES; do for j in $JOBS; do le "${R[$n.$j.wall]}" "${R[$n.$j.target]}" || missed+=("N=$n jobs $j"); done; done
	if ((${#missed[@]})); then
		echo "| \`--all-sites\` wall, every row | as above | missed: $(printf '%s, ' "${missed[@]}" | sed 's/, $//') | **not met** |"
	else
		echo "| \`--all-sites\` wall, every row | as above | all rows within | met |"
	fi
	if ((${#B_NAMES[@]})); then
		lim=$((50 * 1024))
		for b in "provision --batch" "provision --batch --dry-run" "cancel --batch (blog_id lines)"; do
			echo "| peak RSS, $BATCH_LINES-line \`$b\` | ≤ 50 MiB | ${R[b.$b.rss]} MiB | $(mark test "${R[b.$b.rsskb]}" -le "$lim") |"
		done
		echo "| streamed, not loaded whole: result lines out while the $BATCH_LINES-line input on stdin is still open | all $BATCH_LINES | $STREAMED | $(mark test "$STREAMED" -ge "$BATCH_LINES") |"
	fi
	echo
	echo "Whole benchmark: ${elapsed} s (build included)."
} >"$tmp/report.md"

mkdir -p "$(dirname -- "$OUT")"
cp "$tmp/report.md" "$OUT"
cat "$tmp/report.md"
echo "bench: report also in $OUT" >&2
