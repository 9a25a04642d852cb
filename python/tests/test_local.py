# SPDX-License-Identifier: Apache-2.0
"""tern.local (libtern through cffi) on a real bus.  This pytest process
becomes a DPDK secondary process: one client for the session (the `local`
fixture), as EAL cannot be initialised twice."""
import errno
import os
import subprocess
import sys
import time

import pytest

PID = os.getpid()


def drain(sub, n, timeout=10.0):
    """n messages from sub, released as they come (a subscription holds
    at most 512): (seq, event_ns, send_ns, recv_ns, topic, tags, payload)."""
    got = []
    deadline = time.monotonic() + timeout
    while len(got) < n and time.monotonic() < deadline:
        ms = sub.poll(min(64, n - len(got)), timeout=0.5)
        got += [(m.seq, m.event_ns, m.send_ns, m.recv_ns, m.topic, m.tags, bytes(m.payload),
                 m.gap) for m in ms]
        sub.release(ms)
    return got


def test_import_without_libtern():
    """`import tern` must not need libtern; tern.local says what it tried."""
    env = dict(os.environ, TERN_LIBRARY="/nonexistent/libtern.so")
    code = ("import sys, tern; assert 'tern.local' not in sys.modules\n"
            "try:\n    import tern.local\nexcept ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, text=True,
                         capture_output=True, cwd=os.path.dirname(os.path.dirname(__file__)))
    assert "TERN_LIBRARY" in out.stdout and "/nonexistent/libtern.so" in out.stdout


def test_pubsub_in_order(local):
    import tern.local as tl
    topic = "it.py.local.%d" % PID
    local.topic_create(topic)
    local.topic_create(topic, exist_ok=True)
    with pytest.raises(tl.TernError) as e:
        local.topic_create(topic)
    assert e.value.code == -errno.EEXIST
    assert abs(local.now_ns() - time.time_ns()) < 10**9
    sub = local.subscribe(topic, policy="backpressure", depth=1024)
    pub = local.publisher(topic)
    t0 = local.now_ns()
    n = 1000
    seqs = [pub.publish(b"payload %d" % i + bytes(i % 7), tags={"i": str(i), "k": "a=b"},
                        event_ns=t0 + i, type_id=7, version=2) for i in range(n)]
    assert seqs == list(range(1, n + 1))
    got = drain(sub, n)
    assert [g[0] for g in got] == seqs
    for i, (seq, ev, send, recv, t, tags, payload, gap) in enumerate(got):
        assert payload == b"payload %d" % i + bytes(i % 7)
        assert tags == {"i": str(i), "k": "a=b"}
        assert t == topic and gap == 0
        assert ev == t0 + i
        assert 0 < ev <= send <= recv
    st = sub.stats()
    assert st["received"] == n and st["held"] == 0 and st["dropped"] == 0 and st["topics"] == 1
    sub.close()
    pub.close()


def test_zero_copy_and_release(local):
    import tern.local as tl
    topic = "it.py.local.zc.%d" % PID
    local.topic_create(topic)
    with local.subscribe(topic) as sub, local.publisher(topic, exclusive=True) as pub:
        free0, total = local.pool_info()
        assert 0 < free0 <= total
        for i in range(10):
            pub.publish(b"z" * (100 + i), tags={"n": str(i)})
        ms = sub.poll(32, timeout=5)
        while len(ms) < 10:
            more = sub.poll(32, timeout=5)
            assert more, "only %d of 10 messages" % len(ms)
            ms += more
        assert sub.stats()["held"] == 10
        for i, m in enumerate(ms):
            assert isinstance(m.payload, memoryview) and m.payload.readonly
            assert m.payload.nbytes == m.size == 100 + i
            # The very hugepage buffer: TERN_MSG_DATA_OFFSET after the header.
            addr = int(tl.ffi.cast("uintptr_t", tl.ffi.from_buffer(m.payload)))
            assert addr == int(tl.ffi.cast("uintptr_t", m._ptr)) + tl.TERN_MSG_DATA_OFFSET
            assert m.tags == {"n": str(i)} and m.type_version == 0
        kept = ms[0].payload
        with ms[0] as m:
            assert bytes(m.payload) == b"z" * 100
        assert ms[0].released and sub.stats()["held"] == 9
        with pytest.raises(ValueError):
            ms[0].payload
        with pytest.raises(ValueError):
            bytes(kept)                     # the view itself was released
        ms[0].release()                     # idempotent
        sub.release(ms)
        assert sub.stats()["held"] == 0
        assert all(m.released for m in ms)
        # Held at close: the subscription drops the views it releases.
        pub.publish(b"held")
        m = sub.get(timeout=5)
        assert bytes(m.payload) == b"held" and m.gap == 0
    assert sub.closed and pub.closed and m.released
    with pytest.raises(ValueError):
        m.payload
    with pytest.raises(tl.TernError) as e:
        sub.poll()
    assert e.value.code == tl.TERN_ECLOSED


