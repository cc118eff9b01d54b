#!/usr/bin/env bash
# Checks an `audit --format=html` page in a real browser: Debian's chromium,
# headless, offline (every host name resolves to nothing).
#
#   tests/browser/check-report.sh HTML_FILE SCREENSHOT_PNG EXPECT_FILE
#
# EXPECT_FILE has one line per finding: the text of its site cell as the
# page shows it (invisible and control characters as \u{…}, a missing site
# as "—"); order does not matter, blank lines are ignored, an empty file
# means "no findings". For the fixture:
#
#   cargo run --example audit-html -- tests/browser/fixture.jsonl target/audit.html
#   tests/browser/check-report.sh target/audit.html target/audit.png tests/browser/fixture.expect
#
# What it checks:
#  1. the file as written: exactly one <script>, inline; a Content-Security-
#     Policy that allows nothing else; no tag loads anything, no event-handler
#     attribute, links only to the page's own sections; the filter box is
#     hidden until the script shows it (so without JavaScript every table is
#     there and nothing is inert on screen);
#  2. the DOM after scripts ran: the filter script ran (so the CSP hash is
#     right), still one <script>; one chart bar per kind section, linking to
#     it, with that section's count; each section has as many rows as its
#     count; the site cells are exactly EXPECT_FILE;
#  3. opened as PAGE#filter=…, a filter that matches nothing hides every row;
#  4. the screenshot (1280x2000) is a PNG of that size;
#  and in every run the page logs nothing to the console: a CSP violation
#  (an injected script or an outside resource) or a script error fails.
#
# CHROMIUM overrides the browser (default /usr/bin/chromium). Needs perl
# (perl-base, always on Debian). Exit 0: all good; 1: a check failed; 2: usage.
set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 HTML_FILE SCREENSHOT_PNG EXPECT_FILE" >&2
    exit 2
fi
html=$1 shot=$2 expect=$3
chromium=${CHROMIUM:-/usr/bin/chromium}
for f in "$html" "$expect"; do
    [ -r "$f" ] || { echo "check-report: cannot read $f" >&2; exit 2; }
