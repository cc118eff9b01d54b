#!/usr/bin/env bash
# Benchmark: jetpack-partner against a reference shell flow (what Jetpack's
# newest partner-provision.sh / partner-cancel.sh do: one `wp` process per
# value, then two separate `curl` calls), both against the bundled fake
# WordPress.com API over TLS on 127.0.0.1 with added latency, and a fake
# `wp` that sleeps like PHP booting WordPress.
#
#   bash bench/run.sh                 # defaults: 20 runs, 50 ms API latency, 300 ms wp bootstrap
#   bash bench/run.sh --runs 5 --latency-ms 50 --wp-delay-ms 300
#   N=5 bash bench/run.sh             # same options by environment
#   bash bench/run.sh fleet [OPTIONS] # the fleet benchmark instead: bench/fleet.sh (see its --help)
#
# Options (flag / environment, default):
#   --runs N          BENCH_RUNS or N          20   timed runs per flow (after 1 warm-up run)
#   --latency-ms N    BENCH_LATENCY_MS         50   added to every API reply
#   --wp-delay-ms N   BENCH_WP_DELAY_MS        300  fake wp's bootstrap sleep per process
#   --help-runs N     BENCH_HELP_RUNS          200  runs of `jetpack-partner --help`
#   --static          BENCH_STATIC=1           off  also build packaging/build-static.sh, report its size
#   --out FILE        BENCH_OUT                bench/results/latest.md (the table; gitignored)
#   --no-build        BENCH_NO_BUILD=1         off  use the binaries already in target/release
#
# Needs: cargo, curl, GNU coreutils. Everything listens on 127.0.0.1 only;
# nothing reaches the internet. Prints a Markdown table; exits 1 if any run
# fails (a target not met is reported, not an error).
set -euo pipefail
export LC_ALL=C

if [[ ${1:-} == fleet ]]; then
	shift
	exec bash "$(dirname -- "${BASH_SOURCE[0]}")/fleet.sh" "$@"
fi

die() {
	echo "bench: $*" >&2
	exit 1
}

usage() {
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

# ---------------------------------------------------------------- options
RUNS=${BENCH_RUNS:-${N:-20}}
LATENCY_MS=${BENCH_LATENCY_MS:-50}
WP_DELAY_MS=${BENCH_WP_DELAY_MS:-300}
HELP_RUNS=${BENCH_HELP_RUNS:-200}
STATIC=${BENCH_STATIC:-0}
OUT=${BENCH_OUT:-}
case ${BENCH_NO_BUILD:-0} in 1 | yes | true) BUILD=0 ;; *) BUILD=1 ;; esac

