"""Every feature on the learners fastai users train: one real learner per fastai application, and a vision learner with the
callbacks people keep in `learn.cbs` (issue: lr_find2 on fastai's application learners)."""
import math, os
import numpy as np, pytest, torch
from fastai.basics import Callback
from fastai.callback.mixup import MixUp, CutMix
from fastai.callback.tracker import SaveModelCallback, EarlyStoppingCallback
from fastai.callback.training import GradientAccumulation
from fastai.callback.progress import CSVLogger, ShowGraphCallback, ProgressCallback
from fastai_clr.all import *
from fastai_clr.zoo import ZOO, zoo_learner
from conftest import fingerprint, assert_unchanged

SIZES = dict(vision=(64, 16), segmentation=(32, 8), text_classifier=(128, 32), language_model=(128, 16), tabular=(256, 64),
             tabular_regression=(256, 64), collab=(None, 64))

class KeepFirstState(Callback):
    "Copies the weights right after the first training step, before `lr_find2`'s probe runs (order 60)"
    order,run_valid = 59,False
    def after_batch(self):
        if self.train_iter == 1: self.state = {k:v.clone() for k,v in self.model.state_dict().items()}

def zoo(app, tmp_path, cbs=None, seed=0):
    n,bs = SIZES[app]
    return zoo_learner(app, seed=seed, n=n, bs=bs, path=tmp_path, cbs=cbs)

def first_batch_validate(learn, state, bn_stats):
    "`learn.validate()` on the first validation batch, with the weights `state` and batch norm as the probe had it"
    copy_state_(learn.model, state)
    b = probe_batch(learn.dls.valid)  # the probe's first batch
    with (bn_batch_stats(learn.model) if bn_stats == 'batch' else torch.no_grad()): return learn.validate(dl=[b])

def check_range_test(learn, tmp_path, bn_stats='batch'):
    "lr_find2 on `learn`: restored bit for bit, no file, first validation equals `validate()`, best-metric suggestions at the best values"
    before = fingerprint(learn)
    keep = KeepFirstState(); learn.add_cb(keep)
    sugg = learn.lr_find2(start_lr=1e-7, end_lr=1., num_it=12, show_plot=False, bn_stats=bn_stats)
    learn.remove_cb(keep)
    assert_unchanged(before, fingerprint(learn))
    assert [p.name for p in tmp_path.rglob('*')] == [], "lr_find2 wrote a file"
    res = learn.lr_find2_result
    ref = first_batch_validate(learn, keep.state, bn_stats)
    np.testing.assert_allclose([res.val_loss[0], *[res.metrics[k][0] for k in res.metrics]], ref, rtol=1e-4, atol=1e-5)
    for k,v in res.metrics_smooth.items():
        i = best_index(v, lower_is_better(k))
        assert getattr(sugg, f'best_{k}') == res.lr[i], k
        assert '__' not in f'best_{k}'
    return res

@pytest.mark.parametrize('app', list(ZOO))
def test_app(app, tmp_path):
    learn = zoo(app, tmp_path)
    with learn.no_logging():
        learn.fit_godzi(1, 1e-3); learn.fit_clr_beta(1, 1e-3)
        learn.fit_clr(1, 1e-4, 1e-3, step_size=1, cbs=SnapshotCallback(keep=2))
    assert 1 <= len(learn.snapshots) <= 2 and all(np.isfinite(v).all() for v in learn.recorder.values)
    preds,targs = learn.snapshot_preds(reorder=app != 'language_model')  # fastai's own get_preds cannot reorder an LM's batches
    assert len(preds) == len(targs)
    res = check_range_test(learn, tmp_path)
    assert len(res.lr) >= 2 and np.isfinite(res.val_loss[0])

def test_regression_metrics_direction(tmp_path):
    "rmse and mae: the suggestion is the LR of the *lowest* value, and named cleanly"
    learn = zoo('tabular_regression', tmp_path)
    res = check_range_test(learn, tmp_path)
    assert set(res.metrics) == {'rmse', 'mae'}
    assert res.suggestions.best_rmse == res.lr[np.nanargmin(res.metrics_smooth['rmse'])]

USER_CBS = {'MixUp': lambda: MixUp(), 'CutMix': lambda: CutMix(), 'SaveModelCallback': lambda: SaveModelCallback(),
            'EarlyStoppingCallback': lambda: EarlyStoppingCallback(patience=1), 'CSVLogger': lambda: CSVLogger(),
            'GradientAccumulation': lambda: GradientAccumulation(n_acc=32), 'ShowGraphCallback': lambda: [ShowGraphCallback(), ProgressCallback()]}  # ShowGraph needs the bar

@pytest.mark.parametrize('cb', list(USER_CBS))
def test_vision_with_callback(cb, tmp_path):
    learn = zoo('vision', tmp_path, cbs=USER_CBS[cb]())
    check_range_test(learn, tmp_path, bn_stats='running')
    assert learn.loss_func.__class__.__name__ == 'CrossEntropyLossFlat'  # MixUp/CutMix's own loss is not left behind
    assert all(c.run for c in learn.cbs), "a callback was left switched off"

