# SPDX-License-Identifier: Apache-2.0
"""Local mode: a tern client in this process, over libtern (the C client
library) through cffi in ABI mode: no compiler, no build step, only
libtern.so and DPDK's shared libraries at run time.

The process becomes a DPDK secondary process attached to the dataplane's
hugepages, so the data path (allocate, publish, poll, release) makes no
system call and no copy: a received payload is a read-only memoryview of
the hugepage buffer itself.  It needs what any libtern application needs:
root (or the rights to the hugepages) and a running tern-dataplane and
tern-control on this host.

    c = tern.local.connect()                    # $TERN_SOCKET
    c.topic_create("md.eq.AAPL", exist_ok=True)
    sub = c.subscribe("md.eq.*", policy="backpressure")
    pub = c.publisher("md.eq.AAPL")
    seq = pub.publish(b"...", tags={"src": "py"})
    for m in sub.poll(timeout=1.0):
        with m:                                 # releases the buffer
            print(m.topic, m.seq, m.gap, bytes(m.payload))

Synchronous on purpose: a local subscriber polls shared memory, and an
event loop would only add latency.  Rules inherited from libtern:

- The first connect() of a process initialises DPDK's EAL; when the last
  client closes EAL is cleaned up for good and this process can never
  connect again (TernError -EALREADY).  Keep one client for the life of
  the process.
- A client and its handles belong to the thread that created them (they
  carry its DPDK lcore id): do not share them between threads.
- A received message's payload is valid until it is released (release(),
  the with block, Subscription.release(), or closing the subscription or
  the client): the bus then reuses the buffer.  Message.payload raises
  ValueError after that, and the memoryview it returned is released; do
  not keep slices of it (or anything else exporting it) past the release,
  copy with bytes() what must outlive it.  A subscription holds at most
  512 unreleased messages, after which poll() returns nothing.
"""

import errno
import os
import time

try:
    import cffi
except ImportError as e:                                    # pragma: no cover
    raise ImportError("tern.local needs cffi (apt-get install python3-cffi): %s" % e) from e

__all__ = ["connect", "Client", "Publisher", "Subscription", "Message", "TernError",
           "BackpressureError", "TERN_EBACKPRESSURE", "TERN_ENOTCONN", "TERN_ECLOSED",
           "TERN_EMSGSIZE", "TERN_ESTORAGE", "TERN_ESHUTDOWN"]

# Copied from lib/include/tern/tern.h, field by field: in ABI mode cffi
# computes the layouts from this text alone, so it must match the header.
_CDEF = """
enum tern_policy {
    TERN_POLICY_DROP = 0,
    TERN_POLICY_BACKPRESSURE = 1,
};

struct tern_msg {
    uint64_t seq;
    int64_t event_ns;
    int64_t send_ns;
    int64_t recv_ns;
    uint32_t topic_id;
    uint32_t size;
    uint32_t type_id;
    uint16_t version;
    uint16_t tags_len;
    uint64_t holders__;
    uint32_t capacity;
    uint32_t slot__;
};

struct tern_client;
struct tern_pub;
struct tern_sub;

struct tern_connect_opts {
    const char *socket;
    const char *name;
    int timeout_ms;
};

int tern_connect(const struct tern_connect_opts *opts, struct tern_client **out);
int tern_status(struct tern_client *c);
void tern_close(struct tern_client *c);

int tern_topic_create(struct tern_client *c, const char *name);
int tern_topic_lookup(struct tern_client *c, const char *name);
const char *tern_topic_name(struct tern_client *c, uint32_t topic_id);

int tern_pub_open(struct tern_client *c, const char *topic, unsigned flags,
                  struct tern_pub **out);
void tern_pub_close(struct tern_pub *p);

struct tern_msg *tern_msg_alloc(struct tern_pub *p, uint32_t size);
void tern_msg_free(struct tern_pub *p, struct tern_msg *m);
int tern_msg_add_tag(struct tern_msg *m, const char *key, const char *value);
const char *tern_msg_tag(const struct tern_msg *m, const char *key, size_t *len);

int64_t tern_publish(struct tern_pub *p, struct tern_msg *m);

enum tern_start {
    TERN_START_LIVE = 0,
    TERN_START_EARLIEST = 1,
    TERN_START_SEQ = 2,
    TERN_START_TIME = 3,
};

int tern_pub_wait_durable(struct tern_pub *p, uint64_t seq, int64_t timeout_ns);

struct tern_sub_opts {
    enum tern_start start;
    uint64_t start_value;
    enum tern_policy policy;
    uint32_t depth;
    bool want_fd;
};

int tern_sub_open(struct tern_client *c, const char *pattern,
                  const struct tern_sub_opts *opts, struct tern_sub **out);
void tern_sub_close(struct tern_sub *s);

unsigned tern_poll(struct tern_sub *s, const struct tern_msg **msgs, unsigned n);
void tern_release(struct tern_sub *s, const struct tern_msg *const *msgs, unsigned n);

struct tern_sub_stats {
    uint64_t received;
    uint64_t dropped;
    uint64_t queued;
    uint32_t topics;
    uint32_t held;
};

int tern_sub_stats(struct tern_sub *s, struct tern_sub_stats *out);

void tern_pool_info(struct tern_client *c, uint64_t *free_bufs, uint64_t *size);
int64_t tern_now_ns(struct tern_client *c);

const char *tern_strerror(int rv);
const char *tern_errmsg(void);
"""

