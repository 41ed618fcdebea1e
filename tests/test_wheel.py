"""A wheel install works, not only the editable one: build the wheel, install it (without dependencies: they are this venv's) into
a folder of its own, and run the README's first steps from it in a fresh interpreter."""
import subprocess, sys, zipfile
from pathlib import Path

ROOT = Path(__file__).parents[1]
QUICK_START = """
import fastai_clr, sys
assert fastai_clr.__file__.startswith(sys.argv[1]), fastai_clr.__file__  # the wheel's copy, not the clone's
from fastai_clr.all import *
learn = mnist1d_learner(seed=0, n_train=256)
sugg = learn.lr_find2(num_it=20, show_plot=False)
with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(1, sugg.lr_max or 1e-2)
print('ok', type(ScheduleFreeCallback()).__name__)
"""

def test_wheel_install(tmp_path):
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps', '--no-build-isolation', '-w', tmp_path, ROOT], check=True, cwd=tmp_path)
    whl, = tmp_path.glob('fastai_clr-*.whl')
    names = set(zipfile.ZipFile(whl).namelist())
    assert {f'fastai_clr/{m}.py' for m in ('all', 'lr_find2', 'schedule_free', 'zoo', 'cli')} <= names
    site = tmp_path/'site'
    subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', '--no-deps', '--target', site, whl], check=True)
    env = {'PYTHONPATH': str(site), 'PATH': '/usr/bin:/bin', 'MPLBACKEND': 'Agg', 'HOME': str(tmp_path)}
    r = subprocess.run([sys.executable, '-c', QUICK_START, str(site)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and r.stdout.strip().endswith('ok ScheduleFreeCallback'), r.stderr[-2000:]
