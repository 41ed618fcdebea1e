"""How good is an LR finder's advice? For each task (`advice_tasks.TASKS`), a grid of LRs for the task's recipe at the epochs a user
would run (several seeds), then every contender (`CONTENDERS`) on the same learners: a suggested LR read off a range test, scored by
regret (points of final accuracy below the grid's best mean, at the suggested LR by log-LR interpolation), or an LR-free optimizer's
run, scored by its own final accuracy. Range tests that read validation batches run on the validation set in class order (as
fastai's folder loaders give it) and shuffled. Everything computed is cached in `results/advice/` (CSV) and reused.
`python benchmarks/advice.py grid|suggest|bn_running|clr|runs|cost|sources|score|all` (`make bench-advice` runs them all)."""
import argparse, math, sys, time, warnings
from dataclasses import dataclass
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
import numpy as np, pandas as pd, torch
from fastcore.basics import ifnone
from fastai.basics import defaults
from fastai.callback.progress import ProgressCallback
from fastai.callback.schedule import valley, slide, steep, minimum
from fastai_clr.all import *
from advice_tasks import TASKS, SCRATCH, TRANSFER, SEEDS, SOURCES, with_valid_order, fine_tune, ulmfit, default_lr, source_accuracy
from advice_contenders import torch_lr_finder, lightning_suggestion, LR_FREE, missing, train_lr_free, final_accuracy

warnings.filterwarnings('ignore')
defaults.callbacks = [c for c in defaults.callbacks if c is not ProgressCallback]
HERE = Path(__file__).parent
RESULTS = HERE/'results'/'advice'  # cached runs (CSV) and plots; the report is advice.md
GRID_CSV,SUGG_CSV,CURVES_CSV,CLR_CSV = RESULTS/'grid.csv',RESULTS/'suggestions.csv',RESULTS/'curves.csv',RESULTS/'clr.csv'
BN_CSV = RESULTS/'curves_bn_running.csv'  # lr_find2(bn_stats='running'), to decide the probe's batch-norm mode
RUNS_CSV,COST_CSV,SOURCES_CSV = RESULTS/'runs.csv',RESULTS/'cost.csv',RESULTS/'sources.csv'
SF_GRID_CSV = RESULTS/'sf_grid.csv'  # schedule-free AdamW's fine-tuning recipe over each transfer task's LRs
SF = 'schedule-free AdamW'
SF_CHOICES_CSV = RESULTS/'fine_tune_sf.csv'  # the LR each `fine_tune_sf` run chose and the range test's `lr_max`
CHOICES_CSV,CHOICES_CURVES_CSV = RESULTS/'fine_tune2.csv',RESULTS/'fine_tune2_curves.csv'  # what each `fine_tune2` run chose, its range tests
ORDERS = ('class', 'shuffled')  # validation orders of the range tests; the headline is the class order users get from folders
FASTAI_FUNCS = (valley, slide, steep, minimum)

# ---- the contenders: one registry for the runs, the scoring and the report ----

@dataclass
class Contender:
    """How a contender is scored: an LR read off the range test `test` ('fastai', 'lr_find2', 'torch-lr-finder'; 'none': no test), or a whole run (`test='run'`,
    an LR-free optimizer or a recipe that picks its own LRs) scored by its accuracy; `reads_validation`: the validation order can move it"""
    test:str; reads_validation:bool=False; transfer_only:bool=False

def call_epochs(t) -> int:
    """The `epochs` that give a contender's recipe the task's epochs in all: a fine-tuning recipe (`fine_tune`'s, `fine_tune2`,
    `fine_tune_sf`, the LR-free ones) adds a frozen epoch to it, which ULMFiT's five stages already count (one frozen, then four)"""
    return TASKS[t].epochs - 1 if TASKS[t].fit is ulmfit else TASKS[t].epochs

def _fine_tune2(learn, t, seed):
    "`fine_tune2` for the task's epochs in all; what it chose goes to `CHOICES_CSV`"
    with learn.no_logging(), learn.no_bar(): ch = learn.fine_tune2(call_epochs(t))
    acc = final_accuracy(learn)
    _append(CHOICES_CSV, dict(task=t, seed=seed, head_lr=ch.head_lr, lr_max=ch.lr_max, lr_mult=ch.lr_mult, accuracy=acc))
    for name,res in {'frozen': ch.head_test, **{f'lr_mult={m:g}': r for m,r in ch.unfrozen_tests.items()}}.items():
        if res is not None: _record_curves(t, seed, name, res, CHOICES_CURVES_CSV)  # `val_order` holds the test's name
    return acc

def _fine_tune_sf(learn, t, seed):
    "`fine_tune_sf` for the task's epochs in all; the LR it chose and the test's `lr_max` go to `SF_CHOICES_CSV`"
    with learn.no_logging(), learn.no_bar(): ch = learn.fine_tune_sf(call_epochs(t))
    acc = final_accuracy(learn)
    _append(SF_CHOICES_CSV, dict(task=t, seed=seed, lr=ch.lr, lr_max=ch.lr_max, accuracy=acc))
    return acc

CONTENDERS = {
    'lr_find2 lr_max': Contender('lr_find2', reads_validation=True),
    'lr_find2 fine_tune2': Contender('run', reads_validation=True, transfer_only=True),
    'lr_find2 fine_tune_sf': Contender('run', reads_validation=True, transfer_only=True),
    **{f'fastai {f.__name__}': Contender('fastai') for f in FASTAI_FUNCS},
    "fastai's default LR": Contender('none'),  # `default_lr`: no range test at all
    'torch-lr-finder steepest': Contender('torch-lr-finder'),
    'lightning suggestion': Contender('fastai'),  # read off the recorded training curve: the cost of a 100-step training-only test
    'lightning suggestion (log-LR slope)': Contender('fastai'),
    **{n: Contender('run') for n in LR_FREE},
}
RUN_NAMES = [n for n,c in CONTENDERS.items() if c.test == 'run']

def seeds_of(t): return TASKS[t].seeds

def _done(csv, keys):
    if not csv.exists(): return set()
    return set(map(tuple, pd.read_csv(csv)[keys].astype(str).values.tolist()))

def _append(csv, row):
    csv.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame([row]).to_csv(csv, mode='a', header=not csv.exists(), index=False)

def advised(lr):
    "The LR a user trains at after a suggestion: the suggestion, or `defaults.lr` (what `fit_one_cycle(n)` uses) when there is none"
    return defaults.lr if lr is None or not np.isfinite(lr) else lr

