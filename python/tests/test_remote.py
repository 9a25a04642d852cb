# SPDX-License-Identifier: Apache-2.0
"""tern.remote against a real tern-gateway on a real bus."""
import asyncio
import time

import pytest

import tern
from conftest import run


def test_pubsub_tcp_and_unix(gw, create):
    create("py.a.x", "py.a.y")

    async def go():
        async with await tern.connect(gw["tcp"], name="pub") as p, \
                await tern.connect(gw["unix"], name="sub") as s:
            assert p.welcome["version"] == 1 and p.welcome["max_payload"] > 0
            sub = await s.subscribe("py.a.*")
            t0 = time.time_ns()
            seqs = []
            for i in range(100):
                topic = "py.a.x" if i % 2 else "py.a.y"
                seqs.append(await p.publish(topic, b"%d" % i, tags={"i": str(i), "k": "a=b"},
                                            event_ns=t0 + i, type_id=7, type_version=2))
            got = [await sub.get(timeout=5) for _ in range(100)]
            # One order per topic (not across topics): put them back in
            # publishing order to compare.
            got.sort(key=lambda m: int(bytes(m.payload)))
            assert [bytes(m.payload) for m in got] == [b"%d" % i for i in range(100)]
            for i, m in enumerate(got):
                assert isinstance(m.payload, memoryview)
                assert m.topic == ("py.a.x" if i % 2 else "py.a.y")
                assert m.tags == {"i": str(i), "k": "a=b"}
                assert m.event_ns == t0 + i and m.type_id == 7 and m.type_version == 2
                assert m.gap == 0 and m.seq == seqs[i]
                assert m.recv_ns >= m.send_ns > 0
            await sub.close()
    run(go())


def test_errors(gw, create):
    create("py.err")

    async def go():
        async with await tern.connect(gw["tcp"]) as c:
            with pytest.raises(tern.GatewayError) as e:
                await c.publish("py.no.such.topic", b"x")
            assert e.value.name == "NOT_FOUND" and not e.value.fatal
            with pytest.raises(tern.GatewayError) as e:
                await c.publish("py.err", b"x", tags=["novalue"])
            assert e.value.name == "INVALID"
            with pytest.raises(tern.GatewayError) as e:
                await c.publish("py.err", b"x" * (c.welcome["max_payload"] + 1))
            assert e.value.name == "TOO_BIG"
            with pytest.raises(tern.GatewayError) as e:
                await c.subscribe("py.err", start="earliest")
            assert e.value.name == "NO_DATA"       # not a stored topic
            with pytest.raises(tern.GatewayError) as e:
                await c.subscribe("py.err", depth=3)
            assert e.value.name == "INVALID"
            await c.ping()      # the connection survived every one of them
            assert await c.publish("py.err", b"ok") >= 1
    run(go())


def test_version_refused(gw):
    async def go():
        c = tern.remote.Client(*await __import__("asyncio").open_connection(
            *gw["tcp"].rsplit(":", 1)))
        c._send("Hello", magic=tern._wire.MAGIC, min_version=9, max_version=9)
        kind, f = await c._read_frame()
        assert kind == "Error" and tern.remote.ERRORS[f["code"]] == "VERSION" and f["fatal"]
    run(go())


def test_credit_and_gap_drop(gw, create):
    """A subscriber that grants no credit stops the gateway's polling; with
    drop the bus drops for it and the gap says exactly how many."""
    create("py.gap")

    async def go():
        async with await tern.connect(gw["tcp"]) as p, await tern.connect(gw["unix"]) as s:
            sub = await s.subscribe("py.gap", credits=10, depth=64, policy="drop")
            sub._window = 1 << 30          # take without granting credit back
            n = 2000
            for i in range(n):
                await p.publish("py.gap", b"%d" % i, ack=None)
            await p.ping()
            first = [await sub.get(timeout=5) for _ in range(10)]
            with pytest.raises(Exception):
                await sub.get(timeout=0.5)         # no credit, nothing more
            s._send("Credit", sub_id=sub.sub_id, credits=1 << 20)
            rest = []
            try:                                   # what the full ring kept
                while True:
                    rest.append(await sub.get(timeout=0.5))
            except asyncio.TimeoutError:
                pass
            # The ring kept the newest (drop-oldest, docs/fanout.md): the gap
            # comes before them, and a later publish follows them.  (Published
            # only now: the two connections' frames race in the gateway.)
            assert rest and rest[0].gap > 0
            last = await p.publish("py.gap", b"last")
            m = await sub.get(timeout=5)
            assert m.seq == last and m.seq == rest[-1].seq + 1 + m.gap
            rest.append(m)
            got = first + rest
            gaps = sum(m.gap for m in got)
            assert gaps > 0
            assert len(got) + gaps == got[-1].seq - got[0].seq + 1
            assert len(rest) <= 64 + 1           # the ring, then the gap
    run(go())


def test_backpressure(gw, create):
    """A backpressure subscriber without credit makes the bus refuse
    publishes once its queue is full, and they pass again once it reads."""
    create("py.bp")

    async def go():
        async with await tern.connect(gw["tcp"]) as p, await tern.connect(gw["unix"]) as s:
            sub = await s.subscribe("py.bp", credits=0, depth=16, policy="backpressure")
            refused = None
            for i in range(100):
                try:
                    await p.publish("py.bp", b"%d" % i)
                except tern.GatewayError as e:
                    refused = (i, e.name)
                    break
            assert refused is not None and refused[1] == "BACKPRESSURE"
            s._send("Credit", sub_id=sub.sub_id, credits=1000)
            got = [await sub.get(timeout=5) for _ in range(refused[0])]
            assert [m.gap for m in got] == [0] * refused[0]
            assert await p.publish("py.bp", b"again") == got[-1].seq + 1
    run(go())


def test_replay_and_durable(gw, create):
    """A stored topic: durable acks, then a replay from earliest and from a
    seq, carried into the live stream without gap."""
    create("it.py.store")

    async def go():
        async with await tern.connect(gw["tcp"]) as c:
            seqs = [await c.publish("it.py.store", b"%d" % i, ack="durable") for i in range(50)]
            assert seqs == list(range(seqs[0], seqs[0] + 50))
            for start, value, first in (("earliest", 0, seqs[0]), ("seq", seqs[20], seqs[20])):
                sub = await c.subscribe("it.py.store", start=start, start_value=value)
                got = [await sub.get(timeout=10) for _ in range(seqs[-1] - first + 1)]
                assert [m.seq for m in got] == list(range(first, seqs[-1] + 1))
                live = await c.publish("it.py.store", b"live")
                m = await sub.get(timeout=10)
                assert m.seq == live and m.gap == 0
                seqs.append(live)
                await sub.close()
    run(go())


def test_unsubscribe_and_unknown_sub(gw, create):
    create("py.unsub")

    async def go():
        async with await tern.connect(gw["tcp"]) as c:
            sub = await c.subscribe("py.unsub")
            await sub.close()
            c._send("Credit", sub_id=sub.sub_id, credits=1)
            await c.ping()
            assert c.errors and c.errors[-1].name == "UNKNOWN_SUB"
    run(go())
