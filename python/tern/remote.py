# SPDX-License-Identifier: Apache-2.0
"""Remote mode: a tern client over the gateway protocol (docs/gateway.md),
in pure Python on asyncio.  Works from any host that reaches a
tern-gateway, by TCP or its Unix socket; no DPDK, no libtern.

    c = await tern.remote.connect("127.0.0.1:7450")
    seq = await c.publish("md.eq.AAPL", b"...", tags={"src": "py"})
    async with await c.subscribe("md.eq.>") as sub:
        async for m in sub:
            print(m.topic, m.seq, m.gap, bytes(m.payload))
"""

import asyncio
import collections
import itertools

from . import _wire

ERRORS = {1: "PROTOCOL", 2: "VERSION", 3: "TOO_BIG", 4: "NOT_FOUND", 5: "INVALID",
          6: "BACKPRESSURE", 7: "NO_DATA", 8: "LIMIT", 9: "BUS_DOWN", 10: "STORAGE",
          11: "TIMEOUT", 12: "SLOW_CONSUMER", 13: "DUPLICATE", 14: "UNKNOWN_SUB",
          15: "SHUTDOWN", 16: "INTERNAL", 17: "BUSY", 18: "DENIED"}
_START = {"live": 0, "earliest": 1, "seq": 2, "time": 3}
_POLICY = {"drop": 0, "backpressure": 1}
_ACK = {None: 0, "accepted": 1, "durable": 2}


class GatewayError(Exception):
    """A GwError from the gateway, or the connection's loss (code 0)."""

    def __init__(self, code, text, fatal=False, req_id=0, sub_id=0):
        super().__init__("%s: %s" % (ERRORS.get(code, code or "CLOSED"), text))
        self.code, self.text, self.fatal = code, text, fatal
        self.req_id, self.sub_id = req_id, sub_id

    @property
    def name(self):
        return ERRORS.get(self.code, str(self.code))


class Message:
    """A delivered message.  payload is a memoryview of the received frame
    (no copy); tags a dict of str; times in UTC ns."""

    __slots__ = ("sub_id", "topic", "seq", "gap", "event_ns", "send_ns", "recv_ns",
                 "type_id", "type_version", "tags", "payload")

    def __init__(self, f):
        for k in self.__slots__:
            setattr(self, k, f[k])
        self.topic = bytes(self.topic).decode()

    def __repr__(self):
        return "Message(%s seq=%d gap=%d %d bytes)" % (self.topic, self.seq, self.gap,
                                                       len(self.payload))


class Subscription:
    """Messages of one subscription, in order per topic.  Credit is granted
    back as messages are taken, a window of `credits` at a time."""

    def __init__(self, client, sub_id, credits):
        self._c, self.sub_id, self._window = client, sub_id, credits
        self._q = collections.deque()
        self._wait = None
        self._taken = 0
        self._err = None
        self.closed = False

    def _push(self, m):
        self._q.append(m)
        if self._wait and not self._wait.done():
            self._wait.set_result(None)

    def _fail(self, err):
        self._err = err
        if self._wait and not self._wait.done():
            self._wait.set_result(None)

    async def get(self, timeout=None):
        """The next message; asyncio.TimeoutError after timeout seconds."""
        while not self._q:
            if self._err:
                raise self._err
            self._wait = asyncio.get_running_loop().create_future()
            await asyncio.wait_for(self._wait, timeout)
        m = self._q.popleft()
        self._taken += 1
        # Give credit back in halves of the window: few frames, no stall.
        if self._taken * 2 >= self._window and not self.closed:
            n, self._taken = self._taken, 0
            self._c._send("Credit", sub_id=self.sub_id, credits=n)
        return m

    def __aiter__(self):
        return self

    async def __anext__(self):
        try:
            return await self.get()
        except GatewayError as e:
            if e.code == 0 or self.closed:
                raise StopAsyncIteration
            raise

    async def close(self):
        if self.closed:
            return
        self.closed = True
        await self._c._request("Unsubscribe", ("unsub", self.sub_id), sub_id=self.sub_id)
        self._c._subs.pop(self.sub_id, None)

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()


