#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Own-bound coverage of dtpd nodes over a run (bench/dtpd.sh, tests/integration/test_dtpd.sh).

Every INTERVAL s, for each node: its own bound (bound_ns of `status` on its control socket,
read right before) and its clock's true error against the root's vclock (tsync-vclock error
V --ref ROOT: both vclocks at one CLOCK_REALTIME instant). A sample is covered when
|error| <= bound. After SETTLE s, one line per node:

  cover node=N n=SAMPLES covered=K pct=P rms_ns=R p99_ns=Q max_ns=M slack_min_ns=S bound_p50_ns=B

slack_min_ns: the least bound - |error| seen (< 0: a violation). A sample whose bound is
unknown (-1) or whose node is not in SYNC counts as not covered. Exit 0; 1 on usage errors.
"""
import argparse
import math
import os
import socket
import subprocess
import sys
import tempfile
import time


def status(sock_path, client):
    try:
        client.sendto(b"status", sock_path)
        line = client.recv(4096).decode(errors="replace")
    except OSError:
        return {}
    return dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)


def true_error(binp, vclock, ref):
    try:
        out = subprocess.run([os.path.join(binp, "tsync-vclock"), "error", vclock, "--ref", ref,
                              "--count", "1"], capture_output=True, text=True, timeout=2)
        return int(out.stdout.strip())
    except (ValueError, subprocess.SubprocessError):
        return None


def pct(sorted_v, q):
    if not sorted_v:
        return float("nan")
    h = (len(sorted_v) - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, len(sorted_v) - 1)
    return sorted_v[lo] + (h - lo) * (sorted_v[hi] - sorted_v[lo])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ref", required=True, help="the root's vclock")
    ap.add_argument("--node", action="append", required=True, metavar="NAME:VCLOCK:SOCK")
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--interval", type=float, default=0.2)
    ap.add_argument("--settle", type=float, default=0)
    ap.add_argument("--bin", default="build/bin")
    ap.add_argument("--log", help="write every sample: t node err bound")
    a = ap.parse_args()
    nodes = []
    for n in a.node:
        parts = n.split(":", 2)
        if len(parts) != 3:
            print("dtpd_cover: --node wants NAME:VCLOCK:SOCK, got " + n, file=sys.stderr)
            return 1
        nodes.append(parts)
    tmp = tempfile.mkdtemp(prefix="dtpd-cover.")
    client = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    client.bind(os.path.join(tmp, "c"))
    client.settimeout(1.0)
    log = open(a.log, "w") if a.log else None
    res = {n[0]: [] for n in nodes}
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < a.duration:
            t = time.monotonic() - t0
            for name, vc, sock in nodes:
                st = status(sock, client)
                err = true_error(a.bin, vc, a.ref)
                try:
                    b = int(st.get("bound_ns", "-1"))
                except ValueError:
                    b = -1
                if st.get("sync") != "yes":
                    b = -1
                if log:
                    log.write("%.3f %s %s %d\n" % (t, name, err, b))
                if t >= a.settle and err is not None:
                    res[name].append((err, b))
            time.sleep(max(0.0, a.interval - (time.monotonic() - t0 - t)))
    except KeyboardInterrupt:
        pass
    finally:
        client.close()
        os.unlink(os.path.join(tmp, "c"))
        os.rmdir(tmp)
    for name, _, _ in nodes:
        s = res[name]
        n = len(s)
        cov = sum(1 for e, b in s if b >= 0 and abs(e) <= b)
        ab = sorted(abs(e) for e, _ in s)
        rms = math.sqrt(sum(e * e for e, _ in s) / n) if n else float("nan")
        slack = min((b - abs(e) for e, b in s if b >= 0), default=float("nan"))
        bounds = sorted(b for _, b in s if b >= 0)
        print("cover node=%s n=%d covered=%d pct=%.1f rms_ns=%.0f p99_ns=%.0f max_ns=%.0f "
              "slack_min_ns=%.0f bound_p50_ns=%.0f" %
              (name, n, cov, 100.0 * cov / n if n else 0, rms, pct(ab, 0.99),
               ab[-1] if ab else float("nan"), slack, pct(bounds, 0.5)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
