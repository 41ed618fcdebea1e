"Shared fixtures: small learners on MNIST-1D and a bit-exact fingerprint of everything the package must not change."
import copy, random, warnings
import numpy as np, pytest, torch
from torch import nn
from fastai.basics import defaults
from fastai.callback.progress import ProgressCallback
from fastai_clr.all import *

warnings.filterwarnings('ignore', category=UserWarning)
defaults.callbacks = [c for c in defaults.callbacks if c is not ProgressCallback]

def small_learner(seed=0, fitted=True, **kw):
    "A tiny MNIST-1D learner; `fitted` gives it optimizer state and a history, like a half-trained model"
    kw.setdefault('n_train', 256); kw.setdefault('bs', 32)
    learn = mnist1d_learner(seed=seed, **kw)
    if fitted:
        with learn.no_logging(): learn.fit_one_cycle(1, 1e-3)
    return learn

def fingerprint(learn):
    "Copies of params, buffers, grads, optimizer state and hypers, module modes, callbacks and RNG states"
    opt = learn.opt
    ost = None if opt is None else ([{k:(v.clone() if isinstance(v, torch.Tensor) else copy.deepcopy(v)) for k,v in opt.state[p].items()}
                                     for p,*_ in opt.all_params(with_grad=False)], copy.deepcopy(opt.hypers))
    return dict(model={k:v.clone() for k,v in learn.model.state_dict().items()},
                grads=[None if p.grad is None else p.grad.clone() for p in learn.model.parameters()],
                opt=ost, opt_obj=opt, modes=[m.training for m in learn.model.modules()], cbs=list(learn.cbs),
                rng=(random.getstate(), np.random.get_state()[1].tolist(), torch.get_rng_state()))

def assert_unchanged(a, b):
    "Bit-for-bit equality of two `fingerprint`s"
    assert a['model'].keys() == b['model'].keys()
    for k in a['model']: assert torch.equal(a['model'][k], b['model'][k]), f"model[{k}] changed"
    for x,y in zip(a['grads'], b['grads']): assert (x is None and y is None) or torch.equal(x, y), "a gradient changed"
    assert a['opt_obj'] is b['opt_obj'], "learn.opt was replaced"
    assert (a['opt'] is None) == (b['opt'] is None)
    if a['opt'] is not None:
        for sa,sb in zip(a['opt'][0], b['opt'][0]):
            assert sa.keys() == sb.keys(), "optimizer state keys changed"
            for k in sa: assert torch.equal(sa[k], sb[k]) if isinstance(sa[k], torch.Tensor) else sa[k] == sb[k], f"opt state {k} changed"
        assert a['opt'][1] == b['opt'][1], "optimizer hypers changed"
    assert a['modes'] == b['modes'], "train/eval mode changed"
    assert a['cbs'] == b['cbs'], "callbacks changed"
    assert a['rng'][0] == b['rng'][0] and a['rng'][1] == b['rng'][1] and torch.equal(a['rng'][2], b['rng'][2]), "an RNG state changed"

class NaNAfter(nn.Module):
    "Wraps `m`; emits NaN from its `n`-th training forward on"
    def __init__(self, m, n): super().__init__(); self.m,self.n,self.calls = m,n,0
    def forward(self, x):
        if self.training: self.calls += 1
        out = self.m(x)
        return out*float('nan') if self.calls >= self.n else out

@pytest.fixture
def learner(): return small_learner()
