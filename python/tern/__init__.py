# SPDX-License-Identifier: Apache-2.0
"""tern: the kernel-bypass publish/subscribe bus, from Python.

tern.remote: over a tern-gateway (TCP or Unix socket), pure asyncio.
"""
from . import remote                                  # noqa: F401
from .remote import GatewayError, Message, connect    # noqa: F401
