"""The advice benchmark's contenders that are not fastai's or lr_find2's own readings: torch-lr-finder's and Lightning's
suggestions (range-test readings: an LR, scored on the grid), and the learning-rate-free optimizers a user picks instead of a
finder (a training run each, scored by its final accuracy). Each LR-free contender is a fastai optimizer and the recipe a user
would run it with, from scratch or fine-tuning; a contender whose package is missing is skipped, and `missing()` says so."""
import importlib.util, math
from functools import partial
from fastcore.basics import ifnone
import numpy as np, torch
from torch import nn
from fastai.optimizer import OptimWrapper
from fastai.callback.schedule import ParamScheduler, SchedCos
from fastai_clr.schedule_free import ScheduleFreeCallback, schedule_free_adamw
from fastai_clr.smoothing import DebiasedEMA

# ---- range-test readings ----

class _Unpacked(nn.Module):
    "A fastai model as torch-lr-finder calls it: one argument (a tuple for several inputs), one tensor out (an RNN's first output)"
    def __init__(self, m): super().__init__(); self.m = m
    def forward(self, x):
        out = self.m(*x) if isinstance(x, (tuple, list)) else self.m(x)
        return out[0] if isinstance(out, (tuple, list)) else out

def torch_lr_finder(learn):
    "torch-lr-finder's range test (Adam from 1e-7 to 10, 100 steps) and its steepest-gradient suggestion"
    import matplotlib; matplotlib.use('Agg')
    from torch_lr_finder import LRFinder, TrainDataLoaderIter
    class FastaiIter(TrainDataLoaderIter):
        def inputs_labels_from_batch(self, b): n = getattr(learn.dls, 'n_inp', 1); return (b[0] if n == 1 else tuple(b[:n])),b[n]
    opt = torch.optim.Adam(learn.model.parameters(), lr=1e-7)
    lf = LRFinder(_Unpacked(learn.model), opt, learn.loss_func, device='cpu')
    lf.range_test(FastaiIter(learn.dls.train), end_lr=10, num_iter=100)
    try: _,lr = lf.plot(suggest_lr=True)
    except Exception: lr = None
    import matplotlib.pyplot as plt; plt.close('all')
    return lr

def lightning_losses(train_loss, beta=0.98, stop_factor=4.):
    "The losses Lightning's `lr_find` keeps from raw per-step training losses: debiased running mean (`beta`), stopped past `stop_factor` x the best"
    ema,out,best = DebiasedEMA(beta),[],math.inf
    for i,l in enumerate(train_loss):
        if not math.isfinite(l): break
        s = ema(l)
        out.append(s)
        if i > 0 and s > stop_factor*best: break  # `early_stop_threshold=4.0`
        best = min(best, s)
    return out

def lightning_suggestion(lr, train_loss, log_spacing=False):
    """Lightning's `Tuner.lr_find` suggestion on a recorded range-test curve: its own `_LRFinder.suggestion(skip_begin=10, skip_end=1)`,
    which (lightning 2.6) takes the steepest slope against the LR itself; `log_spacing`: against log10(LR), the fix proposed upstream (Lightning-AI PR 21171)"""
    from lightning.pytorch.tuner.lr_finder import _LRFinder
    loss = lightning_losses(list(map(float, train_loss)))
    lrs = [float(v) for v in lr[:len(loss)]]
    f = _LRFinder('exponential', lrs[0], lrs[-1], len(loss))
    f.results = dict(lr=list(np.log10(lrs)) if log_spacing else lrs, loss=loss)
    out = f.suggestion(skip_begin=10, skip_end=1)
    return None if out is None else (10**out if log_spacing else out)

# ---- learning-rate-free optimizers: (package, optimizer factory, from-scratch recipe, fine-tuning recipe) ----

def _wrapped(module, name, **kw):
    "A fastai `opt_func`: the torch optimizer `module.name` (imported when called) in fastai's `OptimWrapper`"
    def opt_func(params, **hypers): return OptimWrapper(params, opt=partial(getattr(importlib.import_module(module), name), **kw), **hypers)
    return opt_func

def _cosine(learn, n, lr, **kw): learn.fit(n, lr, cbs=ParamScheduler({'lr': SchedCos(lr, 0.)}), **kw)
def _one_cycle(learn, n, lr): learn.fit_one_cycle(n, lr)
def _schedule_free(learn, n, lr): learn.fit(n, lr, cbs=ScheduleFreeCallback())

def _staged(fit):
    "A `fine_tune` made of `fit`: one epoch with the body frozen, then `epochs` unfrozen, at one LR for every group (Prodigy and D-Adaptation refuse per-group LRs, and set their own step)"
    def recipe(learn, epochs, lr):
        learn.freeze(); fit(learn, 1, lr)
        learn.unfreeze(); fit(learn, epochs, lr)
    return recipe

# name -> (package, opt_func, lr, recipe from scratch, recipe when fine-tuning)
LR_FREE = {
    'Prodigy + cosine': ('prodigyopt', _wrapped('prodigyopt', 'Prodigy'), 1., _cosine, _staged(_cosine)),
    'Prodigy + fit_one_cycle': ('prodigyopt', _wrapped('prodigyopt', 'Prodigy'), 1., _one_cycle, _staged(_one_cycle)),  # Prodigy refuses fine_tune's per-group LRs
    'schedule-free AdamW': ('schedulefree', schedule_free_adamw, 2.5e-3, _schedule_free, _staged(_schedule_free)),
    'D-Adapt Adam + fit_one_cycle': ('dadaptation', _wrapped('dadaptation', 'DAdaptAdam'), 1., _one_cycle, _staged(_one_cycle)),  # so does D-Adaptation
}

def missing() -> dict:
    "Contender -> the package it needs that is not installed (`pip install 'fastai_clr[bench]'` installs them all)"
    need = {n: pkg for n,(pkg,*_) in LR_FREE.items()} | {'lightning suggestion': 'lightning', 'lightning suggestion (log-LR slope)': 'lightning'}
    return {n: p for n,p in need.items() if importlib.util.find_spec(p) is None}

def final_accuracy(learn) -> float:
    "The last epoch's accuracy (the recorder's last metric), 0 where training diverged to NaN"
    acc = float(learn.recorder.values[-1][-1])
    return acc if math.isfinite(acc) else 0.

def train_lr_free(learn, name, epochs, transfer=False, lr=None):
    "Train `learn` (frozen when `transfer`) with LR-free contender `name` by its recipe, at `lr` (default: its own); returns the final validation accuracy"
    _,opt_func,lr_default,scratch,tune = LR_FREE[name]
    learn.opt_func,learn.opt = opt_func,None  # a transfer learner arrives frozen with fastai's Adam already made
    if transfer: learn.freeze()
    with learn.no_logging(), learn.no_bar(): (tune if transfer else scratch)(learn, epochs, ifnone(lr, lr_default))
    return final_accuracy(learn)