# The macros of tern.h (cffi's cdef does not take negative #defines).
TERN_EBACKPRESSURE = -errno.EAGAIN
TERN_ENOTCONN = -errno.ENOTCONN
TERN_ECLOSED = -errno.EPIPE
TERN_EMSGSIZE = -errno.EMSGSIZE
TERN_ESTORAGE = -errno.EIO
TERN_ESHUTDOWN = -errno.ESHUTDOWN
TERN_MSG_DATA_OFFSET = 192
TERN_PUB_EXCLUSIVE = 0x1

_POLICY = {"drop": 0, "backpressure": 1}
_START = {"live": 0, "earliest": 1, "seq": 2, "time": 3}

ffi = cffi.FFI()
ffi.cdef(_CDEF)
if ffi.sizeof("struct tern_msg") != 64:                     # pragma: no cover
    raise ImportError("tern.local: struct tern_msg is %d bytes, tern.h says 64"
                      % ffi.sizeof("struct tern_msg"))


def _candidates():
    """Where libtern may be, in order: the caller's choice, the system's
    linker path, then this source tree's build (so that the tests and a
    developer's checkout work without installing)."""
    env = os.environ.get("TERN_LIBRARY")
    if env:
        return [("$TERN_LIBRARY", env)]
    out = []
    import ctypes.util
    found = ctypes.util.find_library("tern")
    out.append(('ctypes.util.find_library("tern")', found))
    build = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                          "..", "..", "build", "lib"))
    for name in ("libtern.so", "libtern.so.0"):
        out.append(("the build directory", os.path.join(build, name)))
    return out


def _load():
    tried = []
    for how, path in _candidates():
        if not path:
            tried.append("%s: not found" % how)
            continue
        try:
            return ffi.dlopen(path), path
        except OSError as e:
            tried.append("%s: %s" % (how, e))
    raise ImportError("tern.local: cannot load libtern (set TERN_LIBRARY to its path); tried "
                      + "; ".join(tried))


lib, LIBRARY = _load()


def _text(p):
    return ffi.string(p).decode("utf-8", "replace") if p != ffi.NULL else ""


class TernError(Exception):
    """A libtern error: code is the negative errno value the C call returned
    (or a TERN_E* name), text tern_strerror() of it, detail tern_errmsg()
    when the call was one that leaves a message chain."""

    def __init__(self, code, what, detail=""):
        self.code, self.what = code, what
        self.text = _text(lib.tern_strerror(code))
        self.detail = detail
        msg = "%s: %s (%d)" % (what, self.text, code)
        if detail:
            msg += ": " + detail.replace("\n", "; ")
        super().__init__(msg)

    @property
    def name(self):
        return errno.errorcode.get(-self.code, str(self.code))


