#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The baseline for bench/analyze-scale.sh: tsync-analyze's octave OADEV, MDEV, TDEV and MTIE
written the way a time engineer would with numpy (vectorized, Debian's python3-numpy).

  analyze_numpy.py metrics FILE [--rate HZ]   FILE: .npy (float64, mmap) or text (one x a line)
      prints metric,tau,value,n as tsync-analyze stability --format csv --no-ci does
  analyze_numpy.py gen N OUT.npy [OUT.txt]    seeded white PM 1e-9 s + random-walk phase
  analyze_numpy.py compare A.csv B.csv        max relative difference of the values (same rows)
  analyze_numpy.py allantools FILE [--rate HZ]  the same four metrics through allantools

Definitions (NIST SP 1065, phase x, tau = m tau0, octave m = 1, 2, 4, ... up to the largest
usable m of each metric, as tsync-analyze's --taus octave):
  OADEV^2 = sum (x[i+2m] - 2x[i+m] + x[i])^2 / (2 tau^2 (N - 2m))
  MDEV^2  = sum_j (sum_{i=j}^{j+m-1} (x[i+2m] - 2x[i+m] + x[i]))^2 / (2 m^2 tau^2 (N - 3m + 1))
  TDEV    = tau / sqrt(3) MDEV
  MTIE    = max over windows of m + 1 samples of (max - min)
"""
import sys

import numpy as np


def load(path):
    if path.endswith(".npy"):
        a = np.load(path, mmap_mode="r")
        return np.asarray(a if a.ndim == 1 else a[:, -1], dtype=np.float64)
    with open(path, "rb") as f:
        return np.fromfile(f, dtype=np.float64, sep=" ")


def octaves(top):
    m, out = 1, []
    while m <= top:
        out.append(m)
        m *= 2
    return out


def oadev(x, m, tau):
    d = x[2 * m:] - 2 * x[m:-m] + x[:-2 * m]
    return np.sqrt(np.dot(d, d) / (2 * tau * tau * d.size)), d.size


def mdev(x, m, tau):
    d = x[2 * m:] - 2 * x[m:-m] + x[:-2 * m]
    c = np.concatenate(([0.0], np.cumsum(d)))
    s = c[m:] - c[:-m]
    return np.sqrt(np.dot(s, s) / (2.0 * m * m * tau * tau * s.size)), s.size


def mtie_all(x, ms):
    """window doubling: after k steps hi[i] = max x[i .. i + 2^k]"""
    hi, lo, cur, out = x.copy(), x.copy(), 0, {}
    for m in ms:
        while cur < m:
            sh = cur if cur else 1
            hi = np.maximum(hi[:-sh], hi[sh:])
            lo = np.minimum(lo[:-sh], lo[sh:])
            cur = 2 * cur if cur else 1
        out[m] = (float(np.max(hi - lo)), hi.size)
    return out


def metrics(path, rate):
    x = load(path)
    n, tau0 = x.size, 1.0 / rate
    rows = []
    for m in octaves((n - 1) // 2):
        v, k = oadev(x, m, m * tau0)
        rows.append(("oadev", m, v, k))
    md = [(m,) + mdev(x, m, m * tau0) for m in octaves(n // 3)]
    rows += [("mdev", m, v, k) for m, v, k in md]
    rows += [("tdev", m, m * tau0 / np.sqrt(3.0) * v, k) for m, v, k in md]
    mt = mtie_all(x, octaves(n - 1))
    rows += [("mtie", m, v, k) for m, (v, k) in mt.items()]
    print("metric,tau,value,n")
    for name, m, v, k in rows:
        print("%s,%.17g,%.17g,%d" % (name, m * tau0, v, k))


def with_allantools(path, rate):
    import allantools  # noqa: only when a Debian package provides it

    x = load(path)
    print("metric,tau,value,n")
    for name, fn in (("oadev", allantools.oadev), ("mdev", allantools.mdev),
                     ("tdev", allantools.tdev), ("mtie", allantools.mtie)):
        taus, vals, _, ns = fn(x, rate=rate, data_type="phase", taus="octave")
        for t, v, k in zip(taus, vals, ns):
            print("%s,%.17g,%.17g,%d" % (name, t, v, k))


def compare(a, b):
    def rows(p):
        out = {}
        with open(p) as f:
            next(f)
            for line in f:
                c = line.strip().split(",")
                out[(c[0], float(c[1]))] = float(c[2])
        return out

    ra, rb = rows(a), rows(b)
    common = sorted(set(ra) & set(rb))
    worst = 0.0
    for k in common:
        va, vb = ra[k], rb[k]
        d = abs(va - vb) / max(abs(va), abs(vb)) if va != vb else 0.0
        worst = max(worst, d)
    missing = len(set(ra) ^ set(rb))
    print("%d %.3g %d" % (len(common), worst, missing))


def main(argv):
    rate = 1.0
    if "--rate" in argv:
        i = argv.index("--rate")
        rate = float(argv[i + 1])
        del argv[i:i + 2]
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "metrics" and len(argv) == 3:
        metrics(argv[2], rate)
    elif cmd == "allantools" and len(argv) == 3:
        with_allantools(argv[2], rate)
    elif cmd == "gen" and len(argv) in (4, 5):
        n = int(float(argv[2]))
        rng = np.random.default_rng(12345)
        x = np.cumsum(rng.standard_normal(n) * 1e-10) + rng.standard_normal(n) * 1e-9
        np.save(argv[3], x)
        if len(argv) == 5:
            np.savetxt(argv[4], x, fmt="%.17g")
    elif cmd == "compare" and len(argv) == 4:
        compare(argv[2], argv[3])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
