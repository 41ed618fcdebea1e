"""Reliability: bad input, interruption, divergence and odd learners, with nothing lost (issue: reliability suite)."""
import math, os, pickle, stat, warnings
import numpy as np, pytest, torch
import torch.nn.functional as F
from torch import nn
from hypothesis import given, settings, assume, strategies as st, HealthCheck
from fastai.basics import DataLoaders, Learner, Callback, CrossEntropyLossFlat, accuracy, set_seed
from fastai.callback.schedule import ParamScheduler
from fastai.callback.training import GradientAccumulation
from fastai.optimizer import Adam, SGD, RAdam
from fastai.metrics import RocAucBinary
from fastai_clr.all import *
from fastai_clr.data import TensorPairs, mnist1d_arrays
from fastai_clr.cli import main as cli_main
from conftest import small_learner, fingerprint, assert_unchanged, NaNAfter

nan,inf = float('nan'),float('inf')
# (id, call on a learner, argument that must be named)
BAD = [
 ('godzi n_epoch=0', lambda l: l.fit_godzi(0), 'n_epoch'), ('godzi n_epoch=2.5', lambda l: l.fit_godzi(2.5), 'n_epoch'),
 ('godzi n_epoch str', lambda l: l.fit_godzi('3'), 'n_epoch'), ('godzi lr_max<0', lambda l: l.fit_godzi(1, -1e-3), 'lr_max'),
 ('godzi lr_max nan', lambda l: l.fit_godzi(1, nan), 'lr_max'), ('godzi lr_max inf', lambda l: l.fit_godzi(1, inf), 'lr_max'),
 ('godzi lr_max groups', lambda l: l.fit_godzi(1, [1e-3, 1e-2]), 'lr_max'), ('godzi lr_max empty', lambda l: l.fit_godzi(1, []), 'lr_max'),
 ('godzi lr_max slice reversed', lambda l: l.fit_godzi(1, slice(1e-2, 1e-3)), 'lr_max.start'),
 ('godzi div=0', lambda l: l.fit_godzi(1, div=0), 'div'), ('godzi div_final<0', lambda l: l.fit_godzi(1, div_final=-1), 'div_final'),
 ('godzi pct_start=0', lambda l: l.fit_godzi(1, pct_start=0), 'pct_start'), ('godzi pct_start=1', lambda l: l.fit_godzi(1, pct_start=1.), 'pct_start'),
 ('godzi pct_start nan', lambda l: l.fit_godzi(1, pct_start=nan), 'pct_start'), ('godzi moms 2', lambda l: l.fit_godzi(1, moms=(0.9, 0.8)), 'moms'),
 ('godzi moms=1', lambda l: l.fit_godzi(1, moms=(0.95, 1., 0.95)), 'moms'), ('godzi moms str', lambda l: l.fit_godzi(1, moms='abc'), 'moms'),
 ('godzi amp<0', lambda l: l.fit_godzi(1, amp=-0.1), 'amp'), ('godzi freq<0', lambda l: l.fit_godzi(1, freq=-1), 'freq'),
 ('godzi negative lr', lambda l: l.fit_godzi(1, amp=2, offset=0.), 'amp'), ('godzi wd<0', lambda l: l.fit_godzi(1, wd=-1), 'wd'),
 ('godzi start_epoch', lambda l: l.fit_godzi(2, start_epoch=5), 'start_epoch'), ('godzi reset_opt', lambda l: l.fit_godzi(1, reset_opt='yes'), 'reset_opt'),
 ('clr_beta div=1', lambda l: l.fit_clr_beta(1, 1e-2, div=1), 'div'), ('clr_beta pct=100', lambda l: l.fit_clr_beta(1, 1e-2, pct=100), 'pct'),
 ('clr_beta pct<0', lambda l: l.fit_clr_beta(1, 1e-2, pct=-1), 'pct'), ('clr_beta moms 1', lambda l: l.fit_clr_beta(1, 1e-2, moms=(0.95,)), 'moms'),
 ('clr_beta lr_max=0', lambda l: l.fit_clr_beta(1, 0.), 'lr_max'), ('clr_beta n_epoch=-1', lambda l: l.fit_clr_beta(-1, 1e-2), 'n_epoch'),
 ('clr base>max', lambda l: l.fit_clr(1, 1e-2, 1e-3), 'base_lr'), ('clr step_size=0', lambda l: l.fit_clr(1, 1e-3, 1e-2, step_size=0), 'step_size'),
 ('clr step_size float', lambda l: l.fit_clr(1, 1e-3, 1e-2, step_size=2.5), 'step_size'),
 ('clr mode', lambda l: l.fit_clr(1, 1e-3, 1e-2, mode='cosine'), 'mode'), ('clr gamma=0', lambda l: l.fit_clr(1, 1e-3, 1e-2, gamma=0), 'gamma'),
 ('clr gamma nan', lambda l: l.fit_clr(1, 1e-3, 1e-2, gamma=nan), 'gamma'), ('clr scale_mode', lambda l: l.fit_clr(1, 1e-3, 1e-2, scale_mode='epoch'), 'scale_mode'),
 ('clr scale_fn', lambda l: l.fit_clr(1, 1e-3, 1e-2, scale_fn=3), 'scale_fn'), ('clr base_lr<0', lambda l: l.fit_clr(1, -1., 1e-2), 'base_lr'),
 ('clr moms>1', lambda l: l.fit_clr(1, 1e-3, 1e-2, moms=(0.95, 1.2)), 'moms'),
 ('lr_find2 num_it=1', lambda l: l.lr_find2(num_it=1), 'num_it'), ('lr_find2 num_it float', lambda l: l.lr_find2(num_it=10.5), 'num_it'),
 ('lr_find2 start>=end', lambda l: l.lr_find2(start_lr=1., end_lr=0.1), 'start_lr'), ('lr_find2 start_lr=0', lambda l: l.lr_find2(start_lr=0), 'start_lr'),
 ('lr_find2 end_lr inf', lambda l: l.lr_find2(end_lr=inf), 'end_lr'), ('lr_find2 val_every=0', lambda l: l.lr_find2(val_every=0), 'val_every'),
 ('lr_find2 n_val_batches<0', lambda l: l.lr_find2(n_val_batches=-1), 'n_val_batches'), ('lr_find2 stop_beta=1', lambda l: l.lr_find2(stop_beta=1), 'stop_beta'),
 ('lr_find2 stop_beta<0', lambda l: l.lr_find2(stop_beta=-0.1), 'stop_beta'), ('lr_find2 stop_div str', lambda l: l.lr_find2(stop_div='yes'), 'stop_div'),
 ('lr_find2 suggest_funcs', lambda l: l.lr_find2(suggest_funcs=(1,)), 'suggest_funcs'),
 ('lr_find2 start_lr groups', lambda l: l.lr_find2(start_lr=[1e-7, 1e-7]), 'start_lr'), ('lr_find2 wd nan', lambda l: l.lr_find2(wd=nan), 'wd'),
 ('lr_find2 val_cache_mb<0', lambda l: l.lr_find2(val_cache_mb=-1), 'val_cache_mb'), ('lr_find2 bn_stats', lambda l: l.lr_find2(bn_stats='eval'), 'bn_stats'),
 ('lr_find2 device', lambda l: l.lr_find2(device='nonsense'), 'device'),
 ('SchedCosSpike amp<0', lambda l: SchedCosSpike(1., .1, amp=-1), 'amp'), ('combined_cos_spike pct=0', lambda l: combined_cos_spike(0, 1e-3, 1e-2, 1e-7), 'pct'),
 ('SchedClrBeta div<1', lambda l: SchedClrBeta(1., div=0.5), 'div'), ('SchedCLR step_size=0', lambda l: SchedCLR(.1, 1., 0), 'step_size'),
 ('SchedCLR mode', lambda l: SchedCLR(.1, 1., 4, mode='sine'), 'mode'), ('CombinedSched pcts', lambda l: CombinedSched([0.5, 0.6], [SchedCosSpike(1., .1)]*2), 'pcts'),
 ('Snapshot every=0', lambda l: SnapshotCallback(every=0), 'every'), ('Snapshot every str', lambda l: SnapshotCallback(every='epoch'), 'every'),
 ('Snapshot keep=0', lambda l: SnapshotCallback(keep=0), 'keep'), ('Snapshot where', lambda l: SnapshotCallback(where='cloud'), 'where'),
 ('snapshot_preds none', lambda l: l.snapshot_preds(), 'learn.snapshots'), ('fit_step factor', lambda l: l.fit_step(1, 1e-2, factor=2), 'factor'),
 ('fit_step pcts', lambda l: l.fit_step(1, 1e-2, pcts=(0.8, 0.2)), 'pcts'), ('Plan method', lambda l: Plan('train', 1), 'method'),
 ('compare plans empty', lambda l: compare_schedules(lambda s: l, {}), 'plans'),
 ('compare n_seeds=1', lambda l: compare_schedules(lambda s: l, {'a': Plan('fit_one_cycle', 1)}, n_seeds=1), 'n_seeds'),
 ('compare baseline', lambda l: compare_schedules(lambda s: l, {'a': Plan('fit_one_cycle', 1)}, baseline='b'), 'baseline'),
 ('compare make_learner', lambda l: compare_schedules(3, {'a': Plan('fit_one_cycle', 1)}), 'make_learner'),
 ('paired_stats lengths', lambda l: paired_stats([1, 2], [1, 2, 3]), 'a'),
 ('ValTracker every=0', lambda l: l.fit(1, 1e-3, cbs=ValTracker(every=0)), 'every'),
 ('ValTracker n_batches float', lambda l: l.fit(1, 1e-3, cbs=ValTracker(n_batches=1.5)), 'n_batches'),
 ('ValTracker bn_stats', lambda l: l.fit(1, 1e-3, cbs=ValTracker(bn_stats='eval')), 'bn_stats'),
 ('sweep wd<0', lambda l: l.lr_find2_sweep(wd=[1e-3, -1e-4]), 'wd'), ('sweep moms=1', lambda l: l.lr_find2_sweep(moms=[0.9, 1.]), 'moms'),
 ('sweep bs=0', lambda l: l.lr_find2_sweep(bs=[0]), 'bs'), ('sweep bs float', lambda l: l.lr_find2_sweep(bs=[32.5]), 'bs'),
 ('sweep empty', lambda l: l.lr_find2_sweep(wd=[]), 'wd'), ('sweep nothing', lambda l: l.lr_find2_sweep(), 'wd'),
 ('sweep bad kwarg', lambda l: l.lr_find2_sweep(wd=[1e-3], num_it=1), 'num_it'),
]

