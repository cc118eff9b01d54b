use super::escape::{self, hidden};
use super::kinds::KINDS;
use super::*;
use serde_json::json;

const FIXTURE: &str = include_str!("../../../tests/browser/fixture.jsonl");

fn page() -> Page<'static> {
    Page {
        generated: "2026-11-20T09:30:00Z",
        run: "run-7f3a",
        sites: 12,
        activations: Some(20),
    }
}

fn fixture() -> Vec<Value> {
    FIXTURE
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn html(s: &str) -> String {
    let mut out = String::new();
    escape::html(&mut out, s);
    out
}

fn plain(s: &str) -> String {
    let mut out = String::new();
    escape::plain(&mut out, s);
    out
}

/// Every `attr="…"` value in `page`, in order.
fn attrs<'p>(page: &'p str, attr: &str) -> Vec<&'p str> {
    let needle = format!(" {attr}=\"");
    page.split(needle.as_str())
        .skip(1)
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .collect()
}

/// The text of every tag (`<name …>`) in `page`. Escaping guarantees a raw
/// `<` only ever starts our own markup.
fn tags(page: &str) -> Vec<&str> {
    page.split('<')
        .skip(1)
        .filter(|t| t.starts_with(|c: char| c.is_ascii_alphabetic()))
        .map(|t| &t[..t.find('>').unwrap()])
        .collect()
}

#[test]
fn markup_and_quotes_become_entities() {
    assert_eq!(
        html("</script><b a=\"x\" b='y'>&amp;"),
        "&lt;/script&gt;&lt;b a=&quot;x&quot; b=&#39;y&#39;&gt;&amp;amp;"
    );
    assert_eq!(plain("\" onload='x'"), "&quot; onload=&#39;x&#39;");
}

#[test]
fn hidden_characters_are_shown_not_obeyed() {
    assert_eq!(html("a\u{202e}b"), "a<span class=\"ctl\">\\u{202e}</span>b");
    assert_eq!(
        plain("\u{9b}31m\u{1b}[2J\u{7f}\u{0}"),
        "\\u{9b}31m\\u{1b}[2J\\u{7f}\\u{0}"
    );
    assert_eq!(
        plain("\u{2066}x\u{2069}\u{200b}\u{feff}\n\t"),
        "\\u{2066}x\\u{2069}\\u{200b}\\u{feff}\\u{a}\\u{9}"
    );
    // Ordinary non-ASCII text stays as it is.
    assert_eq!(plain("café.example — ü"), "café.example — ü");
}

#[test]
fn chart_labels_are_cut_on_characters() {
    let mut out = String::new();
    escape::plain_cut(&mut out, "ééééé<", 3);
    assert_eq!(out, "ééé…");
    out.clear();
    escape::plain_cut(&mut out, "a<b", 3);
    assert_eq!(out, "a&lt;b");
}

