#!/usr/bin/env python3
"""Robustness of terngen on malformed schemas:
    terngen_mutate.py <terngen> <schema.tmsg>... [--iters N]
Applies seeded random mutations (bytes, tokens, lines) to valid schemas and
runs terngen on each result.  terngen must exit 0 (and then print a header)
or 1 with every stderr line in "file:line:col: error: message" form; any
other exit (a crash, a sanitizer report) fails the test."""
import os
import random
import re
import subprocess
import sys
import tempfile

TOKENS = [b"message", b"enum", b"end", b"import", b"optional", b"list", b"array",
          b"since", b"<", b">", b"[", b"]", b"(", b")", b"=", b",", b":", b"#",
          b"\"", b"\n", b"u8", b"i64", b"string", b"0", b"-1", b"0x", b"99999999999999999999",
          b"id", b"version", b"Foo", b"\x00", b"\xff", b"$"]
LINE = re.compile(rb"^[^:]+:[0-9]+:[0-9]+: error: .+$|^terngen: (error: .+|too many errors, stopping)$")


def mutate(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(5)
        at = rng.randrange(len(data) + 1)
        if op == 0 and data:
            del data[at:at + rng.randint(1, 8)]
        elif op == 1:
            data[at:at] = rng.choice(TOKENS)
        elif op == 2 and data:
            data[min(at, len(data) - 1)] = rng.randrange(256)
        elif op == 3:
            lines = data.split(b"\n")
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
            data = bytearray(b"\n".join(lines))
        else:
            data[at:at] = data[rng.randrange(len(data) + 1):][:rng.randint(1, 40)]
    return bytes(data)


def main():
    args = sys.argv[1:]
    iters = 300
    if "--iters" in args:
        i = args.index("--iters")
        iters = int(args[i + 1])
        del args[i:i + 2]
    terngen, schemas = os.path.abspath(args[0]), args[1:]
    seeds = [open(s, "rb").read() for s in schemas]
    rng = random.Random(1234)
    accepted = rejected = 0
    with tempfile.TemporaryDirectory() as tmp:
        # imports of the mutated files resolve to a valid common schema
        for s in schemas:
            with open(os.path.join(tmp, os.path.basename(s)), "wb") as f:
                f.write(open(s, "rb").read())
        for n in range(iters):
            src = mutate(rng, rng.choice(seeds))
            path = os.path.join(tmp, "m%d.tmsg" % n)
            with open(path, "wb") as f:
                f.write(src)
            r = subprocess.run([terngen, os.path.basename(path)], cwd=tmp,
                               capture_output=True, timeout=30)
            bad = [l for l in r.stderr.splitlines() if not LINE.match(l)]
            if r.returncode == 0 and not r.stderr and r.stdout.startswith(b"/* Generated"):
                accepted += 1
            elif r.returncode == 1 and r.stderr and not bad:
                rejected += 1
            else:
                sys.stdout.write("FAIL: exit %d on mutant %d:\n%r\nstderr:\n%s\n" % (
                    r.returncode, n, src, r.stderr.decode(errors="replace")))
                return 1
            os.unlink(path)
    print("%d mutants: %d accepted, %d rejected" % (iters, accepted, rejected))
    # the mutations must exercise both paths
    return 0 if accepted > 0 and rejected > iters // 2 else 1


sys.exit(main())
