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
