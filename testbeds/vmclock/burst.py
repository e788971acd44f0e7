#!/usr/bin/env python3
"""On-demand burst bench report (bench/vmclock-burst.sh).

usage: burst.py NOBURST_DIR BURST_DIR

Each DIR is a bench/vmclock-e2e-run.sh --out directory (vm-*.vlog, migrations.txt) of the
same hosts at 1 Sync/s: one arm without any burst, one with the destination's on-demand
burst. Per arm and policy (medians over migrations, ns): |err| and bound at resume (the first
guest reading on the destination), the host part of the bound (bound - |err| at resume: what
is left once the policy's own lag is paid), coverage, and tightness = median bound / largest
|err| over the readings from resume to the next switchover; the burst's extra messages: PTP
frames on both hosts' links per migration (destination start to end of hold) less the
no-burst arm's frame rate times the same span. Ends with
  burst: bound xB error xE coverage P% readings N tightness T
B, E: without-burst / with-burst of the step migrations' bound and |err| at resume (at step
the guest reads its host's clock, so the ratio is the burst's, not the policy's lag); P, N
over every reading of both arms; T the loosest condition's tightness.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from analyze import load, median  # noqa: E402


def tight(g):
    post = [r for x in g for r in x['post'] if r['ok'] >= 0]
    worst = max((abs(r['err']) for r in post), default=0)
    return median([r['bound'] for r in post]) / worst if worst > 0 else float('nan')


def frame_rate(res):
    """PTP frames per second over an arm's migrations (None without counts)."""
    ms = [x['m'] for x in res if x['m'].get('frames') is not None and x['m'].get('span_s')]
    span = sum(m['span_s'] for m in ms)
    return sum(m['frames'] for m in ms) / span if span > 0 else None


def extra(g, rate):
    """median extra frames per migration against the no-burst rate, as text."""
    v = [x['m']['frames'] - rate * x['m']['span_s'] for x in g
         if rate is not None and x['m'].get('frames') is not None and x['m'].get('span_s')]
    return '%.0f' % median(v) if v else '-'


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    arms = {}
    n = inside = 0
    for name, d in (('no', sys.argv[1]), ('yes', sys.argv[2])):
        rows, migs, res = load(d)
        if not rows:
            print('burst: no vmclock readings in %s' % d)
            return 1
        bounded = [r for r in rows if r['ok'] >= 0]
        n += len(bounded)
        inside += sum(1 for r in bounded if r['ok'] == 1)
        arms[name] = res
    print('| policy | burst | n | \\|err\\| at resume | bound at resume | host part of the bound '
          '| \\|err\\| +1 s | coverage | tightness | extra messages |')
    print('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
    rate = frame_rate(arms['no'])
    tights = []
    for pol in ('step', 'slew', 'freeze'):
        for name in ('no', 'yes'):
            g = [x for x in arms[name] if x['m']['policy'] == pol]
            if not g:
                continue
            t = tight(g)
            tights.append(t)
            nviol = sum(x['viol'] for x in g)
            print('| %s | %s | %d | %.0f | %.0f | %.0f | %.0f | %s | %.2f | %s |'
                  % (pol, name, len(g), median([abs(x['at']['err']) for x in g]),
                     median([x['at']['bound'] for x in g]),
                     median([x['at']['bound'] - abs(x['at']['err']) for x in g]),
                     median([abs(x['one']['err']) for x in g]),
                     '100 %' if nviol == 0 else '%d violations' % nviol, t, extra(g, rate)))
    step = {k: [x for x in v if x['m']['policy'] == 'step'] for k, v in arms.items()}
    if not step['no'] or not step['yes']:
        print('burst: no step migration in one of the arms')
        return 1
    b = median([x['at']['bound'] for x in step['no']]) / median(
        [x['at']['bound'] for x in step['yes']])
    e = median([abs(x['at']['err']) for x in step['no']]) / max(
        median([abs(x['at']['err']) for x in step['yes']]), 1)
    cov = 100.0 * inside / n if n else float('nan')
    print('burst: bound x%.1f error x%.1f coverage %.3f%% readings %d tightness %.1f'
          % (b, e, cov, n, max(t for t in tights if t == t)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