#[test]
fn hostile_findings_render_as_text() {
    let out = render(&fixture(), &page());
    // Only our own script, and no event handler attribute anywhere.
    assert_eq!(out.matches("<script").count(), 1);
    assert!(out.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(out.contains("&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;"));
    assert!(out.contains("&quot;&gt;&lt;img src=x onerror=alert(3)&gt;"));
    assert!(out.contains("&#39; onmouseover=&#39;alert(6)"));
    let allowed = [
        "html", "head", "meta", "title", "style", "body", "main", "header", "p", "h1", "h2",
        "code", "dl", "div", "dt", "dd", "span", "figure", "svg", "desc", "text", "g", "a", "rect",
        "section", "table", "thead", "tbody", "tr", "th", "td", "ul", "li", "strong", "footer",
        "script", "label", "input",
    ];
    for tag in tags(&out) {
        let name = tag.split([' ', '/']).next().unwrap();
        assert!(allowed.contains(&name), "unexpected tag <{tag}>");
        assert!(!tag.contains(" on"), "event handler in <{tag}>");
    }
    // Nothing invisible or reordering reaches the page (newlines are ours).
    assert!(!out.chars().any(|c| c != '\n' && hidden(c)));
    assert!(out.contains("https://evil.example/<span class=\"ctl\">\\u{202e}</span>gnp.exe"));
    assert!(out.contains("<span class=\"ctl\">\\u{9b}</span>31mred"));
    // Sites are text, never links: the only links are to the page's own sections.
    assert!(attrs(&out, "href").iter().all(|h| h.starts_with("#kind-")));
}

#[test]
fn every_kind_gets_a_section_with_its_rows() {
    let findings = fixture();
    let out = render(&findings, &page());
    let mut kinds: Vec<&str> = findings.iter().map(kind_of).collect();
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(kinds.len(), 11);
    let sections: Vec<&str> = out.split("<section class=\"kind ").skip(1).collect();
    assert_eq!(sections.len(), kinds.len());
    for k in &KINDS {
        let count = findings.iter().filter(|f| kind_of(f) == k.slug).count();
        let heading = format!("{} <span class=\"n\">{count}</span></h2>", k.title);
        let sec = sections.iter().find(|s| s.contains(&heading)).unwrap();
        assert_eq!(
            sec.matches("<tr class=\"finding\">").count(),
            count,
            "{}",
            k.slug
        );
        assert!(sec.contains(k.todo));
    }
    assert!(out.contains("Other finding: &quot;&gt;&lt;svg onload=alert(5)&gt;"));
    assert!(out.contains("Other finding: future_kind"));
    assert!(out.contains("Other finding: (no kind given)"));
    assert_eq!(
        out.matches("<tr class=\"finding\">").count(),
        findings.len()
    );
    // Given advice replaces the kind's default, in that row only.
    assert!(out.contains("<td class=\"advice\">Customer emailed on 2026-11-10;"));
    assert_eq!(
        out.matches("<td class=\"advice default\">").count(),
        findings.len() - 1
    );
}

#[test]
fn chart_counts_match_the_tables() {
    let out = render(&fixture(), &page());
    let sections = attrs(&out, "id");
    let sections: Vec<&&str> = sections.iter().filter(|i| i.starts_with("kind-")).collect();
    let counts = attrs(&out, "data-count");
    // Kind bars first, then product bars, then one data-count per section.
    let linked = attrs(&out, "data-section");
    assert_eq!(linked.len(), sections.len());
    for (i, id) in linked.iter().enumerate() {
        assert_eq!(id, sections[i]);
        let section_count = counts[counts.len() - sections.len() + i];
        assert_eq!(counts[i], section_count, "{id}");
    }
    let total: usize = counts[..linked.len()]
        .iter()
        .map(|c| c.parse::<usize>().unwrap())
        .sum();
    let products: usize = counts[linked.len()..counts.len() - sections.len()]
        .iter()
        .map(|c| c.parse::<usize>().unwrap())
        .sum();
    assert_eq!(total, fixture().len());
    assert_eq!(products, fixture().len());
    assert!(out.contains("<desc id=\"chart-d\">By kind: Billed, no local site 2; Not billed 1;"));
    assert!(out.contains("<title>(no product): 5</title>"));
}

#[test]
fn nothing_is_loaded_from_elsewhere() {
    let findings: Vec<Value> = KINDS
        .iter()
        .map(|k| {
            json!({"kind": k.slug, "site": "https://a.example", "blog_id": 1,
                        "product": "jetpack-scan", "evidence": {"url": "http://b.example"}})
        })
        .collect();
    let out = render(&findings, &page());
    for bad in [
        "src=",
        "@import",
        "url(",
        "<link",
        "<img",
        "<iframe",
        "<object",
        "javascript:",
    ] {
        assert!(!out.contains(bad), "{bad}");
    }
    assert!(attrs(&out, "href").iter().all(|h| h.starts_with('#')));
    assert!(out.contains("content=\"default-src 'none';"));
}

#[test]
fn output_is_deterministic() {
    let findings = fixture();
    assert_eq!(render(&findings, &page()), render(&findings, &page()));
    // Equal product counts come in name order, whatever order lines came in.
    let mut rev = findings.clone();
    rev.reverse();
    let bars = |out: &str| -> Vec<String> {
        out.split("<g class=\"row\"><title>")
            .skip(1)
            .map(|s| s[..s.find('<').unwrap()].to_string())
            .collect()
    };
    assert_eq!(
        bars(&render(&findings, &page())),
        bars(&render(&rev, &page()))
    );
}

#[test]
fn many_products_are_summed_after_twenty() {
    let findings: Vec<Value> = (0..30)
        .map(|i| json!({"kind": "drift", "product": format!("p{i:02}")}))
        .collect();
    let out = render(&findings, &page());
    assert_eq!(out.matches("<rect class=\"bar\"").count(), 1 + 21);
    assert!(out.contains("<title>(10 other products): 10</title>"));
}

#[test]
fn no_findings_says_so_and_draws_no_chart() {
    let none = Page {
        activations: None,
        ..page()
    };
    let out = render(&[], &none);
    assert!(out.contains("<h2>Nothing found</h2>"));
    assert!(out.contains("not read: no --reporting-token-file"));
    assert!(out.contains("Audit looked at 12 sites (billed activations were not read) and found"));
    for absent in ["<svg", "id=\"filter\"", "<table"] {
        assert!(!out.contains(absent), "{absent}");
    }
}

#[test]
fn kind_colours_match_the_stylesheet() {
    for (i, k) in KINDS.iter().enumerate() {
        assert!(
            CSS.contains(&format!(".c{i}{{--c:{}}}", k.colour)),
            "{}",
            k.slug
        );
    }
    let other = format!(".c{}{{--c:{}}}", KINDS.len(), kinds::OTHER_COLOUR);
    assert!(CSS.contains(&other));
}

#[test]
fn content_security_policy_hashes_are_current() {
    assert_eq!(
        base64(&sha256(b"abc")),
        "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
    );
    assert_eq!(
        base64(&sha256(CSS.as_bytes())),
        CSS_SHA256,
        "page.css changed"
    );
    assert_eq!(
        base64(&sha256(SCRIPT.as_bytes())),
        SCRIPT_SHA256,
        "filter.js changed"
    );
}

// A plain SHA-256 (FIPS 180-4) so the test needs no crate.
#[allow(clippy::needless_range_loop)]
fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&(data.len() as u64 * 8).to_be_bytes());
    for chunk in msg.chunks(64) {
        let mut w = [0u32; 64];
        for i in 0..16 {
            w[i] = u32::from_be_bytes(chunk[4 * i..4 * i + 4].try_into().unwrap());
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let mut v = h;
        for i in 0..64 {
            let [a, b, c, d, e, f, g, hh] = v;
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let t2 = s0.wrapping_add((a & b) ^ (a & c) ^ (b & c));
            v = [t1.wrapping_add(t2), a, b, c, d.wrapping_add(t1), e, f, g];
        }
        for (x, y) in h.iter_mut().zip(v) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 32];
    for (o, x) in out.chunks_mut(4).zip(h) {
        o.copy_from_slice(&x.to_be_bytes());
    }
    out
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
