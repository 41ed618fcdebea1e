"""How good is an LR finder's advice? For each task, a grid of `lr_max` for `fit_one_cycle` at the epochs a user would run
(several seeds, cached in advice_grid.csv), then every contender's suggested LR on the same learners (advice_suggestions.csv),
scored by regret: points of final accuracy below the grid's best mean, at the suggested LR (log-LR interpolation).
`python benchmarks/advice.py grid|suggest|clr|score` (`make bench-advice` runs them all; cached rows are reused)."""
import argparse, math, sys, time, warnings
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
import numpy as np, pandas as pd, torch
from torch import nn
from fastai.basics import defaults
from fastai.callback.progress import ProgressCallback
from fastai.callback.schedule import valley, slide, steep, minimum
from fastai_clr.all import *
from advice_tasks import TASKS, SCRATCH, TRANSFER, SEEDS
from advice_contenders import torch_lr_finder, lightning_suggestion, LR_FREE, missing, train_lr_free

warnings.filterwarnings('ignore')
defaults.callbacks = [c for c in defaults.callbacks if c is not ProgressCallback]
HERE = Path(__file__).parent
GRID_CSV,SUGG_CSV = HERE/'advice_grid.csv',HERE/'advice_suggestions.csv'
def seeds_of(t): return TASKS[t].seeds

HELD_OUT = ('digits_cnn', 'tabular_digits')  # added after the previous rule was chosen; the current one was chosen with them in view
HELD_OUT_NOW = ('digits_mlp_no_bn', 'vision_xresnet18')  # added after the current rule (the validation loss's edge) was chosen
HELD_OUT_MOM = ('tabular_digits', 'digits_mlp_no_bn', 'vision_xresnet18', 'vision_resnet18')  # range tests at `learn.moms[1]` run after lr_find2 was changed to it

# lr_find2's probe variants (the curves' `bn_stats` column; label, lr_find2's arguments): the default, and at the optimizer's own momentum
# instead of `learn.moms[1]` (lr_find2 before session 6) the default probe and the two other ways of handling batch norm (chosen against then)
PROBES = {'batch': ('', {}), 'optimizer momentum': (' (optimizer momentum)', dict(mom='optimizer')),
          'refresh, optimizer momentum': (' (bn refresh, optimizer momentum)', dict(bn_stats='refresh', mom='optimizer')),
          'running, optimizer momentum': (' (bn running, optimizer momentum)', dict(bn_stats='running', mom='optimizer'))}

def _done(csv, keys):
    if not csv.exists(): return set()
    return set(map(tuple, pd.read_csv(csv)[keys].astype(str).values.tolist()))

def _append(csv, row):
    pd.DataFrame([row]).to_csv(csv, mode='a', header=not csv.exists(), index=False)

def grid(tasks=None):
    "Final accuracy of `fit_one_cycle(epochs, lr)` for every task, seed and LR; rows already in advice_grid.csv are kept"
    done = _done(GRID_CSV, ['task', 'seed', 'lr'])
    for t in tasks or TASKS:
        task = TASKS[t]
        for s in task.seeds:
            for lr in task.lrs:
                if (t, str(s), str(lr)) in done: continue
                learn = task.make(s)
                t0 = time.perf_counter()
                with learn.no_logging(), learn.no_bar(): task.fit(learn, task.epochs, lr)
                acc = float(learn.recorder.values[-1][-1])
                _append(GRID_CSV, dict(task=t, seed=s, lr=lr, epochs=task.epochs, accuracy=acc if math.isfinite(acc) else 0., seconds=time.perf_counter()-t0))
                print(f"{t} seed {s} lr {lr:g}: {acc:.4f}", flush=True)

