#!/usr/bin/env python3
"""fleet-delay-proxy.py - a TCP proxy that delays the store's replies.

The fleet benchmark grows the store's round-trip time with `tc netem`; on a
kernel without sch_netem it puts this proxy between the gateways and etcd
instead.  Usage:

    fleet-delay-proxy.py LISTEN_ADDR:PORT TARGET_ADDR:PORT DELAY_FILE

Every connection to LISTEN is forwarded to TARGET; what the target sends
is delivered to the client DELAY milliseconds after it arrived (order kept,
so a stream such as etcd's watch stays intact); what the client sends goes
through at once.  The round trip thus grows by DELAY, as with netem on the
store's side of the link.  DELAY is read from DELAY_FILE at start and again
on SIGHUP.  A test tool: it runs until killed.
"""
import asyncio
import signal
import socket
import sys

DELAY = [0.0]


def load_delay(path):
    try:
        with open(path, encoding="ascii") as f:
            DELAY[0] = float(f.read().strip() or 0) / 1000.0
    except (OSError, ValueError) as e:
        print(f"fleet-delay-proxy: {path}: {e}", file=sys.stderr)


def nodelay(writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


async def forward(reader, writer):
    """Client -> target: at once."""
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    writer.close()


async def forward_delayed(reader, writer):
    """Target -> client: each chunk DELAY after it arrived."""
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def sender():
        while True:
            due, data = await queue.get()
            if data is None:
                break
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                writer.write(data)
                await writer.drain()
            except (ConnectionError, OSError):
                break
        writer.close()

    task = asyncio.create_task(sender())
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            queue.put_nowait((loop.time() + DELAY[0], data))
    except (ConnectionError, OSError):
        pass
    queue.put_nowait((0, None))
    await task


def split(hostport):
    host, port = hostport.rsplit(":", 1)
    return host, int(port)


async def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    lhost, lport = split(sys.argv[1])
    thost, tport = split(sys.argv[2])
    path = sys.argv[3]
    load_delay(path)
    asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, load_delay, path)

    async def handle(creader, cwriter):
        try:
            treader, twriter = await asyncio.open_connection(thost, tport)
        except OSError:
            cwriter.close()
            return
        nodelay(cwriter)
        nodelay(twriter)
        await asyncio.gather(forward(creader, twriter), forward_delayed(treader, cwriter))

    server = await asyncio.start_server(handle, lhost, lport, reuse_address=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
