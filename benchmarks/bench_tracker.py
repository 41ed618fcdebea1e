"""ValTracker's cost, side by side in one run: the same `fit_one_cycle` on the MNIST-1D CNN without a tracker, with
`ValTracker(every=10)` and with `ValTracker(every=1)`. Prints medians of `--repeats` interleaved runs, the per-pair ratios
with their 95% interval, and memory (measured in separate runs: tracing allocations slows Python code, so timed runs are untraced)."""
import argparse, statistics, time, tracemalloc, warnings
import torch
from fastai.basics import defaults
from fastai.callback.progress import ProgressCallback
from fastai_clr.all import *
from _report import ratio_text

warnings.filterwarnings('ignore')
defaults.callbacks = [c for c in defaults.callbacks if c is not ProgressCallback]

class TimedValTracker(ValTracker):
    "`ValTracker` that adds up the seconds fastai spends calling it, every event (the probe included): its cost measured inside the run"
    secs = 0.
    def __call__(self, event_name):
        t = time.perf_counter()
        try: return super().__call__(event_name)
        finally: TimedValTracker.secs += time.perf_counter() - t

CONTENDERS = {'no tracker': lambda: None, 'ValTracker(every=10)': lambda: ValTracker(every=10), 'ValTracker(every=1)': lambda: ValTracker(every=1)}

def run(make_cb, epochs):
    "Seconds of one `fit_one_cycle(epochs, 1e-2)` on a fresh learner, and the learner"
    learn = mnist1d_learner(seed=0)
    cb = make_cb()
    t = time.perf_counter()
    with learn.no_logging(): learn.fit_one_cycle(epochs, 1e-2, cbs=cb)
    return time.perf_counter() - t, learn

def memory(make_cb, epochs):
    "Peak traced Python memory of the same fit (MiB) and the tracker's table size (MiB)"
    tracemalloc.start()
    _,learn = run(make_cb, epochs)
    peak = tracemalloc.get_traced_memory()[1]/2**20
    tracemalloc.stop()
    return peak, learn.recorder.val_track.memory_usage(deep=True).sum()/2**20 if hasattr(learn.recorder, 'val_track') else 0.

def inside(every, epochs, repeats):
    "Per run: 1 + the seconds spent in the tracker's events / the rest of the fit; one run's own cost, free of the machine's drift between runs"
    out = []
    for _ in range(repeats):
        TimedValTracker.secs = 0.
        total,_ = run(lambda: TimedValTracker(every=every), epochs)
        out.append(1 + TimedValTracker.secs/(total - TimedValTracker.secs))
    return out

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--repeats', type=int, default=40); p.add_argument('--epochs', type=int, default=5)
    a = p.parse_args(argv)
    run(CONTENDERS['ValTracker(every=1)'], 1)  # warm-up
    secs = {k: [] for k in CONTENDERS}
    for i in range(a.repeats):  # interleaved, in turn-about order, so machine noise and drift hit every contender alike
        for k in (list(CONTENDERS) if i % 2 == 0 else list(CONTENDERS)[::-1]): secs[k].append(run(CONTENDERS[k], a.epochs)[0])
    ins = {e: inside(e, a.epochs, a.repeats) for e in (10, 1)}
    mem = {k: memory(f, a.epochs) for k,f in CONTENDERS.items()}
    base = secs['no tracker']
    out = [f"## ValTracker cost (MNIST-1D CNN, fit_one_cycle({a.epochs}), {a.repeats} interleaved runs, CPU, {torch.get_num_threads()} threads)", "",
           "| contender | median s | / no tracker (median of pairs) | peak traced Python memory (MiB) | tracker table (MiB) |", "|---|---|---|---|---|"]
    for k,s in secs.items():
        out.append(f"| {k} | {statistics.median(s):.2f} | {statistics.median(x/b for x,b in zip(s, base)):.3f} | {mem[k][0]:.1f} | {mem[k][1]:.3f} |")
    out += ["", f"- ValTracker(every=10) / no tracker = {ratio_text(secs['ValTracker(every=10)'], base)} (target <= 1.05)",
            f"- measured inside each run (seconds in the tracker's events, the probe included, over the rest of the fit): every=10 **{statistics.median(ins[10]):.3f}** "
            f"(range {min(ins[10]):.3f}..{max(ins[10]):.3f}), every=1 **{statistics.median(ins[1]):.3f}** (range {min(ins[1]):.3f}..{max(ins[1]):.3f})",
            f"- ValTracker(every=1) / no tracker = {ratio_text(secs['ValTracker(every=1)'], base)}"]
    print("\n".join(out))
    return "\n".join(out)

if __name__ == '__main__': main()