while (($#)); do
	case $1 in
	--runs | -n) RUNS=${2:?--runs needs a number}; shift 2 ;;
	--runs=*) RUNS=${1#*=}; shift ;;
	--latency-ms) LATENCY_MS=${2:?--latency-ms needs a number}; shift 2 ;;
	--latency-ms=*) LATENCY_MS=${1#*=}; shift ;;
	--wp-delay-ms) WP_DELAY_MS=${2:?--wp-delay-ms needs a number}; shift 2 ;;
	--wp-delay-ms=*) WP_DELAY_MS=${1#*=}; shift ;;
	--help-runs) HELP_RUNS=${2:?--help-runs needs a number}; shift 2 ;;
	--help-runs=*) HELP_RUNS=${1#*=}; shift ;;
	--static) STATIC=1; shift ;;
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
number runs "$RUNS" 1 10000
number latency-ms "$LATENCY_MS" 0 60000
number wp-delay-ms "$WP_DELAY_MS" 0 60000
number help-runs "$HELP_RUNS" 1 100000
RUNS=$((10#$RUNS)) LATENCY_MS=$((10#$LATENCY_MS)) WP_DELAY_MS=$((10#$WP_DELAY_MS)) HELP_RUNS=$((10#$HELP_RUNS))

[[ -n ${EPOCHREALTIME:-} ]] || die "needs bash >= 5 (EPOCHREALTIME); this is bash $BASH_VERSION"
if ! command -v curl >/dev/null 2>&1; then
	echo "bench: curl is needed for the reference flow; install it: apt-get install curl" >&2
	exit 1
fi
command -v cargo >/dev/null 2>&1 || die "cargo not found; install Rust (https://rustup.rs)"

top=$(CDPATH='' cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
OUT=${OUT:-$top/bench/results/latest.md}
started=$SECONDS

# ------------------------------------------------------ clean-up, temp dir
tmp=
api_pid=
cleanup() {
	if [[ -n $api_pid ]]; then
		kill "$api_pid" 2>/dev/null || true
		wait "$api_pid" 2>/dev/null || true
	fi
	[[ -n $tmp && -d $tmp ]] && rm -rf -- "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
tmp=$(mktemp -d "${TMPDIR:-/tmp}/jetpack-partner-bench.XXXXXX")

# ------------------------------------------------------------ build, machine
if ((BUILD)); then
	echo "bench: cargo build --release --bins --examples" >&2
	cargo build --release --bins --examples >&2
fi
target_dir=${CARGO_TARGET_DIR:-$top/target}
[[ $target_dir == /* ]] || target_dir=$top/$target_dir
# Run copies: the target dir is shared, a concurrent build must not swap the
# binary under a running benchmark.
for b in release/jetpack-partner release/examples/fake-api; do
	[[ -x $target_dir/$b ]] || die "$target_dir/$b not built; run without --no-build"
done
cp "$target_dir/release/jetpack-partner" "$tmp/jetpack-partner"
cp "$target_dir/release/examples/fake-api" "$tmp/fake-api"
bin=$tmp/jetpack-partner

# No `cmd | head` here: under pipefail the writer can die of SIGPIPE once
# head has quit, and set -e then ends the benchmark at random.
cpu=$(awk '/^model name/ { sub(/^model name[[:space:]]*: /, ""); print; exit }' /proc/cpuinfo 2>/dev/null || true)
curl_v=$(curl -V)
read -r curl_name curl_version _ <<<"$curl_v"
machine="$(nproc) CPUs, ${cpu:-unknown CPU}; $(uname -sr); $(rustc -V); $curl_name $curl_version; bash $BASH_VERSION"
commit=$(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)
load_start=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
echo "bench: machine: $machine; load average $load_start" >&2
echo "bench: jetpack-partner $commit; runs $RUNS (+1 warm-up) per flow; API latency ${LATENCY_MS} ms per request; wp bootstrap ${WP_DELAY_MS} ms per process" >&2

# ------------------------------------------------------------ the fake API
stats=$tmp/stats.json
# --canned: every run must get the same answers (the stateful default would
# refuse the second cancel of the same site, and these credentials).
"$tmp/fake-api" --canned --tls --latency-ms "$LATENCY_MS" --stats-file "$stats" >"$tmp/api.env" 2>"$tmp/api.log" &
api_pid=$!
API_HOST='' CACERT=
for ((i = 0; i < 100; i++)); do
	if grep -q '^export SSL_CERT_FILE=' "$tmp/api.env" 2>/dev/null; then
		API_HOST=$(sed -n "s/^export JETPACK_START_API_HOST=//p" "$tmp/api.env" | sed "s/^'\(.*\)'\$/\1/")
		CACERT=$(sed -n "s/^export SSL_CERT_FILE=//p" "$tmp/api.env" | sed "s/^'\(.*\)'\$/\1/")
		break
	fi
	kill -0 "$api_pid" 2>/dev/null || { cat "$tmp/api.log" >&2; die "the fake API did not start"; }
	sleep 0.1
done
[[ -n $API_HOST && -n $CACERT ]] || { cat "$tmp/api.log" >&2; die "the fake API printed no address within 10 s"; }
[[ $API_HOST =~ ^https://127\.0\.0\.1:[0-9]+$ ]] || die "the fake API is not on loopback: $API_HOST"
[[ -r $CACERT ]] || die "CA certificate not readable: $CACERT"
export JETPACK_START_API_HOST=$API_HOST SSL_CERT_FILE=$CACERT
# Only loopback: keep any proxy settings of the caller out of the picture.
unset HTTPS_PROXY https_proxy HTTP_PROXY http_proxy ALL_PROXY all_proxy
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
echo "bench: fake API at $API_HOST (pid $api_pid)" >&2

# -------------------------------------------------------------- a fake wp
mkdir "$tmp/bin"
wp_log=$tmp/wp-calls.log
blog_file=$tmp/blog-id
: >"$wp_log"
wp_sleep=$(printf '%d.%03d' $((WP_DELAY_MS / 1000)) $((WP_DELAY_MS % 1000)))
cat >"$tmp/bin/wp" <<EOF
#!/bin/sh
# Fake WP-CLI for the benchmark: sleeps like PHP booting WordPress, then
# answers as WP-CLI 2.10 does for the single site http://site.test (bytes as
# in tests/fixtures/wp-cli/). One line per call goes to the log.
cmd=
for a in "\$@"; do
	case \$a in
	--allow-root | --skip-themes | --skip-plugins | --path=* | --url=* | --user=*) ;;
	*) case \$cmd in eval*) ;; *) cmd="\${cmd:+\$cmd }\$a" ;; esac ;;
	esac
done
printf '%s\n' "\$cmd" >>'$wp_log'
[ '$wp_sleep' = 0.000 ] || sleep $wp_sleep
read -r blog_id <'$blog_file' || blog_id=0
case \$cmd in
eval*)
	json='{"marker":1'
	user_id=
	if [ -n "\${JETPACK_WP_USER-}" ]; then
		case \$JETPACK_WP_USER in
		1 | admin | admin@site.test) user_id=1 ;;
		2 | editor2 | ed@site.test) user_id=2 ;;
		*) user_id=0 ;;
		esac
		json="\$json,\\"user_id\\":\$user_id"
	fi
	json="\$json,\\"siteurl\\":\\"http:\\\\/\\\\/site.test\\",\\"home\\":\\"http:\\\\/\\\\/site.test\\",\\"blog_id\\":\$blog_id"
	if [ "\${JETPACK_WP_ACTIVATE-}" = 1 ] && [ "\${user_id:-1}" != 0 ]; then
		json="\$json,\\"activate\\":\\"ok\\""
	fi
	printf '\\nJETPACK_PARTNER_FACTS %s' "\$json}"
	;;
'option get home' | 'option get siteurl') printf 'http://site.test\\n' ;;
'plugin list --field=name') printf 'akismet\\njetpack\\n' ;;
'plugin activate jetpack')
	printf 'Success: Plugin already activated.\\n'
	printf "Warning: Plugin 'jetpack' is already active.\\n" >&2
	;;
'user get '*)
	set -- \$cmd
	case \$3 in
	1 | admin | admin@site.test) printf '1\\n' ;;
	2 | editor2 | ed@site.test) printf '2\\n' ;;
	*) printf "Error: Invalid user ID, email or login: '%s'\\n" "\$3" >&2; exit 1 ;;
	esac
	;;
'option get jetpack_options --format=json')
	if [ "\$blog_id" != 0 ]; then
		printf '{"id":%s}\\n' "\$blog_id"
	else
		printf "Error: Could not get 'jetpack_options' option. Does it exist?\\n" >&2
		exit 1
	fi
	;;
*)
	printf "Error: '%s' is not a registered wp command. See 'wp help' for available commands.\\n" "\${cmd%% *}" >&2
	exit 1
	;;
esac
EOF
chmod +x "$tmp/bin/wp"
export PATH="$tmp/bin:$PATH"
[[ $(command -v wp) == "$tmp/bin/wp" ]] || die "the fake wp is not first on PATH"

# Self-check of the fake wp's eval answer (exact bytes, no trailing newline).
echo 0 >"$blog_file"
want=$'\nJETPACK_PARTNER_FACTS {"marker":1,"user_id":1,"siteurl":"http:\\/\\/site.test","home":"http:\\/\\/site.test","blog_id":0,"activate":"ok"}'
got=$(JETPACK_WP_USER=admin JETPACK_WP_ACTIVATE=1 wp --allow-root eval 'x'; echo .)
[[ ${got%.} == "$want" ]] || die "fake wp eval answer is off: $(printf '%q' "${got%.}")"
: >"$wp_log"

# ------------------------------------------------------ the reference flows
# Written from SPEC §1/§4 (not Jetpack's code): what the newest scripts do,
# one `wp` process per value, then two separate curl processes (token, then
# the call), each its own TCP connection and TLS handshake.
cat >"$tmp/ref-common.sh" <<'EOF'
for arg; do
	case $arg in
	-c=* | --partner_id=*) CLIENT_ID=${arg#*=} ;;
	-s=* | --partner_secret=*) CLIENT_SECRET=${arg#*=} ;;
	-i=* | --user=* | --user_id=*) WP_USER=${arg#*=} ;;
	-p=* | --plan=*) PLAN=${arg#*=} ;;
	--allow-root) GLOBAL_ARGS=--allow-root ;;
	*) echo "unknown argument $arg" >&2; exit 1 ;;
	esac
done
API_HOST=${JETPACK_START_API_HOST:-public-api.wordpress.com}
case $API_HOST in
*://*) BASE=$API_HOST; set -- ;;
*) BASE=https://$API_HOST; set -- -H 'Host: public-api.wordpress.com' ;;
esac
set -- --silent --show-error --cacert "$REF_CACERT" "$@"
fail() {
	echo "{\"success\":false,\"error_code\":\"$1\",\"error_message\":\"$2\"}" >&2
	exit 1
}
token() {
	TOKEN_JSON=$(curl "$@" -X POST "$BASE/oauth2/token" \
		--data "client_id=$CLIENT_ID&client_secret=$CLIENT_SECRET&grant_type=client_credentials&scope=jetpack-partner") ||
		fail network_error "token call failed"
	ACCESS_TOKEN=$(echo "$TOKEN_JSON" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
	[ -n "$ACCESS_TOKEN" ] || fail missing_access_token "no access token"
}
EOF
cat >"$tmp/ref-provision.sh" <<EOF
#!/bin/sh
. '$tmp/ref-common.sh'
EOF
cat >>"$tmp/ref-provision.sh" <<'EOF'
HOME_URL=$(wp $GLOBAL_ARGS option get home) || fail wp_failed "wp option get home failed"
PLUGINS=$(wp $GLOBAL_ARGS plugin list --field=name) || fail wp_failed "wp plugin list failed"
case $PLUGINS in *jetpack*) ;; *) fail jetpack_missing "Jetpack is not installed" ;; esac
wp $GLOBAL_ARGS plugin activate jetpack >/dev/null 2>&1 || true
SITEURL=$(wp $GLOBAL_ARGS option get siteurl) || fail wp_failed "wp option get siteurl failed"
token "$@"
RESULT=$(curl "$@" -X POST -H "Authorization: Bearer $ACCESS_TOKEN" "$BASE/rest/v1.3/jpphp/provision" \
	--data "local_user=$WP_USER&siteurl=$SITEURL&plan=$PLAN") || fail network_error "provision call failed"
echo "$RESULT"
case $RESULT in *'"success":true'*) exit 0 ;; *) exit 1 ;; esac
EOF
cat >"$tmp/ref-cancel.sh" <<EOF
#!/bin/sh
. '$tmp/ref-common.sh'
EOF
cat >>"$tmp/ref-cancel.sh" <<'EOF'
OPTIONS=$(wp $GLOBAL_ARGS option get jetpack_options --format=json 2>/dev/null) || OPTIONS=
BLOG_ID=$(echo "$OPTIONS" | sed -n 's/.*"id":\([0-9][0-9]*\).*/\1/p')
HOME_URL=$(wp $GLOBAL_ARGS option get home) || fail wp_failed "wp option get home failed"
SITE=${BLOG_ID:-$(echo "$HOME_URL" | sed -e 's|^[a-z]*://||' -e 's|/*$||' -e 's|/|::|g')}
token "$@"
RESULT=$(curl "$@" -X POST -H "Authorization: Bearer $ACCESS_TOKEN" "$BASE/rest/v1.3/jpphp/$SITE/partner-cancel") ||
	fail network_error "cancel call failed"
echo "$RESULT"
case $RESULT in *'"success":true'*) exit 0 ;; *) exit 1 ;; esac
EOF
export REF_CACERT=$CACERT

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

declare -A RES
# measure NAME BLOG_ID COMMAND...: one warm-up, then RUNS timed runs.
measure() {
	local name=$1 blog=$2
	shift 2
	echo "$blog" >"$blog_file"
	local times=() wps=() conns=() hss=() i w0 c0 h0 t0 t1 rc
	for ((i = 0; i <= RUNS; i++)); do
		w0=$(wc -l <"$wp_log")
		c0=$(stat_of connections)
		h0=$(stat_of tls_handshakes)
		t0=$EPOCHREALTIME
		if "$@" >"$tmp/out" 2>"$tmp/err" </dev/null; then rc=0; else rc=$?; fi
		t1=$EPOCHREALTIME
		if ((rc != 0)) || ! grep -q '"success":true' "$tmp/out"; then
			echo "bench: $name run $i failed (exit $rc): $*" >&2
			echo "--- stdout" >&2
			cat "$tmp/out" >&2
			echo "--- stderr" >&2
			cat "$tmp/err" >&2
			echo "--- wp calls" >&2
			tail -n 10 "$wp_log" >&2
			die "$name failed"
		fi
		((i == 0)) && continue # warm-up
		times+=($(($(us "$t1") - $(us "$t0"))))
		wps+=($(($(wc -l <"$wp_log") - w0)))
		conns+=($(($(stat_of connections) - c0)))
		hss+=($(($(stat_of tls_handshakes) - h0)))
	done
	RES[$name.time]=$(printf '%s\n' "${times[@]}" | sort -n | awk '
		{ v[NR] = $1 }
		END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%.1f %.1f %.1f", v[1] / 1000, m / 1000, v[NR] / 1000 }')
	RES[$name.wp]=$(span "${wps[@]}")
	RES[$name.conns]=$(span "${conns[@]}")
	RES[$name.hs]=$(span "${hss[@]}")
	RES[$name.wpcalls]=$(tail -n "$((${wps[-1]}))" "$wp_log" | cut -c1-40 | paste -sd '|' | sed 's/|/; /g')
	echo "bench: $name: ms min/median/max ${RES[$name.time]}; wp ${RES[$name.wp]}, conns ${RES[$name.conns]}, TLS ${RES[$name.hs]} per run" >&2
}
span() { # the value when all runs agree, else min–max
	printf '%s\n' "$@" | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print (lo == hi) ? lo : lo "–" hi }'
}

ours_common=(--partner_id=1 --partner_secret=x --allow-root)
measure ours-provision 0 "$bin" provision "${ours_common[@]}" --user=admin --plan=premium
measure ours-provision-early-token 0 "$bin" provision "${ours_common[@]}" --user=admin --plan=premium --early-token
measure ours-cancel 12345 "$bin" cancel "${ours_common[@]}"
measure reference-provision 0 sh "$tmp/ref-provision.sh" -c=1 -s=x -i=admin -p=premium --allow-root
measure reference-cancel 12345 sh "$tmp/ref-cancel.sh" -c=1 -s=x --allow-root

# ------------------------------------------------------ start-up and size
"$bin" --help >/dev/null || die "$bin --help failed"
# Interleaved with /bin/true started the same way, so both see the same
# machine state; both include bash's own fork+exec.
for ((i = 0; i < HELP_RUNS; i++)); do
	t0=$EPOCHREALTIME
	"$bin" --help >/dev/null
	t1=$EPOCHREALTIME
	/bin/true
	t2=$EPOCHREALTIME
	echo "$(($(us "$t1") - $(us "$t0"))) $(($(us "$t2") - $(us "$t1")))"
done >"$tmp/help.txt"
stats3() { # column of help.txt -> "median mean max" in ms
	cut -d' ' -f"$1" "$tmp/help.txt" | sort -n | awk '
		{ v[NR] = $1; s += $1 }
		END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%.2f %.2f %.2f", m / 1000, s / NR / 1000, v[NR] / 1000 }'
}
read -r help_median help_mean help_max <<<"$(stats3 1)"
read -r true_median _ _ <<<"$(stats3 2)"
load_end=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
size=$(stat -c %s "$bin")
size_mib=$(awk -v b="$size" 'BEGIN { printf "%.2f", b / 1048576 }')
static_line=
if [[ $STATIC == 1 ]]; then
	if [[ -f packaging/build-static.sh ]]; then
		echo "bench: sh packaging/build-static.sh" >&2
		static_bin=$(sh packaging/build-static.sh | tail -n 1)
		ssize=$(stat -c %s "$static_bin")
		static_line="static binary ($static_bin): $ssize bytes = $(awk -v b="$ssize" 'BEGIN { printf "%.2f", b / 1048576 }') MiB"
	else
		static_line="static binary: packaging/build-static.sh not found, skipped"
	fi
fi

# ------------------------------------------------------------------ report
f() { echo "$1" | cut -d' ' -f"$2"; } # field N of a "min median max" triple
median() { f "${RES[$1.time]}" 2; }
ratio() { awk -v a="$(median "$1")" -v b="$(median "$2")" 'BEGIN { printf "%.2f", a / b }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
mark() { if "$@"; then echo met; else echo "**not met**"; fi; }

r_prov=$(ratio ours-provision reference-provision)
r_early=$(ratio ours-provision-early-token reference-provision)
r_cancel=$(ratio ours-cancel reference-cancel)
bound=$(((WP_DELAY_MS > LATENCY_MS ? WP_DELAY_MS : LATENCY_MS) + LATENCY_MS + 20))
seq_floor=$((WP_DELAY_MS + 2 * LATENCY_MS))
cancel_floor=$(((WP_DELAY_MS > LATENCY_MS ? WP_DELAY_MS : LATENCY_MS) + LATENCY_MS))
elapsed=$((SECONDS - started))

{
	echo "### jetpack-partner benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $commit)"
	echo
	echo "Machine: $machine. Load average (1/5/15 min) at start $load_start, after the runs $load_end."
	echo "Setup: fake WordPress.com API over TLS on 127.0.0.1, +${LATENCY_MS} ms per reply; fake \`wp\` sleeping ${WP_DELAY_MS} ms per process (PHP boot); $RUNS timed runs per flow after 1 warm-up; wall time per run from bash \`\$EPOCHREALTIME\`."
	echo
	echo "| flow | runs | min ms | median ms | max ms | wp processes | TCP conns | TLS handshakes |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	for n in ours-provision ours-provision-early-token ours-cancel reference-provision reference-cancel; do
		read -r lo mid hi <<<"${RES[$n.time]}"
		echo "| $n | $RUNS | $lo | $mid | $hi | ${RES[$n.wp]} | ${RES[$n.conns]} | ${RES[$n.hs]} |"
	done
	echo
	echo "- ratio ours/reference (median): provision **$r_prov** (with \`--early-token\` **$r_early**), cancel **$r_cancel**"
	echo "- \`--help\` start-up: median **$help_median ms** (mean $help_mean, max $help_max; $HELP_RUNS runs, each timed from bash, fork+exec included; /bin/true timed the same way, interleaved: median $true_median ms)"
	echo "- binary size (\`cargo build --release\`, dynamically linked, stripped; what ships is the static build, \`--static\`): **$size bytes = $size_mib MiB**"
	[[ -z $static_line ]] || echo "- $static_line"
	echo "- above the floor (median − floor): ours-provision +$(awk -v a="$(median ours-provision)" -v b="$seq_floor" 'BEGIN { printf "%.1f", a - b }') ms over $seq_floor ms (wp delay + 2 × latency), ours-cancel +$(awk -v a="$(median ours-cancel)" -v b="$cancel_floor" 'BEGIN { printf "%.1f", a - b }') ms over $cancel_floor ms (max(wp delay, latency) + latency)"
	echo "- wp calls per run: ours-provision \`${RES[ours-provision.wpcalls]}\`; ours-cancel \`${RES[ours-cancel.wpcalls]}\`"
	echo
	echo "| target | wanted | measured | |"
	echo "|---|---|---|---|"
	echo "| wp processes per run | 1 | provision ${RES[ours-provision.wp]}, cancel ${RES[ours-cancel.wp]} | $(mark test "${RES[ours-provision.wp]}" = 1 -a "${RES[ours-cancel.wp]}" = 1) |"
	echo "| TLS handshakes per run | 1 | provision ${RES[ours-provision.hs]}, cancel ${RES[ours-cancel.hs]} | $(mark test "${RES[ours-provision.hs]}" = 1 -a "${RES[ours-cancel.hs]}" = 1) |"
	echo "| provision wall (median) | ≤ max($WP_DELAY_MS, $LATENCY_MS) + $LATENCY_MS + 20 = $bound ms | $(median ours-provision) ms; with \`--early-token\` $(median ours-provision-early-token) ms | default $(mark le "$(median ours-provision)" "$bound"), \`--early-token\` $(mark le "$(median ours-provision-early-token)" "$bound") |"
	echo "| cancel wall (median), same bound | ≤ $bound ms | $(median ours-cancel) ms | $(mark le "$(median ours-cancel)" "$bound") |"
	echo "| ratio ours/reference (median) | ≤ 0.35 | provision $r_prov, cancel $r_cancel | provision $(mark le "$r_prov" 0.35), cancel $(mark le "$r_cancel" 0.35) |"
	echo "| \`--help\` start-up (median) | < 5 ms | $help_median ms | $(mark awk -v a="$help_median" 'BEGIN { exit !(a < 5) }') |"
	# The size budget is the shipped (static) binary's: 4 MiB, as packaging/tests/release.sh checks.
	[[ -z ${ssize:-} ]] || echo "| static binary size | ≤ 4 MiB | $(awk -v b="$ssize" 'BEGIN { printf "%.2f", b / 1048576 }') MiB | $(mark le "$ssize" 4194304) |"
	echo
	echo "Provision is sequential by default (SPEC §3: WordPress must confirm the user before any network call), so its floor is wp delay + 2 × latency = $seq_floor ms here, above the $bound ms bound; \`--early-token\` opts into fetching the token during the WordPress bootstrap (an unknown user then costs one token request) and reaches the bound. Cancel may overlap the token call with the wp bootstrap: its floor is max(wp delay, latency) + latency = $cancel_floor ms, i.e. a best possible ratio of $(awk -v a="$cancel_floor" -v b="$(median reference-cancel)" 'BEGIN { printf "%.2f", a / b }') against this reference-cancel (2 wp processes); provision's floor ratio is $(awk -v a="$seq_floor" -v b="$(median reference-provision)" 'BEGIN { printf "%.2f", a / b }')."
	echo
	echo "Whole benchmark: ${elapsed} s (build included)."
} >"$tmp/report.md"

mkdir -p "$(dirname -- "$OUT")"
cp "$tmp/report.md" "$OUT"
cat "$tmp/report.md"
echo "bench: report also in $OUT" >&2