# ---- running: each step appends what is missing to its CSV ----

def read_grid() -> pd.DataFrame:
    "grid.csv with `lr_mult` filled in: the recipe's default (`Task.default_mult`) where a row predates the column, NaN for recipes without one"
    g = pd.read_csv(GRID_CSV)
    if 'lr_mult' not in g: g['lr_mult'] = np.nan
    g['lr_mult'] = g.lr_mult.fillna(default_mults(g))
    return g

def default_mults(g:pd.DataFrame) -> pd.Series:
    "Each grid row's recipe default `lr_mult` (`Task.default_mult`; NaN for a recipe without one)"
    return g.task.map(lambda t: TASKS[t].default_mult if t in TASKS else None).astype(float)

def grid(tasks=None, n_seeds=None):
    "Final accuracy of each task's recipe for every seed (the first `n_seeds`), LR and `lr_mult` (where it sweeps one); rows already there are kept"
    g = read_grid() if GRID_CSV.exists() else pd.DataFrame(columns=['task', 'seed', 'lr', 'lr_mult'])
    done = set(zip(g.task, g.seed.astype(int), g.lr.astype(float), g.lr_mult.astype(float).fillna(-1)))
    for t in tasks or TASKS:
        task = TASKS[t]
        for m in task.lr_mults or (None,):
            for s in task.seeds[:n_seeds]:
                for lr in task.lrs:
                    if (t, s, float(lr), -1 if m is None else float(m)) in done: continue
                    learn = task.make(s)
                    t0 = time.perf_counter()
                    with learn.no_logging(), learn.no_bar(): task.fit(learn, task.epochs, lr, **({} if m is None else dict(lr_mult=m)))
                    acc = final_accuracy(learn)
                    _append(GRID_CSV, dict(task=t, seed=s, lr=lr, epochs=task.epochs, accuracy=acc,
                                           seconds=time.perf_counter()-t0, lr_mult=np.nan if m is None else m))
                    print(f"{t} seed {s} lr {lr:g}{'' if m is None else f' lr_mult {m:g}'}: {acc:.4f}", flush=True)

def _record_curves(t, s, order, res, csv=CURVES_CSV):
    "One `lr_find2` range test's raw curves, appended to `csv` (its readings are recomputed from them when scoring)"
    met = next(iter(res.metrics))
    pd.DataFrame(dict(task=t, seed=s, val_order=order, step=range(len(res.lr)), lr=res.lr, train_loss=res.train_loss,
                      val_loss=res.val_loss, metric=res.metrics[met])).to_csv(csv, mode='a', header=not csv.exists(), index=False)

def suggest(tasks=None):
    "Range tests on fresh learners of every task and seed: fastai's and torch-lr-finder's once (suggestions.csv), lr_find2's per validation order (curves.csv)"
    done,curves_done = _done(SUGG_CSV, ['task', 'seed', 'finder']),_done(CURVES_CSV, ['task', 'seed', 'val_order'])
    for t in tasks or TASKS:
        make = TASKS[t].make
        for s in seeds_of(t):
            if (t, str(s), 'fastai') not in done:
                learn = make(s)
                with learn.no_bar(): r = learn.lr_find(suggest_funcs=FASTAI_FUNCS, show_plot=False)
                for k,v in r._asdict().items(): _append(SUGG_CSV, dict(task=t, seed=s, finder='fastai', name=f'fastai {k}', lr=float(v)))
            if (t, str(s), 'torch-lr-finder') not in done:
                lr = torch_lr_finder(make(s))
                _append(SUGG_CSV, dict(task=t, seed=s, finder='torch-lr-finder', name='torch-lr-finder steepest', lr=lr if lr else np.nan))
            for order in ORDERS:
                if (t, str(s), order) in curves_done: continue
                learn = with_valid_order(make(s), order)
                with learn.no_bar(): learn.lr_find2(show_plot=False, suggest_funcs=FASTAI_FUNCS)
                _record_curves(t, s, order, learn.lr_find2_result)
            print(f"{t} seed {s}: range tests done", flush=True)

BN_TASKS = ('mnist1d_cnn', 'digits_cnn', 'tabular', 'tabular_digits', 'folder_resnet18', 'ft_vision_resnet18')

def bn_running(tasks=None, n_seeds:int|None=4):
    "lr_find2 with `bn_stats='running'` (fastai's validation as it is) on tasks with batch norm, both validation orders: curves_bn_running.csv"
    done = _done(BN_CSV, ['task', 'seed', 'val_order'])
    for t in tasks or BN_TASKS:
        for s in seeds_of(t)[:n_seeds]:
            for order in ORDERS:
                if (t, str(s), order) in done: continue
                learn = with_valid_order(TASKS[t].make(s), order)
                with learn.no_bar(): learn.lr_find2(show_plot=False, suggest_funcs=FASTAI_FUNCS, bn_stats='running')
                _record_curves(t, s, order, learn.lr_find2_result, BN_CSV)
            print(f"{t} seed {s}: bn_stats='running' range tests done", flush=True)

def bn_lines(d) -> list:
    "lr_max's regret with the probe's batch norm on batch statistics (the default) and on running ones, per task and validation order"
    if not BN_CSV.exists(): return []
    run = range_tests(pd.read_csv(BN_CSV))
    md = ["| task | seeds | order | bn_stats='batch' | bn_stats='running' |", "|---|---|---|---|---|"]
    for t in [t for t in BN_TASKS if t in d['tasks']]:
        reg = _regret_fn(d['stats'].loc[t]['mean'], d['best'][t])
        seeds = [s for s in seeds_of(t) if all((t, s, o) in run for o in ORDERS)]
        if not seeds: continue
        for o in ORDERS:
            b,r = [np.mean([reg(advised(res[t, s, o].suggestions.lr_max)) for s in seeds]) for res in (d['results'], run)]
            md.append(f"| {t} | {len(seeds)} | {o} | {b:.1f} | {r:.1f} |")
    return ["", "## Batch norm in the probe", "", "`lr_max`'s regret (points) with the probe normalising each validation batch by its own "
            "statistics (`bn_stats='batch'`, the default) and by the running statistics (`'running'`, fastai's validation as it is), "
            "on the same seeds:", "", *md] if len(md) > 2 else []

