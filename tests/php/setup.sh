#!/usr/bin/env bash
# PHP test tier: real WordPress sites for tests/integration/php_facts.rs.
#
#   tests/php/setup.sh          install what is missing, (re)start MariaDB,
#                               (re)build the sites, write the env file
#   tests/php/setup.sh stop     stop the MariaDB this script started
#
# Then: JETPACK_PARTNER_PHP_TIER=<env file> cargo test --test integration -- --ignored php_facts
#
# Needs root (apt-get, MariaDB run as root) and a Debian with the php-cli,
# php-mysql, mariadb-server and wordpress packages in reach. WP-CLI is not
# used (it is not packaged): tests/php/runner.php loads WordPress the way
# `wp eval` does.
#
# Everything lives under $JETPACK_PARTNER_PHP_DIR (default
# /tmp/jetpack-partner-php): MariaDB's datadir and socket (no TCP port:
# --skip-networking, so it never clashes with a system MariaDB), one copy of
# /usr/share/wordpress per site, and the env file. Re-running rebuilds the
# sites from scratch (same IDs, same options), so it is idempotent and also
# resets any state a failed test left behind.
#
# Sites (all with users admin = ID 1 <admin@site.test> and editor2 = ID 2
# <ed@site.test>):
#   plain      http://site.test, no jetpack_options; has a stub
#              wp-content/plugins/jetpack/jetpack.php (inactive)
#   connected  http://site.test, jetpack_options = array('id' => 12345)
#   split      WordPress in its own folder: home http://split.test,
#              siteurl http://split.test/wp (the root is .../split/wp);
#              a must-use plugin prints noise (fixtures/noise-mu-plugin.php)
#   multi      subdirectory multisite http://multi.test, subsite /shop/;
#              the stub jetpack plugin too (inactive everywhere), with the
#              stand-in Identity_Crisis (below) and JETPACK_SHOULD_HANDLE_IDC
#              (Jetpack handles IDC on a network only with it)
#   net        subdirectory network http://net.test with 110 subsites
#              /s001/../s110/ (blog ids 2..111) built in one PHP process;
#              users on some subsites only, archived/deleted/spam ones,
#              Jetpack blog ids on some, the stub jetpack plugin inactive
#              (activated per site); a must-use plugin prints noise, also
#              at every blog switch (fixtures/network-noise-mu-plugin.php).
#              The full layout: jp_populate_net in install.php.
#   sub        subdomain network http://sub.test (a., b., c.sub.test, c
#              archived) with jetpack network-active (jp_populate_sub)
#   staging    http://staging.test, jetpack_options id 12345 (connected's:
#              a copy of it when the tests set Jetpack's IDC option); the
#              stub jetpack plugin (inactive) with a stand-in Jetpack
#              autoloader, vendor/autoload_packages.php, defining
#              Automattic\Jetpack\Identity_Crisis (fixtures/
#              jetpack-autoload_packages.php, idc-standin.php)
#   legacy     http://legacy.test, jetpack_options id 67890; the old API,
#              a Jetpack class with validate_sync_error_idc_option(), from a
#              must-use plugin (fixtures/jetpack-old-mu-plugin.php); no
#              autoloader
# The stand-ins decide safe mode from the jetpack_sync_error_idc option as
# Jetpack does, record every call in the option jp_test_idc_calls, and fail
# when jp_test_idc_throw is set (fixtures/idc-standin.php). No site has
# the IDC option after setup; plain and connected have no Jetpack code.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BASE=${JETPACK_PARTNER_PHP_DIR:-/tmp/jetpack-partner-php}
DATA=$BASE/mysql-data
SOCK=$BASE/mysql.sock
PIDFILE=$BASE/mysql.pid
ENVFILE=$BASE/env
WP_SRC=/usr/share/wordpress
DB_USER=jpwp
DB_PASS=jpwp-test-only

say() { printf 'setup.sh: %s\n' "$*"; }
die() {
  printf 'setup.sh: error: %s\n' "$*" >&2
  exit 1
}

db_ping() {
  mariadb-admin --no-defaults --socket="$SOCK" --user=root ping >/dev/null 2>&1
}

db_stop() {
  if [ -s "$PIDFILE" ]; then
    local pid
    pid=$(cat "$PIDFILE")
    if kill -0 "$pid" 2>/dev/null; then
      say "stopping MariaDB (pid $pid)"
      kill "$pid"
      for _ in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
      done
      kill -0 "$pid" 2>/dev/null && die "MariaDB (pid $pid) did not stop within 30 s"
    fi
  fi
  rm -f "$PIDFILE"
}

