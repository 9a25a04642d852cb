# SPDX-License-Identifier: Apache-2.0
"""tern: the kernel-bypass publish/subscribe bus, from Python.

tern.remote: over a tern-gateway (TCP or Unix socket), pure asyncio.

Local mode
----------
tern.local: in this process, over libtern (cffi in ABI mode, Debian's
python3-cffi; no compiler).  The process becomes a DPDK secondary process
on the dataplane's hugepages: no system call and no copy on the data path,
received payloads are read-only memoryviews of the bus's buffers, valid
until released.  Synchronous (a local subscriber polls shared memory):

    c = tern.local.connect()            # $TERN_SOCKET
    pub = c.publisher("md.eq.AAPL")
    sub = c.subscribe("md.eq.*", policy="backpressure")
    seq = pub.publish(b"...", tags={"src": "py"})
    for m in sub.poll(timeout=1.0):
        with m:
            print(m.topic, m.seq, bytes(m.payload))

The first connect() initialises DPDK's EAL and closing the process's last
client ends it for good: keep one client for the life of the process.
libtern is found through $TERN_LIBRARY, the linker's path, or this source
tree's build/lib.  tern.local is imported on first use, so `import tern`
works on a host without libtern (remote mode only).
"""
from . import remote                                  # noqa: F401
from .remote import GatewayError, Message, connect    # noqa: F401


def __getattr__(name):
    """tern.local on first access (PEP 562): loading it dlopens libtern,
    which a remote-only host does not have."""
    if name == "local":
        import importlib
        return importlib.import_module(".local", __name__)
    raise AttributeError("module %r has no attribute %r" % (__name__, name))
