#!/usr/bin/python3
"""ka-who.py - who answers ARP for the keepalived lab's VIP (tests/lab/lab-keepalived.sh).

Run in the client namespace.  Every 20 ms it broadcasts an ARP request for
the VIP and collects the replies; the answer of a round is the set of MACs
that replied, named by --name MAC=NAME: "gw1", "gw2", "both" (two at
once) or "none" (no reply for 5 rounds in a row, 100 ms).

  --once        print the answer of one round (none after 100 ms) and exit
  --until WHO   exit 0 when WHO answered 3 rounds in a row, 1 after --ms
  --watch       print "EPOCH-SECONDS WHO" at the start and at every change,
                until --ms or SIGTERM
"""
import argparse
import select
import signal
import socket
import struct
import sys
import time

ROUND = 0.02
NONE_ROUNDS = 5


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


def request(src_mac, src_ip, vip):
    eth = b"\xff" * 6 + src_mac + struct.pack("!H", 0x0806)
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + src_mac + src_ip + b"\x00" * 6 + vip
    return eth + arp


def replies(sock, vip, deadline):
    """MACs that answered for vip until deadline."""
    seen = set()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return seen
        if not select.select([sock], [], [], left)[0]:
            continue
        frame = sock.recv(2048)
        if len(frame) < 42 or frame[12:14] != b"\x08\x06":
            continue
        op = struct.unpack("!H", frame[20:22])[0]
        if op == 2 and frame[28:32] == vip:
            seen.add(frame[22:28].hex(":"))


class Who:
    def __init__(self, args):
        self.names = dict(n.lower().split("=", 1) for n in args.name)
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
        self.sock.bind((args.iface, 0))
        src_mac = self.sock.getsockname()[4]
        self.frame = request(src_mac, socket.inet_aton(args.src), socket.inet_aton(args.vip))
        self.vip = socket.inet_aton(args.vip)
        self.empty = 0

    def round(self):
        """One request and its replies: a name, or None while 'none' is not yet sure."""
        self.sock.send(self.frame)
        seen = replies(self.sock, self.vip, time.monotonic() + ROUND)
        if not seen:
            self.empty += 1
            return "none" if self.empty >= NONE_ROUNDS else None
        self.empty = 0
        if len(seen) > 1:
            return "both"
        mac = seen.pop()
        return self.names.get(mac, mac)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--iface", required=True)
    p.add_argument("--src", required=True)
    p.add_argument("--vip", required=True)
    p.add_argument("--name", action="append", default=[])
    p.add_argument("--once", action="store_true")
    p.add_argument("--until")
    p.add_argument("--watch", action="store_true")
    p.add_argument("--ms", type=int, default=10000)
    args = p.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    who = Who(args)
    end = time.monotonic() + args.ms / 1000.0
    last, streak = None, 0
    while time.monotonic() < end:
        now = who.round()
        if now is None:
            continue
        if args.once:
            print(now)
            return 0
        if args.watch and now != last:
            print("%.6f %s" % (time.time(), now), flush=True)
        streak = streak + 1 if now == last else 1
        last = now
        if args.until and now == args.until and streak >= 3:
            return 0
    if args.until:
        print("last answer: %s" % last)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