if [ "${1:-}" = stop ]; then
  db_stop
  exit 0
elif [ $# -gt 0 ]; then
  die "usage: $0 [stop]"
fi

[ "$(id -u)" = 0 ] || die "run as root (installs Debian packages and runs MariaDB as root)"

started=$(date +%s)
mkdir -p "$BASE"

# --- 1. Debian packages ------------------------------------------------------
# php_has_mysqli: 0 if `php -m` lists the mysqli module. The whole output is
# captured first: `php -m | grep -q mysqli` under pipefail fails at random
# (grep quits at the first match, php gets SIGPIPE writing the modules after
# it, and the pipeline reports php's 141). Sets php_m_rc to php -m's status.
php_m_rc=0
php_has_mysqli() {
  local mods
  php_m_rc=0
  mods=$(php -m 2>/dev/null) || php_m_rc=$?
  [ "$php_m_rc" -eq 0 ] && grep -qix mysqli <<<"$mods"
}
missing=()
command -v php >/dev/null 2>&1 || missing+=(php-cli)
if ! command -v php >/dev/null 2>&1 || ! php_has_mysqli; then
  missing+=(php-mysql)
fi
command -v mariadbd >/dev/null 2>&1 || missing+=(mariadb-server)
[ -f "$WP_SRC/wp-load.php" ] || missing+=(wordpress)
installed=() # what this run installed (for truthful messages below)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed; cannot install ${missing[*]}"
  # The wordpress package pulls in apache2; policy-rc.d (if any) keeps it
  # from starting, and nothing here needs it.
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$BASE/apt.log" 2>&1 \
    || die "apt-get install ${missing[*]} failed (log: $BASE/apt.log); the PHP tier needs php-cli, php-mysql, mariadb-server and wordpress from Debian"
  installed=("${missing[@]}")
fi
command -v php >/dev/null 2>&1 || die "php is still missing after installing php-cli"
if ! php_has_mysqli; then
  if [ "$php_m_rc" -ne 0 ]; then
    checked="\`php -m\` ($(command -v php)) failed with exit status $php_m_rc"
  else
    checked="\`php -m\` ($(command -v php)) does not list the mysqli module"
  fi
  if [[ " ${installed[*]} " == *" php-mysql "* ]]; then
    die "$checked, although this run just installed php-mysql (apt log: $BASE/apt.log)"
  else
    die "$checked; this run did not install php-mysql (a moment ago \`php -m\` listed mysqli)"
  fi
fi
command -v mariadbd >/dev/null 2>&1 || die "mariadbd is still missing after installing mariadb-server"
[ -f "$WP_SRC/wp-load.php" ] || die "$WP_SRC/wp-load.php is missing after installing wordpress"
# shellcheck disable=SC2016 # PHP code, not shell
wp_version=$(php -r 'include $argv[1]; echo $wp_version;' "$WP_SRC/wp-includes/version.php")
say "PHP $(php -r 'echo PHP_VERSION;'), $(mariadbd --version | awk '{print $3}'), WordPress $wp_version"

# --- 2. MariaDB --------------------------------------------------------------
if db_ping; then
  say "MariaDB already answering on $SOCK"
else
  db_stop
  if [ ! -d "$DATA/mysql" ]; then
    say "initialising MariaDB datadir $DATA"
    rm -rf "$DATA"
    mariadb-install-db --no-defaults --datadir="$DATA" --user=root \
      --auth-root-authentication-method=socket --skip-test-db >"$BASE/mysql-install.log" 2>&1 \
      || die "mariadb-install-db failed (log: $BASE/mysql-install.log)"
  fi
  say "starting MariaDB (socket $SOCK, no TCP)"
  # setsid + nohup: the server outlives this script (and the CI step).
  # Throw-away test data, so no durability: no log flush per commit, no
  # doublewrite, one tablespace (the 110-subsite network is ~1200 tables
  # and ~40000 writes; a fresh setup took 29 s with the defaults, 20 s so,
  # on a busy 2-core machine).
  setsid nohup mariadbd --no-defaults --datadir="$DATA" --socket="$SOCK" \
    --pid-file="$PIDFILE" --skip-networking --user=root \
    --log-error="$BASE/mysql.err" --innodb-buffer-pool-size=32M \
    --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --innodb-file-per-table=0 \
    </dev/null >/dev/null 2>&1 &
  for _ in $(seq 1 120); do
    db_ping && break
    sleep 0.5
  done
  db_ping || die "MariaDB did not answer within 60 s (log: $BASE/mysql.err)"
fi

sql() { mariadb --no-defaults --socket="$SOCK" --user=root -e "$1"; }
sql "CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
     GRANT ALL PRIVILEGES ON \`jp\\_%\`.* TO '$DB_USER'@'localhost';"

# --- 3. WordPress sites ------------------------------------------------------
# $1 = file, $2 = database, $3 = extra PHP lines (multisite constants)
write_config() {
  cat >"$1" <<EOF
<?php
// Written by tests/php/setup.sh (jetpack-partner PHP test tier).
define('DB_NAME', '$2');
define('DB_USER', '$DB_USER');
define('DB_PASSWORD', '$DB_PASS');
define('DB_HOST', 'localhost:$SOCK');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
define('AUTH_KEY', 'jetpack-partner-test-auth');
define('SECURE_AUTH_KEY', 'jetpack-partner-test-secure-auth');
define('LOGGED_IN_KEY', 'jetpack-partner-test-logged-in');
define('NONCE_KEY', 'jetpack-partner-test-nonce');
define('AUTH_SALT', 'jetpack-partner-test-auth-salt');
define('SECURE_AUTH_SALT', 'jetpack-partner-test-secure-auth-salt');
define('LOGGED_IN_SALT', 'jetpack-partner-test-logged-in-salt');
define('NONCE_SALT', 'jetpack-partner-test-nonce-salt');
// No web server here: no cron spawning, no outgoing HTTP from a test run.
define('DISABLE_WP_CRON', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_DEBUG', false);
\$table_prefix = 'wp_';
$3
if (!defined('ABSPATH')) {
	define('ABSPATH', __DIR__ . '/');
}
require_once ABSPATH . 'wp-settings.php';
EOF
}

# $1 = site name, $2 = WordPress root; copies the package files, fresh db.
new_site() {
  local name=$1 root=$2
  sql "DROP DATABASE IF EXISTS jp_$name; CREATE DATABASE jp_$name CHARACTER SET utf8mb4;"
  rm -rf "$BASE/sites/$name"
  mkdir -p "$(dirname "$root")"
  cp -a "$WP_SRC" "$root"
  # Debian's wp-config.php reads /etc/wordpress/config-<host>.php; a plain
  # one per copy is simpler and keeps /etc untouched.
  rm -f "$root/wp-config.php"
}

install_php() { php "$HERE/install.php" "$@"; }

# $1 = WordPress root: the stub jetpack plugin with the stand-in Jetpack
# autoloader (Identity_Crisis) in its vendor/ folder.
install_identity_crisis() {
  local dir=$1/wp-content/plugins/jetpack
  mkdir -p "$dir/vendor"
  cp "$HERE/fixtures/jetpack.php" "$dir/jetpack.php"
  cp "$HERE/fixtures/jetpack-autoload_packages.php" "$dir/vendor/autoload_packages.php"
  cp "$HERE/fixtures/idc-standin.php" "$dir/vendor/jetpack-partner-idc-standin.php"
}

PLAIN=$BASE/sites/plain
CONNECTED=$BASE/sites/connected
SPLIT=$BASE/sites/split/wp
MULTI=$BASE/sites/multi
NET=$BASE/sites/net
SUB=$BASE/sites/sub
STAGING=$BASE/sites/staging
LEGACY=$BASE/sites/legacy

say "site plain: $PLAIN (http://site.test, jetpack stub plugin, not connected)"
new_site plain "$PLAIN"
write_config "$PLAIN/wp-config.php" jp_plain ""
install_php single "$PLAIN" http://site.test http://site.test
mkdir -p "$PLAIN/wp-content/plugins/jetpack"
cp "$HERE/fixtures/jetpack.php" "$PLAIN/wp-content/plugins/jetpack/jetpack.php"

say "site connected: $CONNECTED (http://site.test, jetpack_options id 12345)"
new_site connected "$CONNECTED"
write_config "$CONNECTED/wp-config.php" jp_connected ""
install_php single "$CONNECTED" http://site.test http://site.test 12345

say "site split: $SPLIT (home http://split.test, siteurl http://split.test/wp)"
new_site split "$SPLIT"
write_config "$SPLIT/wp-config.php" jp_split ""
install_php single "$SPLIT" http://split.test/wp http://split.test
# What the site's front page would be (WordPress's "own directory" setup).
printf '%s\n' "<?php" "define('WP_USE_THEMES', true);" \
  "require __DIR__ . '/wp/wp-blog-header.php';" >"$BASE/sites/split/index.php"
mkdir -p "$SPLIT/wp-content/mu-plugins"
cp "$HERE/fixtures/noise-mu-plugin.php" "$SPLIT/wp-content/mu-plugins/noise.php"

# $1 = name, $2 = domain, $3 = subdirectory|subdomain, $4 = more
# wp-config.php lines (optional): a network at http://DOMAIN in
# $BASE/sites/NAME (single install, then converted as wp-admin's Network
# Setup does), with the stub jetpack plugin (inactive).
new_network() {
  local name=$1 domain=$2 kind=$3 extra=${4:-} root=$BASE/sites/$1 subdomains=false
  if [ "$kind" = subdomain ]; then
    subdomains=true
  fi
  new_site "$name" "$root"
  write_config "$root/wp-config.php" "jp_$name" "define('WP_ALLOW_MULTISITE', true);"
  install_php single "$root" "http://$domain" "http://$domain"
  install_php network "$root" "$domain" "$kind"
  write_config "$root/wp-config.php" "jp_$name" "define('WP_ALLOW_MULTISITE', true);
define('MULTISITE', true);
define('SUBDOMAIN_INSTALL', $subdomains);
define('DOMAIN_CURRENT_SITE', '$domain');
define('PATH_CURRENT_SITE', '/');
define('SITE_ID_CURRENT_SITE', 1);
define('BLOG_ID_CURRENT_SITE', 1);
$extra"
  mkdir -p "$root/wp-content/plugins/jetpack"
  cp "$HERE/fixtures/jetpack.php" "$root/wp-content/plugins/jetpack/jetpack.php"
}

say "site multi: $MULTI (subdirectory multisite http://multi.test, subsite /shop/)"
new_network multi multi.test subdirectory "define('JETPACK_SHOULD_HANDLE_IDC', true);"
install_php subsite "$MULTI" multi.test /shop/ Shop
install_identity_crisis "$MULTI"

say "site net: $NET (subdirectory network http://net.test, 110 subsites, jetpack activated per site)"
new_network net net.test subdirectory
install_php populate "$NET" net
mkdir -p "$NET/wp-content/mu-plugins"
cp "$HERE/fixtures/network-noise-mu-plugin.php" "$NET/wp-content/mu-plugins/noise.php"

say "site sub: $SUB (subdomain network http://sub.test, jetpack network-active)"
new_network sub sub.test subdomain
install_php populate "$SUB" sub

say "site staging: $STAGING (http://staging.test, jetpack_options id 12345, stand-in Identity_Crisis)"
new_site staging "$STAGING"
write_config "$STAGING/wp-config.php" jp_staging ""
install_php single "$STAGING" http://staging.test http://staging.test 12345
install_identity_crisis "$STAGING"

say "site legacy: $LEGACY (http://legacy.test, jetpack_options id 67890, old Jetpack class from a must-use plugin)"
new_site legacy "$LEGACY"
write_config "$LEGACY/wp-config.php" jp_legacy ""
install_php single "$LEGACY" http://legacy.test http://legacy.test 67890
mkdir -p "$LEGACY/wp-content/mu-plugins/jetpack-partner-idc"
cp "$HERE/fixtures/jetpack-old-mu-plugin.php" "$LEGACY/wp-content/mu-plugins/jetpack-old.php"
cp "$HERE/fixtures/idc-standin.php" "$LEGACY/wp-content/mu-plugins/jetpack-partner-idc/idc-standin.php"

cat >"$ENVFILE" <<EOF
# Written by tests/php/setup.sh; read by tests/integration/php_facts.rs
# (JETPACK_PARTNER_PHP_TIER=$ENVFILE).
PHP=$(command -v php)
WP_VERSION=$wp_version
SITE_PLAIN=$PLAIN
SITE_CONNECTED=$CONNECTED
SITE_SPLIT=$SPLIT
SITE_MULTI=$MULTI
SITE_NET=$NET
SITE_SUB=$SUB
SITE_STAGING=$STAGING
SITE_LEGACY=$LEGACY
MYSQL_SOCKET=$SOCK
EOF
say "wrote $ENVFILE"
say "done in $(($(date +%s) - started)) s; now run:"
say "  JETPACK_PARTNER_PHP_TIER=$ENVFILE cargo test --test integration -- --ignored php_facts"
