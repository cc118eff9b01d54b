#!/usr/bin/env bash
# Benchmark: `jetpack-partner sites --scan` on a generated server tree, and
# `--facts` through a fake `wp` that sleeps like PHP booting WordPress.
#
#   bash bench/sites.sh                      # 10 000 folders, 100 installs
#   bash bench/sites.sh --users 500 --dirs 199 --runs 3
#
# Options (flag / environment, default):
#   --users N       BENCH_USERS       100   home folders (every 10th holds a site)
#   --dirs N        BENCH_DIRS        99    plain folders per home (users * (dirs + 1) folders)
#   --plugins N     BENCH_PLUGINS     2000  files in each site's wp-content/plugins (never read)
#   --runs N        BENCH_RUNS        5     timed runs of each measure (after 1 warm-up)
#   --wp-delay-ms N BENCH_WP_DELAY_MS 300   fake wp's bootstrap sleep, for --facts
#   --no-build      BENCH_NO_BUILD=1  off   use target/release/jetpack-partner as it is
#
# Prints min/median/max wall time in ms per measure. Needs bash, GNU
# coreutils and cargo; touches nothing outside a temp folder.
set -euo pipefail
export LC_ALL=C

USERS=${BENCH_USERS:-100}
DIRS=${BENCH_DIRS:-99}
PLUGINS=${BENCH_PLUGINS:-2000}
RUNS=${BENCH_RUNS:-5}
WP_DELAY_MS=${BENCH_WP_DELAY_MS:-300}
NO_BUILD=${BENCH_NO_BUILD:-}
while [ $# -gt 0 ]; do
	case $1 in
	--users) USERS=$2; shift 2 ;;
	--dirs) DIRS=$2; shift 2 ;;
	--plugins) PLUGINS=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--wp-delay-ms) WP_DELAY_MS=$2; shift 2 ;;
	--no-build) NO_BUILD=1; shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench: unknown option $1" >&2; exit 1 ;;
	esac
done

cd "$(dirname "$0")/.."
if [ -z "$NO_BUILD" ]; then
	echo "bench: cargo build --release" >&2
	cargo build --release >&2
fi
BIN=$PWD/target/release/jetpack-partner
[ -x "$BIN" ] || { echo "bench: $BIN missing (build first)" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/jetpack-partner-sites-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- the tree
www=$tmp/www
echo "bench: building $USERS homes x $DIRS folders under $www" >&2
sites=0
for ((u = 0; u < USERS; u++)); do
	home=$www/user$u
	mkdir -p "$home"
	(cd "$home" && mkdir $(seq -f 'd%g' 1 "$DIRS"))
	if ((u % 10 == 0)); then
		s=$home/public_html
		mkdir -p "$s/wp-includes" "$s/wp-admin" "$s/wp-content/plugins/jetpack"
		printf "<?php\n\$wp_version = '6.1.9';\n" >"$s/wp-includes/version.php"
		printf "<?php\ndefine( 'DB_NAME', 'wp' );\n" >"$s/wp-config.php"
		: >"$s/wp-load.php"
		: >"$s/wp-settings.php"
		(cd "$s/wp-content/plugins" && mkdir -p many && cd many && touch $(seq -f 'f%g.php' 1 "$PLUGINS"))
		sites=$((sites + 1))
	fi
done
folders=$(find "$www" -type d | wc -l)
echo "bench: $folders folders, $sites installs ($PLUGINS plugin files each, never read)" >&2

# A fake wp: sleeps like a WordPress bootstrap, answers the facts eval.
mkdir -p "$tmp/bin"
cat >"$tmp/bin/wp" <<EOF
#!/bin/sh
sleep $(awk -v ms="$WP_DELAY_MS" 'BEGIN { printf "%.3f", ms / 1000 }')
printf '\nJETPACK_PARTNER_FACTS {"marker":1,"siteurl":"http:\\\\/\\\\/s.test","home":"http:\\\\/\\\\/s.test","blog_id":0}\n'
EOF
chmod +x "$tmp/bin/wp"

us() { date +%s%6N; }

# measure NAME ARGS...: one warm-up, then RUNS timed runs; checks the count.
measure() {
	local name=$1 times=() i t0 t1 n expect=$sites
	shift
	case " $* " in *" --format=table "*) expect=$((sites + 1)) ;; esac # the heading
	PATH="$tmp/bin:$PATH" "$BIN" sites "$@" >/dev/null
	for ((i = 0; i < RUNS; i++)); do
		t0=$(us)
		n=$(PATH="$tmp/bin:$PATH" "$BIN" sites "$@" | wc -l)
		t1=$(us)
		times+=($(((t1 - t0) / 1000)))
		[ "$n" -eq "$expect" ] || { echo "bench: $name: $n lines, expected $expect" >&2; exit 1; }
	done
	printf '%s\n' "${times[@]}" | sort -n | awk -v name="$name" '
		{ t[NR] = $1 }
		END { printf "%-34s %6d %6d %6d\n", name, t[1], t[int((NR + 1) / 2)], t[NR] }'
}

echo "bench: $RUNS runs each (+1 warm-up); wp bootstrap ${WP_DELAY_MS} ms for --facts" >&2
printf '%-34s %6s %6s %6s\n' "measure (ms)" min median max
measure "scan ($folders folders)" --scan="$www"
measure "scan --format=table" --scan="$www" --format=table
measure "scan --facts --jobs=1" --scan="$www" --facts --jobs=1
measure "scan --facts --jobs=4" --scan="$www" --facts --jobs=4
measure "scan --facts --jobs=16" --scan="$www" --facts --jobs=16