def range_tests(curves) -> dict:
    "`(task, seed, val_order)` -> `LRFind2Result` recomputed from the recorded curves with the package's current rules"
    return {k: result_from_curves(d.lr.values, d.train_loss.values, d.val_loss.values, {'accuracy': d.metric.values}, FASTAI_FUNCS)
            for k,d in curves.groupby(['task', 'seed', 'val_order'])}

def clr(tasks=None):
    "`fit_clr` (one triangle over the run) between lr_find2's `clr_base_lr` and `clr_max_lr` (class-ordered validation), per task and seed"
    done = _done(CLR_CSV, ['task', 'seed'])
    results = range_tests(pd.read_csv(CURVES_CSV))
    for t in tasks or SCRATCH:  # fit_clr trains from scratch; the transfer recipes are fine_tune and ULMFiT
        for s in seeds_of(t):
            if (t, str(s)) in done or (t, s, 'class') not in results: continue
            sg = results[t, s, 'class'].suggestions
            if sg.clr_base_lr is None:  # the range test's metric never improved: no bounds to read, nothing to train
                _append(CLR_CSV, dict(task=t, seed=s, base_lr=np.nan, max_lr=np.nan, accuracy=np.nan)); continue
            learn = TASKS[t].make(s)
            with learn.no_logging(), learn.no_bar():
                learn.fit_clr(TASKS[t].epochs, sg.clr_base_lr, sg.clr_max_lr, step_size=max(1, TASKS[t].epochs*len(learn.dls.train)//2))
            acc = final_accuracy(learn)
            _append(CLR_CSV, dict(task=t, seed=s, base_lr=sg.clr_base_lr, max_lr=sg.clr_max_lr, accuracy=acc))
            print(f"{t} seed {s} fit_clr({sg.clr_base_lr:.2g}, {sg.clr_max_lr:.2g}): {acc:.4f}", flush=True)

OUR_RECIPES = {'lr_find2 fine_tune2': _fine_tune2, 'lr_find2 fine_tune_sf': _fine_tune_sf}  # run contenders that are this package's calls

def run_once(name, learn, t, seed) -> float:
    "Final accuracy of run contender `name` trained on `learn` (task `t`): an LR-free optimizer by its recipe, or a recipe of this package"
    return OUR_RECIPES[name](learn, t, seed) if name in OUR_RECIPES else train_lr_free(learn, name, call_epochs(t), TASKS[t].transfer)

def runs(tasks=None, names=None):
    "Every run contender (LR-free optimizers, `fine_tune2`, `fine_tune_sf`) on every task and seed it applies to, same epochs: runs.csv"
    for n,p in missing().items(): print(f"skipping {n}: `{p}` is not installed (pip install -e '.[bench]')", flush=True)
    done = _done(RUNS_CSV, ['task', 'seed', 'contender'])
    for t in tasks or TASKS:
        task = TASKS[t]
        for n,c in CONTENDERS.items():
            if c.test != 'run' or (names and n not in names) or n in missing() or (c.transfer_only and not task.transfer): continue
            for s in task.seeds:
                if (t, str(s), n) in done: continue
                learn = task.make(s)
                if c.reads_validation: learn = with_valid_order(learn, ORDERS[0])
                t0 = time.perf_counter()
                acc = run_once(n, learn, t, s)
                _append(RUNS_CSV, dict(task=t, seed=s, contender=n, accuracy=acc, seconds=time.perf_counter()-t0))
                print(f"{t} seed {s} {n}: {acc:.4f}", flush=True)

def sf_grid(tasks=None):
    "Final accuracy of schedule-free AdamW's fine-tuning recipe (frozen epoch, then unfrozen, one LR for all groups) at each transfer task's LRs: sf_grid.csv"
    done = _done(SF_GRID_CSV, ['task', 'seed', 'lr'])
    for t in tasks or TRANSFER:
        task = TASKS[t]
        for s in task.seeds:
            for lr in task.lrs:
                if (t, str(s), str(float(lr))) in done: continue
                learn = task.make(s)
                t0 = time.perf_counter()
                acc = train_lr_free(learn, SF, call_epochs(t), transfer=True, lr=lr)
                _append(SF_GRID_CSV, dict(task=t, seed=s, lr=float(lr), accuracy=acc, seconds=time.perf_counter()-t0))
                print(f"{t} seed {s} lr {lr:g} {SF}: {acc:.4f}", flush=True)

def sources(tasks=None):
    "Each transfer task's backbone: what it was pretrained on and its accuracy there (pretraining it if not cached): sources.csv"
    done = _done(SOURCES_CSV, ['task'])
    for t in tasks or TRANSFER:
        if (t,) in done or t not in SOURCES: continue
        _append(SOURCES_CSV, dict(task=t, source=SOURCES[t][2], source_accuracy=source_accuracy(t)))

def cost(tasks=None):
    "Seconds of each range test on every task (seed 0, fresh learners): cost.csv"
    done = _done(COST_CSV, ['task', 'finder'])
    tests = {'fastai': lambda l: l.lr_find(show_plot=False), 'lr_find2': lambda l: l.lr_find2(show_plot=False), 'torch-lr-finder': torch_lr_finder}
    for t in tasks or TASKS:
        for f,run in tests.items():
            if (t, f) in done: continue
            learn = TASKS[t].make(TASKS[t].seeds[0])
            t0 = time.perf_counter()
            with learn.no_bar(): run(learn)
            _append(COST_CSV, dict(task=t, finder=f, seconds=time.perf_counter()-t0))

# ---- scoring: load what is cached, turn it into regrets, write the report ----

def line_at(line:pd.Series, lr):
    "A grid line's mean (`line`: LR -> mean accuracy) at `lr` (a number or an array), interpolated in log-LR and clamped at its ends"
    return np.interp(np.log10(lr), np.log10(line.index.values.astype(float)), line.values)

def _regret_fn(grid_means, best=None):
    "Regret in points at any LR of one task: the grid's `best` mean (default: the line's) minus the line's mean at that LR (`line_at`)"
    top = ifnone(best, grid_means.max())
    return lambda lr: np.nan if lr is None or not np.isfinite(lr) or lr <= 0 else 100*(top - line_at(grid_means, lr))

def boot_regrets(acc:pd.DataFrame, sugg:dict, n_boot:int=2000, seed:int=0, runs:dict|None=None, acc_all:pd.DataFrame|None=None) -> dict:
    """Bootstrap draws of each suggestion's mean regret on one task (`acc`: seed x LR accuracies; `sugg`: name -> LRs by seed): seeds
    drawn with replacement, each bringing its grid row and its suggestions; `runs`: name -> final accuracies by seed of whole runs;
    `acc_all`: seed x every cell of a 2-D grid, whose best mean is then the one regrets are counted from"""
    rng,x,a = np.random.default_rng(seed),np.log10(acc.columns.values.astype(float)),100*acc.values
    idx = rng.integers(0, len(acc), (n_boot, len(acc)))
    means = [a[i].mean(0) for i in idx]
    tops = [m.max() for m in means] if acc_all is None else [np.nanmax(np.nanmean(100*acc_all.reindex(acc.index).values[i], 0)) for i in idx]
    out = {}
    for k,v in sugg.items():
        l = np.log10(v.reindex(acc.index).values.astype(float))
        out[k] = np.array([np.nanmean(top - np.interp(l[i], x, m)) for i,m,top in zip(idx, means, tops)])
    for k,v in (runs or {}).items():
        r = 100*v.reindex(acc.index).values.astype(float)
        out[k] = np.array([top - np.nanmean(r[i]) for i,top in zip(idx, tops)])
    return out

def lightning_rows(curves) -> pd.DataFrame:
    "Lightning's suggestion function on each recorded training curve (the training is the same whatever the validation order)"
    if 'lightning suggestion' in missing():
        print("skipping Lightning's suggestion: `lightning` is not installed (pip install -e '.[bench]')")
        return pd.DataFrame(columns=['task', 'seed', 'name', 'lr'])
    rows = []
    for (t,s),d in curves[curves.val_order == ORDERS[0]].groupby(['task', 'seed']):
        d = d.sort_values('step')
        for log,n in ((False, 'lightning suggestion'), (True, 'lightning suggestion (log-LR slope)')):
            rows.append(dict(task=t, seed=s, name=n, lr=lightning_suggestion(d.lr.values, d.train_loss.values, log)))
    return pd.DataFrame(rows)

def _complete(stats, t):
    "Whether task `t`'s grid has every seed at every LR"
    st = stats.loc[t] if t in stats.index.get_level_values(0) else None
    return st is not None and st['count'].min() >= len(seeds_of(t)) and len(st) == len(TASKS[t].lrs)  # a grid may have more seeds

def load() -> dict:
    "What the steps cached: the grid and its per-LR statistics, the tasks scored (grid and range tests complete), range tests, rows"
    g_all = read_grid()
    g = g_all[g_all.lr_mult.isna() | (g_all.lr_mult == default_mults(g_all))]  # the line suggestions are scored on: each recipe's default lr_mult
    stats = g.groupby(['task', 'lr']).accuracy.agg(['mean', 'std', 'count'])
    curves = pd.read_csv(CURVES_CSV)
    results = range_tests(curves)
    tasks = [t for t in TASKS if _complete(stats, t) and all((t, s, o) in results for s in seeds_of(t) for o in ORDERS)]
    read = lambda f, cols: pd.read_csv(f) if f.exists() else pd.DataFrame(columns=cols)
    cells = g_all[g_all.task.isin(tasks)].groupby(['task', 'lr_mult', 'lr'], dropna=False).accuracy.agg(['mean', 'std', 'count'])
    return dict(grid=g[g.task.isin(tasks)], grid_all=g_all[g_all.task.isin(tasks)], stats=stats, cells=cells, tasks=tasks, curves=curves,
                results=results, best={t: cells.loc[t]['mean'].max() for t in tasks}, sugg=read(SUGG_CSV, ['task', 'seed', 'name', 'lr']),
                runs=read(RUNS_CSV, ['task', 'seed', 'contender', 'accuracy', 'seconds']), costs=read(COST_CSV, ['task', 'finder', 'seconds']))

def acc_all(d, t) -> pd.DataFrame:
    "Task `t`'s grid as seed x (lr_mult, lr) accuracies: every cell of a 2-D grid"
    return d['grid_all'][d['grid_all'].task == t].assign(m=lambda x: x.lr_mult.fillna(-1)).pivot_table(index='seed', columns=['m', 'lr'], values='accuracy')

def lr_find2_rows(results:dict) -> pd.DataFrame:
    "Every reading of every lr_find2 range test (`lr_find2 lr_max` scored at `advised`), with its validation order"
    return pd.DataFrame([dict(task=t, seed=s, val_order=o, name=f'lr_find2 {k}', lr=advised(v) if k == 'lr_max' else (np.nan if v is None else v))
                         for (t,s,o),r in results.items() for k,v in r.suggestions._asdict().items() if not k.startswith('clr_')])

def regrets(d:dict) -> pd.DataFrame:
    "One row per task, seed, validation order and contender (or lr_find2 reading): its LR or LR-free accuracy, and its regret"
    means = {t: d['stats'].loc[t]['mean'] for t in d['tasks']}
    every_order = lambda df: pd.concat([df.assign(val_order=o) for o in ORDERS])  # a training-only test or a run reads no validation batch
    runs = d['runs'][d['runs'].contender.isin([n for n,c in CONTENDERS.items() if c.test == 'run'])].rename(columns={'contender': 'name'})
    n_runs = runs.groupby(['task', 'name']).seed.transform('count')
    runs = runs[n_runs.values == np.array([len(seeds_of(t)) if t in TASKS else -1 for t in runs.task])]  # only complete contenders
    reads = runs.name.map(lambda n: CONTENDERS[n].reads_validation).astype(bool)  # run on the class-ordered learner only
    defaults_ = pd.DataFrame([dict(task=t, seed=s, name="fastai's default LR", lr=default_lr(TASKS[t].fit)) for t in d['tasks'] for s in seeds_of(t)])
    rows = pd.concat([lr_find2_rows(d['results']), every_order(d['sugg'][['task', 'seed', 'name', 'lr']]), every_order(lightning_rows(d['curves'])),
                      every_order(defaults_),
                      every_order(runs[~reads]), runs[reads].assign(val_order=ORDERS[0])], ignore_index=True)
    rows = rows[rows.task.isin(d['tasks'])].copy()
    reg = {t: _regret_fn(means[t], d['best'][t]) for t in d['tasks']}
    is_run = rows.name.map(lambda n: n in CONTENDERS and CONTENDERS[n].test == 'run').astype(bool)
    rows['regret'] = [100*(d['best'][t] - a) if r else reg[t](float(l))
                      for t,r,l,a in zip(rows.task, is_run, rows.lr, rows.get('accuracy', pd.Series(np.nan, index=rows.index)))]
    return rows

def extra_seconds(d, rows, name, tasks) -> float:
    "Seconds a contender adds per task: its range test's (seed 0), or an LR-free run's beyond a grid run's"
    test = CONTENDERS[name].test
    if test == 'run':
        r = rows[(rows.name == name) & rows.task.isin(tasks) & (rows.val_order == ORDERS[0])].groupby('task').seconds.mean()
        return float(np.nanmean([r.get(t, np.nan) - d['grid'][d['grid'].task == t].seconds.mean() for t in tasks]))  # a fine-tuning recipe: its tasks
    if test == 'none': return 0.
    c = d['costs'].set_index(['task', 'finder']).seconds
    return float(np.mean([c.get((t, test), np.nan) for t in tasks]))

def boot_mean_regret(d, rows, names, tasks, order) -> dict:
    "95% bootstrap interval of each contender's regret averaged over `tasks` (`boot_regrets` per task) with validation in `order`"
    draws = []
    for t in tasks:
        r = rows[(rows.task == t) & (rows.val_order == order)]
        by_seed = lambda n, c: r[r.name == n].set_index('seed')[c].astype(float)
        acc = d['grid'][d['grid'].task == t].pivot(index='seed', columns='lr', values='accuracy')
        draws.append(boot_regrets(acc, {n: by_seed(n, 'lr') for n in names if n not in RUN_NAMES},
                                  runs={n: by_seed(n, 'accuracy') for n in names if n in RUN_NAMES}, acc_all=acc_all(d, t)))
    return {n: np.nanquantile(np.mean([dr[n] for dr in draws], 0), [0.025, 0.975]) for n in names}

def _groups(d): return [(g, [t for t in d['tasks'] if t in ts]) for g,ts in (('from scratch', SCRATCH), ('fine-tuning', TRANSFER))]

def headline(d, rows) -> tuple:
    "The headline table: each contender's mean regret from scratch and fine-tuning, class-ordered and shuffled validation, and its cost"
    cols,tab = [],{}
    for grp,ts in _groups(d):
        for o in ORDERS:
            m = rows[rows.task.isin(ts) & (rows.val_order == o)].pivot_table(index='name', columns='task', values='regret', aggfunc='mean')
            m = m.reindex(columns=ts)
            tab[f'{grp}, {o} order'] = m[m.notna().all(1)].mean(1)
            cols.append(f'{grp}, {o} order')
    tab = pd.DataFrame(tab).reindex([n for n in CONTENDERS if n in set(rows.name)]).sort_values(cols[0])
    tab['extra s per task'] = [extra_seconds(d, rows, n, d['tasks']) for n in tab.index]
    fmt = lambda v: '' if not np.isfinite(v) else f'{v:.1f}'
    md = ["| contender | " + " | ".join(tab.columns) + " |", "|---|" + "---|"*len(tab.columns)]
    md += [f"| {'**'+n+'**' if n == 'lr_find2 lr_max' else n} | " + " | ".join(fmt(v) for v in r.values[:-1]) + f" | {r.values[-1]:+.1f} |"
           for n,r in tab.iterrows()]
    return md,tab

def order_shift(d) -> tuple:
    "Per task: how far `lr_max` moves between class-ordered and shuffled validation, in decades (median and largest over seeds)"
    res,out = d['results'],[]
    for t in d['tasks']:
        sh = [abs(math.log10(a/b)) for s in seeds_of(t) if (a := res[t, s, 'class'].suggestions.lr_max) and (b := res[t, s, 'shuffled'].suggestions.lr_max)]
        out.append((t, float(np.median(sh)) if sh else np.nan, float(np.max(sh)) if sh else np.nan))
    md = ["| task | median shift (decades) | largest shift | within a third of a decade? |", "|---|---|---|---|"]
    md += [f"| {t} | {m:.2f} | {x:.2f} | {'yes' if m <= 1/3 else 'no'} |" for t,m,x in out]
    return md,out

def group_table(d, rows, grp, ts, order) -> list:
    "One group's detail: each contender's regret per task with `order` validation, mean with its 95% interval, worst, extra seconds"
    r = rows[rows.task.isin(ts) & (rows.val_order == order) & rows.name.isin(list(CONTENDERS))]
    tab = r.pivot_table(index='name', columns='task', values='regret', aggfunc='mean').reindex(columns=ts)
    tab = tab[tab.notna().all(1)]
    ci = boot_mean_regret(d, rows, tab.index, ts, order)
    tab['mean'],tab['max'] = tab[ts].mean(1),tab[ts].max(1)
    tab = tab.sort_values('mean')
    md = [f"### {grp.capitalize()}, validation in {order} order", "",
          "| contender | " + " | ".join(ts) + " | mean | 95% interval | max | extra s per task |", "|---|" + "---|"*(len(ts)+4)]
    md += [f"| {n} | " + " | ".join(f"{v:.1f}" for v in q[ts]) + f" | **{q['mean']:.1f}** | {ci[n][0]:.1f} to {ci[n][1]:.1f} | {q['max']:.1f} | "
           f"{extra_seconds(d, rows, n, ts):+.1f} |" for n,q in tab.iterrows()]
    return md

def how_sure(d, rows, order='class') -> list:
    "95% bootstrap intervals of lr_max's regret per task (validation in `order`)"
    md = ["| task | lr_max regret | 95% interval | grid noise (s.e. of the best LR's mean) |", "|---|---|---|---|"]
    for t in d['tasks']:
        r = rows[(rows.task == t) & (rows.val_order == order) & (rows.name == 'lr_find2 lr_max')]
        acc = d['grid'][d['grid'].task == t].pivot(index='seed', columns='lr', values='accuracy')
        lo,hi = np.nanquantile(boot_regrets(acc, {'x': r.set_index('seed').lr.astype(float)}, acc_all=acc_all(d, t))['x'], [0.025, 0.975])
        st = d['stats'].loc[t]
        md.append(f"| {t} | {r.regret.mean():.1f} | {lo:.1f} to {hi:.1f} | {100*st['std'][st['mean'].idxmax()]/math.sqrt(len(seeds_of(t))):.1f} |")
    return md

def grid_2d(d) -> list:
    "Each 2-D grid (`fine_tune`'s base_lr x lr_mult): per lr_mult the best base_lr, its mean and standard error over seeds; is it on the LR grid's edge?"
    md = ["| task | lr_mult | best base_lr | mean accuracy (%) | s.e. (points) | seeds | on the LR grid's edge? |", "|---|---|---|---|---|---|---|"]
    for t in d['tasks']:
        c = d['cells'].loc[t]
        if len(c.index.get_level_values(0).unique()) < 2: continue
        top = c['mean'].idxmax()
        for m,cm in c.groupby(level=0):
            (_,lr),q = cm['mean'].idxmax(),cm.loc[cm['mean'].idxmax()]
            edge = lr in (min(TASKS[t].lrs), max(TASKS[t].lrs))
            md.append(f"| {t} | {m:g} | {lr:g} | {'**' if (m, lr) == top else ''}{100*q['mean']:.1f}{'**' if (m, lr) == top else ''} | "
                      f"{100*q['std']/math.sqrt(q['count']):.1f} | {int(q['count'])} | {'yes' if edge else 'no'} |")
    return md if len(md) > 2 else []

def transfer_tasks(d) -> list:
    "The transfer tasks: what each backbone was pretrained on, its accuracy there (`sources.csv`), and the target task"
    if not SOURCES_CSV.exists(): return []
    src = pd.read_csv(SOURCES_CSV).set_index('task')
    doc = lambda f: (getattr(f, 'func', f).__doc__ or '').strip()
    md = ["| task | backbone pretrained on | its accuracy there | the task's learner |", "|---|---|---|---|"]
    md += [f"| {t} | {src.loc[t, 'source']} | {100*src.loc[t, 'source_accuracy']:.1f}% | {doc(TASKS[t].make)} |" for t in d['tasks'] if t in src.index]
    return md if len(md) > 2 else []

def ratio_or_optimizer(d, rows) -> list:
    """Where an LR-free optimizer beats `fine_tune`: the grid's best cell at fastai's `lr_mult=100` and at one LR for every group (`lr_mult=1`,
    what the LR-free recipes run), against each LR-free run: the ratio's share of the gap and the optimizer's and schedule's"""
    ts = [t for t in d['tasks'] if t in TRANSFER and TASKS[t].lr_mults]
    free = [n for n in RUN_NAMES if n in LR_FREE]
    if not ts: return []
    md = ["| task | best `fine_tune`, lr_mult=100 | best `fine_tune`, lr_mult=1 | " + " | ".join(free) + " |", "|---|---|---|" + "---|"*len(free)]
    for t in ts:
        c = d['cells'].loc[t]['mean']
        run = rows[(rows.task == t) & (rows.val_order == ORDERS[0])].groupby('name').accuracy.mean()
        cell = lambda m: f"{100*c.loc[m].max():.1f}" if m in c.index.get_level_values(0) else ''
        md.append(f"| {t} | {cell(100.)} | {cell(1.)} | " + " | ".join(f"{100*run[n]:.1f}" if n in run else '' for n in free) + " |")
    return md

def schedule_free_line(d) -> list:
    """Schedule-free AdamW's fine-tuning recipe over each transfer task's LRs (`sf_grid.csv`): its best LR against the best `fine_tune` cell, and
    where its default LR, `fine_tune_sf`'s LR (the mean LR of the one-cycle its range test advises) and that test's `lr_max` land on the line"""
    if not SF_GRID_CSV.exists() or not SF_CHOICES_CSV.exists(): return []
    g,ch = pd.read_csv(SF_GRID_CSV),pd.read_csv(SF_CHOICES_CSV)
    md = ["| task | best LR | its accuracy | best `fine_tune` cell | at the default 2.5e-3 | `fine_tune_sf`'s LR (median) | there, on the line | "
          "at the test's `lr_max` | `fine_tune_sf` runs |", "|---|---|---|---|---|---|---|---|---|"]
    for t in [t for t in d['tasks'] if t in TRANSFER]:
        line = g[g.task == t].groupby('lr').accuracy.agg(['mean', 'count'])
        c = ch[ch.task == t]
        if len(line) < len(TASKS[t].lrs) or line['count'].min() < len(seeds_of(t)) or len(c) < len(seeds_of(t)): continue
        at = lambda lrs: 100*np.mean(line_at(line['mean'], np.asarray(lrs, float)))
        md.append(f"| {t} | {line['mean'].idxmax():g} | {100*line['mean'].max():.1f} | {100*d['best'][t]:.1f} | {at([LR_FREE[SF][2]]):.1f} | "
                  f"{c.lr.median():.2g} | {at(c.lr):.1f} | {at(c.lr_max.fillna(defaults.lr)):.1f} | {100*c.accuracy.mean():.1f} |")
    return md if len(md) > 2 else []

def every_reading(d, rows, order='class') -> list:
    "Every reading of every range test, from scratch, validation in `order` (a collapsed section of the report)"
    ts = [t for g,ts in _groups(d) if g == 'from scratch' for t in ts]
    tab = rows[rows.task.isin(ts) & (rows.val_order == order) & ~rows.name.isin(RUN_NAMES)]
    tab = tab.pivot_table(index='name', columns='task', values='regret', aggfunc='mean').reindex(columns=ts)
    tab['mean'],tab['max'] = tab[ts].mean(1),tab[ts].max(1)
    fmt = lambda v: '' if not np.isfinite(v) else f'{v:.1f}'
    return ["<details><summary>Every reading of every range test, from scratch, validation in class order</summary>", "",
            "| reading | " + " | ".join(ts) + " | mean | max |", "|---|" + "---|"*(len(ts)+2),
            *[f"| {n} | " + " | ".join(fmt(v) for v in q.values) + " |" for n,q in tab.sort_values('mean').iterrows()], "", "</details>"]

def _clr_lines(d) -> list:
    "Points of `fit_clr` at lr_find2's bounds below the best `fit_one_cycle` of the grid, per from-scratch task"
    if not CLR_CSV.exists(): return []
    c = pd.read_csv(CLR_CSV).groupby('task').agg(acc=('accuracy', 'mean'), n=('seed', 'count'), none=('base_lr', lambda v: int(v.isna().sum())),
                                                 base=('base_lr', 'median'), top=('max_lr', 'median'))
    st = d['stats']
    rows = [f"| {t} | {c.loc[t, 'base']:.2g} | {c.loc[t, 'top']:.2g} | {100*c.loc[t, 'acc']:.1f} | {100*(st.loc[t]['mean'].max() - c.loc[t, 'acc']):.1f} | "
            f"{c.loc[t, 'none']} |" for t in d['tasks'] if t in SCRATCH and t in c.index and c.loc[t, 'n'] == len(seeds_of(t))]
    return ["", "## fit_clr at lr_find2's bounds", "",
            "`fit_clr(epochs, clr_base_lr, clr_max_lr)`, one triangle over the run (step size half the run), same seeds and epochs, bounds from the "
            "class-ordered range test; points below the grid's best `fit_one_cycle` (mean over the seeds with bounds).", "",
            "| task | base_lr (median) | max_lr (median) | fit_clr accuracy (%) | points below best one-cycle | seeds without bounds |",
            "|---|---|---|---|---|---|", *rows] if rows else []

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
        for dv in (3, 10): rules[f'div {k} / {dv}'] = lambda r, k=k, dv=dv: div(r, k)/dv
    return rules

def loto(d, order='class') -> list:
    "Leave one task out: choose the rule of `candidate_rules` with the least mean regret on the other from-scratch tasks, score it on the one left out"
    rules,rows = candidate_rules(),[]
    tasks = [t for t in d['tasks'] if t in SCRATCH]
    if len(tasks) < 2: return []
    for (t,s,o),r in d['results'].items():
        if o != order or t not in tasks: continue
        reg = _regret_fn(d['stats'].loc[t]['mean'], d['best'][t])
        rows += [dict(rule=k, task=t, seed=s, regret=reg(advised(f(r)))) for k,f in rules.items()]
    tab = pd.DataFrame(rows).pivot_table(index='rule', columns='task', values='regret', aggfunc='mean')[tasks]
    out = [(t, (pick := tab.drop(columns=t).mean(1).idxmin()), tab.loc[pick, t]) for t in tasks]
    md = ["## Leave one task out", "", f"Choosing among {len(rules)} rules (`candidate_rules`: plateau edges of the metric and of the validation loss "
          "at three tolerances, shaded by 1-3x, their peaks, multiples of the training minimum, divergence points, geometric means) by mean regret on "
          "all from-scratch tasks but one (validation in class order), then scoring the choice on the one left out:", "",
          "| left out | rule chosen on the others | its regret there | lr_max's regret there |", "|---|---|---|---|"]
    md += [f"| {t} | {k} | {v:.1f} | {tab.loc['lr_max', t]:.1f} |" for t,k,v in out]
    md += ["", f"- Mean held-out regret **{np.mean([v for *_,v in out]):.2f}** (lr_max on all tasks {tab.loc['lr_max'].mean():.2f}): "
           "the estimate for a task the rule was not chosen on.", f"- Best rule on all tasks: {tab.mean(1).idxmin()} "
           f"({tab.mean(1).min():.2f}); lr_max ranks {int((tab.mean(1) < tab.loc['lr_max'].mean()).sum())+1} of {len(tab)}."]
    return md

def report(d, rows) -> str:
    "advice.md: the headline table first, then how far validation order moves lr_max, how sure, each group's detail, and every reading"
    head,tab = headline(d, rows)
    tab.rename_axis('contender').to_csv(RESULTS/'headline.csv')  # what the README's table reads
    shift,_ = order_shift(d)
    lm = tab.loc['lr_find2 lr_max'] if 'lr_find2 lr_max' in tab.index else None
    sizes = ', '.join(f'{TASKS[t].n_seeds} for {t}' for t in d['tasks'] if TASKS[t].n_seeds < len(SEEDS))
    md = ["# LR advice: regret against a grid search", "",
          f"Mean regret in points of final validation accuracy below the grid's best mean (lower is better) over {len(d['tasks'])} tasks, "
          "with the range tests' validation set in class order (as `from_folder` loaders give it; the headline) and shuffled. "
          "Contenders that read only the training loss (fastai's suggestions, torch-lr-finder, Lightning) and LR-free optimizers "
          "do not depend on the validation order.", "", *head, ""]
    if lm is not None:
        md += [f"- `lr_find2 lr_max`, validation in class order: **{lm.iloc[0]:.2f}** points from scratch"
               + (f", **{lm.iloc[2]:.2f}** fine-tuning" if len(lm) > 3 and np.isfinite(lm.iloc[2]) else "") + "."]
    md += ["", "## Validation order", "", "How far `lr_max` moves between the class-ordered and the shuffled validation set (the same seeds and training; "
           "`|log10(lr_class/lr_shuffled)|`):", "", *shift, "", "## How sure", "",
           "Each task's seeds drawn with replacement 2,000 times, each bringing its grid row and its range test: 95% intervals of `lr_max`'s regret "
           "(class order). A regret below the grid's own noise cannot be told from zero.", "", *how_sure(d, rows), "", "## Each group", "",
           f"Each task's recipe over a grid of LRs ({len(SEEDS)} seeds, fewer where a run is slow: {sizes}; "
           "`results/advice/grid.csv`); every range test run once per seed on a fresh learner, lr_find2's once per validation order "
           "(`suggestions.csv`, `curves.csv`); every contender that trains (the LR-free optimizers, `fine_tune2`, `fine_tune_sf`) once per "
           "seed with the same epochs in all (`runs.csv`). A suggestion is scored at its LR by log-LR interpolation of the grid's means, clamped at "
           "the grid's ends (which understates the regret of suggestions outside it); a range test that gives no `lr_max` is scored "
           "at `defaults.lr`, where `fit_one_cycle(n)` then trains. The 95% interval is the bootstrap of the mean over the group's "
           "tasks. *Extra s per task*: a range test's seconds (seed 0), or a training contender's seconds beyond a grid run's. "
           "Lightning's suggestion is its own function (lightning 2.6 `_LRFinder.suggestion`) on the range test's recorded training "
           "curve.", ""]
    for grp,ts in _groups(d):
        if ts: md += group_table(d, rows, grp, ts, 'class') + [""]
    best = "; ".join(f"{t} {d['stats'].loc[t]['mean'].idxmax():g} ({100*d['stats'].loc[t]['mean'].max():.1f}%)" for t in d['tasks'])
    md += [f"Best grid LR per task (the recipe's default `lr_mult`): {best}.", ""]
    tt = transfer_tasks(d)
    if tt: md += ["## Transfer tasks", "", "Every backbone is pretrained here on a source task (seed 0, cached, never downloaded) and fine-tuned frozen-first, "
                  "as `vision_learner` and `text_classifier_learner` give it; the validation set in class order.", "", *tt, ""]
    two = grid_2d(d)
    if two: md += ["## Fine-tuning's two LRs", "", "`fine_tune(epochs, base_lr, lr_mult)` over both (ULMFiT: its `lr` and the divisor between "
                   "neighbouring groups, `slice(lr/lr_mult**4, lr)`): the regrets above count from the best cell of the whole grid (bold), "
                   "suggestions are read at the recipe's default, `fine_tune`'s `lr_mult=100` and ULMFiT's 2.6.", "", *two, ""]
    why = ratio_or_optimizer(d, rows)
    if why: md += ["## LR-free optimizers against `fine_tune`", "", "Mean final accuracy (%) of the best `fine_tune` cell at fastai's ratio and "
                   "at one LR for every group (the LR-free recipes train every group at one LR: a frozen epoch, then all groups), and of each "
                   "LR-free run: above the `lr_mult=1` cell, the optimizer or its schedule wins; between the two cells, the ratio does.", "", *why, ""]
    sf = schedule_free_line(d)
    if sf: md += ["## Schedule-free AdamW's LR", "", "Schedule-free AdamW's fine-tuning recipe (a frozen epoch, then every group, one constant LR) over "
                  "each task's LRs (`sf_grid.csv`, the same seeds; mean final accuracy, %), against the best `fine_tune` cell; where its default LR, "
                  "`fine_tune_sf`'s LR and its range test's `lr_max` land on that line (log-LR interpolation, averaged over seeds), and "
                  "`fine_tune_sf`'s own runs (`fine_tune_sf.csv`).", "", *sf, ""]
    md += [*every_reading(d, rows), *bn_lines(d), *_clr_lines(d), "", *loto(d)]
    left = [t for t in TASKS if t not in d['tasks']]
    if left: md += ["", f"Not scored (grid or range tests incomplete when this report was written): {', '.join(left)}."]
    return "\n".join(md) + "\n"

def score():
    "Load what is cached, score it, write advice.md and the plots"
    import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
    d = load()
    rows = regrets(d)
    md = report(d, rows)
    (HERE/'advice.md').write_text(md)
    _plot_tasks(plt, d, rows)
    _plot_contenders(plt, d, rows)
    print(md)

def _plot_tasks(plt, d, rows):
    "advice.png: each task's grid (mean, std) with the median suggestion of each finder (class order), and each LR-free optimizer's mean accuracy"
    show = ['fastai valley', 'fastai minimum', 'fastai steep', 'torch-lr-finder steepest', 'lightning suggestion', 'lr_find2 lr_max']
    tasks = d['tasks']
    nc = min(4, len(tasks)); nr = math.ceil(len(tasks)/nc)
    fig,axs = plt.subplots(nr, nc, figsize=(4.5*nc, 3.8*nr), squeeze=False)
    for ax in axs.flat[len(tasks):]: ax.axis('off')
    cls = rows[rows.val_order == 'class']
    for ax,t in zip(axs.flat, tasks):
        st = d['stats'].loc[t]
        ax.errorbar(st.index, 100*st['mean'], yerr=100*st['std'], fmt='-o', color='k', capsize=3, label='grid (mean, std)')
        for j,n in enumerate(show):
            v = cls[(cls.task == t) & (cls.name == n)].lr.astype(float).dropna()
            if len(v): ax.axvline(float(np.exp(np.log(v).median())), color=f'C{j}', ls='--', label=n)
        for j,(n,a) in enumerate(cls[(cls.task == t) & cls.name.isin(RUN_NAMES)].groupby('name').accuracy.mean().items()):
            ax.axhline(100*a, color=f'C{j+len(show)}', ls=':', label=f'{n} (no LR)')
        ax.set_xscale('log'); ax.set_xlabel('LR (log scale)'); ax.set_ylabel('final accuracy (%)'); ax.set_title(t)
    axs[0][0].legend(fontsize=6)
    fig.suptitle('Final accuracy vs LR, the median suggestion of each finder (validation in class order), and the LR-free optimizers')
    fig.tight_layout(); fig.savefig(RESULTS/'advice.png', dpi=90)

def _plot_contenders(plt, d, rows):
    "contenders.png: each contender's regret per task (a column of dots) and its mean, one panel per group of tasks, class-ordered validation"
    groups = [(g, ts) for g,ts in _groups(d) if ts]
    fig,axs = plt.subplots(1, len(groups), figsize=(7*len(groups), 4.5), squeeze=False)
    for ax,(grp,ts) in zip(axs[0], groups):
        r = rows[rows.task.isin(ts) & (rows.val_order == 'class') & rows.name.isin(list(CONTENDERS))]
        tb = r.pivot_table(index='name', columns='task', values='regret', aggfunc='mean').reindex(columns=ts).dropna()
        tb = tb.assign(mean=tb.mean(1)).sort_values('mean')
        for i,(n,q) in enumerate(tb.iterrows()):
            ax.scatter([i]*len(ts), q[ts], s=12, color='grey', alpha=0.7)
            ax.scatter([i], [q['mean']], s=60, color='C3' if n == 'lr_find2 lr_max' else 'C0', marker='_', linewidths=3)
        ax.set_xticks(range(len(tb))); ax.set_xticklabels(tb.index, rotation=60, ha='right', fontsize=7)
        ax.set_yscale('symlog', linthresh=1); ax.set_ylabel('regret (points; dots: tasks, bar: mean)'); ax.set_title(grp)
    fig.tight_layout(); fig.savefig(RESULTS/'contenders.png', dpi=90)

STEPS = dict(grid=grid, sf_grid=sf_grid, suggest=suggest, bn_running=bn_running, clr=clr, runs=runs, cost=cost, sources=sources)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('step', choices=[*STEPS, 'score', 'all'])
    p.add_argument('--tasks', nargs='*', default=None)
    p.add_argument('--names', nargs='*', default=None)  # `runs`: only these contenders
    p.add_argument('--n-seeds', type=int, default=None)  # `grid` and `bn_running`: only the first seeds
    p.add_argument('--threads', type=int, default=None)
    a = p.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    for k,f in STEPS.items():
        if a.step not in (k, 'all'): continue
        if k == 'runs': f(a.tasks, a.names)
        elif k in ('grid', 'bn_running') and a.n_seeds: f(a.tasks, a.n_seeds)
        else: f(a.tasks)
    if a.step in ('score', 'all'): score()