class BackpressureError(TernError):
    """TERN_EBACKPRESSURE: a backpressure subscriber's queue is full; the
    message was not published, retrying later may succeed."""


def _fail(code, what, slow=True):
    """The exception for code.  Only slow (control) calls and fencing leave
    a message chain; for the other data-path codes tern_errmsg() holds the
    text of some earlier call, which would mislead."""
    detail = _text(lib.tern_errmsg()) if slow or code == TERN_ENOTCONN else ""
    cls = BackpressureError if code == TERN_EBACKPRESSURE else TernError
    return cls(code, what, detail)


def _cstr(s, what):
    """UTF-8 bytes for a C string argument; a NUL inside would cut it short
    in C without anyone noticing, so refuse it here."""
    b = s.encode() if isinstance(s, str) else bytes(s)
    if b"\0" in b:
        raise ValueError("%s contains a NUL byte: %r" % (what, s))
    return b


class Message:
    """A received message: header fields read at poll time, tags a dict of
    str, payload a read-only memoryview of the hugepage buffer (no copy),
    valid until release().  gap is the number of messages of this topic
    lost for this subscription just before this one (0 on a topic's first)."""

    __slots__ = ("seq", "gap", "event_ns", "send_ns", "recv_ns", "topic", "topic_id",
                 "type_id", "version", "size", "tags", "_payload", "_ptr", "_sub")

    def __init__(self, sub, ptr, topic, gap):
        self._sub, self._ptr = sub, ptr
        self.seq, self.gap = ptr.seq, gap
        self.event_ns, self.send_ns, self.recv_ns = ptr.event_ns, ptr.send_ns, ptr.recv_ns
        self.topic_id, self.topic = ptr.topic_id, topic
        self.type_id, self.version = ptr.type_id, ptr.version
        self.size = size = ptr.size
        data = ffi.cast("char *", ptr) + TERN_MSG_DATA_OFFSET
        self._payload = memoryview(ffi.buffer(data, size)).toreadonly()
        tags_len = ptr.tags_len
        self.tags = _parse_tags(ffi.buffer(data + size, tags_len)[:]) if tags_len else {}

    @property
    def payload(self):
        """The payload, zero copy; ValueError once released."""
        if self._payload is None:
            raise ValueError("tern message seq %d released: its buffer belongs to the bus"
                             % self.seq)
        return self._payload

    @property
    def type_version(self):
        """The name tern.remote gives version."""
        return self.version

    @property
    def released(self):
        return self._ptr is None

    def release(self):
        """Give the buffer back to the bus (last reader frees it).  Idempotent."""
        if self._ptr is not None:
            self._sub.release((self,))

    def _drop(self):
        self._ptr = None
        mv, self._payload = self._payload, None
        try:
            mv.release()
        except BufferError:
            pass        # exported elsewhere (numpy, ...): theirs to stop using

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()

    def __repr__(self):
        return "Message(%s seq=%d gap=%d %d bytes%s)" % (
            self.topic, self.seq, self.gap, self.size, ", released" if self.released else "")


def _parse_tags(raw):
    """The tag area: "key=value\\0" entries (tern_msg_add_tag()); the value
    runs to the NUL and may itself contain '='."""
    tags = {}
    for entry in raw.split(b"\0"):
        if entry:
            k, _, v = entry.partition(b"=")
            tags[k.decode("utf-8", "replace")] = v.decode("utf-8", "replace")
    return tags


