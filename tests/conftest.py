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

from fastai_clr.state import fingerprint, assert_unchanged  # one fingerprint, the package's (nbs/04_state.ipynb)

class NaNAfter(nn.Module):
    "Wraps `m`; emits NaN from its `n`-th training forward on"
    def __init__(self, m, n): super().__init__(); self.m,self.n,self.calls = m,n,0
    def forward(self, x):
        if self.training: self.calls += 1
        out = self.m(x)
        return out*float('nan') if self.calls >= self.n else out

@pytest.fixture
def learner(): return small_learner()
