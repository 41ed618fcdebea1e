"""lr_find2 and the fit methods in two real processes (torch.distributed, gloo backend, CPU): ranks agree on every number and every
decision, validation values are the means over ranks, and a NaN on one rank stops both without a hang."""
import json, math, os, tempfile, time
from pathlib import Path
import numpy as np, pytest, torch
import torch.multiprocessing as mp
from torch import nn
from fastai.basics import DataLoaders, Learner, CrossEntropyLossFlat, accuracy, set_seed, defaults
from fastai.callback.progress import ProgressCallback
from fastai_clr.all import *
from fastai_clr.data import TensorPairs, mnist1d_arrays
from conftest import NaNAfter

WORLD = 2

def shard_learner(shard, world=WORLD):
    "Same training data and weights on every rank; validation shard `shard` of `world` (as a DistributedDL would give)"
    x,y,xt,yt = mnist1d_arrays()
    mk = lambda a,b: TensorPairs(zip(torch.from_numpy(a[:, None]), torch.from_numpy(b)))
    set_seed(0)
    dls = DataLoaders.from_dsets(mk(x[:320], y[:320]), mk(xt[shard:256:world], yt[shard:256:world]), bs=32, num_workers=0)
    set_seed(0)
    return Learner(dls, mnist1d_cnn(), loss_func=CrossEntropyLossFlat(), metrics=accuracy)

def _worker(rank, init_file, out_dir, nan_rank):
    defaults.callbacks = [c for c in defaults.callbacks if c is not ProgressCallback]
    os.environ['RANK'] = str(rank)  # what torchrun/accelerate set: fastai's rank_distrib() reads it
    torch.distributed.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank, world_size=WORLD)
    try:
        learn = shard_learner(rank)
        if rank == nan_rank: learn.model = NaNAfter(learn.model, 6)
        sugg = learn.lr_find2(num_it=20, end_lr=1e-1, show_plot=False, stop_div=False)
        r = learn.lr_find2_result
        out = dict(val=r.val_loss.tolist(), train=r.train_loss.tolist(), acc=r.metrics['accuracy'].tolist(),
                   sugg=[None if v is None else float(v) for v in sugg], stop=r.stop_reason)
        if nan_rank < 0:
            learn2 = shard_learner(rank)
            with learn2.no_logging(): learn2.fit_godzi(1, 1e-2); h1 = learn2.recorder.hps['lr']; learn2.fit_clr(1, 1e-3, 1e-2, step_size=3)
            out['hps'] = [float(v) for v in h1] + [float(v) for v in learn2.recorder.hps['lr']]
            learn2.path = Path(out_dir)/f'rank{rank}'
            with learn2.no_logging(): learn2.fit_clr(1, 1e-3, 1e-2, step_size=3, cbs=SnapshotCallback(where='disk'))
            out['snap_files'] = sorted(p.name for p in (learn2.path/'models').glob('*.pth')) if (learn2.path/'models').exists() else []
        with open(os.path.join(out_dir, f'{rank}.json'), 'w') as f: json.dump(out, f)
    finally: torch.distributed.destroy_process_group()

def run_ranks(nan_rank=-1, timeout=240):
    d = tempfile.mkdtemp()
    ctx = mp.start_processes(_worker, args=(os.path.join(d, 'init'), d, nan_rank), nprocs=WORLD, join=False, start_method='spawn')
    deadline = time.time() + timeout
    while not ctx.join(timeout=5):
        if time.time() > deadline:
            for p in ctx.processes: p.kill()
            pytest.fail(f'ranks still running after {timeout}s: a rank hangs')
    return [json.load(open(os.path.join(d, f'{r}.json'))) for r in range(WORLD)]

@pytest.fixture(scope='module')
def ranks(): return run_ranks()

def test_ranks_agree(ranks):
    a,b = ranks
    assert a['val'] == b['val'] and a['train'] == b['train'] and a['acc'] == b['acc']
    assert a['sugg'] == b['sugg'] and a['sugg'][0] is not None
    assert len(a['val']) == 20

def test_fit_schedules_identical_on_ranks(ranks):
    assert ranks[0]['hps'] == ranks[1]['hps'] and len(ranks[0]['hps']) == 2*10

def test_snapshots_on_disk_saved_by_main_process_only(ranks):
    # step_size=3 over 10 iterations: the LR is back at base_lr at iteration 6 and rising at the end
    assert ranks[0]['snap_files'] == ['snap_6.pth'] and ranks[1]['snap_files'] == []

def test_validation_is_mean_of_ranks(ranks):
    "Each rank validates on its own shard; what is recorded is the mean of what each rank saw"
    defaults.callbacks = [c for c in defaults.callbacks if c is not ProgressCallback]
    local = []
    for r in range(WORLD):
        learn = shard_learner(r)
        learn.lr_find2(num_it=20, end_lr=1e-1, show_plot=False, stop_div=False)
        local.append(learn.lr_find2_result.val_loss)
    np.testing.assert_allclose(ranks[0]['val'], np.mean(local, axis=0), rtol=1e-4)

def test_nan_on_one_rank_stops_both():
    a,b = run_ranks(nan_rank=1)
    assert a['stop'] == b['stop'] == 'non-finite loss'
    assert len(a['val']) == len(b['val']) == 6
    assert all(v is None or (math.isfinite(v) and v > 0) for v in a['sugg'])