def test_replay(local):
    topic = "it.py.replay.%d" % PID
    local.topic_create(topic)
    pub = local.publisher(topic)
    n = 100
    seqs = [pub.publish(b"r%d" % i, tags={"i": str(i)}) for i in range(n)]
    assert seqs == list(range(1, n + 1))
    pub.wait_durable(seqs[-1], timeout=10)
    last = seqs[-1]
    for start, first in (("earliest", 1), (("seq", 50), 50)):
        sub = local.subscribe(topic, start=start)
        got = drain(sub, last - first + 1)
        assert [g[0] for g in got] == list(range(first, last + 1))
        assert [g[6] for g in got[:n - first + 1]] == [b"r%d" % (s - 1)
                                                      for s in range(first, n + 1)]
        assert [g[5] for g in got[:n - first + 1]] == [{"i": str(s - 1)}
                                                      for s in range(first, n + 1)]
        last = pub.publish(b"live")                 # replay hands over to live, no gap
        (m,) = sub.poll(1, timeout=5)
        assert m.seq == last and m.gap == 0
        m.release()
        sub.close()
    pub.close()


def test_errors(local):
    import tern.local as tl
    with pytest.raises(tl.TernError) as e:
        local.publisher("it.py.no.such.%d" % PID)
    assert e.value.code == -errno.ENOENT and "publisher open" in str(e.value)
    topic = "py.local.err.%d" % PID                 # not stored: outside it.>
    local.topic_create(topic)
    pub = local.publisher(topic)
    with pytest.raises(tl.TernError) as e:
        pub.publish(b"x" * (1 << 20))
    assert e.value.code == tl.TERN_EMSGSIZE
    with pytest.raises(tl.TernError) as e:
        pub.publish(b"x", tags={"a=b": "c"})
    assert e.value.code == -errno.EINVAL
    with pytest.raises(ValueError):
        pub.publish(b"x", tags={"a": "nul\0"})
    with pytest.raises(TypeError):
        pub.publish("not bytes")
    with pytest.raises(tl.TernError) as e:
        local.publisher(topic, exclusive=True)      # others publish: refused
    assert e.value.code == -errno.EBUSY
    with pytest.raises(ValueError):
        local.subscribe(topic, policy="sometimes")
    with pytest.raises(ValueError):
        local.subscribe(topic, start="yesterday")
    with pytest.raises(tl.TernError) as e:
        local.subscribe(topic, start="earliest")
    assert e.value.code == -errno.ENODATA
    with pytest.raises(tl.TernError) as e:
        local.subscribe(topic, depth=3)
    assert e.value.code == -errno.EINVAL
    with pytest.raises(tl.TernError) as e:
        local.subscribe("it.py.no.such.%d" % PID)
    assert e.value.code == -errno.ENOENT
    # Nothing above leaked a buffer or broke the client.
    sub = local.subscribe(topic)
    seq = pub.publish(b"ok")
    assert seq >= 1
    m = sub.get(timeout=5)
    assert m.seq == seq and bytes(m.payload) == b"ok"
    m.release()
    sub.close()
    pub.close()
    with pytest.raises(tl.TernError) as e:
        pub.publish(b"closed")
    assert e.value.code == tl.TERN_ECLOSED


def test_backpressure(local):
    import tern.local as tl
    topic = "py.local.bp.%d" % PID
    local.topic_create(topic)
    with local.subscribe(topic, policy="backpressure", depth=16) as sub, \
            local.publisher(topic) as pub:
        refused = None
        for i in range(100):
            try:
                pub.publish(b"%d" % i)
            except tl.BackpressureError as e:
                refused = i
                assert e.code == tl.TERN_EBACKPRESSURE
                break
        assert refused is not None and refused > 0
        with pytest.raises(tl.BackpressureError):
            pub.publish(b"again", retry=True, timeout=0.05)
        got = drain(sub, refused)
        assert [g[0] for g in got] == list(range(1, refused + 1))
        assert pub.publish(b"again") == refused + 1
