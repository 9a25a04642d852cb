# SPDX-License-Identifier: Apache-2.0
"""The gateway protocol's wire format (lib/proto/gw.tmsg, docs/gateway.md),
in pure Python: a table of each message's fields, and one encoder and one
decoder that walk it, following docs/dsl.md section 3."""

import struct

PROTO_VERSION = 1
MAGIC = 0x4E524554
HDR = struct.Struct("<HHI")

# Field types: struct formats for fixed-width ones; "str" is u32 length +
# bytes, "tags" a list<string> (u32 count, then strings).
_FIXED = {"u8": "B", "u16": "H", "u32": "I", "u64": "Q", "i32": "i", "i64": "q",
          "bool": "?"}

# name: (type id, version, [(field, type), ...]) - gw.tmsg, in schema order.
MESSAGES = {
    "Hello": (500, 1, [("magic", "u32"), ("min_version", "u16"), ("max_version", "u16"),
                       ("client_name", "str"), ("token", "str")]),
    "Welcome": (501, 1, [("version", "u16"), ("max_frame", "u32"), ("max_payload", "u32"),
                         ("max_subs", "u32"), ("idle_timeout_ms", "u32"), ("conn_id", "u64"),
                         ("server", "str")]),
    "Publish": (510, 1, [("req_id", "u64"), ("ack", "u8"), ("topic", "str"),
                         ("event_ns", "i64"), ("type_id", "u32"), ("type_version", "u16"),
                         ("tags", "tags"), ("payload", "str")]),
    "Ack": (511, 1, [("req_id", "u64"), ("seq", "u64"), ("durable", "bool")]),
    "Subscribe": (520, 1, [("sub_id", "u32"), ("pattern", "str"), ("start", "u8"),
                           ("start_value", "u64"), ("policy", "u8"), ("credits", "u32"),
                           ("depth", "u32")]),
    "Subscribed": (521, 1, [("sub_id", "u32")]),
    "Credit": (522, 1, [("sub_id", "u32"), ("credits", "u32")]),
    "Unsubscribe": (523, 1, [("sub_id", "u32")]),
    "Unsubscribed": (524, 1, [("sub_id", "u32")]),
    "Message": (530, 1, [("sub_id", "u32"), ("topic", "str"), ("seq", "u64"), ("gap", "u64"),
                         ("event_ns", "i64"), ("send_ns", "i64"), ("recv_ns", "i64"),
                         ("type_id", "u32"), ("type_version", "u16"), ("tags", "tags"),
                         ("payload", "str")]),
    "Error": (540, 1, [("code", "u16"), ("req_id", "u64"), ("sub_id", "u32"), ("fatal", "bool"),
                       ("text", "str")]),
    "Ping": (550, 1, [("token", "u64")]),
    "Pong": (551, 1, [("token", "u64")]),
    "Bye": (552, 1, [("reason", "str")]),
}
BY_ID = {tid: name for name, (tid, _, _) in MESSAGES.items()}
_STRUCTS = {t: struct.Struct("<" + f) for t, f in _FIXED.items()}
_U32 = _STRUCTS["u32"]


class WireError(ValueError):
    """Bytes that are not a valid message."""


def _b(v):
    if isinstance(v, str):
        return v.encode()
    return bytes(v)


def encode(name, **fields):
    """One frame: header + body of message `name`; missing fields are zero."""
    tid, ver, spec = MESSAGES[name]
    parts = []
    for f, t in spec:
        v = fields.get(f)
        if t in _STRUCTS:
            parts.append(_STRUCTS[t].pack(v or 0))
        elif t == "str":
            b = _b(v or b"")
            parts.append(_U32.pack(len(b)))
            parts.append(b)
        else:  # tags: dict or list of "k=v"
            items = v or ()
            if isinstance(items, dict):
                items = ["%s=%s" % kv for kv in items.items()]
            items = [_b(i) for i in items]
            parts.append(_U32.pack(len(items)))
            for i in items:
                parts.append(_U32.pack(len(i)))
                parts.append(i)
    body = b"".join(parts)
    return HDR.pack(tid, ver, len(body)) + body


def frame_size(buf):
    """Size of the frame at the front of buf, or None while under 8 bytes."""
    if len(buf) < HDR.size:
        return None
    _, ver, n = HDR.unpack_from(buf, 0)
    if ver == 0:
        raise WireError("version 0 in a frame header")
    return HDR.size + n


def decode(buf):
    """(name, dict) of one whole frame.  Strings stay memoryviews of buf
    (zero-copy); tags become a dict."""
    mv = memoryview(buf)
    if len(mv) < HDR.size:
        raise WireError("truncated header")
    tid, ver, n = HDR.unpack_from(mv, 0)
    if ver == 0 or HDR.size + n != len(mv):
        raise WireError("bad header")
    name = BY_ID.get(tid)
    if name is None:
        raise WireError("unknown type id %d" % tid)
    _, my_ver, spec = MESSAGES[name]
    pos, end, out = HDR.size, len(mv), {}
    for f, t in spec:
        if t in _STRUCTS:
            s = _STRUCTS[t]
            if pos + s.size > end:
                raise WireError("%s.%s truncated" % (name, f))
            v = s.unpack_from(mv, pos)[0]
            pos += s.size
        elif t == "str":
            v, pos = _str(mv, pos, end, name, f)
        else:
            if pos + 4 > end:
                raise WireError("%s.%s truncated" % (name, f))
            cnt = _U32.unpack_from(mv, pos)[0]
            pos += 4
            v = {}
            for _ in range(cnt):
                s, pos = _str(mv, pos, end, name, f)
                k, eq, val = bytes(s).partition(b"=")
                v[k.decode(errors="replace")] = val.decode(errors="replace")
        out[f] = v
    if pos != end and ver <= my_ver:
        raise WireError("%s: %d trailing bytes" % (name, end - pos))
    return name, out


def _str(mv, pos, end, name, f):
    if pos + 4 > end:
        raise WireError("%s.%s truncated" % (name, f))
    n = _U32.unpack_from(mv, pos)[0]
    pos += 4
    if n > end - pos:
        raise WireError("%s.%s truncated" % (name, f))
    return mv[pos:pos + n], pos + n
