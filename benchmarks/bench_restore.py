"""Restore cost of lr_find2 (an in-memory CPU copy) against fastai's lr_find (learn.save/learn.load to disk), side by side:
time to save and restore, and the size of the copy as a ratio of the model + optimizer state."""
import argparse, statistics, tempfile, time, warnings
from pathlib import Path
import torch
from torch import nn
from fastai.basics import Learner, CrossEntropyLossFlat, defaults
from fastai.callback.progress import ProgressCallback
from fastai_clr.all import *

warnings.filterwarnings('ignore')
defaults.callbacks = [c for c in defaults.callbacks if c is not ProgressCallback]

def nbytes(o):
    if isinstance(o, torch.Tensor): return o.nelement()*o.element_size()
    if isinstance(o, tuple) and len(o) == 2 and isinstance(o[1], torch.device): return nbytes(o[0])
    if isinstance(o, dict): return sum(nbytes(v) for v in o.values())
    if isinstance(o, (list, tuple)): return sum(nbytes(v) for v in o)
    return 0

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__); p.add_argument('--repeats', type=int, default=7); p.add_argument('--width', type=int, default=2048)
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        model = nn.Sequential(nn.Flatten(), nn.Linear(40, a.width), nn.ReLU(), nn.Linear(a.width, a.width), nn.ReLU(), nn.Linear(a.width, 10))
        learn = Learner(mnist1d_dls(), model, loss_func=CrossEntropyLossFlat(), path=Path(d))
        with learn.no_logging(): learn.fit(1, 1e-3)  # optimizer state exists
        state = nbytes(learn.model.state_dict()) + nbytes([learn.opt.state[p] for p,*_ in learn.opt.all_params(with_grad=False)])
        ours,theirs = [],[]
        for _ in range(a.repeats):
            t = time.perf_counter(); s = save_learner_state(learn); restore_learner_state(learn, s); ours.append(time.perf_counter()-t)
            t = time.perf_counter(); learn.save('_tmp', with_opt=True); learn.load('_tmp', with_opt=True); theirs.append(time.perf_counter()-t)
        copy_bytes = nbytes(s['model']) + nbytes(s['grads']) + nbytes(s.get('opt_state', {}))
        o,th = statistics.median(ours),statistics.median(theirs)
        out = [f"## Restore cost (MLP of width {a.width}: model + optimizer state = {state/2**20:.1f} MiB; median of {a.repeats})", "",
               "| | save + restore s | extra memory |", "|---|---|---|",
               f"| lr_find2 (CPU copy in memory) | {o:.4f} | {copy_bytes/2**20:.1f} MiB = {copy_bytes/state:.2f}x the state |",
               f"| fastai lr_find (learn.save/learn.load to disk) | {th:.4f} | file of {(Path(d)/'models'/'_tmp.pth').stat().st_size/2**20:.1f} MiB on disk |",
               "", f"- lr_find2 restore time / fastai's = **{o/th:.2f}**"]
    print("\n".join(out)); return "\n".join(out)

if __name__ == '__main__': main()
