# SPDX-License-Identifier: Apache-2.0
"""ctl.tmsg on the wire, for integration tests that play a hostile peer.

One message per SOCK_SEQPACKET datagram: u16 type id, u16 version, u32 body
length, then the fields in schema order (docs/dsl.md section 3): integers
little-endian, string = u32 length + bytes, list<T> = u32 count + items.
"""
import os
import socket
import struct
import time


def _msg(type_id, body, version=1):
    return struct.pack("<HHI", type_id, version, len(body)) + body


def _str(b):
    b = b.encode() if isinstance(b, str) else b
    return struct.pack("<I", len(b)) + b


def hello(name, peer=0, pid=1, cpus=(0,), proto_version=1):
    """CtlHello (id 1); peer 0 = APP, 1 = TOOL."""
    body = struct.pack("<IBI", proto_version, peer, pid) + _str(name)
    body += struct.pack("<I", len(cpus)) + b"".join(struct.pack("<H", c) for c in cpus)
    return _msg(1, body)


def hello_reply(status, error, client_id, lcore_id, eal_args):
    """CtlHelloReply (id 2): what tern-control answers a hello with."""
    body = struct.pack("<i", status) + _str(error) + struct.pack("<II", client_id, lcore_id)
    body += struct.pack("<I", len(eal_args)) + b"".join(_str(a) for a in eal_args)
    return _msg(2, body)


def parse_hello_reply(b):
    """(status, error, client_id, lcore_id, [eal_args]) of a CtlHelloReply."""
    tid, _, _ = struct.unpack_from("<HHI", b)
    assert tid == 2, "not a CtlHelloReply: type %d" % tid
    off = 8
    (status,) = struct.unpack_from("<i", b, off)
    off += 4
    (n,) = struct.unpack_from("<I", b, off)
    error = b[off + 4:off + 4 + n]
    off += 4 + n
    client_id, lcore_id, count = struct.unpack_from("<III", b, off)
    off += 12
    args = []
    for _ in range(count):
        (n,) = struct.unpack_from("<I", b, off)
        args.append(b[off + 4:off + 4 + n])
        off += 4 + n
    return status, error, client_id, lcore_id, args


def connect(path, timeout=5):
    # With a timeout set, Python connects without blocking, and an AF_UNIX
    # connect to a full backlog fails with EAGAIN instead of waiting: retry
    # until the timeout, as a blocking connect would wait.
    deadline = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.settimeout(timeout)
        try:
            s.connect(path)
            return s
        except BlockingIOError:
            s.close()
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.005)


def parse_reply(b):
    """(status, error) of a CtlReply (id 3), plus its id."""
    tid, _, _ = struct.unpack_from("<HHI", b)
    assert tid == 3, "not a CtlReply: type %d" % tid
    (status, n) = struct.unpack_from("<iI", b, 8)
    error = b[16:16 + n].decode(errors="replace")
    (rid,) = struct.unpack_from("<I", b, 16 + n)
    return status, error, rid


class Peer:
    """One connection to tern-control, as an application (peer 0) or a
    tool (peer 1), that sends requests and reads each reply."""

    def __init__(self, path, name="ctlwire", peer=0):
        self.s = connect(path)
        self.s.send(hello(name, peer=peer, pid=os.getpid()))
        st, err, self.client_id, _, _ = parse_hello_reply(self.s.recv(65536))
        if st != 0:
            raise OSError(-st, err.decode(errors="replace"))

    def call(self, type_id, body):
        self.s.send(_msg(type_id, body))
        return parse_reply(self.s.recv(1 << 18))

    def topic_create(self, name):
        return self.call(10, _str(name))

    def topic_delete(self, name):
        return self.call(11, _str(name))

    def sub_open(self, pattern, policy=0, depth=0):
        """CtlSubOpen (id 30): pattern, policy (0 drop, 1 backpressure), depth, no fd."""
        return self.call(30, _sub_open_body(pattern, policy, depth))

    def sub_close(self, sub_id):
        return self.call(31, struct.pack("<I", sub_id))

    def close(self):
        self.s.close()


def parse_many(b):
    """(status, error, done, [ids]) of a CtlManyReply (id 17)."""
    tid, _, _ = struct.unpack_from("<HHI", b)
    assert tid == 17, "not a CtlManyReply: type %d" % tid
    (status, n) = struct.unpack_from("<iI", b, 8)
    error = b[16:16 + n].decode(errors="replace")
    done, count = struct.unpack_from("<II", b, 16 + n)
    ids = list(struct.unpack_from("<%dI" % count, b, 24 + n))
    return status, error, done, ids


def _sub_open_body(pattern, policy=0, depth=0):
    return _str(pattern) + struct.pack("<BIB", policy, depth, 0)


def topic_create_many(peer, names):
    """CtlTopicCreateMany (id 16) on peer: (status, error, done, ids)."""
    body = struct.pack("<I", len(names)) + b"".join(_str(n) for n in names)
    peer.s.send(_msg(16, body))
    return parse_many(peer.s.recv(1 << 18))


def sub_open_many(peer, patterns, policy=0, depth=0):
    """CtlSubOpenMany (id 35): list<CtlSubOpen>, each a nested message."""
    items = b"".join(_msg(30, _sub_open_body(p, policy, depth)) for p in patterns)
    peer.s.send(_msg(35, struct.pack("<I", len(patterns)) + items))
    return parse_many(peer.s.recv(1 << 18))