def suggest(tasks=None):
    "Every contender's suggestions on fresh learners of every task and seed, into advice_suggestions.csv; lr_find2's curves into advice_curves.csv"
    done = _done(SUGG_CSV, ['task', 'seed', 'finder'])
    for t in tasks or TASKS:
        make = TASKS[t].make
        for s in seeds_of(t):
            if (t, str(s), 'fastai') not in done:
                learn = make(s)
                with learn.no_bar(): r = learn.lr_find(suggest_funcs=(valley, slide, steep, minimum), show_plot=False)
                for k,v in r._asdict().items(): _append(SUGG_CSV, dict(task=t, seed=s, finder='fastai', name=f'fastai {k}', lr=float(v)))
            if (t, str(s), 'torch-lr-finder') not in done:
                lr = torch_lr_finder(make(s))
                _append(SUGG_CSV, dict(task=t, seed=s, finder='torch-lr-finder', name='torch-lr-finder steepest', lr=lr if lr else np.nan))
            for bn,(_,kw) in PROBES.items():
                f = f'lr_find2 bn={bn}'
                if (t, str(s), f) in done or (bn != 'batch' and TASKS[t].transfer): continue  # the probe variants were chosen against before the transfer tasks
                learn = make(s)
                if kw.get('mom') == 'optimizer': learn.create_opt(); kw = {**kw, 'mom': learn.opt.hypers[0]['mom']}
                with learn.no_bar(): r = learn.lr_find2(show_plot=False, suggest_funcs=(valley, slide, steep, minimum), **kw)
                res = learn.lr_find2_result
                for k,v in r._asdict().items(): _append(SUGG_CSV, dict(task=t, seed=s, finder=f, name=f'lr_find2 {k}', lr=np.nan if v is None else v))
                met = next(iter(res.metrics))
                pd.DataFrame(dict(task=t, seed=s, bn_stats=bn, step=range(len(res.lr)), lr=res.lr, train_loss=res.train_loss,
                                  val_loss=res.val_loss, metric=res.metrics[met])).to_csv(HERE/'advice_curves.csv', mode='a',
                                  header=not (HERE/'advice_curves.csv').exists(), index=False)
            print(f"{t} seed {s}: suggestions done", flush=True)

def _regret_fn(grid_means):
    "Regret in points of accuracy at any LR of one task: grid's best mean minus the mean interpolated in log-LR (clamped at the grid's ends)"
    x,y = np.log10(grid_means.index.values),grid_means.values
    return lambda lr: np.nan if lr is None or not np.isfinite(lr) or lr <= 0 else 100*(y.max() - np.interp(np.log10(lr), x, y))

def boot_regrets(acc:pd.DataFrame, sugg:dict, n_boot:int=2000, seed:int=0, runs:dict|None=None) -> dict:
    """Bootstrap draws of each suggestion's mean regret on one task (`acc`: seed x LR accuracies; `sugg`: name -> LRs by seed): seeds drawn with
    replacement, each bringing its grid row and its suggestions; `runs`: name -> final accuracies by seed of runs that chose no LR"""
    rng,x,a = np.random.default_rng(seed),np.log10(acc.columns.values.astype(float)),100*acc.values
    idx = rng.integers(0, len(acc), (n_boot, len(acc)))
    means = [a[i].mean(0) for i in idx]
    out = {}
    for k,v in sugg.items():
        l = np.log10(v.reindex(acc.index).values.astype(float))
        out[k] = np.array([np.nanmean(m.max() - np.interp(l[i], x, m)) for i,m in zip(idx, means)])
    for k,v in (runs or {}).items():
        r = 100*v.reindex(acc.index).values.astype(float)
        out[k] = np.array([m.max() - np.nanmean(r[i]) for i,m in zip(idx, means)])
    return out

def _interval_lines(g, sg, tasks, names=('lr_find2 lr_max', 'fastai valley')):
    "How sure the headline numbers are: 95% bootstrap intervals of lr_max's regret per task and of the valley/lr_max ratio"
    draws = {t: boot_regrets(g[g.task == t].pivot(index='seed', columns='lr', values='accuracy'),
                             {n: sg[(sg.task == t) & (sg.name == n)].set_index('seed').lr.astype(float) for n in names}) for t in tasks}
    q = lambda d: np.nanquantile(d, [0.025, 0.975])
    rec,val = names
    ratio = np.mean([draws[t][val] for t in tasks], 0)/np.maximum(np.mean([draws[t][rec] for t in tasks], 0), 1e-9)
    md = ["", "## How sure", "", "Each task's seeds drawn with replacement 2,000 times, each seed bringing its grid row and its range test: "
          f"95% intervals of `{rec}`'s regret (the target is <= 1 on every task).", "",
          "| task | regret | 95% interval | target met? |", "|---|---|---|---|"]
    for t in tasks:
        lo,hi = q(draws[t][rec]); pt = sg[(sg.task == t) & (sg.name == rec)].regret.mean()
        md.append(f"| {t} | {pt:.1f} | {lo:.1f} to {hi:.1f} | {'yes' if hi <= 1 else 'no' if lo > 1 else 'cannot tell'} |")
    lo,hi = q(ratio)
    return md + ["", f"- `{val}`'s mean regret over `{rec}`'s: 95% interval **{lo:.1f}x to {hi:.1f}x** (target >= 3x)."]

