"""The built-in datasets' loaders, side by side in one run: a 15-epoch `fit_one_cycle` of the MNIST-1D CNN from
fastai's default `DataLoader` over `TensorPairs` (the loader before `TensorBatchDL`) and from `mnist1d_dls`
(whole batches sliced from tensors). Same seed, same batches; prints medians, the speed-up and whether the results match."""
import argparse, statistics, time, warnings
import torch
from fastai.basics import Learner, CrossEntropyLossFlat, accuracy, defaults, set_seed
from fastai.callback.progress import ProgressCallback
from fastai_clr.all import *
from fastai_clr.data import seeded_dls
from _report import seconds_report

warnings.filterwarnings('ignore')
defaults.callbacks = [c for c in defaults.callbacks if c is not ProgressCallback]

def fastai_default_dls(seed):
    "MNIST-1D through fastai's default loader: items collated one by one, worker processes"
    x,y,xt,yt = mnist1d_arrays()
    pairs = lambda a,b: TensorPairs(zip(torch.from_numpy(a[:, None]), torch.from_numpy(b)))
    return seeded_dls(pairs(x, y), pairs(xt, yt), 128, seed, None)

def fit_time(dls, epochs):
    set_seed(0)
    learn = Learner(dls, mnist1d_cnn(), loss_func=CrossEntropyLossFlat(), metrics=accuracy)
    t = time.perf_counter()
    with learn.no_logging(): learn.fit_one_cycle(epochs, 1e-2)
    return time.perf_counter() - t,[float(v) for v in learn.recorder.values[-1]]

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--repeats', type=int, default=3); p.add_argument('--epochs', type=int, default=15)
    a = p.parse_args(argv)
    old,new = [],[]
    for _ in range(a.repeats):
        old.append(fit_time(fastai_default_dls(0), a.epochs)); new.append(fit_time(mnist1d_dls(seed=0), a.epochs))
    to,tn = statistics.median(t for t,_ in old),statistics.median(t for t,_ in new)
    same = all(o[1] == n[1] for o,n in zip(old, new))
    return seconds_report(f"Built-in data loaders (MNIST-1D CNN, fit_one_cycle({a.epochs}), median of {a.repeats} interleaved runs, CPU, {torch.get_num_threads()} threads)",
                          {'fastai default DataLoader over TensorPairs': to, 'mnist1d_dls (TensorBatchDL)': tn},
                          [f"- speed-up = **{to/tn:.2f}x** (target >= 2x); final losses and accuracy identical: **{same}**"])

if __name__ == '__main__': main()
