#!/usr/bin/env python3
"""slow-vty.py LISTEN TARGET DELAY_S: a slow bgpd, made of a real one.

Listens on the Unix socket LISTEN and relays each client to the vty socket
TARGET one command at a time: a command (NUL-terminated) goes to bgpd, its
reply (text, then 00 00 00 <status>) comes back DELAY_S seconds after bgpd
gave it, and only then does the next command of the client's batch go to
bgpd.  To the client that is a bgpd taking DELAY_S per command.
"""
import os
import socket
import sys
import threading
import time

TRAILER = b"\0\0\0"


def read_until(sock, buf, done):
    """Reads from sock into buf until done(buf); None when sock closed."""
    while not done(buf):
        data = sock.recv(65536)
        if not data:
            return None
        buf += data
    return buf


def reply_end(buf):
    i = buf.find(TRAILER)
    return i + 4 if i >= 0 and len(buf) >= i + 4 else -1


def relay(client, target, delay):
    bgpd = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    pending = b""
    try:
        bgpd.connect(target)
        while True:
            pending = read_until(client, pending, lambda b: b"\0" in b)
            if pending is None:
                return
            cmd, pending = pending.split(b"\0", 1)
            bgpd.sendall(cmd + b"\0")
            reply = read_until(bgpd, b"", lambda b: reply_end(b) >= 0)
            if reply is None:
                return
            time.sleep(delay)
            client.sendall(reply)
    except OSError:
        pass
    finally:
        client.close()
        bgpd.close()


def main():
    listen, target, delay = sys.argv[1], sys.argv[2], float(sys.argv[3])
    if os.path.exists(listen):
        os.unlink(listen)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(listen)
    srv.listen(8)
    while True:
        client, _ = srv.accept()
        threading.Thread(target=relay, args=(client, target, delay), daemon=True).start()


if __name__ == "__main__":
    main()