class Subscription:
    """One tern_sub: poll() returns Messages, in seq order per topic."""

    def __init__(self, client, handle, pattern):
        self._c, self._h, self.pattern = client, handle, pattern
        self._arr, self._arr_n = ffi.NULL, 0
        self._held = set()          # polled, unreleased Messages: dropped on close
        self._last = {}             # topic_id -> last seq, for Message.gap

    @property
    def closed(self):
        return self._h is None

    def _handle(self):
        if self._h is None:
            raise TernError(TERN_ECLOSED, "subscription %s" % self.pattern)
        return self._h

    def poll(self, max=32, timeout=None):
        """Up to max messages; none waiting: [] at once, or with timeout
        (seconds) wait for some, spinning then sleeping in short steps (a
        local subscriber is a poller; see want_fd in tern.h to sleep on
        an fd instead).  TernError TERN_ENOTCONN once the bus is gone."""
        h = self._handle()
        if max < 1:
            raise ValueError("max must be at least 1")
        if max > self._arr_n:
            self._arr, self._arr_n = ffi.new("const struct tern_msg *[]", max), max
        arr = self._arr
        n = lib.tern_poll(h, arr, max)
        if n == 0:
            if lib.tern_status(self._c._h) == TERN_ENOTCONN:
                raise _fail(TERN_ENOTCONN, "tern_poll")
            if timeout is None:
                return []
            deadline = time.monotonic() + timeout
            spins = 0
            while n == 0:
                spins += 1
                if spins > 100:
                    if time.monotonic() >= deadline:
                        return []
                    if lib.tern_status(self._c._h) == TERN_ENOTCONN:
                        raise _fail(TERN_ENOTCONN, "tern_poll")
                    time.sleep(0.0002 if spins < 5000 else 0.001)
                n = lib.tern_poll(h, arr, max)
        names = {}
        last = self._last
        out = []
        for i in range(n):
            p = arr[i]
            tid = p.topic_id
            name = names.get(tid)
            if name is None:
                name = names[tid] = _text(lib.tern_topic_name(self._c._h, tid))
            prev = last.get(tid)
            seq = p.seq
            last[tid] = seq
            m = Message(self, p, name, seq - prev - 1 if prev is not None and seq > prev else 0)
            out.append(m)
        self._held.update(out)
        return out

    def get(self, timeout=None):
        """The next message (tern.remote's shape); TimeoutError after
        timeout seconds, None: wait forever."""
        while True:
            got = self.poll(1, 3600.0 if timeout is None else timeout)
            if got:
                return got[0]
            if timeout is not None:
                raise TimeoutError("no message on %s within %g s" % (self.pattern, timeout))

    def release(self, msgs):
        """Release many messages in one tern_release() call; ones already
        released (or of another subscription) are skipped."""
        todo = [m for m in msgs if m._ptr is not None and m._sub is self]
        if not todo:
            return
        arr = ffi.new("const struct tern_msg *[]", [m._ptr for m in todo])
        lib.tern_release(self._handle(), arr, len(todo))
        for m in todo:
            m._drop()
            self._held.discard(m)

    def stats(self):
        """tern_sub_stats() as a dict: received, dropped, queued, topics, held."""
        st = ffi.new("struct tern_sub_stats *")
        rc = lib.tern_sub_stats(self._handle(), st)
        if rc < 0:
            raise _fail(rc, "tern_sub_stats", slow=False)
        return {k: getattr(st, k) for k in ("received", "dropped", "queued", "topics", "held")}

    def _forget(self):
        """The C side is gone (closed here or by tern_close()): invalidate
        every view still held, they point at buffers no longer ours."""
        for m in self._held:
            m._drop()
        self._held.clear()
        self._h = None

    def close(self):
        """Close the subscription, releasing every message it holds."""
        if self._h is None:
            return
        h = self._h
        self._forget()
        self._c._children.discard(self)
        lib.tern_sub_close(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return "Subscription(%s%s)" % (self.pattern, ", closed" if self.closed else "")


class Publisher:
    """One tern_pub on one topic."""

    def __init__(self, client, handle, topic):
        self._c, self._h, self.topic = client, handle, topic

    @property
    def closed(self):
        return self._h is None

    def _handle(self):
        if self._h is None:
            raise TernError(TERN_ECLOSED, "publisher %s" % self.topic)
        return self._h

    def _alloc(self, h, size):
        m = lib.tern_msg_alloc(h, size)
        if m != ffi.NULL:
            return m
        # NULL says neither why nor what to do: tell the causes apart
        # (only on this failure path) by what the bus still allows.
        if lib.tern_status(self._c._h) == TERN_ENOTCONN:
            raise _fail(TERN_ENOTCONN, "tern_msg_alloc")
        if size:
            small = lib.tern_msg_alloc(h, 0)
            if small != ffi.NULL:
                lib.tern_msg_free(h, small)
                raise TernError(TERN_EMSGSIZE, "tern_msg_alloc",
                                "%d payload bytes do not fit the bus's message size" % size)
        raise TernError(-errno.ENOBUFS, "tern_msg_alloc",
                        "the pool is empty or this client has 64 messages allocated")

    def publish(self, payload, tags=None, event_ns=None, type_id=0, version=0, *,
                retry=False, timeout=5.0):
        """Publish payload (any contiguous bytes-like) with tags (dict of
        str) and return its seq.  event_ns defaults to now on the bus's
        clock.  BackpressureError when a backpressure subscriber is full;
        with retry=True keep trying for timeout seconds first (useless if
        that subscriber is polled by this very thread)."""
        h = self._handle()
        mv = memoryview(payload)
        size = mv.nbytes
        m = self._alloc(h, size)
        try:
            if size:
                ffi.memmove(ffi.cast("char *", m) + TERN_MSG_DATA_OFFSET, mv, size)
            if tags:
                for k, v in tags.items():
                    rc = lib.tern_msg_add_tag(m, _cstr(k, "tag key"), _cstr(v, "tag value"))
                    if rc < 0:
                        raise TernError(rc, "tern_msg_add_tag %r" % (k,),
                                        "key empty or with '='" if rc == -errno.EINVAL
                                        else "tags do not fit the buffer after the payload")
            m.event_ns = lib.tern_now_ns(self._c._h) if event_ns is None else event_ns
            m.type_id, m.version = type_id, version
            seq = lib.tern_publish(h, m)
            if seq == TERN_EBACKPRESSURE:
                seq = self._backpressure(h, m, retry, timeout)
        except BaseException:
            lib.tern_msg_free(h, m)
            raise
        if seq < 0:
            lib.tern_msg_free(h, m)
            raise _fail(seq, "tern_publish on %s" % self.topic, slow=False)
        return seq

    def _backpressure(self, h, m, retry, timeout):
        """Retry a refused publish until timeout, unless the refusal is the
        bus draining to stop (also TERN_EBACKPRESSURE, told by tern_status)."""
        deadline = time.monotonic() + timeout if retry else 0
        spins = 0
        while True:
            if lib.tern_status(self._c._h) == TERN_ESHUTDOWN:
                return TERN_ESHUTDOWN
            if not retry or time.monotonic() >= deadline:
                return TERN_EBACKPRESSURE
            spins += 1
            if spins > 100:
                time.sleep(0.0001)
            seq = lib.tern_publish(h, m)
            if seq != TERN_EBACKPRESSURE:
                return seq

    def wait_durable(self, seq, timeout=5.0):
        """Wait until the topic's log holds every message up to seq durably
        (tern_pub_wait_durable: spins on shared memory).  TernError -ENODATA
        if the topic is not stored, -ETIMEDOUT, TERN_ESTORAGE."""
        rc = lib.tern_pub_wait_durable(self._handle(), seq, int(timeout * 1e9))
        if rc < 0:
            raise _fail(rc, "tern_pub_wait_durable on %s" % self.topic, slow=False)

    def close(self):
        if self._h is None:
            return
        h, self._h = self._h, None
        self._c._children.discard(self)
        lib.tern_pub_close(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return "Publisher(%s%s)" % (self.topic, ", closed" if self.closed else "")


class Client:
    """One tern_client.  See the module's docstring: one per process (and
    per thread), closed once at the end."""

    def __init__(self, handle, name):
        self._h, self.name = handle, name
        self._children = set()

    @property
    def closed(self):
        return self._h is None

    def _handle(self):
        if self._h is None:
            raise TernError(TERN_ECLOSED, "client")
        return self._h

    def status(self):
        """0, TERN_ESHUTDOWN (draining) or TERN_ENOTCONN (fenced); no syscall."""
        return lib.tern_status(self._handle())

    def now_ns(self):
        """Now in UTC ns on the bus's clock (the TSC's, as send_ns and recv_ns)."""
        return lib.tern_now_ns(self._handle())

    def pool_info(self):
        """(free buffers, all buffers) of the message pools."""
        f, n = ffi.new("uint64_t *"), ffi.new("uint64_t *")
        lib.tern_pool_info(self._handle(), f, n)
        return f[0], n[0]

    def topic_create(self, name, exist_ok=False):
        """Create a topic; with exist_ok an existing one is fine."""
        rc = lib.tern_topic_create(self._handle(), _cstr(name, "topic"))
        if rc < 0 and not (exist_ok and rc == -errno.EEXIST):
            raise _fail(rc, "tern_topic_create %s" % name)

    def topic_lookup(self, name):
        """The topic's id."""
        rc = lib.tern_topic_lookup(self._handle(), _cstr(name, "topic"))
        if rc < 0:
            raise _fail(rc, "tern_topic_lookup %s" % name)
        return rc

    def publisher(self, topic, exclusive=False):
        """A Publisher on an existing topic (TernError -ENOENT if not);
        exclusive: the sole publisher, no lock on the publish path."""
        out = ffi.new("struct tern_pub **")
        rc = lib.tern_pub_open(self._handle(), _cstr(topic, "topic"),
                               TERN_PUB_EXCLUSIVE if exclusive else 0, out)
        if rc < 0:
            raise _fail(rc, "tern_pub_open %s" % topic)
        p = Publisher(self, out[0], topic)
        self._children.add(p)
        return p

    def subscribe(self, pattern, policy="drop", depth=0, start="live", start_value=0):
        """A Subscription to a topic or pattern (`*` one token, `>` the
        rest).  policy "drop" or "backpressure"; depth a power of two, 0:
        the configured default; start "live", "earliest", ("seq", N) or
        ("time", UTC_NS) (or "seq"/"time" with start_value, tern.remote's
        shape); replay needs a stored topic."""
        if isinstance(start, tuple):
            if len(start) != 2:
                raise ValueError("start tuple must be (kind, value): %r" % (start,))
            start, start_value = start
        if policy not in _POLICY:
            raise ValueError("policy must be one of %s: %r" % (", ".join(_POLICY), policy))
        if start not in _START:
            raise ValueError("start must be one of %s: %r" % (", ".join(_START), start))
        opts = ffi.new("struct tern_sub_opts *")
        opts.start, opts.start_value = _START[start], start_value
        opts.policy, opts.depth = _POLICY[policy], depth
        out = ffi.new("struct tern_sub **")
        rc = lib.tern_sub_open(self._handle(), _cstr(pattern, "pattern"), opts, out)
        if rc < 0:
            raise _fail(rc, "tern_sub_open %s" % pattern)
        s = Subscription(self, out[0], pattern)
        self._children.add(s)
        return s

    def close(self):
        """Close every handle, release held messages, detach.  The last
        client of the process ends EAL: no connect() after that."""
        if self._h is None:
            return
        for ch in list(self._children):
            if isinstance(ch, Subscription):
                ch._forget()
            else:
                ch._h = None
        self._children.clear()
        h, self._h = self._h, None
        lib.tern_close(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return "Client(%s%s)" % (self.name, ", closed" if self.closed else "")


def connect(socket=None, name=None, timeout_ms=0):
    """Connect to tern-control at socket (None: $TERN_SOCKET, else
    /run/tern/local/control.sock) and attach to the bus.  timeout_ms bounds
    each control call: 0 is 5000 ms, negative waits forever."""
    opts = ffi.new("struct tern_connect_opts *")
    keep = []                   # the C strings must outlive the call
    if socket is not None:
        keep.append(ffi.new("char[]", _cstr(os.fspath(socket), "socket")))
        opts.socket = keep[-1]
    if name is not None:
        keep.append(ffi.new("char[]", _cstr(name, "name")))
        opts.name = keep[-1]
    opts.timeout_ms = timeout_ms
    out = ffi.new("struct tern_client **")
    rc = lib.tern_connect(opts, out)
    if rc < 0:
        raise _fail(rc, "tern_connect")
    return Client(out[0], name)