done
[ -x "$chromium" ] || { echo "check-report: no browser at $chromium (apt-get install chromium)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
fail() { echo "check-report: $*" >&2; failed=1; }

abs_html=$(realpath "$html")
url="file://$(perl -e 'print $ARGV[0] =~ s/([^A-Za-z0-9\/._~-])/sprintf("%%%02X", ord($1))/ger' "$abs_html")"
shot_dir=$(cd "$(dirname "$shot")" && pwd)
abs_shot="$shot_dir/$(basename "$shot")"
rm -f "$abs_shot"

# browse NAME ARGS…: one browser run with a fresh profile; output in
# $work/NAME.out, its log in $work/NAME.err.
browse() {
    local name=$1 profile
    shift
    profile=$(mktemp -d "$work/profile.XXXXXX")
    if ! timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
        --no-first-run --disable-background-networking --disable-component-update \
        --disable-sync --user-data-dir="$profile" --host-resolver-rules="MAP * ~NOTFOUND" \
        --enable-logging=stderr --v=0 "$@" >"$work/$name.out" 2>"$work/$name.err"; then
        fail "$name: chromium failed:"
        tail -n 20 "$work/$name.err" >&2
        exit 1
    fi
    if grep -q ':CONSOLE' "$work/$name.err"; then
        fail "$name: the page logged to the console (CSP violation or script error):"
        grep ':CONSOLE' "$work/$name.err" | cut -c1-400 >&2
    fi
}

# 1. The file as written. Raw "<" in it only ever starts markup (text is
# escaped), so a tag scan is exact once the style and script bodies are out.
perl -0777 -ne '
    my $bad = 0;
    sub bad { print STDERR "check-report: file: @_\n"; $bad = 1 }
    my @scripts = /<script\b([^>]*)>/g;
    bad("expected exactly one <script>, found " . @scripts) if @scripts != 1;
    bad("the script has attributes: <script$scripts[0]>") if @scripts && $scripts[0] ne "";
    bad("no Content-Security-Policy with default-src none")
        unless /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;|<meta http-equiv="Content-Security-Policy" content="default-src \x27none\x27/;
    my ($style) = /<style>(.*?)<\/style>/s;
    bad("the stylesheet imports or loads something") if defined $style && $style =~ /\@import|url\(/i;
    s/<(style|script)>.*?<\/\1>//gs;
    for my $tag (/<([a-zA-Z][^>]*)>/g) {
        bad("tag loads something: <$tag>") if $tag =~ /\s(src|srcset|data|action|formaction|poster|background)=/i;
        bad("event handler: <$tag>") if $tag =~ /\son[a-z]+=/i;
        bad("link outside the page: <$tag>") if $tag =~ /\shref="(?!#)/i;
        bad("tag that loads or embeds: <$tag>") if $tag =~ /^(link|img|iframe|object|embed|base|image|use|video|audio|source)\b/i;
    }
    if (/id="filter-wrap"/) {
        bad("the filter box is not hidden before the script runs") unless /<div class="filter" id="filter-wrap" hidden>/;
    }
    exit $bad;
' "$html" || failed=1

# 2. The DOM after the script ran.
browse dom --virtual-time-budget=5000 --dump-dom "$url"
perl -0777 -e '
    my ($dom_file, $expect_file) = @ARGV;
    open my $d, "<", $dom_file or die "$dom_file: $!";
    my $dom = do { local $/; <$d> };
    open my $e, "<", $expect_file or die "$expect_file: $!";
    my @expect = grep { /\S/ } map { s/\r?\n\z//r } do { local $/ = "\n"; <$e> };
    my $bad = 0;
    sub bad { print STDERR "check-report: dom: @_\n"; $bad = 1 }
    sub text {
        my $t = shift;
        $t =~ s/<[^>]*>//g;
        my %ent = (lt => "<", gt => ">", quot => "\"", "#39" => "\x27", nbsp => "\xc2\xa0", amp => "&");
        $t =~ s/&(lt|gt|quot|#39|nbsp|amp);/$ent{$1}/g;
        return $t;
    }
    my $scripts = () = $dom =~ /<script\b/g;
    bad("expected one <script> in the DOM, found $scripts") if $scripts != 1;
    my @sections = $dom =~ /<section class="kind [^"]*" id="(kind-\d+)" data-count="(\d+)"[^>]*>(.*?)<\/section>/gs;
    my (%count, $rows);
    while (my ($id, $n, $body) = splice @sections, 0, 3) {
        $count{$id} = $n;
        my $r = () = $body =~ /<tr class="finding"/g;
        bad("$id says $n findings but has $r rows") if $r != $n;
        $rows += $r;
    }
    my @sites = map { text($_) } $dom =~ /<td class="site">(.*?)<\/td>/gs;
    if (!@expect) {
        bad("no findings expected but the page has " . @sites) if @sites;
        bad("no \"Nothing found\" heading") unless $dom =~ /<h2>Nothing found<\/h2>/;
        bad("a chart with no findings") if $dom =~ /<svg/;
        exit $bad;
    }
    bad("filter script did not run (box still hidden): CSP hash or script error?")
        unless $dom =~ /<div class="filter" id="filter-wrap">/;
    my ($svg) = $dom =~ /(<svg\b.*?<\/svg>)/s;
    if (!defined $svg) { bad("no <svg> chart"); }
    else {
        bad("chart has no <title>/aria-labelledby") unless $svg =~ /aria-labelledby="chart-t chart-d"/ && $svg =~ /<title id="chart-t">/;
        my %bar;
        for my $rect ($svg =~ /<rect ([^>]*)>/g) {
            next unless $rect =~ /data-section="(kind-\d+)"/;
            my $id = $1;
            my ($n) = $rect =~ /data-count="(\d+)"/;
            bad("two bars for $id") if exists $bar{$id};
            $bar{$id} = $n;
        }
        for my $id (sort keys %count) {
            if (!exists $bar{$id}) { bad("no chart bar for $id") }
            elsif ($bar{$id} != $count{$id}) { bad("bar for $id says $bar{$id}, table has $count{$id}") }
        }
        for my $id (sort keys %bar) { bad("chart bar for $id has no section") unless exists $count{$id} }
    }
    my %want; $want{$_}++ for @expect;
    my %got;  $got{$_}++ for @sites;
    for my $s (sort keys %want) {
        my $g = $got{$s} // 0;
        bad("expected $want{$s} row(s) for site [$s], found $g") if $g != $want{$s};
    }
    for my $s (sort keys %got) { bad("unexpected row for site [$s]") unless exists $want{$s} }
    printf "check-report: %d findings in %d kinds, all shown\n", scalar @sites, scalar keys %count unless $bad;
    exit $bad;
' "$work/dom.out" "$expect" || failed=1

# 3. Filtering by something no finding contains hides every row.
if grep -q '[^[:space:]]' "$expect"; then
    browse filtered --virtual-time-budget=5000 --dump-dom "$url#filter=zz-no-such-finding-zz"
    perl -0777 -ne '
        my $all = () = /<tr class="finding"/g;
        my $hidden = () = /<tr class="finding" hidden/g;
        my $bad = 0;
        if ($all == 0 || $hidden != $all) { print STDERR "check-report: filter: $hidden of $all rows hidden\n"; $bad = 1 }
        unless (/<span id="filter-status" aria-live="polite">0 of $all findings match<\/span>/) {
            print STDERR "check-report: filter: no \"0 of $all findings match\" status\n"; $bad = 1
        }
        exit $bad;
    ' "$work/filtered.out" || failed=1
fi

# 4. The screenshot.
browse shot --hide-scrollbars --run-all-compositor-stages-before-draw \
    --virtual-time-budget=5000 --window-size=1280,2000 --screenshot="$abs_shot" "$url"
if [ ! -s "$abs_shot" ]; then
    fail "no screenshot at $abs_shot"
else
    perl -e '
        open my $f, "<:raw", $ARGV[0] or die "$ARGV[0]: $!";
        read $f, my $head, 24;
        my ($sig, $type, $w, $h) = unpack "a8 x4 a4 N N", $head;
        if ($sig ne "\x89PNG\r\n\x1a\n" || $type ne "IHDR") { print STDERR "check-report: $ARGV[0] is not a PNG\n"; exit 1 }
        if ($w != 1280 || $h != 2000) { print STDERR "check-report: screenshot is ${w}x$h, not 1280x2000\n"; exit 1 }
    ' "$abs_shot" || failed=1
fi

if [ "$failed" -ne 0 ]; then
    echo "check-report: FAILED ($html)" >&2
    exit 1
fi
echo "check-report: ok: $html, screenshot $abs_shot"
