"""One rank of `tests/test_distrib_ctx.py`, started by `torchrun`: fastai_clr under fastai's own `learn.distrib_ctx()` on CPU (gloo).

Usage: torchrun --standalone --nproc_per_node 2 tests/distrib_worker.py OUT_DIR [NAN_RANK]
Every rank writes what it saw to OUT_DIR/<rank>.json; the test compares the ranks."""
import hashlib, json, math, os, sys
from pathlib import Path
import numpy as np, torch
from fastai.basics import Callback, LongTensor, defaults, get_model
from fastai.torch_core import rank_distrib
from fastai.callback.progress import ProgressCallback
from fastai.distributed import DistributedDL
from fastai_clr.all import *
from fastai_clr.zoo import zoo_learner

# Test-only shim for fastai's CUDA-only line. fastai/distributed.py, `DistributedDL._broadcast`:
#     t = LongTensor(t).cuda() # nccl only works with cuda tensors
# sends the validation/training order to CUDA whatever the backend; on gloo it stays on the CPU. The package patches nothing.
def _broadcast_any_device(self, t, rank):
    t = LongTensor(t)
    if torch.distributed.get_backend() == 'nccl': t = t.cuda()
    torch.distributed.broadcast(t, rank)
    return t.cpu().tolist()
DistributedDL._broadcast = _broadcast_any_device

class LocalValLoss(Callback):
    "Each validation batch's loss on this rank's own shard, before fastai gathers it over the ranks"
    order = 100
    def __init__(self): self.losses = []
    def after_loss(self):
        if not self.training: self.losses.append(float(self.loss))

class NaNLossFrom(Callback):
    "This rank's training loss (and so the gradient DDP averages) becomes NaN from training step `n` on"
    order = 100
    def __init__(self, n): self.n = n
    def after_loss(self):
        if self.training and self.train_iter >= self.n: self.learn.loss_grad = self.learn.loss_grad*math.nan; self.learn.loss = self.loss_grad.clone()

class TorchSaves:
    "Counts `torch.save` calls in this process (fastai's `Learner.save` ends in one on the main process only)"
    def __init__(self): self.n,self.orig = 0,torch.save
    def __enter__(self):
        def save(*a, **k): self.n += 1; return self.orig(*a, **k)
        torch.save = save; return self
    def __exit__(self, *a): torch.save = self.orig

def digest(learn) -> str:
    "Hash of the unwrapped model's weights and buffers"
    h = hashlib.sha256()
    for k,v in get_model(learn.model).state_dict().items(): h.update(k.encode()); h.update(v.detach().cpu().numpy().tobytes())
    return h.hexdigest()

def floats(v): return [None if o is None else float(o) for o in v]

def range_test(learn, out, key, nan_rank):
    "lr_find2 under distrib_ctx: its curves, suggestions, stop reason, this rank's local validation losses, and whether the learner came back"
    model,loaders,before = learn.model,list(learn.dls.loaders),digest(learn)
    local = LocalValLoss()
    cbs = [local] + ([NaNLossFrom(6)] if rank_distrib() == nan_rank else [])
    sugg = learn.lr_find2(num_it=20, end_lr=1., show_plot=False, cbs=cbs)
    r = learn.lr_find2_result
    out[key] = dict(val=floats(r.val_loss), train=floats(r.train_loss), mets={k: floats(v) for k,v in r.metrics.items()},
                    sugg=floats(sugg), stop=r.stop_reason, local=local.losses,
                    restored=digest(learn) == before and learn.model is model and list(learn.dls.loaders) == loaders)

def fits(learn, out, path):
    "The three schedules, the tracker and disk snapshots under distrib_ctx"
    for name,fit in [('godzi', lambda: learn.fit_godzi(1, 1e-2, cbs=ValTracker(every=2))),
                     ('clr_beta', lambda: learn.fit_clr_beta(1, 1e-2, cbs=ValTracker(every=2)))]:
        fit()
        t = learn.recorder.val_track
        out[name] = dict(lrs=floats(learn.recorder.hps['lr']), values=[floats(v) for v in learn.recorder.values], weights=digest(learn),
                         track=[floats(row) for row in t[['iter', 'lr', 'train_loss', 'valid_loss', 'accuracy']].values])
    learn.path = path  # shared by the ranks, as on one machine
    with TorchSaves() as saves: learn.fit_clr(2, 1e-3, 1e-2, step_size=5, cbs=SnapshotCallback(where='disk', keep=2))
    preds,targs = learn.snapshot_preds()
    out['clr'] = dict(lrs=floats(learn.recorder.hps['lr']), values=[floats(v) for v in learn.recorder.values], weights=digest(learn),
                      snaps=[(s['iter'], Path(s['file']).name) for s in learn.snapshots], saves=saves.n,
                      files=sorted(p.name for p in (path/'models').glob('*.pth')), preds=float(preds.sum()), n_preds=len(preds),
                      model_type=type(learn.model).__name__)

CUDA = os.environ.get('FASTAI_CLR_DIST_DEVICE') == 'cuda'  # `tools/cuda_checks.py` on a machine with 2 GPUs: NCCL, one GPU a rank
CTX = dict(sync_bn=False) if CUDA else dict(sync_bn=False, cpu=True)

def main(out_dir, nan_rank=-1):
    defaults.callbacks = [c for c in defaults.callbacks if c is not ProgressCallback]
    if CUDA: torch.cuda.set_device(int(os.environ['LOCAL_RANK']))
    out = {}
    learn = zoo_learner('tabular', n=640, bs=32)
    with learn.distrib_ctx(**CTX):
        out['world'] = torch.distributed.get_world_size()
        range_test(learn, out, 'tabular', nan_rank)
        if nan_rank < 0: fits(learn, out, Path(out_dir))
    if nan_rank < 0:
        text = zoo_learner('text_classifier', n=256, bs=16)
        with text.distrib_ctx(**CTX): range_test(text, out, 'text', nan_rank)
    with open(Path(out_dir)/f'{rank_distrib()}.json', 'w') as f: json.dump(out, f)

if __name__ == '__main__': main(sys.argv[1], *map(int, sys.argv[2:]))
