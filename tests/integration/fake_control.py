# SPDX-License-Identifier: Apache-2.0
"""A fake tern-control: listens on PATH, answers each hello with a
CtlHelloReply carrying the EAL arguments given as JSON lists, one list per
connection, then exits.

    python3 fake_control.py PATH READY_FILE '[["tern-client", "-d", ...], ...]'
"""
import json
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ctlwire  # noqa: E402

path, ready, variants = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
srv.bind(path)
srv.listen(4)
srv.settimeout(30)
open(ready, "w").close()
for args in variants:
    c, _ = srv.accept()
    c.settimeout(30)
    c.recv(65536)               # the CtlHello; its content does not matter
    c.send(ctlwire.hello_reply(0, "", 0, 64, args))
    try:
        while c.recv(65536):    # until the client gives up
            pass
    except OSError:
        pass
    c.close()
srv.close()
os.unlink(path)
