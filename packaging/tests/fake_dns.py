#!/usr/bin/env python3
"""A minimal DNS server (UDP) for the chroot test.

    fake_dns.py ADDRESS READYFILE NAME=IPV4... [--lifetime SECONDS]

Answers A queries for the given names, NOERROR with no answer for other types
of those names, NXDOMAIN for everything else. Listens on ADDRESS port 53
(e.g. 127.0.0.2, so it does not collide with a local resolver on 127.0.0.1 or
127.0.0.53), touches READYFILE once listening and exits by itself after
--lifetime seconds (default 120).
"""

import os
import socket
import struct
import sys
import threading


def parse_question(packet):
    labels, i = [], 12
    while True:
        n = packet[i]
        if n == 0:
            i += 1
            break
        labels.append(packet[i + 1:i + 1 + n].decode("ascii", "replace").lower())
        i += 1 + n
    qtype, _qclass = struct.unpack("!HH", packet[i:i + 4])
    return ".".join(labels), qtype, i + 4


def answer(packet, names):
    (qid,) = struct.unpack("!H", packet[:2])
    name, qtype, end = parse_question(packet)
    question = packet[12:end]
    if name not in names:
        return struct.pack("!HHHHHH", qid, 0x8183, 1, 0, 0, 0) + question
    if qtype != 1:  # A only; AAAA and the rest: no data
        return struct.pack("!HHHHHH", qid, 0x8180, 1, 0, 0, 0) + question
    rr = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(names[name])
    return struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + question + rr


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    address, ready = argv[1], argv[2]
    names, lifetime, rest = {}, 120.0, argv[3:]
    while rest:
        if rest[0] == "--lifetime" and len(rest) >= 2:
            lifetime, rest = float(rest[1]), rest[2:]
        else:
            name, _, ip = rest[0].partition("=")
            names[name.lower().rstrip(".")] = ip
            rest = rest[1:]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((address, 53))
    timer = threading.Timer(lifetime, lambda: os._exit(0))
    timer.daemon = True
    timer.start()
    open(ready, "w").close()
    while True:
        packet, peer = sock.recvfrom(4096)
        try:
            sock.sendto(answer(packet, names), peer)
        except (IndexError, struct.error):
            pass  # not a query we understand: ignore it


if __name__ == "__main__":
    main(sys.argv)
