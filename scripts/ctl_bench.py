#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Control-plane throughput: create N topics, then N subscriptions (one per
topic, exact names, and a few patterns), through tern-control on one
connection each, and time each phase.  A measurement, not a test: it
prints one JSON line and fails only if a request is refused.

  scripts/ctl_bench.py [--socket PATH] [--topics N] [--subs N] [--patterns K] [--batch B]

--batch B sends B items per bulk request (CtlTopicCreateMany,
CtlSubOpenMany); --batch 1 sends one CtlTopicCreate / CtlSubOpen each, a
round trip per item (two process wake-ups each way, client to tern-control
to the dataplane: on a shared 2-CPU VM about 100 us).

The socket defaults to $TERN_SOCKET.  Start a node big enough first, e.g.
  scripts/stack.sh start -c configs/scale-65536.ini -d /tmp/bench
  TERN_SOCKET=/run/tern/scale/control.sock scripts/ctl_bench.py
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
import ctlwire  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", default=os.environ.get("TERN_SOCKET"))
    ap.add_argument("--topics", type=int, default=10000)
    ap.add_argument("--subs", type=int, default=10000)
    ap.add_argument("--patterns", type=int, default=10,
                    help="of the subscriptions, how many are patterns (bench.K.*)")
    ap.add_argument("--prefix", default="bench")
    ap.add_argument("--batch", type=int, default=256)
    a = ap.parse_args()
    if not a.socket:
        sys.exit("ctl_bench: no --socket and no $TERN_SOCKET")
    tool = ctlwire.Peer(a.socket, "ctl_bench", peer=1)
    app = ctlwire.Peer(a.socket, "ctl_bench")

    def run(what, one, many, items):
        t0 = time.perf_counter()
        n = 0
        for i in range(0, len(items), a.batch):
            chunk = items[i:i + a.batch]
            if a.batch == 1:
                st, err, _ = one(chunk[0])
                done = 1 if st == 0 else 0
            else:
                st, err, done, _ = many(chunk)
            if st != 0:
                sys.exit("ctl_bench: %s %r: %d %s" % (what, chunk[done], st, err))
            n += done
        return n, time.perf_counter() - t0

    # Topics spread over 100 groups, so that a pattern follows ~1% of them.
    names = ["%s.%d.t%d" % (a.prefix, i % 100, i) for i in range(a.topics)]
    nt, tt = run("topic", tool.topic_create,
                 lambda c: ctlwire.topic_create_many(tool, c), names)
    pats = ["%s.%d.*" % (a.prefix, k) for k in range(min(a.patterns, a.subs))]
    exact = [names[i % len(names)] for i in range(a.subs - len(pats))]
    ns, ts = run("subscription", app.sub_open,
                 lambda c: ctlwire.sub_open_many(app, c), pats + exact)
    t0 = time.perf_counter()
    app.close()             # tern-control reclaims every subscription
    time.sleep(0)
    tool.close()
    print(json.dumps({"batch": a.batch, "topics": nt, "topics_s": round(tt, 3),
                      "topic_create_us": round(tt / max(nt, 1) * 1e6, 1),
                      "subs": ns, "patterns": len(pats), "subs_s": round(ts, 3),
                      "sub_open_us": round(ts / max(ns, 1) * 1e6, 1),
                      "total_s": round(tt + ts, 3), "close_s": round(time.perf_counter() - t0, 3)}))


if __name__ == "__main__":
    main()