def advised(lr):
    "The LR a user trains at after a suggestion: the suggestion, or `defaults.lr` (what `fit_one_cycle(n)` uses) when there is none"
    return defaults.lr if lr is None else lr

def range_tests(curves) -> dict:
    "`(task, seed, bn_stats)` -> `LRFind2Result` recomputed from the recorded curves with the package's current rules (`result_from_curves`)"
    return {k: result_from_curves(d.lr.values, d.train_loss.values, d.val_loss.values, {'accuracy': d.metric.values}, (valley, slide, steep, minimum))
            for k,d in curves.groupby(['task', 'seed', 'bn_stats'])}

def lr_find2_rows(results:dict):
    "lr_find2's suggestions from `range_tests`, one row each"
    return pd.DataFrame([dict(task=t, seed=s, finder=f'lr_find2 bn={bn}', name=f'lr_find2{PROBES[bn][0]} {k}',
                              lr=advised(v) if k == 'lr_max' else v)
                         for (t,s,bn),r in results.items() for k,v in r.suggestions._asdict().items()
                         if not k.startswith('clr_')])  # fit_clr's bounds are scored by `clr`

def candidate_rules():
    "The family `lr_max`'s rule was chosen from (name -> function of an `LRFind2Result`): what a leave-one-task-out check re-chooses among"
    from fastai_clr.lr_find2 import plateau_edge, advice_curve
    def at(r, i): return None if i is None else float(r.lr[i])
    def tmin(r): return at(r, best_index(r.train_smooth, True))
    curves = {'metric': lambda r: advice_curve(r.val_smooth, r.metrics_smooth), 'val loss': lambda r: (r.val_smooth, True)}
    def edge(r, c, tol): return plateau_edge(r.lr, *curves[c](r), tol)
    def best(r, c): return at(r, best_index(*curves[c](r)))
    def gm(a, b): return None if a is None or b is None else math.sqrt(a*b)
    def shade(v, k): return None if v is None else v/k
    def div(r, k):  # the highest LR before the smoothed training loss climbs past k times its minimum
        tl = r.train_smooth; i = best_index(tl, True); j = i
        while j+1 < len(tl) and np.isfinite(tl[j+1]) and tl[j+1] <= k*tl[i]: j += 1
        return float(r.lr[j])
    rules = {'lr_max': lambda r: r.suggestions.lr_max}
    for c in curves:
        rules[f'best {c}'] = lambda r, c=c: best(r, c)
        for tol in (0.03, 0.05, 0.1):
            for k in (1, 1.5, 2, 3): rules[f'{c} edge {tol} /{k}'] = lambda r, c=c, tol=tol, k=k: shade(edge(r, c, tol), k)
            rules[f'gm(train min, {c} edge {tol})'] = lambda r, c=c, tol=tol: gm(tmin(r), edge(r, c, tol))
            rules[f'gm(best {c}, {c} edge {tol})'] = lambda r, c=c, tol=tol: gm(best(r, c), edge(r, c, tol))
    for m in (1, 2, 3): rules[f'train min x{m}'] = lambda r, m=m: m*tmin(r)
    for k in (1.5, 2, 4):
        for d in (3, 10): rules[f'div {k} / {d}'] = lambda r, k=k, d=d: div(r, k)/d
    return rules