def test_mixup_loss_is_plain_loss(tmp_path):
    "Under MixUp the probe's validation loss is the plain loss on the validation batch, not a mix with training targets"
    learn = zoo('vision', tmp_path, cbs=MixUp(0.4))
    res = check_range_test(learn, tmp_path)
    assert np.isfinite(res.val_loss).all()

def end_state(learn):
    "Weights, optimizer state, RNG streams and recorded values at the end of a fit"
    opt = [{k:v.clone() for k,v in s.items() if isinstance(v, torch.Tensor)} for s in learn.opt.state.values()]
    return ({k:v.clone() for k,v in learn.model.state_dict().items()}, opt, torch.get_rng_state(), np.random.get_state()[1].copy(),
            [list(map(float, v)) for v in learn.recorder.values])

def assert_same_end(a, b):
    for k in a[0]: assert torch.equal(a[0][k], b[0][k]), k
    for sa,sb in zip(a[1], b[1]):
        for k in sa: assert torch.equal(sa[k], sb[k]), k
    assert torch.equal(a[2], b[2]) and (a[3] == b[3]).all()
    assert a[4] == b[4]

@pytest.mark.parametrize('app', ['vision', 'segmentation', 'text_classifier', 'tabular'])
def test_refreshed_batch_norm(app, tmp_path):
    "lr_find2 with batch norm's running statistics recomputed on each training batch: everything restored bit for bit, no file, finite curves"
    learn = zoo(app, tmp_path)
    before = fingerprint(learn)
    learn.lr_find2(start_lr=1e-7, end_lr=1., num_it=12, show_plot=False, bn_stats='refresh')
    assert_unchanged(before, fingerprint(learn))
    assert [p.name for p in tmp_path.rglob('*')] == [], "lr_find2 wrote a file"
    res = learn.lr_find2_result
    assert np.isfinite(res.val_loss[:6]).all() and res.lr[0] == 1e-7

class SeenMom(Callback):
    "Records the optimizer's momentum at every training step"
    def before_fit(self): self.moms = []
    def before_batch(self): self.moms.append(self.opt.hypers[0]['mom'])

@pytest.mark.parametrize('app', ['text_classifier', 'collab'])
def test_range_test_momentum(app, tmp_path):
    "lr_find2 runs at the momentum fit_one_cycle pairs with its peak LR (0.7 for fastai's text learners), and puts the optimizer's own back"
    learn = zoo(app, tmp_path)
    learn.create_opt()
    mom0,before,seen = learn.opt.hypers[0]['mom'],fingerprint(learn),SeenMom()
    learn.lr_find2(num_it=6, show_plot=False, cbs=seen)
    assert set(seen.moms) == {learn.moms[1]} and learn.moms[1] != mom0
    assert learn.opt.hypers[0]['mom'] == mom0
    assert_unchanged(before, fingerprint(learn))

@pytest.mark.parametrize('app', list(ZOO))
def test_tracker_leaves_training_unchanged(app, tmp_path):
    "A fit with a ValTracker ends bit for bit where the same fit without it ends, and tracks every step's validation"
    ends = []
    for cbs in (None, ValTracker(every=2)):
        learn = zoo(app, tmp_path)
        torch.manual_seed(1); np.random.seed(1)
        with learn.no_logging(): learn.fit_one_cycle(1, 1e-3, cbs=cbs)
        ends.append(end_state(learn))
    assert_same_end(*ends)
    d = learn.recorder.val_track
    assert len(d) == len(learn.dls.train)//2 and np.isfinite(d.valid_loss).all()
    assert set(d.columns) >= {'iter', 'epoch', 'lr', 'train_loss', 'valid_loss', 'gap', *[metric_name(m) for m in learn.metrics]}

@pytest.mark.parametrize('cb', ['MixUp', 'SaveModelCallback', 'EarlyStoppingCallback', 'CSVLogger'])
def test_tracker_with_callback(cb, tmp_path):
    "With the callbacks people keep in learn.cbs the tracked fit is the plain fit, bit for bit; the epoch-end callbacks see only epoch ends"
    ends = []
    for cbs in (None, ValTracker(every=1)):
        learn = zoo('vision', tmp_path, cbs=USER_CBS[cb]())
        torch.manual_seed(1); np.random.seed(1)
        with learn.no_logging(): learn.fit(2, 1e-3, cbs=cbs)
        ends.append(end_state(learn))
    assert_same_end(*ends)
    assert np.isfinite(learn.recorder.val_track.valid_loss).all()

@pytest.mark.parametrize('app', ['text_classifier', 'tabular', 'segmentation'])
def test_sweep_restores(app, tmp_path):
    "lr_find2_sweep over weight decay, momentum and batch size leaves a fastai application learner as it was, and keeps every run"
    learn = zoo(app, tmp_path)
    before,dls = fingerprint(learn),learn.dls
    res = learn.lr_find2_sweep(wd=[1e-2, 0.], moms=[0.9], bs=[8, 16], num_it=6, show_plot=False)
    assert_unchanged(before, fingerprint(learn))
    assert learn.dls is dls and [p.name for p in tmp_path.rglob('*')] == []
    assert len(res.results) == 4 and len(res.table) == 4 and res.pick in res.settings