@pytest.fixture(scope='module')
def fitted(): return small_learner(seed=5)

def test_bad_input_table_size(): assert len(BAD) >= 40

@pytest.mark.parametrize('call,arg', [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input(fitted, call, arg):
    before = fingerprint(fitted)
    with pytest.raises((ValueError, TypeError)) as e: call(fitted)
    msg = str(e.value)
    assert f'`{arg}`' in msg, msg
    assert any(w in msg for w in ('must', 'has', 'empty', 'pass')), msg  # says what is accepted
    assert_unchanged(before, fingerprint(fitted))

@pytest.mark.parametrize('call,arg', [b[1:] for b in BAD if 'Sched' not in b[0] and 'combined' not in b[0]][:12], ids=[b[0] for b in BAD][:12])
def test_bad_input_keeps_opt_none(call, arg):
    learn = small_learner(seed=6, fitted=False)
    with pytest.raises((ValueError, TypeError)): call(learn)
    assert learn.opt is None

@pytest.mark.parametrize('argv', [['demo', '--epochs', '0'], ['demo', '--lr-max', '-1'], ['demo', '--seed', 'x'], ['nope'], []])
def test_cli_bad_args(argv, capsys):
    with pytest.raises(SystemExit) as e: cli_main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and 'error' in err, err

# ---------------------------------------------------------------- interruption
class Boom(Callback):
    "Raise `exc` after training step `k`"
    order = 70
    def __init__(self, k, exc): self.k,self.exc = k,exc
    def after_batch(self):
        if self.training and self.train_iter == self.k+1: raise self.exc('injected')  # fastai's wrapper needs an argument

_shared = {}
def shared_learner():
    if 'l' not in _shared: _shared['l'] = small_learner(seed=7)
    return _shared['l']

@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(k=st.integers(0, 18), exc=st.sampled_from([KeyboardInterrupt, RuntimeError]))  # step 19 is the last: lr_find2 ends first
def test_lr_find2_interrupted_restores(k, exc):
    learn = shared_learner()
    cb = Boom(k, exc); learn.add_cb(cb)
    try:
        before = fingerprint(learn)
        with pytest.raises(exc): learn.lr_find2(num_it=20, show_plot=False, stop_div=False)
        assert_unchanged(before, fingerprint(learn))
    finally: learn.remove_cb(cb)

FITS = {'fit_godzi': lambda l: l.fit_godzi(2, 1e-2), 'fit_clr_beta': lambda l: l.fit_clr_beta(2, 1e-2), 'fit_clr': lambda l: l.fit_clr(2, 1e-3, 1e-2)}

@pytest.mark.parametrize('fit', FITS)
@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(k=st.integers(0, 7), exc=st.sampled_from([KeyboardInterrupt, RuntimeError]))
def test_fit_interrupted_learner_usable(fit, k, exc):
    learn = shared_learner()
    cb = Boom(k, exc); learn.add_cb(cb)
    try:
        with pytest.raises(exc), learn.no_logging(): FITS[fit](learn)
    finally: learn.remove_cb(cb)
    assert not any(isinstance(c, ParamScheduler) for c in learn.cbs), "scheduler callback left behind"
    with learn.no_logging(): learn.fit_one_cycle(1, 1e-3)
    assert math.isfinite(learn.recorder.values[-1][0])

# ---------------------------------------------------------------- divergence
def test_divergence_huge_end_lr():
    learn = small_learner(seed=8)
    before = fingerprint(learn)
    sugg = learn.lr_find2(end_lr=1e8, num_it=60, show_plot=False)
    assert_unchanged(before, fingerprint(learn))
    res = learn.lr_find2_result
    assert res.stop_reason in ('diverged', 'non-finite loss') and len(res.lr) < 60
    assert all(v is None or (math.isfinite(v) and v > 0) for v in sugg)
    assert res.plot() is not None

def test_divergence_nan_model():
    learn = small_learner(seed=9, fitted=False)
    learn.model = NaNAfter(learn.model, 6)
    sugg = learn.lr_find2(num_it=30, show_plot=False)
    res = learn.lr_find2_result
    assert res.stop_reason == 'non-finite loss' and len(res.lr) == 6
    assert all(v is None or (math.isfinite(v) and v > 0) for v in sugg)
    res.plot(skip_end=0)

# ---------------------------------------------------------------- odd learners
def test_no_validation_set():
    learn = small_learner(seed=10, fitted=False)
    learn.dls = DataLoaders(learn.dls.train)
    with pytest.raises(ValueError, match='n_val_batches=0'): learn.lr_find2(num_it=10, show_plot=False)
    learn.lr_find2(num_it=10, n_val_batches=0, show_plot=False)  # documented training-only mode
    assert np.isnan(learn.lr_find2_result.val_loss).all() and learn.lr_find2_result.suggestions.valley is not None

def test_empty_validation_set():
    x,y,_,_ = mnist1d_arrays()
    trn = TensorPairs(zip(torch.from_numpy(x[:256, None]), torch.from_numpy(y[:256])))
    learn = Learner(DataLoaders.from_dsets(trn, TensorPairs(), bs=32), mnist1d_cnn(), loss_func=CrossEntropyLossFlat())
    with pytest.raises(ValueError, match='no validation batches'): learn.lr_find2(num_it=10, show_plot=False)

def _dls(n_train=256, n_valid=64, bs=32, val_bs=None, binary=False, sort_valid=False, one_class_valid=False):
    x,y,xt,yt = mnist1d_arrays()
    if binary: y,yt = (y == 0).astype(np.int64),(yt == 0).astype(np.int64)
    if one_class_valid: xt,yt = xt[yt == 0],yt[yt == 0]
    xt,yt = xt[:n_valid],yt[:n_valid]
    if sort_valid: i = np.argsort(yt, kind='stable'); xt,yt = xt[i],yt[i]
    mk = lambda a,b: TensorPairs(zip(torch.from_numpy(a[:, None]), torch.from_numpy(b)))
    set_seed(0)
    return DataLoaders.from_dsets(mk(x[:n_train], y[:n_train]), mk(xt, yt), bs=bs, val_bs=val_bs or bs)

def test_validation_cycles_when_shorter_than_num_it():
    learn = Learner(_dls(n_valid=64), mnist1d_cnn(), loss_func=CrossEntropyLossFlat(), metrics=accuracy)
    assert len(learn.dls.valid) == 2
    learn.lr_find2(num_it=20, end_lr=1e-4, show_plot=False, stop_div=False)
    assert np.isfinite(learn.lr_find2_result.val_loss).all() and len(learn.lr_find2_result.val_loss) == 20

def test_batch_size_one_with_batchnorm():
    learn = Learner(_dls(val_bs=1, n_valid=8), mnist1d_cnn(), loss_func=CrossEntropyLossFlat(), metrics=accuracy)
    bn = [m for m in learn.model.modules() if isinstance(m, nn.BatchNorm1d)][0]
    before = fingerprint(learn)
    learn.lr_find2(num_it=12, show_plot=False)
    assert np.isfinite(learn.lr_find2_result.val_loss).all()
    assert_unchanged(before, fingerprint(learn))
    assert bn.num_batches_tracked.item() == 0

def three_groups(m): return [list(m[0].parameters()), list(m[1].parameters()), list(m[2].parameters()) + list(m[4].parameters())]

def test_frozen_and_discriminative_lrs():
    learn = Learner(_dls(), mnist1d_cnn(), loss_func=CrossEntropyLossFlat(), splitter=three_groups)
    learn.freeze_to(1)
    with learn.no_logging(): learn.fit_one_cycle(1, slice(1e-4, 1e-2))
    grads = [p.requires_grad for p in learn.model.parameters()]
    before = fingerprint(learn)
    learn.lr_find2(start_lr=slice(1e-7, 1e-5), end_lr=slice(1e-2, 1.), num_it=15, show_plot=False)
    res = learn.lr_find2_result
    assert res.lrs.shape == (15, 3)
    np.testing.assert_allclose(res.lrs[0], [1e-7, 1e-6, 1e-5], rtol=1e-9)
    np.testing.assert_allclose(res.lrs[-1], [1e-2, 1e-1, 1.], rtol=1e-9)
    assert_unchanged(before, fingerprint(learn))
    assert [p.requires_grad for p in learn.model.parameters()] == grads

def test_gradient_accumulation_schedule_advances_per_batch():
    learn = Learner(_dls(), mnist1d_cnn(), loss_func=CrossEntropyLossFlat())
    with learn.no_logging(): learn.fit_clr(2, 1e-3, 1e-2, step_size=3, cbs=GradientAccumulation(n_acc=64))
    n = 2*len(learn.dls.train)
    assert len(learn.recorder.hps['lr']) == n  # one value per batch, although the optimizer stepped every 2 batches
    np.testing.assert_array_equal(learn.recorder.hps['lr'], sched_values(SchedCLR(np.array([1e-3]), np.array([1e-2]), 3), n).ravel())

@pytest.mark.parametrize('opt_func,mom', [(Adam, True), (partial_sgd := SGD, False), (RAdam, True)], ids=['Adam', 'SGD', 'RAdam'])
def test_optimizers(opt_func, mom):
    learn = Learner(_dls(), mnist1d_cnn(), loss_func=CrossEntropyLossFlat(), opt_func=opt_func)
    with learn.no_logging(): learn.fit_godzi(1, 1e-2, moms=(0.9, 0.5, 0.9))
    assert min(learn.recorder.hps['mom']) < 0.6  # Adam/RAdam: `mom` is betas[0]
    before = fingerprint(learn)
    learn.lr_find2(num_it=10, show_plot=False); assert_unchanged(before, fingerprint(learn))

def test_sgd_with_momentum():
    from functools import partial
    learn = Learner(_dls(), mnist1d_cnn(), loss_func=CrossEntropyLossFlat(), opt_func=partial(SGD, mom=0.9))
    with learn.no_logging(): learn.fit_clr_beta(1, 1e-2, moms=(0.95, 0.85))
    assert learn.opt.hypers[0]['mom'] == learn.recorder.hps['mom'][-1]

def test_read_only_model_dir(tmp_path):
    learn = small_learner(seed=11, path=tmp_path)
    os.chmod(tmp_path, stat.S_IRUSR | stat.S_IXUSR)
    try: learn.lr_find2(num_it=10, show_plot=False)
    finally: os.chmod(tmp_path, stat.S_IRWXU)
    assert list(tmp_path.iterdir()) == []

def test_plain_function_loss():
    learn = Learner(_dls(), mnist1d_cnn(), loss_func=lambda out, targ: F.cross_entropy(out, targ), metrics=accuracy)
    learn.lr_find2(num_it=10, show_plot=False)
    assert np.isfinite(learn.lr_find2_result.val_loss).all()

def test_metric_not_computable_on_one_batch():
    "ROC AUC on a validation set of one class (the probe mixes classes, so it needs one that has none): one warning, NaN"
    learn = Learner(_dls(binary=True, n_valid=256, one_class_valid=True), mnist1d_cnn(n_out=2), loss_func=CrossEntropyLossFlat(),
                    metrics=RocAucBinary())
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        learn.lr_find2(num_it=4, show_plot=False)
    mine = [o for o in w if 'could not be computed' in str(o.message)]
    assert len(mine) == 1, [str(o.message) for o in w]
    assert np.isnan(learn.lr_find2_result.metrics['roc_auc_score']).all()

# ---------------------------------------------------------------- schedules: properties
pos_st = st.floats(0, 1)
lr_st = st.floats(1e-6, 10)

@settings(max_examples=200, deadline=None)
@given(start=lr_st, end=lr_st, amp=st.floats(0, 1), freq=st.floats(0, 200), offset=st.floats(-1, 2), pos=pos_st)
def test_spike_properties(start, end, amp, freq, offset, pos):
    assume(1 + amp*(offset-1) >= 0)  # other settings are refused (see the bad-input table)
    f = SchedCosSpike(start, end, amp, freq, offset)
    v = f(pos)
    assert math.isfinite(v) and v >= 0
    assert v <= max(start, end)*(1 + amp*(1 + abs(offset))) + 1e-12
    assert f(pos) == v and pickle.loads(pickle.dumps(f))(pos) == v

@settings(max_examples=100, deadline=None)
@given(lr=lr_st, div=st.floats(1.01, 100), pct=st.floats(0, 99), n=st.integers(10, 3000), data=st.data())
def test_clr_beta_properties(lr, div, pct, n, data):
    i = data.draw(st.integers(0, n-1))
    f,m = SchedClrBeta(lr, div, pct),SchedClrBetaMom((0.95, 0.85), pct)
    v = f(i, n)
    assert lr/(div*100)*(1-1e-9) <= v <= lr*(1+1e-9)
    assert 0.85 - 1e-12 <= m(i, n) <= 0.95 + 1e-12
    c = int(n*(1-pct/100)/2)
    if c and i+1 < n and i != 2*c:  # continuous: one step moves by at most one slope's worth
        assert abs(f(i+1, n) - v) <= (lr - lr/div)/c + (lr/div)/max(n-1-2*c, 1) + 1e-12

@settings(max_examples=100, deadline=None)
@given(base=lr_st, span=st.floats(0, 10), step=st.integers(1, 500), mode=st.sampled_from(['triangular', 'triangular2', 'exp_range']),
       gamma=st.floats(0.9, 1), i=st.integers(0, 100000))
def test_clr_properties(base, span, step, mode, gamma, i):
    f = SchedCLR(base, base+span, step, mode, gamma)
    v = f(i)
    assert math.isfinite(v) and base - 1e-12 <= v <= base + span + 1e-9
    assert abs(f(i+1) - v) <= span/step + 1e-9  # continuous: at most one step of the triangle
    assert pickle.loads(pickle.dumps(f))(i) == v

def test_learner_exports_after_fits(tmp_path):
    from fastai.learner import load_learner
    learn = small_learner(seed=12, path=tmp_path)
    with learn.no_logging():
        learn.fit_godzi(1, 1e-2); learn.fit_clr_beta(1, 1e-2); learn.fit_clr(1, 1e-3, 1e-2)
    learn.add_cb(IterParamScheduler({'lr': SchedCLR(1e-3, 1e-2, 5), 'mom': SchedClrBetaMom()}))
    learn.export('l.pkl')
    l2 = load_learner(tmp_path/'l.pkl')
    assert isinstance(l2.iter_param_scheduler, IterParamScheduler)

# ---------------------------------------------------------------- mixed precision
@pytest.mark.skipif(not torch.cuda.is_available(), reason="fastai's MixedPrecision (to_fp16/to_bf16) runs autocast on CUDA only; no GPU here")
@pytest.mark.parametrize('prec', ['fp16', 'bf16'])
def test_mixed_precision_cuda(prec):
    learn = small_learner(seed=13, fitted=False)
    learn = learn.to_fp16() if prec == 'fp16' else learn.to_bf16()
    with learn.no_logging():
        learn.fit_godzi(1, 1e-2); learn.fit_clr_beta(1, 1e-2); learn.fit_clr(1, 1e-3, 1e-2)
    before = fingerprint(learn)
    sugg = learn.lr_find2(num_it=30, show_plot=False)
    assert_unchanged(before, fingerprint(learn))
    assert sugg.valley is not None and np.isfinite(learn.lr_find2_result.val_loss[:10]).all()
