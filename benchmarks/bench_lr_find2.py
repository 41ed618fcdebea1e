"""lr_find2 cost, side by side in one run: fastai `lr_find`, torch-lr-finder `range_test` (with and without `val_loader`),
and the physical floor (100 plain training steps + 100 eval forwards of one batch). Prints medians of `--repeats` runs and ratios."""
import argparse, contextlib, statistics, tempfile, time, warnings, copy
from pathlib import Path
import torch
from torch import nn
from fastai.basics import Learner, Callback, CrossEntropyLossFlat, accuracy, defaults, set_seed
from fastai.callback.progress import ProgressCallback
from fastai.callback.schedule import *
from fastai_clr.all import *
from _report import paired_ratio, ratio_text

warnings.filterwarnings('ignore')
defaults.callbacks = [c for c in defaults.callbacks if c is not ProgressCallback]

def wide_mlp(width=2048):
    "An MLP where the forward pass dominates the step"
    return nn.Sequential(nn.Flatten(), nn.Linear(40, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 10))

MODELS = {"mnist1d_cnn": lambda: mnist1d_cnn(), "wide_mlp": wide_mlp}

def make_learner(model_name, path, seed=0):
    dls = mnist1d_dls(bs=128, seed=seed)
    set_seed(seed)
    return Learner(dls, MODELS[model_name](), loss_func=CrossEntropyLossFlat(), metrics=accuracy, path=path)

def timed(f):
    t = time.perf_counter(); f(); return time.perf_counter() - t

def floor(learn, num_it):
    "100 plain training steps (torch's Adam, as the learners use Adam) and 100 eval forwards of one batch, no callbacks"
    model,loss_func = learn.model,learn.loss_func
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    it = iter(learn.dls.train); xv,yv = learn.dls.valid.one_batch()
    def run():
        nonlocal it
        for _ in range(num_it):
            try: xb,yb = next(it)
            except StopIteration: it = iter(learn.dls.train); xb,yb = next(it)
            model.train(); loss = loss_func(model(xb), yb); loss.backward(); opt.step(); opt.zero_grad()
            model.eval()
            with torch.no_grad(): loss_func(model(xv), yv)
        model.train()
    return timed(run)

class BareVal(Callback):
    "After every training step one eval-mode forward and loss on a cached validation batch: no events, no metrics, nothing kept or restored"
    order = 60
    def __init__(self, batch_stats=False): self.batch_stats = batch_stats
    def before_fit(self): self.xv,self.yv = self.dls.valid.one_batch()
    def after_batch(self):
        if not self.training: return
        self.model.eval()
        with torch.no_grad(), (bn_batch_stats(self.model) if self.batch_stats else contextlib.nullcontext()):
            self.loss_func(self.model(self.xv), self.yv)
        self.model.train()

def lr_find_bare_val(learn, num_it, batch_stats=False):
    "fastai's lr_find plus the cheapest possible validation per step (batch norm with running or, as lr_find2's default, batch statistics)"
    with learn.added_cbs(BareVal(batch_stats)): return timed(lambda: learn.lr_find(num_it=num_it, show_plot=False, stop_div=False))

def torch_lr_finder(learn, num_it, with_val):
    from torch_lr_finder import LRFinder
    opt = torch.optim.Adam(learn.model.parameters(), lr=1e-7)
    lf = LRFinder(learn.model, opt, nn.CrossEntropyLoss(), device='cpu')
    from torch.utils.data import DataLoader
    trn = DataLoader(learn.dls.train.dataset, batch_size=128, shuffle=True)
    val = DataLoader(learn.dls.valid.dataset, batch_size=128) if with_val else None
    t = timed(lambda: lf.range_test(trn, val_loader=val, end_lr=10, num_iter=num_it, diverge_th=1e30))  # run all steps, like ours
    lf.reset()
    return t

def bench(model_name, repeats, num_it):
    rows = {k: [] for k in ['floor', 'fastai lr_find', 'fastai lr_find + bare val forward',
                            'fastai lr_find + bare val forward (batch stats)', 'lr_find2', "lr_find2 bn_stats='running'", 'lr_find2 val_every=2', 'torch-lr-finder',
                            'torch-lr-finder + val_loader']}
    with tempfile.TemporaryDirectory() as d:
        learn = make_learner(model_name, Path(d))
        learn.lr_find(num_it=10, show_plot=False); learn.lr_find2(num_it=10, show_plot=False)  # warm-up
        for _ in range(repeats):  # interleaved, so machine noise hits every contender alike
            rows['floor'].append(floor(make_learner(model_name, Path(d)), num_it))
            rows['fastai lr_find'].append(timed(lambda: learn.lr_find(num_it=num_it, show_plot=False, stop_div=False)))
            rows['fastai lr_find + bare val forward'].append(lr_find_bare_val(learn, num_it))
            rows['fastai lr_find + bare val forward (batch stats)'].append(lr_find_bare_val(learn, num_it, batch_stats=True))
            rows['lr_find2'].append(timed(lambda: learn.lr_find2(num_it=num_it, show_plot=False, stop_div=False)))
            rows["lr_find2 bn_stats='running'"].append(timed(lambda: learn.lr_find2(num_it=num_it, show_plot=False, stop_div=False, bn_stats='running')))
            rows['lr_find2 val_every=2'].append(timed(lambda: learn.lr_find2(num_it=num_it, show_plot=False, stop_div=False, val_every=2)))
            rows['torch-lr-finder'].append(torch_lr_finder(make_learner(model_name, Path(d)), num_it, False))
            rows['torch-lr-finder + val_loader'].append(torch_lr_finder(make_learner(model_name, Path(d)), num_it, True))
    return rows

