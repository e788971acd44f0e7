#!/usr/bin/env python3
"""storage-check.py SRC.img DST.img: is the destination's disk the source's disk at its stop
plus the guest's later writes? The tsvmm guest writes blocks stamped (block number, write
generation) with generations counting up across the migration (guest RAM moves), so a block
may differ only if the destination's copy is a guest write newer than every write in SRC.
Prints one line and exits 0 (ok) or 1 (MISMATCH, naming the first bad blocks)."""
import struct
import sys

BLOCK = 4096


def stamp(buf, i):
    return struct.unpack_from("<QQ", buf, i * BLOCK)


def main():
    src = open(sys.argv[1], "rb").read()
    dst = open(sys.argv[2], "rb").read()
    if len(src) != len(dst):
        print(f"MISMATCH: sizes {len(src)} and {len(dst)}")
        return 1
    n = len(src) // BLOCK
    gmax = 0
    for i in range(n):
        b, gen = stamp(src, i)
        if b == i and gen < 1 << 40:
            gmax = max(gmax, gen)
    s, d = memoryview(src), memoryview(dst)
    later, bad = 0, []
    for i in range(n):
        o = i * BLOCK
        if s[o:o + BLOCK] == d[o:o + BLOCK]:
            continue
        b, gen = stamp(dst, i)
        if b == i and gmax < gen < 1 << 40:
            later += 1
        else:
            bad.append(i)
    verdict = "ok" if not bad else "MISMATCH"
    print(f"{verdict}: {n} blocks, {n - later - len(bad)} equal to the source's at its stop, "
          f"{later} later guest writes (generation > {gmax}), {len(bad)} bad"
          + (f" (first: {bad[:8]})" if bad else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
