# SPDX-License-Identifier: Apache-2.0
"""The stack under test is started by tests/integration/py_tests.sh, which
exports GW_UNIX and GW_TCP (tern-gateway), TERN_SOCKET and PROBE."""
import asyncio
import os
import subprocess

import pytest


@pytest.fixture
def gw():
    if "GW_TCP" not in os.environ:
        pytest.skip("no gateway: run through tests/integration/py_tests.sh")
    return {"tcp": os.environ["GW_TCP"], "unix": os.environ["GW_UNIX"]}


@pytest.fixture
def create():
    def create(*topics):
        subprocess.run([os.environ["PROBE"], "create", *topics], check=True,
                       stdout=subprocess.DEVNULL)
    return create


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


@pytest.fixture(scope="session")
def local():
    """The one tern.local client of the whole session: the first connect of
    a process initialises DPDK's EAL and closing its last client ends it
    for good (-EALREADY after), so every test shares this one."""
    if "TERN_SOCKET" not in os.environ:
        pytest.skip("no bus (TERN_SOCKET unset): run through tests/integration/py_tests.sh")
    try:
        import tern.local
    except ImportError as e:
        pytest.skip("tern.local unavailable: %s" % e)
    c = tern.local.connect(name="pytest-local", timeout_ms=10000)
    yield c
    c.close()
