"""The advice benchmark's tasks: each a fresh learner per seed, the training recipe a user would run on it, its epochs and its
grid of LRs. From-scratch tasks train with `fit_one_cycle`; transfer tasks start from a backbone pretrained here on a source
task (cached in benchmarks/.cache, never committed: there are no downloads, so pretraining is the real path) and train with
`fine_tune` or ULMFiT's gradual unfreezing."""
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable
import numpy as np, pandas as pd, torch
from torch import nn
from fastai.basics import Learner, CrossEntropyLossFlat, accuracy, set_seed, params
from fastai.torch_core import TensorImage, TensorCategory
from fastai_clr.all import *
from fastai_clr.zoo import zoo_learner, digits_images, text_corpus, SMALL_AWD
from fastai_clr.data import digits_arrays, TensorPairs, TensorData, seeded_dls
from fastcore.foundation import L

CACHE = Path(__file__).parent/'.cache'  # pretrained backbones (gitignored)
SEEDS = tuple(range(12))  # with 3, the resnet's grid could not tell 3e-3 from 1e-2 (87.0% vs 80.0% with 3, 84.6% vs 84.5% with 6)
LRS = (3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.)
FT_LRS = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1)  # fine-tuning LRs sit lower: fastai's default base_lr is 2e-3

def one_cycle(learn, epochs, lr, **kw): learn.fit_one_cycle(epochs, lr, **kw)
def fine_tune(learn, epochs, lr, lr_mult=100, **kw): learn.fine_tune(epochs, lr, lr_mult=lr_mult, **kw)

def ulmfit(learn, epochs, lr, lr_mult=2.6, **kw):
    """ULMFiT's gradual unfreezing from the fastai course, scaled by its first `lr`: head, then two, three, all groups with
    `slice(lr/lr_mult**4, lr)` (`lr_mult`: the per-group divisor, 2.6 in the course)"""
    learn.fit_one_cycle(1, lr, **kw)
    for n,k in ((-2, 2), (-3, 4)): learn.freeze_to(n); learn.fit_one_cycle(1, slice(lr/k/lr_mult**4, lr/k), **kw)
    learn.unfreeze(); learn.fit_one_cycle(epochs-3, slice(lr/20/lr_mult**4, lr/20), **kw)

def default_lr(fit) -> float:
    "The LR a user trains at without a range test: `fit_one_cycle`'s `defaults.lr`, `fine_tune`'s `base_lr` (2e-3), the fastai course's 2e-2 for ULMFiT"
    from fastai.basics import defaults
    return {one_cycle: defaults.lr, fine_tune: 2e-3, ulmfit: 2e-2}[fit]

@dataclass
class Task:
    """One benchmark task: `make(seed)` a fresh learner (frozen for transfer tasks), trained by `fit(learn, epochs, lr)` over the grid `lrs`;
    `lr_mults`: a second axis, `fine_tune`'s `lr_mult` or ULMFiT's per-group divisor (the recipe's default is the line suggestions are scored on)"""
    make:Callable; epochs:int; lrs:tuple; fit:Callable=one_cycle; n_seeds:int=len(SEEDS); transfer:bool=False; lr_mults:tuple=()
    @property
    def seeds(self): return SEEDS[:self.n_seeds]
    @property
    def default_mult(self) -> float|None:
        "The recipe's own `lr_mult`: `fine_tune`'s 100, ULMFiT's 2.6, None for a recipe without one"
        return {fine_tune: 100., ulmfit: 2.6}.get(self.fit)

def mlp_learner(dls, n_in, width, seed):
    "A fresh learner on `dls` with an MLP that has no batch norm (two hidden layers of `width`)"
    set_seed(seed)
    model = nn.Sequential(nn.Flatten(), nn.Linear(n_in, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 10))
    return Learner(dls, model, loss_func=CrossEntropyLossFlat(), metrics=accuracy)

def tabular_digits_learner(seed):
    "`tabular_learner` on scikit-learn digits read as 64 continuous columns (the same split as `digits_learner`)"
    from fastai.tabular.all import TabularDataLoaders, Normalize, CategoryBlock, tabular_learner
    x,y,xv,yv = digits_arrays()
    cols = [f'p{i}' for i in range(64)]
    df = pd.DataFrame(np.concatenate([x.reshape(len(x), -1), xv.reshape(len(xv), -1)]), columns=cols).assign(y=np.concatenate([y, yv]))
    dls = TabularDataLoaders.from_df(df, procs=[Normalize], cont_names=cols, y_names='y', y_block=CategoryBlock(),
                                     valid_idx=list(range(len(x), len(df))), bs=64, seed=seed)
    set_seed(seed)
    return tabular_learner(dls, layers=[200, 100], n_out=10, metrics=accuracy)

