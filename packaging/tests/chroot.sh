#!/bin/sh
# The static binary in an empty root: nothing but the binary, /etc/hosts,
# /etc/resolv.conf, /etc/nsswitch.conf and a CA file. Proves it needs no
# shared library, no NSS module and no CA bundle beyond what any host has:
#   --help / --version; provision over HTTP to a name from /etc/hosts
#   (refused without JETPACK_PARTNER_INSECURE_HTTP=1);
#   provision over HTTPS (bare JETPACK_START_API_HOST, CA from the system
#   store path); provision to a name only DNS knows (fake DNS server);
#   cancel; an unknown name gives network_error JSON.
# Needs root (chroot), cargo for the fake API (examples/fake-api.rs, stateful:
# partner 1) and python3 for the fake DNS.
set -u
# shellcheck source-path=SCRIPTDIR
. "$(dirname -- "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "chroot.sh: needs root (chroot)" >&2
	exit 1
fi

chroot=$(command -v chroot) || {
	echo "chroot.sh: no chroot command" >&2
	exit 1
}
bin=$(static_binary) || exit 1
root=$WORK/root
mkdir -p "$root/bin" "$root/etc/ssl/certs" "$root/tmp"
cp "$bin" "$root/bin/jetpack-partner"
printf '127.0.0.1\tlocalhost\n127.0.0.1\tapi.test\n' >"$root/etc/hosts"
# 127.0.0.2: the fake DNS below (any 127/8 address is local on Linux).
printf 'nameserver 127.0.0.2\noptions timeout:1 attempts:1\n' >"$root/etc/resolv.conf"
printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
cp "$TOP/tests/certs/ca.pem" "$root/etc/ssl/certs/ca-certificates.crt"
echo "# root: $(cd "$root" && find . -type f | sort | tr '\n' ' ')"

start_api HTTP --partner 1:s3cret --state-file "$WORK/http-state.json"
start_api HTTPS --partner 1:s3cret --tls
dns_ok=
if "$PYTHON" "$TESTS/fake_dns.py" 127.0.0.2 "$WORK/dns-ready" api.dns.test=127.0.0.1 --lifetime 300 2>"$WORK/dns.err" &
then PIDS="$PIDS $!"; fi
i=0
while [ $i -lt 50 ] && [ ! -e "$WORK/dns-ready" ]; do
	i=$((i + 1))
	sleep 0.1
done
[ -e "$WORK/dns-ready" ] && dns_ok=1

# jp OUT ERR ENV...: run the binary in the chroot with only the given env.
jp() {
	o=$1 e=$2
	shift 2
	# shellcheck disable=SC2086 # ARGS: plain words, split on purpose
	env -i PATH=/bin HOME=/ "$@" "$chroot" "$root" /bin/jetpack-partner $ARGS >"$WORK/$o" 2>"$WORK/$e"
}
# The fake's answer to the first provision of a site: its new blog id.
OKBODY='{"success":true,"next_url":"https://jetpack.wordpress.com/jetpack.authorize/1/?response_type=code&client_id=200001","auth_required":true}'

ARGS=--help
jp help.out help.err
check "--help exits 0 in the chroot" [ $? -eq 0 ]
check "--help prints the usage" contains "$WORK/help.out" "Usage: jetpack-partner"

ARGS=--version
jp version.out version.err
check "--version exits 0" [ $? -eq 0 ]
check "--version prints the version" contains "$WORK/version.out" "jetpack-partner "

ARGS='provision --partner_id=1 --partner_secret=s3cret --user=admin --plan=premium --url=https://site.test'
# Plain http:// to a name that is not localhost needs
# JETPACK_PARTNER_INSECURE_HTTP=1, and then says so once on stderr.
jp refused.out refused.err JETPACK_START_API_HOST="http://api.test:$HTTP"
rc=$?
check "plain HTTP to api.test without JETPACK_PARTNER_INSECURE_HTTP exits 1" [ $rc -eq 1 ]
check "and says invalid_input" contains "$WORK/refused.err" '"error_code":"invalid_input"'
INSECURE=JETPACK_PARTNER_INSECURE_HTTP=1
jp http.out http.err JETPACK_START_API_HOST="http://api.test:$HTTP" "$INSECURE"
rc=$?
check "provision over HTTP to api.test (from /etc/hosts) exits 0" [ $rc -eq 0 ]
check "stdout is the API's body" same "$WORK/http.out" "$OKBODY"
check "stderr is the one plain-HTTP note" same "$WORK/http.err" "jetpack-partner: JETPACK_PARTNER_INSECURE_HTTP=1: the client secret and partner token go unencrypted (plain http://) to api.test:$HTTP"
[ -s "$WORK/http.err" ] && sed 's/^/#   stderr: /' "$WORK/http.err"
check "the fake API has the site site.test (from siteurl https://site.test)" \
	contains "$WORK/http-state.json" '"site": "site.test"'
check "with premium on it" contains "$WORK/http-state.json" '"slug": "premium"'
check "the fake API logged the provision" contains "$HTTP_LOG" '"path":"/rest/v1.3/jpphp/provision"'

jp https.out https.err JETPACK_START_API_HOST="api.test:$HTTPS"
rc=$?
check "provision over HTTPS (bare host, CA from /etc/ssl/certs) exits 0" [ $rc -eq 0 ]
check "stdout is the API's body" same "$WORK/https.out" "$OKBODY"
[ -s "$WORK/https.err" ] && sed 's/^/#   stderr: /' "$WORK/https.err"
check "HTTPS requests carried Host: public-api.wordpress.com" contains "$HTTPS_LOG" '"host":"public-api.wordpress.com"'

if [ -n "$dns_ok" ]; then
	jp dns.out dns.err JETPACK_START_API_HOST="http://api.dns.test:$HTTP" "$INSECURE"
	rc=$?
	check "provision to api.dns.test (resolved by DNS, not /etc/hosts) exits 0" [ $rc -eq 0 ]
	check "stdout is the API's body" same "$WORK/dns.out" "$OKBODY"
	[ -s "$WORK/dns.err" ] && sed 's/^/#   stderr: /' "$WORK/dns.err"
else
	echo "# SKIP DNS case: could not start the fake DNS server on 127.0.0.2:53: $(cat "$WORK/dns.err")"
fi

ARGS='cancel --partner_id=1 --partner_secret=s3cret --url=https://site.test'
jp cancel.out cancel.err JETPACK_START_API_HOST="http://api.test:$HTTP" "$INSECURE"
rc=$?
check "cancel exits 0" [ $rc -eq 0 ]
check "cancel prints the API's body" same "$WORK/cancel.out" '{"success":true}'
check "cancel went to the site suffix" contains "$HTTP_LOG" '"path":"/rest/v1.3/jpphp/site.test/partner-cancel"'

ARGS='provision --partner_id=1 --partner_secret=s3cret --user=admin --url=https://site.test'
jp nx.out nx.err JETPACK_START_API_HOST="http://nosuch.test:$HTTP" "$INSECURE"
rc=$?
check "an unknown host name exits 1" [ $rc -eq 1 ]
check "and says network_error on stderr" contains "$WORK/nx.err" '"error_code":"network_error"'
check "naming the host" contains "$WORK/nx.err" 'nosuch.test'
check "nothing on stdout" [ ! -s "$WORK/nx.out" ]
echo "#   unknown host: $(cat "$WORK/nx.err")"

check "the secret never reached any output" sh -c "! cat '$WORK'/*.out '$WORK'/*.err | grep -q s3cret"

finish
