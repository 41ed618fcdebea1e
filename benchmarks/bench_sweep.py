"""lr_find2_sweep's cost, side by side in one run: a sweep over N weight decays against N separate `lr_find2` calls
on the same MNIST-1D CNN learner. Prints medians of `--repeats` interleaved runs and the ratio (target: about 1)."""
import argparse, statistics, time, warnings
import torch
from fastai.basics import defaults
from fastai.callback.progress import ProgressCallback
from fastai_clr.all import *
from _report import seconds_report

warnings.filterwarnings('ignore')
defaults.callbacks = [c for c in defaults.callbacks if c is not ProgressCallback]
WDS = [1e-2, 1e-3, 1e-4, 0.]

def timed(f):
    t = time.perf_counter(); f(); return time.perf_counter() - t

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--repeats', type=int, default=3); p.add_argument('--num-it', type=int, default=100)
    a = p.parse_args(argv)
    learn = mnist1d_learner(seed=0)
    learn.lr_find2(num_it=10, show_plot=False)  # warm-up
    sweep,single = [],[]
    for _ in range(a.repeats):
        sweep.append(timed(lambda: learn.lr_find2_sweep(wd=WDS, num_it=a.num_it, show_plot=False, stop_div=False)))
        single.append(timed(lambda: [learn.lr_find2(wd=wd, num_it=a.num_it, show_plot=False, stop_div=False) for wd in WDS]))
    s,n = statistics.median(sweep),statistics.median(single)
    return seconds_report(f"lr_find2_sweep cost ({len(WDS)} weight decays, num_it={a.num_it}, median of {a.repeats} interleaved runs, CPU, {torch.get_num_threads()} threads)",
                          {f'lr_find2_sweep(wd=<{len(WDS)} values>)': s, f'{len(WDS)} x lr_find2': n},
                          [f"- sweep / {len(WDS)} range tests = **{s/n:.2f}** (N settings should cost N range tests)"])

if __name__ == '__main__': main()
