#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The error terms of dtpd's discipline samples, from the trace files of a bench run
(DTPD_BENCH_TRACE=DIR bench/dtpd.sh ...; dtpd's trace_file key).

Every node of the bench runs on one host, so the oscillator stamps (CLOCK_MONOTONIC_RAW) of
the sender and of the receiver are on the same time scale: a BEACON's sample error splits
exactly into
  tx_pred  = the real TX stamp - the instant the frame claimed (tx_ts: now + predicted latency)
  owd      = the RX stamp - the real TX stamp (the true one-way time; its spread is the
             stamps' noise)
  d        = the delay the receiver used (median of the last INIT/ACK exchanges)
  sample error (osc) = owd + tx_pred - d   (what the receiver's offset holds besides the
             clocks' true offset: + means it believes it is ahead); with two-step BEACONs
             (two_step 1) the receiver removes tx_pred: owd - d remains
The INIT / INIT-ACK exchanges: each frame's true one-way time, the delay the exchange gave
((t4 - echo) / 2, before clamping at 0) and its error against the exchange's true mean
one-way time (the send-path predictions of the INIT and the ACK enter it).
The judge statlog (true error, 0.1 s) is summarised next to it.

  bench/dtpd_terms.py DIR [SFX]     (SFX: the dtpd suffix, D for the AF_PACKET phase)
"""
import glob
import math
import os
import sys


def stats(v):
    if not v:
        return "n=0"
    m = sum(v) / len(v)
    sd = math.sqrt(sum((x - m) ** 2 for x in v) / len(v))
    rms = math.sqrt(sum(x * x for x in v) / len(v))
    s = sorted(v)
    return "n=%d mean=%.0f sd=%.0f rms=%.0f p5=%.0f p50=%.0f p95=%.0f" % (
        len(v), m, sd, rms, s[len(s) // 20], s[len(s) // 2], s[len(s) * 19 // 20])


def read_trace(path):
    tx, rx, self_, rxi, rxa = {}, [], [], [], []
    with open(path) as f:
        for ln in f:
            w = ln.split()
            if not w:
                continue
            if w[0] == "tx" and len(w) == 7:
                tx[int(w[3])] = (int(w[1]), int(w[2]), int(w[4]), int(w[5]), int(w[6]))
            elif w[0] == "rx" and len(w) == 7:
                rx.append(tuple(int(x) for x in w[1:]))
            elif w[0] == "self" and len(w) == 4:
                self_.append(tuple(int(x) for x in w[1:]))
            elif w[0] in ("rxi", "rxa") and len(w) == 6:
                (rxi if w[0] == "rxi" else rxa).append(tuple(int(x) for x in w[1:]))
    return tx, rx, self_, rxi, rxa


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    d = sys.argv[1]
    sfx = sys.argv[2] if len(sys.argv) > 2 else "D"
    traces = {os.path.basename(p).split(".")[0]: read_trace(p)
              for p in sorted(glob.glob(os.path.join(d, "*.%s.trace" % sfx)))}
    alltx = {}
    for n, (tx, _, _, _, _) in traces.items():
        for k, v in tx.items():
            alltx[k] = (n,) + v
    for n, (tx, rx, self_, rxi, rxa) in traces.items():
        lat = [v[3] for v in tx.values()]
        pred = [v[3] - v[2] for v in tx.values() if v[2]]
        print("node %s: send latency %s" % (n, stats(lat)))
        print("node %s: tx_pred (real - predicted) %s" % (n, stats(pred)))
        if self_:
            print("node %s (root): self offset %s; read window %s" % (
                n, stats([s[2] for s in self_]), stats([s[1] for s in self_])))
        # exchanges this node asked for: INIT (ours) -> responder (rxi there) -> ACK (rxa here)
        ex_err, ex_d, fwd, back = [], [], [], []
        for port, ack_ts, t4, echo, _ in rxa:
            if ack_ts not in alltx:
                continue
            rn = alltx[ack_ts][0]
            a_ack = ack_ts - alltx[ack_ts][3] + alltx[ack_ts][4]
            cands = [r for r in traces[rn][3] if r[2] <= a_ack and r[1] in tx]
            if not cands:
                continue
            _, init_ts, t2, _, _ = max(cands, key=lambda r: r[2])
            a_init = init_ts - tx[init_ts][2] + tx[init_ts][3]
            f, b = t2 - a_init, t4 - a_ack
            dd_ = (t4 - echo) / 2
            fwd.append(f)
            back.append(b)
            ex_d.append(dd_)
            ex_err.append(dd_ - (f + b) / 2)
        if ex_d:
            print("node %s: its INIT exchanges: INIT owd %s" % (n, stats(fwd)))
            print("  ACK owd %s" % stats(back))
            print("  delay computed %s" % stats(ex_d))
            print("  its error (computed - true mean) %s" % stats(ex_err))
        used = [r for r in rx if r[5]]
        if not used:
            continue
        owd, tp, dd, se, off = [], [], [], [], []
        t0 = used[0][2]
        skip = 10e9  # the first 10 s: acquisition
        for port, txts, t4, dl, offset, _ in used:
            if t4 - t0 < skip or txts not in alltx:
                continue
            sn, sp, stype, spred, slat, corr = alltx[txts]
            real = txts - spred + slat
            owd.append(t4 - real)
            tp.append(real - txts)
            dd.append(dl)
            se.append((t4 - real) + (real - txts) - dl)
            off.append(offset)
        print("node %s: beacons used after 10 s: %d (from %s)" % (n, len(owd), sorted(
            {alltx[r[1]][0] for r in used if r[1] in alltx})))
        print("  owd (rx stamp - real tx stamp)  %s" % stats(owd))
        print("  sender tx_pred                  %s" % stats(tp))
        print("  d used                          %s" % stats(dd))
        print("  owd - d (delay bias)            %s" % stats([a - b for a, b in zip(owd, dd)]))
        print("  sample error owd + tx_pred - d  %s" % stats(se))
        print("  ... two-step: owd - d           %s" % stats([a - b for a, b in zip(owd, dd)]))
        print("  offsets fed to the servo        %s" % stats(off))
    for p in sorted(glob.glob(os.path.join(d, "judge.%s.statlog" % sfx))):
        cols, rows = [], []
        with open(p) as f:
            for ln in f:
                if ln.startswith("# columns:"):
                    cols = ln.split()[2:]
                if ln.startswith("#") or not ln.strip():
                    continue
                rows.append([float(x) for x in ln.split()])
        for i, c in enumerate(cols[1:], 1):
            v = [r[i] for r in rows if r[0] >= 10]
            print("judge %s %s: %s" % (os.path.basename(p), c, stats(v)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