def loto(results:dict, means, tasks):
    "Leave one task out: choose the rule of `candidate_rules` with the least mean regret on the other tasks, score it on the one left out"
    rules,rows = candidate_rules(),[]
    for (t,s,bn),r in results.items():
        if bn != 'batch' or t not in tasks: continue
        reg = _regret_fn(means.loc[t])
        rows += [dict(rule=k, task=t, seed=s, regret=reg(advised(f(r)))) for k,f in rules.items()]
    tab = pd.DataFrame(rows).pivot_table(index='rule', columns='task', values='regret', aggfunc='mean')[tasks]
    out = [(t, (pick := tab.drop(columns=t).mean(1).idxmin()), tab.loc[pick, t]) for t in tasks]
    md = [f"## Leave one task out", "", f"Choosing among {len(rules)} rules (`candidate_rules`: plateau edges of the metric and of the validation loss at three "
          "tolerances, shaded by 1-3x, their peaks, multiples of the training minimum, divergence points, geometric means) by mean regret on all tasks but one, then scoring the choice on the one left out:", "",
          "| left out | rule chosen on the others | its regret there | lr_max's regret there |", "|---|---|---|---|"]
    md += [f"| {t} | {k} | {v:.1f} | {tab.loc['lr_max', t]:.1f} |" for t,k,v in out]
    md += ["", f"- Mean held-out regret **{np.mean([v for *_,v in out]):.2f}** (lr_max on all tasks {tab.loc['lr_max'].mean():.2f}): "
           "the honest estimate for a task the rule was not chosen on.", f"- Best rule on all tasks: {tab.mean(1).idxmin()} "
           f"({tab.mean(1).min():.2f}); lr_max ranks {int((tab.mean(1) < tab.loc['lr_max'].mean()).sum())+1} of {len(tab)}."]
    return md

CLR_CSV = HERE/'advice_clr.csv'

