#!/usr/bin/env python3
"""Lists the third-party code linked into the jetpack-partner binary.

    cargo metadata --format-version 1 --filter-platform x86_64-unknown-linux-gnu \\
        | python3 packaging/third_party.py > THIRD-PARTY.txt

Walks the resolved dependency graph from the jetpack-partner package through
normal (not dev, not build) dependencies only, leaving out proc-macros
(they run in the compiler) and the optional generator dependencies (not
part of the shipped binary), and prints name, version, license and source
for each crate.
"""

import json
import sys

ROOT = "jetpack-partner"
GEN_ONLY = {"clap_mangen", "clap_complete"}  # feature "gen": not in the binary


def main():
    meta = json.load(sys.stdin)
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    root = next(p["id"] for p in meta["packages"] if p["name"] == ROOT)
    seen, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        for dep in nodes[pid]["deps"]:
            if pid == root and packages[dep["pkg"]]["name"] in GEN_ONLY:
                continue
            if not any(k["kind"] is None for k in dep["dep_kinds"]):
                continue  # dev or build dependency
            if any("proc-macro" in t["kind"] for t in packages[dep["pkg"]]["targets"]):
                continue  # runs in the compiler, not linked in
            todo.append(dep["pkg"])
    seen.discard(root)
    out = sys.stdout
    out.write(
        "Third-party code in the jetpack-partner binary\n"
        "==============================================\n\n"
        "jetpack-partner is GPL-2.0-or-later (see LICENSE). The binary is statically\n"
        "linked with the GNU C Library (glibc, LGPL-2.1-or-later; the source is that of\n"
        "the build host's distribution, e.g. Debian's glibc source package) and with\n"
        "these Rust crates, each under the license named (texts: the crate's source on\n"
        "crates.io). The complete source of jetpack-partner and Cargo.lock rebuild it.\n\n"
    )
    rows = sorted(
        (packages[p]["name"], packages[p]["version"], packages[p].get("license") or "see crate",
         packages[p].get("repository") or "")
        for p in seen
    )
    for name, version, lic, repo in rows:
        out.write("%-28s %-10s %-36s %s\n" % (name, version, lic, repo))


if __name__ == "__main__":
    main()
