"""The checks that need a GPU, in one script: `python tools/cuda_checks.py` (run through `device` when a GPU machine is lent).

- mixed precision, `to_fp16()` and `to_bf16()`, on a fastai vision learner (resnet18, `pretrained=False`) on CUDA: `lr_find2` gives
  finite curves and an `lr_max`, and puts weights, buffers and optimizer state back bit for bit; `fit_godzi`, `fit_clr_beta` and
  `fit_clr` (with `ValTracker`) train to a finite loss with the very LRs of the same fit in full precision;
- with 2 GPUs or more, `tests/test_distrib_ctx.py` on NCCL, one GPU a rank, without the CPU shim.

One line per check; exits 1 if any fails. Without CUDA it says so and exits 0."""
import math, os, subprocess, sys
from pathlib import Path
import torch
from fastai.basics import defaults
from fastai.callback.progress import ProgressCallback
from fastai.callback.fp16 import MixedPrecision
from fastai_clr.all import *
from fastai_clr.zoo import zoo_learner

ROOT = Path(__file__).resolve().parents[1]
FITS = dict(fit_godzi=lambda l, **k: l.fit_godzi(1, 1e-2, **k), fit_clr_beta=lambda l, **k: l.fit_clr_beta(1, 1e-2, **k),
            fit_clr=lambda l, **k: l.fit_clr(1, 1e-3, 1e-2, step_size=4, **k))

def snapshot(learn):
    "Copies of the model's weights and buffers and the optimizer's state"
    st = {k: v.detach().clone() for k,v in learn.model.state_dict().items()}
    opt = None if learn.opt is None else [{k: v.detach().clone() if isinstance(v, torch.Tensor) else v for k,v in learn.opt.state[p].items()}
                                          for p,*_ in learn.opt.all_params()]  # in parameter order
    return st,opt

def same(a, b) -> bool:
    (sa,oa),(sb,ob) = a,b
    if sa.keys() != sb.keys() or not all(torch.equal(sa[k], sb[k]) for k in sa): return False
    if (oa is None) != (ob is None): return False
    return oa is None or (len(oa) == len(ob) and all(x.keys() == y.keys() and all(
        torch.equal(x[k], y[k]) if isinstance(x[k], torch.Tensor) else x[k] == y[k] for k in x) for x,y in zip(oa, ob)))

def vision(mode=None):
    learn = zoo_learner('vision', n=512)
    if mode == 'fp16': learn.to_fp16()
    if mode == 'bf16': learn.to_bf16()
    return learn

def check_precision(mode) -> list:
    "(name, ok, detail) for lr_find2 and each fit method under `mode`"
    out = []
    learn = vision(mode)
    with learn.no_logging(): learn.fit_one_cycle(1, 1e-3)  # an optimizer with state, so that the restore has something to get wrong
    before = snapshot(learn)
    sugg = learn.lr_find2(num_it=40, show_plot=False)
    r = learn.lr_find2_result
    ok = sugg.lr_max is not None and math.isfinite(sugg.lr_max) and math.isfinite(r.val_loss[0]) and same(before, snapshot(learn))
    out.append((f'{mode} lr_find2', ok, f'lr_max={sugg.lr_max} steps={len(r.val_loss)} stop={r.stop_reason} restored={same(before, snapshot(learn))}'))
    assert any(isinstance(c, MixedPrecision) for c in learn.cbs)
    for name,fit in FITS.items():
        mixed,full = vision(mode),vision()
        with mixed.no_logging(), full.no_logging(): fit(mixed, cbs=ValTracker(every=4)); fit(full)
        loss = float(mixed.recorder.values[-1][0])
        same_lrs = list(mixed.recorder.hps['lr']) == list(full.recorder.hps['lr'])
        out.append((f'{mode} {name}', math.isfinite(loss) and same_lrs and len(mixed.recorder.val_track) > 0,
                    f'train_loss={loss:.4f} same LRs as full precision={same_lrs} tracked rows={len(mixed.recorder.val_track)}'))
    return out

def check_distributed() -> list:
    env = {**os.environ, 'FASTAI_CLR_DIST_DEVICE': 'cuda'}
    p = subprocess.run([sys.executable, '-m', 'pytest', '-q', str(ROOT/'tests'/'test_distrib_ctx.py')], env=env, capture_output=True, text=True)
    return [('2-GPU distrib_ctx (NCCL)', p.returncode == 0, (p.stdout.strip().splitlines() or ['no output'])[-1])]

def main():
    if not torch.cuda.is_available():
        print('cuda_checks: no CUDA device on this machine; nothing checked'); return 0
    defaults.callbacks = [c for c in defaults.callbacks if c is not ProgressCallback]
    print(f'cuda_checks on {torch.cuda.get_device_name(0)} ({torch.cuda.device_count()} GPU), torch {torch.__version__}')
    res = check_precision('fp16') + (check_precision('bf16') if torch.cuda.is_bf16_supported() else [('bf16', True, 'not supported here: skipped')])
    res += check_distributed() if torch.cuda.device_count() >= 2 else [('2-GPU distrib_ctx', True, f'{torch.cuda.device_count()} GPU: skipped')]
    for name,ok,detail in res: print(f"{'PASS' if ok else 'FAIL'}  {name:24s} {detail}")
    return 0 if all(ok for _,ok,_ in res) else 1

if __name__ == '__main__': sys.exit(main())
