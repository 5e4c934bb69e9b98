#!/usr/bin/env python3
"""Write a CPIO archive in "newc" (070701) format, as SWUpdate reads it.

Usage: mkcpio.py OUT.swu FILE...   (files are stored by basename, in order;
SWUpdate wants sw-description first, then sw-description.sig, then images)
Streams file contents, so memory stays small whatever the image size.
"""
import os
import shutil
import sys


def header(name, size, mode, ino):
    fields = [ino, mode, 0, 0, 1, 0, size, 0, 0, 0, 0, len(name) + 1, 0]
    return b"070701" + b"".join(b"%08X" % f for f in fields)


def pad(out, n):
    if n % 4:
        out.write(b"\0" * (4 - n % 4))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    with open(sys.argv[1], "wb") as out:
        for ino, path in enumerate(sys.argv[2:], start=1):
            name = os.path.basename(path).encode()
            size = os.path.getsize(path)
            h = header(name, size, 0o100644, ino) + name + b"\0"
            out.write(h)
            pad(out, len(h))
            with open(path, "rb") as f:
                shutil.copyfileobj(f, out, 1 << 20)
            pad(out, size)
        h = header(b"TRAILER!!!", 0, 0, 0) + b"TRAILER!!!\0"
        out.write(h)
        pad(out, len(h))


if __name__ == "__main__":
    main()