def vision_xresnet_learner(seed):
    "fastai's `xresnet18`, from scratch, on the images of the `vision_resnet18` task"
    from fastai.vision.models.xresnet import xresnet18
    dls = zoo_learner('vision', seed=seed, n=768, bs=64).dls
    set_seed(seed)
    return Learner(dls, xresnet18(n_out=10), loss_func=CrossEntropyLossFlat(), metrics=accuracy)

# ---- transfer: a backbone pretrained once (seed 0) on a source task, cached; each seed gets a fresh head and data order ----

def _cached(name, pretrain) -> dict:
    "What `pretrain()` returns, `(state, source_accuracy)`, computed once and kept in `CACHE/name.pt` as a dict with those keys"
    f = CACHE/f'{name}.pt'
    if not f.exists():
        CACHE.mkdir(exist_ok=True)
        print(f"pretraining {name} (once; cached in {f})", flush=True)
        state,acc = pretrain()
        torch.save(dict(state=state, source_accuracy=acc), f)
    return torch.load(f, weights_only=False)

def source_accuracy(task) -> float:  # SOURCES (below TASKS): transfer task -> (cache name, pretraining function, source task in words)
    "Accuracy of the task's backbone on its own source task (its validation set), pretraining it if not cached"
    name,pretrain,_ = SOURCES[task]
    return float(_cached(name, pretrain)['source_accuracy'])

def _pretrain_mnist1d():
    learn = mnist1d_pretrained_learner()
    return learn.model[0].state_dict(),float(learn.validate()[1])

def mnist1d_transfer(seed):
    "`mnist1d_transfer_learner`: MNIST-1D CNN whose convolutions were pretrained on digits 0-4, frozen, with a fresh head for 5-9 (1000 training signals)"
    return mnist1d_transfer_learner(_cached('mnist1d_cnn_0-4', _pretrain_mnist1d)['state'], seed, n_train=1000, bs=64)

_SHAPES = ('disc', 'square', 'triangle', 'ring', 'cross')

