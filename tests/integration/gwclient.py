#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Hostile and stuck clients of tern-gateway, for it_gw_hostile.sh.

    gwclient.py SCENARIO   (GW_UNIX, GW_TCP from the environment)

Each scenario prints one JSON line and exits 0 when the gateway behaved:
it cut the peer off or bounded it, and went on serving a well-behaved
client (checked after every scenario by `healthy`).
"""
import asyncio
import json
import os
import socket
import struct
import sys
import time

import tern
from tern import _wire

UNIX, TCP = os.environ["GW_UNIX"], os.environ["GW_TCP"]


def tcp_sock():
    host, _, port = TCP.rpartition(":")
    s = socket.create_connection((host, int(port)))
    return s


def hello():
    return _wire.encode("Hello", magic=_wire.MAGIC, min_version=1, max_version=1,
                        client_name="hostile")


def read_frames(s, timeout):
    """Frames until EOF (True) or timeout (False)."""
    s.settimeout(timeout)
    buf, frames = b"", []
    t0 = time.monotonic()
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            buf += d
            while True:
                n = _wire.frame_size(buf)
                if n is None or len(buf) < n:
                    break
                frames.append(_wire.decode(buf[:n]))
                buf = buf[n:]
    except socket.timeout:
        return frames, False, time.monotonic() - t0
    except ConnectionResetError:
        pass
    return frames, True, time.monotonic() - t0


def errors(frames):
    return [(bytes(f["text"]).decode(), tern.remote.ERRORS.get(f["code"]), f["fatal"])
            for k, f in frames if k == "Error"]


def expect_cut(frames, closed, code):
    errs = errors(frames)
    ok = closed and any(e[1] == code and e[2] for e in errs)
    return ok, errs


def absurd():
    s = tcp_sock()
    s.sendall(hello() + struct.pack("<HHI", 510, 1, 0xFFFFFFFF))
    frames, closed, t = read_frames(s, 5)
    ok, errs = expect_cut(frames, closed, "TOO_BIG")
    return ok, {"closed": closed, "errors": errs}


def garbage():
    s = tcp_sock()
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    frames, closed, t = read_frames(s, 5)
    return closed, {"closed": closed, "errors": errors(frames)}


def truncated():
    # Half a frame, then the peer goes away: nothing for the gateway to do
    # but forget it; `healthy` checks it still serves.
    s = tcp_sock()
    f = _wire.encode("Publish", req_id=1, ack=1, topic="it.gw.h", payload=b"x" * 100)
    s.sendall(hello() + f[:len(f) // 2])
    s.close()
    return True, {}


def bad_message():
    # A whole frame whose body lies (a string longer than the body).
    body = struct.pack("<QB", 1, 1) + struct.pack("<I", 1000) + b"abc"
    s = tcp_sock()
    s.sendall(hello() + struct.pack("<HHI", 510, 1, len(body)) + body)
    frames, closed, t = read_frames(s, 5)
    ok, errs = expect_cut(frames, closed, "PROTOCOL")
    return ok, {"errors": errs}


def slowloris():
    # A frame dribbled a byte at a time: cut off at frame_timeout_ms.
    s = tcp_sock()
    s.sendall(hello())
    f = _wire.encode("Publish", req_id=1, ack=1, topic="it.gw.h", payload=b"x" * 200)
    t0 = time.monotonic()
    s.settimeout(0.1)
    closed = False
    for b in f:
        try:
            s.sendall(bytes([b]))
            d = s.recv(65536)
            if d == b"":
                closed = True
                break
        except socket.timeout:
            pass
        except (BrokenPipeError, ConnectionResetError):
            closed = True
            break
        if time.monotonic() - t0 > 10:
            break
    if not closed:
        _, closed, _ = read_frames(s, 3)
    t = time.monotonic() - t0
    return closed and t < 5, {"closed": closed, "seconds": round(t, 2)}


def no_hello():
    s = socket.socket(socket.AF_UNIX)
    s.connect(UNIX)
    frames, closed, t = read_frames(s, 10)
    ok, errs = expect_cut(frames, closed, "TIMEOUT")
    return ok and t < 5, {"seconds": round(t, 2), "errors": errs}


async def idle(n):
    # n idle connections (hello, then silence) stay served; one more than
    # max_conns is refused with LIMIT; a normal client works throughout.
    conns = []
    for i in range(n):
        r, w = await asyncio.open_unix_connection(UNIX)
        w.write(hello())
        conns.append((r, w))
    await asyncio.gather(*(w.drain() for r, w in conns))
    welcomed = 0
    for r, w in conns:
        hdr = await asyncio.wait_for(r.readexactly(8), 10)
        body = await r.readexactly(_wire.frame_size(hdr) - 8)
        welcomed += _wire.decode(hdr + body)[0] == "Welcome"
    ok_pub = await healthy_async()
    refused = None
    # max_conns is n + 1: the first extra connection fits, the second not.
    r1, w1 = await asyncio.open_unix_connection(UNIX)
    r, w = await asyncio.open_unix_connection(UNIX)
    try:
        hdr = await asyncio.wait_for(r.readexactly(8), 5)
        body = await r.readexactly(_wire.frame_size(hdr) - 8)
        k, f = _wire.decode(hdr + body)
        refused = tern.remote.ERRORS.get(f["code"]) if k == "Error" else k
    except (asyncio.IncompleteReadError, ConnectionError):
        refused = "closed"
    for r2, w2 in conns:
        w2.close()
    w.close()
    w1.close()
    return welcomed == n and ok_pub, {"welcomed": welcomed, "healthy": ok_pub,
                                      "one_more": refused}


async def never_reads(topic, seconds):
    # Subscribes with plenty of credit and never reads: its output passes
    # the high-water mark (the gateway stops polling for it), then nothing
    # is written for write_timeout_ms: cut off.
    r, w = await asyncio.open_unix_connection(UNIX)
    w.write(hello() + _wire.encode("Subscribe", sub_id=1, pattern=topic, credits=1 << 20))
    await w.drain()
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        await asyncio.sleep(0.2)
        if w.is_closing() or r.at_eof():
            break
    # Now read: the data we were sent, then EOF if the gateway cut us off.
    got = 0
    try:
        while True:
            d = await asyncio.wait_for(r.read(1 << 20), 3)
            if not d:
                break
            got += len(d)
    except (asyncio.TimeoutError, ConnectionError):
        return False, {"read": got, "closed": False}
    return True, {"read": got, "closed": True}


async def healthy_async():
    c = await tern.connect(TCP, name="healthy")
    try:
        s = await c.subscribe("it.gw.h", credits=10)
        seq = await c.publish("it.gw.h", b"still here", tags={"t": "1"})
        m = await s.get(timeout=5)
        return m.seq == seq and bytes(m.payload) == b"still here"
    finally:
        await c.close()


def main():
    what = sys.argv[1]
    if what == "absurd":
        ok, info = absurd()
    elif what == "garbage":
        ok, info = garbage()
    elif what == "truncated":
        ok, info = truncated()
    elif what == "bad_message":
        ok, info = bad_message()
    elif what == "slowloris":
        ok, info = slowloris()
    elif what == "no_hello":
        ok, info = no_hello()
    elif what == "idle":
        ok, info = asyncio.run(idle(int(sys.argv[2])))
    elif what == "never_reads":
        ok, info = asyncio.run(never_reads(sys.argv[2], float(sys.argv[3])))
    elif what == "healthy":
        ok, info = asyncio.run(healthy_async()), {}
    else:
        sys.exit("unknown scenario " + what)
    info["ok"] = bool(ok)
    print(json.dumps(info))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