def clr(tasks=None):
    "`fit_clr` (one triangle over the run) between lr_find2's `clr_base_lr` and `clr_max_lr`, per task and seed, into advice_clr.csv"
    done = _done(CLR_CSV, ['task', 'seed'])
    results = range_tests(pd.read_csv(HERE/'advice_curves.csv'))
    for t in tasks or TASKS:
        make,epochs = TASKS[t].make,TASKS[t].epochs
        for s in seeds_of(t):
            if TASKS[t].transfer: break  # fit_clr trains from scratch; the transfer recipes are fine_tune and ULMFiT
            if (t, str(s)) in done or (t, s, 'batch') not in results: continue
            sg = results[t, s, 'batch'].suggestions
            if sg.clr_base_lr is None:  # the range test's metric never improved: no bounds to read, nothing to train
                _append(CLR_CSV, dict(task=t, seed=s, base_lr=np.nan, max_lr=np.nan, accuracy=np.nan)); continue
            learn = make(s)
            with learn.no_logging(), learn.no_bar():
                learn.fit_clr(epochs, sg.clr_base_lr, sg.clr_max_lr, step_size=max(1, epochs*len(learn.dls.train)//2))
            acc = float(learn.recorder.values[-1][-1])
            _append(CLR_CSV, dict(task=t, seed=s, base_lr=sg.clr_base_lr, max_lr=sg.clr_max_lr, accuracy=acc if math.isfinite(acc) else 0.))
            print(f"{t} seed {s} fit_clr({sg.clr_base_lr:.2g}, {sg.clr_max_lr:.2g}): {acc:.4f}", flush=True)

def _clr_lines(stats, tasks):
    "Points of `fit_clr` at lr_find2's bounds below the best `fit_one_cycle` of the grid, per task"
    if not CLR_CSV.exists(): return []
    c = pd.read_csv(CLR_CSV).groupby('task').agg(acc=('accuracy', 'mean'), n=('seed', 'count'), none=('base_lr', lambda v: int(v.isna().sum())),
                                                 base=('base_lr', 'median'), top=('max_lr', 'median'))
    rows = [f"| {t} | {c.loc[t, 'base']:.2g} | {c.loc[t, 'top']:.2g} | {100*c.loc[t, 'acc']:.1f} | {100*(stats.loc[t]['mean'].max() - c.loc[t, 'acc']):.1f} | {c.loc[t, 'none']} |"
            for t in tasks if t in c.index and c.loc[t, 'n'] == len(seeds_of(t))]
    return ["", "## fit_clr at lr_find2's bounds", "",
            "`fit_clr(epochs, clr_base_lr, clr_max_lr)`, one triangle over the run (step size half the run), same seeds and epochs; "
            "points below the grid's best `fit_one_cycle` (mean over the seeds with bounds; a range test whose metric never improves gives none).", "",
            "| task | base_lr (median) | max_lr (median) | fit_clr accuracy (%) | points below best one-cycle | seeds without bounds |", "|---|---|---|---|---|---|", *rows] if rows else []

LRFREE_CSV,COST_CSV = HERE/'advice_lrfree.csv',HERE/'advice_cost.csv'

def lr_free(tasks=None):
    "Final accuracy of every learning-rate-free contender (`advice_contenders.LR_FREE`) on every task and seed, same epochs: advice_lrfree.csv"
    for n,p in missing().items(): print(f"skipping {n}: `{p}` is not installed (pip install -e '.[bench]')", flush=True)
    done = _done(LRFREE_CSV, ['task', 'seed', 'contender'])
    for t in tasks or TASKS:
        task = TASKS[t]
        for s in task.seeds:
            for n in LR_FREE:
                if n in missing() or (t, str(s), n) in done: continue
                learn = task.make(s)
                t0 = time.perf_counter()
                acc = train_lr_free(learn, n, task.epochs, task.transfer)
                _append(LRFREE_CSV, dict(task=t, seed=s, contender=n, accuracy=acc, seconds=time.perf_counter()-t0))
                print(f"{t} seed {s} {n}: {acc:.4f}", flush=True)

def cost(tasks=None):
    "Seconds of each range test on every task (seed 0, fresh learners): advice_cost.csv; Lightning's is the same 100-step training-only test as fastai's"
    done = _done(COST_CSV, ['task', 'finder'])
    tests = {'fastai': lambda l: l.lr_find(show_plot=False), 'lr_find2': lambda l: l.lr_find2(show_plot=False), 'torch-lr-finder': torch_lr_finder}
    for t in tasks or TASKS:
        for f,run in tests.items():
            if (t, f) in done: continue
            learn = TASKS[t].make(TASKS[t].seeds[0])
            t0 = time.perf_counter()
            with learn.no_bar(): run(learn)
            _append(COST_CSV, dict(task=t, finder=f, seconds=time.perf_counter()-t0))

def lightning_rows(curves):
    "Lightning's suggestion on each recorded range test (at the optimizer's momentum, as Lightning runs it, where that curve was recorded)"
    rows = []
    if 'lightning suggestion' in missing():
        print("skipping Lightning's suggestion: `lightning` is not installed (pip install -e '.[bench]')"); return pd.DataFrame(columns=['task', 'seed', 'finder', 'name', 'lr'])
    for (t,s),d in curves.groupby(['task', 'seed']):
        d = d[d.bn_stats == ('optimizer momentum' if (d.bn_stats == 'optimizer momentum').any() else 'batch')].sort_values('step')
        for log,n in ((False, 'lightning suggestion'), (True, 'lightning suggestion (log-LR slope)')):
            rows.append(dict(task=t, seed=s, finder='lightning', name=n, lr=lightning_suggestion(d.lr.values, d.train_loss.values, log)))
    return pd.DataFrame(rows)

HEADLINE = ['lr_find2 lr_max', 'fastai valley', 'fastai minimum', 'fastai steep', 'fastai slide', 'torch-lr-finder steepest', 'lightning suggestion', 'lightning suggestion (log-LR slope)']
COST_OF = {'lr_find2 lr_max': 'lr_find2', 'torch-lr-finder steepest': 'torch-lr-finder'}  # contender -> its range test; the others read fastai's 100-step one

def run_regrets(runs:pd.DataFrame, means:dict) -> pd.DataFrame:
    "LR-free runs scored like suggestions: points of final accuracy below the grid's best `fit_one_cycle` mean, per seed"
    return runs.assign(name=runs.contender, regret=[100*(means[t].max() - a) for t,a in zip(runs.task, runs.accuracy)])

def boot_mean_regret(g, rows, names, tasks):
    "95% bootstrap interval of each name's regret averaged over `tasks` (`boot_regrets` per task: a suggestion's LR, or an LR-free run's accuracy)"
    draws = []
    for t in tasks:
        r = rows[rows.task == t]
        by_seed = lambda n, c: r[r.name == n].set_index('seed')[c]
        draws.append(boot_regrets(g[g.task == t].pivot(index='seed', columns='lr', values='accuracy'),
                                  {n: by_seed(n, 'lr') for n in names if n not in LR_FREE}, runs={n: by_seed(n, 'accuracy') for n in names if n in LR_FREE}))
    return {n: np.nanquantile(np.mean([d[n] for d in draws], 0), [0.025, 0.975]) for n in names}

def contender_table(g, rows, stats, tasks, title, costs, lrfree_s):
    "The headline table of one group of tasks: each contender's regret per task, mean with its 95% interval, worst, and extra seconds"
    names = [n for n in HEADLINE + list(LR_FREE) if n in set(rows.name)]
    tab = rows[rows.name.isin(names)].pivot_table(index='name', columns='task', values='regret', aggfunc='mean').reindex(columns=tasks)
    tab = tab[tab.notna().all(1)]
    ci = boot_mean_regret(g, rows, tab.index, tasks)
    tab['mean'],tab['max'] = tab[tasks].mean(1),tab[tasks].max(1)
    tab = tab.sort_values('mean')
    run_s = {t: g[g.task == t].seconds.mean() for t in tasks}
    def extra(n):  # a range test's seconds, or an LR-free run's seconds beyond a fit_one_cycle run's
        if n in LR_FREE: return np.mean([lrfree_s.get((t, n), np.nan) - run_s[t] for t in tasks])
        return np.mean([costs.get((t, COST_OF.get(n, 'fastai')), np.nan) for t in tasks])
    md = [f"## {title}", "", "| contender | " + " | ".join(tasks) + " | mean | 95% interval | max | extra s per task |", "|---|" + "---|"*(len(tasks)+4)]
    md += [f"| {n} | " + " | ".join(f"{v:.1f}" for v in r[tasks]) + f" | **{r['mean']:.1f}** | {ci[n][0]:.1f} to {ci[n][1]:.1f} | {r['max']:.1f} | {extra(n):+.1f} |"
           for n,r in tab.iterrows()]
    return md,tab

def score():
    "Regret tables (advice.md): contenders on the from-scratch and the transfer tasks, then every reading; plots in advice.png and advice_contenders.png"
    import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
    g = pd.read_csv(GRID_CSV)
    stats = g.groupby(['task', 'lr']).accuracy.agg(['mean', 'std', 'count'])
    tasks = [t for t in TASKS if t in stats.index.get_level_values(0) and stats.loc[t]['count'].min() == len(seeds_of(t))
             and len(stats.loc[t]) == len(TASKS[t].lrs)]
    curves = pd.read_csv(HERE/'advice_curves.csv')
    results = range_tests(curves)
    sg = pd.read_csv(SUGG_CSV)
    sg = pd.concat([sg[~sg.finder.str.startswith('lr_find2')], lr_find2_rows(results), lightning_rows(curves)])
    sg = sg[sg.task.isin(tasks)]
    reg = {t: _regret_fn(stats.loc[t]['mean']) for t in tasks}
    sg['regret'] = [reg[t](l) for t,l in zip(sg.task, sg.lr.astype(float))]
    means = {t: stats.loc[t]['mean'] for t in tasks}
    runs = pd.read_csv(LRFREE_CSV) if LRFREE_CSV.exists() else pd.DataFrame(columns=['task', 'seed', 'contender', 'accuracy', 'seconds'])
    runs = run_regrets(runs[runs.task.isin(tasks)], means)
    complete = runs.groupby(['task', 'name']).seed.count()
    runs = runs[np.array([complete[t, n] == len(seeds_of(t)) for t,n in zip(runs.task, runs.name)], dtype=bool)]
    rows = pd.concat([sg, runs], ignore_index=True)
    costs = pd.read_csv(COST_CSV).set_index(['task', 'finder']).seconds.to_dict() if COST_CSV.exists() else {}
    lrfree_s = runs.groupby(['task', 'name']).seconds.mean().to_dict()
    scratch,transfer = [t for t in tasks if t in SCRATCH],[t for t in tasks if t in TRANSFER]
    md_s,tab_s = contender_table(g, rows, stats, scratch, "From scratch: `fit_one_cycle(epochs, lr)` at each suggestion, against LR-free optimizers", costs, lrfree_s)
    md_t,tab_t = contender_table(g, rows, stats, transfer, "Fine-tuning a pretrained model: `fine_tune(epochs, base_lr)` (ULMFiT's recipe for text) at each suggestion of the frozen learner's range test", costs, lrfree_s) if transfer else ([], None)
    tab = sg[sg.task.isin(scratch)].pivot_table(index='name', columns='task', values='regret', aggfunc='mean')[scratch]
    tab['mean'],tab['max'] = tab[scratch].mean(1),tab[scratch].max(1)
    tab = tab.sort_values('mean')
    best = {t: f"{stats.loc[t]['mean'].idxmax():g} ({100*stats.loc[t]['mean'].max():.1f}%)" for t in tasks}
    fmt = lambda v: '' if not np.isfinite(v) else f'{v:.1f}'
    def headline(tb, group):
        if tb is None or 'lr_find2 lr_max' not in tb.index: return []
        rec,val = tb.loc['lr_find2 lr_max'],tb.loc['fastai valley', 'mean'] if 'fastai valley' in tb.index else np.nan
        others = tb.drop(index='lr_find2 lr_max')['mean']
        return ["", f"- {group}: `lr_find2 lr_max` mean regret **{rec['mean']:.2f}** points, worst task **{rec['max']:.2f}**; fastai `valley` {val:.2f} "
                f"(**{val/max(rec['mean'], 1e-9):.1f}x**); best other contender: {others.idxmin()} at {others.min():.2f}."]
    md = ["# LR advice: regret against a grid search", "",
          f"Each task's recipe over a grid of LRs ({len(SEEDS)} seeds each, fewer where a run is slow: "
          f"{', '.join(f'{TASKS[t].n_seeds} for {t}' for t in tasks if TASKS[t].n_seeds < len(SEEDS))}; `advice_grid.csv`); each finder run once per seed on a fresh learner "
          "(`advice_suggestions.csv`, its curves in `advice_curves.csv`); each LR-free optimizer trained once per seed with the same epochs (`advice_lrfree.csv`). "
          "Regret = points of final validation accuracy below the grid's best mean: at the suggested LR for a finder (log-LR interpolation of the grid's means; "
          "suggestions outside the grid are clamped to its ends, which understates their regret), of the run itself for an LR-free optimizer. Mean over seeds. Lower is better. "
          "The 95% interval is the bootstrap of the mean over the group's tasks (each task's seeds drawn with replacement, 2,000 times). "
          "*Extra s per task*: a range test's seconds (seed 0; Lightning's is a 100-step training-only test like fastai's), or an LR-free run's seconds beyond an Adam `fit_one_cycle` run's.", "",
          *md_s, *headline(tab_s, 'From scratch'), "", *md_t, *headline(tab_t, 'Fine-tuning'), "",
          "Best grid LR per task: " + "; ".join(f"{t} {b}" for t,b in best.items()), "",
          "Noise of the grid itself (standard error of the best LR's mean over seeds, points): "
          + "; ".join(f"{t} {100*stats.loc[t]['std'][stats.loc[t]['mean'].idxmax()]/math.sqrt(len(seeds_of(t))):.1f}" for t in tasks)
          + ". A regret below this cannot be told from zero.", "",
          "## Every reading, from scratch", "",
          f"{' and '.join(f'`{t}`' for t in HELD_OUT)} were added as a held-out check of the previous rule; the current one was chosen with every task in view, "
          "so the honest figure for a new task is the leave-one-task-out estimate at the end. "
          f"{' and '.join(f'`{t}`' for t in HELD_OUT_NOW)} were added after the current rule was chosen: their columns are its held-out check. "
          "The range test runs at `learn.moms[1]` since session 6 (the rows marked *optimizer momentum* are the same tests at the optimizer's own momentum); "
          f"that change was made after measuring five tasks, and {', '.join(f'`{t}`' for t in HELD_OUT_MOM)} were measured after it was made. "
          f"The transfer tasks ({', '.join(f'`{t}`' for t in transfer)}) were added after every rule was fixed: they are held out for all of them.", "",
          "A range test whose validation loss never improves gives no `lr_max`; it is scored at `defaults.lr`, the LR `fit_one_cycle(n)` then trains at.", "",
          "| suggestion | " + " | ".join(scratch) + " | mean | max |", "|---|" + "---|"*(len(scratch)+2)]
    md += [f"| {n} | " + " | ".join(fmt(v) for v in r.values) + " |" for n,r in tab.iterrows()]
    md += _interval_lines(g, sg, tasks) + _clr_lines(stats, scratch) + [""] + loto(results, stats['mean'], scratch)
    missing_tasks = [t for t in TASKS if t not in tasks]
    if missing_tasks: md += ["", f"Not scored (grid incomplete when this table was written): {', '.join(missing_tasks)}."]
    (HERE/'advice.md').write_text("\n".join(md) + "\n")
    _plot_tasks(plt, stats, sg, runs, tasks)
    _plot_contenders(plt, [(tb, grp) for tb,grp in ((tab_s, 'from scratch'), (tab_t, 'fine-tuning')) if tb is not None])
    print("\n".join(md))

def _plot_tasks(plt, stats, sg, runs, tasks):
    "advice.png: each task's grid (mean, std) with the median suggestion of each finder, and each LR-free optimizer's mean accuracy"
    show = ['fastai valley', 'fastai minimum', 'fastai steep', 'torch-lr-finder steepest', 'lightning suggestion', 'lr_find2 lr_max']
    nc = min(4, len(tasks)); nr = math.ceil(len(tasks)/nc)
    fig,axs = plt.subplots(nr, nc, figsize=(4.5*nc, 3.8*nr), squeeze=False)
    for ax in axs.flat[len(tasks):]: ax.axis('off')
    for ax,t in zip(axs.flat, tasks):
        st = stats.loc[t]
        ax.errorbar(st.index, 100*st['mean'], yerr=100*st['std'], fmt='-o', color='k', capsize=3, label='grid (mean, std)')
        for j,n in enumerate(show):
            v = sg[(sg.task == t) & (sg.name == n)].lr.astype(float).dropna()
            if len(v): ax.axvline(float(np.exp(np.log(v).median())), color=f'C{j}', ls='--', label=f'{n}')
        for j,(n,a) in enumerate(runs[runs.task == t].groupby('name').accuracy.mean().items()):
            ax.axhline(100*a, color=f'C{j+len(show)}', ls=':', label=f'{n} (no LR)')
        ax.set_xscale('log'); ax.set_xlabel('LR (log scale)'); ax.set_ylabel('final accuracy (%)'); ax.set_title(t)
    axs[0][0].legend(fontsize=6); fig.suptitle('Final accuracy vs LR, the median suggestion of each finder, and the LR-free optimizers'); fig.tight_layout()
    fig.savefig(HERE/'advice.png', dpi=90)

def _plot_contenders(plt, tabs):
    "advice_contenders.png: each contender's regret per task (a column of dots) and its mean, one panel per group of tasks"
    fig,axs = plt.subplots(1, len(tabs), figsize=(7*len(tabs), 4.5), squeeze=False)
    for ax,(tb,grp) in zip(axs[0], tabs):
        ts = [c for c in tb.columns if c not in ('mean', 'max')]
        for i,(n,r) in enumerate(tb.iterrows()):
            ax.scatter([i]*len(ts), r[ts], s=12, color='grey', alpha=0.7)
            ax.scatter([i], [r['mean']], s=60, color='C3' if n == 'lr_find2 lr_max' else 'C0', marker='_', linewidths=3)
        ax.set_xticks(range(len(tb))); ax.set_xticklabels(tb.index, rotation=60, ha='right', fontsize=7)
        ax.set_yscale('symlog', linthresh=1); ax.set_ylabel('regret (points; dots: tasks, bar: mean)'); ax.set_title(grp)
    fig.tight_layout(); fig.savefig(HERE/'advice_contenders.png', dpi=90)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('step', choices=['grid', 'suggest', 'clr', 'lr_free', 'cost', 'score', 'all'])  # score also writes the leave-one-task-out check
    p.add_argument('--tasks', nargs='*', default=None)
    p.add_argument('--threads', type=int, default=None)
    a = p.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    if a.step in ('grid', 'all'): grid(a.tasks)
    if a.step in ('suggest', 'all'): suggest(a.tasks)
    if a.step in ('clr', 'all'): clr(a.tasks)
    if a.step in ('lr_free', 'all'): lr_free(a.tasks)
    if a.step in ('cost', 'all'): cost(a.tasks)
    if a.step in ('score', 'all'): score()