def headline(pairs, num_it, model_name='mnist1d_cnn'):
    "lr_find2 at its defaults against its floor (fastai lr_find + a bare eval forward of one cached batch per step, batch statistics), in turn-about interleaved pairs"
    num,den = [],[]
    with tempfile.TemporaryDirectory() as d:
        learn = make_learner(model_name, Path(d))
        runs = {'lr_find2': lambda: timed(lambda: learn.lr_find2(num_it=num_it, show_plot=False, stop_div=False)),
                'floor': lambda: lr_find_bare_val(learn, num_it, batch_stats=True)}
        for f in runs.values(): f()  # warm-up
        for i in range(pairs):
            order = ['lr_find2', 'floor'] if i % 2 == 0 else ['floor', 'lr_find2']
            t = {k: runs[k]() for k in order}
            num.append(t['lr_find2']); den.append(t['floor'])
    return [f"### Headline ({model_name}, defaults)", "",
            f"- lr_find2 / (fastai lr_find + bare val forward, batch stats) = {ratio_text(num, den)} (target <= 1.10); "
            f"medians {statistics.median(num):.3f} s and {statistics.median(den):.3f} s", ""]

def scaling(repeats, num_it):
    "How lr_find2's cost grows with `n_val_batches`, `val_every` and model width, as a ratio of fastai's lr_find on the same model"
    out = ["### Scaling (ratio to fastai lr_find on the same model)", "", "| model | n_val_batches | val_every | lr_find2 / lr_find |", "|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as d:
        for width in (256, 2048):
            MODELS[f'mlp{width}'] = lambda w=width: wide_mlp(w)
            learn = make_learner(f'mlp{width}', Path(d))
            base = statistics.median(timed(lambda: learn.lr_find(num_it=num_it, show_plot=False, stop_div=False)) for _ in range(repeats))
            for nvb,ve in [(1, 1), (2, 1), (4, 1), (1, 5)]:
                t = statistics.median(timed(lambda: learn.lr_find2(num_it=num_it, show_plot=False, stop_div=False, n_val_batches=nvb, val_every=ve))
                                      for _ in range(repeats))
                out.append(f"| MLP width {width} | {nvb} | {ve} | {t/base:.2f} |")
            del MODELS[f'mlp{width}']
    return out

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--repeats', type=int, default=5); p.add_argument('--num-it', type=int, default=100)
    p.add_argument('--pairs', type=int, default=30, help="interleaved pairs for the headline ratio")
    a = p.parse_args(argv)
    out = [f"## lr_find2 cost (num_it={a.num_it}, CPU, torch {torch.__version__})", "",
           f"Tables: median seconds of {a.repeats} interleaved repeats; ratios: the median of the per-repeat ratios. With so few repeats this machine's noise "
           "moves them by 10-20%; the headline's paired interval is the measure of the target.", ""]
    out += headline(a.pairs, a.num_it)
    for m in MODELS:
        rows = bench(m, a.repeats, a.num_it)
        ratio = lambda num, den: paired_ratio(rows[num], rows[den])[0]  # median of the per-repeat ratios: each repeat runs every contender in turn
        fl, bs = 'fastai lr_find', 'fastai lr_find + bare val forward (batch stats)'
        out += [f"### {m}", "", "| contender | median s | / lr_find2 |", "|---|---|---|"]
        out += [f"| {k} | {statistics.median(v):.3f} | {ratio(k, 'lr_find2'):.2f} |" for k,v in rows.items()]
        out += ["", f"- lr_find2 / floor = **{ratio('lr_find2', 'floor'):.2f}** (target <= 1.10)",
                f"- lr_find2 / fastai lr_find = **{ratio('lr_find2', fl):.2f}** (target <= 1.20); with `val_every=2` "
                f"**{ratio('lr_find2 val_every=2', fl):.2f}**; the least any validation every step can cost, fastai lr_find plus a bare "
                f"eval forward of one cached batch: **{ratio('fastai lr_find + bare val forward', fl):.2f}** with batch norm's running statistics, "
                f"**{ratio(bs, fl):.2f}** with batch statistics (lr_find2's default, #15); lr_find2 / that floor = {ratio_text(rows['lr_find2'], rows[bs])}",
                f"- lr_find2 / torch-lr-finder with val_loader = **{ratio('lr_find2', 'torch-lr-finder + val_loader'):.2f}**", ""]
    out += scaling(3, a.num_it)
    print("\n".join(out))
    return "\n".join(out)

if __name__ == '__main__': main()