def shapes_images(n, size=32, seed=0):
    "`n` noisy RGB images `(n, 3, size, size)` of one of five shapes (`_SHAPES`) at a random place, size and colour, and the shape's index"
    rng = np.random.RandomState(seed)
    yy,xx = np.mgrid[:size, :size]
    im,y = np.zeros((n, 3, size, size), np.float32),rng.randint(len(_SHAPES), size=n)
    for i,k in enumerate(y):
        cx,cy = rng.randint(size//4, size - size//4, 2); r = rng.randint(size//8, size//4 + 1)
        dx,dy = abs(xx-cx),abs(yy-cy)
        sel = [dx**2 + dy**2 < r*r, (dx < r) & (dy < r), (yy-cy < r) & (dx < (yy-cy+r)/2), abs(np.sqrt(dx**2 + dy**2) - r*0.8) < 1.5,
               ((dx < r/4) & (dy < r)) | ((dy < r/4) & (dx < r))][k]
        im[i] = rng.rand(3, 1, 1)*0.3
        im[i][:, sel] = (rng.rand(3)*0.6 + 0.4)[:, None]
        im[i] += rng.randn(3, size, size).astype(np.float32)*0.1
    return torch.from_numpy(im),torch.from_numpy(y)

def _image_dls(x, y, xv, yv, seed, bs=64):
    mk = lambda a,b: TensorPairs(zip(TensorImage(a), TensorCategory(b)))
    return seeded_dls(mk(x, y), mk(xv, yv), bs, seed, None)

def _pretrain_resnet():
    from fastai.vision.learner import vision_learner
    from torchvision.models import resnet18
    (x,y),(xv,yv) = shapes_images(3000, seed=1),shapes_images(500, seed=2)
    set_seed(0)
    learn = vision_learner(_image_dls(x, y, xv, yv, 0), resnet18, pretrained=False, n_out=len(_SHAPES), loss_func=CrossEntropyLossFlat(), metrics=accuracy)
    with learn.no_logging(), learn.no_bar(): learn.fit_one_cycle(5, 3e-3)
    return learn.model[0].state_dict(),float(learn.validate()[1])

def vision_transfer_learner(seed):
    "`vision_learner(resnet18)` whose body was pretrained on five synthetic shapes, frozen, with a fresh head for scikit-learn digits (768 images)"
    from fastai.vision.learner import vision_learner
    from torchvision.models import resnet18
    body = _cached('resnet18_shapes', _pretrain_resnet)['state']
    x,y,xv,yv = digits_images(32)
    set_seed(seed)
    learn = vision_learner(_image_dls(x[:768], y[:768], xv, yv, seed), resnet18, pretrained=False, n_out=10, loss_func=CrossEntropyLossFlat(), metrics=accuracy)
    learn.model[0].load_state_dict(body)
    learn.freeze()  # what `vision_learner(pretrained=True)` does
    return learn

# ---- transfer on real scans: scikit-learn's handwritten digits as image folders, backbones of three families pretrained on 0-4 ----

def _save_pngs(d:Path, ims):
    for i,im in enumerate(ims): save_png(d/f'{i:04d}.png', im)

def digits_split_folder(path, classes, n_per_class=None, seed=0) -> Path:
    """The digits `classes` (scikit-learn's 8x8 scans) as PNGs in `path/train/<d>/`, `n_per_class` of each (drawn with `seed`; all when None),
    and `path/valid/<d>/` with every other scan of them; written unless there"""
    path = Path(path)
    if (path/'valid').exists(): return path
    x,y,xv,yv = digits_arrays()
    rng = np.random.RandomState(seed)
    for k in classes:
        idx = rng.permutation(np.where(y == k)[0])
        _save_pngs(path/'train'/str(k), x[idx[:n_per_class]])
        _save_pngs(path/'valid'/str(k), np.concatenate([xv[yv == k], x[idx[len(idx) if n_per_class is None else n_per_class:]]]))
    return path

def _arch(name):
    "A backbone `vision_learner` takes, by name: torchvision's resnet18 and squeezenet1_1, fastai's xresnet18"
    from torchvision import models
    from fastai.vision.models.xresnet import xresnet18
    return dict(resnet18=models.resnet18, squeezenet1_1=models.squeezenet1_1, xresnet18=xresnet18)[name]

def _folder_learner(path, arch, seed, bs):
    "`vision_learner(arch, pretrained=False)` on an image-folder tree through `ImageDataLoaders.from_folder` (validation in class order), 32x32"
    from fastai.vision.all import ImageDataLoaders, Resize, vision_learner
    dls = ImageDataLoaders.from_folder(path, valid='valid', item_tfms=Resize(32), bs=bs, seed=seed, num_workers=0)
    set_seed(seed)
    return vision_learner(dls, _arch(arch), pretrained=False, loss_func=CrossEntropyLossFlat(), metrics=accuracy)

DIGITS_N_PER_CLASS = 30  # the target's training scans per class: a small set, as fine-tuning has it

def _pretrain_on_digits(arch):
    "`arch`'s body trained from scratch on every scan of digits 0-4 (`fit_one_cycle(8, 3e-3)`), with its accuracy on their validation scans"
    learn = _folder_learner(digits_split_folder(CACHE/'digits_0-4', range(5)), arch, 0, 64)
    with learn.no_logging(), learn.no_bar(): learn.fit_one_cycle(8, 3e-3)
    return learn.model[0].state_dict(),float(learn.validate()[1])

def digits_transfer_learner(arch, seed):
    "`vision_learner(arch)` whose body was pretrained on digits 0-4, frozen, with a fresh head for 5-9 from a folder tree of 30 scans per class"
    body = _cached(f'{arch}_digits_0-4', partial(_pretrain_on_digits, arch))['state']
    learn = _folder_learner(digits_split_folder(CACHE/f'digits_5-9_{DIGITS_N_PER_CLASS}', range(5, 10), DIGITS_N_PER_CLASS), arch, seed, 16)
    learn.model[0].load_state_dict(body)
    learn.freeze()
    return learn

_FILLER_SHIFT = 30  # the target corpus draws its filler words from w30..w109: 50 of its 80 words are in the language model's vocabulary

def source_corpus(n, seed=0, frac=0.5, length=24):
    "The language model's unlabelled corpus: `n` documents of one sentiment each, every word a sentiment word of it with probability `frac`, else a filler"
    from fastai_clr.zoo import POS_WORDS, NEG_WORDS
    rng = np.random.RandomState(seed)
    def doc(words): return ' '.join(rng.choice(words) if rng.rand() < frac else f'w{rng.randint(80)}' for _ in range(length))
    return pd.DataFrame(dict(text=[doc(POS_WORDS if rng.randint(2) else NEG_WORDS) for _ in range(n)]))

def shifted_corpus(n, seed=0):
    "`n` labelled documents of `text_corpus` (mixed sentiment, labelled by the majority) with their filler words from a shifted range"
    df = text_corpus(n, seed=seed)
    df['text'] = df.text.str.replace(r'\bw(\d+)\b', lambda m: f'w{int(m.group(1)) + _FILLER_SHIFT}', regex=True)
    return df

def _pretrain_awd_lstm():
    from fastai.text.all import TextDataLoaders, language_model_learner, AWD_LSTM, BaseTokenizer
    from fastai.text.models.awdlstm import awd_lstm_lm_config
    from fastai.torch_core import get_model
    dls = TextDataLoaders.from_df(source_corpus(6000, seed=7), text_col='text', is_lm=True, valid_pct=0.1, seed=0, bs=32, seq_len=16,
                                  tok_tfm=BaseTokenizer())
    set_seed(0)
    learn = language_model_learner(dls, AWD_LSTM, pretrained=False, metrics=accuracy, config={**awd_lstm_lm_config, **SMALL_AWD})
    with learn.no_logging(), learn.no_bar(): learn.fit_one_cycle(10, 3e-2, moms=(0.8, 0.7, 0.8))
    return dict(encoder=get_model(learn.model)[0].state_dict(), vocab=list(dls.vocab)),float(learn.validate()[1])

def text_transfer_learner(seed):
    "ULMFiT's classifier: an AWD-LSTM encoder pretrained as a language model on one corpus, frozen, classifying a shifted corpus (800 documents)"
    from fastai.text.all import TextDataLoaders, text_classifier_learner, AWD_LSTM, BaseTokenizer
    from fastai.text.models.awdlstm import awd_lstm_clas_config
    from fastai.torch_core import get_model
    lm = _cached('awd_lstm_lm', _pretrain_awd_lstm)['state']
    dls = TextDataLoaders.from_df(shifted_corpus(1000, seed=1000), text_col='text', label_col='label', valid_pct=0.2, seed=seed, bs=32,
                                  seq_len=72, tok_tfm=BaseTokenizer(), text_vocab=lm['vocab'])
    set_seed(seed)
    learn = text_classifier_learner(dls, AWD_LSTM, pretrained=False, metrics=accuracy, config={**awd_lstm_clas_config, **SMALL_AWD})
    get_model(learn.model)[0].module.load_state_dict(lm['encoder'])  # what `learn.load_encoder` reads from a file
    learn.freeze()
    return learn

# ---- validation order: fastai never shuffles the validation loader, and its folder loaders give it in class order ----

def _valid_labels(ds) -> np.ndarray:
    "The label of every item of a validation dataset, in its order"
    from fastai.tabular.core import TabularPandas
    if isinstance(ds, TabularPandas): return ds.ys.values.reshape(-1)
    if isinstance(ds, TensorData): return ds.y.numpy()
    return np.array([int(ds[i][-1]) for i in range(len(ds))])

def _reindexed(ds, idx):
    "A copy of the dataset `ds` holding its items `idx`, in that order"
    from fastai.tabular.core import TabularPandas
    from fastai.data.core import Datasets
    if isinstance(ds, TabularPandas): return ds.iloc[list(idx)]
    if isinstance(ds, TensorData): return TensorData(ds.x[idx], ds.y[idx])
    if isinstance(ds, Datasets):
        items = lambda tl: tl.items.iloc[idx] if hasattr(tl.items, 'iloc') else L(tl.items)[idx]
        return Datasets(tls=[tl._new(items(tl), split_idx=tl.split_idx) for tl in ds.tls], n_inp=ds.n_inp)
    return type(ds)(ds[i] for i in idx)

def with_valid_order(learn, order:str, seed:int=0):
    "`learn` with its validation items in `order`: 'class' (sorted by label, as folder loaders give them), 'shuffled' (seeded), 'as loaded'"
    if order == 'as loaded': return learn
    ds = learn.dls.valid.dataset
    y = _valid_labels(ds)
    idx = np.argsort(y, kind='stable') if order == 'class' else np.random.RandomState(seed).permutation(len(y))
    learn.dls.loaders[1] = learn.dls.valid.new(dataset=_reindexed(ds, idx))
    return learn

def folder_resnet18_learner(seed):
    "`vision_learner(resnet18, pretrained=False)` on the digits PNGs through `ImageDataLoaders.from_folder` (validation in class order), 32x32, bs 64"
    from fastai.vision.all import ImageDataLoaders, Resize, vision_learner
    from torchvision.models import resnet18
    dls = ImageDataLoaders.from_folder(digits_folder(CACHE/'digits_folder'), valid='valid', item_tfms=Resize(32), bs=64, seed=seed, num_workers=0)
    set_seed(seed)
    return vision_learner(dls, resnet18, pretrained=False, n_out=10, loss_func=CrossEntropyLossFlat(), metrics=accuracy)

def df_text_learner(seed):
    "`text_classifier_learner` (small AWD-LSTM, from scratch) through `TextDataLoaders.from_df` on a DataFrame sorted by label, its last fifth the validation set"
    from fastai.text.all import TextDataLoaders, text_classifier_learner, AWD_LSTM, BaseTokenizer
    from fastai.text.models.awdlstm import awd_lstm_clas_config
    df = text_corpus(1000, seed=1000)
    df['is_valid'] = np.arange(len(df)) >= 800
    df = df.sort_values(['is_valid', 'label'], kind='stable').reset_index(drop=True)
    dls = TextDataLoaders.from_df(df, text_col='text', label_col='label', valid_col='is_valid', seed=seed, bs=32, seq_len=72, tok_tfm=BaseTokenizer())
    set_seed(seed)
    return text_classifier_learner(dls, AWD_LSTM, pretrained=False, metrics=accuracy, config={**awd_lstm_clas_config, **SMALL_AWD})

# task name -> Task; the transfer tasks' learners come frozen, as a user has them before `lr_find` and `fine_tune`
TASKS = {
    'mnist1d_cnn': Task(lambda s: mnist1d_learner(seed=s), 6, LRS),
    'mnist1d_mlp_no_bn': Task(lambda s: mlp_learner(mnist1d_dls(seed=s), 40, 256, s), 6, LRS),
    'tabular': Task(lambda s: zoo_learner('tabular', seed=s, n=2000), 5, LRS[:-1]),
    'text_awd_lstm': Task(lambda s: zoo_learner('text_classifier', seed=s, n=800), 5, LRS[:-1]),
    'vision_resnet18': Task(lambda s: zoo_learner('vision', seed=s, n=768, bs=64), 3, LRS[:-2], n_seeds=6),  # 16-28 s a run here
    'digits_cnn': Task(lambda s: digits_learner(seed=s), 3, LRS),
    'folder_resnet18': Task(folder_resnet18_learner, 3, LRS[:-2], n_seeds=3),  # loaded as users load image folders (grid: 6 seeds)
    'df_text_awd_lstm': Task(df_text_learner, 5, LRS[:-1]),  # loaded from a DataFrame sorted by label
    'tabular_digits': Task(tabular_digits_learner, 5, LRS),
    'digits_mlp_no_bn': Task(lambda s: mlp_learner(digits_dls(seed=s), 64, 128, s), 5, LRS),
    'vision_xresnet18': Task(vision_xresnet_learner, 3, LRS[:-2], n_seeds=6),
    'ft_mnist1d_cnn': Task(mnist1d_transfer, 3, FT_LRS + (1., 3.), fine_tune, transfer=True, lr_mults=(1, 10, 100)),
    'ft_vision_resnet18': Task(vision_transfer_learner, 2, FT_LRS[:-1], fine_tune, n_seeds=6, transfer=True, lr_mults=(1, 10, 100)),
    'ft_text_ulmfit': Task(text_transfer_learner, 5, LRS[1:] + (3.,), ulmfit, n_seeds=8, transfer=True, lr_mults=(1, 2.6, 6)),
    **{f'ft_digits_{a}': Task(partial(digits_transfer_learner, a), 4, FT_LRS[:-1], fine_tune, n_seeds=6, transfer=True, lr_mults=(1, 10, 100))
       for a in ('resnet18', 'xresnet18', 'squeezenet1_1')},
}
SOURCES = {'ft_mnist1d_cnn': ('mnist1d_cnn_0-4', _pretrain_mnist1d, 'MNIST-1D digits 0-4'),
           'ft_vision_resnet18': ('resnet18_shapes', _pretrain_resnet, 'five synthetic shapes'),
           'ft_text_ulmfit': ('awd_lstm_lm', _pretrain_awd_lstm, 'next word of the source corpus'),
           **{f'ft_digits_{a}': (f'{a}_digits_0-4', partial(_pretrain_on_digits, a), 'scanned digits 0-4') for a in ('resnet18', 'xresnet18', 'squeezenet1_1')}}
SCRATCH = [t for t,k in TASKS.items() if not k.transfer]
TRANSFER = [t for t,k in TASKS.items() if k.transfer]
