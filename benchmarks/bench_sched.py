"""Scheduler overhead, side by side in one run: per-epoch time of fit_godzi, fit_clr_beta and fit_clr vs fit_one_cycle on the same
learner (median of interleaved repeats), and the cost of computing the schedule itself per iteration."""
import argparse, statistics, time, warnings
import numpy as np
from fastai.basics import defaults
from fastai.callback.progress import ProgressCallback
from fastai.callback.schedule import combined_cos
from fastai_clr.all import *

warnings.filterwarnings('ignore')
defaults.callbacks = [c for c in defaults.callbacks if c is not ProgressCallback]

FITS = {'fit_one_cycle': lambda l: l.fit_one_cycle(1, 1e-2), 'fit_godzi': lambda l: l.fit_godzi(1, 1e-2),
        'fit_clr_beta': lambda l: l.fit_clr_beta(1, 1e-2), 'fit_clr': lambda l: l.fit_clr(1, 1e-3, 1e-2)}

def per_call_us(f, n=20000):
    t = time.perf_counter()
    for i in range(n): f(i)
    return (time.perf_counter() - t)/n*1e6

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__); p.add_argument('--repeats', type=int, default=7)
    a = p.parse_args(argv)
    learn = mnist1d_learner(seed=0)
    with learn.no_logging():
        for f in FITS.values(): f(learn)  # warm-up
    times = {k: [] for k in FITS}
    for _ in range(a.repeats):
        for k,f in FITS.items():
            with learn.no_logging(): t = time.perf_counter(); f(learn); times[k].append(time.perf_counter() - t)
    med = {k: statistics.median(v) for k,v in times.items()}
    n_iter = len(learn.dls.train)
    lr = np.array([1e-2])
    scheds = {'fit_one_cycle (combined_cos)': lambda i, f=combined_cos(0.25, lr/25, lr, lr/1e5): f((i % 1000)/1000),
              'fit_godzi (combined_cos_spike)': lambda i, f=combined_cos_spike(0.25, lr/25, lr, lr/1e5): f((i % 1000)/1000),
              'fit_clr_beta (SchedClrBeta)': lambda i, f=SchedClrBeta(lr): f(i % 1000, 1000),
              'fit_clr (SchedCLR)': lambda i, f=SchedCLR(lr/10, lr, 100): f(i)}
    step_us = med['fit_one_cycle']/n_iter*1e6
    out = [f"## Scheduler overhead (MNIST-1D CNN, one epoch = {n_iter} iterations, median of {a.repeats} interleaved repeats)", "",
           "| fit method | median s/epoch | / fit_one_cycle |", "|---|---|---|"]
    out += [f"| {k} | {v:.3f} | {v/med['fit_one_cycle']:.3f} |" for k,v in med.items()]
    out += ["", "target: at most 1.02x fit_one_cycle", "", "| schedule value | us per call | fraction of a training step |", "|---|---|---|"]
    for k,f in scheds.items():
        us = per_call_us(f)
        out.append(f"| {k} | {us:.1f} | {us/step_us:.4f} |")
    out.append(f"\n(a training step costs {step_us:.0f} us here)")
    print("\n".join(out)); return "\n".join(out)

if __name__ == '__main__': main()