@pytest.mark.parametrize('case', ['vision frozen', 'vision unfrozen with slice', 'text freeze_to(-2)'])
def test_range_test_keeps_freezing(case, tmp_path):
    "lr_find2 on a frozen, an unfrozen-with-slice and a partly frozen learner: freezing, LRs and all state back bit for bit; usage says where lr_max goes"
    learn = zoo('text_classifier' if case.startswith('text') else 'vision', tmp_path)
    learn.create_opt()
    if case == 'vision frozen': learn.freeze()
    elif case == 'vision unfrozen with slice': learn.unfreeze(); learn.opt.set_hypers(lr=slice(1e-5, 1e-3))
    else: learn.freeze_to(-2)
    before = fingerprint(learn)  # with each parameter's requires_grad, the frozen groups and each group's LR
    assert any(before['requires_grad']) and (not all(before['requires_grad']) or case == 'vision unfrozen with slice')
    learn.lr_find2(num_it=8, show_plot=False)
    assert_unchanged(before, fingerprint(learn))
    r = learn.lr_find2_result
    assert (r.n_groups, r.frozen_idx) == (len(learn.opt.param_lists), learn.opt.frozen_idx)
    if r.suggestions.lr_max is not None:
        assert r.usage.startswith({'vision frozen': 'learn.fine_tune(epochs, base_lr=', 'vision unfrozen with slice': 'learn.fit_one_cycle(epochs, ',
                                   'text freeze_to(-2)': 'learn.fit_one_cycle(1, slice('}[case])  # ULMFiT's next stage when part-frozen
    assert r.lrs.shape[1] == r.n_groups and (r.lrs == r.lrs[:, -1:]).all()  # every group swept together at one LR, as fastai's lr_find

@pytest.mark.parametrize('app,cb', [('vision', None), ('tabular', None), ('text_classifier', None), ('segmentation', None), ('collab', None),
                                    ('vision', MixUp), ('vision', CutMix), ('vision', SaveModelCallback)])
def test_schedule_free_callback(app, cb, tmp_path):
    "ScheduleFreeCallback on application learners: trains at y, validates and ends at x with batch norm recomputed there; validate() agrees"
    pytest.importorskip('schedulefree')
    learn = zoo(app, tmp_path, cbs=None if cb is None else [cb()])
    learn.opt_func = schedule_free_adamw
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 2.5e-3, cbs=ScheduleFreeCallback(n_bn_batches=2))
    assert not any(g['train_mode'] for g in learn.opt.opt.param_groups)
    rec = dict(zip(learn.recorder.metric_names[1:-1], learn.recorder.values[-1]))
    assert np.isclose(learn.validate()[0], rec['valid_loss'], rtol=1e-5)
    assert not any(isinstance(c, ScheduleFreeCallback) for c in learn.cbs)

class _Interrupt(Callback):
    "Ctrl-C at the second training step"
    def after_batch(self):
        if self.training and self.train_iter == 2: raise KeyboardInterrupt()

@pytest.mark.parametrize('app,cb', [(a, None) for a in ('vision', 'text_classifier', 'segmentation', 'tabular', 'collab')]
                                   + [('vision', c) for c in (MixUp, CutMix, SaveModelCallback)])
def test_fine_tune_sf(app, cb, tmp_path):
    "fine_tune_sf on a frozen application learner: one unfrozen range test, both fits at its one LR, ends unfrozen at the weights it scored, with the learner's own opt_func"
    pytest.importorskip('schedulefree')
    from fastai.basics import defaults
    learn = zoo(app, tmp_path, cbs=None if cb is None else [cb()]); learn.freeze()
    opt_func = learn.opt_func
    with learn.no_bar(), learn.no_logging(): ch = learn.fine_tune_sf(1, num_it=8)
    assert ch.test.frozen_idx == 0 and ch.lr == one_cycle_mean_lr(defaults.lr if ch.lr_max is None else ch.lr_max)
    assert learn.opt is None and learn.opt_func is opt_func and all(p.requires_grad for p in learn.model.parameters())
    rec = dict(zip(learn.recorder.metric_names[1:-1], learn.recorder.values[-1]))
    assert np.isclose(learn.validate()[0], rec['valid_loss'], rtol=1e-5)
    assert not any(isinstance(c, ScheduleFreeCallback) for c in learn.cbs)

def test_fine_tune_sf_interrupted(tmp_path):
    "Ctrl-C during fine_tune_sf's training: the interrupt reaches the user, and the learner has its own opt_func back"
    pytest.importorskip('schedulefree')
    learn = zoo('vision', tmp_path); learn.freeze()
    opt_func = learn.opt_func
    with pytest.raises(KeyboardInterrupt), learn.no_bar(), learn.no_logging(): learn.fine_tune_sf(1, num_it=8, cbs=_Interrupt())
    assert learn.opt is None and learn.opt_func is opt_func
    assert not any(isinstance(c, (ScheduleFreeCallback, _Interrupt)) for c in learn.cbs)
