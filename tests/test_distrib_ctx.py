"""fastai_clr under fastai's own `learn.distrib_ctx()`, the path users launch with `torchrun`/`accelerate launch`: two CPU processes
on gloo started by `torchrun` (`tests/distrib_worker.py`, with its one test-only shim for fastai's CUDA-only broadcast), on a
tabular and a text learner. Ranks must agree on every number and decision; a rank that hangs fails the test."""
import json, math, os, signal, subprocess, sys, tempfile
from pathlib import Path
import numpy as np, pytest

pytest.importorskip('accelerate', reason='fastai.distributed needs the `distributed` extra (accelerate)')
WORKER = Path(__file__).with_name('distrib_worker.py')

def launch(*args, timeout=300):
    "Run the worker on 2 ranks with torchrun; each rank's JSON"
    d = Path(tempfile.mkdtemp())
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2', str(WORKER), str(d), *map(str, args)]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
                         env={**os.environ, 'OMP_NUM_THREADS': '1'})
    try: log,_ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL); p.communicate()
        pytest.fail(f'torchrun still running after {timeout}s: a rank hangs')
    assert p.returncode == 0, log[-4000:]
    return [json.load(open(d/f'{r}.json')) for r in range(2)]

@pytest.fixture(scope='module')
def ranks(): return launch()

@pytest.mark.parametrize('app', ['tabular', 'text'])
def test_range_test_identical_on_ranks(ranks, app):
    a,b = ranks[0][app],ranks[1][app]
    assert ranks[0]['world'] == 2
    for k in ('val', 'train', 'mets', 'sugg', 'stop'): assert a[k] == b[k], k
    assert len(a['val']) == 20 and a['stop'] == 'num_it'  # num_it steps although an epoch is half as long on a rank
    assert a['sugg'][0] is not None and all(math.isfinite(v) for v in a['val'])

@pytest.mark.parametrize('app', ['tabular', 'text'])
def test_validation_is_mean_over_shards(ranks, app):
    "Each rank validates on its own shard (different losses); what both record is their mean"
    la,lb = np.array(ranks[0][app]['local']),np.array(ranks[1][app]['local'])
    assert len(la) == len(lb) == 20 and (np.abs(la - lb) > 1e-6).all()  # different shards at every step (mixed batches: near each other)
    np.testing.assert_allclose(ranks[0][app]['val'], (la + lb)/2, rtol=1e-6)

@pytest.mark.parametrize('app', ['tabular', 'text'])
def test_every_rank_restored(ranks, app):
    "Weights and buffers bit for bit, the very model object (not its DDP wrapper), the learner's own loaders"
    assert ranks[0][app]['restored'] is True and ranks[1][app]['restored'] is True

@pytest.mark.parametrize('fit', ['godzi', 'clr_beta', 'clr'])
def test_fits_identical_on_ranks(ranks, fit):
    a,b = ranks[0][fit],ranks[1][fit]
    for k in ('lrs', 'values', 'weights'): assert a[k] == b[k], k
    n_epoch = 2 if fit == 'clr' else 1
    assert len(a['lrs']) == n_epoch*10  # 320 training rows over 2 ranks, bs 32: 10 steps a rank per epoch

@pytest.mark.parametrize('fit', ['godzi', 'clr_beta'])
def test_tracker_identical_on_ranks(ranks, fit):
    a,b = ranks[0][fit]['track'],ranks[1][fit]['track']
    assert a == b and [r[0] for r in a] == [2, 4, 6, 8, 10]
    assert [r[1] for r in a] == [ranks[0][fit]['lrs'][i-1] for i in (2, 4, 6, 8, 10)]

def test_snapshots_written_once(ranks):
    "fit_clr, period 10 steps over 2 epochs of 10: minima at steps 10 and 19; the main process writes, every rank lists and reads them"
    a,b = ranks[0]['clr'],ranks[1]['clr']
    assert a['snaps'] == b['snaps'] == [[10, 'snap_10.pth'], [19, 'snap_19.pth']]
    assert (a['saves'], b['saves']) == (2, 0) and a['files'] == ['snap_10.pth', 'snap_19.pth']
    assert a['preds'] == b['preds'] and a['n_preds'] == 160  # ensemble of the whole validation set (gathered), same on both
    assert a['model_type'] == 'TabularModel'  # DDP unwrapped after the fit

def test_nan_on_one_rank_stops_all():
    "Rank 1's loss turns NaN at step 7: both ranks stop there, agree, and are restored"
    a,b = [r['tabular'] for r in launch(1)]
    assert a['stop'] == b['stop'] == 'non-finite loss'
    assert len(a['val']) == len(b['val']) == 7 and a['train'] == b['train'] and math.isnan(a['train'][-1])
    assert a['restored'] and b['restored']