class Client:
    def __init__(self, reader, writer):
        self._r, self._w = reader, writer
        self._pending = {}          # key -> future: ("pub", req_id), ("sub", id), ...
        self._subs = {}
        self._ids = itertools.count(1)
        self._closed = None
        self.errors = collections.deque(maxlen=1000)   # errors of unacknowledged publishes
        self.welcome = None
        self._task = None
        self._keepalive = None

    # -- connection -------------------------------------------------------
    async def _start(self, name, token):
        self._send("Hello", magic=_wire.MAGIC, min_version=_wire.PROTO_VERSION,
                   max_version=_wire.PROTO_VERSION, client_name=name, token=token)
        kind, f = await self._read_frame()
        if kind == "Error":
            raise GatewayError(f["code"], bytes(f["text"]).decode(), True)
        if kind != "Welcome":
            raise GatewayError(1, "expected Welcome, got %s" % kind, True)
        f["server"] = bytes(f["server"]).decode()
        self.welcome = f
        self._task = asyncio.get_running_loop().create_task(self._reader())
        self._keepalive = asyncio.get_running_loop().create_task(
            self._pinger(f["idle_timeout_ms"] / 3000.0))

    async def _read_frame(self):
        hdr = await self._r.readexactly(_wire.HDR.size)
        n = _wire.frame_size(hdr)
        body = await self._r.readexactly(n - _wire.HDR.size) if n > _wire.HDR.size else b""
        return _wire.decode(hdr + body)

    async def _pinger(self, period):
        tokens = itertools.count(1)
        while self._closed is None:
            await asyncio.sleep(period)
            self._send("Ping", token=next(tokens))

    def _send(self, name, **fields):
        if self._closed is not None:
            raise self._closed
        self._w.write(_wire.encode(name, **fields))

    async def _request(self, name, key, **fields):
        fut = asyncio.get_running_loop().create_future()
        self._pending[key] = fut
        try:
            self._send(name, **fields)
        except Exception:
            self._pending.pop(key, None)
            raise
        await self._drain()
        return await fut

    async def _drain(self):
        try:
            await self._w.drain()
        except (ConnectionError, OSError) as e:
            self._lost(GatewayError(0, "connection lost: %s" % e, True))
            raise self._closed

    async def _reader(self):
        try:
            while True:
                kind, f = await self._read_frame()
                self._dispatch(kind, f)
                if self._closed is not None:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, OSError) as e:
            self._lost(GatewayError(0, "connection closed (%s)" % type(e).__name__, True))
        except _wire.WireError as e:
            self._lost(GatewayError(1, "bad frame from the gateway: %s" % e, True))
        except asyncio.CancelledError:
            pass

    def _resolve(self, key, value=None, err=None):
        fut = self._pending.pop(key, None)
        if fut is None or fut.done():
            return False
        if err is not None:
            fut.set_exception(err)
        else:
            fut.set_result(value)
        return True

    def _dispatch(self, kind, f):
        if kind == "Message":
            s = self._subs.get(f["sub_id"])
            if s is not None:
                s._push(Message(f))
        elif kind == "Ack":
            self._resolve(("pub", f["req_id"]), f["seq"])
        elif kind == "Subscribed":
            self._resolve(("sub", f["sub_id"]))
        elif kind == "Unsubscribed":
            self._resolve(("unsub", f["sub_id"]))
        elif kind == "Pong":
            self._resolve(("ping", f["token"]))
        elif kind == "Error":
            err = GatewayError(f["code"], bytes(f["text"]).decode(errors="replace"), f["fatal"],
                               f["req_id"], f["sub_id"])
            if err.fatal:
                self._lost(err)
            elif err.req_id:
                if not self._resolve(("pub", err.req_id), err=err):
                    self.errors.append(err)
            elif err.sub_id:
                if not (self._resolve(("sub", err.sub_id), err=err)
                        or self._resolve(("unsub", err.sub_id), err=err)):
                    self.errors.append(err)
            else:
                self.errors.append(err)
        elif kind == "Bye":
            self._lost(GatewayError(0, "closed by the gateway: %s" % bytes(f["reason"]).decode()))

    def _lost(self, err):
        if self._closed is not None:
            return
        self._closed = err
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(err)
        self._pending.clear()
        for s in self._subs.values():
            s._fail(err)
        if self._keepalive:
            self._keepalive.cancel()
        self._w.close()

    # -- API --------------------------------------------------------------
    async def publish(self, topic, payload, *, tags=None, event_ns=0, type_id=0, type_version=0,
                      ack="accepted"):
        """Publish; with ack "accepted" (or "durable") return the seq the bus
        gave it, or raise GatewayError.  ack=None returns None at once;
        errors then land in self.errors."""
        req_id = next(self._ids)
        fields = dict(req_id=req_id, ack=_ACK[ack], topic=topic, event_ns=event_ns,
                      type_id=type_id, type_version=type_version, tags=tags, payload=payload)
        if ack is None:
            self._send("Publish", **fields)
            if self._w.transport.get_write_buffer_size() > (1 << 20):
                await self._drain()
            return None
        return await self._request("Publish", ("pub", req_id), **fields)

    async def subscribe(self, pattern, *, start="live", start_value=0, policy="drop",
                        credits=1024, depth=0):
        """A Subscription; start is live, earliest, seq or time (start_value
        then holds the seq or the UTC ns)."""
        sub_id = next(self._ids)
        s = Subscription(self, sub_id, credits)
        self._subs[sub_id] = s
        try:
            await self._request("Subscribe", ("sub", sub_id), sub_id=sub_id, pattern=pattern,
                                start=_START[start], start_value=start_value,
                                policy=_POLICY[policy], credits=credits, depth=depth)
        except Exception:
            self._subs.pop(sub_id, None)
            raise
        return s

    async def ping(self):
        token = next(self._ids)
        await self._request("Ping", ("ping", token), token=token)

    async def close(self):
        if self._closed is None:
            try:
                self._send("Bye", reason="close")
                await asyncio.wait_for(self._w.drain(), 1)
            except Exception:
                pass
            self._lost(GatewayError(0, "closed"))
        if self._task:
            try:
                await asyncio.wait_for(self._task, 1)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                self._task.cancel()
        try:
            await self._w.wait_closed()
        except Exception:
            pass

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()


async def connect(address, *, name="python", token="", timeout=5.0):
    """address: "HOST:PORT" (TCP) or a path, or "unix:PATH" (Unix socket)."""
    if address.startswith("unix:") or address.startswith("/") or address.startswith("."):
        path = address[5:] if address.startswith("unix:") else address
        opening = asyncio.open_unix_connection(path, limit=1 << 22)
    else:
        host, _, port = address.rpartition(":")
        opening = asyncio.open_connection(host.strip("[]"), int(port), limit=1 << 22)
    reader, writer = await asyncio.wait_for(opening, timeout)
    c = Client(reader, writer)
    try:
        await asyncio.wait_for(c._start(name, token), timeout)
    except BaseException:
        writer.close()
        raise
    return c
