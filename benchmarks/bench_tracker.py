"""ValTracker's cost, side by side in one run: the same `fit_one_cycle` on the MNIST-1D CNN without a tracker, with
`ValTracker(every=10)` and with `ValTracker(every=1)`. Prints medians of `--repeats` interleaved runs, ratios and memory."""
import argparse, statistics, time, tracemalloc, warnings
import torch
from fastai.basics import defaults
from fastai.callback.progress import ProgressCallback
from fastai_clr.all import *

warnings.filterwarnings('ignore')
defaults.callbacks = [c for c in defaults.callbacks if c is not ProgressCallback]
CONTENDERS = {'no tracker': lambda: None, 'ValTracker(every=10)': lambda: ValTracker(every=10), 'ValTracker(every=1)': lambda: ValTracker(every=1)}

def run(make_cb, epochs):
    "Seconds of one `fit_one_cycle(epochs, 1e-2)` on a fresh learner, peak traced Python memory (MiB) and the tracker's table size (MiB)"
    learn = mnist1d_learner(seed=0)
    cb = make_cb()
    tracemalloc.start()
    t = time.perf_counter()
    with learn.no_logging(): learn.fit_one_cycle(epochs, 1e-2, cbs=cb)
    secs = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1]/2**20
    tracemalloc.stop()
    table = learn.recorder.val_track.memory_usage(deep=True).sum()/2**20 if cb is not None else 0.
    return secs,peak,table

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--repeats', type=int, default=5); p.add_argument('--epochs', type=int, default=5)
    a = p.parse_args(argv)
    run(CONTENDERS['ValTracker(every=1)'], 1)  # warm-up
    res = {k: [] for k in CONTENDERS}
    for _ in range(a.repeats):  # interleaved, so machine noise hits every contender alike
        for k,f in CONTENDERS.items(): res[k].append(run(f, a.epochs))
    base = statistics.median(r[0] for r in res['no tracker'])
    out = [f"## ValTracker cost (MNIST-1D CNN, fit_one_cycle({a.epochs}), median of {a.repeats} interleaved runs, CPU, {torch.get_num_threads()} threads)", "",
           "| contender | median s | / no tracker | peak traced Python memory (MiB) | tracker table (MiB) |", "|---|---|---|---|---|"]
    for k,rs in res.items():
        s = statistics.median(r[0] for r in rs)
        out.append(f"| {k} | {s:.2f} | {s/base:.3f} | {statistics.median(r[1] for r in rs):.1f} | {statistics.median(r[2] for r in rs):.3f} |")
    out += ["", "Target: ValTracker(every=10) / no tracker <= 1.10."]
    print("\n".join(out))
    return "\n".join(out)

if __name__ == '__main__': main()
